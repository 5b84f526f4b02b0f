// slurmrestd responses (data parser v0.0.38 to v0.0.44) -> fleet API pages, per docs/slurm.md.
// Every mapping and every choice made where Slurm left room is in docs/slurm.md. Read with simdjson On Demand: no DOM,
// strings stay views into the response or the parser's buffer until the pages are written.
#include "fleetcap/error.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/text.hpp"
#include "model/json_key.hpp"
#include "model/json_tail.hpp"
#include "model/split.hpp"
#include "slurm.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace fleetcap::source::slurm {
namespace od = simdjson::ondemand;
namespace {

constexpr std::size_t kNoLeaf = SIZE_MAX; // a job that targets no leaf: flex
constexpr Time kOpenEnd =
    221845391999; // 8999-12-31T23:59:59Z, the last time fleetcap reads: an end Slurm calls infinite

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A value from slurmrestd in a message: redacted, then escaped, then cut (fleetcap/text.hpp).
std::string shown(std::string_view s) { return quote_from_server(s, 60); }

// A number as slurmrestd writes it: plain (<= v0.0.39) or {"set", "infinite", "number"}.
struct Number {
  bool set = false;
  bool infinite = false;
  std::int64_t value = 0;
};

std::optional<Number> read_number(od::value v) {
  od::json_type t = v.type();
  Number n;
  if (t == od::json_type::number) {
    double d = v.get_double();
    if (d >= 4294967294.0 && d <= 4294967295.0)
      n.infinite = true; // Slurm's INFINITE (NO_VAL below it)
    else if (d >= 1.8e19)
      n.infinite = true; // INFINITE64
    n.set = !n.infinite;
    n.value = static_cast<std::int64_t>(d);
    return n;
  }
  if (t == od::json_type::null) return n;
  if (t != od::json_type::object) return std::nullopt;
  for (auto field : v.get_object()) {
    std::string_view k = key_of(field);
    od::value f = field.value();
    if (k == "set")
      n.set = f.get_bool();
    else if (k == "infinite")
      n.infinite = f.get_bool();
    else if (k == "number") {
      if (f.type() != od::json_type::number) return std::nullopt;
      n.value = static_cast<std::int64_t>(f.get_double());
    }
  }
  return n;
}

std::string got(od::value v) {
  switch (v.type()) {
  case od::json_type::object: return "an object";
  case od::json_type::array: return "an array";
  default: {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
    return shown(raw);
  }
  }
}

// One endpoint's objects: their problems become docs/fleet-api.md lines naming the endpoint.
class Objects {
public:
  Objects(std::string_view label, std::string_view kind, std::vector<std::string>& errors)
      : label_(label), kind_(kind), errors_(errors) {}
  void fail(std::size_t index, std::string_view name, std::string_view field, const std::string& what) {
    if (name.empty())
      errors_.push_back(fmt::format("{}: {}[{}]: field \"{}\" {}", label_, kind_, index, field, what));
    else
      errors_.push_back(
          fmt::format("{}: {}[{}] \"{}\": field \"{}\" {}", label_, kind_, index, shown(name), field, what));
  }

private:
  std::string_view label_, kind_;
  std::vector<std::string>& errors_;
};

// A string field: false (and an error) when it is not a string.
bool read_string(od::value v, std::string_view& out) {
  if (v.type() == od::json_type::null) {
    out = {};
    return true;
  }
  if (v.type() != od::json_type::string) return false;
  out = v.get_string();
  return true;
}

// A string, or an array of strings (state flags, features, job states): appended to `out`.
bool read_words(od::value v, std::vector<std::string_view>& out) {
  const od::json_type t = v.type();
  if (t == od::json_type::null) return true;
  if (t == od::json_type::string) {
    out.push_back(v.get_string());
    return true;
  }
  if (t != od::json_type::array) return false;
  for (auto e : v.get_array()) {
    od::value ev = e.value();
    if (ev.type() != od::json_type::string) return false;
    out.push_back(ev.get_string());
  }
  return true;
}

// slurmrestd's errors[] on one line.
std::string errors_text(od::value errs) {
  std::string out;
  if (errs.type() != od::json_type::array) return out;
  for (auto e : errs.get_array()) {
    od::value ev = e.value();
    if (ev.type() != od::json_type::object) continue;
    std::string_view description, error;
    std::int64_t number = 0;
    for (auto f : ev.get_object()) {
      std::string_view k = key_of(f);
      od::value fv = f.value();
      if (k == "description")
        read_string(fv, description);
      else if (k == "error")
        read_string(fv, error);
      else if (k == "error_number" || k == "errno") {
        if (fv.type() == od::json_type::number) number = fv.get_int64();
      }
    }
    std::string one = std::string(error.empty() ? description : error);
    if (!description.empty() && !error.empty() && description != error) one += fmt::format(" ({})", description);
    if (number) one += fmt::format(" [error {}]", number);
    if (one.empty()) continue;
    if (!out.empty()) out += "; ";
    out += one;
  }
  return out;
}

// Where the array under top-level `key` opens: the offset just past its `[`, or npos. Reads the
// top-level object's keys and skips the values before it (meta, errors: small). With `ran_out`:
// set when `body` ended before that could be decided (a body still arriving).
std::size_t find_array(std::string_view body, std::string_view key, bool* ran_out = nullptr) {
  std::size_t i = 0;
  const auto npos = [&](bool at_end) {
    if (ran_out) *ran_out = at_end;
    return std::string_view::npos;
  };
  auto blank = [&] {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) ++i;
  };
  auto skip_string = [&]() -> bool { // at '"'
    for (++i; i < body.size(); ++i) {
      if (body[i] == '\\')
        ++i;
      else if (body[i] == '"') {
        ++i;
        return true;
      }
    }
    return false;
  };
  blank();
  if (i >= body.size() || body[i] != '{') return npos(i >= body.size());
  ++i;
  for (;;) {
    blank();
    if (i >= body.size() || body[i] != '"') return npos(i >= body.size());
    const std::size_t k0 = i + 1;
    if (!skip_string()) return npos(true);
    const std::string_view k = body.substr(k0, i - 1 - k0);
    blank();
    if (i >= body.size() || body[i] != ':') return npos(i >= body.size());
    ++i;
    blank();
    if (i >= body.size()) return npos(true);
    if ((k == key || (key == "qos" && k == "QOS")) && body[i] == '[') return i + 1;
    // Skip the value.
    if (body[i] == '"') {
      if (!skip_string()) return npos(true);
    } else if (body[i] == '{' || body[i] == '[') {
      long depth = 0;
      while (i < body.size()) {
        const char c = body[i];
        if (c == '"') {
          if (!skip_string()) return npos(true);
          continue;
        }
        ++i;
        if (c == '{' || c == '[')
          ++depth;
        else if ((c == '}' || c == ']') && --depth == 0)
          break;
      }
      if (depth != 0) return npos(true);
    } else {
      while (i < body.size() && body[i] != ',' && body[i] != '}') ++i; // a number, true, false, null
    }
    blank();
    if (i >= body.size() || body[i] != ',') return npos(i >= body.size());
    ++i;
  }
}

// A response's top level: the array under `key` is handed to `each`; `errors[]` collected.
template <class Each, class Meta> void read_whole(std::string& body, std::string_view label, std::string_view key,
                                                  od::parser& parser, std::vector<std::string>& errors, Each&& each,
                                                  Meta&& meta, std::size_t first_index = 0, bool array_seen = false) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  bool found = array_seen;
  std::string slurm_errs;
  try {
    od::document doc = parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
    for (auto field : doc.get_object()) {
      std::string_view k = key_of(field);
      if (k == key || (key == "qos" && k == "QOS")) { // v0.0.38 lists QOS under "QOS"
        od::value v = field.value();
        if (v.type() != od::json_type::array) {
          errors.push_back(fmt::format("{}: field \"{}\" must be an array, got {}", label, key, got(v)));
          return;
        }
        found = true;
        std::size_t index = first_index;
        for (auto item : v.get_array()) {
          od::value iv = item.value();
          if (iv.type() != od::json_type::object) {
            errors.push_back(fmt::format("{}: {}[{}]: must be an object, got {}", label, key, index, got(iv)));
            ++index;
            continue;
          }
          each(iv.get_object(), index++);
        }
      } else if (k == "meta") {
        od::value v = field.value();
        if (v.type() == od::json_type::object) meta(v.get_object());
      } else if (k == "errors") {
        slurm_errs = errors_text(field.value());
      }
    }
    if (more_after(doc)) {
      errors.push_back(fmt::format("{}: invalid JSON at {}", label, after_document(doc, body)));
      return;
    }
  } catch (const simdjson::simdjson_error& e) {
    errors.push_back(fmt::format("{}: invalid JSON ({})", label, e.what()));
    return;
  }
  if (!found) {
    if (!slurm_errs.empty())
      throw RuntimeError(
          fmt::format("{}: slurmrestd answered with errors: {}", label, quote_from_server(slurm_errs, 300)));
    errors.push_back(fmt::format("{}: the response has no \"{}\" array", label, key));
  }
}

// A large body's array is parsed a run of objects at a time (docs/design.md, "Parser memory"):
// simdjson's index then covers a few MiB, not the 200 MB a big cluster's jobs take. The rest of
// the document (meta, errors) is parsed on its own. Anything odd: the whole body, as before.
template <class Each, class Meta> void read_response(std::string& body, std::string_view label, std::string_view key,
                                                     od::parser& parser, std::vector<std::string>& errors, Each&& each,
                                                     Meta&& meta) {
  constexpr std::size_t kRun = std::size_t{4} << 20;
  const std::size_t begin = body.size() >= 2 * kRun ? find_array(body, key) : std::string_view::npos;
  if (begin == std::string_view::npos) return read_whole(body, label, key, parser, errors, each, meta);
  split::ItemScanner scanner;
  std::vector<std::size_t> ends;
  scanner.scan(body.data() + begin, body.size() - begin, true, [&](std::size_t end) { ends.push_back(begin + end); });
  if (!scanner.closed()) return read_whole(body, label, key, parser, errors, each, meta);
  const std::size_t array_end = begin + scanner.array_end();
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  std::size_t index = 0, from = begin - 1; // `[` of the first run, then the comma before each run
  const std::size_t errors_before = errors.size();
  for (std::size_t k = 0; k < ends.size();) {
    std::size_t last = k;
    while (last + 1 < ends.size() && ends[last + 1] - from < kRun) ++last;
    const std::size_t to = ends[last]; // the byte just past the run's last object
    const char open = body[from], close = body[to];
    body[from] = '[';
    body[to] = ']';
    std::size_t in_run = 0;
    try {
      od::document doc =
          parser.iterate(simdjson::padded_string_view(body.data() + from, to + 1 - from, body.capacity() - from));
      for (auto item : doc.get_array()) {
        od::value iv = item.value();
        if (iv.type() != od::json_type::object)
          errors.push_back(fmt::format("{}: {}[{}]: must be an object, got {}", label, key, index, got(iv)));
        else
          each(iv.get_object(), index);
        ++index;
        ++in_run;
      }
    } catch (const simdjson::simdjson_error&) {
      body[from] = open;
      body[to] = close;
      errors.resize(errors_before);
      // Re-parse whole to word the error; objects already handed over would be handed twice,
      // so only the errors of the whole parse count (the caller throws them).
      std::vector<std::string> whole;
      auto none = [](od::object, std::size_t) {};
      read_whole(body, label, key, parser, whole, none, meta);
      if (whole.empty()) whole.push_back(fmt::format("{}: invalid JSON in {}[{}..]", label, key, index));
      errors.insert(errors.end(), whole.begin(), whole.end());
      return;
    }
    body[from] = open;
    body[to] = close;
    // The next run starts at the comma after this one.
    from = to;
    while (from < array_end && body[from] != ',') ++from;
    k = last + 1;
    (void)in_run;
  }
  // meta, errors and the rest, with the array emptied.
  std::string rest = body.substr(0, begin);
  rest.append(body, array_end, std::string::npos);
  auto none = [](od::object, std::size_t) {};
  read_whole(rest, label, key, parser, errors, none, meta, index, true);
}

struct SNode {
  std::string name;
  std::vector<TypedGpus> gpus;
  std::vector<std::string> words; // state and flags, upper case
  std::string reason, reason_by;
  std::optional<Time> reason_at;
  std::vector<std::string> features;
  std::string topology;
  // derived
  Gpus total = 0;
  std::string type;
  std::uint32_t cluster = 0;
};

struct SJob {
  std::int64_t id = -1;
  std::string_view account, qos, nodes, alloc, per_job, per_node, per_task;
  std::string_view user, name, reason, partition; // said by Slurm, carried to the fleet job
  std::vector<std::string_view> gres_detail;
  std::vector<std::string_view> states;
  std::int64_t node_count = 1, tasks = 1;
  std::optional<Time> start, submit;
};

struct SRes {
  std::string name, node_list, comment, accounts, users;
  std::vector<std::string> flags;
  std::optional<Time> start, end;
  bool open_end = false;
  bool maint() const { return std::find(flags.begin(), flags.end(), "MAINT") != flags.end(); }
};

// GPU limits of a TRES list (max.tres.total): entries of type gres named gpu or gpu:TYPE; the
// names of other gres entries (mps, shard: fleetcap counts no such thing) go to `others`.
std::optional<std::vector<GpuLimit>> read_tres_limits(od::value v, std::vector<std::string>* others = nullptr) {
  std::vector<GpuLimit> out;
  if (v.type() == od::json_type::null) return out;
  if (v.type() != od::json_type::array) return std::nullopt;
  for (auto e : v.get_array()) {
    od::value ev = e.value();
    if (ev.type() != od::json_type::object) return std::nullopt;
    std::string_view type, name;
    std::optional<Number> count;
    for (auto f : ev.get_object()) {
      std::string_view k = key_of(f);
      if (k == "type")
        read_string(f.value(), type);
      else if (k == "name")
        read_string(f.value(), name);
      else if (k == "count")
        count = read_number(f.value());
    }
    if (type == "gres" && name != "gpu" && !name.starts_with("gpu:") && others && count && count->set &&
        !count->infinite)
      others->push_back(std::string(name));
    if (type != "gres" || (name != "gpu" && !name.starts_with("gpu:"))) continue;
    if (!count) return std::nullopt;
    if (!count->set || count->infinite || count->value < 0) continue; // no limit
    out.push_back({name == "gpu" ? std::string() : std::string(name.substr(4)), count->value});
  }
  return out;
}

// Finds `path` (keys) inside an object value and calls `at` with its value.
template <class At> void at_path(od::object obj, std::span<const std::string_view> path, At&& at) {
  for (auto f : obj) {
    if (key_of(f) == path.front()) {
      od::value v = f.value();
      if (path.size() == 1) {
        at(v);
        return;
      }
      if (v.type() != od::json_type::object) return;
      at_path(v.get_object(), path.subspan(1), at);
      return;
    }
  }
}
constexpr std::string_view kQosLimits[] = {"max", "tres", "total"};
constexpr std::string_view kAssocLimits[] = {"tres", "total"};

// The GPU limits at `path` of a QOS or an association (`field` names it in messages); false, with
// the item failed, when they are not a TRES list. Other gres entries' names go to `others`.
bool read_limits(od::object obj, std::span<const std::string_view> path, std::string_view field, Objects& objs,
                 std::size_t i, std::string_view who, std::vector<std::string>& others, std::vector<GpuLimit>& out) {
  bool ok = true;
  at_path(obj, path, [&](od::value lv) {
    auto l = read_tres_limits(lv, &others);
    if (!l) {
      objs.fail(i, who, field, "must be a list of TRES {type, name, count}");
      ok = false;
    } else {
      out = std::move(*l);
    }
  });
  return ok;
}

// A QOS: its Preempt list and mode (`preempt`) and its GPU GrpTRES (`limits.max.tres.total`).
template <class Unknown>
void read_qos(od::object obj, std::size_t i, Objects& objs, std::vector<QosRule>& out, Unknown&& unknown_tres) {
  QosRule q;
  std::vector<std::string> others;
  bool bad = false;
  for (auto f : obj) {
    std::string_view k = f.unescaped_key();
    od::value v = f.value();
    std::string_view s;
    if (k == "name") {
      if (!read_string(v, s)) {
        objs.fail(i, {}, k, "must be a string, got " + got(v));
        bad = true;
      }
      q.name = std::string(s);
    } else if (k == "preempt" && v.type() == od::json_type::object) {
      for (auto g : v.get_object()) {
        std::string_view key = g.unescaped_key();
        std::vector<std::string_view> words;
        if ((key == "list" || key == "mode") && !read_words(g.value(), words)) {
          objs.fail(i, q.name, fmt::format("preempt.{}", key), "must be an array of strings");
          bad = true;
        }
        for (auto w : words) {
          if (key == "list") q.preempts.emplace_back(w);
          if (key == "mode" && q.mode.empty()) q.mode = w;
        }
      }
    } else if (k == "limits" && v.type() == od::json_type::object) {
      if (!read_limits(v.get_object(), kQosLimits, "limits.max.tres.total", objs, i, q.name, others, q.limits))
        bad = true;
    }
  }
  if (bad || q.name.empty()) return;
  unknown_tres("QOS", q.name, others);
  out.push_back(std::move(q));
}

// A partition: name, nodes (`nodes`, or `nodes.configured` from v0.0.40) and PriorityTier
// (`priority_tier`, or `priority.tier`).
void read_partition(od::object obj, std::size_t i, Objects& objs, std::vector<PartitionRule>& out) {
  PartitionRule p;
  std::string nodes;
  for (auto f : obj) {
    std::string_view k = f.unescaped_key();
    od::value v = f.value();
    std::string_view s;
    if (k == "name" && read_string(v, s)) {
      p.name = std::string(s);
    } else if (k == "nodes") {
      if (v.type() == od::json_type::object) {
        for (auto g : v.get_object())
          if (std::string_view(g.unescaped_key()) == "configured" && read_string(g.value(), s)) nodes = s;
      } else if (read_string(v, s)) {
        nodes = s;
      }
    } else if (k == "priority_tier" || k == "priority") {
      auto tier = [&](od::value t) {
        if (auto n = read_number(t); n && n->set) p.tier = n->value;
      };
      if (v.type() == od::json_type::object) {
        for (auto g : v.get_object())
          if (std::string_view(g.unescaped_key()) == "tier") tier(g.value());
      } else if (k == "priority_tier") {
        tier(v);
      }
    }
  }
  auto names = expand_hostlist(nodes);
  if (!names) {
    objs.fail(i, p.name, "nodes", fmt::format("is not a hostlist, got \"{}\"", shown(nodes)));
    return;
  }
  p.nodes = std::move(*names);
  if (!p.name.empty()) out.push_back(std::move(p));
}

// docs/slurm.md's list, in its order: a node's health is the first of these it shows.
constexpr std::string_view kUnhealthyOrder[] = {"DOWN",         "FAIL",          "NOT_RESPONDING", "ERROR",
                                                "INVALID",      "INVALID_REG",   "UNKNOWN",        "FUTURE",
                                                "POWERED_DOWN", "POWERING_DOWN", "POWER_DOWN",     "REBOOT_ISSUED"};
const std::set<std::string, std::less<>> kCordon = {"DRAIN", "DRAINED", "DRAINING", "REBOOT_REQUESTED", "POWER_DRAIN"};

// What a node carries beside Slurm's own node object (docs/design.md): the partitions that
// list it and the reservations (not MAINT) that hold it, as JSON fragments per node.
struct NodeExtras {
  std::unordered_map<std::string, std::string> partitions, reservations; // node -> JSON array text
};

std::vector<std::string> comma_list(std::string_view list) {
  std::vector<std::string> out;
  for (std::size_t a = 0; a < list.size();) {
    auto b = list.find(',', a);
    if (b == std::string_view::npos) b = list.size();
    if (b > a) out.emplace_back(list.substr(a, b - a));
    a = b + 1;
  }
  return out;
}

void json_strings(std::string& out, const std::vector<std::string>& list) {
  out += '[';
  for (std::size_t k = 0; k < list.size(); ++k) {
    if (k) out += ", ";
    json::append_quoted(out, list[k]);
  }
  out += ']';
}

// One reservation (not MAINT) as a node lists it; nullopt (with a warning) when it excludes
// accounts or users rather than naming them: fleetcap cannot say who may use it.
std::optional<std::string> reservation_json(const SRes& r, const Warn& warn) {
  const auto accounts = comma_list(r.accounts), users = comma_list(r.users);
  const auto negated = [](const std::vector<std::string>& l) {
    return std::any_of(l.begin(), l.end(), [](const std::string& x) { return x.starts_with("-"); });
  };
  std::string j = "{\"name\": ";
  json::append_quoted(j, r.name);
  j += ", \"start\": ";
  json::append_quoted(j, format_rfc3339(*r.start));
  j += ", \"end\": ";
  Time end = r.open_end || !r.end ? kOpenEnd : *r.end;
  json::append_quoted(j, format_rfc3339(std::max(end, *r.start + 1)));
  if (negated(accounts) || negated(users)) {
    warn("resv-negated:" + r.name, fmt::format("reservation {} is for every account or user but some (-NAME): "
                                               "fleetcap counts its nodes as reserved for none of them",
                                               r.name));
    j += ", \"namespaces\": [], \"users\": []}";
    return j;
  }
  j += ", \"namespaces\": ";
  json_strings(j, accounts);
  j += ", \"users\": ";
  json_strings(j, users);
  return j + "}";
}

NodeExtras node_extras(const std::vector<SNode>& all, const std::vector<SNode>& gpu_nodes,
                       const std::vector<PartitionRule>& partitions, const std::vector<SRes>& reservations,
                       const std::string& label, const Warn& warn) {
  NodeExtras x;
  std::unordered_set<std::string_view> gpu, known;
  for (const auto& n : gpu_nodes) gpu.insert(n.name), known.insert(n.name);
  for (const auto& n : all) known.insert(n.name);
  std::map<std::string, std::vector<std::string>> parts_of;
  for (const auto& p : partitions)
    for (const auto& n : p.nodes)
      if (gpu.count(n)) parts_of[n].push_back(p.name);
  for (auto& [node, names] : parts_of) {
    std::sort(names.begin(), names.end());
    json_strings(x.partitions[node], names);
  }
  for (const auto& r : reservations) {
    if (r.maint()) continue;
    const bool all_nodes =
        r.node_list.empty() || std::find(r.flags.begin(), r.flags.end(), "ALL_NODES") != r.flags.end();
    std::vector<std::string> names;
    if (all_nodes) {
      for (const auto& n : gpu_nodes) names.push_back(n.name);
    } else if (auto list = expand_hostlist(r.node_list)) {
      names = std::move(*list);
    } else {
      warn("resv-list:" + r.name, fmt::format("{}: reservation {} has node list \"{}\", which is not a hostlist; its "
                                              "nodes are not counted as reserved",
                                              label, r.name, shown(r.node_list)));
      continue;
    }
    const auto missing =
        std::count_if(names.begin(), names.end(), [&](const std::string& n) { return !known.count(n); });
    if (missing)
      warn("resv-nodes:" + r.name,
           fmt::format(
               "reservation {} names {} nodes Slurm does not list (the first: {}); they are left out", r.name, missing,
               *std::find_if(names.begin(), names.end(), [&](const std::string& n) { return !known.count(n); })));
    const auto text = reservation_json(r, warn);
    if (!text) continue;
    for (const auto& n : names) {
      if (!gpu.count(n)) continue;
      std::string& list = x.reservations[n];
      list += list.empty() ? "[" : ", ";
      list += *text;
    }
  }
  for (auto& [node, list] : x.reservations) list += "]";
  return x;
}

void write_node_extras(std::string& p, const NodeExtras& x, const std::string& node) {
  if (auto it = x.partitions.find(node); it != x.partitions.end()) p += ", \"partitions\": " + it->second;
  if (auto it = x.reservations.find(node); it != x.reservations.end()) p += ", \"reservations\": " + it->second;
}

// The quotas page: with borrowing, the groups above the leaves; every leaf with the caps a new
// job of it counts against (defined here, named by jobs later).
template <class ClusterName, class CapJson>
void write_quotas(std::string& p, const QuotaPlan& plan, ClusterName&& cluster_name, CapJson&& cap_json, bool by_qos) {
  p = R"({"api_version": "v1", "items": [)";
  bool first = true;
  const auto parent = [&](const std::string& name) {
    p += ", \"parent\": ";
    if (name.empty())
      p += "null";
    else
      json::append_quoted(p, name);
  };
  for (const auto& [group, above] : plan.group_list) {
    p += first ? "\n{" : ",\n{";
    first = false;
    p += "\"name\": ";
    json::append_quoted(p, group);
    parent(above);
    p += ", \"cluster\": null}";
  }
  for (const auto& l : plan.leaves) {
    p += first ? "\n{" : ",\n{";
    first = false;
    p += "\"name\": ";
    json::append_quoted(p, l.name);
    parent(l.parent);
    p += ", \"cluster\": ";
    json::append_quoted(p, cluster_name(l.type));
    if (l.gpus) {
      fmt::format_to(std::back_inserter(p), ", \"gpus\": {}", *l.gpus); // else cap-only
      // Where Slurm keeps the number, for overalloc plan -o sacctmgr (docs/overalloc.md).
      p += by_qos ? ", \"slurm\": {\"qos\": " : ", \"slurm\": {\"account\": ";
      json::append_quoted(p, l.holder);
      p += ", \"tres\": ";
      json::append_quoted(p, l.tres);
      p += "}";
    }
    if (!by_qos) {
      p += ", \"access\": ";
      json_strings(p, l.access);
    }
    if (!l.caps.empty()) {
      p += ", \"caps\": [";
      for (std::size_t k = 0; k < l.caps.size(); ++k) {
        if (k) p += ", ";
        cap_json(p, l.caps[k]);
      }
      p += "]";
    }
    p += "}";
  }
  p += "\n]}\n";
}

// What Slurm says of a job beside its GPUs: user, job name, partition, submit time, and why a
// pending job waits (state_reason; "None" says nothing).
void write_job_details(std::string& p, const SJob& j, bool running) {
  const auto field = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    fmt::format_to(std::back_inserter(p), ", \"{}\": ", key);
    json::append_quoted(p, value);
  };
  field("user", j.user);
  field("job_name", j.name);
  field("partition", j.partition);
  if (!running && j.reason != "None") field("pending_reason", j.reason);
  if (j.submit) field("submitted_at", format_rfc3339(*j.submit));
}

// The running jobs' node lists, expanded within bounds (docs/slurm.md, "Hostlists"): one list
// names at most the nodes the response holds (a job runs on no more), and all lists together at
// most those nodes plus one name per 16 bytes of the jobs response, so the work is tied to what
// slurmrestd sent, never to what a 30-byte "gpu[0-999999][0-999]" stands for.
class NodeLists {
public:
  NodeLists(std::uint64_t nodes, std::uint64_t response_bytes, std::string_view label)
      : per_list_(nodes), left_(nodes + response_bytes / 16), total_(left_), label_(label) {}
  // A job's nodes; nullopt (counted in `bad`) for a list that is malformed or too long.
  std::optional<std::vector<std::string>> expand(std::string_view list, std::int64_t job) {
    const auto size = hostlist_size(list);
    if (!size || *size > per_list_) {
      if (bad++ == 0) {
        first_bad = shown(list);
        first_bad_job = job;
      }
      return std::nullopt;
    }
    if (*size > left_)
      throw DataError({fmt::format("{}: the running jobs' node lists name more than {} nodes in all (the {} nodes "
                                   "listed, plus one per 16 bytes of the response); that is not what slurmrestd "
                                   "sends",
                                   label_, total_, per_list_)});
    left_ -= *size;
    return expand_hostlist(list, *size);
  }
  std::size_t bad = 0;
  std::string first_bad;
  std::int64_t first_bad_job = 0;

private:
  std::uint64_t per_list_, left_, total_;
  std::string_view label_;
};

// What translate() keeps of the nodes answer: the fields the mapping reads of each GPU-relevant
// node, the problems found, and the Slurm cluster and release it named first.
struct NodesRead {
  std::vector<SNode> items;
  std::vector<std::string> errors;
  std::string cluster, release; // the first its objects or meta name
};

// The same of the jobs answer; the jobs' strings are kept in `text` (SJob views them).
struct JobsRead {
  std::vector<SJob> items;
  TextArena text;
  std::vector<std::string> errors;
  std::string cluster, release;
  std::uint64_t bytes = 0; // the body's length (bounds the expansion of node lists)
};

// A string that stays valid after the parser and the body move on (runs of a large body reuse
// the parser's buffers; a streamed body is let go of as it is read): a copy kept in `text`.
bool read_kept(od::value v, std::string_view& out, TextArena& text) {
  const od::json_type t = v.type();
  if (t == od::json_type::null) {
    out = {};
    return true;
  }
  if (t != od::json_type::string) return false;
  out = text.store(std::string_view(v.get_string()));
  return true;
}

// The same for a string or an array of strings.
bool read_words_kept(od::value v, std::vector<std::string_view>& out, TextArena& text) {
  const od::json_type t = v.type();
  if (t == od::json_type::null) return true;
  if (t == od::json_type::string) {
    std::string_view s;
    read_kept(v, s, text);
    out.push_back(s);
    return true;
  }
  if (t != od::json_type::array) return false;
  for (auto e : v.get_array()) {
    od::value ev = e.value();
    std::string_view s;
    if (!read_kept(ev, s, text) || ev.type() == od::json_type::null) return false;
    out.push_back(s);
  }
  return true;
}

// meta.slurm (>= v0.0.39) or meta.Slurm (v0.0.38): its cluster into `cluster` and its release
// into `release`, unless they have one.
void read_meta(od::object obj, std::string& cluster, std::string& release) {
  for (auto f : obj) {
    std::string_view k = key_of(f);
    if (k == "slurm" || k == "Slurm") {
      od::value s = f.value();
      if (s.type() != od::json_type::object) return;
      for (auto g : s.get_object()) {
        const std::string_view key = key_of(g);
        std::string_view c;
        if (key == "cluster" && read_string(g.value(), c) && !c.empty() && cluster.empty())
          cluster = std::string(c);
        else if (key == "release" && read_string(g.value(), c) && release.empty())
          release = std::string(c);
      }
    }
  }
}

// One node object of GET /slurm/VERSION/nodes: its GPU fields into `out.items`, or its problems
// into `out.errors` (through `objs`).
void read_node(od::object obj, std::size_t i, NodesRead& out, Objects& objs) {
  SNode n;
  std::string_view gres;
  bool bad = false;
  std::vector<std::string> problems;
  auto fail = [&](std::string_view field, const std::string& what) {
    objs.fail(i, n.name, field, what);
    bad = true;
  };
  std::vector<std::pair<std::string_view, std::string>> later; // failures before the name was known
  for (auto f : obj) {
    std::string_view k = key_of(f);
    od::value v = f.value();
    if (k == "name") {
      std::string_view s;
      if (!read_string(v, s)) later.push_back({"name", "must be a string, got " + got(v)});
      n.name = std::string(s);
    } else if (k == "state" || k == "state_flags") {
      std::vector<std::string_view> w;
      if (!read_words(v, w)) later.push_back({k, "must be a string or an array of strings, got " + got(v)});
      for (auto s : w) n.words.push_back(upper(s));
    } else if (k == "gres") {
      if (!read_string(v, gres))
        later.push_back({"gres", "must be a string, got " + got(v)});
      else
        gres = std::string_view(gres);
      if (!gres.empty()) {
        auto g = parse_gres(gres);
        if (!g)
          later.push_back({"gres", fmt::format("is not a GRES list like gpu:h100:8, got \"{}\"", shown(gres))});
        else
          n.gpus = std::move(*g);
      }
    } else if (k == "reason") {
      std::string_view s;
      if (read_string(v, s)) n.reason = std::string(s);
    } else if (k == "reason_set_by_user") {
      std::string_view s;
      if (read_string(v, s)) n.reason_by = std::string(s);
    } else if (k == "reason_changed_at") {
      auto num = read_number(v);
      if (!num)
        later.push_back({"reason_changed_at", "must be a number, got " + got(v)});
      else if (num->set && num->value > 0)
        n.reason_at = num->value;
    } else if (k == "features" || k == "active_features") {
      std::vector<std::string_view> w;
      if (!read_words(v, w)) later.push_back({k, "must be a string or an array of strings, got " + got(v)});
      for (auto s : w) // v0.0.38: one comma-separated string
        for (std::size_t a = 0; a <= s.size();) {
          auto b = s.find(',', a);
          if (b == std::string_view::npos) b = s.size();
          if (b > a) n.features.emplace_back(s.substr(a, b - a));
          a = b + 1;
        }
    } else if (k == "topology") {
      std::string_view s;
      if (read_string(v, s)) n.topology = std::string(s);
    } else if (k == "cluster_name") {
      std::string_view s;
      if (read_string(v, s) && !s.empty() && out.cluster.empty()) out.cluster = std::string(s);
    }
  }
  if (n.name.empty() && later.empty()) later.push_back({"name", "is missing"});
  for (auto& [field, what] : later) fail(field, what);
  if (n.words.empty() && !bad) fail("state", "is missing");
  if (!bad) out.items.push_back(std::move(n));
}

// The members of a job the mapping reads.
constexpr KeyIndex<19> kJobKeys({"job_id", "job_state", "account", "user_name", "name", "state_reason", "partition",
                                 "qos", "nodes", "tres_alloc_str", "tres_per_job", "tres_per_node", "tres_per_task",
                                 "gres_detail", "node_count", "tasks", "start_time", "submit_time", "cluster"});

// One job object of GET /slurm/VERSION/jobs: the fields the mapping reads, its strings kept in
// `out.text` (the body is let go of as it is read).
void read_job(od::object obj, std::size_t i, JobsRead& out, Objects& objs) {
  SJob j;
  std::vector<std::pair<std::string_view, std::string>> problems;
  for (auto f : obj) {
    const std::string_view k = key_of(f);
    const std::size_t key = kJobKeys.find(k);
    if (key == kJobKeys.size()) continue; // stepped over by the next member
    od::value v = f.value();
    auto str = [&](std::string_view& s) {
      if (!read_kept(v, s, out.text)) problems.push_back({k, "must be a string, got " + got(v)});
    };
    auto number = [&](auto& into, bool positive) {
      auto num = read_number(v);
      if (!num)
        problems.push_back({k, "must be a number, got " + got(v)});
      else if (num->set && (!positive || num->value > 0))
        into = num->value;
    };
    switch (key) {
    case kJobKeys.at("job_id"): {
      auto num = read_number(v);
      if (!num || !num->set)
        problems.push_back({"job_id", "must be a number, got " + got(v)});
      else
        j.id = num->value;
      break;
    }
    case kJobKeys.at("job_state"):
      if (!read_words_kept(v, j.states, out.text))
        problems.push_back({"job_state", "must be a string or an array, got " + got(v)});
      break;
    case kJobKeys.at("account"): str(j.account); break;
    case kJobKeys.at("user_name"): str(j.user); break;
    case kJobKeys.at("name"): str(j.name); break;
    case kJobKeys.at("state_reason"): str(j.reason); break;
    case kJobKeys.at("partition"): str(j.partition); break;
    case kJobKeys.at("qos"): str(j.qos); break;
    case kJobKeys.at("nodes"): str(j.nodes); break;
    case kJobKeys.at("tres_alloc_str"): str(j.alloc); break;
    case kJobKeys.at("tres_per_job"): str(j.per_job); break;
    case kJobKeys.at("tres_per_node"): str(j.per_node); break;
    case kJobKeys.at("tres_per_task"): str(j.per_task); break;
    case kJobKeys.at("gres_detail"):
      if (!read_words_kept(v, j.gres_detail, out.text))
        problems.push_back({"gres_detail", "must be an array of strings, got " + got(v)});
      break;
    case kJobKeys.at("node_count"): number(j.node_count, false); break;
    case kJobKeys.at("tasks"): number(j.tasks, false); break;
    case kJobKeys.at("start_time"): number(j.start, true); break;
    case kJobKeys.at("submit_time"): number(j.submit, true); break;
    case kJobKeys.at("cluster"): {
      std::string_view c;
      if (read_string(v, c) && !c.empty() && out.cluster.empty()) out.cluster = std::string(c);
      break;
    }
    default: break;
    }
  }
  const std::string name = j.id >= 0 ? std::to_string(j.id) : std::string();
  if (j.id < 0 && problems.empty()) problems.push_back({"job_id", "is missing"});
  if (j.states.empty() && problems.empty()) problems.push_back({"job_state", "is missing"});
  for (auto& [field, what] : problems) objs.fail(i, name, field, what);
  if (problems.empty()) out.items.push_back(std::move(j));
}

void read_nodes(std::string& body, std::string_view label, NodesRead& out) {
  od::parser parser;
  Objects objs(label, "nodes", out.errors);
  read_response(
      body, label, "nodes", parser, out.errors, [&](od::object obj, std::size_t i) { read_node(obj, i, out, objs); },
      [&](od::object meta) { read_meta(meta, out.cluster, out.release); });
}

void read_jobs(std::string& body, std::string_view label, JobsRead& out) {
  od::parser parser;
  Objects objs(label, "jobs", out.errors);
  out.bytes = body.size();
  read_response(
      body, label, "jobs", parser, out.errors, [&](od::object obj, std::size_t i) { read_job(obj, i, out, objs); },
      [&](od::object meta) { read_meta(meta, out.cluster, out.release); });
}

// Reads the array under `key` of one answer run by run as its bytes arrive (docs/slurm.md,
// "Streaming"): the start up to the array's `[` is kept, each run of complete objects is parsed
// as it closes and then let go of, and what follows the array (meta, errors) is kept and read
// at the end, as read_response() reads a large body. Anything else (a start it does not know,
// brackets that go wrong, invalid JSON, a body that ends inside the array) makes it give up: the
// caller then reads the whole body, and read_response() words the error.
class ArrayStream {
public:
  using Each = std::function<void(od::object, std::size_t)>;
  using Meta = std::function<void(od::object)>;
  ArrayStream(std::string_view label, std::string_view key, std::vector<std::string>& errors, Each each, Meta meta)
      : label_(label), key_(key), errors_(errors), each_(std::move(each)), meta_(std::move(meta)) {}

  // `buf` holds the body from offset `base` on (`last`: to its end). Returns the offset before
  // which the body is no longer needed.
  std::size_t feed(std::string& buf, std::size_t base, bool last) {
    try {
      if (phase_ == Phase::prefix) start(buf, last);
      if (phase_ == Phase::items) scan(buf, base, last);
      if (phase_ == Phase::tail) copy_tail(buf, base);
      if (phase_ == Phase::tail && last) finish();
    } catch (const simdjson::simdjson_error&) {
      give_up();
    } catch (const std::bad_alloc&) { // the whole-body reader meets it too, and says so
      give_up();
    }
    return phase_ == Phase::prefix ? 0 : phase_ == Phase::items ? run_begin_ : base + buf.size();
  }
  bool gave_up() const { return phase_ == Phase::gave_up; }
  bool done() const { return phase_ == Phase::done; }

private:
  // What may come before the array (meta, errors, warnings: small in every version).
  static constexpr std::size_t kPrefixLimit = std::size_t{1} << 20;
  static constexpr std::size_t kRun = std::size_t{256} << 10;
  enum class Phase { prefix, items, tail, done, gave_up };

  void give_up() {
    phase_ = Phase::gave_up;
    prefix_ = tail_ = scratch_ = std::string();
  }

  void start(const std::string& buf, bool last) {
    bool ran_out = false;
    const std::size_t begin = find_array(buf, key_, &ran_out);
    if (begin == std::string_view::npos) {
      if (!ran_out || last || buf.size() > kPrefixLimit) give_up();
      return;
    }
    prefix_.assign(buf, 0, begin);
    items_begin_ = scanned_ = begin;
    run_begin_ = begin - 1;
    phase_ = Phase::items;
  }

  // Finds the objects in what arrived, and reads the complete ones (all of them when `last`).
  void scan(std::string& buf, std::size_t base, bool last) {
    const std::size_t end = base + buf.size();
    scanned_ += scanner_.scan(buf.data() + (scanned_ - base), end - scanned_, last,
                              [&](std::size_t offset) { ends_.push_back(items_begin_ + offset); });
    if (scanner_.broken()) return give_up();
    if (scanner_.closed()) {
      const std::size_t close = items_begin_ + scanner_.array_end();
      runs(buf, base, close);
      if (phase_ == Phase::gave_up) return;
      run(buf, base, close, true);
      if (phase_ == Phase::gave_up) return;
      phase_ = Phase::tail;
      tail_done_ = close;
      return;
    }
    if (last) return give_up(); // the array never closed
    runs(buf, base, end);
  }

  // Reads the objects found that end before `end` (each needs a byte after it), in runs of at
  // most kRun bytes: the parser's index, about 5 bytes per byte of a run, stays small.
  void runs(std::string& buf, std::size_t base, std::size_t end) {
    std::size_t k = 0;
    while (k < ends_.size() && ends_[k] < end) {
      std::size_t last = k;
      while (last + 1 < ends_.size() && ends_[last + 1] < end && ends_[last + 1] - run_begin_ <= kRun) ++last;
      run(buf, base, ends_[last], false);
      if (phase_ == Phase::gave_up) return;
      k = last + 1;
    }
    ends_.erase(ends_.begin(), ends_.begin() + static_cast<std::ptrdiff_t>(k));
  }

  // Reads the body's bytes [run_begin_, end] as one array (split::read_run); a simdjson error
  // goes to feed(), which gives up.
  void run(std::string& buf, std::size_t base, std::size_t end, bool last) {
    const split::Run r = split::read_run(
        buf, base, run_begin_, end, first_run_, last, scratch_,
        [&](const char* text, std::size_t len, std::size_t cap) {
          od::document doc = parser_.iterate(text, len, cap);
          for (auto item : doc.get_array()) {
            od::value iv = item.value();
            if (iv.type() != od::json_type::object)
              errors_.push_back(fmt::format("{}: {}[{}]: must be an object, got {}", label_, key_, index_, got(iv)));
            else
              each_(iv.get_object(), index_);
            ++index_;
          }
        });
    if (r == split::Run::bad) return give_up();
    first_run_ = false;
    run_begin_ = end;
  }

  void copy_tail(const std::string& buf, std::size_t base) {
    const std::size_t end = base + buf.size();
    if (end > tail_done_) tail_.append(buf, tail_done_ - base, end - tail_done_);
    tail_done_ = end;
  }

  // The answer without its array's objects (meta, errors): read as read_response() does.
  void finish() {
    std::string rest = std::move(prefix_);
    rest += tail_;
    const std::size_t before = errors_.size();
    auto none = [](od::object, std::size_t) {};
    read_whole(rest, label_, key_, parser_, errors_, none, meta_, index_, true);
    if (errors_.size() > before) { // invalid JSON after the array: worded by the whole body's reader
      errors_.resize(before);
      return give_up();
    }
    phase_ = Phase::done;
  }

  std::string label_, key_;
  std::vector<std::string>& errors_;
  Each each_;
  Meta meta_;
  Phase phase_ = Phase::prefix;
  std::string prefix_, tail_, scratch_;
  split::ItemScanner scanner_;
  std::vector<std::size_t> ends_; // body offsets just past the objects found and not read yet
  std::size_t items_begin_ = 0, scanned_ = 0, run_begin_ = 0, tail_done_ = 0;
  std::size_t index_ = 0;
  bool first_run_ = true;
  od::parser parser_;
};

} // namespace

struct Stream::State {
  State(Of w, std::string l)
      : what(w), label(std::move(l)), objs(label, kind(), errors()),
        array(
            label, kind(), errors(),
            [this](od::object obj, std::size_t i) {
              if (what == Of::nodes)
                read_node(obj, i, nodes, objs);
              else
                read_job(obj, i, jobs, objs);
            },
            [this](od::object meta) {
              if (what == Of::nodes)
                read_meta(meta, nodes.cluster, nodes.release);
              else
                read_meta(meta, jobs.cluster, jobs.release);
            }) {}
  std::string_view kind() const { return what == Of::nodes ? "nodes" : "jobs"; }
  std::vector<std::string>& errors() { return what == Of::nodes ? nodes.errors : jobs.errors; }

  Of what;
  std::string label;
  NodesRead nodes;
  JobsRead jobs;
  Objects objs;
  ArrayStream array;
};

Stream::Stream(Of what, std::string label) : s_(std::make_unique<State>(what, std::move(label))) {}
Stream::~Stream() = default;

std::size_t Stream::feed(std::string& buf, std::size_t base, bool last) {
  s_->jobs.bytes = base + buf.size();
  return s_->array.feed(buf, base, last);
}

void Stream::restart() { s_ = std::make_unique<State>(s_->what, std::move(s_->label)); }
bool Stream::gave_up() const { return s_->array.gave_up(); }
bool Stream::read() const { return s_->array.done(); }

std::string slurm_errors(std::string_view body) {
  try {
    od::parser parser;
    simdjson::padded_string padded(body);
    od::document doc = parser.iterate(padded);
    for (auto f : doc.get_object())
      if (key_of(f) == "errors") return errors_text(f.value());
  } catch (const simdjson::simdjson_error&) {}
  return {};
}

namespace {

// A job translate() keeps: its state, GPUs, cluster (a GPU type's index) and nodes.
struct JobOut {
  const SJob* job;
  bool running;
  Gpus gpus;
  std::optional<std::size_t> cluster; // type index
  std::string req_type;
  std::vector<std::string> nodes;
};

// A reservation object of GET /slurm/VERSION/reservations into `out`, or its problems.
void read_reservation(od::object obj, std::size_t i, Objects& objs, std::vector<SRes>& out) {
  SRes r;
  std::vector<std::pair<std::string_view, std::string>> problems;
  for (auto f : obj) {
    std::string_view k = key_of(f);
    od::value v = f.value();
    std::string_view s;
    if (k == "name") {
      if (!read_string(v, s)) problems.push_back({k, "must be a string, got " + got(v)});
      r.name = std::string(s);
    } else if (k == "node_list") {
      if (!read_string(v, s)) problems.push_back({k, "must be a string, got " + got(v)});
      r.node_list = std::string(s);
    } else if (k == "comment") {
      if (read_string(v, s)) r.comment = std::string(s);
    } else if (k == "accounts" || k == "users") {
      std::vector<std::string_view> w; // a comma list, or an array in later versions
      if (read_words(v, w))
        for (auto x : w) {
          std::string& list = k == "accounts" ? r.accounts : r.users;
          list += list.empty() ? "" : ",";
          list += x;
        }
    } else if (k == "flags") {
      std::vector<std::string_view> w;
      if (!read_words(v, w)) problems.push_back({k, "must be an array of strings, got " + got(v)});
      for (auto x : w)
        for (std::size_t a = 0; a <= x.size();) { // a comma list in old versions
          auto b = x.find(',', a);
          if (b == std::string_view::npos) b = x.size();
          r.flags.push_back(upper(x.substr(a, b - a)));
          a = b + 1;
        }
    } else if (k == "start_time" || k == "end_time") {
      auto num = read_number(v);
      if (!num)
        problems.push_back({k, "must be a number, got " + got(v)});
      else if (k == "start_time" && num->set)
        r.start = num->value;
      else if (k == "end_time") {
        if (num->infinite)
          r.open_end = true;
        else if (num->set)
          r.end = num->value;
      }
    }
  }
  if (r.name.empty() && problems.empty()) problems.push_back({"name", "is missing"});
  if (!r.start && problems.empty()) problems.push_back({"start_time", "is missing"});
  for (auto& [field, what] : problems) objs.fail(i, r.name, field, what);
  if (problems.empty()) out.push_back(std::move(r));
}

// An association object of GET /slurmdb/VERSION/associations: an account's into `out`; a user's
// only counts its default QOS in `user_default_qos` (account -> QOS -> user associations).
template <class Unknown> void read_association(od::object obj, std::size_t i, Objects& objs,
                                               const std::string& slurm_cluster, std::vector<AccountRule>& out,
                                               std::map<std::string, std::map<std::string, int>>& user_default_qos,
                                               Unknown&& unknown_tres) {
  AccountRule a;
  std::string_view user, cluster;
  std::vector<std::string> others;
  bool bad = false;
  for (auto f : obj) {
    std::string_view k = key_of(f);
    od::value v = f.value();
    std::string_view s;
    if (k == "account") {
      if (!read_string(v, s)) {
        objs.fail(i, {}, k, "must be a string, got " + got(v));
        bad = true;
      }
      a.account = std::string(s);
    } else if (k == "parent_account") {
      if (read_string(v, s)) a.parent = std::string(s);
    } else if (k == "user") {
      read_string(v, user);
    } else if (k == "cluster") {
      read_string(v, cluster);
    } else if (k == "default" && v.type() == od::json_type::object) {
      for (auto g : v.get_object())
        if (key_of(g) == "qos" && read_string(g.value(), s)) a.default_qos = s;
    } else if (k == "max" && v.type() == od::json_type::object) {
      if (!read_limits(v.get_object(), kAssocLimits, "max.tres.total", objs, i, a.account, others, a.limits))
        bad = true;
    }
  }
  if (bad || a.account.empty()) return;
  if (!cluster.empty() && !slurm_cluster.empty() && cluster != slurm_cluster) return;
  if (!user.empty()) { // a user's association: only its default QOS is of use here
    if (!a.default_qos.empty()) ++user_default_qos[a.account][a.default_qos];
    return;
  }
  unknown_tres("account", a.account, others);
  out.push_back(std::move(a));
}

// A node's health (the first of kUnhealthyOrder it shows, whatever order Slurm lists its words
// in: a restarted slurmctld calls a silent node UNKNOWN+NOT_RESPONDING, not_responding), whether
// it is cordoned, and its issue's type: the state word that explains it (unhealthy, else
// cordon, else the base state).
struct NodeState {
  std::string health = "healthy", word;
  bool cordoned = false;
};
NodeState node_state(const SNode& n) {
  NodeState s;
  for (std::string_view u : kUnhealthyOrder)
    if (s.health == "healthy" && std::find(n.words.begin(), n.words.end(), u) != n.words.end()) s.health = lower(u);
  for (const auto& w : n.words)
    if (kCordon.count(w)) s.cordoned = true;
  if (s.health != "healthy")
    s.word = s.health;
  else
    for (const auto& w : n.words)
      if (kCordon.count(w)) {
        s.word = lower(w);
        break;
      }
  if (s.word.empty() && !n.words.empty()) s.word = lower(n.words.front());
  return s;
}

// A node's issue from its reason (DOWN or FAIL: p1, else p2), when it has one.
void write_node_issue(std::string& p, const SNode& n, const std::string& word) {
  if (n.reason.empty()) return;
  const bool p1 = std::any_of(n.words.begin(), n.words.end(),
                              [](const std::string& w) { return w == "DOWN" || w == "FAIL" || w == "FAILING"; });
  p += "{\"type\": ";
  json::append_quoted(p, word);
  if (n.reason_at) {
    p += ", \"detected_at\": ";
    json::append_quoted(p, format_rfc3339(*n.reason_at));
  }
  p += p1 ? ", \"priority\": \"p1\", \"detail\": " : ", \"priority\": \"p2\", \"detail\": ";
  json::append_quoted(p, n.reason_by.empty() ? n.reason : fmt::format("{} (set by {})", n.reason, n.reason_by));
  p += "}";
}

// Whether a job runs (RUNNING, CONFIGURING, COMPLETING, SUSPENDED) or waits (PENDING,
// REQUEUED); neither: nullopt (ended, not fleetcap's business).
std::optional<bool> job_running(const SJob& j) {
  bool running = false, pending = false;
  for (auto s : j.states) {
    const std::string w = upper(s);
    if (w == "RUNNING" || w == "CONFIGURING" || w == "COMPLETING" || w == "SUSPENDED")
      running = true;
    else if (w == "PENDING" || w == "REQUEUED")
      pending = true;
  }
  if (!running && !pending) return std::nullopt;
  return running;
}

// A job's GPUs and their type: a running job's allocation (tres_alloc_str, else gres_detail),
// else, pending or showing only its request, what it asks for per job, node or task.
void job_gpus(const SJob& j, bool running, JobOut& o) {
  if (running) {
    if (auto alloc = parse_tres_alloc(j.alloc)) {
      o.gpus = alloc->count;
      o.req_type = alloc->type;
    } else {
      for (auto d : j.gres_detail)
        if (auto g = parse_gres(d))
          for (auto& t : *g) {
            o.gpus += t.count;
            if (o.req_type.empty()) o.req_type = t.type;
          }
    }
  }
  if (o.gpus != 0) return;
  const Gpus nodes_n = std::max<std::int64_t>(1, j.node_count), tasks_n = std::max<std::int64_t>(1, j.tasks);
  for (auto [tres, times] :
       {std::pair{j.per_job, Gpus{1}}, std::pair{j.per_node, nodes_n}, std::pair{j.per_task, tasks_n}}) {
    if (auto r = parse_tres_request(tres); r && r->count > 0) {
      o.gpus = std::min<Gpus>(kMaxGpus, r->count * times);
      if (o.req_type.empty()) o.req_type = r->type;
      break;
    }
  }
}

// translate()'s steps, one per resource, over what they share: the answers read, the Slurm
// cluster, its GPU types (one fleetcap cluster each), the GPU nodes, the jobs kept and the
// quota plan (docs/slurm.md, "The mapping").
class Translator {
public:
  Translator(Responses& in, const SlurmOptions& opt, Time now) : in_(in), opt_(opt), now_(now) {}

  Translation run() {
    read_answers();
    read_rules();
    if (!errors_.empty()) throw DataError(std::move(errors_));
    if (slurm_cluster_.empty()) {
      slurm_cluster_ = "slurm";
      warn("cluster", "slurmrestd did not name its Slurm cluster; calling it \"slurm\" (set [slurm] cluster = "
                      "\"NAME\" in the config file)");
    }
    tr_.cluster = slurm_cluster_;
    clusters();
    nodes_page();
    keep_jobs();
    quotas();
    jobs_page();
    maintenance();
    if (!errors_.empty()) throw DataError(std::move(errors_));
    tr_.pages[static_cast<std::size_t>(Resource::health_history)] = R"({"api_version": "v1", "items": []})"
                                                                    "\n";
    return std::move(tr_);
  }

private:
  void warn(const std::string& key, const std::string& text) {
    if (warned_.insert(key).second) tr_.warnings.push_back(text);
  }
  std::string cluster_name(std::size_t t) const {
    return type_names_.size() == 1 ? slurm_cluster_ : fmt::format("{}/{}", slurm_cluster_, type_names_[t]);
  }
  std::optional<std::size_t> type_index(std::string_view type) const {
    if (type.empty()) type = "gpu";
    auto it = std::lower_bound(type_names_.begin(), type_names_.end(), type);
    if (it == type_names_.end() || *it != type) return std::nullopt;
    return static_cast<std::size_t>(it - type_names_.begin());
  }
  std::string& page(Resource r) { return tr_.pages[static_cast<std::size_t>(r)]; }

  // Nodes and jobs, as streamed while they arrived or read whole now; reservations. The Slurm
  // cluster: the config's, else the first the answers name, in endpoint order.
  void read_answers() {
    const bool nodes_streamed = in_.nodes_stream && in_.nodes_stream->read();
    const bool jobs_streamed = in_.jobs_stream && in_.jobs_stream->read();
    nodes_read_ = nodes_streamed ? &in_.nodes_stream->state().nodes : &local_nodes_;
    jobs_read_ = jobs_streamed ? &in_.jobs_stream->state().jobs : &local_jobs_;
    if (!nodes_streamed) read_nodes(in_.nodes, in_.nodes_label, *nodes_read_);
    if (!jobs_streamed) read_jobs(in_.jobs, in_.jobs_label, *jobs_read_);
    errors_ = std::move(nodes_read_->errors);
    errors_.insert(errors_.end(), jobs_read_->errors.begin(), jobs_read_->errors.end());
    slurm_cluster_ = opt_.cluster;
    for (const std::string* named : {&nodes_read_->cluster, &jobs_read_->cluster})
      if (slurm_cluster_.empty()) slurm_cluster_ = *named;
    for (const std::string* release : {&nodes_read_->release, &jobs_read_->release})
      if (tr_.release.empty()) tr_.release = *release;
    Objects objs(in_.reservations_label, "reservations", errors_);
    read_response(
        in_.reservations, in_.reservations_label, "reservations", parser_, errors_,
        [&](od::object obj, std::size_t i) { read_reservation(obj, i, objs, reservations_); }, meta_cluster());
  }
  std::function<void(od::object)> meta_cluster() {
    return [this](od::object obj) { read_meta(obj, slurm_cluster_, tr_.release); };
  }

  // Associations, QOS and partitions: Slurm's limits and preemption rules.
  void read_rules() {
    std::map<std::string, std::map<std::string, int>> user_default_qos; // account -> QOS -> user associations
    by_qos_ = opt_.quota == "qos";
    const auto unknown_tres = [&](std::string_view kind, const std::string& holder,
                                  const std::vector<std::string>& names) {
      for (const auto& n : names)
        warn(fmt::format("tres:{}:{}:{}", kind, holder, n),
             fmt::format("{} {} limits gres/{}, which fleetcap does not count (only gres/gpu and gres/gpu:TYPE); "
                         "that limit is left out of the figures",
                         kind, holder, n));
    };
    if (opt_.quota != "none" && in_.associations) {
      Objects objs(in_.associations_label, "associations", errors_);
      read_response(
          *in_.associations, in_.associations_label, "associations", parser_, errors_,
          [&](od::object obj, std::size_t i) {
            read_association(obj, i, objs, slurm_cluster_, assocs_, user_default_qos, unknown_tres);
          },
          meta_cluster());
    }
    if (opt_.quota != "none" && in_.qos) {
      Objects objs(in_.qos_label, "qos", errors_);
      read_response(
          *in_.qos, in_.qos_label, "qos", parser_, errors_,
          [&](od::object obj, std::size_t i) { read_qos(obj, i, objs, qos_rules_, unknown_tres); }, meta_cluster());
    }
    if (in_.partitions) {
      Objects objs(in_.partitions_label, "partitions", errors_);
      read_response(
          *in_.partitions, in_.partitions_label, "partitions", parser_, errors_,
          [&](od::object obj, std::size_t i) { read_partition(obj, i, objs, partitions_); }, meta_cluster());
    }
    // An account association that names no default QOS: its users' (most of them), as Slurm
    // gives a job that names none.
    for (auto& a : assocs_)
      if (a.default_qos.empty())
        if (auto it = user_default_qos.find(a.account); it != user_default_qos.end())
          a.default_qos = std::max_element(it->second.begin(), it->second.end(), [](const auto& x, const auto& y) {
                            return x.second < y.second;
                          })->first;
  }

  // Clusters: one per GPU type, of the nodes with GPUs (a node of several types counts in its
  // larger type's).
  void clusters() {
    for (auto& n : nodes_read_->items) {
      Gpus total = 0;
      const TypedGpus* larger = nullptr;
      for (const auto& g : n.gpus) {
        total += g.count;
        if (!larger || g.count > larger->count) larger = &g;
      }
      if (total == 0) continue;
      if (n.gpus.size() > 1 && !warned_.count("two-types")) warn_two_types(n, total);
      n.total = total;
      n.type = larger->type.empty() ? "gpu" : larger->type;
      type_gpus_[n.type] += total;
      gpu_nodes_.push_back(std::move(n));
    }
    for (auto& [t, g] : type_gpus_) type_names_.push_back(t);
    for (std::uint32_t i = 0; i < gpu_nodes_.size(); ++i) {
      gpu_nodes_[i].cluster = static_cast<std::uint32_t>(*type_index(gpu_nodes_[i].type));
      node_at_.emplace(gpu_nodes_[i].name, i);
    }
    std::string& p = page(Resource::clusters);
    p = R"({"api_version": "v1", "items": [)";
    for (std::size_t t = 0; t < type_names_.size(); ++t) {
      p += t ? ",\n{" : "\n{";
      p += "\"name\": ";
      json::append_quoted(p, cluster_name(t));
      p += ", \"region\": ";
      json::append_quoted(p, opt_.region);
      p += ", \"provider\": ";
      json::append_quoted(p, opt_.provider);
      p += ", \"sku\": ";
      json::append_quoted(p, type_names_[t]);
      p += ", \"state\": \"production\", \"scheduler\": \"slurm\", \"slurm_cluster\": ";
      json::append_quoted(p, slurm_cluster_);
      p += "}";
    }
    p += "\n]}\n";
    if (opt_.region.empty() || opt_.provider.empty())
      warn("region", "Slurm does not know a cluster's region or provider; they are empty (set [slurm] region = ... "
                     "and provider = ... in the config file)");
  }
  void warn_two_types(const SNode& n, Gpus total) {
    std::string list;
    for (std::size_t k = 0; k < n.gpus.size() && k < 5; ++k)
      list += fmt::format("{}{}:{}", k ? ", " : "", n.gpus[k].type.empty() ? "gpu" : shown(n.gpus[k].type),
                          n.gpus[k].count);
    if (n.gpus.size() > 5) list += fmt::format(", and {} more", n.gpus.size() - 5);
    warn("two-types", fmt::format("node {} has several GPU types ({}); all its {} GPUs are counted in its larger "
                                  "type's cluster (and so for every such node)",
                                  n.name, list, total));
  }

  // The nodes page: each GPU node's cluster, island, health, partitions, reservations and issue.
  void nodes_page() {
    const Warn w = [this](const std::string& key, const std::string& text) { warn(key, text); };
    const NodeExtras extras =
        node_extras(nodes_read_->items, gpu_nodes_, partitions_, reservations_, in_.reservations_label, w);
    std::size_t islands_defaulted = 0;
    std::string& p = page(Resource::nodes);
    p.reserve(gpu_nodes_.size() * 160 + 64);
    p = R"({"api_version": "v1", "items": [)";
    bool first = true;
    for (auto& n : gpu_nodes_) {
      const NodeState s = node_state(n);
      std::string island = island_of(n);
      if (island.empty()) {
        island = cluster_name(n.cluster);
        ++islands_defaulted;
      }
      p += first ? "\n{" : ",\n{";
      first = false;
      p += "\"name\": ";
      json::append_quoted(p, n.name);
      p += ", \"cluster\": ";
      json::append_quoted(p, cluster_name(n.cluster));
      p += ", \"island\": ";
      json::append_quoted(p, island);
      fmt::format_to(std::back_inserter(p), ", \"gpus\": {}, \"health\": ", n.total);
      json::append_quoted(p, s.health);
      // Slurm's own state words (down, fail, not_responding) are not healthy, said so outright.
      if (s.health != "healthy") p += ", \"healthy\": false";
      write_node_extras(p, extras, n.name);
      p += s.cordoned ? ", \"cordoned\": true, \"issues\": [" : ", \"cordoned\": false, \"issues\": [";
      write_node_issue(p, n, s.word);
      p += "]}";
    }
    p += "\n]}\n";
    if (islands_defaulted)
      warn("islands", fmt::format("{} GPU nodes have no island (no topology, no feature starting with "
                                  "--island-feature-prefix, not in --island-map): one island per cluster, named "
                                  "after it",
                                  islands_defaulted));
  }
  // A node's island: its topology's, else its feature with --island-feature-prefix, else
  // --island-map's; empty when none says.
  std::string island_of(const SNode& n) const {
    std::string island = island_from_topology(n.topology);
    if (island.empty() && !opt_.island_feature_prefix.empty())
      for (const auto& f : n.features)
        if (f.starts_with(opt_.island_feature_prefix)) return f;
    if (island.empty())
      if (auto it = in_.island_map.find(n.name); it != in_.island_map.end()) island = it->second;
    return island;
  }

  // The jobs kept: running or pending, with GPUs, on a cluster (quota comes after the quotas).
  void keep_jobs() {
    const std::vector<SJob>& jobs = jobs_read_->items;
    outs_.reserve(jobs.size());
    std::size_t no_cluster = 0;
    NodeLists node_lists(nodes_read_->items.size(), jobs_read_->bytes, in_.jobs_label);
    for (const auto& j : jobs) {
      const std::optional<bool> running = job_running(j);
      if (!running) continue;
      JobOut o{&j, *running, 0, std::nullopt, {}, {}};
      job_gpus(j, *running, o);
      if (o.gpus <= 0) continue;                          // no GPUs: not fleetcap's business
      if (*running && !place(j, node_lists, o)) continue; // left out, with a warning below
      if (!o.cluster) {
        if (auto t = type_index(o.req_type); t && !o.req_type.empty())
          o.cluster = t;
        else if (type_names_.size() == 1)
          o.cluster = 0;
      }
      if (*running && !o.cluster) {
        ++no_cluster;
        continue;
      }
      outs_.push_back(std::move(o));
    }
    if (no_cluster)
      warn("job-cluster",
           fmt::format("{} running GPU jobs are on no GPU node this source knows; left out", no_cluster));
    if (node_lists.bad)
      warn("job-hostlist",
           fmt::format("{} running GPU jobs have a node list that is not a hostlist of at most the {} nodes "
                       "slurmrestd lists (job {}: \"{}\"); left out",
                       node_lists.bad, nodes_read_->items.size(), node_lists.first_bad_job, node_lists.first_bad));
  }
  // A running job's cluster (the GPU type most of its nodes have) and its nodes of that type;
  // false when its node list is not a hostlist.
  bool place(const SJob& j, NodeLists& node_lists, JobOut& o) const {
    auto names = node_lists.expand(j.nodes, j.id);
    if (!names) return false;
    std::vector<std::size_t> per_type(type_names_.size());
    for (auto& name : *names)
      if (auto it = node_at_.find(name); it != node_at_.end()) ++per_type[gpu_nodes_[it->second].cluster];
    if (!type_names_.empty()) {
      auto best = std::max_element(per_type.begin(), per_type.end());
      if (*best > 0) o.cluster = static_cast<std::size_t>(best - per_type.begin());
    }
    if (o.cluster)
      for (auto& name : *names)
        if (auto it = node_at_.find(name); it != node_at_.end() && gpu_nodes_[it->second].cluster == *o.cluster)
          o.nodes.push_back(std::move(name));
    return true;
  }

  // Quotas: Slurm's limits as leaves and caps (QuotaPlan), who Slurm would preempt (Preemption).
  void quotas() {
    if (opt_.quota != "none" && !in_.associations && !(by_qos_ && in_.qos))
      warn("no-slurmdbd",
           "slurmrestd serves no slurmdb endpoints (no slurmdbd): there is no quota; every GPU job is flex");
    for (const auto& a : assocs_) parent_of_[a.account] = a.parent;
    QuotaInputs& qin = qin_; // the plan reads it while it lives
    qin.by_qos = by_qos_;
    qin.borrowing = opt_.borrowing;
    qin.accounts = assocs_;
    qin.qos = qos_rules_;
    qin.type_names = type_names_;
    for (const auto& t : type_names_) qin.type_gpus.push_back(type_gpus_[t]);
    qin.quota_sku = opt_.quota_sku;
    qin.type_index = [this](std::string_view type) { return type_index(type); };
    qin.use = [&](const std::string& holder, std::size_t t) {
      Gpus g = 0;
      for (const auto& o : outs_)
        if (o.running && o.cluster == t && covered_by(*o.job, holder)) g += o.gpus;
      return g;
    };
    const Warn w = [this](const std::string& key, const std::string& text) { warn(key, text); };
    plan_.emplace(qin, w);
    preemption_.emplace(PreemptionSetup{opt_.preempt_type, opt_.preempt_mode, qos_rules_, partitions_}, w);
    cap_written_.assign(plan_->caps.size(), false);
    write_quotas(
        page(Resource::quotas), *plan_, [this](std::size_t t) { return cluster_name(t); },
        [this](std::string& p, std::size_t c) { cap_json(p, c); }, by_qos_);
  }
  // Whether a job's limit is `holder`'s: its QOS's (--slurm-quota qos), else its account's or
  // an account's above it.
  bool covered_by(const SJob& j, const std::string& holder) const {
    if (by_qos_) return j.qos == holder;
    std::set<std::string> seen;
    for (std::string a(j.account); !a.empty() && seen.insert(a).second;) {
      if (a == holder) return true;
      auto it = parent_of_.find(a);
      a = it == parent_of_.end() ? std::string() : it->second;
    }
    return false;
  }
  // A cap, defined where it is first written and named after that.
  void cap_json(std::string& p, std::size_t c) {
    const PlannedCap& cap = plan_->caps[c];
    if (cap_written_[c]) return json::append_quoted(p, cap.name);
    cap_written_[c] = true;
    p += "{\"name\": ";
    json::append_quoted(p, cap.name);
    fmt::format_to(std::back_inserter(p), ", \"gpus\": {}", cap.gpus);
    if (cap.type) {
      p += ", \"cluster\": ";
      json::append_quoted(p, cluster_name(*cap.type));
    }
    p += "}";
  }

  // The jobs page: each job kept with its leaf (none: flex), caps, priority and details.
  void jobs_page() {
    const std::map<std::string, std::string> prio(opt_.priority.begin(), opt_.priority.end());
    const std::set<std::string, std::less<>> flex_qos(opt_.flex_qos.begin(), opt_.flex_qos.end());
    std::size_t no_account = 0;
    std::string& p = page(Resource::jobs);
    p.reserve(outs_.size() * 260 + 64);
    p = R"({"api_version": "v1", "items": [)";
    bool first = true;
    for (auto& o : outs_) {
      const SJob& j = *o.job;
      const std::string account(j.account), qos(j.qos);
      // flex-qos, when given, says which QOS are reclaimable; else Slurm's preemption rules do.
      const bool reclaimable =
          flex_qos.empty() ? preemption_->reclaimable(j.qos, j.partition, o.nodes) : flex_qos.count(j.qos) > 0;
      const std::size_t leaf =
          reclaimable ? kNoLeaf : plan_->leaf_for(account, qos, o.cluster, o.req_type).value_or(kNoLeaf);
      if (leaf != kNoLeaf) o.cluster = plan_->leaves[leaf].type;
      std::string_view ns = j.account;
      if (ns.empty()) {
        ns = "none";
        ++no_account;
      }
      p += first ? "\n{" : ",\n{";
      first = false;
      fmt::format_to(std::back_inserter(p), "\"name\": \"{}\", \"namespace\": ", j.id);
      json::append_quoted(p, ns);
      p += ", \"quota\": ";
      json::append_quoted(p, leaf != kNoLeaf ? std::string_view(plan_->leaves[leaf].name) : std::string_view("flex"));
      if (o.cluster) {
        p += ", \"cluster\": ";
        json::append_quoted(p, cluster_name(*o.cluster));
      }
      p += ", \"priority\": ";
      auto pr = prio.find(qos);
      json::append_quoted(p, pr == prio.end() ? std::string_view("mid") : std::string_view(pr->second));
      fmt::format_to(std::back_inserter(p), ", \"gpus\": {}, \"state\": \"{}\"", o.gpus,
                     o.running ? "running" : "pending");
      if (leaf == kNoLeaf && !reclaimable) p += ", \"reclaimable\": false"; // stable use (docs/design.md)
      write_job_rest(p, o, leaf, plan_->caps_for(account, qos, o.cluster));
    }
    p += "\n]}\n";
    if (no_account)
      warn("no-account", fmt::format("{} GPU jobs have no account; their namespace is \"none\"", no_account));
  }
  // A job's caps (unless its leaf's own), details, nodes and start, and its closing brace.
  void write_job_rest(std::string& p, const JobOut& o, std::size_t leaf, const std::vector<std::size_t>& caps) {
    const SJob& j = *o.job;
    if (!caps.empty() && (leaf == kNoLeaf || caps != plan_->leaves[leaf].caps)) {
      p += ", \"caps\": [";
      for (std::size_t k = 0; k < caps.size(); ++k) {
        if (k) p += ", ";
        cap_json(p, caps[k]);
      }
      p += "]";
    }
    write_job_details(p, j, o.running);
    if (o.running) {
      p += ", \"nodes\": [";
      for (std::size_t k = 0; k < o.nodes.size(); ++k) {
        if (k) p += ", ";
        json::append_quoted(p, o.nodes[k]);
      }
      p += "]";
      if (j.start) {
        p += ", \"started_at\": ";
        json::append_quoted(p, format_rfc3339(*j.start));
      }
    }
    p += "}";
  }

  // Maintenance: MAINT reservations, one event per GPU type they touch, and nodes flagged
  // MAINTENANCE outside them.
  void maintenance() {
    std::string& p = page(Resource::maintenance);
    p = R"({"api_version": "v1", "items": [)";
    std::unordered_set<std::string> in_maint_res;
    bool open_ended = false;
    for (const auto& r : reservations_)
      if (r.maint()) maint_reservation(r, in_maint_res, open_ended); // the others hold nodes (node_extras)
    for (const auto& n : gpu_nodes_) {
      if (std::find(n.words.begin(), n.words.end(), "MAINTENANCE") == n.words.end() || in_maint_res.count(n.name))
        continue;
      open_ended = true;
      const Time start = std::min(now_, n.reason_at.value_or(now_));
      event(fmt::format("{}/maintenance", n.name), n.cluster, {n.name},
            n.reason.empty() ? std::string("node flagged MAINTENANCE") : n.reason, start, kOpenEnd);
    }
    if (open_ended)
      warn("open-end", "maintenance without an end (an infinite reservation, or a node flagged MAINTENANCE) ends at "
                       "8999-12-31T23:59:59Z: open-ended");
    p += "\n]}\n";
  }
  void maint_reservation(const SRes& r, std::unordered_set<std::string>& in_maint_res, bool& open_ended) {
    const bool all = r.node_list.empty() || std::find(r.flags.begin(), r.flags.end(), "ALL_NODES") != r.flags.end();
    std::vector<std::vector<std::string>> per_type(type_names_.size());
    std::vector<bool> touched(type_names_.size(), all);
    if (!all) {
      auto names = expand_hostlist(r.node_list, std::max<std::uint64_t>(nodes_read_->items.size(), 1));
      if (!names) {
        errors_.push_back(fmt::format("{}: reservations \"{}\": field \"node_list\" is not a hostlist of at most "
                                      "the {} nodes slurmrestd lists, got \"{}\"",
                                      in_.reservations_label, shown(r.name), nodes_read_->items.size(),
                                      shown(r.node_list)));
        return;
      }
      for (auto& name : *names)
        if (auto it = node_at_.find(name); it != node_at_.end()) {
          const auto c = gpu_nodes_[it->second].cluster;
          in_maint_res.insert(name);
          per_type[c].push_back(std::move(name));
          touched[c] = true;
        }
    } else {
      for (const auto& n : gpu_nodes_) in_maint_res.insert(n.name);
    }
    Time end = r.open_end || !r.end ? kOpenEnd : *r.end;
    if (end == kOpenEnd) open_ended = true;
    const Time start = *r.start;
    if (end <= start) end = start + 1;
    const std::string reason = r.comment.empty() ? fmt::format("Slurm reservation {}", r.name) : r.comment;
    std::size_t count = static_cast<std::size_t>(std::count(touched.begin(), touched.end(), true));
    for (std::size_t t = 0; t < type_names_.size(); ++t)
      if (touched[t])
        event(count > 1 ? fmt::format("{}/{}", r.name, type_names_[t]) : r.name, t, per_type[t], reason, start, end);
  }
  // One maintenance event. Slurm lists a reservation until it ends, so its state is from `now`
  // (the --at time, else the clock); activity at another --at follows from start and end
  // (docs/concepts.md).
  void event(const std::string& id, std::size_t cluster, const std::vector<std::string>& names, std::string_view reason,
             Time start, Time end) {
    std::string& p = page(Resource::maintenance);
    const char* state = now_ < start ? "scheduled" : now_ < end ? "in_progress" : "completed";
    p += first_event_ ? "\n{" : ",\n{";
    first_event_ = false;
    p += "\"id\": ";
    json::append_quoted(p, id);
    p += ", \"cluster\": ";
    json::append_quoted(p, cluster_name(cluster));
    p += ", \"nodes\": [";
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (k) p += ", ";
      json::append_quoted(p, names[k]);
    }
    p += "], \"kind\": \"maintenance\", \"reason\": ";
    json::append_quoted(p, reason);
    p += ", \"priority\": \"p2\", \"start\": ";
    json::append_quoted(p, format_rfc3339(start));
    p += ", \"end\": ";
    json::append_quoted(p, format_rfc3339(end));
    fmt::format_to(std::back_inserter(p), ", \"hard_start\": {}, \"state\": \"{}\"}}",
                   opt_.hard_start ? "true" : "false", state);
  }

  Responses& in_;
  const SlurmOptions& opt_;
  const Time now_;
  Translation tr_;
  std::vector<std::string> errors_;
  std::set<std::string> warned_; // one warning per kind
  od::parser parser_;            // reservations, associations, QOS, partitions, one after another
  NodesRead local_nodes_;        // nodes and jobs read whole, when not streamed
  JobsRead local_jobs_;
  NodesRead* nodes_read_ = nullptr;
  JobsRead* jobs_read_ = nullptr;
  std::string slurm_cluster_;
  std::vector<SRes> reservations_;
  std::vector<AccountRule> assocs_;
  std::vector<QosRule> qos_rules_;
  std::vector<PartitionRule> partitions_;
  bool by_qos_ = false;
  std::map<std::string, Gpus> type_gpus_; // GPU type -> GPUs (sku; "gpu" = untyped)
  std::vector<std::string> type_names_;   // sorted
  std::vector<SNode> gpu_nodes_;
  std::unordered_map<std::string_view, std::uint32_t> node_at_; // name -> gpu_nodes_ index
  std::vector<JobOut> outs_;
  std::map<std::string, std::string> parent_of_; // account -> parent
  QuotaInputs qin_;
  std::optional<QuotaPlan> plan_;
  std::optional<Preemption> preemption_;
  std::vector<bool> cap_written_;
  bool first_event_ = true;
};

} // namespace

Translation translate(Responses& in, const SlurmOptions& opt, Time now) { return Translator(in, opt, now).run(); }

} // namespace fleetcap::source::slurm
