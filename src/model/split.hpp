// Finding where the items of a page's "items" array begin and end without parsing them, so a
// large page can be parsed a run of items at a time as its bytes arrive (PageStream, parse.cpp).
// Private to the model layer.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
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

// A run of complete items, the bytes [begin, end] of a body whose bytes from offset `base` on
// are in `buf`, read in place as one array: its first byte (the array's `[` when `first`, else
// the comma after the last item read, blanks before it stepped over) becomes `[`, the byte at
// `end` (just past an item, or the array's `]` when `last`) becomes `]`, `read(text, len,
// capacity)` parses it (from `scratch` when `buf` has no room for simdjson's padding), and both
// bytes are put back, also when `read` throws. `empty`: nothing after the last item read (only
// when `last`); `bad`: not a run (no comma, or a comma before the `]`). Used by the fleet API's
// PageStream and the Slurm adapter's stream.
enum class Run { read, empty, bad };
template <class Read> Run read_run(std::string& buf, std::size_t base, std::size_t begin, std::size_t end, bool first,
                                   bool last, std::string& scratch, Read&& read) {
  char* p = buf.data() + (begin - base);
  std::size_t len = end - begin + 1;
  auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  if (!first) {
    std::size_t k = 0;
    while (k < len && blank(p[k])) ++k;
    if (last && k == len - 1) return Run::empty;
    if (p[k] != ',') return Run::bad;
    std::size_t v = k + 1;
    while (v < len && blank(p[v])) ++v;
    if (v == len - 1) return Run::bad; // a comma and then the `]`
    p += k;
    len -= k;
  }
  struct PutBack {
    char *first, *last;
    char open, close;
    ~PutBack() {
      *first = open;
      *last = close;
    }
  } put_back{p, p + len - 1, p[0], p[len - 1]};
  p[0] = '[';
  p[len - 1] = ']';
  const char* text = p;
  std::size_t capacity = buf.capacity() - static_cast<std::size_t>(p - buf.data());
  if (capacity < len + simdjson::SIMDJSON_PADDING) {
    scratch.reserve(len + simdjson::SIMDJSON_PADDING);
    scratch.assign(p, len);
    text = scratch.data();
    capacity = scratch.capacity();
  }
  read(text, len, capacity);
  return Run::read;
}

} // namespace fleetcap::split
