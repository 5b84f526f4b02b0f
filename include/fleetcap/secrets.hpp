// Every secret a run holds (the fleet API token, a Slurm JWT, kubeconfig credentials) is
// registered here as soon as it is read, so that nothing fleetcap writes can carry it
// (docs/fleet-api.md: "the token never appears in any output"). Thread-safe.
//
// main installs the filters once: stdout (streamed in pieces) and stderr (line by line) pass
// through them, so every message, warning, --verbose line and output byte is redacted,
// whoever wrote it and whatever it quotes (an error body, a data value, a redirect Location).
#pragma once

#include <string>
#include <string_view>

namespace fleetcap {

// Remembers `secret` for redact(). Empty secrets are ignored. redact() also finds it in the forms
// it takes when quoted, in any mix: percent-encoded (%2B or %2b, in a URL) and JSON-escaped (\",
// \\, \/, \uXXXX).
void add_secret(std::string_view secret);

// Every credential fleetcap reads goes through here: registered with add_secret(), and refused
// when it holds a control character (a line break would end the header line it is sent in and
// smuggle in another header, as an injected "Impersonate-User: ..." would). Throws UsageError
// (exit 2; RuntimeError, exit 1, when `from_program`: an exec plugin's answer), worded
// "{subject} contains a control character (a line break?); {fix}", never quoting it.
void take_credential(std::string_view secret, std::string_view subject, std::string_view fix,
                     bool from_program = false);

// `text` percent-encoded as in a URL query (RFC 3986 unreserved characters kept): the form a
// secret takes in a URL, and what the HTTP client escapes query values with.
std::string percent_encoded(std::string_view text);

// `text` with every registered secret replaced by "[REDACTED]". Linear in the text. Quote what a
// server sent through quote_from_server() (fleetcap/text.hpp), which redacts before it cuts.
std::string redact(std::string_view text);

// Redacts a stream given in pieces: a secret split across two pieces is still caught. feed()
// returns what can be written now (it holds back the last few bytes, shorter than the longest
// secret's longest escaped form, that might begin one); finish() returns the rest. Linear in
// what is fed.
class SecretFilter {
public:
  std::string feed(std::string_view piece);
  // The same for a piece that may be taken as it is (no secret known, nothing held back): a
  // document of tens of MB is then not copied again.
  std::string feed(std::string&& piece);
  std::string finish();

private:
  std::string held_;
};

} // namespace fleetcap
