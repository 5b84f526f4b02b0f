// Reading fleet API pages (docs/fleet-api.md) into the model. The only place that parses input JSON.
#pragma once

#include "fleetcap/model/model.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
// parsed on separate threads. Violations of docs/fleet-api.md that one item shows alone go to
// `errors` as "resource[index] "name": field ..." lines; invalid JSON becomes one error naming
// `label`, line and column. `bytes` gets simdjson's padding added to its capacity.
PageResult parse_page(Resource resource, std::string_view label, std::string& bytes, Snapshot& snap,
                      std::vector<std::string>& errors);

// Parses one page while its bytes arrive, a run of whole items at a time (every run that is
// complete when feed() is called), so neither the whole page nor a parser index for all of it
// has to be in memory at once. Items and errors come out exactly as parse_page gives them. It
// handles pages that start the usual way (`{"api_version": "v1", "items": [`); for anything
// else, or when the JSON turns out invalid, it gives up: it takes back every item and error it
// added and finish() returns nothing, and the caller parses the whole page with parse_page,
// which words the error (docs/design.md, "Streaming").
class PageStream {
public:
  // `expected_bytes`: the page's size when known (the item vector is sized for it), else 0.
  PageStream(Resource resource, Snapshot& snap, std::vector<std::string>& errors, std::size_t expected_bytes = 0);
  ~PageStream();
  PageStream(const PageStream&) = delete;
  PageStream& operator=(const PageStream&) = delete;

  // `buf` holds bytes [base, base + buf.size()) of the page, and everything from the offset
  // the previous call returned. Parses what it can; returns the page offset before which bytes
  // are no longer needed. May write into `buf` while parsing (it puts each byte back).
  std::size_t feed(std::string& buf, std::size_t base);
  // The page has ended with `buf`'s bytes: parse the rest. The page's result, or nothing when it
  // gave up (see above).
  std::optional<PageResult> finish(std::string_view label, std::string& buf, std::size_t base);
  // Takes back everything and starts over: the page is coming again (an HTTP retry).
  void restart();
  bool gave_up() const;
  // After finish() gave a result: the page offsets [begin, end) of the text between the items'
  // brackets, what items_text() would return (for snapshot save, without a second parse).
  std::pair<std::size_t, std::size_t> items_span() const;

private:
  struct State;
  std::unique_ptr<State> s_;
};

// snapshot.json of a saved snapshot directory.
struct SnapshotMeta {
  std::optional<Time> taken_at;
  std::string source;
  // A fleet of several sources saved as one (docs/sources.md): each source, and the names of
  // its clusters, in the same order; empty for one source.
  std::vector<SourceStatus> sources;
  std::vector<std::vector<std::string>> source_clusters;
};
SnapshotMeta parse_snapshot_meta(std::string_view label, std::string& bytes);

// The text between the brackets of a page's "items" array, for writing snapshots verbatim.
std::string items_text(std::string_view label, std::string& bytes);

// "line L, column C" for a byte offset.
std::string describe_offset(std::string_view text, std::size_t offset);

} // namespace fleetcap
