// Every secret a run holds (the fleet API token, a Slurm JWT, kubeconfig credentials) is
// registered here as soon as it is read, so that nothing fleetcap writes can carry it
// (SPEC §3.1: "the token never appears in any output"). Thread-safe.
//
// main installs the filters once: stdout (streamed in pieces) and stderr (line by line) pass
// through them, so every message, warning, --verbose line and output byte is redacted,
// whoever wrote it and whatever it quotes (an error body, a data value, a redirect Location).
#pragma once

#include <string>
#include <string_view>

namespace fleetcap {

// Remembers `secret` for redact(), with the forms it takes when quoted: percent-encoded (in a
// URL) and JSON-escaped. Empty secrets are ignored.
void add_secret(std::string_view secret);

// `text` percent-encoded as in a URL query (RFC 3986 unreserved characters kept): the form a
// secret takes in a URL, and what the HTTP client escapes query values with.
std::string percent_encoded(std::string_view text);

// `text` with every registered secret replaced by "[REDACTED]". Linear in the text.
std::string redact(std::string_view text);

// Redacts a stream given in pieces: a secret split across two pieces is still caught. feed()
// returns what can be written now (it holds back the last few bytes, shorter than the longest
// secret, that might begin one); finish() returns the rest. Linear in what is fed.
class SecretFilter {
public:
  std::string feed(std::string_view piece);
  std::string finish();

private:
  std::string held_;
};

} // namespace fleetcap
