// The Kubernetes adapter's fetching (docs/kubernetes.md): the context's access from its kubeconfig,
// then every list through the one HTTP client (http.cpp), concurrently, page by page (`limit` and
// `continue`; a 410 Gone restarts a list once), each page handed to kube_read.cpp as it arrives.
#include "fleetcap/error.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/text.hpp"
#include "http.hpp"
#include "kube_internal.hpp"
#include "loader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace fleetcap::kube {
namespace {

constexpr int kPageLimit = 500;

// A Status object's message, quoted (redacted, one line, cut: fleetcap/text.hpp); empty when the
// body is not a Status.
std::string status_message(const std::string& body) {
  try {
    auto j = nlohmann::json::parse(body);
    if (j.is_object() && j.value("kind", "") == "Status" && j.contains("message") && j["message"].is_string())
      return quote_from_server(j["message"].get<std::string>(), 300);
  } catch (const nlohmann::json::exception&) {}
  return {};
}

// The next page of a list, fetched on a thread of its own (source::Tasks) while the page before
// it is read: its continue token is in the metadata, which comes before the items, so the wire
// and the parsing overlap (issue 25, goal 2). One page ahead at most.
class NextPage {
public:
  NextPage() = default;
  NextPage(const NextPage&) = delete;
  NextPage& operator=(const NextPage&) = delete;
  ~NextPage() { stop(); } // the list failed or ended: the fetch ahead is not needed

  // On `session`, which nothing else uses until take() or the end.
  void start(std::string url, const SourceOptions& http, http::Session& session, const source::Cancel& cancel) {
    if (tasks_) return;
    url_ = std::move(url);
    tasks_.emplace(&cancel);
    tasks_->spawn([this, &http, &session](source::Cancel& c) { resp_ = http::get(url_, http, c, nullptr, &session); });
  }
  // The answer to `url` when that is the page fetched ahead (its failure thrown), else none.
  std::optional<http::Response> take(const std::string& url) {
    if (!tasks_) return std::nullopt;
    if (url != url_) {
      stop();
      return std::nullopt;
    }
    tasks_->join();
    tasks_.reset();
    return std::move(resp_);
  }

private:
  void stop() noexcept {
    if (!tasks_) return;
    tasks_->cancel().request();
    try {
      tasks_->join();
    } catch (...) {
      // Cancelled, or what the page's own fetch met: nobody reads that page. An interrupt stays
      // requested, and the list's next request or join reports it.
    }
    tasks_.reset();
  }

  std::string url_;
  http::Response resp_;
  std::optional<source::Tasks> tasks_;
};

struct Fetcher {
  SourceOptions http; // with the context's TLS and token
  std::string server; // as requests go to it
  std::string shown;  // as messages show it: display_source(server), no userinfo
  std::string context;

  std::string page_url(const std::string& path, const std::string& cont) const {
    std::string url = fmt::format("{}{}?limit={}", server, path, kPageLimit);
    if (!cont.empty()) url += "&continue=" + http::escape(cont);
    return url;
  }

  // false: every path answered 404. `answered`: the path that answered.
  bool list(const Endpoint& e, Objects& into, const source::Cancel& cancel, std::string& answered) {
    for (const auto& path : e.paths) {
      answered = path;
      std::string cont;
      bool restarted = false;
      source::PageTokens tokens("continue token", e.name, http.max_pages);
      http::Session session; // the list's pages on one connection
      NextPage next;         // after the session: it ends first, and its fetch with it
      for (;;) {
        const std::string url = page_url(path, cont);
        const std::string shown_url = display_source(url);
        tokens.before_page(shown_url);
        std::optional<http::Response> ahead = next.take(url);
        http::Response resp = ahead ? std::move(*ahead) : http::get(url, http, cancel, nullptr, &session);
        if (resp.status == 404 && cont.empty()) break; // the next version, if any
        if (resp.status == 403 && cont.empty() && e.optional) return false;
        if (resp.status == 410 && !cont.empty() && !restarted) {
          // The continue token expired (the list took longer than etcd keeps it): start over once.
          restarted = true;
          cont.clear();
          tokens.restart();
          into = Objects{}; // this list's own objects (each list fills an Objects of its own)
          continue;
        }
        if (resp.status != 200) fail(resp, shown_url, e, !cont.empty());
        source::require_json(resp, shown_url);
        // The token is checked as soon as it is read (a token seen before ends the list before
        // another request), and the next page asked for while this one's items are read.
        std::string checked;
        cont = parse_page(resp.body, shown_url, e, into, [&](const std::string& token) {
          if (!checked.empty() || !tokens.more(token, shown_url)) return;
          checked = token;
          if (tokens.below_limit()) next.start(page_url(path, token), http, session, cancel);
        });
        if (cont.empty()) return true;
        if (cont != checked) tokens.more(cont, shown_url); // throws for a token seen before
      }
    }
    return false;
  }

  // GET /version's gitVersion (v1.30.0); empty when the server does not say.
  std::string version(const source::Cancel& cancel) {
    http::Response resp;
    try {
      resp = http::get(server + "/version", http, cancel);
    } catch (const source::Cancelled&) {
      throw;
    } catch (const RuntimeError&) {
      return {}; // the lists say what is wrong with the server
    }
    if (resp.status != 200) return {};
    try {
      const auto j = nlohmann::json::parse(resp.body);
      if (j.is_object() && j.contains("gitVersion") && j["gitVersion"].is_string())
        return j["gitVersion"].get<std::string>();
    } catch (const nlohmann::json::exception&) {}
    return {};
  }

  // `url` as shown (no userinfo); `continued`: the request carried a continue token.
  [[noreturn]] void fail(const http::Response& resp, const std::string& url, const Endpoint& e, bool continued) {
    const std::string why = status_message(resp.body.empty() ? resp.head : resp.body);
    const std::string said = why.empty() ? std::string() : fmt::format(": {}", why);
    if (resp.status == 401)
      throw RuntimeError(fmt::format("context \"{}\": the API server {} refused the credentials (401 Unauthorized{}); "
                                     "the token or certificate has expired or is wrong: log in again (any kubectl "
                                     "command refreshes an exec plugin's token) and retry",
                                     context, shown, said));
    if (resp.status == 403)
      throw RuntimeError(fmt::format("context \"{}\": not allowed to list {} (403 Forbidden{}); ask for get and list "
                                     "on {} in all namespaces (kubectl auth can-i list {} -A)",
                                     context, e.name, said, e.name, e.name));
    if (resp.status == 410 && continued)
      throw RuntimeError(fmt::format("GET {}: 410 Gone twice while listing {}{}; the cluster changes faster than "
                                     "it can be listed: retry",
                                     url, e.name, said));
    if (resp.status == 410) // no continue token was sent: nothing of fleetcap's had expired
      throw RuntimeError(fmt::format("GET {}: HTTP 410 Gone on the first page of {}{}; the API server (or a proxy "
                                     "before it) answers as if a list had expired: check the server URL",
                                     url, e.name, said));
    throw RuntimeError(fmt::format("GET {}: HTTP {} while listing {}: {}", url, resp.status, e.name,
                                   said.empty() ? quote_from_server(resp.head) : why));
  }
};

// The context's access (kubeconfig.cpp), checked, into `f`. What the kubeconfig says that the
// user should know (insecure-skip-tls-verify, unsupported fields) is said at once, before any
// request: a run that then fails still shows it.
Access prepare(const SourceOptions& options, Fetcher& f) {
  const std::string wanted = options.source.size() > 5 ? options.source.substr(5) : std::string();
  Access access = load_access(wanted, options.kubeconfig, options.timeout);
  const std::string shown = display_source(access.server);
  for (const auto& w : access.warnings) options.warn(w);
  if (access.insecure)
    options.warn(fmt::format("context \"{}\" has insecure-skip-tls-verify: the API server's certificate is not "
                             "checked",
                             access.context));
  if (access.token && token_in_clear(access.server) && !options.allow_insecure_token)
    throw UsageError(fmt::format("context \"{}\": refusing to send its token over plain http to {}; use https, or "
                                 "pass --allow-insecure-token",
                                 access.context, shown));
  f.http = options;
  f.http.token = access.token;
  f.http.ca_pem = access.ca_pem;
  f.http.client_cert_pem = access.cert_pem;
  f.http.client_key_pem = access.key_pem;
  f.http.insecure_skip_verify = access.insecure;
  f.server = access.server;
  f.shown = shown;
  f.context = access.context;
  return access;
}

// Reads the cluster of `options.source` (every list fetched concurrently, paginated) and
// translates its objects. Throws RuntimeError (kubeconfig, auth, HTTP), DataError (objects

// Every list fleetcap reads, in List order: the core lists (a 404 there is not a Kubernetes API
// server), Kueue's at each version it may serve (the newest first), and batch/v1 jobs, only to
// follow pods' owners up to a Workload's owner (a 403 or 404 is a warning, not a failure).
std::vector<Endpoint> endpoints() {
  const std::string kueue = "/apis/kueue.x-k8s.io/";
  auto versions = [&](const char* resource, bool alpha) {
    std::vector<std::string> paths{kueue + "v1beta2/" + resource, kueue + "v1beta1/" + resource};
    if (alpha) paths.push_back(kueue + "v1alpha1/" + resource);
    return paths;
  };
  return {
      {"nodes", "NodeList", {"/api/v1/nodes"}, List::nodes},
      {"pods", "PodList", {"/api/v1/pods"}, List::pods},
      {"resourcequotas", "ResourceQuotaList", {"/api/v1/resourcequotas"}, List::resourcequotas},
      {"clusterqueues", "ClusterQueueList", versions("clusterqueues", false), List::clusterqueues},
      {"localqueues", "LocalQueueList", versions("localqueues", false), List::localqueues},
      {"resourceflavors", "ResourceFlavorList", versions("resourceflavors", false), List::resourceflavors},
      {"cohorts", "CohortList", versions("cohorts", true), List::cohorts},
      {"topologies", "TopologyList", versions("topologies", true), List::topologies},
      {"workloads", "WorkloadList", versions("workloads", false), List::workloads},
      {"jobs", "JobList", {"/apis/batch/v1/jobs"}, List::jobs, true},
  };
}

} // namespace

Objects merge_lists(std::vector<Objects>& parts, bool kueue) {
  auto part = [&](List l) -> Objects& { return parts[static_cast<std::size_t>(l)]; };
  Objects o;
  o.nodes = std::move(part(List::nodes).nodes);
  o.pods = std::move(part(List::pods).pods);
  o.quotas = std::move(part(List::resourcequotas).quotas);
  o.kueue = kueue;
  o.cqs = std::move(part(List::clusterqueues).cqs);
  o.cq_api_version = std::move(part(List::clusterqueues).cq_api_version);
  o.lqs = std::move(part(List::localqueues).lqs);
  o.flavors = std::move(part(List::resourceflavors).flavors);
  o.cohorts = std::move(part(List::cohorts).cohorts);
  o.topologies = std::move(part(List::topologies).topologies);
  o.workloads = std::move(part(List::workloads).workloads);
  o.job_owners = std::move(part(List::jobs).job_owners);
  return o;
}

Fetched fetch_cluster(const SourceOptions& options, const source::Cancel* parent) {
  Fetcher f;
  Fetched out;
  out.access = prepare(options, f);
  out.shown = f.shown;
  const std::vector<Endpoint> all = endpoints();
  std::vector<Objects> parts(all.size());
  std::vector<char> found(all.size(), 0);
  std::vector<std::string> paths(all.size());
  http::global_init();
  source::Tasks lists(parent);
  for (std::size_t i = 0; i < all.size(); ++i)
    lists.spawn([&, i](source::Cancel& cancel) { found[i] = f.list(all[i], parts[i], cancel, paths[i]); });
  // `fleetcap sources`: Kubernetes' own version (GET /version), asked only then.
  if (options.describe) lists.spawn([&](source::Cancel& cancel) { out.version = f.version(cancel); });
  lists.join();
  for (List core : {List::nodes, List::pods, List::resourcequotas})
    if (!found[static_cast<std::size_t>(core)])
      throw RuntimeError(fmt::format("context \"{}\": {} answered 404 for {}; is it a Kubernetes API server?",
                                     out.access.context, f.shown, all[static_cast<std::size_t>(core)].name));
  const bool kueue = found[static_cast<std::size_t>(List::clusterqueues)];
  out.objects = merge_lists(parts, kueue);
  out.jobs_listed = found[static_cast<std::size_t>(List::jobs)];
  // Kueue's API version: the one its ClusterQueues were listed at (kueue.x-k8s.io/v1beta1).
  const std::string& cq_path = paths[static_cast<std::size_t>(List::clusterqueues)];
  if (kueue) out.kueue_api = cq_path.substr(std::string_view("/apis/").size(), cq_path.rfind('/') - 6);
  return out;
}

} // namespace fleetcap::kube
