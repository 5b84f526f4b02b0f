// One page of the fleet API into the model (src/model/parse.cpp): field types, missing fields,
// unknown fields, invalid JSON, api_version and pages that append (docs/fleet-api.md–docs/fleet-api.md).
#include "fleetcap/model/parse.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace fleetcap;

namespace {

struct Parsed {
  PageResult page;
  std::vector<std::string> errors;
};

Parsed parse(Resource r, Snapshot& snap, const std::string& items, const std::string& extra = "") {
  std::string bytes = "{\"api_version\": \"v1\", \"items\": [" + items + "]" + extra + "}";
  Parsed p;
  p.page = parse_page(r, "page", bytes, snap, p.errors);
  return p;
}

std::vector<std::string> errors_of(Resource r, const std::string& items) {
  Snapshot snap;
  return parse(r, snap, items).errors;
}

using Errors = std::vector<std::string>;

const std::string kNode0 =
    R"({"name": "t01", "cluster": "tiger", "island": "tiger-ib1", "gpus": 8, "health": "healthy"})";

std::string node(const std::string& name, const std::string& fields) {
  return R"({"name": ")" + name + R"(", "cluster": "tiger", "island": "tiger-ib1", )" + fields + "}";
}

} // namespace

TEST_CASE("a valid page fills the model") {
  Snapshot snap;
  auto p = parse(Resource::nodes, snap,
                 kNode0 + "," +
                     R"({"name": "t02", "cluster": "tiger", "island": "tiger-ib2", "gpus": 4, "health": "unhealthy",
                        "cordoned": true, "issues": [{"type": "xid-79", "detected_at": "2026-11-19T22:14:00Z",
                        "priority": "p0", "detail": "GPU fell off the bus"}]})");
  CHECK(p.errors.empty());
  CHECK(p.page.json_ok);
  CHECK(p.page.next_page_token.empty());
  REQUIRE(snap.nodes.size() == 2);
  CHECK(snap.nodes[0].name == "t01");
  CHECK(snap.nodes[0].gpus == 8);
  CHECK_FALSE(snap.nodes[0].cordoned); // default false
  CHECK(snap.nodes[1].island == "tiger-ib2");
  CHECK(snap.nodes[1].health == "unhealthy");
  CHECK(snap.nodes[1].cordoned);
  REQUIRE(snap.nodes[1].issues.size() == 1);
  CHECK(snap.nodes[1].issues[0].type == "xid-79");
  CHECK(snap.nodes[1].issues[0].priority == 0);
  CHECK(snap.nodes[1].issues[0].detected_at == parse_rfc3339("2026-11-19T22:14:00Z"));
}

TEST_CASE("field type errors name resource, index, item, field and the value (docs/fleet-api.md)") {
  // docs/fleet-api.md's own example, at index 1.
  CHECK(errors_of(Resource::nodes, kNode0 + "," + node("t02", R"("gpus": "8", "health": "healthy")")) ==
        Errors{R"(nodes[1] "t02": field "gpus" must be a non-negative integer, got "8")"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": -8, "health": "healthy")")) ==
        Errors{R"(nodes[0] "t01": field "gpus" must be a non-negative integer, got -8)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8.5, "health": "healthy")")) ==
        Errors{R"(nodes[0] "t01": field "gpus" must be a non-negative integer, got 8.5)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": true, "health": "healthy")")) ==
        Errors{R"(nodes[0] "t01": field "gpus" must be a non-negative integer, got true)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": [8], "health": "healthy")")) ==
        Errors{R"(nodes[0] "t01": field "gpus" must be a non-negative integer, got an array)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 18446744073709551615, "health": "healthy")")) ==
        Errors{R"(nodes[0] "t01": field "gpus" must be a non-negative integer, got 18446744073709551615)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8, "health": {"ok": 1})")) ==
        Errors{R"(nodes[0] "t01": field "health" must be a string, got an object)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8, "health": "healthy", "cordoned": "yes")")) ==
        Errors{R"(nodes[0] "t01": field "cordoned" must be true or false, got "yes")"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8, "health": "healthy", "issues": {})")) ==
        Errors{R"(nodes[0] "t01": field "issues" must be an array, got an object)"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8, "health": "healthy",
        "issues": [{"type": "x", "priority": "p9", "detected_at": "yesterday"}, 3])")) ==
        Errors{R"(nodes[0] "t01": field "issues[0].priority" must be one of p0, p1, p2, p3, got "p9")",
               R"(nodes[0] "t01": field "issues[0].detected_at" must be an RFC 3339 time, got "yesterday")",
               R"(nodes[0] "t01": field "issues[1]" must be an object, got 3)"});
}

TEST_CASE("the item's name is used even when it comes after the bad field") {
  CHECK(errors_of(Resource::nodes, R"({"gpus": "8", "cluster": "tiger", "island": "i", "health": "healthy",
                                       "name": "late"})") ==
        Errors{R"(nodes[0] "late": field "gpus" must be a non-negative integer, got "8")"});
}

TEST_CASE("errors of every resource's typed fields") {
  CHECK(
      errors_of(Resource::clusters,
                R"({"name": "tiger", "region": 5, "provider": "cw", "sku": "h100", "state": "live"})") ==
      Errors{
          R"(clusters[0] "tiger": field "region" must be a string, got 5)",
          R"(clusters[0] "tiger": field "state" must be one of planned, provisioning, provisioned, production, decommissioned, got "live")"});
  CHECK(errors_of(Resource::quotas, R"({"name": "q", "parent": 7, "cluster": "tiger", "gpus": 8,
                                        "access": ["a", 5]})") ==
        Errors{R"(quotas[0] "q": field "parent" must be a string, got 7)",
               R"(quotas[0] "q": field "access" must be an array of strings, got 5 at position 1)"});
  CHECK(errors_of(Resource::quotas, R"({"name": "q", "cluster": "tiger", "gpus": 8, "borrowing_limit": -1,
                                        "lending_limit": "2", "shared_gpus": 1.5})") ==
        Errors{R"(quotas[0] "q": field "borrowing_limit" must be a non-negative integer, got -1)",
               R"(quotas[0] "q": field "lending_limit" must be a non-negative integer, got "2")",
               R"(quotas[0] "q": field "shared_gpus" must be a non-negative integer, got 1.5)"});
  CHECK(errors_of(Resource::jobs, R"({"name": "j", "namespace": "ns", "quota": "flex", "cluster": "tiger",
                                      "priority": "urgent", "gpus": 0, "state": "done", "idle": 1,
                                      "started_at": "2026-02-30T00:00:00Z", "nodes": "t01"})") ==
        Errors{R"(jobs[0] "j": field "priority" must be one of critical, high, mid, low, got "urgent")",
               R"(jobs[0] "j": field "gpus" must be a positive integer, got 0)",
               R"(jobs[0] "j": field "state" must be one of running, pending, got "done")",
               R"(jobs[0] "j": field "idle" must be true or false, got 1)",
               R"(jobs[0] "j": field "started_at" must be an RFC 3339 time, got "2026-02-30T00:00:00Z")",
               R"(jobs[0] "j": field "nodes" must be an array of strings, got "t01")"});
  CHECK(
      errors_of(Resource::maintenance, R"({"id": "m1", "cluster": "tiger", "nodes": [], "priority": "high",
                                             "start": 5, "end": "2026-11-21T10:00:00Z", "hard_start": "no",
                                             "state": "done"})") ==
      Errors{
          R"(maintenance[0] "m1": field "priority" must be one of p0, p1, p2, p3, got "high")",
          R"(maintenance[0] "m1": field "start" must be an RFC 3339 time, got 5)",
          R"(maintenance[0] "m1": field "hard_start" must be true or false, got "no")",
          R"(maintenance[0] "m1": field "state" must be one of scheduled, in_progress, completed, cancelled, got "done")"});
  CHECK(errors_of(Resource::health_history,
                  R"({"cluster": "tiger", "at": "2026-11-20T00:00:00Z", "healthy_gpus": -1, "total_gpus": "96"})") ==
        Errors{R"(health_history[0] "tiger": field "healthy_gpus" must be a non-negative integer, got -1)",
               R"(health_history[0] "tiger": field "total_gpus" must be a non-negative integer, got "96")"});
}

TEST_CASE("missing required fields are reported, optional ones take their defaults") {
  CHECK(errors_of(Resource::nodes, R"({"name": "t01", "cluster": "tiger"})") ==
        Errors{R"(nodes[0] "t01": field "island" is missing)", R"(nodes[0] "t01": field "gpus" is missing)",
               R"(nodes[0] "t01": field "health" is missing)"});
  CHECK(errors_of(Resource::clusters, R"({"region": "r", "provider": "p", "sku": "s", "state": "production"})") ==
        Errors{R"(clusters[0]: field "name" is missing)"});
  CHECK(errors_of(Resource::jobs, R"({"name": "j"})") ==
        Errors{R"(jobs[0] "j": field "namespace" is missing)", R"(jobs[0] "j": field "quota" is missing)",
               R"(jobs[0] "j": field "priority" is missing)", R"(jobs[0] "j": field "gpus" is missing)",
               R"(jobs[0] "j": field "state" is missing)"});
  CHECK(errors_of(Resource::maintenance, R"({"id": "m"})") ==
        Errors{R"(maintenance[0] "m": field "cluster" is missing)", R"(maintenance[0] "m": field "nodes" is missing)",
               R"(maintenance[0] "m": field "priority" is missing)", R"(maintenance[0] "m": field "start" is missing)",
               R"(maintenance[0] "m": field "end" is missing)", R"(maintenance[0] "m": field "state" is missing)"});
  CHECK(errors_of(Resource::health_history, R"({"cluster": "tiger"})") ==
        Errors{R"(health_history[0] "tiger": field "at" is missing)",
               R"(health_history[0] "tiger": field "healthy_gpus" is missing)",
               R"(health_history[0] "tiger": field "total_gpus" is missing)"});

  Snapshot snap;
  auto p = parse(Resource::jobs, snap,
                 R"({"name": "j", "namespace": "ns", "quota": "flex", "priority": "low", "gpus": 8,
                     "state": "pending", "cluster": null, "nodes": null, "idle": null, "started_at": null})");
  CHECK(p.errors.empty());
  REQUIRE(snap.jobs.size() == 1);
  CHECK(snap.jobs[0].flex);
  CHECK_FALSE(snap.jobs[0].cluster);
  CHECK_FALSE(snap.jobs[0].idle);
  CHECK_FALSE(snap.jobs[0].started_at);
  CHECK(snap.jobs[0].nodes.empty());
}

TEST_CASE("identifying strings must not be empty") {
  CHECK(errors_of(Resource::nodes,
                  R"({"name": "", "cluster": "tiger", "island": "i", "gpus": 8, "health": "healthy"})") ==
        Errors{R"(nodes[0]: field "name" must be a non-empty string, got "")"});
  CHECK(errors_of(Resource::nodes, node("t01", R"("gpus": 8, "health": "healthy", "cluster": "")")) ==
        Errors{R"(nodes[0] "t01": field "cluster" must be a non-empty string, got "")"});
  CHECK(errors_of(Resource::maintenance,
                  R"({"id": "", "cluster": "tiger", "nodes": [], "priority": "p1", "state": "scheduled",
        "start": "2026-11-20T10:00:00Z", "end": "2026-11-21T10:00:00Z"})") ==
        Errors{R"(maintenance[0]: field "id" must be a non-empty string, got "")"});
}

TEST_CASE("an item that is not an object") {
  CHECK(errors_of(Resource::clusters, R"(5, "tiger")") ==
        Errors{"clusters[0]: must be an object, got 5", R"(clusters[1]: must be an object, got "tiger")"});
}

TEST_CASE("unknown fields are ignored, however deep") {
  Snapshot snap;
  auto p = parse(Resource::nodes, snap,
                 R"({"name": "t01", "rack": {"row": 3, "slots": [1, [2, {"x": null}]]}, "cluster": "tiger",
                     "island": "tiger-ib1", "gpus": 8, "health": "healthy", "future": "yes"})",
                 R"(, "kind": "NodeList", "meta": {"count": 1})");
  CHECK(p.errors.empty());
  REQUIRE(snap.nodes.size() == 1);
  CHECK(snap.nodes[0].island == "tiger-ib1");
  CHECK(snap.nodes[0].gpus == 8);
}

TEST_CASE("escaped strings are unescaped; control characters are shown escaped in errors") {
  Snapshot snap;
  auto p =
      parse(Resource::clusters, snap,
            R"({"name": "ti\u0067er", "region": "us\/south", "provider": "cw", "sku": "h100", "state": "production"})");
  CHECK(p.errors.empty());
  REQUIRE(snap.clusters.size() == 1);
  CHECK(snap.clusters[0].name == "tiger");
  CHECK(snap.clusters[0].region == "us/south");
  CHECK(
      errors_of(Resource::clusters, R"({"name": "a\nb", "region": "r", "provider": "p", "sku": "s", "state": 1})") ==
      Errors{
          R"(clusters[0] "a\x0ab": field "state" must be one of planned, provisioning, provisioned, production, decommissioned, got 1)"});
}

TEST_CASE("invalid JSON names the source, line and column") {
  Snapshot snap;
  std::vector<std::string> errors;
  // The fleet_server.py invalid-json body: the comma after line 3 is missing.
  std::string bytes = "{\n  \"api_version\": \"v1\",\n  \"items\": []\n  \"next_page_token\": null\n}\n";
  auto page = parse_page(Resource::jobs, "GET http://h/v1/jobs", bytes, snap, errors);
  CHECK_FALSE(page.json_ok);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("jobs: invalid JSON in GET http://h/v1/jobs at line 4, column "));

  errors.clear();
  bytes = "{\"api_version\": \"v1\", \"items\": [\n" + kNode0 + ",\n  {\"name\": \"t02\", \"gpus\": 8,,}\n]}";
  page = parse_page(Resource::nodes, "nodes.json", bytes, snap, errors);
  CHECK_FALSE(page.json_ok);
  REQUIRE_FALSE(errors.empty());
  CHECK_THAT(errors.back(), Catch::StartsWith("nodes: invalid JSON in nodes.json at line 3, column "));

  errors.clear();
  bytes = "{\"api_version\": \"v1\", \"items\": [";
  parse_page(Resource::nodes, "cut.json", bytes, snap, errors);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("nodes: invalid JSON in cut.json at line 1, column "));

  errors.clear();
  bytes = "";
  parse_page(Resource::nodes, "empty.json", bytes, snap, errors);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("nodes: invalid JSON in empty.json at line 1, column 1"));
}

TEST_CASE("the envelope: api_version, items, next_page_token") {
  Snapshot snap;
  std::vector<std::string> errors;
  std::string bytes = R"({"api_version": "v2", "items": []})";
  CHECK(parse_page(Resource::nodes, "p", bytes, snap, errors).json_ok); // the items are still read
  CHECK(errors == Errors{R"(nodes: p has api_version "v2", fleetcap reads "v1")"});

  // Without an items array the resource is missing, like invalid JSON: cross-item rules
  // would only report every reference into it as unknown.
  errors.clear();
  bytes = R"({"api_version": "v1", "items": {}})";
  CHECK_FALSE(parse_page(Resource::nodes, "p", bytes, snap, errors).json_ok);
  CHECK(errors == Errors{R"(nodes: p has "items" that is not an array, got an object)"});

  errors.clear();
  bytes = R"({"api_version": "v1"})";
  CHECK_FALSE(parse_page(Resource::nodes, "p", bytes, snap, errors).json_ok);
  CHECK(errors == Errors{R"(nodes: p has no "items" array)"});

  errors.clear();
  bytes = R"([1, 2])";
  CHECK_FALSE(parse_page(Resource::nodes, "p", bytes, snap, errors).json_ok);
  CHECK(errors == Errors{R"(nodes: p is not a JSON object with "items")"});
}

TEST_CASE("pages append, and item indexes continue across pages") {
  Snapshot snap;
  auto first = parse(Resource::nodes, snap, kNode0 + "," + node("t02", R"("gpus": 8, "health": "healthy")"),
                     R"(, "next_page_token": "abc")");
  CHECK(first.errors.empty());
  CHECK(first.page.next_page_token == "abc");
  auto second =
      parse(Resource::nodes, snap, node("t03", R"("gpus": "8", "health": "healthy")"), R"(, "next_page_token": null)");
  CHECK(second.page.next_page_token.empty());
  CHECK(second.errors == Errors{R"(nodes[2] "t03": field "gpus" must be a non-negative integer, got "8")"});
  REQUIRE(snap.nodes.size() == 3);
  CHECK(snap.nodes[0].name == "t01");
  CHECK(snap.nodes[2].name == "t03");
  auto last = parse(Resource::nodes, snap, "", R"(, "next_page_token": "")");
  CHECK(last.page.next_page_token.empty()); // "" ends pagination too (docs/fleet-api.md)
  CHECK(snap.nodes.size() == 3);
}

TEST_CASE("describe_offset counts lines and columns from 1") {
  CHECK(describe_offset("abc", 0) == "line 1, column 1");
  CHECK(describe_offset("abc", 2) == "line 1, column 3");
  CHECK(describe_offset("ab\ncd\nef", 4) == "line 2, column 2");
  CHECK(describe_offset("ab\n", 99) == "line 2, column 1"); // clamped to the end
}

TEST_CASE("snapshot.json gives taken_at") {
  std::string bytes = R"({"taken_at": "2026-11-20T12:00:00Z", "source": "https://fleet.example/api"})";
  const SnapshotMeta meta = parse_snapshot_meta("snapshot.json", bytes);
  CHECK(meta.taken_at == parse_rfc3339("2026-11-20T12:00:00Z"));
  CHECK(meta.source == "https://fleet.example/api");
  bytes = R"({"taken_at": "last tuesday"})";
  CHECK_THROWS_WITH(parse_snapshot_meta("snapshot.json", bytes),
                    R"(snapshot.json: field "taken_at" must be an RFC 3339 time, got "last tuesday")");
}

TEST_CASE("items_text keeps the items verbatim for saving") {
  std::string bytes = R"({"api_version": "v1", "items": [ {"a": 1}, {"b": [2]} ], "next_page_token": null})";
  CHECK(items_text("p", bytes) == R"( {"a": 1}, {"b": [2]} )");
}

TEST_CASE("the optional scheduler fields: types checked, names reported (docs/design.md)") {
  CHECK(errors_of(Resource::jobs, R"({"name": "j", "namespace": "n", "quota": "flex", "priority": "low", "gpus": 1,
      "state": "pending", "reclaimable": "no", "caps": [{"name": "c"}, 3], "submitted_at": "soon", "user": 7})") ==
        std::vector<std::string>{R"(jobs[0] "j": field "reclaimable" must be true or false, got "no")",
                                 R"(jobs[0] "j": field "caps[0].gpus" is missing)",
                                 R"(jobs[0] "j": field "submitted_at" must be an RFC 3339 time, got "soon")",
                                 R"(jobs[0] "j": field "user" must be a string, got 7)"});
  CHECK(
      errors_of(Resource::nodes, R"({"name": "n", "cluster": "c", "island": "i", "gpus": 8, "health": "healthy",
      "healthy": 1, "partitions": "gpu",
      "reservations": [{"name": "r", "start": "2026-11-21T00:00:00Z", "end": "2026-11-20T00:00:00Z"}, {"start": 1}]})") ==
      std::vector<std::string>{
          R"(nodes[0] "n": field "healthy" must be true or false, got 1)",
          R"(nodes[0] "n": field "partitions" must be an array of strings, got "gpu")",
          R"(nodes[0] "n": field "reservations[0].end" (2026-11-20T00:00:00Z) must be after start (2026-11-21T00:00:00Z))",
          R"(nodes[0] "n": field "reservations[1].start" must be an RFC 3339 time, got 1)",
          R"(nodes[0] "n": field "reservations[1].name" is missing)",
          R"(nodes[0] "n": field "reservations[1].end" is missing)"});
  CHECK(
      errors_of(Resource::quotas, R"({"name": "q", "cluster": "c", "caps": {"name": "x"}, "reclaims": "yes"})") ==
      std::vector<std::string>{
          R"(quotas[0] "q": field "caps" must be an array of cap names or {name, gpus, cluster} objects, got an object)",
          R"(quotas[0] "q": field "reclaims" must be true or false, got "yes")"});
}
