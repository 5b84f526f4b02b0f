// Sources (src/source/load.cpp, save.cpp): what a source may show, directory loading and saving.
#include "fleetcap/error.hpp"
#include "fleetcap/source/source.hpp"

#include "support/fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace fleetcap;
using test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("display_source drops credentials from URLs only") {
  CHECK(display_source("https://alice:pw@fleet.example/api") == "https://fleet.example/api");
  CHECK(display_source("https://alice@fleet.example:8443/api?x=@y") == "https://fleet.example:8443/api?x=@y");
  CHECK(display_source("https://fleet.example/api/@v1") == "https://fleet.example/api/@v1");
  CHECK(display_source("http://127.0.0.1:8080") == "http://127.0.0.1:8080");
  CHECK(display_source("./snap@2026-11-20") == "./snap@2026-11-20");
  CHECK(is_url("http://x"));
  CHECK(is_url("https://x"));
  CHECK_FALSE(is_url("ftp://x"));
  CHECK_FALSE(is_url("examples/fleet/worked"));
}

TEST_CASE("load_snapshot: a directory, its snapshot.json and missing files") {
  const Snapshot snap = test::worked();
  CHECK(snap.clusters.size() == 3);
  CHECK(snap.nodes.size() == 20);
  CHECK(snap.quotas.size() == 8);
  CHECK(snap.jobs.size() == 8);
  CHECK(snap.maintenance.size() == 3);
  CHECK(snap.health_history.empty());
  CHECK(snap.source == FLEETCAP_SOURCE_DIR "/examples/fleet/worked");

  TempDir tmp;
  SourceOptions o;
  o.source = (tmp.path / "nope").string();
  CHECK_THROWS_AS(load_snapshot(o), RuntimeError);
  o.source = "ftp://fleet.example";
  CHECK_THROWS_AS(load_snapshot(o), UsageError);

  for (const char* name : {"clusters", "nodes", "quotas", "jobs"})
    fs::copy_file(fs::path(FLEETCAP_SOURCE_DIR "/examples/fleet/worked") / (std::string(name) + ".json"),
                  tmp.path / (std::string(name) + ".json"));
  o.source = tmp.path.string();
  const Snapshot partial = load_snapshot(o); // maintenance and health_history are optional
  CHECK_FALSE(partial.taken_at);
  CHECK(partial.warnings.size() == 2);
  fs::remove(tmp.path / "jobs.json");
  CHECK_THROWS_WITH(load_snapshot(o), Catch::Contains("has no jobs.json"));
}

TEST_CASE("load_snapshot refuses to send a token over plain http to another host") {
  SourceOptions o;
  o.source = "http://fleet.example/api";
  o.token = "secret";
  CHECK_THROWS_AS(load_snapshot(o), UsageError);
  try {
    load_snapshot(o);
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find("secret") == std::string::npos);
  }
}

TEST_CASE("save_snapshot writes what load_snapshot reads, and --force replaces only a snapshot") {
  TempDir tmp;
  const std::string dir = (tmp.path / "snap").string();
  RawItems raw;
  raw[0] = {R"({"name": "tiger", "region": "r", "provider": "p", "sku": "h100", "state": "production"})", "  "};
  raw[1] = {R"({"name": "t01", "cluster": "tiger", "island": "i", "gpus": 8, "health": "healthy"})",
            R"({"name": "t02", "cluster": "tiger", "island": "i", "gpus": 8, "health": "healthy"})"};
  const Time at = test::worked_at();
  save_snapshot(dir, raw, at, "https://alice:pw@fleet.example", false);
  SourceOptions o;
  o.source = dir;
  const Snapshot snap = load_snapshot(o);
  CHECK(snap.taken_at == at);
  CHECK(snap.clusters.size() == 1);
  CHECK(snap.nodes.size() == 2); // two pages joined
  CHECK(snap.warnings.empty());  // every resource file is written, empty or not
  std::ifstream meta(fs::path(dir) / "snapshot.json");
  std::string text((std::istreambuf_iterator<char>(meta)), std::istreambuf_iterator<char>());
  CHECK(text.find("pw") == std::string::npos);

  CHECK_THROWS_WITH(save_snapshot(dir, raw, at, "", false), Catch::Contains("already exists; pass --force"));
  CHECK_NOTHROW(save_snapshot(dir, raw, at + 1, "", true));
  CHECK(load_snapshot(o).taken_at == at + 1);

  std::ofstream(fs::path(dir) / "NOTES.md") << "mine";
  CHECK_THROWS_WITH(check_snapshot_target(dir, true), Catch::Contains("NOTES.md"));
  CHECK_THROWS_WITH(check_snapshot_target(tmp.path.string(), true), Catch::Contains("not a snapshot directory"));
  CHECK_NOTHROW(check_snapshot_target((tmp.path / "new").string(), false));
  CHECK(fs::exists(fs::path(dir) / "NOTES.md"));
}
