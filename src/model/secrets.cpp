// The run's secrets, for redact() (fleetcap/secrets.hpp).
#include "fleetcap/secrets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace fleetcap {
namespace {
constexpr std::string_view kRedacted = "[REDACTED]";

std::mutex secrets_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> all;
  return all;
}

std::string json_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The secrets now, longest first (so a secret containing another is replaced whole).
std::vector<std::string> current() {
  const std::lock_guard lock(secrets_mutex);
  return secrets();
}

// Redacts `text` from `p`: matches that start before `safe` are replaced; returns where the
// text was written up to (at least `safe`, unless the text is shorter).
std::size_t redact_into(std::string& out, std::string_view text, std::size_t safe,
                        const std::vector<std::string>& all) {
  std::vector<std::size_t> next(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) next[i] = text.find(all[i]);
  std::size_t p = 0;
  for (;;) {
    std::size_t best = std::string_view::npos, which = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (next[i] != std::string_view::npos && next[i] < p) next[i] = text.find(all[i], p);
      if (next[i] < best) { // ties go to the earlier (longer) secret
        best = next[i];
        which = i;
      }
    }
    if (best == std::string_view::npos || best >= safe) break;
    out.append(text.substr(p, best - p));
    out.append(kRedacted);
    p = best + all[which].size();
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
  for (std::string form : {std::string(secret), percent_encoded(secret), json_escaped(secret)})
    if (std::find(all.begin(), all.end(), form) == all.end()) all.push_back(std::move(form));
  std::stable_sort(all.begin(), all.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
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
  // A secret that begins at or after `safe` may not have arrived whole: hold it back.
  const std::size_t longest = all.front().size();
  const std::size_t safe = text.size() >= longest ? text.size() - longest + 1 : 0;
  out.reserve(text.size());
  const std::size_t upto = redact_into(out, text, safe, all);
  held_.assign(text, upto, std::string::npos);
  return out;
}

std::string SecretFilter::finish() {
  std::string rest;
  rest.swap(held_);
  return redact(rest);
}

} // namespace fleetcap
