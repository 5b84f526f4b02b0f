#include "fleetcap/model/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace fleetcap::json {
namespace {

// The length of the well-formed UTF-8 sequence that starts with the byte p[0] >= 0x80, or 0
// when it is ill-formed (Unicode table 3-7: no overlongs, no surrogates, nothing past U+10FFFF).
std::size_t utf8_length(const unsigned char* p, std::size_t n) {
  auto in = [&](std::size_t k, unsigned char lo, unsigned char hi) { return k < n && p[k] >= lo && p[k] <= hi; };
  auto tail = [&](std::size_t k) { return in(k, 0x80, 0xBF); };
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return tail(1) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && tail(2) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && tail(2) ? 3 : 0;
  if (c >= 0xE1 && c <= 0xEF) return tail(1) && tail(2) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && tail(2) && tail(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && tail(2) && tail(3) ? 4 : 0;
  return 0;
}

// Bytes written as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// Whether the 8 bytes of w are all kPlain, tested at once: none below 0x20, none from 0x80, no
// quote and no backslash. Each test is exact for "some byte is" (not for which one), which is all
// this asks.
constexpr std::uint64_t kOnes = 0x0101010101010101u;
constexpr std::size_t kSlack = 8; // what copied_if_plain may write past the text's end
bool plain8(std::uint64_t w) {
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return ((w & kHigh) | below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) == 0;
}
template <class T> T load(const unsigned char* p) {
  T w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
template <class T> void store(char* p, T w) { std::memcpy(p, &w, sizeof w); }

// The common case of escaped(): `s` (n bytes) has nothing to escape. Copies it to `out` a word
// at a time (the last word overlapping the one before it, or two overlapping halves for 4 to 7
// bytes) and returns its end; null, having written nothing that counts, when a byte needs more.
// Writes up to 8 bytes past the end (kSlack). Nearly all of a document's text is names, times
// and keys of plain ASCII: a byte at a time, their scan was a third of jobs --json's writing.
char* copied_if_plain(char* out, const unsigned char* in, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      const auto w = load<std::uint64_t>(in + i);
      if (!plain8(w)) return nullptr;
      store(out + i, w);
    }
    const auto w = load<std::uint64_t>(in + n - 8);
    if (!plain8(w)) return nullptr;
    store(out + n - 8, w);
    return out + n;
  }
  if (n >= 4) {
    const auto lo = load<std::uint32_t>(in), hi = load<std::uint32_t>(in + n - 4);
    if (!plain8(lo | std::uint64_t{hi} << 32)) return nullptr;
    store(out, lo);
    store(out + n - 4, hi);
    return out + n;
  }
  unsigned char word[8] = {'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}; // plain filler after the n bytes
  for (std::size_t i = 0; i < n; ++i) word[i] = in[i];
  const auto w = load<std::uint64_t>(word);
  if (!plain8(w)) return nullptr;
  store(out, w);
  return out + n;
}

// `s` quoted and escaped as nlohmann's dump() does without ensure_ascii, into `out` (room for
// 6 bytes a byte, the quotes and kSlack): the two-letter escapes, \u00xx (lower-case hex) for the
// other bytes below 0x20, everything else as it is. Returns the end, or null when `s` is not
// valid UTF-8 (the caller then lets nlohmann replace the bad bytes, so the U+FFFD are its own).
char* escaped(char* out, std::string_view s) {
  const auto* in = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  *out++ = '"';
  if (char* const end = copied_if_plain(out, in, n)) {
    *end = '"';
    return end + 1;
  }
  for (std::size_t i = 0; i < n;) {
    const std::size_t from = i;
    while (i < n && kPlain[in[i]]) ++i;
    std::memcpy(out, in + from, i - from);
    out += i - from;
    if (i == n) break;
    const unsigned char c = in[i];
    if (c >= 0x80) {
      const std::size_t len = utf8_length(in + i, n - i);
      if (len == 0) return nullptr;
      std::memcpy(out, in + i, len);
      out += len;
      i += len;
      continue;
    }
    *out++ = '\\';
    switch (c) {
    case '"': *out++ = '"'; break;
    case '\\': *out++ = '\\'; break;
    case '\b': *out++ = 'b'; break;
    case '\f': *out++ = 'f'; break;
    case '\n': *out++ = 'n'; break;
    case '\r': *out++ = 'r'; break;
    case '\t': *out++ = 't'; break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      *out++ = 'u';
      *out++ = '0';
      *out++ = '0';
      *out++ = kHex[c >> 4];
      *out++ = kHex[c & 0xf];
    }
    }
    ++i;
  }
  *out++ = '"';
  return out;
}

std::string replaced(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

// std::string makes room only by writing zeros, so it is made a step at a time, within a
// capacity that doubles; capacity beyond the text is never touched.
void JsonWriter::grow(std::size_t n) {
  static constexpr std::size_t kStep = 64 * 1024;
  static constexpr std::size_t kFlushAt = std::size_t{1} << 20;
  if (sink_ && len_ >= kFlushAt) { // the text so far is final: hand it over and reuse the buffer
    sink_->write(buf_.data(), static_cast<std::streamsize>(len_));
    len_ = 0;
    if (buf_.size() >= n) return;
  }
  const std::size_t size = len_ + std::max(n, kStep);
  if (size > buf_.capacity()) buf_.reserve(std::max(size, 2 * buf_.capacity()));
  buf_.resize(size);
}

void append_quoted(std::string& out, std::string_view s) {
  const std::size_t at = out.size();
  out.resize(at + 6 * s.size() + 2 + kSlack);
  char* const end = escaped(out.data() + at, s);
  if (!end) {
    out.resize(at);
    out += replaced(s);
    return;
  }
  out.resize(static_cast<std::size_t>(end - out.data()));
}

void JsonWriter::quoted(std::string_view s) {
  char* const start = room(6 * s.size() + 2 + kSlack); // \u00xx for every byte at worst
  char* const end = escaped(start, s);
  if (!end) {
    put(replaced(s));
    return;
  }
  len_ += static_cast<std::size_t>(end - start);
}

// Ends a line (after a comma when another member follows) and indents the next one. Most
// lines are shallow: their indent is one fixed-size copy, of which only `depth` levels count.
void JsonWriter::newline(std::size_t depth, bool comma) {
  static constexpr std::size_t kShallow = 16; // levels
  static constexpr auto kSpaces = [] {
    std::array<char, 2 * kShallow> spaces{};
    spaces.fill(' ');
    return spaces;
  }();
  const std::size_t indent = 2 * depth;
  char* out = room(2 + std::max(indent, kSpaces.size()));
  const char* const start = out;
  if (comma) *out++ = ',';
  *out++ = '\n';
  if (depth <= kShallow)
    std::memcpy(out, kSpaces.data(), kSpaces.size());
  else
    std::memset(out, ' ', indent);
  len_ += static_cast<std::size_t>(out - start) + indent;
}

// Where a value starts: right after its key, or as the next member of an array.
void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) return; // the document itself
  assert(open_.back().close == ']' && "a value inside an object needs a key");
  newline(open_.size(), open_.back().members++ > 0);
}

JsonWriter& JsonWriter::key(std::string_view k) {
  assert(!open_.empty() && open_.back().close == '}' && !after_key_ && "a key belongs in an object");
  newline(open_.size(), open_.back().members++ > 0);
  // The key, quoted, and ": " at once (a document of a large fleet writes millions of keys).
  char* const start = room(6 * k.size() + 4 + kSlack);
  char* const end = escaped(start, k);
  if (!end) {
    quoted(k);
    put(": ");
  } else {
    end[0] = ':';
    end[1] = ' ';
    len_ += static_cast<std::size_t>(end + 2 - start);
  }
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  put("{");
  open_.push_back({'}', 0});
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  put("[");
  open_.push_back({']', 0});
  return *this;
}

// Empty containers close on the same line ({} and []), others on a line of their own.
void JsonWriter::end_container(char close) {
  assert(!open_.empty() && open_.back().close == close && !after_key_ && "unbalanced end");
  const bool empty = open_.back().members == 0;
  open_.pop_back();
  if (!empty) newline(open_.size(), false);
  put(std::string_view(&close, 1));
}

JsonWriter& JsonWriter::end_object() {
  end_container('}');
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  end_container(']');
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  quoted(s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  put(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(std::nullptr_t) {
  before_value();
  put("null");
  return *this;
}

JsonWriter& JsonWriter::integer(long long n) {
  before_value();
  char* out = room(24);
  len_ = static_cast<std::size_t>(std::to_chars(out, out + 24, n).ptr - buf_.data());
  return *this;
}

JsonWriter& JsonWriter::integer(unsigned long long n) {
  before_value();
  char* out = room(24);
  len_ = static_cast<std::size_t>(std::to_chars(out, out + 24, n).ptr - buf_.data());
  return *this;
}

JsonWriter JsonWriter::continuation() const {
  assert(!open_.empty() && !after_key_ && "a continuation adds members to an open container");
  JsonWriter part;
  part.open_ = open_;
  part.open_.back().members = 1; // each member it writes comes after another
  return part;
}

std::string JsonWriter::take_text() {
  buf_.resize(std::exchange(len_, 0));
  return std::exchange(buf_, {});
}

void JsonWriter::splice(std::string_view text) {
  assert(!open_.empty() && !after_key_ && !text.empty() && text.front() == ',');
  if (open_.back().members == 0) text.remove_prefix(1); // the first member: no comma before it
  if (sink_ && len_ + text.size() > buf_.size()) {      // a long run: straight to the sink
    sink_->write(buf_.data(), static_cast<std::streamsize>(std::exchange(len_, 0)));
    sink_->write(text.data(), static_cast<std::streamsize>(text.size()));
  } else {
    put(text);
  }
  ++open_.back().members;
}

std::string JsonWriter::finish() {
  assert(open_.empty() && !after_key_ && "finish() before the document is closed");
  put("\n");
  if (sink_) {
    sink_->write(buf_.data(), static_cast<std::streamsize>(std::exchange(len_, 0)));
    return {};
  }
  buf_.resize(std::exchange(len_, 0));
  return std::exchange(buf_, {});
}

} // namespace fleetcap::json
