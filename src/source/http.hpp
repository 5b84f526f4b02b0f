// A small libcurl client with the retry rules of docs/fleet-api.md. Private to src/source/.
#pragma once

#include "fleetcap/source/source.hpp"
#include "tasks.hpp"

#include <atomic>
#include <cstddef>
#include <string>

namespace fleetcap::http {

struct Response {
  long status = 0;
  std::string body; // the whole body, unless an observer let go of its start (BodyObserver)
  std::string head; // the body's first 64 KiB, for error messages, whatever the observer did
  std::string content_type;
  std::string redirected; // " (redirected to URL)" when a redirect was followed, else empty
};

// Sees a successful (2xx) response's body as it arrives, so it can be parsed while the rest is
// still on the way, and lets go of what it has parsed, so a large body never has to be held
// whole (docs/design.md, "Streaming").
struct BodyObserver {
  virtual ~BodyObserver() = default;
  // `body` holds what arrived and was not let go of; `expected` is the body's likely length (0:
  // unknown). Returns how many bytes at the front of `body` it no longer needs: they are dropped.
  // Called on libcurl's thread.
  virtual std::size_t grew(std::string& body, std::size_t expected) = 0;
  virtual void restart() = 0; // a retry: what it saw is void
};

// GET `url` with fleetcap's headers, retrying connection failures, 408, 429, 502, 503, 504
// up to 3 times with exponential backoff and jitter, honouring Retry-After (capped at 30 s).
// Returns the final response whatever its status; throws RuntimeError when no response came,
// InterruptedError when interrupted, and Cancelled (tasks.hpp) as soon as `cancel` is requested.
// `observer`, when given, sees each 2xx body grow (it must not throw); what it drops is not in
// Response::body.
// A connection kept from one request to the next (a list's pages, asked for one after another):
// the next request to the same server skips the TCP and TLS handshakes, and libcurl does not set
// up TLS again (on OpenSSL 3, loading the CA for each request was a third of the Kubernetes
// source's CPU). Used by one request at a time, from any thread.
class Session {
public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

private:
  friend Response get(const std::string&, const SourceOptions&, const source::Cancel&, BodyObserver*, Session*);
  void* handle_ = nullptr; // libcurl's easy handle
  void* multi_ = nullptr;  // the multi handle it runs in, whose connection cache keeps the connection
};

// `session`, when given, carries the connection from the request before and to the next.
Response get(const std::string& url, const SourceOptions& options, const source::Cancel& cancel,
             BodyObserver* observer = nullptr, Session* session = nullptr);

void global_init();
std::string escape(std::string_view text);

} // namespace fleetcap::http
