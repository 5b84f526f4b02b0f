// The one file writer (src/source/local_file.cpp): whole files, replaced by a rename when asked,
// devices written in place, nothing left behind on failure.
#include "fleetcap/error.hpp"
#include "fleetcap/source/local_file.hpp"

#include "support/fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace fleetcap;
using test::read_file;
using test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("write_local_file writes its pieces in order, truncating what was there") {
  TempDir dir;
  const fs::path file = dir.path / "out.txt";
  write_local_file(file.string(), {"a long first version\n"}, "test");
  write_local_file(file.string(), {"one ", "two ", "three\n"}, "test");
  CHECK(read_file(file) == "one two three\n");
}

TEST_CASE("write_local_file with replace: renamed over the file, no FILE.tmp left") {
  TempDir dir;
  const fs::path file = dir.path / "page.html";
  write_local_file(file.string(), {"old\n"}, "test");
  // A second name for the old file: a rename leaves it the old text; writing in place would not.
  fs::create_hard_link(file, dir.path / "old-link");
  write_local_file(file.string(), {"<html>", "</html>\n"}, "--html page.html", true);
  CHECK(read_file(file) == "<html></html>\n");
  CHECK(read_file(dir.path / "old-link") == "old\n");
  CHECK_FALSE(fs::exists(dir.path / "page.html.tmp"));
}

TEST_CASE("write_local_file with replace writes a device in place instead of renaming over it") {
  write_local_file("/dev/null", {"discarded\n"}, "--html /dev/null", true);
  CHECK(fs::is_character_file("/dev/null"));
  CHECK_FALSE(fs::exists("/dev/null.tmp"));
}

TEST_CASE("write_local_file failing: a RuntimeError naming what, and no FILE.tmp left") {
  TempDir dir;
  const fs::path file = dir.path / "no-such-folder" / "page.html";
  try {
    write_local_file(file.string(), {"x"}, "--html page.html", true);
    FAIL("no error");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).starts_with("cannot write --html page.html: "));
  }
  // A directory in FILE's place: not a regular file, so written in place, which fails.
  fs::create_directories(dir.path / "taken");
  try {
    write_local_file((dir.path / "taken").string(), {"x"}, "--html taken", true);
    FAIL("no error");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).starts_with("cannot write --html taken: "));
  }
  CHECK_FALSE(fs::exists(dir.path / "taken.tmp"));
}
