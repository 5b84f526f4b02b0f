#include "json_writer.hpp"

#include <nlohmann/json.hpp>

#include <cassert>
#include <charconv>

namespace fleetcap::json_out {
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

// Appends `s` quoted and escaped as nlohmann's dump() does without ensure_ascii: the two-letter
// escapes, \u00xx (lower-case hex) for the other bytes below 0x20, everything else as it is.
// A string that is not valid UTF-8 goes to nlohmann whole, so the U+FFFD it puts in for the
// bad bytes are exactly its own.
void append_string(std::string& out, std::string_view s) {
  const std::size_t start = out.size();
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t copied = 0; // bytes of s already in out
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      const std::size_t len = utf8_length(p + i, n - i);
      if (len == 0) {
        out.resize(start);
        out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      i += len;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + copied, i - copied);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
    }
    copied = ++i;
  }
  out.append(s.data() + copied, n - copied);
  out += '"';
}

} // namespace

void JsonWriter::newline_indent(std::size_t depth) {
  out_ += '\n';
  out_.append(2 * depth, ' ');
}

// Where a value starts: right after its key, or on its own line in an array.
void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) return; // the document itself
  assert(open_.back().close == ']' && "a value inside an object needs a key");
  out_ += open_.back().members++ ? "," : "";
  newline_indent(open_.size());
}

JsonWriter& JsonWriter::key(std::string_view k) {
  assert(!open_.empty() && open_.back().close == '}' && !after_key_ && "a key belongs in an object");
  out_ += open_.back().members++ ? "," : "";
  newline_indent(open_.size());
  append_string(out_, k);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  open_.push_back({'}', 0});
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  open_.push_back({']', 0});
  return *this;
}

// Empty containers close on the same line ({} and []), others on a line of their own.
void JsonWriter::end_container(char close) {
  assert(!open_.empty() && open_.back().close == close && !after_key_ && "unbalanced end");
  const std::size_t members = open_.back().members;
  open_.pop_back();
  if (members) newline_indent(open_.size());
  out_ += close;
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
  append_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::nullptr_t) {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::integer(long long n) {
  before_value();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  return *this;
}

JsonWriter& JsonWriter::integer(unsigned long long n) {
  before_value();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
  return *this;
}

std::string JsonWriter::finish() {
  assert(open_.empty() && !after_key_ && "finish() before the document is closed");
  out_ += '\n';
  return std::exchange(out_, {});
}

std::array<std::pair<std::string_view, std::string>, 4> envelope_fields(std::string_view command,
                                                                        const RenderOptions& o) {
  return {{{"schema", "fleetcap." + std::string(command) + "/v1"},
           {"generated_at", format_rfc3339(o.generated_at)},
           {"at", format_rfc3339(o.at)},
           {"source", o.source}}};
}

void begin_document(JsonWriter& w, std::string_view command, const RenderOptions& o) {
  w.begin_object();
  for (const auto& [k, v] : envelope_fields(command, o)) w.field(k, v);
}

} // namespace fleetcap::json_out
