// Every secret a run holds (the fleet API token, a Slurm JWT, kubeconfig credentials) is
// registered here as soon as it is read, so that nothing fleetcap writes can carry it
// (SPEC §3.1: "the token never appears in any output"). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace fleetcap {

// Remembers `secret` for redact(). Empty secrets are ignored.
void add_secret(std::string_view secret);

// `text` with every registered secret replaced by "[REDACTED]".
std::string redact(std::string_view text);

} // namespace fleetcap
