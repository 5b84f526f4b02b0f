// Slurm's own commands (src/source/slurm_cli.cpp): their parsable text forms read into the
// translation's JSON (slurm_parsable.cpp), ssh targets and remote quoting (ssh.cpp), and the one
// command runner (command.cpp). The commands themselves: tests/e2e/test_slurm_lab_cli.py.
#include "fleetcap/error.hpp"
#include "source/command.hpp"
#include "source/slurm.hpp"
#include "source/ssh.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace fleetcap;
using namespace fleetcap::source;
using nlohmann::json;

TEST_CASE("scontrol -o show reservation text becomes v0.0.38 reservations", "[slurm][cli]") {
  std::vector<std::string> errors;
  const std::string text =
      "ReservationName=maint-now StartTime=2026-12-07T03:54:27 EndTime=2026-12-07T07:54:27 Duration=04:00:00 "
      "Nodes=h200-03 NodeCnt=1 Flags=MAINT,IGNORE_JOBS,SPEC_NODES TRES=cpu=64 Users=root Accounts=(null)\n"
      "ReservationName=all StartTime=2026-12-07T00:00:00 EndTime=Unknown Nodes=(null) Flags=MAINT Comment=two "
      "words\n";
  const json doc = json::parse(slurm::reservations_from_scontrol(text, "scontrol", errors));
  REQUIRE(errors.empty());
  const json& r = doc["reservations"];
  REQUIRE(r.size() == 2);
  CHECK(r[0]["name"] == "maint-now");
  CHECK(r[0]["node_list"] == "h200-03");
  CHECK(r[0]["flags"] == "MAINT,IGNORE_JOBS,SPEC_NODES");
  CHECK(r[0]["start_time"] == 1796615667); // 2026-12-07T03:54:27Z
  CHECK(r[0]["end_time"].get<long>() - r[0]["start_time"].get<long>() == 4 * 3600);
  CHECK(r[1]["node_list"] == "");         // (null): the whole cluster
  CHECK_FALSE(r[1].contains("end_time")); // Unknown: open-ended
  CHECK(r[1]["comment"] == "two words");  // a value with a space
}

TEST_CASE("scontrol text without reservations, and bad lines", "[slurm][cli]") {
  std::vector<std::string> errors;
  CHECK(json::parse(slurm::reservations_from_scontrol("No reservations in the system\n", "l", errors))["reservations"]
            .empty());
  CHECK(errors.empty());
  slurm::reservations_from_scontrol("StartTime=2026-12-07T00:00:00\nReservationName=x StartTime=soon\n", "L", errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "L: line 1: no ReservationName= in \"StartTime=2026-12-07T00:00:00\"");
  CHECK(errors[1] == "L: line 2 \"x\": StartTime=soon is not a time like 2025-01-31T12:00:00");
}

TEST_CASE("sacctmgr -P -n assoc and qos text become v0.0.38 lists", "[slurm][cli]") {
  std::vector<std::string> errors;
  const std::string assoc = "lab|root||||\n"
                            "lab|evals||research|gres/gpu:h100=16,gres/gpu:h200=8,cpu=64,mem=500G|\n"
                            "lab|evals|alice|||capped\n"
                            "lab|chat||applied|gres/gpu=24||\n"; // -p's trailing | is accepted
  const json a = json::parse(slurm::associations_from_sacctmgr(assoc, "sacctmgr", errors))["associations"];
  REQUIRE(errors.empty());
  REQUIRE(a.size() == 4);
  CHECK(a[0]["parent_account"].is_null());
  CHECK(a[1]["parent_account"] == "research");
  CHECK(a[1]["user"].is_null());
  CHECK(a[1]["max"]["tres"]["total"] ==
        json::parse(R"([{"type": "gres", "name": "gpu:h100", "count": 16}, {"type": "gres", "name": "gpu:h200",
                        "count": 8}])"));
  CHECK(a[2]["user"] == "alice");
  CHECK(a[2]["default"]["qos"] == "capped"); // DefaultQOS: the QOS a job of the account gets
  CHECK(a[3]["max"]["tres"]["total"][0]["name"] == "gpu");
  // Name|GrpTRES|Preempt|PreemptMode: the QOS rules of docs/slurm.md
  const json q = json::parse(slurm::qos_from_sacctmgr(
      "normal|||cluster\ncapped|gres/gpu:h200=16||cluster\nhigh||normal,scavenger|requeue\n", "s", errors))["qos"];
  REQUIRE(q.size() == 3);
  CHECK(q[1]["limits"]["max"]["tres"]["total"][0]["count"] == 16);
  CHECK(q[0]["preempt"] == json::parse(R"({"list": [], "mode": []})"));
  CHECK(q[2]["preempt"] == json::parse(R"({"list": ["normal", "scavenger"], "mode": ["requeue"]})"));

  slurm::associations_from_sacctmgr("lab|x||root|gres/gpu=-3|\nlab|y\n", "S", errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "S: line 1 \"x\": GrpTRES \"gres/gpu=-3\" is not a TRES list like gres/gpu:h100=8");
  CHECK(errors[1] == "S: line 2: expected 6 fields separated by |, got 2: \"lab|y\"");
}

TEST_CASE("scontrol partitions and config: what the preemption rules read", "[slurm][cli]") {
  std::vector<std::string> errors;
  const json p = json::parse(slurm::partitions_from_scontrol(
      "PartitionName=gpu AllowGroups=ALL Default=YES Nodes=h100-[01-08],h200-[01-08] PriorityTier=1 State=UP\n"
      "PartitionName=prio Nodes=h100-[01-04] PriorityJobFactor=1 PriorityTier=2\n",
      "scontrol", errors))["partitions"];
  REQUIRE(errors.empty());
  CHECK(p == json::parse(R"([{"name": "gpu", "nodes": "h100-[01-08],h200-[01-08]", "priority_tier": 1},
                             {"name": "prio", "nodes": "h100-[01-04]", "priority_tier": 2}])"));
  const auto c = slurm::preempt_from_config("Configuration data as of 2026-12-07T00:00:00\n"
                                            "PreemptMode             = REQUEUE\n"
                                            "PreemptType             = preempt/qos\n"
                                            "PreemptExemptTime       = 00:00:00\n");
  CHECK(c.type == "preempt/qos");
  CHECK(c.mode == "REQUEUE");
}

TEST_CASE("sacctmgr clusters: those whose slurmctld registered", "[slurm][cli]") {
  std::vector<std::string> skipped;
  const auto names = slurm::clusters_from_sacctmgr("lab|127.0.0.1\nlab2|10.0.0.2\nold|\n", "s", skipped);
  CHECK(names == std::vector<std::string>{"lab", "lab2"});
  CHECK(skipped == std::vector<std::string>{"old"});
  CHECK_THROWS_AS(slurm::clusters_from_sacctmgr("a|b|c\n", "s", skipped), DataError);
}

TEST_CASE("ssh targets", "[ssh]") {
  auto t = ssh::parse_target("alice@login1.example:2222/all", "s");
  CHECK((t.user == "alice" && t.host == "login1.example" && t.port == 2222 && t.rest == "/all"));
  CHECK(t.shown() == "alice@login1.example:2222");
  t = ssh::parse_target("[::1]:22", "s");
  CHECK((t.host == "::1" && t.port == 22 && t.shown() == "[::1]:22"));
  t = ssh::parse_target("login1", "s");
  CHECK((t.user.empty() && t.port == 0 && t.shown() == "login1"));
  for (const char* bad : {"", "-oProxyCommand=x", "host:0", "host:65536", "host:", "a b", "@host", "[::1", "[x]"})
    CHECK_THROWS_AS(ssh::parse_target(bad, "s"), UsageError);
}

TEST_CASE("remote commands are quoted for the far side's shell", "[ssh]") {
  CHECK(ssh::remote_command({"env", "TZ=UTC", "squeue", "--json", "-M", "lab"}) == "env TZ=UTC squeue --json -M lab");
  CHECK(ssh::remote_command({"echo", "a b", "it's", ""}) == "echo 'a b' 'it'\\''s' ''");
  CHECK(ssh::remote_command({"x;rm", "$(id)"}) == "'x;rm' '$(id)'");
}

TEST_CASE("the command runner: output, status, limits", "[command]") {
  command::Spec spec;
  spec.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"};
  auto r = command::run(spec);
  CHECK((r.end == command::End::exited && r.code == 3 && r.out == "out\n" && r.err == "err\n"));
  CHECK(command::describe(r) == "exit status 3");

  spec.argv = {"sh", "-c", "echo \"$FLEETCAP_TEST_VALUE\""};
  spec.env = {"FLEETCAP_TEST_VALUE=set here"};
  CHECK(command::run(spec).out == "set here\n");

  spec.env.clear();
  spec.argv = {"sh", "-c", "head -c 300000 /dev/zero"};
  spec.max_out = 100000;
  CHECK(command::run(spec).end == command::End::too_much);

  spec.max_out = 1 << 20;
  spec.argv = {"sh", "-c", "sleep 30"};
  spec.timeout = 0.2;
  CHECK(command::run(spec).end == command::End::timed_out);

  spec.argv = {"fleetcap-no-such-command-here"};
  CHECK(command::run(spec).end == command::End::not_found);
  spec.argv = {"/dev/null"};
  CHECK(command::run(spec).end == command::End::not_found); // not executable

  spec.timeout = 0;
  spec.argv = {"sh", "-c", "kill -9 $$"};
  r = command::run(spec);
  CHECK((r.end == command::End::signalled && r.code == 9));
}
