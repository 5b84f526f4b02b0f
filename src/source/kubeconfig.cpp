// kubeconfig files as kubectl reads them (merged, relative paths, -data forms, exec plugins),
// and the in-cluster service account. The only file that includes yaml-cpp.
#include "kubeconfig.hpp"
#include "command.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/source/local_file.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"
#include "url.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

namespace fleetcap::kube {
namespace fs = std::filesystem;
namespace child = source::command; // the one runner of other programs (command.hpp)

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int have = 0;
  bool ended = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ended = true;
      continue;
    }
    const int v = value(c);
    if (v < 0 || ended) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out += static_cast<char>((bits >> have) & 0xffu);
    }
  }
  return out;
}

namespace {

constexpr std::size_t kMaxPluginOutput = std::size_t{1} << 20;
constexpr const char* kServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";
// Every file a kubeconfig names is read through the one local-file reader (local_file.hpp): a
// regular file only, never blocking, never more than its limit.
constexpr std::uint64_t kKubeconfigLimit = std::uint64_t{16} << 20;
constexpr std::uint64_t kTokenLimit = std::uint64_t{64} << 10;
constexpr std::uint64_t kPemLimit = std::uint64_t{64} << 20; // a CA bundle, as --cacert

// One named entry (cluster, user or context) and the file that defined it.
struct Entry {
  YAML::Node node;
  std::string file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  std::vector<std::string> files; // the files read, in order
};

// The kubeconfig and every file it names configure the run: whatever keeps one from being used
// (missing, unreadable, not a regular file, too large, malformed) is a usage error, exit 2, as
// for --token-file and --config (docs/reliability.md, "One rule for files").
[[noreturn]] void malformed(const std::string& file, const std::string& what) {
  throw UsageError(
      fmt::format("kubeconfig {}: {}; fix the file, or point --kubeconfig or KUBECONFIG at another", file, what));
}

// `path` whole, through the local-file reader; `what` names it in errors ("kubeconfig F: user
// \"u\": tokenFile"), `limit_name` its limit.
std::string read_file(const std::string& path, std::uint64_t limit, const std::string& limit_name,
                      const std::string& what) {
  LocalRead read = read_local_file(path, limit, limit_name);
  if (read.bytes) return std::move(*read.bytes);
  throw UsageError(fmt::format("{}: {}", what, read.error));
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

// A path in a kubeconfig is relative to the file's directory, as kubectl resolves it.
std::string resolve(const std::string& path, const std::string& file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

// A string field of a map, or "" when absent; anything but a scalar is an error naming it.
std::string text_of(const YAML::Node& map, const char* key, const std::string& file, const std::string& where) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return {};
  if (!v.IsScalar()) malformed(file, fmt::format("{}: \"{}\" must be a string", where, key));
  return v.Scalar();
}

bool bool_of(const YAML::Node& map, const char* key, const std::string& file, const std::string& where) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return false;
  bool b = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
    malformed(file, fmt::format("{}: \"{}\" must be true or false", where, key));
  return b;
}

// A name from the file, shown in messages: control characters escaped, at most 80 bytes.
std::string shown(std::string_view name) {
  return escape_control(name.substr(0, 80)) + (name.size() > 80 ? "..." : "");
}

void merge_text(const std::string& text, const std::string& file, Merged& m) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    malformed(file, fmt::format("not valid YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1,
                                shown(e.msg)));
  }
  m.files.push_back(file);
  if (!root || root.IsNull()) return; // an empty file adds nothing, as kubectl reads it
  if (!root.IsMap()) malformed(file, "the top level must be a mapping (apiVersion, clusters, users, contexts)");
  const std::string kind = text_of(root, "kind", file, "top level");
  if (!kind.empty() && kind != "Config") malformed(file, fmt::format("kind is \"{}\", expected Config", shown(kind)));
  auto take = [&](const char* list, const char* inner, std::map<std::string, Entry>& into) {
    const YAML::Node seq = root[list];
    if (!seq || seq.IsNull()) return;
    if (!seq.IsSequence()) malformed(file, fmt::format("\"{}\" must be a list", list));
    for (std::size_t i = 0; i < seq.size(); ++i) {
      const YAML::Node item = seq[i];
      const std::string where = fmt::format("{}[{}]", list, i);
      if (!item.IsMap()) malformed(file, fmt::format("{} must be a mapping", where));
      const std::string name = text_of(item, "name", file, where);
      if (name.empty()) malformed(file, fmt::format("{} has no name", where));
      const YAML::Node body = item[inner];
      if (body && !body.IsNull() && !body.IsMap())
        malformed(file, fmt::format("{} \"{}\": \"{}\" must be a mapping", where, shown(name), inner));
      into.try_emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), file}); // first file wins
    }
  };
  take("clusters", "cluster", m.clusters);
  take("users", "user", m.users);
  take("contexts", "context", m.contexts);
  if (m.current_context.empty()) m.current_context = text_of(root, "current-context", file, "top level");
}

std::string names_of(const std::map<std::string, Entry>& map) {
  std::string out;
  for (const auto& [name, entry] : map) out += (out.empty() ? "" : ", ") + shown(name);
  return out.empty() ? "none" : out;
}

// A PEM from FIELD-data (base64) or FIELD (a file path); "" when neither.
std::string pem_of(const YAML::Node& map, const std::string& field, const Entry& e, const std::string& where,
                   bool secret) {
  const std::string data = text_of(map, (field + "-data").c_str(), e.file, where);
  if (!data.empty()) {
    if (secret) add_secret(data);
    auto bytes = base64_decode(data);
    if (!bytes) malformed(e.file, fmt::format("{}: \"{}-data\" is not base64", where, field));
    if (secret) add_secret(*bytes);
    return *bytes;
  }
  const std::string path = text_of(map, field.c_str(), e.file, where);
  if (path.empty()) return {};
  std::string bytes =
      read_file(resolve(path, e.file), kPemLimit, "64 MiB", fmt::format("kubeconfig {}: {}: {}", e.file, where, field));
  if (secret) add_secret(bytes);
  return bytes;
}

// An exec plugin's command line and environment (kubectl's ExecConfig), from the kubeconfig.
struct PluginCall {
  std::string api, command, hint;
  child::Spec spec;
};

PluginCall plugin_call(const YAML::Node& exec, const Entry& e, const std::string& where, const std::string& server) {
  PluginCall c;
  c.api = text_of(exec, "apiVersion", e.file, where);
  if (c.api != "client.authentication.k8s.io/v1" && c.api != "client.authentication.k8s.io/v1beta1")
    malformed(e.file, fmt::format("{}: apiVersion \"{}\" is not client.authentication.k8s.io/v1 or v1beta1", where,
                                  shown(c.api)));
  c.command = text_of(exec, "command", e.file, where);
  if (c.command.empty()) malformed(e.file, fmt::format("{} has no command", where));
  if (c.command.find('/') != std::string::npos) c.command = resolve(c.command, e.file);
  c.hint = text_of(exec, "installHint", e.file, where);
  c.spec.argv.push_back(c.command);
  if (const YAML::Node args = exec["args"]; args && !args.IsNull()) {
    if (!args.IsSequence()) malformed(e.file, fmt::format("{}: \"args\" must be a list", where));
    for (const auto& arg : args) {
      if (!arg.IsScalar()) malformed(e.file, fmt::format("{}: \"args\" must be a list of strings", where));
      c.spec.argv.push_back(arg.Scalar());
    }
  }
  if (const YAML::Node list = exec["env"]; list && !list.IsNull()) {
    if (!list.IsSequence()) malformed(e.file, fmt::format("{}: \"env\" must be a list", where));
    for (const auto& item : list) {
      if (!item.IsMap()) malformed(e.file, fmt::format("{}: \"env\" must be a list of {{name, value}}", where));
      const std::string name = text_of(item, "name", e.file, where + " env");
      const std::string value = text_of(item, "value", e.file, where + " env");
      if (name.empty()) malformed(e.file, fmt::format("{}: an env entry has no name", where));
      add_secret(value.size() >= 6 ? value : std::string()); // plugins take keys by env
      c.spec.env.push_back(name + "=" + value);
    }
  }
  nlohmann::json info = {{"apiVersion", c.api}, {"kind", "ExecCredential"}, {"spec", {{"interactive", false}}}};
  if (bool_of(exec, "provideClusterInfo", e.file, where)) info["spec"]["cluster"] = {{"server", server}};
  c.spec.env.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  return c;
}

// The ExecCredential a plugin printed: its token, or its client certificate and key, into `a`.
void take_exec_credential(const std::string& out, const std::string& api, const std::string& name, Access& a) {
  nlohmann::json cred;
  try {
    cred = nlohmann::json::parse(out);
  } catch (const nlohmann::json::exception&) {
    throw RuntimeError(fmt::format("{} printed something that is not JSON; it must print an ExecCredential", name));
  }
  auto str = [](const nlohmann::json& j, const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!cred.is_object() || str(cred, "kind") != "ExecCredential")
    throw RuntimeError(fmt::format("{} printed JSON that is not an ExecCredential", name));
  if (str(cred, "apiVersion") != api)
    throw RuntimeError(fmt::format("{} answered apiVersion \"{}\", but the kubeconfig asks for \"{}\"", name,
                                   shown(str(cred, "apiVersion")), api));
  const auto st = cred.find("status");
  if (st == cred.end() || !st->is_object())
    throw RuntimeError(fmt::format("{} printed an ExecCredential without a status", name));
  const std::string token = str(*st, "token");
  const std::string cert = str(*st, "clientCertificateData"), key = str(*st, "clientKeyData");
  add_secret(key);
  take_credential(token, fmt::format("the status.token that {} printed", name),
                  "the plugin answered a token no API server would take: run it by hand, or log in again", true);
  if (token.empty() && (cert.empty() || key.empty()))
    throw RuntimeError(fmt::format("{} printed an ExecCredential with neither status.token nor "
                                   "status.clientCertificateData and clientKeyData",
                                   name));
  if (!token.empty()) a.token = token;
  if (!cert.empty() && !key.empty()) {
    a.cert_pem = cert;
    a.key_pem = key;
  }
}

// Runs an exec credential plugin as kubectl does (ExecCredential on stdout), non-interactively,
// through the one runner of other programs (command.hpp): in a process group of its own, with
// one --timeout deadline for reading and waiting both, and the whole group killed on that
// deadline or on Ctrl-C or SIGTERM (seen here while it runs: interrupts are deferred).
void run_plugin(const YAML::Node& exec, const Entry& e, const std::string& user, const std::string& server,
                double timeout, Access& a) {
  const std::string where = fmt::format("user \"{}\" exec", shown(user));
  PluginCall call = plugin_call(exec, e, where, server);
  call.spec.timeout = timeout;
  call.spec.max_out = kMaxPluginOutput;
  const child::Result r = [&] {
    const DeferInterrupts defer; // the runner sees a signal, kills the group, and reports it
    return child::run(call.spec);
  }();
  if (r.end == child::End::not_found || r.end == child::End::cannot_run)
    throw RuntimeError(
        fmt::format("kubeconfig {}: {}: cannot run \"{}\": {}{}", e.file, where, shown(call.command),
                    r.end == child::End::not_found ? std::strerror(ENOENT) : r.why,
                    call.hint.empty() ? "; install it or fix the command" : "; " + escape_control(trimmed(call.hint))));
  if (r.end == child::End::interrupted || interrupt_requested()) throw InterruptedError();
  const std::string name = fmt::format("kubeconfig {}: {} \"{}\"", e.file, where, shown(call.command));
  if (r.end == child::End::timed_out)
    throw RuntimeError(
        fmt::format("{} did not finish within {} s; run it by hand to see what it waits for", name, timeout));
  if (r.end == child::End::too_much)
    throw RuntimeError(fmt::format("{} printed more than 1 MiB; it is not an ExecCredential", name));
  // What the plugin printed is not quoted: it may carry credentials fleetcap cannot know of.
  if (!r.ok())
    throw RuntimeError(
        fmt::format("{} failed ({}); run it by hand to see its message, or log in again", name, child::describe(r)));
  take_exec_credential(r.out, call.api, name, a);
}

// `server` checked as the one URL parser reads it (url.hpp); userinfo is removed (and its text
// registered as a secret): fleetcap sends no basic auth, and no message may show a password.
std::string server_url(std::string server, const std::string& file, const std::string& where, Access& a) {
  while (server.ends_with('/')) server.pop_back();
  const url::Parsed p = url::parse(server);
  if (!p.url)
    malformed(file,
              fmt::format("{}: server \"{}\" is not a usable URL: {}", where, shown(display_source(server)), p.why));
  if (!p.url->userinfo.empty()) {
    add_secret(p.url->userinfo);
    if (const auto colon = p.url->userinfo.find(':'); colon != std::string::npos && p.url->userinfo.size() - colon > 6)
      add_secret(p.url->userinfo.substr(colon + 1));
    server = display_source(server);
    a.warnings.push_back(fmt::format("{}: the server URL holds a user name and password, which fleetcap does not send "
                                     "(Kubernetes dropped basic auth); it is used without them",
                                     where));
  }
  return server;
}

Access in_cluster() {
  const char* dir_env = std::getenv("FLEETCAP_SERVICEACCOUNT_DIR"); // for tests; the real one by default
  const std::string dir = dir_env && *dir_env ? dir_env : kServiceAccount;
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT_HTTPS");
  if (!port || !*port) port = std::getenv("KUBERNETES_SERVICE_PORT");
  Access a;
  a.context = "in-cluster";
  a.origin = dir;
  const std::string h = host;
  const std::string server =
      fmt::format("https://{}:{}", h.find(':') != std::string::npos ? "[" + h + "]" : h, port && *port ? port : "443");
  if (const url::Parsed p = url::parse(server); !p.url)
    throw UsageError(
        fmt::format("in a pod: KUBERNETES_SERVICE_HOST and _PORT make \"{}\", which is not a usable URL: {}",
                    shown(server), p.why));
  a.server = server;
  a.auth = "service account token";
  a.token = trimmed(read_file(dir + "/token", kTokenLimit, "64 KiB, too large for a token", "service account token"));
  take_credential(*a.token, fmt::format("the service account token {}/token", dir),
                  "the pod's token is damaged: recreate the pod");
  LocalRead ca = read_local_file(dir + "/ca.crt", kPemLimit, "64 MiB");
  if (ca.bytes)
    a.ca_pem = std::move(*ca.bytes);
  else if (!ca.missing)
    throw UsageError(fmt::format("service account CA: {}", ca.error));
  return a;
}

// The kubeconfig files to read, merged as kubectl merges them; Merged::files empty and `in_pod`
// set when there is none and this runs in a pod.
std::string merge_kubeconfigs(const std::string& kubeconfig, bool& in_pod, Merged& m) {
  if (!kubeconfig.empty()) {
    LocalRead probe = read_local_file(kubeconfig, kKubeconfigLimit, "16 MiB, too large for a kubeconfig");
    if (probe.missing)
      throw UsageError(fmt::format("--kubeconfig {}: no such file; pass the path of your kubeconfig", kubeconfig));
    if (!probe.bytes) throw UsageError(fmt::format("--kubeconfig {}", probe.error));
    merge_text(*probe.bytes, kubeconfig, m);
    return kubeconfig;
  }
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    const std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      const std::string file = list.substr(start, end - start);
      start = end + 1;
      if (file.empty()) continue;
      LocalRead read = read_local_file(file, kKubeconfigLimit, "16 MiB, too large for a kubeconfig");
      if (read.missing) continue; // kubectl skips missing ones
      if (!read.bytes) throw UsageError(fmt::format("KUBECONFIG: {}", read.error));
      merge_text(*read.bytes, file, m);
    }
    if (m.files.empty())
      throw UsageError(fmt::format("none of the files in KUBECONFIG ({}) exists; fix KUBECONFIG or pass "
                                   "--kubeconfig FILE",
                                   shown(list)));
    return m.files.size() == 1 ? m.files[0] : fmt::format("KUBECONFIG ({})", shown(list));
  }
  const char* home = std::getenv("HOME");
  const std::string file = home && *home ? std::string(home) + "/.kube/config" : std::string();
  LocalRead read = file.empty() ? LocalRead{std::nullopt, true, {}}
                                : read_local_file(file, kKubeconfigLimit, "16 MiB, too large for a kubeconfig");
  if (read.missing) {
    in_pod = true;
    return file.empty() ? "~/.kube/config" : file;
  }
  if (!read.bytes) throw UsageError(read.error);
  merge_text(*read.bytes, file, m);
  return file;
}

// The cluster a context names: its server and TLS into `a`.
void resolve_cluster(const Merged& m, const std::string& cluster_name, const Entry& ctx, Access& a) {
  const auto cl = m.clusters.find(cluster_name);
  if (cl == m.clusters.end())
    malformed(ctx.file, fmt::format("context \"{}\" names cluster \"{}\", which is not defined", shown(a.context),
                                    shown(cluster_name)));
  const Entry& c = cl->second;
  const std::string cwhere = fmt::format("cluster \"{}\"", shown(cluster_name));
  const std::string server = text_of(c.node, "server", c.file, cwhere);
  if (server.empty()) malformed(c.file, fmt::format("{} has no server", cwhere));
  a.server = server_url(server, c.file, cwhere, a);
  a.insecure = bool_of(c.node, "insecure-skip-tls-verify", c.file, cwhere);
  a.ca_pem = pem_of(c.node, "certificate-authority", c, cwhere, false);
  if (!text_of(c.node, "proxy-url", c.file, cwhere).empty())
    a.warnings.push_back(fmt::format("{}: proxy-url is not supported; set HTTPS_PROXY instead", cwhere));
  if (!text_of(c.node, "tls-server-name", c.file, cwhere).empty())
    a.warnings.push_back(fmt::format("{}: tls-server-name is not supported; the server's name is checked against its "
                                     "URL",
                                     cwhere));
}

// The user a context names: its credentials into `a` (an exec plugin run when `run_exec`).
void resolve_user(const Merged& m, const std::string& user_name, const Entry& ctx, double timeout, bool run_exec,
                  Access& a) {
  const auto us = m.users.find(user_name);
  if (us == m.users.end())
    malformed(ctx.file, fmt::format("context \"{}\" names user \"{}\", which is not defined", shown(a.context),
                                    shown(user_name)));
  const Entry& u = us->second;
  const std::string uwhere = fmt::format("user \"{}\"", shown(user_name));
  const std::string fix = "fix the kubeconfig";
  if (const std::string token = text_of(u.node, "token", u.file, uwhere); !token.empty()) {
    take_credential(token, fmt::format("kubeconfig {}: {}: the token", u.file, uwhere), fix);
    a.token = token;
  }
  if (const std::string file = text_of(u.node, "tokenFile", u.file, uwhere); !file.empty()) {
    const std::string what = fmt::format("kubeconfig {}: {}: tokenFile", u.file, uwhere);
    const std::string token =
        trimmed(read_file(resolve(file, u.file), kTokenLimit, "64 KiB, too large for a token", what));
    take_credential(token, fmt::format("{} {}", what, resolve(file, u.file)), "fix the token file");
    if (!token.empty()) a.token = token; // the file wins over token, as in client-go
  }
  a.cert_pem = pem_of(u.node, "client-certificate", u, uwhere, false);
  a.key_pem = pem_of(u.node, "client-key", u, uwhere, true);
  if (a.cert_pem.empty() != a.key_pem.empty())
    malformed(u.file,
              fmt::format("{} has a client certificate without its key, or a key without its certificate", uwhere));
  a.auth = a.token ? "token" : !a.cert_pem.empty() ? "client certificate" : "anonymous";
  if (!text_of(u.node, "tokenFile", u.file, uwhere).empty()) a.auth = "token file";
  if (const YAML::Node exec = u.node["exec"]; exec && !exec.IsNull()) {
    if (!exec.IsMap()) malformed(u.file, fmt::format("{}: \"exec\" must be a mapping", uwhere));
    if (!run_exec) throw UsageError(fmt::format("kubeconfig {}: {} runs an exec plugin", u.file, uwhere));
    run_plugin(exec, u, user_name, a.server, timeout, a);
    a.auth = fmt::format("exec plugin {}", shown(text_of(exec, "command", u.file, uwhere)));
  }
  a.auth = fmt::format("{} of user \"{}\"", a.auth, shown(user_name));
  if (const YAML::Node ap = u.node["auth-provider"]; ap && !ap.IsNull() && !a.token)
    malformed(u.file, fmt::format("{} uses auth-provider \"{}\", which kubectl itself dropped; switch to its exec "
                                  "plugin (e.g. gke-gcloud-auth-plugin, kubelogin)",
                                  uwhere, ap.IsMap() && ap["name"] ? shown(ap["name"].as<std::string>("")) : ""));
  if (const std::string password = text_of(u.node, "password", u.file, uwhere); !password.empty()) {
    add_secret(password);
    if (!a.token && a.cert_pem.empty())
      malformed(u.file, fmt::format("{} uses a username and password, which fleetcap does not send; use a token, a "
                                    "client certificate or an exec plugin",
                                    uwhere));
  }
}

// The context `context` (empty: the current one) of the merged files.
Access resolve_context(const Merged& m, const std::string& origin, const std::string& context, double timeout,
                       bool run_exec) {
  Access a;
  a.origin = origin;
  a.context = context.empty() ? m.current_context : context;
  if (a.context.empty())
    throw UsageError(fmt::format("{} has no current-context; pass --source kube:CONTEXT (contexts: {})", origin,
                                 names_of(m.contexts)));
  const auto ctx = m.contexts.find(a.context);
  if (ctx == m.contexts.end())
    throw UsageError(fmt::format("context \"{}\" is not in {} (contexts: {}); pass --source kube:CONTEXT with one of "
                                 "them",
                                 shown(a.context), origin, names_of(m.contexts)));
  const std::string where = fmt::format("context \"{}\"", shown(a.context));
  const std::string cluster_name = text_of(ctx->second.node, "cluster", ctx->second.file, where);
  const std::string user_name = text_of(ctx->second.node, "user", ctx->second.file, where);
  resolve_cluster(m, cluster_name, ctx->second, a);
  a.auth = "anonymous";
  if (!user_name.empty()) resolve_user(m, user_name, ctx->second, timeout, run_exec, a); // else anonymous
  return a;
}

} // namespace

Access load_access(const std::string& context, const std::string& kubeconfig, double timeout) {
  Merged m;
  bool in_pod = false;
  const std::string origin = merge_kubeconfigs(kubeconfig, in_pod, m);
  if (in_pod) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    if (host && *host && context.empty()) return in_cluster();
    throw UsageError(fmt::format("no kubeconfig: {} does not exist and this is not a pod with a service account; "
                                 "pass --kubeconfig FILE or set KUBECONFIG",
                                 origin));
  }
  return resolve_context(m, origin, context, timeout, true);
}

Access access_from_text(const std::string& yaml, const std::string& file, const std::string& context) {
  Merged m;
  merge_text(yaml, file, m);
  return resolve_context(m, file, context, 0, false);
}

} // namespace fleetcap::kube
