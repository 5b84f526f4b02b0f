// kubeconfig files as kubectl reads them (merged, relative paths, -data forms, exec plugins),
// and the in-cluster service account. The only file that includes yaml-cpp.
#include "kubeconfig.hpp"
#include "command.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/secrets.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

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

std::string read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("cannot read {} \"{}\": {}", what, path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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

[[noreturn]] void malformed(const std::string& file, const std::string& what) {
  throw RuntimeError(
      fmt::format("kubeconfig {}: {}; fix the file, or point --kubeconfig or KUBECONFIG at another", file, what));
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

void merge_file(const std::string& file, Merged& m) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw RuntimeError(fmt::format("cannot read kubeconfig \"{}\": {}; pass --kubeconfig FILE or set KUBECONFIG", file,
                                   std::strerror(errno ? errno : ENOENT)));
  } catch (const YAML::Exception& e) {
    malformed(file, fmt::format("not valid YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  m.files.push_back(file);
  if (!root || root.IsNull()) return; // an empty file adds nothing, as kubectl reads it
  if (!root.IsMap()) malformed(file, "the top level must be a mapping (apiVersion, clusters, users, contexts)");
  const std::string kind = text_of(root, "kind", file, "top level");
  if (!kind.empty() && kind != "Config") malformed(file, fmt::format("kind is \"{}\", expected Config", kind));
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
        malformed(file, fmt::format("{} \"{}\": \"{}\" must be a mapping", where, name, inner));
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
  for (const auto& [name, entry] : map) out += (out.empty() ? "" : ", ") + name;
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
  const std::string resolved = resolve(path, e.file);
  std::ifstream in(resolved, std::ios::binary);
  if (!in)
    throw RuntimeError(fmt::format("kubeconfig {}: {}: cannot read {} \"{}\": {}", e.file, where, field, resolved,
                                   std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  if (secret) add_secret(bytes);
  return bytes;
}

// Runs an exec credential plugin as kubectl does (ExecCredential on stdout), non-interactively.
void run_plugin(const YAML::Node& exec, const Entry& e, const std::string& user, const std::string& server,
                double timeout, Access& a) {
  const std::string where = fmt::format("user \"{}\" exec", user);
  const std::string api = text_of(exec, "apiVersion", e.file, where);
  if (api != "client.authentication.k8s.io/v1" && api != "client.authentication.k8s.io/v1beta1")
    malformed(e.file,
              fmt::format("{}: apiVersion \"{}\" is not client.authentication.k8s.io/v1 or v1beta1", where, api));
  std::string command = text_of(exec, "command", e.file, where);
  if (command.empty()) malformed(e.file, fmt::format("{} has no command", where));
  if (command.find('/') != std::string::npos) command = resolve(command, e.file);
  std::vector<std::string> argv{command};
  if (const YAML::Node args = exec["args"]; args && !args.IsNull()) {
    if (!args.IsSequence()) malformed(e.file, fmt::format("{}: \"args\" must be a list", where));
    for (const auto& arg : args) {
      if (!arg.IsScalar()) malformed(e.file, fmt::format("{}: \"args\" must be a list of strings", where));
      argv.push_back(arg.Scalar());
    }
  }
  child::Spec spec;
  spec.argv = std::move(argv);
  spec.timeout = timeout;
  spec.max_out = kMaxPluginOutput;
  if (const YAML::Node list = exec["env"]; list && !list.IsNull()) {
    if (!list.IsSequence()) malformed(e.file, fmt::format("{}: \"env\" must be a list", where));
    for (const auto& item : list) {
      if (!item.IsMap()) malformed(e.file, fmt::format("{}: \"env\" must be a list of {{name, value}}", where));
      const std::string name = text_of(item, "name", e.file, where + " env");
      const std::string value = text_of(item, "value", e.file, where + " env");
      if (name.empty()) malformed(e.file, fmt::format("{}: an env entry has no name", where));
      add_secret(value.size() >= 6 ? value : std::string()); // plugins take keys by env
      spec.env.push_back(name + "=" + value);
    }
  }
  nlohmann::json info = {{"apiVersion", api}, {"kind", "ExecCredential"}, {"spec", {{"interactive", false}}}};
  if (bool_of(exec, "provideClusterInfo", e.file, where)) info["spec"]["cluster"] = {{"server", server}};
  spec.env.push_back("KUBERNETES_EXEC_INFO=" + info.dump());

  const child::Result r = child::run(spec);
  const std::string hint = text_of(exec, "installHint", e.file, where);
  if (r.end == child::End::not_found || r.end == child::End::cannot_run)
    throw RuntimeError(fmt::format("kubeconfig {}: {}: cannot run \"{}\": {}{}", e.file, where, command,
                                   r.end == child::End::not_found ? std::strerror(ENOENT) : r.why,
                                   hint.empty() ? "; install it or fix the command" : "; " + trimmed(hint)));
  if (r.end == child::End::interrupted) throw InterruptedError();
  const std::string name = fmt::format("kubeconfig {}: {} \"{}\"", e.file, where, command);
  if (r.end == child::End::timed_out)
    throw RuntimeError(
        fmt::format("{} did not finish within {} s; run it by hand to see what it waits for", name, timeout));
  if (r.end == child::End::too_much)
    throw RuntimeError(fmt::format("{} printed more than 1 MiB; it is not an ExecCredential", name));
  // What the plugin printed is not quoted: it may carry credentials fleetcap cannot know of.
  if (!r.ok())
    throw RuntimeError(fmt::format("{} failed ({}); run it by hand to see its message, or log in again", name,
                                   r.end == child::End::exited ? fmt::format("exit status {}", r.code)
                                                               : fmt::format("signal {}", r.code)));
  const std::string& out = r.out;
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
                                   str(cred, "apiVersion"), api));
  const auto st = cred.find("status");
  if (st == cred.end() || !st->is_object())
    throw RuntimeError(fmt::format("{} printed an ExecCredential without a status", name));
  const std::string token = str(*st, "token");
  const std::string cert = str(*st, "clientCertificateData"), key = str(*st, "clientKeyData");
  add_secret(token);
  add_secret(key);
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
  a.server =
      fmt::format("https://{}:{}", h.find(':') != std::string::npos ? "[" + h + "]" : h, port && *port ? port : "443");
  a.token = trimmed(read_text(dir + "/token", "service account token"));
  add_secret(*a.token);
  std::error_code ec;
  if (fs::exists(dir + "/ca.crt", ec)) a.ca_pem = read_text(dir + "/ca.crt", "service account CA");
  return a;
}

} // namespace

Access load_access(const std::string& context, const std::string& kubeconfig, double timeout) {
  Merged m;
  std::string origin;
  if (!kubeconfig.empty()) {
    std::error_code ec;
    if (!fs::exists(kubeconfig, ec))
      throw RuntimeError(fmt::format("--kubeconfig {}: no such file; pass the path of your kubeconfig", kubeconfig));
    merge_file(kubeconfig, m);
    origin = kubeconfig;
  } else if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      const std::string file = list.substr(start, end - start);
      std::error_code ec;
      if (!file.empty() && fs::exists(file, ec)) merge_file(file, m); // kubectl skips missing ones
      start = end + 1;
    }
    if (m.files.empty())
      throw RuntimeError(fmt::format("none of the files in KUBECONFIG ({}) exists; fix KUBECONFIG or pass "
                                     "--kubeconfig FILE",
                                     list));
    origin = m.files.size() == 1 ? m.files[0] : fmt::format("KUBECONFIG ({})", list);
  } else {
    const char* home = std::getenv("HOME");
    const std::string file = home && *home ? std::string(home) + "/.kube/config" : std::string();
    std::error_code ec;
    if (file.empty() || !fs::exists(file, ec)) {
      const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
      if (host && *host && context.empty()) return in_cluster();
      throw RuntimeError(fmt::format("no kubeconfig: {} does not exist and this is not a pod with a service account; "
                                     "pass --kubeconfig FILE or set KUBECONFIG",
                                     file.empty() ? "~/.kube/config" : file));
    }
    merge_file(file, m);
    origin = file;
  }

  Access a;
  a.origin = origin;
  a.context = context.empty() ? m.current_context : context;
  if (a.context.empty())
    throw RuntimeError(fmt::format("{} has no current-context; pass --source kube:CONTEXT (contexts: {})", origin,
                                   names_of(m.contexts)));
  const auto ctx = m.contexts.find(a.context);
  if (ctx == m.contexts.end())
    throw RuntimeError(fmt::format("context \"{}\" is not in {} (contexts: {}); pass --source kube:CONTEXT with one of "
                                   "them",
                                   a.context, origin, names_of(m.contexts)));
  const std::string where = fmt::format("context \"{}\"", a.context);
  const std::string cluster_name = text_of(ctx->second.node, "cluster", ctx->second.file, where);
  const std::string user_name = text_of(ctx->second.node, "user", ctx->second.file, where);
  const auto cl = m.clusters.find(cluster_name);
  if (cl == m.clusters.end())
    malformed(ctx->second.file, fmt::format("{} names cluster \"{}\", which is not defined", where, cluster_name));
  const Entry& c = cl->second;
  const std::string cwhere = fmt::format("cluster \"{}\"", cluster_name);
  a.server = text_of(c.node, "server", c.file, cwhere);
  if (a.server.empty()) malformed(c.file, fmt::format("{} has no server", cwhere));
  while (a.server.ends_with('/')) a.server.pop_back();
  if (!a.server.starts_with("https://") && !a.server.starts_with("http://"))
    malformed(c.file, fmt::format("{}: server \"{}\" is not an https:// URL", cwhere, a.server));
  a.insecure = bool_of(c.node, "insecure-skip-tls-verify", c.file, cwhere);
  a.ca_pem = pem_of(c.node, "certificate-authority", c, cwhere, false);
  if (!text_of(c.node, "proxy-url", c.file, cwhere).empty())
    a.warnings.push_back(fmt::format("{}: proxy-url is not supported; set HTTPS_PROXY instead", cwhere));
  if (!text_of(c.node, "tls-server-name", c.file, cwhere).empty())
    a.warnings.push_back(fmt::format("{}: tls-server-name is not supported; the server's name is checked against its "
                                     "URL",
                                     cwhere));

  if (user_name.empty()) return a; // anonymous, as kubectl allows
  const auto us = m.users.find(user_name);
  if (us == m.users.end())
    malformed(ctx->second.file, fmt::format("{} names user \"{}\", which is not defined", where, user_name));
  const Entry& u = us->second;
  const std::string uwhere = fmt::format("user \"{}\"", user_name);
  if (const std::string token = text_of(u.node, "token", u.file, uwhere); !token.empty()) {
    add_secret(token);
    a.token = token;
  }
  if (const std::string file = text_of(u.node, "tokenFile", u.file, uwhere); !file.empty()) {
    const std::string token = trimmed(read_text(resolve(file, u.file), fmt::format("{} tokenFile", uwhere)));
    add_secret(token);
    if (!token.empty()) a.token = token; // the file wins over token, as in client-go
  }
  a.cert_pem = pem_of(u.node, "client-certificate", u, uwhere, false);
  a.key_pem = pem_of(u.node, "client-key", u, uwhere, true);
  if (a.cert_pem.empty() != a.key_pem.empty())
    malformed(u.file,
              fmt::format("{} has a client certificate without its key, or a key without its certificate", uwhere));
  if (const YAML::Node exec = u.node["exec"]; exec && !exec.IsNull()) {
    if (!exec.IsMap()) malformed(u.file, fmt::format("{}: \"exec\" must be a mapping", uwhere));
    run_plugin(exec, u, user_name, a.server, timeout, a);
  }
  if (const YAML::Node ap = u.node["auth-provider"]; ap && !ap.IsNull() && !a.token)
    throw RuntimeError(fmt::format("kubeconfig {}: {} uses auth-provider \"{}\", which kubectl itself dropped; switch "
                                   "to its exec plugin (e.g. gke-gcloud-auth-plugin, kubelogin)",
                                   u.file, uwhere, ap["name"] ? ap["name"].as<std::string>("") : ""));
  if (!text_of(u.node, "password", u.file, uwhere).empty()) {
    add_secret(text_of(u.node, "password", u.file, uwhere));
    if (!a.token && a.cert_pem.empty())
      throw RuntimeError(fmt::format("kubeconfig {}: {} uses a username and password, which fleetcap does not send; "
                                     "use a token, a client certificate or an exec plugin",
                                     u.file, uwhere));
  }
  return a;
}

} // namespace fleetcap::kube
