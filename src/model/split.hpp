// Finding where the items of a page's "items" array begin and end without parsing them, so a
// large page can be parsed a run of items at a time as its bytes arrive (PageStream, parse.cpp).
// Private to the model layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fleetcap::split {

// Where the "items" array opens in a page: `{`, members in any order (`"api_version"` only with
// "v1"; any other member's value is stepped over unchecked), then `"items": [` (whitespace
// allowed between tokens). The offset just past the `[`; `need_more` when `text` ends before
// that could be decided; `unsupported` for any other start (the caller parses the page whole).
struct Prefix {
  enum class Kind { found, need_more, unsupported } kind = Kind::need_more;
  std::size_t items_begin = 0;
};
Prefix find_items(std::string_view text);

// Scans the inside of the items array, 64 bytes at a time with SSE2 where available, tracking
// strings (with backslash escapes) and bracket depth. It never validates JSON: a page it
// splits is still parsed in full, run by run, and anything odd sends the caller back to the
// whole-page parser.
class ItemScanner {
public:
  // Scans `data[0, size)`, the bytes that follow the ones scanned before (the first byte is the
  // one just past the array's `[`). Calls `on_item_end(offset)` for the byte just past each
  // item that closes with `}` or `]` (offsets count from the start of the whole scan), and stops
  // at the array's closing `]`. Returns the bytes scanned: `size`, or less when the array closed
  // (then `closed()`) or the brackets went wrong (`broken()`). Only whole 64-byte blocks are
  // scanned unless `last` (the end of the page).
  template <class OnItemEnd> std::size_t scan(const char* data, std::size_t size, bool last, OnItemEnd&& on_item_end);

  bool closed() const { return state_ == State::closed; }
  bool broken() const { return state_ == State::broken; }
  std::size_t array_end() const { return array_end_; } // offset of the closing `]`, when closed()

  // One 64-byte block: masks of unescaped-quote-delimited string interiors are not needed, only
  // the brackets outside strings (bit i = byte i). Exposed for the tests.
  struct Brackets {
    std::uint64_t open = 0, close = 0;
  };
  Brackets block(const char* p);

private:
  enum class State { scanning, closed, broken };
  State state_ = State::scanning;
  bool in_string_ = false;
  bool escaped_ = false; // the next byte is escaped (a block ended on an odd backslash run)
  long depth_ = 0;       // inside the items array
  std::size_t offset_ = 0;
  std::size_t array_end_ = 0;

  Brackets block_scalar(const char* p);
};

template <class OnItemEnd>
std::size_t ItemScanner::scan(const char* data, std::size_t size, bool last, OnItemEnd&& on_item_end) {
  std::size_t done = 0;
  char padded[64];
  while (state_ == State::scanning && (size - done >= 64 || (last && done < size))) {
    const char* p = data + done;
    std::size_t n = 64;
    if (size - done < 64) { // the page's last bytes: blanks after them change nothing
      n = size - done;
      for (std::size_t i = 0; i < 64; ++i) padded[i] = i < n ? p[i] : ' ';
      p = padded;
    }
    const Brackets b = block(p);
    std::uint64_t bits = b.open | b.close;
    while (bits) {
      const int i = __builtin_ctzll(bits);
      bits &= bits - 1;
      if ((b.open >> i) & 1) {
        ++depth_;
        continue;
      }
      if (--depth_ == 0) {
        on_item_end(offset_ + done + static_cast<std::size_t>(i) + 1);
      } else if (depth_ < 0) {
        if (p[i] == ']') {
          state_ = State::closed;
          array_end_ = offset_ + done + static_cast<std::size_t>(i);
        } else {
          state_ = State::broken;
        }
        offset_ += done + static_cast<std::size_t>(i);
        return done + static_cast<std::size_t>(i);
      }
    }
    done += n;
  }
  offset_ += done;
  return done;
}

} // namespace fleetcap::split
