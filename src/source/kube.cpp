// `--source kube[:CONTEXT]`: nodes, pods, ResourceQuotas and Kueue objects read through the
// one HTTP client (http.cpp), every list concurrently and page by page, each page parsed with
// simdjson On Demand as it arrives, then translated into fleet API items (docs/kubernetes.md,
// docs/kubernetes.md), which load.cpp parses and validates as it does the fleet API's.
#include "fleetcap/error.hpp"
#include "fleetcap/model/json_writer.hpp"
#include "fleetcap/model/time.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/text.hpp"
#include "http.hpp"
#include "kubeconfig.hpp"
#include "loader.hpp"
#include "model/json_tail.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace fleetcap::kube {
namespace {
namespace od = simdjson::ondemand;

constexpr std::string_view kGpu = "nvidia.com/gpu";
constexpr int kPageLimit = 500;

// ---------------------------------------------------------------------------------------------
// The objects, as much of them as the translation needs.

struct Condition {
  std::string type, status, reason, message, since;
};
struct Taint {
  std::string key, value, effect, added;
};
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Node {
  std::string name, provider_id;
  Labels labels;
  bool unschedulable = false;
  std::vector<Taint> taints;
  std::vector<Condition> conditions;
  std::int64_t capacity = 0, allocatable = -1;
  bool mig = false; // capacity lists nvidia.com/mig-* resources
};

struct Owner {
  std::string kind, name, uid;
};

struct Pod {
  std::string name, ns, node, started, created;
  std::optional<Owner> owner; // the controlling owner
  std::int64_t gpus = 0;
  std::int64_t priority = 0; // spec.priority (0 when not set, as Kubernetes defaults it)
};

struct Workload {
  std::string name, ns, queue, cluster_queue, admitted_at;
  std::string job_name, created, pending_reason; // its controlling owner's name; creationTimestamp; why it waits
  std::vector<std::string> owner_uids;
  std::vector<std::string> flavors; // the GPU flavors of its pod set assignments
  bool admitted = false, finished = false;
  std::int64_t priority = 0; // spec.priority
  std::int64_t admitted_gpus = 0, requested_gpus = 0;
};

struct FlavorQuota {
  std::string flavor;
  std::int64_t nominal = 0;
  std::optional<std::int64_t> borrowing, lending;
};
struct ClusterQueue {
  std::string name, cohort;
  // spec.preemption (docs/kubernetes.md, "Reclaimable"): Kueue's defaults are Never.
  std::string reclaim = "Never", within = "Never", borrow = "Never";
  std::vector<FlavorQuota> gpu;
  std::vector<KueueResourceGroup> groups;    // spec.resourceGroups, every resource (overalloc plan -o kueue)
  std::map<std::string, std::int64_t> usage; // status.flavorsUsage, GPUs per flavor
};
struct LocalQueue {
  std::string name, ns, cluster_queue;
};
struct Flavor {
  std::string name, topology;
  Labels node_labels;
};
struct Cohort {
  std::string name, parent;
  std::int64_t gpus = -1; // cohort-level nominal quota for GPUs, if any
};
struct Topology {
  std::string name;
  std::vector<std::string> levels;
};
struct ResourceQuota {
  std::string name, ns;
  std::optional<std::int64_t> hard;
};

// Every list's objects; each list is filled by its own thread.
struct Objects {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<ResourceQuota> quotas;
  std::vector<ClusterQueue> cqs;
  std::vector<LocalQueue> lqs;
  std::vector<Flavor> flavors;
  std::vector<Cohort> cohorts;
  std::vector<Topology> topologies;
  std::vector<Workload> workloads;
  // batch/v1 Jobs with a controlling owner (a JobSet, a CronJob): the Job's uid and that owner.
  std::vector<std::pair<std::string, Owner>> job_owners;
  bool kueue = false;
  std::string cq_api_version; // the ClusterQueue list's apiVersion
};

// ---------------------------------------------------------------------------------------------
// Reading JSON with simdjson On Demand: one pass over each object's fields, in any order.

template <class Field> std::string_view key_of(Field& f) { return f.unescaped_key(); }

std::string text(od::value v) {
  if (v.type() == od::json_type::null) return {};
  if (v.type() == od::json_type::string) return std::string(std::string_view(v.get_string()));
  return std::string(v.raw_json_token());
}

template <class F> void each_field(od::value v, F&& f) {
  if (v.type() == od::json_type::null) return;
  for (auto field : v.get_object()) {
    std::string_view key = key_of(field);
    std::string k(key);
    f(k, field.value());
  }
}

template <class F> void each_item(od::value v, F&& f) {
  if (v.type() == od::json_type::null) return;
  for (auto item : v.get_array()) f(item.value());
}

// A Kubernetes quantity as a whole number ("8", "2k", 8); nullopt when it is not one.
std::optional<std::int64_t> quantity(std::string_view q) {
  if (q.size() >= 2 && q.front() == '"') q = q.substr(1, q.size() - 2);
  std::int64_t mult = 1;
  if (q.ends_with("k"))
    mult = 1000, q.remove_suffix(1);
  else if (q.ends_with("M"))
    mult = 1000000, q.remove_suffix(1);
  else if (q.ends_with("Ki"))
    mult = 1024, q.remove_suffix(2);
  if (q.empty() || q.size() > 15) return std::nullopt;
  std::int64_t n = 0;
  for (char c : q) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n * mult;
}

std::int64_t gpu_count(const std::string& q, const char* where) {
  auto n = quantity(q);
  if (!n) throw std::invalid_argument(fmt::format("{} \"{}\" is not a whole number of GPUs", where, q));
  return *n;
}

std::int64_t gpu_quantity(od::value v, const char* where) {
  const std::string q = text(v);
  auto n = quantity(q);
  if (!n) throw std::invalid_argument(fmt::format("{} \"{}\" is not a whole number of GPUs", where, q));
  return *n;
}

Labels labels_of(od::value v) {
  Labels out;
  each_field(v, [&](const std::string& k, od::value x) { out.emplace_back(k, text(x)); });
  return out;
}

std::vector<Condition> conditions_of(od::value v) {
  std::vector<Condition> out;
  each_item(v, [&](od::value c) {
    Condition cond;
    each_field(c, [&](const std::string& k, od::value x) {
      if (k == "type")
        cond.type = text(x);
      else if (k == "status")
        cond.status = text(x);
      else if (k == "reason")
        cond.reason = text(x);
      else if (k == "message")
        cond.message = text(x);
      else if (k == "lastTransitionTime")
        cond.since = text(x);
    });
    out.push_back(std::move(cond));
  });
  return out;
}

// A container list's GPUs: requests, else limits, summed (`init`: the largest one).
std::int64_t containers_gpus(od::value v, bool init) {
  std::int64_t total = 0;
  each_item(v, [&](od::value c) {
    std::int64_t req = -1, lim = -1;
    each_field(c, [&](const std::string& k, od::value x) {
      if (k != "resources") return;
      each_field(x, [&](const std::string& kind, od::value m) {
        if (kind != "requests" && kind != "limits") return;
        each_field(m, [&](const std::string& res, od::value q) {
          if (res == kGpu) (kind == "requests" ? req : lim) = gpu_quantity(q, "nvidia.com/gpu");
        });
      });
    });
    const std::int64_t g = req >= 0 ? req : std::max<std::int64_t>(lim, 0);
    total = init ? std::max(total, g) : total + g;
  });
  return total;
}

// A priority value (spec.priority, an int32); 0 when null.
std::int64_t priority_value(od::value v) {
  if (v.type() == od::json_type::null) return 0;
  return v.get_int64();
}

// A pod spec's GPUs as the scheduler counts them: max(sum of containers, largest init container).
std::int64_t spec_gpus(od::value spec, std::string* node = nullptr, std::int64_t* priority = nullptr) {
  std::int64_t app = 0, init = 0;
  each_field(spec, [&](const std::string& k, od::value x) {
    if (k == "containers")
      app = containers_gpus(x, false);
    else if (k == "initContainers")
      init = containers_gpus(x, true);
    else if (node && k == "nodeName")
      *node = text(x);
    else if (priority && k == "priority")
      *priority = priority_value(x);
  });
  return std::max(app, init);
}

struct Meta {
  std::string name, ns, uid, created;
  Labels labels;
  std::vector<std::pair<Owner, bool>> owners; // bool: controller
};

Meta meta_of(od::value v, bool want_labels) {
  Meta m;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "name")
      m.name = text(x);
    else if (k == "namespace")
      m.ns = text(x);
    else if (k == "uid")
      m.uid = text(x);
    else if (k == "creationTimestamp")
      m.created = text(x);
    else if (k == "labels" && want_labels)
      m.labels = labels_of(x);
    else if (k == "ownerReferences")
      each_item(x, [&](od::value o) {
        Owner owner;
        bool controller = false;
        each_field(o, [&](const std::string& f, od::value y) {
          if (f == "kind")
            owner.kind = text(y);
          else if (f == "name")
            owner.name = text(y);
          else if (f == "uid")
            owner.uid = text(y);
          else if (f == "controller")
            controller = y.type() == od::json_type::boolean && bool(y.get_bool());
        });
        m.owners.emplace_back(std::move(owner), controller);
      });
  });
  return m;
}

void read_node(od::value v, Objects& o) {
  Node n;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, true);
      n.name = std::move(m.name);
      n.labels = std::move(m.labels);
    } else if (k == "spec") {
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "unschedulable")
          n.unschedulable = y.type() == od::json_type::boolean && bool(y.get_bool());
        else if (f == "providerID")
          n.provider_id = text(y);
        else if (f == "taints")
          each_item(y, [&](od::value t) {
            Taint taint;
            each_field(t, [&](const std::string& g, od::value z) {
              if (g == "key")
                taint.key = text(z);
              else if (g == "value")
                taint.value = text(z);
              else if (g == "effect")
                taint.effect = text(z);
              else if (g == "timeAdded")
                taint.added = text(z);
            });
            n.taints.push_back(std::move(taint));
          });
      });
    } else if (k == "status") {
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "capacity" || f == "allocatable")
          each_field(y, [&](const std::string& res, od::value q) {
            if (res == kGpu)
              (f == "capacity" ? n.capacity : n.allocatable) = gpu_quantity(q, "nvidia.com/gpu");
            else if (res.starts_with("nvidia.com/mig-"))
              n.mig = true;
          });
        else if (f == "conditions")
          n.conditions = conditions_of(y);
      });
    }
  });
  o.nodes.push_back(std::move(n));
}

void read_pod(od::value v, Objects& o) {
  Pod p;
  Meta m;
  std::string phase;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata")
      m = meta_of(x, false);
    else if (k == "spec")
      p.gpus = spec_gpus(x, &p.node, &p.priority);
    else if (k == "status")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "phase")
          phase = text(y);
        else if (f == "startTime")
          p.started = text(y);
      });
  });
  if (p.gpus <= 0 || phase == "Succeeded" || phase == "Failed") return;
  if (phase != "Running" && p.node.empty()) return; // not on a node: it holds no GPUs yet
  p.name = std::move(m.name);
  p.ns = std::move(m.ns);
  p.created = std::move(m.created);
  for (auto& [owner, controller] : m.owners)
    if (controller) p.owner = std::move(owner);
  o.pods.push_back(std::move(p));
}

// A batch/v1 Job: only its controlling owner is kept, to follow a pod's owners up to the one
// that owns its Workload (JobSet -> Job -> pod).
void read_batch_job(od::value v, Objects& o) {
  for (auto field : v.get_object()) {
    if (key_of(field) != "metadata") continue;
    Meta m = meta_of(field.value(), false);
    for (auto& [owner, controller] : m.owners)
      if (controller && !m.uid.empty()) o.job_owners.emplace_back(m.uid, std::move(owner));
  }
}

void read_resource_quota(od::value v, Objects& o) {
  ResourceQuota q;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, false);
      q.name = m.name;
      q.ns = m.ns;
    } else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "hard")
          each_field(y, [&](const std::string& res, od::value z) {
            if (res == "requests.nvidia.com/gpu") q.hard = gpu_quantity(z, "hard requests.nvidia.com/gpu");
          });
      });
  });
  if (q.hard) o.quotas.push_back(std::move(q));
}

void read_cluster_queue(od::value v, Objects& o) {
  ClusterQueue cq;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata")
      cq.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "cohort" || f == "cohortName")
          cq.cohort = text(y);
        else if (f == "preemption")
          each_field(y, [&](const std::string& g, od::value z) {
            if (g == "reclaimWithinCohort")
              cq.reclaim = text(z);
            else if (g == "withinClusterQueue")
              cq.within = text(z);
            else if (g == "borrowWithinCohort")
              each_field(z, [&](const std::string& h, od::value t) {
                if (h == "policy") cq.borrow = text(t);
              });
          });
        else if (f == "resourceGroups")
          each_item(y, [&](od::value group) {
            KueueResourceGroup& rg = cq.groups.emplace_back();
            each_field(group, [&](const std::string& g, od::value z) {
              if (g == "coveredResources") each_item(z, [&](od::value r) { rg.covered_resources.push_back(text(r)); });
              if (g != "flavors") return;
              each_item(z, [&](od::value fl) {
                FlavorQuota fq;
                KueueFlavor& kf = rg.flavors.emplace_back();
                bool gpu = false;
                each_field(fl, [&](const std::string& h, od::value w) {
                  if (h == "name")
                    kf.name = fq.flavor = text(w);
                  else if (h == "resources")
                    each_item(w, [&](od::value r) {
                      std::string name, nominal, borrowing, lending;
                      each_field(r, [&](const std::string& i, od::value u) {
                        if (i == "name")
                          name = text(u);
                        else if (i == "nominalQuota")
                          nominal = text(u);
                        else if (i == "borrowingLimit")
                          borrowing = text(u);
                        else if (i == "lendingLimit")
                          lending = text(u);
                      });
                      KueueResource& kr = kf.resources.emplace_back(KueueResource{name, nominal, {}, {}});
                      if (!borrowing.empty()) kr.borrowing_limit = borrowing;
                      if (!lending.empty()) kr.lending_limit = lending;
                      if (name == kGpu) { // other resources' quantities (36Gi) are not GPU counts
                        gpu = true;
                        fq.nominal = gpu_count(nominal, "nominalQuota");
                        if (!borrowing.empty()) fq.borrowing = gpu_count(borrowing, "borrowingLimit");
                        if (!lending.empty()) fq.lending = gpu_count(lending, "lendingLimit");
                      }
                    });
                });
                if (gpu) cq.gpu.push_back(std::move(fq));
              });
            });
          });
      });
    else if (k == "status")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f != "flavorsUsage") return;
        each_item(y, [&](od::value fl) {
          std::string flavor;
          std::int64_t total = -1;
          each_field(fl, [&](const std::string& h, od::value w) {
            if (h == "name")
              flavor = text(w);
            else if (h == "resources")
              each_item(w, [&](od::value r) {
                std::string name, t;
                each_field(r, [&](const std::string& i, od::value u) {
                  if (i == "name")
                    name = text(u);
                  else if (i == "total")
                    t = text(u);
                });
                if (name == kGpu) total = gpu_count(t.empty() ? "0" : t, "flavorsUsage total");
              });
          });
          if (total >= 0) cq.usage[flavor] = total;
        });
      });
  });
  o.cqs.push_back(std::move(cq));
}

void read_local_queue(od::value v, Objects& o) {
  LocalQueue lq;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, false);
      lq.name = m.name;
      lq.ns = m.ns;
    } else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "clusterQueue") lq.cluster_queue = text(y);
      });
  });
  o.lqs.push_back(std::move(lq));
}

void read_flavor(od::value v, Objects& o) {
  Flavor fl;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata")
      fl.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "nodeLabels")
          fl.node_labels = labels_of(y);
        else if (f == "topologyName")
          fl.topology = text(y);
      });
  });
  o.flavors.push_back(std::move(fl));
}

void read_cohort(od::value v, Objects& o) {
  Cohort c;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata")
      c.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "parent" || f == "parentName")
          c.parent = text(y);
        else if (f == "resourceGroups")
          each_item(y, [&](od::value group) {
            each_field(group, [&](const std::string& g, od::value z) {
              if (g != "flavors") return;
              each_item(z, [&](od::value fl) {
                each_field(fl, [&](const std::string& h, od::value w) {
                  if (h != "resources") return;
                  each_item(w, [&](od::value r) {
                    std::string name, n;
                    each_field(r, [&](const std::string& i, od::value u) {
                      if (i == "name")
                        name = text(u);
                      else if (i == "nominalQuota")
                        n = text(u);
                    });
                    if (name == kGpu) c.gpus = std::max<std::int64_t>(c.gpus, 0) + gpu_count(n, "nominalQuota");
                  });
                });
              });
            });
          });
      });
  });
  o.cohorts.push_back(std::move(c));
}

void read_topology(od::value v, Objects& o) {
  Topology t;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata")
      t.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "levels")
          each_item(y, [&](od::value level) {
            each_field(level, [&](const std::string& g, od::value z) {
              if (g == "nodeLabel") t.levels.push_back(text(z));
            });
          });
      });
  });
  o.topologies.push_back(std::move(t));
}

void read_workload(od::value v, Objects& o) {
  Workload w;
  each_field(v, [&](const std::string& k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, false);
      w.name = m.name;
      w.ns = m.ns;
      w.created = m.created;
      for (auto& [owner, controller] : m.owners) {
        w.owner_uids.push_back(owner.uid);
        if (controller || w.job_name.empty()) w.job_name = owner.name;
      }
    } else if (k == "spec")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "queueName")
          w.queue = text(y);
        else if (f == "priority")
          w.priority = priority_value(y);
        else if (f == "podSets")
          each_item(y, [&](od::value ps) {
            std::int64_t count = 1, per_pod = 0;
            each_field(ps, [&](const std::string& g, od::value z) {
              if (g == "count")
                count = int64_t(z.get_int64());
              else if (g == "template")
                each_field(z, [&](const std::string& h, od::value t) {
                  if (h == "spec") per_pod = spec_gpus(t);
                });
            });
            w.requested_gpus += count * per_pod;
          });
      });
    else if (k == "status")
      each_field(x, [&](const std::string& f, od::value y) {
        if (f == "admission")
          each_field(y, [&](const std::string& g, od::value z) {
            if (g == "clusterQueue")
              w.cluster_queue = text(z);
            else if (g == "podSetAssignments")
              each_item(z, [&](od::value a) {
                each_field(a, [&](const std::string& h, od::value t) {
                  if (h == "flavors")
                    each_field(t, [&](const std::string& res, od::value fl) {
                      if (res == kGpu) w.flavors.push_back(text(fl));
                    });
                  else if (h == "resourceUsage")
                    each_field(t, [&](const std::string& res, od::value q) {
                      if (res == kGpu) w.admitted_gpus += gpu_quantity(q, "resourceUsage nvidia.com/gpu");
                    });
                });
              });
          });
        else if (f == "conditions")
          for (auto& c : conditions_of(y)) {
            if (c.type == "Admitted" && c.status == "True") {
              w.admitted = true;
              w.admitted_at = c.since;
            } else if (c.type == "Finished" && c.status == "True") {
              w.finished = true;
            } else if (c.status == "False" && (c.type == "QuotaReserved" || c.type == "Admitted")) {
              // Why it waits, as Kueue says it (QuotaReserved's message first: it names the flavor short).
              if (w.pending_reason.empty() || c.type == "QuotaReserved")
                w.pending_reason = !c.message.empty() ? c.message : c.reason;
            }
          }
      });
  });
  if (w.cluster_queue.empty()) w.admitted = false;
  if (!w.finished) o.workloads.push_back(std::move(w));
}

// ---------------------------------------------------------------------------------------------
// Fetching: one thread per list, `limit` and `continue`, 410 Gone restarts a list once.

using ItemReader = void (*)(od::value, Objects&);

struct Endpoint {
  const char* name;               // as in messages: "nodes", "clusterqueues"
  const char* list_kind;          // the kind a page must have
  std::vector<std::string> paths; // tried in order; a 404 moves to the next
  ItemReader read;
  bool optional = false; // a 403 is taken as "not listed" (like a 404), not an error
};

// A Status object's message, quoted (redacted, one line, cut: fleetcap/text.hpp); empty when the
// body is not a Status.
std::string status_message(const std::string& body) {
  try {
    auto j = nlohmann::json::parse(body);
    if (j.is_object() && j.value("kind", "") == "Status" && j.contains("message") && j["message"].is_string())
      return quote_from_server(j["message"].get<std::string>(), 300);
  } catch (const nlohmann::json::exception&) {}
  return {};
}

struct Fetcher {
  SourceOptions http; // with the context's TLS and token
  std::string server; // as requests go to it
  std::string shown;  // as messages show it: display_source(server), no userinfo
  std::string context;

  // One page's items into `into`; returns metadata.continue (a string or null, else DataError).
  std::string parse_page(std::string& body, const std::string& url, const Endpoint& e, Objects& into) {
    thread_local od::parser parser;
    if (body.capacity() - body.size() < simdjson::SIMDJSON_PADDING)
      body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    std::string cont;
    std::size_t index = 0;
    try {
      od::document doc = parser.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()));
      std::string kind;
      for (auto field : doc.get_object()) {
        const std::string key(key_of(field));
        od::value v = field.value();
        if (key == "kind") {
          kind = text(v);
          if (kind != e.list_kind)
            throw std::invalid_argument(fmt::format("expected a {}, got kind \"{}\"", e.list_kind, kind));
        } else if (key == "apiVersion" && std::string_view(e.name) == "clusterqueues") {
          into.cq_api_version = text(v);
        } else if (key == "metadata")
          each_field(v, [&](const std::string& k, od::value x) {
            if (k != "continue") return;
            if (x.type() != od::json_type::string && x.type() != od::json_type::null)
              throw DataError({fmt::format("GET {}: {} has metadata.continue that is not a string or null, got {}; "
                                           "the pages cannot go on",
                                           url, e.name, quote_from_server(x.raw_json_token(), 60))});
            cont = text(x);
          });
        else if (key == "items")
          each_item(v, [&](od::value item) {
            e.read(item, into);
            ++index;
          });
      }
      if (more_after(doc))
        throw DataError({fmt::format("{}: invalid JSON in GET {} at {}", e.name, url, after_document(doc, body))});
    } catch (const simdjson::simdjson_error& err) {
      throw DataError(
          {fmt::format("GET {}: {}[{}] is not what Kubernetes serves: {}", url, e.name, index, err.what())});
    } catch (const std::invalid_argument& err) {
      throw DataError({fmt::format("GET {}: {}[{}]: {}", url, e.name, index, err.what())});
    }
    return cont;
  }

  // false: every path answered 404. `answered`: the path that answered.
  bool list(const Endpoint& e, Objects& into, const source::Cancel& cancel, std::string& answered) {
    for (const auto& path : e.paths) {
      answered = path;
      std::string cont;
      bool restarted = false;
      source::PageTokens tokens("continue token", e.name, http.max_pages);
      for (;;) {
        std::string url = fmt::format("{}{}?limit={}", server, path, kPageLimit);
        if (!cont.empty()) url += "&continue=" + http::escape(cont);
        const std::string shown_url = display_source(url);
        tokens.before_page(shown_url);
        http::Response resp = http::get(url, http, cancel);
        if (resp.status == 404 && cont.empty()) break; // the next version, if any
        if (resp.status == 403 && cont.empty() && e.optional) return false;
        if (resp.status == 410 && !cont.empty() && !restarted) {
          // The continue token expired (the list took longer than etcd keeps it): start over once.
          restarted = true;
          cont.clear();
          tokens.restart();
          restart(into, e);
          continue;
        }
        if (resp.status != 200) fail(resp, shown_url, e, !cont.empty());
        source::require_json(resp, shown_url);
        cont = parse_page(resp.body, shown_url, e, into);
        if (!tokens.more(cont, shown_url)) return true;
      }
    }
    return false;
  }

  // GET /version's gitVersion (v1.30.0); empty when the server does not say.
  std::string version(const source::Cancel& cancel) {
    http::Response resp;
    try {
      resp = http::get(server + "/version", http, cancel);
    } catch (const source::Cancelled&) {
      throw;
    } catch (const RuntimeError&) {
      return {}; // the lists say what is wrong with the server
    }
    if (resp.status != 200) return {};
    try {
      const auto j = nlohmann::json::parse(resp.body);
      if (j.is_object() && j.contains("gitVersion") && j["gitVersion"].is_string())
        return j["gitVersion"].get<std::string>();
    } catch (const nlohmann::json::exception&) {}
    return {};
  }

  static void restart(Objects& into, const Endpoint& e) {
    // Each thread owns one vector; clear only that list's objects.
    const std::string name = e.name;
    if (name == "nodes")
      into.nodes.clear();
    else if (name == "pods")
      into.pods.clear();
    else if (name == "resourcequotas")
      into.quotas.clear();
    else if (name == "clusterqueues")
      into.cqs.clear();
    else if (name == "localqueues")
      into.lqs.clear();
    else if (name == "resourceflavors")
      into.flavors.clear();
    else if (name == "cohorts")
      into.cohorts.clear();
    else if (name == "topologies")
      into.topologies.clear();
    else if (name == "workloads")
      into.workloads.clear();
    else if (name == "jobs")
      into.job_owners.clear();
  }

  // `url` as shown (no userinfo); `continued`: the request carried a continue token.
  [[noreturn]] void fail(const http::Response& resp, const std::string& url, const Endpoint& e, bool continued) {
    const std::string why = status_message(resp.body.empty() ? resp.head : resp.body);
    const std::string said = why.empty() ? std::string() : fmt::format(": {}", why);
    if (resp.status == 401)
      throw RuntimeError(fmt::format("context \"{}\": the API server {} refused the credentials (401 Unauthorized{}); "
                                     "the token or certificate has expired or is wrong: log in again (any kubectl "
                                     "command refreshes an exec plugin's token) and retry",
                                     context, shown, said));
    if (resp.status == 403)
      throw RuntimeError(fmt::format("context \"{}\": not allowed to list {} (403 Forbidden{}); ask for get and list "
                                     "on {} in all namespaces (kubectl auth can-i list {} -A)",
                                     context, e.name, said, e.name, e.name));
    if (resp.status == 410 && continued)
      throw RuntimeError(fmt::format("GET {}: 410 Gone twice while listing {}{}; the cluster changes faster than "
                                     "it can be listed: retry",
                                     url, e.name, said));
    if (resp.status == 410) // no continue token was sent: nothing of fleetcap's had expired
      throw RuntimeError(fmt::format("GET {}: HTTP 410 Gone on the first page of {}{}; the API server (or a proxy "
                                     "before it) answers as if a list had expired: check the server URL",
                                     url, e.name, said));
    throw RuntimeError(fmt::format("GET {}: HTTP {} while listing {}: {}", url, resp.status, e.name,
                                   said.empty() ? quote_from_server(resp.head) : why));
  }
};

// ---------------------------------------------------------------------------------------------
// Writing fleet API items.

struct Items {
  // Each resource's items, as the text between the brackets of a fleet API page's "items".
  std::array<std::string, kResources.size()> items;
  std::vector<std::string> warnings; // once per run, each
  std::string source;                // "kube:CONTEXT", the context resolved
  std::string version, auth;         // for `fleetcap sources`
};

// `s` as a JSON string (the one JSON writer's escaping).
std::string q(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

// A ClusterQueue's spec.resourceGroups as the snapshot keeps them (snake_case; docs/kubernetes.md).
std::string resource_groups_json(const std::vector<KueueResourceGroup>& groups) {
  std::string out = "[";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out += g ? ", {\"covered_resources\": [" : "{\"covered_resources\": [";
    for (std::size_t i = 0; i < groups[g].covered_resources.size(); ++i)
      out += (i ? ", " : "") + q(groups[g].covered_resources[i]);
    out += "], \"flavors\": [";
    for (std::size_t f = 0; f < groups[g].flavors.size(); ++f) {
      const KueueFlavor& fl = groups[g].flavors[f];
      out += (f ? ", {\"name\": " : "{\"name\": ") + q(fl.name) + ", \"resources\": [";
      for (std::size_t r = 0; r < fl.resources.size(); ++r) {
        const KueueResource& res = fl.resources[r];
        out += fmt::format("{}{{\"name\": {}, \"nominal_quota\": {}", r ? ", " : "", q(res.name), q(res.nominal_quota));
        if (res.borrowing_limit) out += ", \"borrowing_limit\": " + q(*res.borrowing_limit);
        if (res.lending_limit) out += ", \"lending_limit\": " + q(*res.lending_limit);
        out += "}";
      }
      out += "]}";
    }
    out += "]}";
  }
  return out + "]";
}

void add_item(std::string& list, const std::string& item) {
  if (!list.empty()) list += ",\n";
  list += item;
}

const std::string* label(const Labels& labels, std::string_view key) {
  for (const auto& [k, v] : labels)
    if (k == key) return &v;
  return nullptr;
}

bool selects(const Labels& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    const std::string* got = label(labels, k);
    if (!got || *got != v) return false;
  }
  return true;
}

std::string product_of(const Node& n) {
  if (auto p = label(n.labels, "nvidia.com/gpu.product"); p && !p->empty()) return *p;
  if (auto p = label(n.labels, "cloud.google.com/gke-accelerator"); p && !p->empty()) return *p;
  return "gpu";
}

std::int64_t node_gpus(const Node& n, std::int64_t& replicas) {
  replicas = 1;
  if (auto r = label(n.labels, "nvidia.com/gpu.replicas"))
    replicas = std::max<std::int64_t>(1, quantity(*r).value_or(1));
  const auto* strategy = label(n.labels, "nvidia.com/mig.strategy");
  const bool mig = n.mig || (strategy && *strategy != "none" && !strategy->empty());
  if (replicas > 1 || mig)
    if (auto c = label(n.labels, "nvidia.com/gpu.count"))
      if (auto g = quantity(*c)) return *g;
  if (mig && n.capacity == 0) return 0;
  return n.capacity / replicas;
}

bool gpu_condition_failing(const Condition& c) {
  if (c.type == "GPUHealthy") return c.status == "False";
  return (c.type == "GPUMissing" || c.type == "XIDErrors" || c.type == "NVLinkStatusInactive" ||
          c.type == "IBLinkFlapping") &&
         c.status == "True";
}

bool pressure_condition(const Condition& c) {
  return (c.type == "MemoryPressure" || c.type == "DiskPressure" || c.type == "PIDPressure" ||
          c.type == "NetworkUnavailable") &&
         c.status == "True";
}

bool maintenance_taint(const Taint& t) {
  return t.key == "cloud.google.com/maintenance-window-started" ||
         t.key == "aws-node-termination-handler/scheduled-maintenance";
}

std::string issue(std::string_view type, const std::string& since, std::string_view priority, std::string_view detail) {
  std::string out = fmt::format("{{\"type\": {}, \"priority\": \"{}\", \"detail\": {}", q(type), priority, q(detail));
  if (!since.empty()) out += fmt::format(", \"detected_at\": {}", q(since));
  return out + "}";
}

std::string join_detail(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + ": " + b;
}

struct Translation {
  Translation(const SourceOptions& options, std::string ctx, Objects& objects, Time at)
      : opt(options), context(std::move(ctx)), o(objects), now(at) {}
  const SourceOptions& opt;
  std::string context;
  Objects& o;
  Time now;
  Items out;

  struct GpuNode {
    const Node* node;
    std::string cluster, island;
    std::int64_t gpus;
  };
  std::vector<GpuNode> gpu_nodes;
  std::unordered_map<std::string, std::size_t> node_index;            // name -> gpu_nodes index
  std::vector<std::string> clusters;                                  // names
  std::vector<std::string> cluster_items;                             // their items, less the closing brace
  std::map<std::string, std::set<std::string>> island_labels;         // cluster -> label keys naming its islands
  std::map<std::pair<std::string, std::string>, std::string> leaf_of; // (CQ, flavor) -> leaf
  std::map<std::string, std::string> leaf_cluster;                    // leaf -> cluster
  std::map<std::string, std::int64_t> leaf_used;                      // leaf -> running GPUs
  std::map<std::string, std::string> first_leaf_of_cq;

  void warn(std::string w) { out.warnings.push_back(std::move(w)); }

  // A priority value's class (config [kube.priority], highest class first): the highest class
  // whose threshold it reaches. A value that reaches none keeps the contract's default, mid,
  // unless the table draws a mid or low line and the value falls below it: then low (so the
  // classes never rank a lower value above a higher one). Without the table, mid.
  std::string_view priority_of(std::int64_t value) const {
    bool draws_mid_or_low = false;
    for (const auto& [cls, threshold] : opt.kube_priority) {
      if (value >= threshold) return to_string(cls);
      draws_mid_or_low = draws_mid_or_low || cls == Priority::mid || cls == Priority::low;
    }
    return draws_mid_or_low ? "low" : "mid";
  }

  void build_clusters() {
    std::map<std::string, std::vector<const Node*>> by_product;
    for (const auto& n : o.nodes) {
      std::int64_t replicas = 1;
      if (node_gpus(n, replicas) > 0) by_product[product_of(n)].push_back(&n);
    }
    if (by_product.empty()) warn(fmt::format("context \"{}\" has no nodes with nvidia.com/gpu: no clusters", context));
    for (const auto& [product, nodes] : by_product) {
      const std::string name = by_product.size() == 1 ? context : context + "/" + product;
      std::map<std::string, int> regions, providers;
      for (const Node* n : nodes) {
        if (auto r = label(n->labels, "topology.kubernetes.io/region")) ++regions[*r];
        if (auto at = n->provider_id.find("://"); at != std::string::npos) ++providers[n->provider_id.substr(0, at)];
      }
      auto most = [](const std::map<std::string, int>& m, const char* none) {
        std::string best = none;
        int count = 0;
        for (const auto& [k, c] : m)
          if (c > count) best = k, count = c;
        return best;
      };
      clusters.push_back(name);
      // Written by write_clusters() once the islands say which label names them.
      cluster_items.push_back(fmt::format("{{\"name\": {}, \"region\": {}, \"provider\": {}, \"sku\": {}, "
                                          "\"state\": \"production\", \"scheduler\": \"kubernetes\"",
                                          q(name), q(most(regions, "unknown")), q(most(providers, "kubernetes")),
                                          q(product)));
      for (const Node* n : nodes) {
        std::int64_t replicas = 1;
        node_index[n->name] = gpu_nodes.size();
        gpu_nodes.push_back({n, name, {}, node_gpus(*n, replicas)});
      }
    }
  }

  void build_islands() {
    std::size_t unlabelled = 0;
    bool defaulted = false;
    std::map<std::string, const Topology*> topologies;
    for (const auto& t : o.topologies) topologies[t.name] = &t;
    for (auto& g : gpu_nodes) {
      const Node& n = *g.node;
      if (!opt.island_label.empty()) {
        if (auto v = label(n.labels, opt.island_label)) {
          g.island = *v;
          island_labels[g.cluster].insert(opt.island_label);
        } else {
          g.island = g.cluster;
          island_labels[g.cluster].insert("");
          ++unlabelled;
        }
        continue;
      }
      for (const auto& fl : o.flavors) { // the node's flavor's Kueue Topology
        if (fl.topology.empty() || !selects(fl.node_labels, n.labels)) continue;
        auto t = topologies.find(fl.topology);
        if (t == topologies.end()) continue;
        for (const auto& level : t->second->levels) {
          if (level == "topology.kubernetes.io/region" || level == "topology.kubernetes.io/zone" ||
              level == "failure-domain.beta.kubernetes.io/region" || level == "failure-domain.beta.kubernetes.io/zone")
            continue;
          if (auto v = label(n.labels, level)) {
            g.island = *v;
            island_labels[g.cluster].insert(level);
          }
          break;
        }
        if (!g.island.empty()) break;
      }
      if (!g.island.empty()) continue;
      for (const char* key : {"network.topology.nvidia.com/spine", "cloud.google.com/gce-topology-block",
                              "topology.k8s.aws/network-node-layer-2"})
        if (auto v = label(n.labels, key)) {
          g.island = *v;
          island_labels[g.cluster].insert(key);
          break;
        }
      if (g.island.empty()) {
        g.island = g.cluster;
        island_labels[g.cluster].insert("");
        defaulted = true;
      }
    }
    if (unlabelled)
      warn(fmt::format("{} GPU node(s) of context \"{}\" have no label {}: each such node is in its cluster's island",
                       unlabelled, context, opt.island_label));
    if (defaulted)
      warn(fmt::format("context \"{}\": some GPU nodes have no topology label (Kueue Topology, "
                       "network.topology.nvidia.com/spine, cloud.google.com/gce-topology-block, "
                       "topology.k8s.aws/network-node-layer-2): each cluster is one island for them; pass "
                       "--island-label KEY",
                       context));
  }

  void build_nodes() {
    for (const auto& g : gpu_nodes) {
      const Node& n = *g.node;
      std::vector<std::string> issues;
      bool ready = false, gpu_failing = false, tainted = false;
      for (const auto& c : n.conditions) {
        if (c.type == "Ready") {
          ready = c.status == "True";
          if (!ready) issues.push_back(issue("NotReady", c.since, "p1", join_detail(c.reason, c.message)));
        } else if (gpu_condition_failing(c)) {
          gpu_failing = true;
          issues.push_back(issue(c.type, c.since, "p1", join_detail(c.reason, c.message)));
        } else if (pressure_condition(c)) {
          issues.push_back(issue(c.type, c.since, "p2", join_detail(c.reason, c.message)));
        }
      }
      for (const auto& t : n.taints) {
        if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
        if (t.key == kGpu || t.key == "node.kubernetes.io/unschedulable" || maintenance_taint(t)) continue;
        const bool down = t.key == "node.kubernetes.io/not-ready" || t.key == "node.kubernetes.io/unreachable";
        tainted = tainted || down;
        issues.push_back(issue(t.key, t.added, down ? "p1" : "p3",
                               fmt::format("taint {}{}{}", t.effect, t.value.empty() ? "" : " ", t.value)));
      }
      std::int64_t replicas = 1;
      node_gpus(n, replicas);
      const std::int64_t alloc = n.allocatable < 0 ? n.capacity : n.allocatable;
      const std::int64_t lost = n.capacity > alloc ? (n.capacity - alloc + replicas - 1) / replicas : 0;
      if (lost > 0)
        issues.push_back(issue("GPUUnavailable", "", "p2", fmt::format("{} of {} GPUs unhealthy", lost, g.gpus)));
      const char* health = (!ready || gpu_failing || tainted) ? "unhealthy" : lost > 0 ? "degraded" : "healthy";
      std::string item =
          fmt::format("{{\"name\": {}, \"cluster\": {}, \"island\": {}, \"gpus\": {}, \"health\": "
                      "\"{}\", \"cordoned\": {}",
                      q(n.name), q(g.cluster), q(g.island), g.gpus, health, n.unschedulable ? "true" : "false");
      if (std::string_view(health) == "degraded") item += ", \"healthy\": false"; // our word, said outright
      if (!issues.empty()) {
        item += ", \"issues\": [";
        for (std::size_t i = 0; i < issues.size(); ++i) item += (i ? ", " : "") + issues[i];
        item += "]";
      }
      add_item(out.items[1], item + "}");
    }
  }

  // The cluster a ResourceFlavor's nodeLabels select; empty when none can be told.
  std::string flavor_cluster(const std::string& flavor_name, const std::string& leaf) {
    const Flavor* fl = nullptr;
    for (const auto& f : o.flavors)
      if (f.name == flavor_name) fl = &f;
    std::map<std::string, std::int64_t> gpus;
    for (const auto& g : gpu_nodes)
      if (!fl || selects(fl->node_labels, g.node->labels)) gpus[g.cluster] += g.gpus;
    if (gpus.empty()) {
      if (clusters.size() == 1) return clusters[0]; // quota no node backs
      warn(fmt::format("quota {}: ResourceFlavor \"{}\" selects no GPU node and context \"{}\" has {} GPU clusters; "
                       "left out",
                       leaf, flavor_name, context, clusters.size()));
      return {};
    }
    auto best = std::max_element(gpus.begin(), gpus.end(), [](auto& a, auto& b) { return a.second < b.second; });
    if (gpus.size() > 1)
      warn(fmt::format("quota {}: ResourceFlavor \"{}\" selects nodes of {} clusters; its quota is put in {}, the "
                       "largest",
                       leaf, flavor_name, gpus.size(), best->first));
    return best->first;
  }

  void build_kueue_quotas() {
    std::map<std::string, std::set<std::string>> access; // CQ -> namespaces
    for (const auto& lq : o.lqs) access[lq.cluster_queue].insert(lq.ns);
    std::map<std::string, const Cohort*> cohorts;
    for (const auto& c : o.cohorts) cohorts[c.name] = &c;
    std::set<std::string> used_cohorts; // cohorts with a leaf below them
    auto mark = [&](std::string name) {
      for (int depth = 0; !name.empty() && depth < 64 && used_cohorts.insert(name).second; ++depth) {
        auto it = cohorts.find(name);
        name = it == cohorts.end() ? std::string() : it->second->parent;
      }
    };
    std::vector<std::string> leaves;
    std::vector<std::string> extras;
    for (const auto& cq : o.cqs) {
      for (const auto& fq : cq.gpu) {
        const std::string name = cq.gpu.size() == 1 ? cq.name : cq.name + "/" + fq.flavor;
        const std::string cluster = flavor_cluster(fq.flavor, name);
        if (cluster.empty()) continue;
        leaf_of[{cq.name, fq.flavor}] = name;
        leaf_cluster[name] = cluster;
        if (!first_leaf_of_cq.count(cq.name)) first_leaf_of_cq[cq.name] = name;
        if (!cq.cohort.empty()) mark(cq.cohort);
        std::string item = fmt::format("{{\"name\": {}, \"parent\": {}, \"cluster\": {}, \"gpus\": {}", q(name),
                                       cq.cohort.empty() ? "null" : q(cq.cohort), q(cluster), fq.nominal);
        item += ", \"access\": [";
        bool first = true;
        for (const auto& ns : access[cq.name]) item += (first ? "" : ", ") + q(ns), first = false;
        item += "]";
        if (fq.borrowing) item += fmt::format(", \"borrowing_limit\": {}", *fq.borrowing);
        if (fq.lending) item += fmt::format(", \"lending_limit\": {}", *fq.lending);
        // reclaimWithinCohort Never (Kueue's default): it may not take back what it lends.
        if (!cq.cohort.empty() && cq.reclaim == "Never") item += ", \"reclaims\": false";
        item += fmt::format(", \"kueue\": {{\"cluster_queue\": {}, \"flavor\": {}, \"api_version\": {}, "
                            "\"resource_groups\": {}}}}}",
                            q(cq.name), q(fq.flavor),
                            q(o.cq_api_version.empty() ? "kueue.x-k8s.io/v1beta1" : o.cq_api_version),
                            resource_groups_json(cq.groups));
        leaves.push_back(item);
      }
    }
    for (const auto& name : used_cohorts) {
      auto it = cohorts.find(name);
      const std::string parent = it == cohorts.end() ? std::string() : it->second->parent;
      std::string item = fmt::format("{{\"name\": {}, \"parent\": {}, \"cluster\": null", q(name),
                                     parent.empty() ? "null" : q(parent));
      if (it != cohorts.end() && it->second->gpus >= 0) item += fmt::format(", \"shared_gpus\": {}", it->second->gpus);
      add_item(out.items[2], item + "}");
    }
    for (const auto& l : leaves) add_item(out.items[2], l);
  }

  void build_resource_quotas() {
    std::map<std::string, std::int64_t> per_ns; // the tightest quota of each namespace
    for (const auto& rq : o.quotas) {
      auto [it, fresh] = per_ns.try_emplace(rq.ns, *rq.hard);
      if (!fresh) it->second = std::min(it->second, *rq.hard);
    }
    if (per_ns.empty()) return;
    if (clusters.size() != 1)
      throw RuntimeError(
          fmt::format("context \"{}\" has {} GPU clusters ({}) and ResourceQuotas for GPUs but no Kueue: "
                      "a namespace's quota cannot be put in one of them; use Kueue ResourceFlavors "
                      "(docs/kubernetes.md)",
                      context, clusters.size(), fmt::join(clusters, ", ")));
    for (const auto& [ns, gpus] : per_ns) {
      leaf_cluster[ns] = clusters[0];
      add_item(out.items[2], fmt::format("{{\"name\": {}, \"parent\": null, \"cluster\": {}, \"gpus\": {}, \"access\": "
                                         "[{}]}}",
                                         q(ns), q(clusters[0]), gpus, q(ns)));
    }
  }

  void build_jobs() {
    std::set<std::string> names;
    auto unique = [&](std::string name) {
      if (names.insert(name).second) return name;
      for (int i = 2;; ++i)
        if (names.insert(fmt::format("{}#{}", name, i)).second) return fmt::format("{}#{}", name, i);
    };
    std::unordered_set<std::string> admitted_owners;
    std::unordered_map<std::string, std::set<std::string>> nodes_of_owner; // owner uid -> nodes
    for (const auto& w : o.workloads)
      if (w.admitted)
        for (const auto& uid : w.owner_uids) admitted_owners.insert(uid);
    // Each pod's owner chain (its controller, that one's controller, ... as far as the Jobs list
    // tells, at most kMaxOwners deep, a cycle ends it): the nearest owner of an admitted
    // Workload, and the top owner (a flex job is named after it).
    std::unordered_map<std::string_view, const Owner*> controller_of;
    for (const auto& [uid, owner] : o.job_owners) controller_of.emplace(uid, &owner);
    constexpr int kMaxOwners = 8;
    std::vector<const Owner*> workload_owner(o.pods.size(), nullptr), top_owner(o.pods.size(), nullptr);
    for (std::size_t i = 0; i < o.pods.size(); ++i) {
      const Pod& p = o.pods[i];
      if (!p.owner) continue;
      std::array<const Owner*, kMaxOwners> seen{};
      const Owner* at = &*p.owner;
      for (int depth = 0; at && depth < kMaxOwners; ++depth) {
        if (std::find_if(seen.begin(), seen.begin() + depth, [&](const Owner* s) { return s->uid == at->uid; }) !=
            seen.begin() + depth)
          break; // a cycle
        seen[depth] = top_owner[i] = at;
        if (admitted_owners.count(at->uid)) {
          workload_owner[i] = at;
          break;
        }
        auto up = controller_of.find(at->uid);
        at = up == controller_of.end() ? nullptr : up->second;
      }
      if (workload_owner[i] && !p.node.empty()) nodes_of_owner[workload_owner[i]->uid].insert(p.node);
    }
    std::map<std::pair<std::string, std::string>, std::string> lq_cq;
    for (const auto& lq : o.lqs) lq_cq[{lq.ns, lq.name}] = lq.cluster_queue;
    std::size_t unplaced = 0;
    for (const auto& w : o.workloads) {
      std::string leaf;
      if (w.admitted) {
        for (const auto& fl : w.flavors)
          if (auto it = leaf_of.find({w.cluster_queue, fl}); it != leaf_of.end()) leaf = it->second;
      } else if (auto it = lq_cq.find({w.ns, w.queue}); it != lq_cq.end()) {
        if (auto l = first_leaf_of_cq.find(it->second); l != first_leaf_of_cq.end()) leaf = l->second;
      }
      const std::int64_t gpus = w.admitted ? w.admitted_gpus : w.requested_gpus;
      if (gpus <= 0) continue;
      if (leaf.empty()) {
        ++unplaced;
        continue;
      }
      const std::string& cluster = leaf_cluster[leaf];
      std::string item = fmt::format("{{\"name\": {}, \"namespace\": {}, \"quota\": {}, \"cluster\": {}, "
                                     "\"priority\": \"{}\", \"gpus\": {}, \"state\": \"{}\"",
                                     q(unique(w.ns + "/" + w.name)), q(w.ns), q(leaf), q(cluster),
                                     priority_of(w.priority), gpus, w.admitted ? "running" : "pending");
      if (w.admitted && !cohort_root(w.cluster_queue).empty() && !reclaimable_by_cohort(w))
        item += ", \"reclaimable\": false"; // what it borrows no ClusterQueue may take back
      if (w.admitted) {
        leaf_used[leaf] += gpus;
        std::set<std::string> nodes;
        for (const auto& uid : w.owner_uids)
          if (auto it = nodes_of_owner.find(uid); it != nodes_of_owner.end())
            for (const auto& n : it->second)
              if (auto g = node_index.find(n); g != node_index.end() && gpu_nodes[g->second].cluster == cluster)
                nodes.insert(n);
        item += ", \"nodes\": [";
        bool first = true;
        for (const auto& n : nodes) item += (first ? "" : ", ") + q(n), first = false;
        item += "]";
        if (!w.admitted_at.empty()) item += ", \"started_at\": " + q(w.admitted_at);
      } else if (!w.pending_reason.empty()) {
        item += ", \"pending_reason\": " + q(w.pending_reason);
      }
      if (!w.job_name.empty()) item += ", \"job_name\": " + q(w.job_name);
      if (!w.created.empty()) item += ", \"submitted_at\": " + q(w.created);
      add_item(out.items[3], item + "}");
    }
    if (unplaced)
      warn(fmt::format("{} Kueue Workload(s) of context \"{}\" use no GPU flavor of a ClusterQueue fleetcap knows; "
                       "left out",
                       unplaced, context));

    // Flex: GPU pods on nodes that belong to no admitted Workload, grouped by controlling owner.
    struct Group {
      std::string name, ns, cluster, started, created, job_name;
      std::int64_t gpus = 0, priority = INT64_MIN; // the highest of its pods'
      std::set<std::string> nodes;
    };
    std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
    std::size_t off_fleet = 0;
    for (std::size_t i = 0; i < o.pods.size(); ++i) {
      const Pod& p = o.pods[i];
      if (workload_owner[i]) continue;
      auto g = node_index.find(p.node);
      if (g == node_index.end()) {
        ++off_fleet;
        continue;
      }
      const std::string& cluster = gpu_nodes[g->second].cluster;
      const Owner* owner = top_owner[i];
      const std::string key = owner ? owner->uid : "pod/" + p.name;
      Group& grp = groups[{p.ns, key, cluster}];
      grp.name = p.ns + "/" + (owner ? owner->name : p.name);
      grp.ns = p.ns;
      grp.cluster = cluster;
      grp.gpus += p.gpus;
      grp.priority = std::max(grp.priority, p.priority);
      grp.nodes.insert(p.node);
      grp.job_name = owner ? owner->name : p.name;
      if (!p.started.empty() && (grp.started.empty() || p.started < grp.started)) grp.started = p.started;
      if (!p.created.empty() && (grp.created.empty() || p.created < grp.created)) grp.created = p.created;
    }
    for (auto& [key, grp] : groups) {
      std::string item =
          fmt::format("{{\"name\": {}, \"namespace\": {}, \"quota\": \"flex\", \"cluster\": {}, "
                      "\"priority\": \"{}\", \"gpus\": {}, \"state\": \"running\", \"nodes\": [",
                      q(unique(grp.name)), q(grp.ns), q(grp.cluster), priority_of(grp.priority), grp.gpus);
      bool first = true;
      for (const auto& n : grp.nodes) item += (first ? "" : ", ") + q(n), first = false;
      item += "]";
      if (!grp.started.empty()) item += ", \"started_at\": " + q(grp.started);
      // With Kueue, pods no admitted Workload owns are work Kueue never preempts: stable use
      // (docs/kubernetes.md, "Reclaimable").
      if (o.kueue) item += ", \"reclaimable\": false";
      item += ", \"job_name\": " + q(grp.job_name);
      if (!grp.created.empty()) item += ", \"submitted_at\": " + q(grp.created);
      add_item(out.items[3], item + "}");
    }
    if (off_fleet)
      warn(fmt::format("{} GPU pod(s) of context \"{}\" run on nodes with no nvidia.com/gpu capacity; left out",
                       off_fleet, context));
    const bool prioritised =
        std::any_of(o.workloads.begin(), o.workloads.end(), [](auto& w) { return w.priority != 0; }) ||
        std::any_of(o.pods.begin(), o.pods.end(), [](auto& p) { return p.priority != 0; });
    if (prioritised && opt.kube_priority.empty())
      warn(fmt::format("context \"{}\": Workloads or pods have priority values but the config file has no "
                       "[kube.priority] table (e.g. high = 1000): every job's priority is mid (docs/kubernetes.md)",
                       context));
  }

  // Whether Kueue would preempt an admitted Workload to give a ClusterQueue of its cohort tree
  // back its nominal quota (Kueue's classic preemption, docs/kubernetes.md "Reclaimable"):
  // another ClusterQueue there has reclaimWithinCohort Any, or LowerPriority and in-quota work of
  // a higher priority than this Workload's (its own highest Workload priority, else 0, Kubernetes'
  // default). withinClusterQueue and borrowWithinCohort make nothing reclaimable for in-quota work.
  bool reclaimable_by_cohort(const Workload& w) {
    const auto root = cohort_root(w.cluster_queue);
    if (root.empty()) return false;
    for (const auto& cq : o.cqs) {
      if (cq.name == w.cluster_queue || cohort_root(cq.name) != root) continue;
      if (cq.reclaim == "Any") return true;
      if (cq.reclaim != "LowerPriority") continue;
      std::int64_t theirs = 0;
      for (const auto& other : o.workloads)
        if (other.cluster_queue == cq.name || queue_cq(other) == cq.name) theirs = std::max(theirs, other.priority);
      if (theirs > w.priority) return true;
    }
    return false;
  }

  // The top of a ClusterQueue's cohort tree; empty when it is in no cohort.
  std::string cohort_root(const std::string& cq_name) {
    std::string at;
    for (const auto& cq : o.cqs)
      if (cq.name == cq_name) at = cq.cohort;
    for (int depth = 0; !at.empty() && depth < 64; ++depth) {
      const auto it = std::find_if(o.cohorts.begin(), o.cohorts.end(), [&](const Cohort& c) { return c.name == at; });
      if (it == o.cohorts.end() || it->parent.empty()) break;
      at = it->parent;
    }
    return at;
  }

  // The ClusterQueue a Workload's LocalQueue points at (a pending Workload has no admission).
  std::string queue_cq(const Workload& w) {
    for (const auto& lq : o.lqs)
      if (lq.ns == w.ns && lq.name == w.queue) return lq.cluster_queue;
    return {};
  }

  void check_usage() {
    std::vector<std::string> mismatches;
    for (const auto& cq : o.cqs)
      for (const auto& [flavor, total] : cq.usage) {
        auto leaf = leaf_of.find({cq.name, flavor});
        if (leaf == leaf_of.end()) continue;
        const std::int64_t ours = leaf_used[leaf->second];
        if (ours != total) mismatches.push_back(fmt::format("{} (Kueue {}, fleetcap {})", leaf->second, total, ours));
      }
    if (!mismatches.empty())
      warn(fmt::format(
          "Kueue's flavorsUsage differs from the GPUs of admitted Workloads for {} quota(s): {}{}", mismatches.size(),
          fmt::join(mismatches.begin(), mismatches.begin() + std::min<std::size_t>(mismatches.size(), 5), ", "),
          mismatches.size() > 5 ? ", ..." : ""));
  }

  void build_maintenance() {
    const Time duration = static_cast<Time>(opt.maintenance_hours * 3600);
    for (const auto& g : gpu_nodes) {
      const Node& n = *g.node;
      std::optional<Time> start;
      std::string state, kind, reason;
      if (auto v = label(n.labels, "cloud.google.com/scheduled-maintenance-time")) {
        if (auto t = quantity(*v)) {
          start = *t;
          state = "scheduled";
          kind = "gke-maintenance";
          reason = "GKE scheduled maintenance (label cloud.google.com/scheduled-maintenance-time)";
        }
      }
      for (const auto& t : n.taints) {
        if (t.key == "cloud.google.com/maintenance-window-started") {
          start = parse_rfc3339(t.added).value_or(start.value_or(now));
          state = "in_progress";
          kind = "gke-maintenance";
          reason = "GKE maintenance in progress (taint cloud.google.com/maintenance-window-started)";
        } else if (t.key == "aws-node-termination-handler/scheduled-maintenance" && state.empty()) {
          start = parse_rfc3339(t.added).value_or(now);
          state = "scheduled";
          kind = "eks-scheduled-maintenance";
          reason =
              join_detail("EC2 scheduled event (taint aws-node-termination-handler/scheduled-maintenance)", t.value);
        }
      }
      if (auto v = label(n.labels, "cloud.google.com/active-node-maintenance");
          v && *v == "ONGOING" && state != "in_progress") {
        start = start && state == "scheduled" ? std::min(*start, now) : now;
        state = "in_progress";
        kind = "gke-maintenance";
        reason = "GKE maintenance in progress (label cloud.google.com/active-node-maintenance=ONGOING)";
      }
      for (const auto& c : n.conditions)
        if (c.type == "VMEventScheduled" && c.status == "True" && state.empty()) {
          start = parse_rfc3339(c.since).value_or(now);
          state = "scheduled";
          kind = "aks-vm-event";
          reason = join_detail("Azure scheduled event (condition VMEventScheduled)", c.message);
        }
      if (state.empty() || !start) continue;
      add_item(
          out.items[4],
          fmt::format("{{\"id\": {}, \"cluster\": {}, \"nodes\": [{}], \"kind\": {}, \"reason\": {}, "
                      "\"priority\": \"p1\", \"start\": {}, \"end\": {}, \"hard_start\": true, \"state\": \"{}\"}}",
                      q(fmt::format("{}/{}", context, n.name)), q(g.cluster), q(n.name), q(kind), q(reason),
                      q(format_rfc3339(*start)), q(format_rfc3339(*start + duration)), state));
    }
  }

  // The clusters, each with the node label that names its islands when one label names them all
  // (flex --contiguous's nodeSelector; docs/kubernetes.md).
  void write_clusters() {
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      const auto& keys = island_labels[clusters[c]];
      std::string item = cluster_items[c];
      if (keys.size() == 1 && !keys.begin()->empty()) item += ", \"island_label\": " + q(*keys.begin());
      add_item(out.items[0], item + "}");
    }
  }

  void run() {
    build_clusters();
    build_islands();
    write_clusters();
    build_nodes();
    if (o.kueue)
      build_kueue_quotas();
    else
      build_resource_quotas();
    build_jobs();
    if (o.kueue) check_usage();
    build_maintenance();
  }
};

// The context's access (kubeconfig.cpp), checked, into `f`. What the kubeconfig says that the
// user should know (insecure-skip-tls-verify, unsupported fields) is said at once, before any
// request: a run that then fails still shows it.
Access prepare(const SourceOptions& options, Fetcher& f) {
  const std::string wanted = options.source.size() > 5 ? options.source.substr(5) : std::string();
  Access access = load_access(wanted, options.kubeconfig, options.timeout);
  const std::string shown = display_source(access.server);
  for (const auto& w : access.warnings) options.warn(w);
  if (access.insecure)
    options.warn(fmt::format("context \"{}\" has insecure-skip-tls-verify: the API server's certificate is not "
                             "checked",
                             access.context));
  if (access.token && token_in_clear(access.server) && !options.allow_insecure_token)
    throw UsageError(fmt::format("context \"{}\": refusing to send its token over plain http to {}; use https, or "
                                 "pass --allow-insecure-token",
                                 access.context, shown));
  f.http = options;
  f.http.token = access.token;
  f.http.ca_pem = access.ca_pem;
  f.http.client_cert_pem = access.cert_pem;
  f.http.client_key_pem = access.key_pem;
  f.http.insecure_skip_verify = access.insecure;
  f.server = access.server;
  f.shown = shown;
  f.context = access.context;
  return access;
}

// Reads the cluster of `options.source` (every list fetched concurrently, paginated) and
// translates its objects. Throws RuntimeError (kubeconfig, auth, HTTP), DataError (objects
// that are not what Kubernetes serves), InterruptedError.
Items read_cluster(const SourceOptions& options, const source::Cancel* parent) {
  Fetcher f;
  const Access access = prepare(options, f);

  const std::string kueue = "/apis/kueue.x-k8s.io/";
  auto versions = [&](const char* resource, bool alpha) {
    std::vector<std::string> paths{kueue + "v1beta2/" + resource, kueue + "v1beta1/" + resource};
    if (alpha) paths.push_back(kueue + "v1alpha1/" + resource);
    return paths;
  };
  const std::vector<Endpoint> core = {
      {"nodes", "NodeList", {"/api/v1/nodes"}, read_node},
      {"pods", "PodList", {"/api/v1/pods"}, read_pod},
      {"resourcequotas", "ResourceQuotaList", {"/api/v1/resourcequotas"}, read_resource_quota},
  };
  const std::vector<Endpoint> kueue_lists = {
      {"clusterqueues", "ClusterQueueList", versions("clusterqueues", false), read_cluster_queue},
      {"localqueues", "LocalQueueList", versions("localqueues", false), read_local_queue},
      {"resourceflavors", "ResourceFlavorList", versions("resourceflavors", false), read_flavor},
      {"cohorts", "CohortList", versions("cohorts", true), read_cohort},
      {"topologies", "TopologyList", versions("topologies", true), read_topology},
      {"workloads", "WorkloadList", versions("workloads", false), read_workload},
  };
  // Only to follow pods' owners up to a Workload's owner: a 403 or 404 is a warning, not a failure.
  const Endpoint batch_jobs{"jobs", "JobList", {"/apis/batch/v1/jobs"}, read_batch_job, true};
  std::vector<const Endpoint*> all;
  for (const auto& e : core) all.push_back(&e);
  for (const auto& e : kueue_lists) all.push_back(&e);
  all.push_back(&batch_jobs);
  std::vector<Objects> parts(all.size());
  std::vector<char> found(all.size(), 0);
  std::vector<std::string> paths(all.size());
  std::string version; // `fleetcap sources`: Kubernetes' own (GET /version), asked only then
  http::global_init();
  source::Tasks lists(parent);
  for (std::size_t i = 0; i < all.size(); ++i)
    lists.spawn([&, i](source::Cancel& cancel) { found[i] = f.list(*all[i], parts[i], cancel, paths[i]); });
  if (options.describe) lists.spawn([&](source::Cancel& cancel) { version = f.version(cancel); });
  lists.join();
  for (std::size_t i = 0; i < core.size(); ++i)
    if (!found[i])
      throw RuntimeError(fmt::format("context \"{}\": {} answered 404 for {}; is it a Kubernetes API server?",
                                     access.context, f.shown, all[i]->name));

  Objects o;
  o.nodes = std::move(parts[0].nodes);
  o.pods = std::move(parts[1].pods);
  o.quotas = std::move(parts[2].quotas);
  o.kueue = found[3];
  o.cqs = std::move(parts[3].cqs);
  o.cq_api_version = std::move(parts[3].cq_api_version); // -o kueue writes ClusterQueues in it
  o.lqs = std::move(parts[4].lqs);
  o.flavors = std::move(parts[5].flavors);
  o.cohorts = std::move(parts[6].cohorts);
  o.topologies = std::move(parts[7].topologies);
  o.workloads = std::move(parts[8].workloads);
  o.job_owners = std::move(parts[9].job_owners);
  const bool jobs_listed = found[9]; // else pods match Workloads by their direct owner only

  Translation t(
      options, access.context, o,
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  if (!o.kueue)
    t.warn(fmt::format("context \"{}\" has no Kueue (kueue.x-k8s.io answered 404): quota comes from ResourceQuotas",
                       access.context));
  if (o.kueue && !jobs_listed)
    t.warn(fmt::format("context \"{}\": batch/v1 jobs could not be listed (403 or 404): pods are matched to Kueue "
                       "Workloads by their direct owner only, so pods of a JobSet's (or any owner's) Jobs count as "
                       "flex (kubectl auth can-i list jobs.batch -A)",
                       access.context));
  t.run();
  t.out.source = "kube:" + access.context;
  t.out.auth = access.auth;
  // Kueue's API version: the one its ClusterQueues were listed at (kueue.x-k8s.io/v1beta1).
  const std::string kueue_api =
      o.kueue ? paths[3].substr(std::string_view("/apis/").size(), paths[3].rfind('/') - 6) : std::string();
  t.out.version = fmt::format("Kubernetes {}, {}", version.empty() ? "?" : version,
                              kueue_api.empty() ? "no Kueue" : "Kueue " + kueue_api);
  return std::move(t.out);
}

} // namespace
} // namespace fleetcap::kube

namespace fleetcap::source {
namespace {

class KubeSource : public Source {
public:
  explicit KubeSource(const SourceOptions& options) : options_(options) {}
  void load(Loader& loader) override {
    kube::Items items = kube::read_cluster(options_, loader.cancel());
    loader.describe(items.version, items.auth);
    Snapshot& snap = loader.snapshot();
    snap.source = items.source;
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      if (!loader.wanted(kResources[i])) continue;
      std::string page = "{\"api_version\": \"v1\", \"items\": [\n";
      page += items.items[i];
      page += "\n], \"next_page_token\": null}";
      items.items[i].clear();
      items.items[i].shrink_to_fit();
      loader.parse_built_page(kResources[i], fmt::format("{} {}", items.source, to_string(kResources[i])), page);
    }
    loader.link_while_waiting();
    snap.warnings.insert(snap.warnings.end(), items.warnings.begin(), items.warnings.end());
  }

private:
  const SourceOptions& options_;
};

} // namespace

std::unique_ptr<Source> make_kube_source(const SourceOptions& options) { return std::make_unique<KubeSource>(options); }

// The config file's [kube.priority] table (docs/kubernetes.md): CLASS = the lowest priority
// value of that class, e.g. high = 1000. The thresholds must fall from critical to low, so
// every class named can be reached.
void configure_kube(KindConfig& c, SourceOptions& o) {
  auto& priority = o.kube_priority;
  const std::string table = c.subtable_name("priority");
  for (const auto& e : c.entries("priority")) {
    const std::optional<Priority> cls = priority_from(e.key);
    if (!cls)
      throw UsageError(fmt::format("{}: {} key \"{}\" is not one of critical, high, mid, low", e.where, table, e.key));
    if (!e.integer)
      throw UsageError(fmt::format("{}: {} {} = {} must be an integer (the lowest priority value of the class, e.g. "
                                   "{} = 1000)",
                                   e.where, table, e.key, e.shown, e.key));
    std::erase_if(priority, [&](const auto& p) { return p.first == *cls; });
    priority.emplace_back(*cls, *e.integer);
  }
  std::sort(priority.begin(), priority.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 1; i < priority.size(); ++i)
    if (priority[i].second >= priority[i - 1].second)
      throw UsageError(fmt::format("{}: {} {} = {} must be below {} = {} (a higher class needs a higher priority "
                                   "value)",
                                   c.where("priority"), table, to_string(priority[i].first), priority[i].second,
                                   to_string(priority[i - 1].first), priority[i - 1].second));
}

} // namespace fleetcap::source
