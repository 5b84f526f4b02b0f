// The config file (fleetcap/source/config.hpp): TOML through toml++, each kind's table seen through
// a [sources.NAME] table, wrong types and unknown keys located by file and line.
#include "fleetcap/error.hpp"
#include "fleetcap/source/config.hpp"
#include "fleetcap/source/kinds.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace fleetcap;
namespace fs = std::filesystem;

namespace {
struct ConfigText {
  fs::path path = fs::temp_directory_path() / ("fleetcap-unit-config-" + std::to_string(::getpid()) + ".toml");
  explicit ConfigText(const std::string& text) { std::ofstream(path) << text; }
  ~ConfigText() { fs::remove(path); }
  std::shared_ptr<const ConfigFile> read() const { return ConfigFile::read(path.string()); }
};
} // namespace

TEST_CASE("config: not TOML is a usage error naming the file and the line") {
  ConfigText bad("color = \"never\"\n[slurm\nregion = \"x\"\n");
  try {
    bad.read();
    FAIL("read a broken file");
  } catch (const UsageError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("--config " + bad.path.string() + ": line 2: "));
  }
}

TEST_CASE("config: a kind's table, seen through a [sources.NAME] table whose keys win") {
  ConfigText text(R"(color = "never"
[slurm]
region = "us-south"
hard_start = false
flex-qos = ["scavenger", "spot,free"]
[slurm.priority]
normal = "mid"
[sources.lab]
url = "slurm+https://lab:6820"
region = "eu-west"
[sources.lab.priority]
urgent = "critical"
)");
  const auto file = text.read();
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& m) { warnings.push_back(m); };
  {
    KindConfig alone(file, "slurm", "", warn);
    CHECK(alone.text("region") == "us-south");
    CHECK(alone.boolean("hard-start") == false); // '-' and '_' are one
    CHECK(alone.words("flex_qos") == std::vector<std::string>{"scavenger", "spot", "free"});
    REQUIRE(alone.entries("priority").size() == 1);
    CHECK(alone.entries("priority")[0].key == "normal");
    CHECK(alone.subtable_name("priority") == "[slurm.priority]");
    alone.finish();
    CHECK(warnings.empty());
  }
  KindConfig lab(file, "slurm", "lab", warn);
  CHECK(lab.source_text("url") == "slurm+https://lab:6820");
  CHECK(lab.text("region") == "eu-west");
  CHECK(lab.table_name("region") == "[sources.lab]");
  CHECK(lab.text("provider") == std::nullopt);
  const auto prio = lab.entries("priority");
  REQUIRE(prio.size() == 1);
  CHECK(prio[0].key == "urgent");
  CHECK(prio[0].where == "config file " + text.path.string() + ":12");
  CHECK(lab.subtable_name("priority") == "[sources.lab.priority]");
  lab.finish(); // the [slurm] keys this source did not ask for
  CHECK(warnings == std::vector<std::string>{
                        "config file " + text.path.string() + ":4: unknown key [slurm] hard_start",
                        "config file " + text.path.string() + ":5: unknown key [slurm] flex-qos",
                    });
}

TEST_CASE("config: a value of the wrong type names the file, line, table and key") {
  ConfigText text("[kube]\nisland = 1\n[slurm]\n\nborrowing = \"yes\"\nregion = 5\n");
  const auto file = text.read();
  KindConfig slurm(file, "slurm", "", nullptr);
  CHECK_THROWS_WITH(slurm.boolean("borrowing"),
                    "config file " + text.path.string() + ":5: [slurm] borrowing must be true or false, got \"yes\"");
  CHECK_THROWS_WITH(slurm.text("region"),
                    "config file " + text.path.string() + ":6: [slurm] region must be a string, got 5");
  std::vector<std::string> warnings;
  KindConfig kube(file, "kube", "", [&](const std::string& m) { warnings.push_back(m); });
  kube.finish();
  CHECK(warnings == std::vector<std::string>{"config file " + text.path.string() + ":2: unknown key [kube] island"});
}

TEST_CASE("config: keys for the command line, and the [sources] tables in file order") {
  ConfigText text(R"(source = "./snap"
cluster = [
  "lion",
  "tiger",
]
[sources.zeta]
url = "kube:zeta"
[sources.alpha]
url = "https://fleet.example/api"
[slurm]
region = "x"
)");
  const auto file = text.read();
  const auto items = file->items({"slurm", "sources"});
  REQUIRE(items.size() == 2);
  CHECK(items[0].name == "source");
  CHECK(items[0].inputs == std::vector<std::string>{"./snap"});
  CHECK(items[1].name == "cluster");
  CHECK(items[1].inputs == std::vector<std::string>{"lion", "tiger"});
  CHECK(items[1].line == 2);
  const auto sources = file->sources();
  REQUIRE(sources.size() == 2);
  CHECK((sources[0].name == "zeta" && sources[0].line == 6));
  CHECK(sources[1].name == "alpha");
}
