// A streaming JSON writer, private to the render layer, for the documents that grow with the
// fleet (maintenance, quota, overalloc): they are written straight into one string instead of
// being built as an nlohmann tree first, which at a million GPUs cost most of the run (see
// docs/design.md, "Writing JSON"). The text is byte for byte what json_out::dump() prints for
// the same document, so a renderer can move from one to the other without its output changing.
#pragma once

#include "fleetcap/render/output.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetcap::json_out {

// Values are written in document order: key() then a value inside an object, values alone
// inside an array. Misuse (a key in an array, a missing end) is caught by assertions.
class JsonWriter {
public:
  JsonWriter() = default;
  // Hands the text to `sink` a piece at a time (about 1 MiB) instead of keeping it whole, so a
  // document of tens of MB is written while the rest is still being made.
  explicit JsonWriter(std::ostream& sink) : sink_(&sink) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); } // not bool
  JsonWriter& value(bool b);
  JsonWriter& value(std::nullptr_t);
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& value(T n) { return integer(n); }
  // null when empty.
  template <class T> JsonWriter& value(const std::optional<T>& v) { return v ? value(*v) : value(nullptr); }

  template <class T> JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }
  // An array of strings (or of anything value() takes).
  template <class Range> JsonWriter& array(const Range& items) {
    begin_array();
    for (const auto& item : items) value(item);
    return end_array();
  }
  template <class Range> JsonWriter& array_field(std::string_view k, const Range& items) { return key(k).array(items); }

  // A hint: about how long the document will be, so the text need not be copied as it grows.
  void reserve(std::size_t bytes) { buf_.reserve(len_ + bytes); }
  // The finished document with its trailing newline; the writer is empty afterwards. With a
  // sink, the rest of the document goes there and the result is empty.
  std::string finish();

private:
  JsonWriter& integer(long long n);
  JsonWriter& integer(unsigned long long n);
  template <std::signed_integral T> JsonWriter& integer(T n) { return integer(static_cast<long long>(n)); }
  template <std::unsigned_integral T> JsonWriter& integer(T n) { return integer(static_cast<unsigned long long>(n)); }

  void before_value();
  void end_container(char close);
  void quoted(std::string_view s);
  // Room for `n` more bytes after the text; the pointer is valid until the next call.
  char* room(std::size_t n) {
    if (buf_.size() - len_ < n) grow(n);
    return buf_.data() + len_;
  }
  void grow(std::size_t n);
  void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
    len_ += s.size();
  }
  void newline(std::size_t depth, bool comma);

  struct Open {
    char close;          // '}' or ']'
    std::size_t members; // written so far
  };
  // The text is buf_[0, len_). buf_ is kept a little longer than the text, so that each piece
  // written costs one size check and a copy, not a check per byte.
  std::string buf_;
  std::size_t len_ = 0;
  std::ostream* sink_ = nullptr;
  std::vector<Open> open_; // the containers begun and not yet ended, outermost first
  bool after_key_ = false; // key() was written; its value comes next
};

// A time as JSON: RFC 3339, or null when there is none.
inline std::optional<std::string> rfc3339_or_null(const std::optional<Time>& t) {
  return t ? std::optional(format_rfc3339(*t)) : std::nullopt;
}

// Opens the document's object with the fields every JSON document starts with, in order
// (docs/output.md): schema ("fleetcap.<command>/v1"), generated_at, at, source, and sources
// ([{name, kind, source, ok, error, fetched_at, taken_at}], docs/sources.md). The caller adds its
// own fields and ends with end_object().finish(). The one place the envelope is written:
// json_out::envelope() is this document read back. Without `sources`, the caller writes it
// (`fleetcap sources`: every column of its table).
void begin_document(JsonWriter& w, std::string_view command, const RenderOptions& o, bool sources = true);

} // namespace fleetcap::json_out
