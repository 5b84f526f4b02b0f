// libFuzzer target over Slurm's text forms as the adapter reads them (src/source/slurm_text.cpp,
// docs/slurm.md): hostlists (counted, then expanded within a bound), GRES and TRES strings,
// topology, and --island-map files. Build and run with scripts/fuzz; see docs/reliability.md.
//
// Input: any bytes, given whole to each reader. Checked beyond "no crash": a hostlist that is
// counted expands to exactly that many names, and not at all with a bound one below it.
#include "fleetcap/error.hpp"
#include "source/slurm.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {
using namespace fleetcap::source::slurm;

constexpr std::uint64_t kExpandAtMost = 4096; // what one run may make: the fuzzer stays fast

void hostlists(std::string_view text) {
  const auto size = hostlist_size(text);
  const auto names = expand_hostlist(text, kExpandAtMost);
  if (!size) {
    if (names) std::abort(); // malformed for one reader, not the other
    return;
  }
  if (*size > kExpandAtMost) {
    if (names) std::abort(); // more names than the bound allows
    return;
  }
  if (!names || names->size() != *size) std::abort();
  if (*size > 0 && expand_hostlist(text, *size - 1)) std::abort();
}

void run(std::string_view text) {
  hostlists(text);
  (void)parse_gres(text);
  (void)parse_tres_request(text);
  (void)parse_tres_alloc(text);
  (void)island_from_topology(text);
  try {
    (void)parse_island_map(text, "fuzz", kExpandAtMost);
  } catch (const fleetcap::UsageError&) {}
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
