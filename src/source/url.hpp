// The one place that reads a --source URL: a strict parser used both to reject a bad URL
// before any request (a usage error naming it) and to decide whether the host is loopback
// (where a token may go over plain http). Private to src/source/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleetcap::url {

struct Url {
  std::string scheme;   // "http" or "https"
  std::string userinfo; // user:password, without the '@' (never shown)
  std::string host;     // as written; an IPv6 literal keeps its brackets
  int port = 0;         // 0: the scheme's default
  std::string path;     // from the first '/' on, or empty
};

// The URL parsed, or why not (one phrase, e.g. "port 99999 is not between 1 and 65535").
// Accepted: http(s)://[userinfo@]host[:port][/path]; host a name of letters, digits, '-' and
// '.', a dotted-quad IPv4 address or a bracketed IPv6 address. Refused: anything else,
// including a query or fragment (the base gets /v1/... appended), spaces and control
// characters, an empty host, a port that is not 1-65535 in decimal.
struct Parsed {
  std::optional<Url> url;
  std::string why;
};
// `only`: accept this scheme instead of http and https ("ssh", for slurm+ssh://).
Parsed parse(std::string_view text, std::string_view only = {});

// True only for a literal address in 127.0.0.0/8, ::1 (any spelling inet_pton accepts), or
// the name `localhost` exactly (any case): never a prefix match ("127.0.0.1.evil.example").
bool loopback_host(std::string_view host);

// True for a connected address (CURLINFO_PRIMARY_IP: "127.0.0.1", "::1") that is loopback.
bool loopback_address(std::string_view address);

} // namespace fleetcap::url
