// The one JSON writer: every document fleetcap prints (render/) and every page an adapter
// translates into the fleet API's shape (source/) is written through it, straight into one
// string instead of being built as an nlohmann tree first, which at a million GPUs cost most of
// the run (docs/design.md, "Writing JSON"). Indented, the text is byte for byte what nlohmann's
// dump(2) prints for the same document; on one line, what the adapters wrote by hand before.
// nlohmann stays only where a small document is read.
#pragma once

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

namespace fleetcap::json {

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

  // A long array made on several threads (render/parallel.hpp): continuation() is a writer, with
  // no sink, for a run of members of the container being written here (the same depth, every
  // member after a comma); its take_text() is what it wrote; splice() appends that text (one
  // member or more) as the next members here, in order. The text is byte for byte what writing
  // the members here would have made.
  JsonWriter continuation() const;
  std::string take_text();
  void splice(std::string_view text);

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
    std::size_t members; // written so far (a spliced run counts once: only "any?" is read)
  };
  // The text is buf_[0, len_). buf_ is kept a little longer than the text, so that each piece
  // written costs one size check and a copy, not a check per byte.
  std::string buf_;
  std::size_t len_ = 0;
  std::ostream* sink_ = nullptr;
  std::vector<Open> open_; // the containers begun and not yet ended, outermost first
  bool after_key_ = false; // key() was written; its value comes next
};

// `s` as a JSON string, quotes included, appended to `out`: the escaping JsonWriter uses, for
// code that builds JSON text around it.
void append_quoted(std::string& out, std::string_view s);

} // namespace fleetcap::json
