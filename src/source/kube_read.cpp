// The Kubernetes adapter's reading (docs/kubernetes.md): each page of a list parsed with simdjson
// On Demand as it arrives, one pass over each object's fields in any order, into the adapter's
// own structs (kube_internal.hpp). Fields fleetcap does not use are skipped unread.
#include "fleetcap/error.hpp"
#include "fleetcap/text.hpp"
#include "kube_internal.hpp"
#include "model/json_key.hpp"
#include "model/json_tail.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <stdexcept>

namespace fleetcap::kube {
namespace {
namespace od = simdjson::ondemand;

// ---------------------------------------------------------------------------------------------
// Reading JSON with simdjson On Demand: one pass over each object's fields, in any order.

std::string text(od::value v) {
  if (v.type() == od::json_type::null) return {};
  if (v.type() == od::json_type::string) return std::string(std::string_view(v.get_string()));
  return std::string(v.raw_json_token());
}

template <class F> void each_field(od::value v, F&& f) {
  if (v.type() == od::json_type::null) return;
  // The key is a view of the page, or of simdjson's unescaped copy: valid while the page is read.
  for (auto field : v.get_object()) f(key_of(field), field.value());
}

template <class F> void each_item(od::value v, F&& f) {
  if (v.type() == od::json_type::null) return;
  for (auto item : v.get_array()) f(item.value());
}

} // namespace

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

namespace {

std::int64_t gpu_count(const std::string& q, const char* where) {
  auto n = quantity(q);
  if (!n) throw std::invalid_argument(fmt::format("{} \"{}\" is not a whole number of GPUs", where, q));
  return *n;
}

std::int64_t gpu_quantity(od::value v, const char* where) { return gpu_count(text(v), where); }

Labels labels_of(od::value v) {
  Labels out;
  each_field(v, [&](std::string_view k, od::value x) { out.emplace_back(k, text(x)); });
  return out;
}

std::vector<Condition> conditions_of(od::value v) {
  std::vector<Condition> out;
  each_item(v, [&](od::value c) {
    Condition cond;
    each_field(c, [&](std::string_view k, od::value x) {
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
    each_field(c, [&](std::string_view k, od::value x) {
      if (k != "resources") return;
      each_field(x, [&](std::string_view kind, od::value m) {
        if (kind != "requests" && kind != "limits") return;
        each_field(m, [&](std::string_view res, od::value q) {
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
  each_field(spec, [&](std::string_view k, od::value x) {
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
  each_field(v, [&](std::string_view k, od::value x) {
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
        each_field(o, [&](std::string_view f, od::value y) {
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
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, true);
      n.name = std::move(m.name);
      n.labels = std::move(m.labels);
    } else if (k == "spec") {
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "unschedulable")
          n.unschedulable = y.type() == od::json_type::boolean && bool(y.get_bool());
        else if (f == "providerID")
          n.provider_id = text(y);
        else if (f == "taints")
          each_item(y, [&](od::value t) {
            Taint taint;
            each_field(t, [&](std::string_view g, od::value z) {
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
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "capacity" || f == "allocatable")
          each_field(y, [&](std::string_view res, od::value q) {
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
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata")
      m = meta_of(x, false);
    else if (k == "spec")
      p.gpus = spec_gpus(x, &p.node, &p.priority);
    else if (k == "status")
      each_field(x, [&](std::string_view f, od::value y) {
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
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, false);
      q.name = m.name;
      q.ns = m.ns;
    } else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "hard")
          each_field(y, [&](std::string_view res, od::value z) {
            if (res == "requests.nvidia.com/gpu") q.hard = gpu_quantity(z, "hard requests.nvidia.com/gpu");
          });
      });
  });
  if (q.hard) o.quotas.push_back(std::move(q));
}

// spec.preemption: reclaimWithinCohort, withinClusterQueue, borrowWithinCohort.policy.
void read_preemption(od::value v, ClusterQueue& cq) {
  each_field(v, [&](std::string_view g, od::value z) {
    if (g == "reclaimWithinCohort")
      cq.reclaim = text(z);
    else if (g == "withinClusterQueue")
      cq.within = text(z);
    else if (g == "borrowWithinCohort")
      each_field(z, [&](std::string_view h, od::value t) {
        if (h == "policy") cq.borrow = text(t);
      });
  });
}

// One flavor's resources of a resource group: every one kept as written (overalloc plan -o kueue),
// nvidia.com/gpu's also as GPU counts into `fq`. Returns whether the flavor quotes GPUs.
bool read_flavor_resources(od::value v, KueueFlavor& kf, FlavorQuota& fq) {
  bool gpu = false;
  each_item(v, [&](od::value r) {
    std::string name, nominal, borrowing, lending;
    each_field(r, [&](std::string_view i, od::value u) {
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
  return gpu;
}

// One of spec.resourceGroups: into cq.groups whole, and each flavor that quotes GPUs into cq.gpu.
void read_resource_group(od::value group, ClusterQueue& cq) {
  KueueResourceGroup& rg = cq.groups.emplace_back();
  each_field(group, [&](std::string_view g, od::value z) {
    if (g == "coveredResources") each_item(z, [&](od::value r) { rg.covered_resources.push_back(text(r)); });
    if (g != "flavors") return;
    each_item(z, [&](od::value fl) {
      FlavorQuota fq;
      KueueFlavor& kf = rg.flavors.emplace_back();
      bool gpu = false;
      each_field(fl, [&](std::string_view h, od::value w) {
        if (h == "name")
          kf.name = fq.flavor = text(w);
        else if (h == "resources")
          gpu = read_flavor_resources(w, kf, fq) || gpu;
      });
      if (gpu) cq.gpu.push_back(std::move(fq));
    });
  });
}

// status.flavorsUsage: the GPUs in use per flavor, as Kueue counts them.
void read_flavors_usage(od::value v, ClusterQueue& cq) {
  each_item(v, [&](od::value fl) {
    std::string flavor;
    std::int64_t total = -1;
    each_field(fl, [&](std::string_view h, od::value w) {
      if (h == "name")
        flavor = text(w);
      else if (h == "resources")
        each_item(w, [&](od::value r) {
          std::string name, t;
          each_field(r, [&](std::string_view i, od::value u) {
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
}

void read_cluster_queue(od::value v, Objects& o) {
  ClusterQueue cq;
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata")
      cq.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "cohort" || f == "cohortName")
          cq.cohort = text(y);
        else if (f == "preemption")
          read_preemption(y, cq);
        else if (f == "resourceGroups")
          each_item(y, [&](od::value group) { read_resource_group(group, cq); });
      });
    else if (k == "status")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "flavorsUsage") read_flavors_usage(y, cq);
      });
  });
  o.cqs.push_back(std::move(cq));
}

void read_local_queue(od::value v, Objects& o) {
  LocalQueue lq;
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata") {
      Meta m = meta_of(x, false);
      lq.name = m.name;
      lq.ns = m.ns;
    } else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "clusterQueue") lq.cluster_queue = text(y);
      });
  });
  o.lqs.push_back(std::move(lq));
}

void read_flavor(od::value v, Objects& o) {
  Flavor fl;
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata")
      fl.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
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
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata")
      c.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "parent" || f == "parentName")
          c.parent = text(y);
        else if (f == "resourceGroups")
          each_item(y, [&](od::value group) {
            each_field(group, [&](std::string_view g, od::value z) {
              if (g != "flavors") return;
              each_item(z, [&](od::value fl) {
                each_field(fl, [&](std::string_view h, od::value w) {
                  if (h != "resources") return;
                  each_item(w, [&](od::value r) {
                    std::string name, n;
                    each_field(r, [&](std::string_view i, od::value u) {
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
  each_field(v, [&](std::string_view k, od::value x) {
    if (k == "metadata")
      t.name = meta_of(x, false).name;
    else if (k == "spec")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "levels")
          each_item(y, [&](od::value level) {
            each_field(level, [&](std::string_view g, od::value z) {
              if (g == "nodeLabel") t.levels.push_back(text(z));
            });
          });
      });
  });
  o.topologies.push_back(std::move(t));
}

// spec.podSets: the GPUs a pending Workload asks for (count x each pod's GPUs).
void read_pod_sets(od::value v, Workload& w) {
  each_item(v, [&](od::value ps) {
    std::int64_t count = 1, per_pod = 0;
    each_field(ps, [&](std::string_view g, od::value z) {
      if (g == "count")
        count = int64_t(z.get_int64());
      else if (g == "template")
        each_field(z, [&](std::string_view h, od::value t) {
          if (h == "spec") per_pod = spec_gpus(t);
        });
    });
    w.requested_gpus += count * per_pod;
  });
}

// status.admission: its ClusterQueue, the GPU flavors assigned and the GPUs they hold.
void read_admission(od::value v, Workload& w) {
  each_field(v, [&](std::string_view g, od::value z) {
    if (g == "clusterQueue")
      w.cluster_queue = text(z);
    else if (g == "podSetAssignments")
      each_item(z, [&](od::value a) {
        each_field(a, [&](std::string_view h, od::value t) {
          if (h == "flavors")
            each_field(t, [&](std::string_view res, od::value fl) {
              if (res == kGpu) w.flavors.push_back(text(fl));
            });
          else if (h == "resourceUsage")
            each_field(t, [&](std::string_view res, od::value q) {
              if (res == kGpu) w.admitted_gpus += gpu_quantity(q, "resourceUsage nvidia.com/gpu");
            });
        });
      });
  });
}

// status.conditions: Admitted (since when), Finished, and why it waits.
void read_workload_conditions(od::value v, Workload& w) {
  for (auto& c : conditions_of(v)) {
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
}

void read_workload(od::value v, Objects& o) {
  Workload w;
  each_field(v, [&](std::string_view k, od::value x) {
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
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "queueName")
          w.queue = text(y);
        else if (f == "priority")
          w.priority = priority_value(y);
        else if (f == "podSets")
          read_pod_sets(y, w);
      });
    else if (k == "status")
      each_field(x, [&](std::string_view f, od::value y) {
        if (f == "admission")
          read_admission(y, w);
        else if (f == "conditions")
          read_workload_conditions(y, w);
      });
  });
  if (w.cluster_queue.empty()) w.admitted = false;
  if (!w.finished) o.workloads.push_back(std::move(w));
}

// Each list's item reader, by List.
using ItemReader = void (*)(od::value, Objects&);
constexpr std::array<ItemReader, 10> kReaders = {
    read_node,   read_pod,    read_resource_quota, read_cluster_queue, read_local_queue,
    read_flavor, read_cohort, read_topology,       read_workload,      read_batch_job};

} // namespace

std::string parse_page(std::string& body, const std::string& url, const Endpoint& e, Objects& into,
                       const std::function<void(const std::string&)>& on_continue) {
  thread_local od::parser parser;
  if (body.capacity() - body.size() < simdjson::SIMDJSON_PADDING)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  const ItemReader read = kReaders[static_cast<std::size_t>(e.list)];
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
      } else if (key == "apiVersion" && e.list == List::clusterqueues) {
        into.cq_api_version = text(v);
      } else if (key == "metadata")
        each_field(v, [&](std::string_view k, od::value x) {
          if (k != "continue") return;
          if (x.type() != od::json_type::string && x.type() != od::json_type::null)
            throw DataError({fmt::format("GET {}: {} has metadata.continue that is not a string or null, got {}; "
                                         "the pages cannot go on",
                                         url, e.name, quote_from_server(x.raw_json_token(), 60))});
          cont = text(x);
          if (!cont.empty() && on_continue) on_continue(cont);
        });
      else if (key == "items")
        each_item(v, [&](od::value item) {
          read(item, into);
          ++index;
        });
    }
    if (more_after(doc))
      throw DataError({fmt::format("{}: invalid JSON in GET {} at {}", e.name, url, after_document(doc, body))});
  } catch (const simdjson::simdjson_error& err) {
    throw DataError({fmt::format("GET {}: {}[{}] is not what Kubernetes serves: {}", url, e.name, index, err.what())});
  } catch (const std::invalid_argument& err) {
    throw DataError({fmt::format("GET {}: {}[{}]: {}", url, e.name, index, err.what())});
  }
  return cont;
}

} // namespace fleetcap::kube
