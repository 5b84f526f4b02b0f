// What Slurm enforces, as the translation needs it (docs/slurm.md, "How Slurm's rules map to the
// figures"): which jobs it would preempt for in-quota work (PreemptType, QOS Preempt lists and
// PreemptMode, partition PriorityTier) and which GrpTRES limits bind a job (its account's and its
// parents', its QOS's). Pure: the translation hands in what it read.
#include "slurm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace fleetcap::source::slurm {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "preempt/qos", "qos", "PREEMPT/QOS" -> "preempt/qos"; empty when it is none of the three.
std::string normal_type(std::string_view type) {
  std::string t;
  for (char c : type) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!t.starts_with("preempt/")) t = "preempt/" + t;
  for (std::string_view known : {"preempt/none", "preempt/qos", "preempt/partition_prio"})
    if (t == known) return t;
  return {};
}

} // namespace

std::optional<std::string> preempt_type_from(std::string_view text) {
  std::string t = normal_type(text);
  if (t.empty()) return std::nullopt;
  return t;
}

Preemption::Preemption(const PreemptionSetup& setup, const Warn& warn) : type_(setup.type) {
  std::set<std::string> known;
  for (const auto& q : setup.qos) known.insert(q.name);
  for (const auto& q : setup.qos) qos_mode_[q.name] = upper(q.mode);
  cluster_off_ = upper(setup.cluster_mode) == "OFF";
  // The QOS another QOS may preempt; names no QOS holds are reported and left out.
  std::map<std::string, std::vector<std::string>> edges;
  for (const auto& q : setup.qos)
    for (const auto& p : q.preempts) {
      if (!known.count(p)) {
        warn("preempt-unknown:" + q.name + "/" + p,
             fmt::format("QOS {}'s Preempt list names QOS {}, which Slurm does not have; left out", q.name, p));
        continue;
      }
      if (p != q.name) edges[q.name].push_back(p);
      preemptible_.insert(p);
    }
  // A cycle (a preempts b, b preempts a): Slurm lets each preempt the other, and so do the figures.
  for (const auto& [from, tos] : edges)
    for (const auto& to : tos) {
      const auto back = edges.find(to);
      if (back != edges.end() && from < to &&
          std::find(back->second.begin(), back->second.end(), from) != back->second.end())
        warn("preempt-cycle:" + from + "/" + to,
             fmt::format("QOS {} may preempt QOS {} and {} may preempt {}: jobs of either are reclaimable by the "
                         "other",
                         from, to, to, from));
    }
  for (auto p : setup.partitions) {
    std::sort(p.nodes.begin(), p.nodes.end());
    partitions_.push_back(std::move(p));
  }
  if (type_.empty()) guess(warn);
}

// With no PreemptType known: preempt/qos when some QOS may preempt another, else
// preempt/partition_prio when partitions of different PriorityTier share nodes, else none.
void Preemption::guess(const Warn& warn) {
  std::string why;
  if (!preemptible_.empty()) {
    type_ = "preempt/qos";
    why = fmt::format("QOS Preempt lists name {}", *preemptible_.begin());
  } else if (tiers_overlap()) {
    type_ = "preempt/partition_prio";
    why = "partitions of different PriorityTier share nodes";
  } else {
    type_ = "preempt/none";
    why = "no QOS may preempt another and no partitions of different PriorityTier share nodes";
  }
  warn("preempt-type", fmt::format("this source does not say Slurm's PreemptType; taken as {} ({}); say which in the "
                                   "config file: [slurm] preempt-type = \"{}\"",
                                   type_, why, type_));
}

bool Preemption::tiers_overlap() const {
  for (const auto& a : partitions_)
    for (const auto& b : partitions_)
      if (a.tier < b.tier && shares_nodes(a, b.nodes)) return true;
  return false;
}

bool Preemption::shares_nodes(const PartitionRule& p, const std::vector<std::string>& nodes) {
  return std::any_of(nodes.begin(), nodes.end(),
                     [&](const std::string& n) { return std::binary_search(p.nodes.begin(), p.nodes.end(), n); });
}

bool Preemption::reclaimable(std::string_view qos, std::string_view partition,
                             const std::vector<std::string>& nodes) const {
  if (type_ == "preempt/qos") {
    if (!preemptible_.count(std::string(qos))) return false;
    const auto mode = qos_mode_.find(std::string(qos));
    const std::string m = mode == qos_mode_.end() ? std::string() : mode->second;
    // Slurm keeps OFF as 0, which means "the cluster's PreemptMode" for a QOS; newer data
    // parsers print 0 as DISABLED.
    return m.empty() || m == "OFF" || m == "DISABLED" ? !cluster_off_ : true;
  }
  if (type_ == "preempt/partition_prio") {
    if (cluster_off_) return false;
    // A pending job asked for a comma list of partitions: any of them counts.
    for (const auto& mine : partitions_) {
      if (("," + std::string(partition) + ",").find("," + mine.name + ",") == std::string::npos) continue;
      const std::vector<std::string>& on = nodes.empty() ? mine.nodes : nodes;
      for (const auto& other : partitions_)
        if (other.tier > mine.tier && shares_nodes(other, on)) return true;
    }
  }
  return false;
}

} // namespace fleetcap::source::slurm

namespace fleetcap::source::slurm {
namespace {

std::string cap_name(std::string_view kind, std::string_view holder, const std::string& type) {
  return fmt::format("{} {} gres/gpu{}{}", kind, holder, type.empty() ? "" : ":", type);
}

} // namespace

// Every GrpTRES GPU entry becomes a cap; leaves are the holders' limits per GPU type.
QuotaPlan::QuotaPlan(const QuotaInputs& in, const Warn& warn) : in_(in) {
  for (const auto& a : in.accounts) parent_[a.account] = a.parent;
  for (const auto& a : in.accounts)
    if (!a.parent.empty()) children_[a.parent].push_back(a.account);
  for (const auto& a : in.accounts) add_caps("account", a.account, a.limits, account_caps_[a.account], warn);
  for (const auto& q : in.qos) add_caps("qos", q.name, q.limits, qos_caps_[q.name], warn);
  for (const auto& a : in.accounts) default_qos_[a.account] = a.default_qos;
  // Leaves by holder name: slurmrestd and sacctmgr list accounts and QOS in different orders,
  // and both sources must write the same items.
  if (in.by_qos) {
    std::set<std::string> names;
    for (const auto& q : in.qos) names.insert(q.name);
    for (const auto& q : names) add_leaves(q, qos_caps_[q], {});
  } else {
    std::set<std::string> limited, shadowed;
    for (const auto& [account, account_cap_list] : account_caps_)
      if (!account_cap_list.empty()) limited.insert(account);
    // An account with a limit above another limited account: the deeper ones are the leaves
    // (its own limit stays a cap of theirs). One walk up from each, sharing what was seen, so a
    // chain 20,000 deep with a limit at each level costs each account once.
    std::set<std::string> seen;
    for (const auto& a : limited)
      for (std::string up = parent_of(a); !up.empty() && seen.insert(up).second; up = parent_of(up))
        if (limited.count(up)) shadowed.insert(up);
    for (const auto& a : limited)
      if (!shadowed.count(a)) add_leaves(a, account_caps_[a], sub_accounts(a));
  }
  groups();
}

void QuotaPlan::add_caps(std::string_view kind, const std::string& holder, const std::vector<GpuLimit>& limits,
                         std::vector<std::size_t>& out, const Warn& warn) {
  for (const auto& l : limits) {
    std::optional<std::size_t> type;
    if (!l.type.empty()) {
      type = in_.type_index(l.type);
      if (!type) {
        warn(fmt::format("no-type:{}:{}:{}", kind, holder, l.type),
             fmt::format("{} {} limits gres/gpu:{} but no node has that GPU type; it binds no job fleetcap sees",
                         kind == "qos" ? "QOS" : "account", holder, l.type));
        continue;
      }
    }
    out.push_back(caps.size());
    caps.push_back({cap_name(kind, holder, l.type), l.count, type, kind == "qos"});
  }
}

// One leaf per GPU type the holder's limits name: a typed limit promises its GPUs there; an
// untyped one promises them in one type (below) and caps the others (cap-only leaves).
void QuotaPlan::add_leaves(const std::string& holder, const std::vector<std::size_t>& own,
                           std::vector<std::string> access) {
  if (own.empty() || in_.type_names.empty()) return;
  std::vector<std::optional<Gpus>> gpus(in_.type_names.size());
  std::vector<bool> wanted(in_.type_names.size(), false);
  std::optional<Gpus> untyped;
  std::optional<std::size_t> untyped_home; // the type an untyped limit's GPUs are assigned in
  for (auto c : own) {
    if (caps[c].type) {
      gpus[*caps[c].type] = caps[c].gpus;
      wanted[*caps[c].type] = true;
    } else {
      untyped = caps[c].gpus;
    }
  }
  if (untyped) {
    const bool typed = std::any_of(wanted.begin(), wanted.end(), [](bool w) { return w; });
    if (!typed) {
      const std::size_t home = home_type(holder);
      gpus[home] = *untyped;
      untyped_home = home;
    }
    wanted.assign(wanted.size(), true);
  }
  const auto count = static_cast<std::size_t>(std::count(wanted.begin(), wanted.end(), true));
  for (std::size_t t = 0; t < wanted.size(); ++t) {
    if (!wanted[t]) continue;
    PlannedLeaf leaf;
    leaf.name = count > 1 ? fmt::format("{}/{}", holder, in_.type_names[t]) : holder;
    leaf.holder = holder;
    leaf.type = t;
    leaf.gpus = gpus[t];
    if (gpus[t]) leaf.tres = untyped_home == t ? "gres/gpu" : "gres/gpu:" + in_.type_names[t];
    leaf.caps = caps_for(in_.by_qos ? std::string() : holder, in_.by_qos ? holder : default_qos_[holder], t);
    leaf.access = access;
    leaves_of_[holder].push_back(leaves.size());
    leaves.push_back(std::move(leaf));
  }
}

// Where an untyped limit's GPUs count as assigned: [slurm.quota-sku], else the type its running
// jobs use most, else the type with most GPUs (docs/slurm.md).
std::size_t QuotaPlan::home_type(const std::string& holder) const {
  if (in_.type_names.size() == 1) return 0;
  for (const auto& [h, type] : in_.quota_sku)
    if (h == holder)
      if (auto t = in_.type_index(type)) return *t;
  std::size_t best = 0;
  Gpus most = -1;
  for (std::size_t t = 0; t < in_.type_names.size(); ++t)
    if (Gpus u = in_.use(holder, t); u > most) {
      most = u;
      best = t;
    }
  if (most > 0) return best;
  most = -1;
  for (std::size_t t = 0; t < in_.type_names.size(); ++t)
    if (in_.type_gpus[t] > most) {
      most = in_.type_gpus[t];
      best = t;
    }
  return best;
}

std::vector<std::string> QuotaPlan::ancestors(std::string account) const {
  std::vector<std::string> chain;
  std::set<std::string> seen;
  while (!account.empty() && seen.insert(account).second) {
    chain.push_back(account);
    auto it = parent_.find(account);
    account = it == parent_.end() ? std::string() : it->second;
  }
  return chain;
}

std::vector<std::string> QuotaPlan::sub_accounts(const std::string& account) const {
  std::vector<std::string> out{account};
  for (std::size_t k = 0; k < out.size(); ++k)
    if (auto it = children_.find(out[k]); it != children_.end())
      for (auto& c : it->second)
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  std::sort(out.begin(), out.end());
  return out;
}

const std::string& QuotaPlan::parent_of(const std::string& account) const {
  static const std::string none;
  auto it = parent_.find(account);
  return it == parent_.end() ? none : it->second;
}

std::vector<std::size_t> QuotaPlan::caps_for(const std::string& account, const std::string& qos,
                                             std::optional<std::size_t> type) const {
  // Remembered per (account, QOS, type): jobs of one account ask the same, and a deep chain
  // is walked once per account asked about, not once per job.
  const auto key = std::make_tuple(account, qos, type ? *type + 1 : 0);
  if (auto it = caps_memo_.find(key); it != caps_memo_.end()) return it->second;
  std::vector<std::size_t> out;
  auto add = [&](const std::vector<std::size_t>& list) {
    for (auto c : list)
      if (!type || !caps[c].type || caps[c].type == type) out.push_back(c);
  };
  if (!account.empty())
    for (const auto& a : ancestors(account))
      if (auto it = account_caps_.find(a); it != account_caps_.end()) add(it->second);
  if (auto it = qos_caps_.find(qos); !qos.empty() && it != qos_caps_.end()) add(it->second);
  caps_memo_.emplace(key, out);
  return out;
}

// The nearest of `account` and its ancestors that holds leaves; empty when none. Every account
// on the way remembers the answer, so all jobs together walk each account once.
std::string QuotaPlan::holder_of(const std::string& account) const {
  std::vector<std::string> path;
  std::set<std::string> seen;
  std::string found;
  for (std::string a = account; !a.empty(); a = parent_of(a)) {
    if (auto it = holder_memo_.find(a); it != holder_memo_.end()) {
      found = it->second;
      break;
    }
    if (leaves_of_.count(a)) {
      found = a;
      break;
    }
    if (!seen.insert(a).second) break; // a cycle, which slurmdbd does not allow
    path.push_back(a);
  }
  for (const auto& a : path) holder_memo_[a] = found;
  return found;
}

std::optional<std::size_t> QuotaPlan::leaf_for(const std::string& account, const std::string& qos,
                                               std::optional<std::size_t> type, std::string_view req_type) const {
  const std::string h = in_.by_qos ? qos : holder_of(account);
  auto it = leaves_of_.find(h);
  if (it == leaves_of_.end()) return std::nullopt;
  // The holder of the nearest limit: its leaf in the job's GPU type, else none (a cap on h200
  // does not cover an h100 job). A pending job of no type: the only leaf, or the type it asks for.
  const auto& mine = it->second;
  for (auto l : mine) {
    const bool fits = type ? leaves[l].type == *type
                           : (mine.size() == 1 || (!req_type.empty() && in_.type_index(req_type) == leaves[l].type));
    if (fits) return l;
  }
  return std::nullopt;
}

// With [slurm] borrowing = true the accounts above leaves are groups (Slurm's root left out, so
// each of its children heads a tree); else every leaf is a tree of its own (docs/slurm.md).
void QuotaPlan::groups() {
  if (in_.by_qos || !in_.borrowing) return;
  std::set<std::string> above, leafy;
  for (const auto& l : leaves) leafy.insert(l.holder);
  std::set<std::string> seen;
  for (const auto& l : leaves)
    for (std::string up = parent_of(l.holder); !up.empty() && seen.insert(up).second; up = parent_of(up))
      if (up != "root" && !leafy.count(up)) above.insert(up);
  auto parent_of = [&](const std::string& account) -> std::string {
    auto it = parent_.find(account);
    if (it == parent_.end() || it->second.empty() || it->second == "root") return {};
    return it->second;
  };
  for (const auto& g : above) group_list.emplace_back(g, parent_of(g));
  for (auto& l : leaves) l.parent = parent_of(l.holder);
}

} // namespace fleetcap::source::slurm
