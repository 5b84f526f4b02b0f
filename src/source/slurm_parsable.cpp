// Slurm 22.05's parsable text forms, read into the JSON the shared translation consumes
// (slurm_translate.cpp): `scontrol -o show reservation` and `sacctmgr -P -n show assoc|qos`,
// which have no --json before Slurm 23.02. The JSON written has the fields of data parser
// v0.0.38 that the translation reads, nothing else (docs/slurm.md, "Slurm's own commands").
#include "fleetcap/error.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "slurm.hpp"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

namespace fleetcap::source::slurm {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t a = 0; a < text.size();) {
    std::size_t b = text.find('\n', a);
    if (b == std::string_view::npos) b = text.size();
    std::string_view line = text.substr(a, b - a);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
    a = b + 1;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t a = 0;;) {
    const std::size_t b = s.find(sep, a);
    out.push_back(s.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
    if (b == std::string_view::npos) return out;
    a = b + 1;
  }
}

std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (s.size() > 80) out += "...";
  return out;
}

// "2026-12-07T03:54:27" (UTC: fleetcap runs scontrol with TZ=UTC and SLURM_TIME_FORMAT=standard).
std::optional<Time> utc_time(std::string_view s) {
  std::tm tm{};
  const std::string text(s);
  const char* end = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || *end) return std::nullopt;
  return static_cast<Time>(::timegm(&tm));
}

bool is_key(std::string_view word) {
  const auto eq = word.find('=');
  if (eq == std::string_view::npos || eq == 0 || !std::isalpha(static_cast<unsigned char>(word.front()))) return false;
  for (char c : word.substr(0, eq))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

// One `scontrol -o` line: KEY=VALUE words; a word that is not KEY=... continues the value before
// it (a value with spaces).
std::vector<std::pair<std::string_view, std::string>> key_values(std::string_view line) {
  std::vector<std::pair<std::string_view, std::string>> out;
  for (std::string_view word : split(line, ' ')) {
    if (word.empty()) continue;
    if (is_key(word) || out.empty()) {
      const auto eq = word.find('=');
      out.push_back({word.substr(0, eq), std::string(eq == std::string_view::npos ? "" : word.substr(eq + 1))});
    } else {
      out.back().second += " ";
      out.back().second += word;
    }
  }
  return out;
}

std::string none_if_null(std::string v) { return v == "(null)" || v == "N/A" ? std::string() : v; }

} // namespace

namespace {

// One reservation line's fields, in slurmrestd's names; false when it has no name.
bool reservation_fields(json::JsonWriter& w, std::string_view line, std::string_view label, std::size_t index,
                        std::vector<std::string>& errors) {
  std::string name;
  for (auto& [key, value] : key_values(line)) {
    if (key == "ReservationName") {
      name = value;
      w.field("name", value);
    } else if (key == "Nodes") {
      w.field("node_list", none_if_null(value));
    } else if (key == "Flags") {
      w.field("flags", none_if_null(value)); // a comma list, as v0.0.38 splits it
    } else if (key == "Comment") {
      w.field("comment", none_if_null(value));
    } else if (key == "Accounts" || key == "Users") {
      w.field(key == "Accounts" ? "accounts" : "users", none_if_null(value)); // a comma list, as v0.0.38's
    } else if (key == "StartTime" || key == "EndTime") {
      if (value == "Unknown" || value == "None" || value.empty()) continue;
      const auto t = utc_time(value);
      if (!t) {
        errors.push_back(fmt::format("{}: line {} \"{}\": {}={} is not a time like 2025-01-31T12:00:00", label,
                                     index + 1, shown(name), key, shown(value)));
        continue;
      }
      w.field(key == "StartTime" ? "start_time" : "end_time", *t);
    }
  }
  return !name.empty();
}

} // namespace

std::string reservations_from_scontrol(std::string_view text, std::string_view label,
                                       std::vector<std::string>& errors) {
  json::JsonWriter w;
  w.begin_object().key("reservations").begin_array();
  std::size_t index = 0;
  for (std::string_view line : lines_of(text)) {
    if (line.starts_with("No reservations in the system")) continue;
    w.begin_object();
    if (!reservation_fields(w, line, label, index, errors))
      errors.push_back(fmt::format("{}: line {}: no ReservationName= in \"{}\"", label, index + 1, shown(line)));
    w.end_object();
    ++index;
  }
  return w.end_array().end_object().finish();
}

std::optional<std::vector<TresLimit>> parse_tres_limits(std::string_view tres) {
  std::vector<TresLimit> out;
  if (tres.empty()) return out;
  for (std::string_view entry : split(tres, ',')) {
    const auto eq = entry.rfind('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    const std::string_view what = entry.substr(0, eq), count = entry.substr(eq + 1);
    const auto slash = what.find('/');
    TresLimit l{std::string(what.substr(0, slash)),
                slash == std::string_view::npos ? "" : std::string(what.substr(slash + 1)), 0};
    // Only GPU counts matter; other TRES may carry units (mem=500G).
    const bool gpu = l.type == "gres" && (l.name == "gpu" || l.name.starts_with("gpu:"));
    const auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), l.count);
    if (ec != std::errc() || p != count.data() + count.size() || l.count < 0) {
      if (gpu) return std::nullopt;
      continue;
    }
    if (gpu) out.push_back(std::move(l));
  }
  return out;
}

namespace {

// {"tres": {"total": [{type, name, count}, ...]}}: slurmrestd's shape of a TRES limit, the value of `key`.
void tres_field(json::JsonWriter& w, std::string_view key, const std::vector<TresLimit>& limits) {
  w.key(key).begin_object().key("tres").begin_object().key("total").begin_array();
  for (const auto& l : limits)
    w.begin_object().field("type", l.type).field("name", l.name).field("count", l.count).end_object();
  w.end_array().end_object().end_object();
}

std::optional<std::string_view> or_null(std::string_view s) { return s.empty() ? std::nullopt : std::optional(s); }

// One `sacctmgr -P -n` line as `fields` columns; an error (and nullopt) when it has another count.
std::optional<std::vector<std::string_view>> columns(std::string_view line, std::size_t fields, std::size_t index,
                                                     std::string_view label, std::vector<std::string>& errors) {
  auto cols = split(line, '|');
  if (cols.size() == fields + 1 && cols.back().empty()) cols.pop_back(); // -p's trailing |
  if (cols.size() == fields) return cols;
  errors.push_back(fmt::format("{}: line {}: expected {} fields separated by |, got {}: \"{}\"", label, index + 1,
                               fields, cols.size(), shown(line)));
  return std::nullopt;
}

// `sacctmgr -P -n show assoc|qos` lines, each named by its column `name` and holding GrpTRES in
// column `tres`, as `{"KEY": [{row(w, columns, its GPU limits)}, ...]}`: `row` writes a row's
// fields, the limits with tres_field.
template <class Row> std::string limit_rows(std::string_view text, std::string_view label,
                                            std::vector<std::string>& errors, std::size_t fields, std::size_t name,
                                            std::size_t tres, std::string_view key, Row&& row) {
  json::JsonWriter w;
  w.begin_object().key(key).begin_array();
  std::size_t index = 0;
  for (std::string_view line : lines_of(text)) {
    const auto cols = columns(line, fields, index, label, errors);
    ++index;
    if (!cols) continue;
    const auto limits = parse_tres_limits((*cols)[tres]);
    if (!limits) {
      errors.push_back(fmt::format("{}: line {} \"{}\": GrpTRES \"{}\" is not a TRES list like gres/gpu:h100=8", label,
                                   index, shown((*cols)[name]), shown((*cols)[tres])));
      continue;
    }
    w.begin_object();
    row(w, *cols, *limits);
    w.end_object();
  }
  return w.end_array().end_object().finish();
}

} // namespace

std::string associations_from_sacctmgr(std::string_view text, std::string_view label,
                                       std::vector<std::string>& errors) {
  // format=Cluster,Account,User,ParentName,GrpTRES,DefaultQOS (kAssocFormat)
  return limit_rows(text, label, errors, kAssocFields, 1, 4, "associations",
                    [](json::JsonWriter& w, const std::vector<std::string_view>& c, const std::vector<TresLimit>& max) {
                      w.field("cluster", c[0]).field("account", c[1]);
                      w.field("user", or_null(c[2])).field("parent_account", or_null(c[3]));
                      tres_field(w, "max", max);
                      w.key("default").begin_object().field("qos", or_null(c[5])).end_object();
                    });
}

std::string qos_from_sacctmgr(std::string_view text, std::string_view label, std::vector<std::string>& errors) {
  // format=Name,GrpTRES,Preempt,PreemptMode (kQosFormat). Preempt: a comma list of QOS names;
  // PreemptMode: a word ("cluster" when the QOS has none of its own).
  return limit_rows(text, label, errors, kQosFields, 0, 1, "qos",
                    [](json::JsonWriter& w, const std::vector<std::string_view>& c, const std::vector<TresLimit>& max) {
                      w.field("name", c[0]).key("limits").begin_object();
                      tres_field(w, "max", max);
                      w.end_object();
                      // Preempt: a comma list of QOS names; PreemptMode: a word ("cluster" when
                      // the QOS has none of its own).
                      w.key("preempt").begin_object().key("list").begin_array();
                      for (std::string_view name : split(c[2], ','))
                        if (!name.empty()) w.value(name);
                      w.end_array().key("mode").begin_array();
                      if (!c[3].empty() && c[3] != "cluster") w.value(c[3]);
                      w.end_array().end_object();
                    });
}

std::string partitions_from_scontrol(std::string_view text, std::string_view label, std::vector<std::string>& errors) {
  json::JsonWriter w;
  w.begin_object().key("partitions").begin_array();
  std::size_t index = 0;
  for (std::string_view line : lines_of(text)) {
    if (line.starts_with("No partitions in the system")) continue;
    w.begin_object();
    bool named = false;
    for (auto& [key, value] : key_values(line)) {
      if (key == "PartitionName") {
        named = true;
        w.field("name", value);
      } else if (key == "Nodes") {
        w.field("nodes", none_if_null(value));
      } else if (key == "PriorityTier") {
        if (std::int64_t tier = 0; std::from_chars(value.data(), value.data() + value.size(), tier).ec == std::errc())
          w.field("priority_tier", tier);
      }
    }
    if (!named)
      errors.push_back(fmt::format("{}: line {}: no PartitionName= in \"{}\"", label, index + 1, shown(line)));
    w.end_object();
    ++index;
  }
  return w.end_array().end_object().finish();
}

PreemptConfig preempt_from_config(std::string_view text) {
  PreemptConfig c;
  for (std::string_view line : lines_of(text)) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    auto trim = [](std::string_view v) {
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    };
    const std::string_view key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "PreemptType") c.type = preempt_type_from(value).value_or("");
    if (key == "PreemptMode") c.mode = std::string(value);
  }
  return c;
}

std::vector<std::string> clusters_from_sacctmgr(std::string_view text, std::string_view label,
                                                std::vector<std::string>& skipped) {
  std::vector<std::string> out;
  std::vector<std::string> errors;
  std::size_t index = 0;
  for (std::string_view line : lines_of(text)) {
    const auto cols = columns(line, 2, index++, label, errors);
    if (!cols) continue;
    if ((*cols)[0].empty()) continue;
    ((*cols)[1].empty() ? skipped : out).emplace_back((*cols)[0]);
  }
  if (!errors.empty()) throw DataError(std::move(errors));
  return out;
}

} // namespace fleetcap::source::slurm
