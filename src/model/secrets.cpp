// The run's secrets, for redact() (fleetcap/secrets.hpp).
#include "fleetcap/secrets.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace fleetcap {
namespace {
constexpr std::string_view kRedacted = "[REDACTED]";
// The longest form one character of a secret takes when quoted: \u00XX in JSON.
constexpr std::size_t kLongestEscape = 6;

std::mutex secrets_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> all;
  return all;
}

// The secrets now, longest first.
std::vector<std::string> current() {
  const std::lock_guard lock(secrets_mutex);
  return secrets();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One escape at text[i] as the bytes it stands for: %XX (either case), and JSON's \" \\ \/ \b
// \f \n \r \t \uXXXX (as UTF-8). Returns the escape's length, 0 when there is none at i.
std::size_t decode_escape(std::string_view text, std::size_t i, std::string& bytes) {
  bytes.clear();
  const std::size_t left = text.size() - i;
  if (text[i] == '%' && left >= 3) {
    const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return 0;
    bytes += static_cast<char>(hi * 16 + lo);
    return 3;
  }
  if (text[i] != '\\' || left < 2) return 0;
  const char c = text[i + 1];
  static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
  if (const auto at = kFrom.find(c); at != std::string_view::npos) {
    bytes += kTo[at];
    return 2;
  }
  if (c != 'u' || left < 6) return 0;
  unsigned cp = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    const int v = hex_value(text[i + k]);
    if (v < 0) return 0;
    cp = cp * 16 + static_cast<unsigned>(v);
  }
  if (cp < 0x80) {
    bytes += static_cast<char>(cp);
  } else if (cp < 0x800) {
    bytes += static_cast<char>(0xC0 | (cp >> 6));
    bytes += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    bytes += static_cast<char>(0xE0 | (cp >> 12));
    bytes += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    bytes += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return 6;
}

struct Span {
  std::size_t begin, end; // in the text
};

// Where `text` holds a secret, as written or escaped in any mix of the forms decode_escape
// reads (a server may encode some characters of a token and not others, in either case):
// the text is decoded once into `plain`, each plain byte remembering the span it came from,
// and the secrets are searched in both. Sorted, overlaps merged.
std::vector<Span> find_secrets(std::string_view text, const std::vector<std::string>& all) {
  std::vector<Span> found;
  for (const auto& s : all)
    for (std::size_t at = text.find(s); at != std::string_view::npos; at = text.find(s, at + 1))
      found.push_back({at, at + s.size()});
  if (text.find_first_of("%\\") != std::string_view::npos) {
    std::string plain, bytes;
    std::vector<Span> from; // per byte of `plain`
    plain.reserve(text.size());
    from.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
      std::size_t n = decode_escape(text, i, bytes);
      if (n == 0) {
        bytes.assign(1, text[i]);
        n = 1;
      }
      for (char b : bytes) {
        plain += b;
        from.push_back({i, i + n});
      }
      i += n;
    }
    if (plain.size() != text.size() || plain != text)
      for (const auto& s : all)
        for (std::size_t at = plain.find(s); at != std::string::npos; at = plain.find(s, at + 1))
          found.push_back({from[at].begin, from[at + s.size() - 1].end});
  }
  std::sort(found.begin(), found.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> merged;
  for (const Span& s : found) {
    if (!merged.empty() && s.begin < merged.back().end)
      merged.back().end = std::max(merged.back().end, s.end);
    else
      merged.push_back(s);
  }
  return merged;
}

// Redacts `text`: secrets that start before `safe` are replaced; returns where the text was
// written up to (at least `safe`, unless the text is shorter).
std::size_t redact_into(std::string& out, std::string_view text, std::size_t safe,
                        const std::vector<std::string>& all) {
  std::size_t p = 0;
  for (const Span& s : find_secrets(text, all)) {
    if (s.begin >= safe) break;
    out.append(text.substr(p, s.begin - p));
    out.append(kRedacted);
    p = s.end;
  }
  const std::size_t upto = std::max(p, std::min(safe, text.size()));
  out.append(text.substr(p, upto - p));
  return upto;
}
} // namespace

std::string percent_encoded(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

void add_secret(std::string_view secret) {
  if (secret.empty()) return;
  const std::lock_guard lock(secrets_mutex);
  auto& all = secrets();
  if (std::find(all.begin(), all.end(), secret) == all.end()) all.emplace_back(secret);
  std::stable_sort(all.begin(), all.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void take_credential(std::string_view secret, std::string_view subject, std::string_view fix, bool from_program) {
  add_secret(secret);
  if (!has_control(secret)) return;
  const std::string message = fmt::format("{} contains a control character (a line break?); {}", subject, fix);
  if (from_program) throw RuntimeError(message);
  throw UsageError(message);
}

std::string redact(std::string_view text) {
  const auto all = current();
  if (all.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  redact_into(out, text, text.size(), all);
  return out;
}

std::string SecretFilter::feed(std::string_view piece) {
  const auto all = current();
  std::string out;
  if (all.empty()) {
    out.swap(held_);
    out.append(piece);
    return out;
  }
  std::string text;
  text.reserve(held_.size() + piece.size());
  text.append(held_);
  text.append(piece);
  // A secret that begins at or after `safe` may not have arrived whole, in its longest form:
  // hold it back.
  const std::size_t longest = all.front().size() * kLongestEscape;
  const std::size_t safe = text.size() >= longest ? text.size() - longest + 1 : 0;
  out.reserve(text.size());
  const std::size_t upto = redact_into(out, text, safe, all);
  held_.assign(text, upto, std::string::npos);
  return out;
}

std::string SecretFilter::feed(std::string&& piece) {
  if (held_.empty() && current().empty()) return std::move(piece);
  return feed(std::string_view(piece));
}

std::string SecretFilter::finish() {
  std::string rest;
  rest.swap(held_);
  return redact(rest);
}

} // namespace fleetcap
