// Slurm through slurmrestd (docs/slurm.md): `--source slurm+http://HOST:PORT`,
// `slurm+https://...` or `slurm+unix:///PATH/TO/slurmrestd.socket`. Finds the newest data parser
// version the server serves, fetches its endpoints concurrently through the shared HTTP client,
// translates them (slurm_translate.cpp) and hands the pages to the loader like any source.
#include "slurm.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/source/local_file.hpp"
#include "fleetcap/text.hpp"
#include "http.hpp"
#include "loader.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <optional>
#include <pwd.h>
#include <sstream>
#include <unistd.h>

namespace fleetcap::source {
namespace {

using slurm::kVersions;

enum Endpoint : std::size_t { kNodes, kJobs, kReservations, kPartitions, kAssociations, kQos, kEndpoints };
constexpr std::array<std::string_view, kEndpoints> kPaths = {"/slurm/{}/nodes",          "/slurm/{}/jobs",
                                                             "/slurm/{}/reservations",   "/slurm/{}/partitions",
                                                             "/slurmdb/{}/associations", "/slurmdb/{}/qos"};
bool slurmdb(std::size_t e) { return e == kAssociations || e == kQos; }

std::string login_name() {
  if (const char* u = std::getenv("SLURM_USER"); u && *u) return u;
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::array<char, 4096> buf{};
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) return found->pw_name;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return {};
}

// What to do about a failed request, by endpoint and what slurmrestd said.
std::string advice(std::size_t e, long status, const std::string& said) {
  if (status == 401 || status == 403)
    return "slurmrestd refused the credentials: set SLURM_JWT to a fresh token (scontrol token lifespan=3600) and "
           "the user it was made for with --slurm-user or SLURM_USER";
  std::string lower;
  for (char c : said) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool auth =
      lower.find("authentication") != std::string::npos || lower.find("[error 1007]") != std::string::npos;
  if (auth)
    return "Slurm rejected the credentials: make sure SLURM_JWT is a valid token (scontrol token) for the user given "
           "by --slurm-user or SLURM_USER";
  if (slurmdb(e))
    return "is slurmdbd running and reachable from slurmrestd (sacctmgr ping)? Or pass --slurm-quota none to go "
           "without quota";
  if (status >= 500)
    // Slurm 22.05 answers "Unspecified error" both when slurmctld is down and when it rejects the JWT.
    return "is slurmctld running and answering (scontrol ping)? If it is, the JWT may be invalid or expired: make a "
           "new one with scontrol token";
  return "check slurmrestd's log";
}

// Feeds a slurm::Stream from a body that has reached 1 MiB, and lets go of what it has read, so
// only a window of a large answer is ever held (docs/slurm.md, "Streaming"). Smaller bodies are
// read whole once they are in.
class StreamingBody : public http::BodyObserver {
public:
  explicit StreamingBody(slurm::Stream& stream) : stream_(stream) {}
  std::size_t grew(std::string& body, std::size_t) override {
    if (!started_ && body.size() < kStreamFrom) return 0;
    started_ = true;
    if (stream_.gave_up()) return 0;
    const std::size_t keep = stream_.feed(body, base_, false);
    if (stream_.gave_up()) return 0; // keep what is left
    const std::size_t done = keep - base_;
    base_ = keep;
    return done;
  }
  void restart() override {
    stream_.restart();
    started_ = false;
    base_ = 0;
  }
  // After the last byte: whether the stream read the whole answer (else read `body` whole).
  bool finish(std::string& body) {
    if (!started_ || stream_.gave_up()) return false;
    stream_.feed(body, base_, true);
    return stream_.read();
  }
  // The start of the body was let go of: what the caller holds is not the whole body.
  bool windowed() const { return base_ > 0; }

private:
  static constexpr std::size_t kStreamFrom = std::size_t{1} << 20;
  slurm::Stream& stream_;
  bool started_ = false;
  std::size_t base_ = 0; // body offset of the buffer's first byte
};

class SlurmSource : public Source {
public:
  explicit SlurmSource(const SourceOptions& o) : o_(o) {}

  void load(Loader& loader) override {
    setup();
    http::global_init();
    Tasks fetches(loader.cancel());
    const std::string version = discover(fetches.cancel());
    log(fmt::format("slurmrestd {}: data parser {} ({})", shown_, version, how_));

    // The endpoints, fetched concurrently; nodes and jobs read as they arrive.
    slurm::Responses in;
    in.version = version;
    const std::string& quota = o_.slurm.quota;
    // Both slurmdb lists whenever there is quota: association and QOS limits both bind, and QOS
    // Preempt lists say who is reclaimable (docs/slurm.md).
    std::array<bool, kEndpoints> want = {true, true, true, true, quota != "none", quota != "none"};
    std::array<std::optional<std::string>, kEndpoints> bodies;
    std::array<std::string, kEndpoints> labels;
    std::array<std::shared_ptr<slurm::Stream>, kEndpoints> streams;
    for (std::size_t e = 0; e < kEndpoints; ++e) {
      labels[e] = fmt::format("GET {}{}", shown_, fmt::format(fmt::runtime(kPaths[e]), version));
      if (!want[e] || (slurmdb(e) && no_slurmdb_)) continue;
      if (e == kNodes || e == kJobs)
        streams[e] = std::make_shared<slurm::Stream>(e == kNodes ? slurm::Stream::Of::nodes : slurm::Stream::Of::jobs,
                                                     labels[e]);
      fetches.spawn([&, e](Cancel& cancel) {
        bodies[e] = fetch_endpoint(base_ + fmt::format(fmt::runtime(kPaths[e]), version), e, labels[e],
                                   streams[e].get(), cancel);
      });
    }
    fetches.join();
    for (std::size_t e : {kNodes, kJobs})
      if (streams[e] && !streams[e]->read()) streams[e].reset(); // read whole, from bodies[e]
    in.nodes_stream = streams[kNodes];
    in.jobs_stream = streams[kJobs];
    in.nodes = std::move(bodies[kNodes]).value_or(std::string());
    in.jobs = std::move(bodies[kJobs]).value_or(std::string());
    in.reservations = std::move(*bodies[kReservations]);
    in.associations = std::move(bodies[kAssociations]);
    in.qos = std::move(bodies[kQos]);
    in.partitions = std::move(bodies[kPartitions]);
    in.partitions_label = labels[kPartitions];
    in.nodes_label = labels[kNodes];
    in.jobs_label = labels[kJobs];
    in.reservations_label = labels[kReservations];
    in.associations_label = labels[kAssociations];
    in.qos_label = labels[kQos];
    in.island_map = island_map_;

    slurm::Translation tr = slurm::translate(in, o_.slurm, o_.now_or_clock());
    loader.describe(fmt::format("Slurm {}, data parser {}", tr.release.empty() ? "?" : tr.release, version), auth_);
    // What was read of the answers: the translated pages hold what is needed now. Its memory goes
    // back to the system before they are parsed: glibc would keep the freed blocks in its arenas
    // (one per fetching thread), and a large cluster's peak would hold both (docs/slurm.md,
    // "Streaming").
    in = slurm::Responses();
    ::malloc_trim(0);
    slurm::load_pages(loader, tr, shown_);
  }

private:
  // GET one endpoint: its body, or nullopt for a slurmdb endpoint or /partitions slurmrestd does not serve.
  // With `stream`, a body that grows past 1 MiB is read while it arrives and let go of: then the
  // body returned is empty and the stream holds what was read (its read()).
  std::optional<std::string> fetch_endpoint(const std::string& url, std::size_t e, const std::string& label,
                                            slurm::Stream* stream, Cancel& cancel) {
    std::optional<StreamingBody> streaming;
    if (stream) streaming.emplace(*stream);
    http::Response r = fetch(url, cancel, streaming ? &*streaming : nullptr);
    if (r.status == 404 && (slurmdb(e) || e == kPartitions)) return std::nullopt;
    check(r, e, label);
    if (!streaming) return std::move(r.body);
    if (streaming->finish(r.body)) return std::string(); // read while it arrived: the stream holds it
    if (streaming->windowed()) { // it gave up after letting go of the start: read the body whole
      r = fetch(url, cancel);
      check(r, e, label);
    }
    return std::move(r.body);
  }

  // A failed request, or an answer that is not JSON, ends the run.
  void check(const http::Response& r, std::size_t e, const std::string& label) const {
    if (r.status < 200 || r.status > 299) {
      const std::string said = slurm::slurm_errors(r.body);
      throw RuntimeError(
          fmt::format("{}: HTTP {}{}: {}; {}", label, r.status, r.redirected,
                      said.empty() ? quote_from_server(r.head) : "slurmrestd says: " + quote_from_server(said, 300),
                      advice(e, r.status, said)));
    }
    require_json(r, label.substr(4));
  }

  void log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  // Where to send requests, and how to authenticate (docs/slurm.md "Auth").
  void setup() {
    std::string_view s = o_.source;
    s.remove_prefix(6); // slurm+
    req_ = o_;
    req_.token.reset(); // slurmrestd takes no Authorization header: its own, below
    req_.headers.clear();
    shown_ = display_source(o_.source);
    if (s.starts_with("unix://")) {
      req_.unix_socket = std::string(s.substr(7));
      if (req_.unix_socket.empty() || req_.unix_socket.front() != '/')
        throw UsageError(fmt::format("--source {}: expected slurm+unix:///PATH/TO/slurmrestd.socket", o_.source));
      base_ = "http://localhost";
      how_ = "unix socket, local auth";
      auth_ = "local (unix socket)";
    } else if (s.starts_with("http://") || s.starts_with("https://")) {
      check_source_url(o_.source); // the strict parse, exit 2, before any request
      base_ = std::string(s);
      while (!base_.empty() && base_.back() == '/') base_.pop_back();
      const std::optional<std::string>& jwt = o_.slurm.jwt ? o_.slurm.jwt : o_.token;
      std::string user = o_.slurm.user.empty() ? login_name() : o_.slurm.user;
      for (unsigned char c : user)
        if (c < 0x20 || c == 0x7f) throw UsageError("the Slurm user name contains a control character");
      if (jwt) {
        if (token_in_clear(o_.source) && !o_.allow_insecure_token)
          throw UsageError(fmt::format("refusing to send the Slurm JWT over plain http to {}; use slurm+https, the "
                                       "unix socket, or pass --allow-insecure-token",
                                       shown_));
        req_.headers.push_back("X-SLURM-USER-NAME: " + user);
        req_.headers.push_back("X-SLURM-USER-TOKEN: " + *jwt);
        auth_ = fmt::format("JWT ({}) as {}", o_.slurm.jwt ? "SLURM_JWT" : o_.token_from, user);
      } else {
        auth_ = "none";
      }
    } else {
      throw UsageError(fmt::format("--source {}: expected slurm+http://HOST:PORT, slurm+https://HOST:PORT or "
                                   "slurm+unix:///PATH/TO/slurmrestd.socket",
                                   shown_));
    }
    island_map_ = slurm::read_island_map(o_.slurm);
  }

  // A request to slurmrestd (with `observer`, its body is seen as it grows). When it cannot be reached the error says
  // where it looked and asks whether slurmrestd runs there (docs/slurm.md); over a unix socket it names the socket, not
  // the "localhost port 80" libcurl reports for it.
  http::Response fetch(const std::string& url, const Cancel& cancel, http::BodyObserver* observer = nullptr) {
    try {
      return http::get(url, req_, cancel, observer);
    } catch (const Cancelled&) {
      throw;
    } catch (const InterruptedError&) {
      throw;
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& ex) {
      std::string what = ex.what();
      if (!req_.unix_socket.empty()) {
        const auto swap = [&](std::string_view from, const std::string& to) {
          if (const auto at = what.find(from); at != std::string::npos) what.replace(at, from.size(), to);
        };
        swap(base_, "");
        swap("localhost port 80", req_.unix_socket);
      }
      throw RuntimeError(fmt::format("{}; is slurmrestd running at {}?", what, shown_));
    }
  }

  // The newest data parser version the server serves: from its OpenAPI document, else by
  // probing each version's ping, newest first.
  std::string discover(const Cancel& cancel) {
    auto fail_auth = [&](const std::string& url, const http::Response& r) {
      throw RuntimeError(fmt::format("GET {}: HTTP {}: {}; {}", display_source(url), r.status,
                                     quote_from_server(r.head), advice(kNodes, r.status, "")));
    };
    const std::string openapi = base_ + "/openapi/v3";
    http::Response r = fetch(openapi, cancel);
    if (r.status == 401 || r.status == 403) fail_auth(openapi, r);
    if (r.status >= 200 && r.status <= 299) {
      // Slurm 22.05 writes "/" as "\/" in its JSON (tests/data/slurm/lab-v0.0.38/openapi-v3.json.gz)
      auto lists = [&](const std::string& path) {
        std::string escaped;
        for (char c : path) escaped += c == '/' ? std::string("\\/") : std::string(1, c);
        return r.body.find(path) != std::string::npos || r.body.find(escaped) != std::string::npos;
      };
      for (auto v = kVersions.rbegin(); v != kVersions.rend(); ++v)
        if (lists(fmt::format("/slurm/{}/nodes", *v))) {
          how_ = "from GET /openapi/v3" + (how_.empty() ? "" : ", " + how_);
          no_slurmdb_ = !lists(fmt::format("/slurmdb/{}/", *v));
          return std::string(*v);
        }
    }
    std::string tried;
    for (auto v = kVersions.rbegin(); v != kVersions.rend(); ++v) {
      const std::string ping = fmt::format("{}/slurm/{}/ping", base_, *v);
      http::Response p = fetch(ping, cancel);
      if (p.status == 401 || p.status == 403) fail_auth(ping, p);
      if (p.status >= 200 && p.status <= 299) {
        how_ = "by probing ping" + (how_.empty() ? "" : ", " + how_);
        return std::string(*v);
      }
      if (!tried.empty()) tried += ", ";
      tried += fmt::format("{} -> HTTP {}", *v, p.status);
    }
    throw RuntimeError(
        fmt::format("slurmrestd at {} serves none of the data parser versions fleetcap reads (v0.0.38 to "
                    "v0.0.44): GET /openapi/v3 -> HTTP {}, ping {}; start slurmrestd with one of them "
                    "(slurmrestd -d v0.0.40, say)",
                    shown_, r.status, tried));
  }

  const SourceOptions& o_;
  SourceOptions req_;
  std::string base_, shown_, how_, auth_;
  std::unordered_map<std::string, std::string> island_map_;
  bool no_slurmdb_ = false; // the OpenAPI document lists no slurmdb endpoints: no slurmdbd
};

} // namespace

namespace slurm {
void load_pages(Loader& loader, Translation& tr, const std::string& shown) {
  for (auto& w : tr.warnings) loader.snapshot().warnings.push_back(std::move(w));
  if (loader.options().log) loader.options().log(fmt::format("Slurm cluster {}", tr.cluster));
  // The pages go through the loader like any source's; nodes and jobs, the big ones, in parallel.
  auto parse = [&](Resource r) {
    const std::size_t i = static_cast<std::size_t>(r);
    if (loader.wanted(r))
      loader.parse_built_page(r, fmt::format("{} ({} from Slurm)", shown, to_string(r)), tr.pages[i]);
  };
  Tasks parsing(loader.cancel());
  parsing.spawn([&](Cancel&) { parse(Resource::jobs); });
  for (Resource r : kResources)
    if (r != Resource::jobs) parse(r);
  loader.link_while_waiting();
  parsing.join();
}

std::unordered_map<std::string, std::string> read_island_map(const SlurmOptions& options) {
  if (options.island_map.empty()) return {};
  // A map is a few lines per island: 16 MiB is far beyond any real one. A map that cannot be read
  // is a usage error, as for every file option (docs/reliability.md, "One rule for file options").
  LocalRead read = read_local_file(options.island_map, std::uint64_t{16} << 20, "16 MiB for --island-map");
  if (!read.bytes) throw UsageError(fmt::format("--island-map {}", read.error));
  const std::string text = std::move(*read.bytes);
  return parse_island_map(text, options.island_map);
}
} // namespace slurm

std::unique_ptr<Source> make_slurm_source(const SourceOptions& o) { return std::make_unique<SlurmSource>(o); }

} // namespace fleetcap::source
