// The run's secrets, for redact() (fleetcap/secrets.hpp).
#include "fleetcap/secrets.hpp"

#include <mutex>
#include <vector>

namespace fleetcap {
namespace {
std::mutex secrets_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> all;
  return all;
}
} // namespace

void add_secret(std::string_view secret) {
  if (secret.empty()) return;
  const std::lock_guard lock(secrets_mutex);
  secrets().emplace_back(secret);
}

std::string redact(std::string_view text) {
  std::string out(text);
  const std::lock_guard lock(secrets_mutex);
  for (const auto& secret : secrets())
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 10))
      out.replace(at, secret.size(), "[REDACTED]");
  return out;
}

} // namespace fleetcap
