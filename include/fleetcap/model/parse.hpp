// Reading fleet API pages (SPEC §3.1) into the model. The only place that parses input JSON.
#pragma once

#include "fleetcap/model/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

// Spare bytes the parser needs after a page's text: reserve them in the buffer that receives
// it, so parse_page never has to copy it to pad it.
inline constexpr std::size_t kParsePadding = 64;

// Makes `bytes` (empty) ready to receive a page of `size` bytes: capacity for it and the
// padding, in huge pages where the kernel allows.
void reserve_page(std::string& bytes, std::size_t size);

// What parsing one page found besides its items.
struct PageResult {
  std::string next_page_token; // empty on the last page
  bool json_ok = true;         // false: not valid JSON, or no "items" array: its items are partial
};

// Parses one page of `resource` (an API response or a saved <resource>.json), appending its
// items to the matching vector of `snap`; only that vector is touched, so resources may be
// parsed on separate threads. Violations of SPEC §3.2 that one item shows alone go to
// `errors` as "resource[index] "name": field ..." lines; invalid JSON becomes one error naming
// `label`, line and column. `bytes` gets simdjson's padding added to its capacity.
PageResult parse_page(Resource resource, std::string_view label, std::string& bytes, Snapshot& snap,
                      std::vector<std::string>& errors);

// snapshot.json of a saved snapshot directory.
struct SnapshotMeta {
  std::optional<Time> taken_at;
  std::string source;
};
SnapshotMeta parse_snapshot_meta(std::string_view label, std::string& bytes);

// The text between the brackets of a page's "items" array, for writing snapshots verbatim.
std::string items_text(std::string_view label, std::string& bytes);

// "line L, column C" for a byte offset.
std::string describe_offset(std::string_view text, std::size_t offset);

} // namespace fleetcap
