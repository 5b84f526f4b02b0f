// Where a Kubernetes API server is and how to log in to it, from a kubeconfig as kubectl reads
// it, or from a pod's service account (docs/kubernetes.md). Private to src/source/; the only file
// that includes yaml-cpp is kubeconfig.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fleetcap::kube {

struct Access {
  std::string context;  // the context's name, or "in-cluster"
  std::string origin;   // the kubeconfig file(s) it came from, for messages
  std::string server;   // https://host:port[/path], no trailing slash
  std::string ca_pem;   // empty: the system's CAs
  std::string cert_pem; // client certificate and key (PEM), or empty
  std::string key_pem;
  std::optional<std::string> token; // bearer token
  bool insecure = false;            // insecure-skip-tls-verify
  std::string auth;                 // how it logs in, for `fleetcap sources` (never the secret)
  std::vector<std::string> warnings;
};

// `context` empty: the current context. `kubeconfig` empty: $KUBECONFIG, else ~/.kube/config,
// else the service account when running in a pod. Runs exec credential plugins (bounded by
// `timeout` seconds in all; in a process group of their own, killed on a timeout or Ctrl-C).
// Every credential read is registered with add_secret() at once, and refused when it holds a
// control character. Every file is read through the local-file reader. Throws UsageError (exit
// 2) for what the kubeconfig, or a file it names, says or lacks; RuntimeError (exit 1) for an
// exec plugin that fails or answers what no server would take; InterruptedError.
Access load_access(const std::string& context, const std::string& kubeconfig, double timeout);

// The same for one kubeconfig's text (`file` names it in errors; relative paths are resolved
// from it), without running an exec plugin (a UsageError instead): the fuzz target's way in.
Access access_from_text(const std::string& yaml, const std::string& file, const std::string& context);

// Standard base64 (kubeconfig's *-data fields); nullopt when it is not base64.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace fleetcap::kube
