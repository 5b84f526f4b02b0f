// kubeconfig reading (src/source/kubeconfig.cpp): base64, merging, relative paths, contexts.
#include "fleetcap/error.hpp"
#include "fleetcap/secrets.hpp"
#include "source/kubeconfig.hpp"
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

using namespace fleetcap;
using test::TempDir;
namespace fs = std::filesystem;

namespace {
// A kubeconfig that cannot be used is a usage error (exit 2), as every file option is
// (docs/reliability.md, "One rule for files").
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}
} // namespace

TEST_CASE("base64 as kubeconfig -data fields hold it") {
  CHECK(kube::base64_decode("aGVsbG8=") == "hello");
  CHECK(kube::base64_decode("aGVs\nbG8=") == "hello"); // wrapped lines
  CHECK(kube::base64_decode("") == "");
  CHECK_FALSE(kube::base64_decode("not base64!"));
  CHECK_FALSE(kube::base64_decode("aGVsbG8=x")); // data after the padding
}

TEST_CASE("kubeconfig: the first file wins, paths are relative to their file, secrets are registered") {
  TempDir dir;
  fs::create_directories(dir.path / "sub");
  dir.write("sub/ca.crt", "CA PEM");
  dir.write("sub/token", "  file-token-123456\n");
  const std::string first = dir.write("sub/a.yaml", R"(apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443/", certificate-authority: ca.crt}
users:
- name: u
  user: {token: inline-token-abcdef, tokenFile: token}
contexts:
- name: one
  context: {cluster: c, user: u}
)");
  const std::string second = dir.write("b.yaml", R"(current-context: two
clusters:
- name: c
  cluster: {server: "https://evil.example"}
contexts:
- name: two
  context: {cluster: c, user: u}
)");
  ::setenv("KUBECONFIG", (first + ":" + (dir.path / "missing.yaml").string() + ":" + second).c_str(), 1);
  const kube::Access a = kube::load_access("", "", 5);
  CHECK(a.context == "one");                          // current-context from the first file that sets one
  CHECK(a.server == "https://10.0.0.1:6443");         // cluster "c" from the first file
  CHECK(a.ca_pem == "CA PEM");                        // relative to sub/
  CHECK(a.token == std::string("file-token-123456")); // tokenFile wins, trimmed
  CHECK(redact("x inline-token-abcdef y file-token-123456") == "x [REDACTED] y [REDACTED]");
  const kube::Access b = kube::load_access("two", "", 5);
  CHECK(b.server == "https://10.0.0.1:6443"); // context two names cluster c: still the first file's
  CHECK(message_of([] { kube::load_access("three", "", 5); }).find("context \"three\" is not in") != std::string::npos);
  ::unsetenv("KUBECONFIG");
}

TEST_CASE("kubeconfig: malformed files name the file and the line") {
  TempDir dir;
  const std::string bad = dir.write("bad.yaml", "clusters:\n- name: c\n  cluster: {server: [\n");
  const std::string msg = message_of([&] { kube::load_access("", bad, 5); });
  CHECK(msg.find(bad) != std::string::npos);
  CHECK(msg.find("line") != std::string::npos);
  const std::string wrong = dir.write("wrong.yaml", "clusters: 5\n");
  CHECK(message_of([&] { kube::load_access("", wrong, 5); }).find("\"clusters\" must be a list") != std::string::npos);
  const std::string nocur = dir.write("nocur.yaml", "contexts:\n- name: a\n  context: {cluster: c}\n");
  CHECK(message_of([&] { kube::load_access("", nocur, 5); }).find("has no current-context") != std::string::npos);
}
