// A small libcurl client with the retry rules of SPEC §3.1. Private to src/source/.
#pragma once

#include "fleetcap/source/source.hpp"

#include <atomic>
#include <string>

namespace fleetcap::http {

struct Response {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string redirected; // " (redirected to URL)" when a redirect was followed, else empty
};

// GET `url` with fleetcap's headers, retrying connection failures, 408, 429, 502, 503, 504
// up to 3 times with exponential backoff and jitter, honouring Retry-After (capped at 30 s).
// Returns the final response whatever its status; throws RuntimeError when no response came,
// InterruptedError when interrupted, and stops early when `cancel` is set by another fetch.
Response get(const std::string& url, const SourceOptions& options, const std::atomic<bool>& cancel);

void global_init();
std::string escape(std::string_view text);

} // namespace fleetcap::http
