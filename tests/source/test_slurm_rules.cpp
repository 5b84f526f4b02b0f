// Slurm's preemption and limits as fleetcap reads them (src/source/slurm_rules.cpp,
// docs/slurm.md): which jobs are reclaimable under each PreemptType, and what bad setups get —
// a Preempt list naming a QOS Slurm does not have, a preemption cycle, a limit on a GPU type no
// node has — each a warning naming the object, and figures as Slurm would compute them.
#include "source/slurm.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace fleetcap;
using namespace fleetcap::source::slurm;

namespace {
struct Warnings {
  std::map<std::string, std::string> said; // key -> text
  Warn sink() {
    return [this](const std::string& key, const std::string& text) { said[key] = text; };
  }
};

QosRule qos(std::string name, std::vector<std::string> preempts = {}, std::string mode = "") {
  return {std::move(name), std::move(preempts), std::move(mode), {}};
}
} // namespace

TEST_CASE("slurm rules: preempt/qos reclaims exactly the QOS another QOS's Preempt list names", "[slurm-rules]") {
  Warnings w;
  const Preemption p(
      PreemptionSetup{"preempt/qos", "REQUEUE", {qos("normal", {"scavenger"}), qos("scavenger"), qos("capped")}, {}},
      w.sink());
  CHECK(p.reclaimable("scavenger", "gpu", {"n1"}));
  CHECK_FALSE(p.reclaimable("normal", "gpu", {"n1"}));
  CHECK_FALSE(p.reclaimable("capped", "gpu", {"n1"})); // in no Preempt list: stable use
  CHECK(w.said.empty());
  // A QOS whose PreemptMode is OFF follows the cluster's; with the cluster's OFF too, nobody is.
  const Preemption off(
      PreemptionSetup{"preempt/qos", "OFF", {qos("normal", {"scavenger"}), qos("scavenger", {}, "OFF")}, {}}, w.sink());
  CHECK_FALSE(off.reclaimable("scavenger", "gpu", {"n1"}));
}

TEST_CASE("slurm rules: a Preempt list naming a QOS Slurm does not have is warned and left out", "[slurm-rules]") {
  Warnings w;
  const Preemption p(PreemptionSetup{"preempt/qos", "", {qos("normal", {"ghost", "scavenger"}), qos("scavenger")}, {}},
                     w.sink());
  REQUIRE(w.said.count("preempt-unknown:normal/ghost"));
  CHECK(w.said["preempt-unknown:normal/ghost"] ==
        "QOS normal's Preempt list names QOS ghost, which Slurm does not have; left out");
  CHECK_FALSE(p.reclaimable("ghost", "gpu", {"n1"}));
  CHECK(p.reclaimable("scavenger", "gpu", {"n1"})); // the rest of the list still counts
}

TEST_CASE("slurm rules: a preemption cycle is warned once, and each side is reclaimable", "[slurm-rules]") {
  Warnings w;
  const Preemption p(PreemptionSetup{"preempt/qos", "", {qos("a", {"b"}), qos("b", {"a"}), qos("c")}, {}}, w.sink());
  CHECK(w.said.size() == 1);
  CHECK(w.said.count("preempt-cycle:a/b"));
  CHECK(p.reclaimable("a", "gpu", {"n1"}));
  CHECK(p.reclaimable("b", "gpu", {"n1"}));
  CHECK_FALSE(p.reclaimable("c", "gpu", {"n1"}));
}

TEST_CASE("slurm rules: preempt/none reclaims nobody; partition_prio a lower tier sharing nodes", "[slurm-rules]") {
  Warnings w;
  const std::vector<PartitionRule> parts = {
      {"gpu", {"n1", "n2", "n3"}, 1}, {"prio", {"n1", "n2"}, 10}, {"solo", {"n9"}, 1}};
  const Preemption none(PreemptionSetup{"preempt/none", "", {qos("normal", {"scavenger"}), qos("scavenger")}, parts},
                        w.sink());
  CHECK_FALSE(none.reclaimable("scavenger", "gpu", {"n1"}));
  const Preemption prio(PreemptionSetup{"preempt/partition_prio", "", {}, parts}, w.sink());
  CHECK(prio.reclaimable("normal", "gpu", {"n2"}));        // prio (tier 10) shares n2
  CHECK_FALSE(prio.reclaimable("normal", "gpu", {"n3"}));  // only gpu holds n3
  CHECK_FALSE(prio.reclaimable("normal", "prio", {"n1"})); // the top tier is nobody's to take
  CHECK_FALSE(prio.reclaimable("normal", "solo", {"n9"}));
  CHECK(prio.reclaimable("normal", "solo,gpu", {})); // pending, asked for two: gpu's nodes count
  CHECK(w.said.empty());
}

TEST_CASE("slurm rules: an unknown PreemptType is guessed from the setup, and said", "[slurm-rules]") {
  Warnings w;
  const Preemption p(PreemptionSetup{"", "", {qos("normal", {"scavenger"}), qos("scavenger")}, {}}, w.sink());
  CHECK(p.type() == "preempt/qos");
  REQUIRE(w.said.count("preempt-type"));
  CHECK(w.said["preempt-type"].find("[slurm] preempt-type = \"preempt/qos\"") != std::string::npos);
  Warnings w2;
  const Preemption q(PreemptionSetup{"", "", {qos("normal")}, {}}, w2.sink());
  CHECK(q.type() == "preempt/none");
}

TEST_CASE("slurm rules: limits become caps; a GPU type no node has is warned and binds nothing", "[slurm-rules]") {
  Warnings w;
  QuotaInputs in;
  in.accounts = {{"research", "root", {{"", 40}}, ""},
                 {"pretrain", "research", {{"h100", 32}, {"b200", 8}}, ""},
                 {"chat", "root", {{"", 24}}, ""}};
  in.qos = {{"capped", {}, "", {{"h200", 16}}}};
  in.type_names = {"h100", "h200"};
  in.type_gpus = {64, 64};
  in.type_index = [](std::string_view t) -> std::optional<std::size_t> {
    if (t == "h100") return 0;
    if (t == "h200") return 1;
    return std::nullopt;
  };
  in.use = [](const std::string& holder, std::size_t t) -> Gpus { return holder == "chat" && t == 1 ? 8 : 0; };
  const QuotaPlan plan(in, w.sink());
  REQUIRE(w.said.count("no-type:account:pretrain:b200"));
  CHECK(w.said["no-type:account:pretrain:b200"] ==
        "account pretrain limits gres/gpu:b200 but no node has that GPU type; it binds no job fleetcap sees");
  std::map<std::string, Gpus> caps;
  for (const auto& c : plan.caps) caps[c.name] = c.gpus;
  CHECK(caps == std::map<std::string, Gpus>{{"account chat gres/gpu", 24},
                                            {"account pretrain gres/gpu:h100", 32},
                                            {"account research gres/gpu", 40},
                                            {"qos capped gres/gpu:h200", 16}});
  // research's limit is above pretrain's: pretrain is the leaf, research a cap on it. chat's
  // untyped limit is assigned where its jobs run (h200), cap-only in h100.
  std::map<std::string, std::pair<std::optional<Gpus>, std::string>> leaves;
  for (const auto& l : plan.leaves) leaves[l.name] = {l.gpus, l.tres};
  CHECK(leaves.size() == 3);
  CHECK(leaves["pretrain"] == std::pair<std::optional<Gpus>, std::string>{32, "gres/gpu:h100"});
  CHECK(leaves["chat/h200"] == std::pair<std::optional<Gpus>, std::string>{24, "gres/gpu"});
  CHECK(leaves["chat/h100"] == std::pair<std::optional<Gpus>, std::string>{std::nullopt, ""});
}
