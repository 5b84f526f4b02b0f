// libFuzzer target over the kubeconfig reader (src/source/kubeconfig.cpp, docs/kubernetes.md):
// YAML parsing, merging, the context, cluster and user it names, base64 -data fields, the
// server URL's strict parse, and the files it names (read through the one local-file reader, so
// a path the fuzzer makes up, /dev/zero or a FIFO, is refused rather than read). Exec plugins
// are never run: a kubeconfig that asks for one is a UsageError here. Build and run with
// scripts/fuzz; see docs/reliability.md.
//
// Input: one kubeconfig's text. Only fleetcap::Error may leave the reader.
#include "fleetcap/error.hpp"
#include "source/kubeconfig.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)fleetcap::kube::access_from_text(text, "/nonexistent/fuzz/kubeconfig", "");
  } catch (const fleetcap::Error&) {
    // A reported error is the right answer to a bad kubeconfig; anything else is a finding.
  }
  return 0;
}
