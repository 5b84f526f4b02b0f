// Answers in the scheduler's own language (docs/flex.md, "Which nodes"; docs/overalloc.md, "The
// change in the scheduler's language").
#include "fleetcap/render/scheduler.hpp"

#include "fleetcap/model/hostlist.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace fleetcap {

namespace {

// A YAML scalar: JSON's double-quoted string, which YAML reads alike.
std::string yaml_string(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

// Slurm's --time: days-hours:minutes:seconds.
std::string slurm_time(Duration d) {
  return fmt::format("{}-{:02}:{:02}:{:02}", d / 86400, d % 86400 / 3600, d % 3600 / 60, d % 60);
}

std::string sbatch_line(const Snapshot& snap, const Cluster& c, const FlexIsland& island, const FlexQuery& q) {
  std::vector<std::string_view> names;
  for (auto n : island.nodes) names.push_back(snap.nodes[n].name);
  // An untyped cluster ("gpu") asks for GPUs of any type.
  const std::string type = c.sku.empty() || c.sku == "gpu" ? "" : c.sku + ":";
  std::string line = "sbatch";
  if (!c.slurm_cluster.empty()) line += " -M " + shell_quote(c.slurm_cluster);
  line += fmt::format(" -N {} -w {}", island.nodes.size(), shell_quote(compress_hostlist(names)));
  // --gres is per node; when N does not split evenly over the nodes, --gpus asks for N in all.
  line += island.per_node ? fmt::format(" --gres=gpu:{}{}", type, island.per_node)
                          : fmt::format(" --gpus={}{}", type, q.gpus);
  line += " --time=" + slurm_time(q.stay);
  if (q.ns) line += " -A " + shell_quote(*q.ns);
  return line + " JOB.sh";
}

std::string kube_snippet(const Snapshot& snap, const Cluster& c, const FlexIsland& island, const FlexQuery& q) {
  const std::string& isl = snap.index.islands[island.island].name;
  std::string out =
      island.per_node
          ? fmt::format("# In the pod template's spec: one pod per node, each with nvidia.com/gpu: {}\n",
                        island.per_node)
          : fmt::format("# In the pod template's spec: {} GPUs (nvidia.com/gpu) in all over these nodes\n", q.gpus);
  if (!c.island_label.empty())
    out += fmt::format("nodeSelector:\n  {}: {}\n", yaml_string(c.island_label), yaml_string(isl));
  out += "affinity:\n"
         "  nodeAffinity:\n"
         "    requiredDuringSchedulingIgnoredDuringExecution:\n"
         "      nodeSelectorTerms:\n"
         "      - matchExpressions:\n"
         "        - key: \"kubernetes.io/hostname\"\n"
         "          operator: In\n"
         "          values:\n";
  for (auto n : island.nodes) out += fmt::format("          - {}\n", yaml_string(snap.nodes[n].name));
  return out;
}

} // namespace

std::optional<std::string> submit_command(const Snapshot& snap, const FlexIsland& island, const FlexQuery& q) {
  const Cluster& c = snap.clusters[island.cluster];
  if (island.nodes.empty()) return std::nullopt;
  if (c.scheduler == "slurm") return sbatch_line(snap, c, island, q);
  if (c.scheduler == "kubernetes") return kube_snippet(snap, c, island, q);
  return std::nullopt;
}

namespace {

// The plan's quotas whose gpus change now, in plan order.
std::vector<const PlanQuota*> changed(const QuotaPlan& plan) {
  std::vector<const PlanQuota*> out;
  for (const auto& p : plan.quotas)
    if (p.gpus != p.old_gpus) out.push_back(&p);
  return out;
}

std::string nothing_to_change(const std::string& heading) {
  return heading + "# Nothing to change: no quota's gpus change in the phases this plan applies.\n";
}

} // namespace

std::string sacctmgr_lines(const QuotaPlan& plan, const Snapshot& snap, const std::string& heading) {
  const auto quotas = changed(plan);
  if (quotas.empty()) return nothing_to_change(heading);
  std::string out = heading;
  for (const PlanQuota* p : quotas) {
    const Quota& q = snap.quotas[p->quota->quota];
    const QuotaOrigin& o = *q.origin;
    const Cluster& c = snap.clusters[p->quota->cluster];
    out += fmt::format("# {} ({}): {} -> {} GPUs, phase {}\n", q.name, c.name, p->old_gpus, p->gpus, p->quota->phase);
    // An untyped limit is one cap over every GPU type (docs/slurm.md): the new number bounds the
    // holder's GPUs of the other types too, which an admin must know before running the line.
    if (o.resource == "gres/gpu")
      out += fmt::format("# {} is untyped: it bounds {}'s GPUs of every type together, not only {}'s\n", o.resource,
                         o.name, c.sku.empty() ? c.name : c.sku);
    if (o.kind == QuotaOrigin::Kind::slurm_qos)
      out += fmt::format("sacctmgr -i modify qos where name={} set GrpTRES={}={}\n", shell_quote(o.name),
                         shell_quote(o.resource), p->gpus);
    else
      out += fmt::format("sacctmgr -i modify account where name={}{} set GrpTRES={}={}\n", shell_quote(o.name),
                         c.slurm_cluster.empty() ? "" : " cluster=" + shell_quote(c.slurm_cluster),
                         shell_quote(o.resource), p->gpus);
  }
  return out;
}

namespace {

// One ClusterQueue with its resourceGroups as read, the GPU nominalQuota of `gpus`' flavors
// replaced.
std::string cluster_queue_yaml(const QuotaOrigin& o, const std::map<std::string, Gpus>& gpus) {
  std::string out = fmt::format("apiVersion: {}\nkind: ClusterQueue\nmetadata:\n  name: {}\nspec:\n  resourceGroups:\n",
                                o.api_version.empty() ? "kueue.x-k8s.io/v1beta1" : o.api_version, yaml_string(o.name));
  for (const auto& g : o.resource_groups) {
    out += "  - coveredResources: [";
    for (std::size_t i = 0; i < g.covered_resources.size(); ++i)
      out += (i ? ", " : "") + yaml_string(g.covered_resources[i]);
    out += "]\n    flavors:\n";
    for (const auto& f : g.flavors) {
      out += fmt::format("    - name: {}\n      resources:\n", yaml_string(f.name));
      for (const auto& r : f.resources) {
        auto it = gpus.find(f.name);
        const bool mine = r.name == "nvidia.com/gpu" && it != gpus.end();
        out += fmt::format("      - name: {}\n        nominalQuota: {}\n", yaml_string(r.name),
                           yaml_string(mine ? std::to_string(it->second) : r.nominal_quota));
        if (r.borrowing_limit) out += fmt::format("        borrowingLimit: {}\n", yaml_string(*r.borrowing_limit));
        if (r.lending_limit) out += fmt::format("        lendingLimit: {}\n", yaml_string(*r.lending_limit));
      }
    }
  }
  return out;
}

} // namespace

std::string kueue_patches(const QuotaPlan& plan, const Snapshot& snap, const std::string& heading) {
  const auto quotas = changed(plan);
  if (quotas.empty()) return nothing_to_change(heading);
  // One document per ClusterQueue, in the order its first changed leaf comes in the plan.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const PlanQuota*>> by_queue;
  for (const PlanQuota* p : quotas) {
    const std::string& cq = snap.quotas[p->quota->quota].origin->name;
    if (!by_queue.count(cq)) order.push_back(cq);
    by_queue[cq].push_back(p);
  }
  std::string out = heading;
  for (const auto& cq : order) {
    std::map<std::string, Gpus> gpus; // flavor -> new nominalQuota
    out += "---\n";
    for (const PlanQuota* p : by_queue[cq]) {
      const Quota& q = snap.quotas[p->quota->quota];
      gpus[q.origin->resource] = p->gpus;
      out +=
          fmt::format("# {} ({}): nvidia.com/gpu in flavor {}: {} -> {}, phase {}\n", q.name,
                      snap.clusters[p->quota->cluster].name, q.origin->resource, p->old_gpus, p->gpus, p->quota->phase);
    }
    out += cluster_queue_yaml(*snap.quotas[by_queue[cq].front()->quota->quota].origin, gpus);
  }
  return out;
}

} // namespace fleetcap
