// docs/fleet-api.md envelopes and docs/fleet-api.md item fields, read with simdjson On Demand in one pass: no DOM is
// built and copied (see docs/design.md for the measurements behind that choice).
#include "fleetcap/model/parse.hpp"

#include "fleetcap/error.hpp"
#include "json_key.hpp"
#include "json_tail.hpp"
#include "split.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

namespace fleetcap {
namespace od = simdjson::ondemand;

std::string describe_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

namespace {

// A name or raw token as it appears in an error, quoted and cut short.
std::string shown(std::string_view text, std::size_t limit = 60) {
  std::string out;
  for (char ch : text.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += ch;
  }
  if (text.size() > limit) out += "...";
  return out;
}

std::string got(od::value& v) {
  od::json_type type;
  if (v.type().get(type)) return "invalid JSON";
  if (type == od::json_type::object) return "an object";
  if (type == od::json_type::array) return "an array";
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  return shown(raw);
}

// The text of a string value as a view of the input when it holds no escape (the usual case):
// no unescaping into the parser's buffer. The input was validated as UTF-8 and for control
// characters when it was indexed. False when the value is not a string or has escapes.
bool plain_string(od::value& v, std::string_view& out) {
  const std::string_view token = v.raw_json_token();
  if (token.empty() || token.front() != '"') return false;
  const char* begin = token.data() + 1;
  const char* end = begin;
  while (*end != '"' && *end != '\\') ++end; // the string ends before the next structural
  if (*end != '"') return false;
  out = std::string_view(begin, static_cast<std::size_t>(end - begin));
  return true;
}

// Collects one item's problems, then reports them with its index and name.
class Item {
public:
  Item(std::string_view resource, std::size_t index, std::vector<std::string>& errors)
      : resource_(resource), index_(index), errors_(errors) {}

  void fail(std::string_view field, const std::string& what) {
    problems_.push_back(fmt::format("field \"{}\" {}", field, what));
  }
  void problem(const std::string& what) { problems_.push_back(what); }
  // `name` must outlive finish(): it views the item's own field.
  void set_name(std::string_view name) { name_ = name; }

  void finish() {
    for (const auto& p : problems_) {
      if (name_.empty())
        errors_.push_back(fmt::format("{}[{}]: {}", resource_, index_, p));
      else
        errors_.push_back(fmt::format("{}[{}] \"{}\": {}", resource_, index_, shown(name_), p));
    }
  }

  // Into the resource's arena, for the items a fleet has many of. With `previous` (the value
  // this field had in the item before), an equal value shares its copy: items come grouped by
  // cluster and island, so a node's cluster, island and health, or a job's namespace, quota
  // and cluster, are stored once per run of equal values rather than once per item.
  bool string(od::value v, std::string_view field, TextArena& text, std::string_view& out,
              std::string_view* previous = nullptr) {
    std::string_view s;
    if (!plain_string(v, s)) {
      if (v.type() != od::json_type::string) {
        fail(field, fmt::format("must be a string, got {}", got(v)));
        return false;
      }
      s = v.get_string();
    }
    if (previous && *previous == s) {
      out = *previous;
    } else {
      out = text.store(s);
      if (previous) *previous = out;
    }
    return true;
  }

  bool nullable_string(od::value v, std::string_view field, TextArena& text, std::optional<std::string_view>& out,
                       std::string_view* previous = nullptr) {
    if (v.type() == od::json_type::null) {
      out.reset();
      return true;
    }
    std::string_view s;
    if (!string(v, field, text, s, previous)) return false;
    out = s;
    return true;
  }

  bool string(od::value v, std::string_view field, std::string& out) {
    if (v.type() != od::json_type::string) {
      fail(field, fmt::format("must be a string, got {}", got(v)));
      return false;
    }
    std::string_view s = v.get_string();
    out.assign(s);
    return true;
  }

  // Names and references: "" would name nothing, and would slip past the lookups that
  // report unknown names.
  bool name(od::value v, std::string_view field, std::string& out) {
    if (!string(v, field, out)) return false;
    if (!out.empty()) return true;
    fail(field, "must be a non-empty string, got \"\"");
    return false;
  }

  bool nullable_name(od::value v, std::string_view field, std::optional<std::string>& out) {
    if (v.type() == od::json_type::null) {
      out.reset();
      return true;
    }
    std::string s;
    if (!name(v, field, s)) return false;
    out = std::move(s);
    return true;
  }

  // Names and references into the resource's arena (Node, Job), as name() above.
  bool name(od::value v, std::string_view field, TextArena& text, std::string_view& out,
            std::string_view* previous = nullptr) {
    if (!string(v, field, text, out, previous)) return false;
    if (!out.empty()) return true;
    fail(field, "must be a non-empty string, got \"\"");
    return false;
  }

  bool nullable_name(od::value v, std::string_view field, TextArena& text, std::optional<std::string_view>& out,
                     std::string_view* previous = nullptr) {
    if (v.type() == od::json_type::null) {
      out.reset();
      return true;
    }
    std::string_view s;
    if (!name(v, field, text, s, previous)) return false;
    out = s;
    return true;
  }

  bool boolean(od::value v, std::string_view field, bool& out) {
    if (v.type() != od::json_type::boolean) {
      fail(field, fmt::format("must be true or false, got {}", got(v)));
      return false;
    }
    out = v.get_bool();
    return true;
  }

  // An integer >= minimum; "non-negative" or "positive" says which in the message.
  bool integer(od::value v, std::string_view field, std::int64_t minimum, std::int64_t& out) {
    if (std::int64_t x; !v.get_int64().get(x) && x >= minimum && x <= kMaxGpus) { // the usual case, first
      out = x;
      return true;
    }
    const char* what = minimum > 0 ? "a positive integer" : "a non-negative integer";
    // `out` is only written once the value is known good: an item with a bad count keeps
    // its default, so every reader of the page (whole or streamed) holds the same item.
    bool ok = false;
    std::int64_t value = 0;
    if (v.type() == od::json_type::number) {
      od::number_type nt;
      if (!v.get_number_type().get(nt)) {
        if (nt == od::number_type::signed_integer) {
          ok = !v.get_int64().get(value);
        } else if (nt == od::number_type::unsigned_integer) {
          std::uint64_t u = 0;
          ok = !v.get_uint64().get(u) && u <= static_cast<std::uint64_t>(INT64_MAX);
          value = ok ? static_cast<std::int64_t>(u) : 0;
        }
      }
    }
    if (!ok || value < minimum) {
      fail(field, fmt::format("must be {}, got {}", what, got(v)));
      return false;
    }
    if (value > kMaxGpus) {
      fail(field, fmt::format("must be at most {}, got {}", kMaxGpus, got(v)));
      return false;
    }
    out = value;
    return true;
  }

  bool time(od::value v, std::string_view field, Time& out) {
    if (std::string_view text; plain_string(v, text)) {
      if (auto t = parse_rfc3339(text)) {
        out = *t;
        return true;
      }
    }
    if (v.type() != od::json_type::string) {
      fail(field, fmt::format("must be an RFC 3339 time, got {}", got(v)));
      return false;
    }
    std::string_view text = v.get_string();
    if (auto t = parse_rfc3339(text)) {
      out = *t;
      return true;
    }
    if (rfc3339_out_of_range(text))
      fail(field,
           fmt::format("must be an RFC 3339 time in the years {} to {}, got \"{}\"", kMinYear, kMaxYear, shown(text)));
    else
      fail(field, fmt::format("must be an RFC 3339 time, got \"{}\"", shown(text)));
    return false;
  }

  template <class E> bool choice(od::value v, std::string_view field, std::optional<E> (*from)(std::string_view),
                                 std::string_view allowed, E& out) {
    if (std::string_view s; plain_string(v, s)) {
      if (auto e = from(s)) {
        out = *e;
        return true;
      }
    }
    if (v.type() == od::json_type::string) {
      std::string_view s = v.get_string();
      if (auto e = from(s)) {
        out = *e;
        return true;
      }
      fail(field, fmt::format("must be one of {}, got \"{}\"", allowed, shown(s)));
      return false;
    }
    fail(field, fmt::format("must be one of {}, got {}", allowed, got(v)));
    return false;
  }

  bool strings(od::value v, std::string_view field, TextArena& text, std::span<const std::string_view>& out) {
    if (v.type() != od::json_type::array) {
      fail(field, fmt::format("must be an array of strings, got {}", got(v)));
      return false;
    }
    thread_local std::vector<std::string_view> names; // one list at a time, then kept in `text`
    names.clear();
    std::size_t i = 0;
    for (auto element : v.get_array()) {
      od::value e = element.value();
      std::string_view s;
      if (!plain_string(e, s)) {
        if (e.type() != od::json_type::string) {
          fail(field, fmt::format("must be an array of strings, got {} at position {}", got(e), i));
          return false;
        }
        s = e.get_string();
      }
      names.push_back(text.store(s));
      ++i;
    }
    out = text.store_list(names);
    return true;
  }

  bool strings(od::value v, std::string_view field, std::vector<std::string>& out) {
    if (v.type() != od::json_type::array) {
      fail(field, fmt::format("must be an array of strings, got {}", got(v)));
      return false;
    }
    out.clear();
    std::size_t i = 0;
    for (auto element : v.get_array()) {
      od::value e = element.value();
      if (e.type() != od::json_type::string) {
        fail(field, fmt::format("must be an array of strings, got {} at position {}", got(e), i));
        return false;
      }
      std::string_view s = e.get_string();
      out.emplace_back(s);
      ++i;
    }
    return true;
  }

  void require(bool seen, std::string_view field) {
    if (!seen) problems_.push_back(fmt::format("field \"{}\" is missing", field));
  }

private:
  std::string_view resource_;
  std::size_t index_;
  std::vector<std::string>& errors_;
  std::vector<std::string> problems_;
  std::string_view name_;
};

// Required fields of one resource: a field present with a bad value was reported already, so
// only absent ones are reported here.
template <std::size_t N> class Required {
public:
  explicit constexpr Required(const std::array<std::string_view, N>& names) : names_(names) {}
  void note(std::string_view key) {
    for (std::size_t i = 0; i < N; ++i)
      if (key == names_[i]) bits_ |= 1u << i;
  }
  // The field names_[i] was seen (for readers that already know which key they matched).
  void seen(std::size_t i) { bits_ |= 1u << i; }
  void check(Item& it) const {
    for (std::size_t i = 0; i < N; ++i)
      if (!(bits_ & (1u << i))) it.problem(fmt::format("field \"{}\" is missing", names_[i]));
  }

private:
  const std::array<std::string_view, N>& names_;
  std::uint32_t bits_ = 0;
};

constexpr std::string_view kClusterStates = "planned, provisioning, provisioned, production, decommissioned";
constexpr std::string_view kPriorities = "critical, high, mid, low";
constexpr std::string_view kJobStates = "running, pending";
constexpr std::string_view kEventStates = "scheduled, in_progress, completed, cancelled";
constexpr std::string_view kIssuePriorities = "p0, p1, p2, p3";

constexpr std::array<std::string_view, 5> kClusterRequired = {"name", "region", "provider", "sku", "state"};
constexpr std::array<std::string_view, 5> kNodeRequired = {"name", "cluster", "island", "gpus", "health"};
constexpr std::array<std::string_view, 1> kQuotaRequired = {"name"};
constexpr std::array<std::string_view, 6> kJobRequired = {"name", "namespace", "quota", "priority", "gpus", "state"};
// "nodes" too: docs/fleet-api.md says [string], empty = the whole cluster; null or missing would be
// taken as the whole cluster silently (issue 16).
constexpr std::array<std::string_view, 7> kEventRequired = {"id",    "cluster", "nodes", "priority",
                                                            "start", "end",     "state"};
constexpr std::array<std::string_view, 4> kSampleRequired = {"cluster", "at", "healthy_gpus", "total_gpus"};

bool is_null(od::value& v) { return v.type() == od::json_type::null; }

void read_cluster(od::object obj, Item& it, Cluster& c) {
  Required required(kClusterRequired);
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    required.note(key);
    if (key == "name") {
      if (it.name(v, key, c.name)) it.set_name(c.name);
    } else if (key == "region") {
      it.string(v, key, c.region);
    } else if (key == "provider") {
      it.string(v, key, c.provider);
    } else if (key == "sku") {
      it.string(v, key, c.sku);
    } else if (key == "state") {
      it.choice(v, key, cluster_state_from, kClusterStates, c.state);
    } else if (key == "scheduler" || key == "slurm_cluster" || key == "island_label") {
      if (is_null(v)) continue;
      it.string(v, key, key == "scheduler" ? c.scheduler : key == "slurm_cluster" ? c.slurm_cluster : c.island_label);
    }
  }
  required.check(it);
}

// The optional scheduler fields of docs/design.md ("What schedulers enforce").

// `caps`: each a cap's name, or its definition {name, gpus, cluster}.
bool read_caps(od::value v, Item& it, TextArena& text, std::vector<CapUse>& out) {
  if (v.type() != od::json_type::array) {
    it.fail("caps", fmt::format("must be an array of cap names or {{name, gpus, cluster}} objects, got {}", got(v)));
    return false;
  }
  std::size_t i = 0;
  for (auto element : v.get_array()) {
    od::value e = element.value();
    const std::string where = fmt::format("caps[{}]", i++);
    CapUse cap;
    if (e.type() == od::json_type::string) {
      if (!it.name(e, where, text, cap.name)) return false;
      out.push_back(cap);
      continue;
    }
    if (e.type() != od::json_type::object) {
      it.fail(where, fmt::format("must be a cap name or a {{name, gpus, cluster}} object, got {}", got(e)));
      return false;
    }
    cap.defines = true;
    bool named = false, sized = false, ok = true;
    for (auto f : e.get_object()) {
      std::string_view key = key_of(f);
      od::value x = f.value();
      const std::string field = fmt::format("{}.{}", where, key);
      if (key == "name") {
        named = true;
        ok = it.name(x, field, text, cap.name) && ok;
      } else if (key == "gpus") {
        sized = true;
        ok = it.integer(x, field, 0, cap.gpus) && ok;
      } else if (key == "cluster") {
        std::optional<std::string_view> cluster;
        ok = it.nullable_name(x, field, text, cluster) && ok;
        if (cluster) cap.cluster = *cluster;
      }
    }
    if (!named) it.fail(where + ".name", "is missing");
    if (!sized) it.fail(where + ".gpus", "is missing");
    if (!ok || !named || !sized) return false;
    out.push_back(cap);
  }
  return true;
}

// A node's `reservations`: [{name, start, end, namespaces, users}].
bool read_reservations(od::value v, Item& it, TextArena& text, std::vector<ReservationUse>& out) {
  if (v.type() != od::json_type::array) {
    it.fail("reservations", fmt::format("must be an array of {{name, start, end, namespaces, users}}, got {}", got(v)));
    return false;
  }
  std::size_t i = 0;
  for (auto element : v.get_array()) {
    od::value e = element.value();
    const std::string where = fmt::format("reservations[{}]", i++);
    if (e.type() != od::json_type::object) {
      it.fail(where, fmt::format("must be an object, got {}", got(e)));
      return false;
    }
    ReservationUse r;
    unsigned seen = 0;
    bool ok = true;
    for (auto f : e.get_object()) {
      std::string_view key = key_of(f);
      od::value x = f.value();
      const std::string field = fmt::format("{}.{}", where, key);
      if (key == "name") {
        seen |= 1;
        ok = it.name(x, field, text, r.name) && ok;
      } else if (key == "start") {
        seen |= 2;
        ok = it.time(x, field, r.start) && ok;
      } else if (key == "end") {
        seen |= 4;
        ok = it.time(x, field, r.end) && ok;
      } else if (key == "namespaces" || key == "users") {
        if (!is_null(x)) ok = it.strings(x, field, text, key == "users" ? r.users : r.namespaces) && ok;
      }
    }
    for (auto [bit, name] : {std::pair{1u, "name"}, std::pair{2u, "start"}, std::pair{4u, "end"}})
      if (!(seen & bit)) it.fail(fmt::format("{}.{}", where, name), "is missing");
    if (ok && seen == 7 && !(r.start < r.end))
      it.fail(where + ".end",
              fmt::format("({}) must be after start ({})", format_rfc3339(r.end), format_rfc3339(r.start)));
    else if (ok && seen == 7)
      out.push_back(r);
  }
  return true;
}

void read_issue(od::value v, Item& it, NodeIssue& issue, std::size_t i) {
  if (v.type() != od::json_type::object) {
    it.fail(fmt::format("issues[{}]", i), fmt::format("must be an object, got {}", got(v)));
    return;
  }
  for (auto f : v.get_object()) {
    std::string_view key = key_of(f);
    od::value x = f.value();
    const std::string name = fmt::format("issues[{}].{}", i, key);
    if (key == "type") {
      it.string(x, name, issue.type);
    } else if (key == "detail") {
      it.string(x, name, issue.detail);
    } else if (key == "detected_at") {
      Time t;
      if (it.time(x, name, t)) issue.detected_at = t;
    } else if (key == "priority") {
      it.choice(x, name, issue_priority_from, kIssuePriorities, issue.priority);
    }
  }
}

// A record's optional details (NodeDetail, JobDetail): kept in the snapshot only when a field of
// them was given, so a record without any costs no detail.
template <class D> struct GivenDetail {
  D value;
  bool given = false;
  void store_in(const D*& out, TextArena& text) const {
    if (given) out = text.store_one(value);
  }
};

// The values the previous item of a page had, for Item::string's `previous`.
struct Previous {
  std::string_view cluster, island, health, ns, quota, kind, reason;
};

void read_node(od::object obj, Item& it, Node& n, TextArena& text, Previous& previous, ArrayArena<NodeIssue>& kept) {
  // kNodeRequired: name, cluster, island, gpus, health
  Required required(kNodeRequired);
  GivenDetail<NodeDetail> detail;
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    if (key == "name") {
      required.seen(0);
      if (it.name(v, key, text, n.name)) it.set_name(n.name);
    } else if (key == "cluster") {
      required.seen(1);
      it.name(v, key, text, n.cluster, &previous.cluster);
    } else if (key == "island") {
      required.seen(2);
      it.name(v, key, text, n.island, &previous.island);
    } else if (key == "gpus") {
      required.seen(3);
      it.integer(v, key, 0, n.gpus);
    } else if (key == "health") {
      required.seen(4);
      it.string(v, key, text, n.health, &previous.health);
    } else if (key == "cordoned") {
      if (!is_null(v)) it.boolean(v, key, n.cordoned);
    } else if (key == "issues") {
      if (is_null(v)) continue;
      if (v.type() != od::json_type::array) {
        it.fail(key, fmt::format("must be an array, got {}", got(v)));
        continue;
      }
      // One node's issues, then kept in the snapshot; a second "issues" key adds to the first.
      thread_local std::vector<NodeIssue> issues;
      issues.assign(n.issues.begin(), n.issues.end());
      std::size_t i = 0;
      for (auto element : v.get_array()) read_issue(element.value(), it, issues.emplace_back(), i++);
      n.issues = kept.store(issues);
    } else if (key == "healthy") {
      if (bool b = false; !is_null(v) && it.boolean(v, key, b)) n.healthy_given = b ? 1 : 0;
    } else if (key == "partitions") {
      if (!is_null(v) && it.strings(v, key, text, detail.value.partitions)) detail.given = true;
    } else if (key == "reservations") {
      thread_local std::vector<ReservationUse> list;
      list.clear();
      if (!is_null(v) && read_reservations(v, it, text, list) && !list.empty()) {
        detail.value.reservations = text.store_array<ReservationUse>(list);
        detail.given = true;
      }
    }
  }
  required.check(it);
  detail.store_in(n.detail, text);
}

// A quantity of a Kueue resource: Kubernetes writes it as a string ("36Gi") or a number (8).
bool quantity(od::value v, std::string_view field, Item& it, std::string& out) {
  if (v.type() == od::json_type::number) {
    out = std::string(v.raw_json_token());
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return true;
  }
  return it.string(v, field, out);
}

void read_kueue_resource(od::value v, Item& it, const std::string& at, KueueResource& r) {
  if (v.type() != od::json_type::object) return it.fail(at, fmt::format("must be an object, got {}", got(v)));
  for (auto f : v.get_object()) {
    const std::string_view key = key_of(f);
    od::value x = f.value();
    const std::string name = fmt::format("{}.{}", at, key);
    if (key == "name") {
      it.string(x, name, r.name);
    } else if (key == "nominal_quota") {
      quantity(x, name, it, r.nominal_quota);
    } else if ((key == "borrowing_limit" || key == "lending_limit") && !is_null(x)) {
      std::string q;
      if (quantity(x, name, it, q)) (key == "borrowing_limit" ? r.borrowing_limit : r.lending_limit) = std::move(q);
    }
  }
}

void read_kueue_flavor(od::value v, Item& it, const std::string& at, KueueFlavor& fl) {
  if (v.type() != od::json_type::object) return it.fail(at, fmt::format("must be an object, got {}", got(v)));
  for (auto f : v.get_object()) {
    const std::string_view key = key_of(f);
    od::value x = f.value();
    if (key == "name") {
      it.string(x, at + ".name", fl.name);
    } else if (key == "resources") {
      if (x.type() != od::json_type::array) return it.fail(at + ".resources", "must be an array");
      std::size_t i = 0;
      for (auto e : x.get_array())
        read_kueue_resource(e.value(), it, fmt::format("{}.resources[{}]", at, i++), fl.resources.emplace_back());
    }
  }
}

// kueue.resource_groups: the ClusterQueue's spec.resourceGroups, snake_case.
void read_resource_groups(od::value v, Item& it, std::vector<KueueResourceGroup>& out) {
  if (v.type() != od::json_type::array) return it.fail("kueue.resource_groups", "must be an array");
  std::size_t i = 0;
  for (auto e : v.get_array()) {
    od::value g = e.value();
    const std::string at = fmt::format("kueue.resource_groups[{}]", i++);
    if (g.type() != od::json_type::object) return it.fail(at, fmt::format("must be an object, got {}", got(g)));
    KueueResourceGroup& group = out.emplace_back();
    for (auto f : g.get_object()) {
      const std::string_view key = key_of(f);
      od::value x = f.value();
      if (key == "covered_resources") {
        it.strings(x, at + ".covered_resources", group.covered_resources);
      } else if (key == "flavors") {
        if (x.type() != od::json_type::array) return it.fail(at + ".flavors", "must be an array");
        std::size_t k = 0;
        for (auto fl : x.get_array())
          read_kueue_flavor(fl.value(), it, fmt::format("{}.flavors[{}]", at, k++), group.flavors.emplace_back());
      }
    }
  }
}

// A leaf's "slurm" ({account or qos, tres}) or "kueue" ({cluster_queue, flavor, resource_groups}).
void read_origin(od::value v, std::string_view field, Item& it, Quota& q) {
  if (is_null(v)) return;
  if (v.type() != od::json_type::object) return it.fail(field, fmt::format("must be an object, got {}", got(v)));
  QuotaOrigin o;
  o.kind = field == "kueue" ? QuotaOrigin::Kind::kueue : QuotaOrigin::Kind::slurm_account;
  for (auto f : v.get_object()) {
    const std::string_view key = key_of(f);
    od::value x = f.value();
    const std::string name = fmt::format("{}.{}", field, key);
    if (key == "account" || key == "qos" || key == "cluster_queue") {
      if (key == "qos") o.kind = QuotaOrigin::Kind::slurm_qos;
      it.name(x, name, o.name);
    } else if (key == "tres" || key == "flavor") {
      it.name(x, name, o.resource);
    } else if (key == "resource_groups") {
      read_resource_groups(x, it, o.resource_groups);
    } else if (key == "api_version") {
      it.string(x, name, o.api_version);
    }
  }
  if (o.name.empty() || o.resource.empty())
    return it.fail(field, field == "kueue" ? "must name its cluster_queue and flavor"
                                           : "must name its account (or qos) and tres");
  q.origin = std::move(o);
}

void read_quota(od::object obj, Item& it, Quota& q, TextArena& text, Previous&) {
  Required required(kQuotaRequired);
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    required.note(key);
    if (key == "name") {
      if (it.name(v, key, q.name)) it.set_name(q.name);
    } else if (key == "parent") {
      it.nullable_name(v, key, q.parent);
    } else if (key == "cluster") {
      it.nullable_name(v, key, q.cluster);
    } else if (key == "gpus") {
      if (is_null(v)) continue;
      q.gpus_given = true;
      it.integer(v, key, 0, q.gpus);
    } else if (key == "access") {
      if (is_null(v)) continue;
      std::vector<std::string> access;
      if (it.strings(v, key, access)) q.access = std::move(access);
    } else if (key == "borrowing_limit" || key == "lending_limit" || key == "shared_gpus") {
      if (is_null(v)) continue;
      std::optional<Gpus>& out = key == "borrowing_limit" ? q.borrowing_limit
                                 : key == "lending_limit" ? q.lending_limit
                                                          : q.shared_gpus;
      if (Gpus n = 0; it.integer(v, key, 0, n)) out = n;
    } else if (key == "caps") {
      if (!is_null(v)) read_caps(v, it, text, q.caps);
    } else if (key == "reclaims") {
      if (!is_null(v)) it.boolean(v, key, q.reclaims);
    } else if (key == "slurm" || key == "kueue") {
      read_origin(v, key, it, q);
    }
  }
  required.check(it);
}

// A job's descriptive fields and caps (JobDetail); false when `key` is none of them.
bool read_job_detail(std::string_view key, od::value v, Item& it, TextArena& text, JobDetail& d) {
  if (key == "user") return it.string(v, key, text, d.user);
  if (key == "job_name") return it.string(v, key, text, d.job_name);
  if (key == "pending_reason") return it.string(v, key, text, d.pending_reason);
  if (key == "partition") return it.string(v, key, text, d.partition);
  if (key == "submitted_at") {
    Time t;
    if (!it.time(v, key, t)) return false;
    d.submitted_at = t;
    return true;
  }
  if (key == "caps") {
    thread_local std::vector<CapUse> caps;
    caps.clear();
    if (!read_caps(v, it, text, caps)) return false;
    d.caps = text.store_array<CapUse>(caps);
    d.caps_given = true;
    return true;
  }
  return false;
}

void read_job(od::object obj, Item& it, Job& j, TextArena& text, Previous& previous) {
  // kJobRequired: name, namespace, quota, priority, gpus, state
  Required required(kJobRequired);
  GivenDetail<JobDetail> detail;
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    if (key == "name") {
      required.seen(0);
      if (it.name(v, key, text, j.name)) it.set_name(j.name);
    } else if (key == "namespace") {
      required.seen(1);
      it.name(v, key, text, j.ns, &previous.ns);
    } else if (key == "quota") {
      required.seen(2);
      it.name(v, key, text, j.quota, &previous.quota);
    } else if (key == "priority") {
      required.seen(3);
      it.choice(v, key, priority_from, kPriorities, j.priority);
    } else if (key == "gpus") {
      required.seen(4);
      it.integer(v, key, 1, j.gpus);
    } else if (key == "state") {
      required.seen(5);
      it.choice(v, key, job_state_from, kJobStates, j.state);
    } else if (key == "cluster") {
      it.nullable_name(v, key, text, j.cluster, &previous.cluster);
    } else if (key == "nodes") {
      if (!is_null(v)) it.strings(v, key, text, j.nodes);
    } else if (key == "idle") {
      if (!is_null(v)) it.boolean(v, key, j.idle);
    } else if (key == "started_at") {
      if (is_null(v)) continue;
      Time t;
      if (it.time(v, key, t)) j.started_at = t;
    } else if (key == "reclaimable") {
      if (bool b = false; !is_null(v) && it.boolean(v, key, b)) j.reclaimable = b ? 1 : 0;
    } else if (!is_null(v) && read_job_detail(key, v, it, text, detail.value)) {
      detail.given = true;
    }
  }
  required.check(it);
  j.flex = j.quota == "flex";
  detail.store_in(j.detail, text);
}

void read_event(od::object obj, Item& it, MaintenanceEvent& e, TextArena& text, Previous& previous) {
  Required required(kEventRequired);
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    required.note(key);
    if (key == "id") {
      if (it.name(v, key, text, e.id)) it.set_name(e.id);
    } else if (key == "cluster") {
      it.name(v, key, text, e.cluster, &previous.cluster);
    } else if (key == "nodes") {
      it.strings(v, key, text, e.nodes); // null is an error: an empty list means the whole cluster
    } else if (key == "kind") {
      if (!is_null(v)) it.string(v, key, text, e.kind, &previous.kind);
    } else if (key == "reason") {
      if (!is_null(v)) it.string(v, key, text, e.reason, &previous.reason);
    } else if (key == "priority") {
      it.choice(v, key, issue_priority_from, kIssuePriorities, e.priority);
    } else if (key == "start") {
      it.time(v, key, e.start);
    } else if (key == "end") {
      it.time(v, key, e.end);
    } else if (key == "hard_start") {
      if (!is_null(v)) it.boolean(v, key, e.hard_start);
    } else if (key == "state") {
      it.choice(v, key, event_state_from, kEventStates, e.state);
    }
  }
  required.check(it);
}

void read_sample(od::object obj, Item& it, HealthSample& h) {
  Required required(kSampleRequired);
  for (auto field : obj) {
    std::string_view key = key_of(field);
    od::value v = field.value();
    required.note(key);
    if (key == "cluster") {
      if (it.name(v, key, h.cluster)) it.set_name(h.cluster);
    } else if (key == "at") {
      it.time(v, key, h.at);
    } else if (key == "healthy_gpus") {
      it.integer(v, key, 0, h.healthy_gpus);
    } else if (key == "total_gpus") {
      it.integer(v, key, 0, h.total_gpus);
    }
  }
  required.check(it);
}

template <class T, class Read> void read_items(od::array items, std::size_t page_bytes, std::string_view resource,
                                               std::vector<T>& out, std::vector<std::string>& errors, TextArena& text,
                                               Previous& previous, Read read) {
  // Room for as many items as the page could hold at 48 bytes each (fewer than any real
  // item): the vector is never regrown and copied, and capacity the items do not use is never
  // touched, so it costs address space, not memory.
  const std::size_t most = out.size() + page_bytes / 48 + 16;
  if (most > out.capacity()) {
    out.reserve(std::max(most, out.capacity() * 2));
    if (out.capacity() * sizeof(T) >= (std::size_t{4} << 20)) advise_huge_pages(out.data(), out.capacity() * sizeof(T));
  }
  for (auto element : items) {
    const std::size_t index = out.size();
    T& item = out.emplace_back();
    Item it(resource, index, errors);
    od::value v = element.value();
    if (v.type() != od::json_type::object) {
      it.problem(fmt::format("must be an object, got {}", got(v)));
    } else if constexpr (std::is_invocable_v<Read, od::object, Item&, T&, TextArena&, Previous&>) {
      read(v.get_object(), it, item, text, previous);
    } else {
      read(v.get_object(), it, item);
    }
    it.finish();
  }
}

// Appends the items of `items` to the vector of `resource` in `snap`.
void read_resource_items(Resource resource, od::array items, std::size_t page_bytes, Snapshot& snap,
                         std::vector<std::string>& errors, Previous& previous) {
  const std::string_view name = to_string(resource);
  TextArena& text = snap.text[static_cast<std::size_t>(resource)];
  switch (resource) {
  case Resource::clusters:
    read_items(items, page_bytes, name, snap.clusters, errors, text, previous, read_cluster);
    break;
  case Resource::nodes:
    read_items(items, page_bytes, name, snap.nodes, errors, text, previous,
               [&snap](od::object o, Item& it, Node& n, TextArena& t, Previous& p) {
                 read_node(o, it, n, t, p, snap.node_issues);
               });
    break;
  case Resource::quotas: read_items(items, page_bytes, name, snap.quotas, errors, text, previous, read_quota); break;
  case Resource::jobs: read_items(items, page_bytes, name, snap.jobs, errors, text, previous, read_job); break;
  case Resource::maintenance:
    read_items(items, page_bytes, name, snap.maintenance, errors, text, previous, read_event);
    break;
  case Resource::health_history:
    read_items(items, page_bytes, name, snap.health_history, errors, text, previous, read_sample);
    break;
  }
}

// How many items `snap` holds of `resource`; and dropping those past `count`.
std::size_t item_count(const Snapshot& snap, Resource resource) {
  switch (resource) {
  case Resource::clusters: return snap.clusters.size();
  case Resource::nodes: return snap.nodes.size();
  case Resource::quotas: return snap.quotas.size();
  case Resource::jobs: return snap.jobs.size();
  case Resource::maintenance: return snap.maintenance.size();
  case Resource::health_history: return snap.health_history.size();
  }
  return 0;
}

void truncate_items(Snapshot& snap, Resource resource, std::size_t count) {
  auto cut = [count](auto& items) { items.erase(items.begin() + static_cast<std::ptrdiff_t>(count), items.end()); };
  switch (resource) {
  case Resource::clusters: cut(snap.clusters); break;
  case Resource::nodes: cut(snap.nodes); break;
  case Resource::quotas: cut(snap.quotas); break;
  case Resource::jobs: cut(snap.jobs); break;
  case Resource::maintenance: cut(snap.maintenance); break;
  case Resource::health_history: cut(snap.health_history); break;
  }
}

// Where simdjson stopped, as nlohmann's strict parser sees it (only on the error path). A SAX
// parse: no document is built, nesting depth costs no stack, and nothing is thrown (a number
// too large for a double is an out_of_range error, not a parse_error, and must not escape).
class SyntaxErrorFinder : public nlohmann::json_sax<nlohmann::json> {
public:
  std::size_t byte = 0;
  std::string what;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::json::exception& e) override {
    byte = position;
    what = e.what();
    overflow = e.id == 406 ? last_token : std::string(); // a number beyond a double: valid JSON
    return false;
  }
  std::string overflow;
};

std::string locate_syntax_error(std::string_view text, std::string_view fallback) {
  // nlohmann skips a byte order mark, simdjson does not; JSON (RFC 8259) does not allow one.
  if (text.starts_with("\xEF\xBB\xBF"))
    return "line 1, column 1: the file starts with a UTF-8 byte order mark (BOM), which JSON does not allow; save it "
           "without one";
  // nlohmann stops at a number too large for a double, which the JSON grammar allows (and which
  // the item readers report as a bad value). Blank such numbers out, keeping every offset, and
  // look again; a few rounds, so a document full of them stays cheap.
  std::string copy;
  std::string_view doc = text;
  SyntaxErrorFinder finder;
  for (int round = 0;; ++round) {
    finder = SyntaxErrorFinder();
    if (nlohmann::json::sax_parse(doc.begin(), doc.end(), &finder) || finder.what.empty()) return std::string(fallback);
    const std::size_t n = finder.overflow.size();
    if (n == 0 || round == 8 || finder.byte < n || doc.substr(finder.byte - n, n) != finder.overflow) break;
    if (copy.empty()) copy.assign(text);
    copy.replace(finder.byte - n, n, "0" + std::string(n - 1, ' '));
    doc = copy;
  }
  // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..." -> "syntax error ..."
  std::string what = finder.what;
  if (what.starts_with("[json.exception.")) what = what.substr(std::min(what.find("] ") + 2, what.size()));
  if (what.starts_with("parse error")) {
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
  }
  // nlohmann quotes the bytes it read, which may not be UTF-8: show those as \xNN.
  std::string ascii;
  for (char ch : what)
    ascii += static_cast<unsigned char>(ch) >= 0x80 ? fmt::format("\\x{:02x}", static_cast<unsigned char>(ch))
                                                    : std::string(1, ch);
  return fmt::format("{}: {}", describe_offset(text, finder.byte == 0 ? 0 : finder.byte - 1), shown(ascii, 200));
}

static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);

void pad(std::string& bytes) { bytes.reserve(bytes.size() + simdjson::SIMDJSON_PADDING); }

} // namespace

// Something follows the document just read (simdjson 3.0's document has no at_end()).
bool more_after(od::document& doc) {
  const char* at = nullptr;
  return !doc.current_location().get(at);
}

// Where a second document (or anything) follows the first: one resource is one JSON document.
std::string after_document(od::document& doc, std::string_view text) {
  std::size_t offset = text.size();
  const char* at = nullptr;
  if (!doc.current_location().get(at) && at >= text.data() && at <= text.data() + text.size())
    offset = static_cast<std::size_t>(at - text.data());
  while (offset < text.size() &&
         (text[offset] == ' ' || text[offset] == '\n' || text[offset] == '\r' || text[offset] == '\t'))
    ++offset;
  return fmt::format("{}: more JSON after the end of the document (one resource is one JSON object)",
                     describe_offset(text, offset));
}

void reserve_page(std::string& bytes, std::size_t size) {
  bytes.reserve(size + kParsePadding);
  if (size >= (std::size_t{4} << 20)) advise_huge_pages(bytes.data(), bytes.capacity());
}

PageResult parse_page(Resource resource, std::string_view label, std::string& bytes, Snapshot& snap,
                      std::vector<std::string>& errors) {
  PageResult result;
  const std::string_view name = to_string(resource);
  pad(bytes);
  // The parser's index holds 4 bytes per JSON token, as much memory as the page itself: a
  // large page gets a parser of its own, freed as soon as the page is read; small pages (API
  // pagination) reuse the thread's.
  thread_local od::parser reused;
  std::optional<od::parser> own;
  od::parser& parser = bytes.size() > (std::size_t{1} << 20) ? own.emplace() : reused;
  try {
    od::document doc = parser.iterate(simdjson::padded_string_view(bytes.data(), bytes.size(), bytes.capacity()));
    if (doc.type() != od::json_type::object) {
      errors.push_back(fmt::format("{}: {} is not a JSON object with \"items\"", name, label));
      result.json_ok = false;
      return result;
    }
    bool saw_items = false;
    for (auto field : doc.get_object()) {
      std::string_view key = key_of(field);
      od::value v = field.value();
      if (key == "api_version") {
        std::string_view version;
        if (v.get_string().get(version) || version != "v1")
          errors.push_back(fmt::format("{}: {} has api_version {}, fleetcap reads \"v1\"", name, label, got(v)));
      } else if (key == "next_page_token") {
        // A token of another type would end paging silently and pass a partial resource as whole.
        const od::json_type type = v.type();
        if (type == od::json_type::string) {
          result.next_page_token = std::string(std::string_view(v.get_string()));
        } else if (type != od::json_type::null) {
          errors.push_back(
              fmt::format("{}: {} has \"next_page_token\" that is not a string or null, got {}", name, label, got(v)));
          result.json_ok = false;
        }
      } else if (key == "items") {
        saw_items = true; // present; a wrong type is reported below, not as missing too
        if (v.type() != od::json_type::array) {
          errors.push_back(fmt::format("{}: {} has \"items\" that is not an array, got {}", name, label, got(v)));
          result.json_ok = false;
          continue;
        }
        Previous previous;
        read_resource_items(resource, v.get_array(), bytes.size(), snap, errors, previous);
      }
    }
    if (!saw_items) {
      errors.push_back(fmt::format("{}: {} has no \"items\" array", name, label));
      result.json_ok = false;
    }
    if (more_after(doc)) {
      errors.push_back(fmt::format("{}: invalid JSON in {} at {}", name, label, after_document(doc, bytes)));
      result.json_ok = false;
    }
  } catch (const simdjson::simdjson_error& e) {
    errors.push_back(fmt::format("{}: invalid JSON in {} at {}", name, label,
                                 locate_syntax_error(bytes, simdjson::error_message(e.error()))));
    result.next_page_token.clear();
    result.json_ok = false;
  }
  return result;
}

namespace {
// snapshot.json's "sources": [{name, kind, source, fetched_at, taken_at, version, auth, clusters}].
void read_meta_sources(std::string_view label, od::value& v, SnapshotMeta& meta) {
  od::array list;
  if (v.get_array().get(list))
    throw DataError({fmt::format("{}: field \"sources\" must be an array, got {}", label, got(v))});
  std::size_t index = 0;
  for (auto element : list) {
    od::object o;
    if (element.get_object().get(o)) throw DataError({fmt::format("{}: sources[{}] must be an object", label, index)});
    SourceStatus s;
    std::vector<std::string> clusters;
    for (auto field : o) {
      const std::string_view key = key_of(field);
      od::value x = field.value();
      auto text = [&](std::string& into) {
        std::string_view t;
        if (x.get_string().get(t))
          throw DataError(
              {fmt::format("{}: sources[{}]: field \"{}\" must be a string, got {}", label, index, key, got(x))});
        into = std::string(t);
      };
      auto time = [&](std::optional<Time>& into) {
        if (x.is_null()) return;
        std::string t;
        text(t);
        into = parse_rfc3339(t);
        if (!into)
          throw DataError({fmt::format("{}: sources[{}]: field \"{}\" must be an RFC 3339 time", label, index, key)});
      };
      if (key == "name")
        text(s.name);
      else if (key == "kind")
        text(s.kind);
      else if (key == "source")
        text(s.source);
      else if (key == "version")
        text(s.version);
      else if (key == "auth")
        text(s.auth);
      else if (key == "taken_at")
        time(s.taken_at);
      else if (key == "fetched_at") {
        std::optional<Time> t;
        time(t);
        s.fetched_at = t.value_or(0);
      } else if (key == "clusters") {
        od::array names;
        if (x.get_array().get(names))
          throw DataError({fmt::format("{}: sources[{}]: field \"clusters\" must be an array", label, index)});
        for (auto n : names) {
          std::string_view t;
          if (n.get_string().get(t))
            throw DataError({fmt::format("{}: sources[{}]: \"clusters\" must hold strings", label, index)});
          clusters.emplace_back(t);
        }
      }
    }
    meta.sources.push_back(std::move(s));
    meta.source_clusters.push_back(std::move(clusters));
    ++index;
  }
}
} // namespace

SnapshotMeta parse_snapshot_meta(std::string_view label, std::string& bytes) {
  SnapshotMeta meta;
  pad(bytes);
  od::parser parser;
  try {
    od::document doc = parser.iterate(simdjson::padded_string_view(bytes.data(), bytes.size(), bytes.capacity()));
    if (doc.type() != od::json_type::object) {
      od::json_type type = doc.type();
      throw DataError({fmt::format("{}: {}: expected a JSON object with \"taken_at\", got {}", label,
                                   describe_offset(bytes, std::min(bytes.find_first_not_of(" \t\r\n"), bytes.size())),
                                   type == od::json_type::array     ? "an array"
                                   : type == od::json_type::string  ? "a string"
                                   : type == od::json_type::number  ? "a number"
                                   : type == od::json_type::boolean ? "a boolean"
                                                                    : "null")});
    }
    for (auto field : doc.get_object()) {
      std::string_view key = key_of(field);
      od::value v = field.value();
      if (key == "taken_at") {
        std::string_view text;
        auto t = v.get_string().get(text) ? std::nullopt : parse_rfc3339(text);
        if (!t)
          throw DataError({fmt::format("{}: field \"taken_at\" must be an RFC 3339 time, got {}", label, got(v))});
        meta.taken_at = t;
      } else if (key == "source") {
        std::string_view text;
        if (!v.get_string().get(text)) meta.source = std::string(text);
      } else if (key == "sources") {
        read_meta_sources(label, v, meta);
      }
    }
    if (more_after(doc)) throw DataError({fmt::format("invalid JSON in {} at {}", label, after_document(doc, bytes))});
  } catch (const simdjson::simdjson_error& e) {
    throw DataError({fmt::format("invalid JSON in {} at {}", label,
                                 locate_syntax_error(bytes, simdjson::error_message(e.error())))});
  }
  return meta;
}

std::string items_text(std::string_view label, std::string& bytes) {
  pad(bytes);
  od::parser parser;
  try {
    od::document doc = parser.iterate(simdjson::padded_string_view(bytes.data(), bytes.size(), bytes.capacity()));
    od::array items = doc["items"].get_array();
    std::string_view raw = items.raw_json();
    const auto open = raw.find('['), close = raw.rfind(']');
    return std::string(raw.substr(open + 1, close - open - 1));
  } catch (const simdjson::simdjson_error& e) {
    throw DataError({fmt::format("invalid JSON in {} at {}", label,
                                 locate_syntax_error(bytes, simdjson::error_message(e.error())))});
  }
}

} // namespace fleetcap

// ---- PageStream

namespace fleetcap {

struct PageStream::State {
  State(Resource r, Snapshot& s, std::vector<std::string>& e, std::size_t expected_bytes)
      : resource(r), snap(s), errors(e), expected(expected_bytes), items_start(item_count(s, r)),
        errors_start(e.size()) {}

  Resource resource;
  Snapshot& snap;
  std::vector<std::string>& errors;
  std::size_t expected;
  std::size_t items_start, errors_start; // what to keep when giving up

  // What may come before the items' `[` (the envelope's other members, kept until the end).
  static constexpr std::size_t kPrefixLimit = std::size_t{64} << 10;
  enum class Phase { prefix, items, tail, gave_up } phase = Phase::prefix;
  std::string prefix;          // the page up to and including the items' `[`
  std::size_t items_begin = 0; // page offset just past that `[`
  split::ItemScanner scanner;
  std::size_t scanned = 0;     // page offset the scanner has reached
  std::size_t run_begin = 0;   // page offset of the next run's first byte: the `[`, then just past the last item parsed
  std::size_t item_end = 0;    // page offset just past the last item found (0: none yet)
  std::size_t items_close = 0; // page offset of the items' `]`
  std::size_t tail_done = 0;   // page offset up to which `tail` holds the page
  std::string tail;            // the page from the items' `]` on
  std::string scratch;         // a run copied out of a buffer without room for the parser's padding
  bool first_run = true;
  Previous previous;
  od::parser parser;

  std::size_t keep_from(std::size_t end) const {
    switch (phase) {
    case Phase::prefix: return 0;
    case Phase::items: return run_begin;
    case Phase::tail:
    case Phase::gave_up: break;
    }
    return end;
  }

  void give_up() {
    truncate_items(snap, resource, items_start);
    errors.resize(errors_start);
    phase = Phase::gave_up;
    prefix = std::string();
    tail = std::string();
    scratch = std::string();
  }

  void start(std::string& buf) {
    const split::Prefix p = split::find_items(buf);
    if (p.kind == split::Prefix::Kind::need_more) {
      if (buf.size() > kPrefixLimit) give_up(); // members or blanks without end: parsed whole
      return;
    }
    if (p.kind == split::Prefix::Kind::unsupported) return give_up();
    prefix.assign(buf, 0, p.items_begin);
    items_begin = scanned = p.items_begin;
    run_begin = p.items_begin - 1;
    phase = Phase::items;
  }

  // Finds the items in what arrived, and parses the complete ones (all of them when `last`).
  void scan(std::string& buf, std::size_t base, bool last) {
    const std::size_t end = base + buf.size();
    std::size_t usable = item_end < end ? item_end : 0; // an item end with a byte after it
    const std::size_t n = scanner.scan(buf.data() + (scanned - base), end - scanned, last, [&](std::size_t offset) {
      item_end = items_begin + offset;
      if (item_end < end) usable = item_end;
    });
    scanned += n;
    if (scanner.broken()) return give_up();
    if (scanner.closed()) {
      const std::size_t close = items_begin + scanner.array_end();
      run(buf, base, close, true);
      if (phase == Phase::gave_up) return;
      phase = Phase::tail;
      tail_done = items_close = close;
      return;
    }
    if (last) return give_up(); // the array never closed
    if (usable > run_begin) run(buf, base, usable, false);
  }

  // Parses the page's bytes [run_begin, end] as one array (split::read_run).
  void run(std::string& buf, std::size_t base, std::size_t end, bool last) {
    split::Run r = split::Run::bad;
    try {
      r = split::read_run(buf, base, run_begin, end, first_run, last, scratch,
                          [&](const char* text, std::size_t len, std::size_t capacity) {
                            od::document doc = parser.iterate(text, len, capacity);
                            read_resource_items(resource, doc.get_array(), first_run ? expected : 0, snap, errors,
                                                previous);
                          });
    } catch (const simdjson::simdjson_error&) {
      return give_up();
    }
    if (r == split::Run::bad) return give_up();
    first_run = false;
    run_begin = end;
  }

  void copy_tail(const std::string& buf, std::size_t base) {
    const std::size_t end = base + buf.size();
    if (end > tail_done) tail.append(buf, tail_done - base, end - tail_done);
    tail_done = end;
  }
};

PageStream::PageStream(Resource resource, Snapshot& snap, std::vector<std::string>& errors, std::size_t expected_bytes)
    : s_(std::make_unique<State>(resource, snap, errors, expected_bytes)) {}

PageStream::~PageStream() = default;

bool PageStream::gave_up() const { return s_->phase == State::Phase::gave_up; }

std::pair<std::size_t, std::size_t> PageStream::items_span() const { return {s_->items_begin, s_->items_close}; }

void PageStream::restart() {
  State& st = *s_;
  st.give_up();
  s_ = std::make_unique<State>(st.resource, st.snap, st.errors, st.expected);
}

std::size_t PageStream::feed(std::string& buf, std::size_t base) {
  State& st = *s_;
  try {
    if (st.phase == State::Phase::prefix) st.start(buf);
    if (st.phase == State::Phase::items) st.scan(buf, base, false);
    if (st.phase == State::Phase::tail) st.copy_tail(buf, base);
  } catch (...) { // out of memory, say: the whole-page parser will meet it too, and say so
    st.give_up();
  }
  return st.keep_from(base + buf.size());
}

std::optional<PageResult> PageStream::finish(std::string_view label, std::string& buf, std::size_t base) {
  State& st = *s_;
  try {
    if (st.phase == State::Phase::prefix) {
      st.start(buf);
      if (st.phase == State::Phase::prefix) st.give_up();
    }
    if (st.phase == State::Phase::items) st.scan(buf, base, true);
    if (st.phase != State::Phase::tail) {
      st.give_up();
      return std::nullopt;
    }
    st.copy_tail(buf, base);
    // The page without its items: api_version, next_page_token, and anything after the items.
    std::string rest = std::move(st.prefix);
    rest += st.tail;
    PageResult result = parse_page(st.resource, label, rest, st.snap, st.errors);
    if (!result.json_ok) {
      st.give_up();
      return std::nullopt;
    }
    st.tail = std::string();
    return result;
  } catch (...) {
    st.give_up();
    return std::nullopt;
  }
}

} // namespace fleetcap
