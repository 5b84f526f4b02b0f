#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/merge.hpp"
#include "fleetcap/model/suggest.hpp"
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/table.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/source/kinds.hpp"
#include "fleetcap/source/local_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleetcap::cli {

// A warning is one line, whatever it quotes (a name, a Status message): escaped as tables are.
void Context::warn(const std::string& message) const {
  if (global.quiet || !warned.insert(message).second) return; // once per run, not per --watch frame
  const std::string line = "fleetcap: warning: " + escape_control(message) + '\n';
  if (warnings)
    *warnings += line;
  else
    *err << line;
}

namespace {
double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
} // namespace

void Context::phase(std::string_view what) const {
  if (!global.verbose) return;
  *err << fmt::format("fleetcap: time: {} {:.1f} ms\n", what, ms_since(phase_mark));
  phase_mark = std::chrono::steady_clock::now();
}

void Context::phase_totals() const {
  if (!global.verbose) return;
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  *err << fmt::format("fleetcap: time: total {:.1f} ms; CPU {:.3f} s user, {:.3f} s system; peak RSS {:.1f} MiB\n",
                      ms_since(started), seconds(usage.ru_utime), seconds(usage.ru_stime),
                      static_cast<double>(usage.ru_maxrss) / 1024.0);
}

namespace {
// A whole integer and nothing else ("12", "-5"; not "", "1.5" or "12 GPUs").
std::optional<std::int64_t> whole_integer(std::string_view text) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// One rule for the token file: whatever keeps it from giving a token (missing, unreadable, not
// a regular file, too large, empty) is a usage error, exit 2: the command line names a file
// that cannot be used, and nothing was tried yet.
constexpr std::uint64_t kTokenFileLimit = 64 * 1024;

std::string read_token_file(const std::string& path, const Context& ctx) {
  LocalRead read = read_local_file(path, kTokenFileLimit, "64 KiB, too large for a token");
  if (!read.bytes) throw UsageError(fmt::format("--token-file {}", read.error));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
    ctx.warn(fmt::format("--token-file {} is readable by group or others; chmod 600 it", path));
  std::string token = std::move(*read.bytes);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) token.erase(token.begin());
  if (token.empty()) throw UsageError(fmt::format("--token-file {} is empty", path));
  return token;
}

// The config file, read once (none when the path names no regular file: the default path
// need not exist).
std::shared_ptr<const ConfigFile> config_file(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return nullptr;
  return ConfigFile::read(path);
}
} // namespace

struct FetchProgress {
  std::mutex mutex;
  std::ostream* err = nullptr;
  // Per source, per resource: pages and bytes so far; the line shows each resource's sum.
  std::vector<std::array<std::pair<std::int64_t, std::uint64_t>, kResources.size()>> seen;
  std::chrono::steady_clock::time_point last{};
  bool shown = false;

  void page(std::size_t source, Resource r, std::int64_t pages, std::uint64_t bytes) {
    std::lock_guard lock(mutex);
    seen[source][static_cast<std::size_t>(r)] = {pages, bytes};
    const auto now = std::chrono::steady_clock::now();
    if (shown && now - last < std::chrono::milliseconds(100)) return;
    last = now;
    std::string line = "fleetcap: fetching";
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      std::int64_t p = 0;
      std::uint64_t b = 0;
      for (const auto& one : seen) {
        p += one[i].first;
        b += one[i].second;
      }
      if (p == 0) continue;
      line += fmt::format(" {} {} {} {:.1f} MB;", to_string(kResources[i]), p, p == 1 ? "page" : "pages",
                          static_cast<double>(b) / 1e6);
    }
    line.pop_back();
    *err << "\r\x1b[K" << line << std::flush;
    shown = true;
  }
  void clear() {
    std::lock_guard lock(mutex);
    if (shown) *err << "\r\x1b[K" << std::flush;
    shown = false;
  }
};

namespace {
// A [sources.NAME] name: it leads the names of its items where they collide (NAME/cluster), so
// it cannot hold a '/', and it is a word on the command line.
void check_source_name(const ConfigFile& file, const ConfigFile::Source& s) {
  const bool ok = !s.name.empty() && std::none_of(s.name.begin(), s.name.end(),
                                                  [](unsigned char c) { return c == '/' || c <= 0x20 || c == 0x7f; });
  if (!ok)
    throw UsageError(fmt::format("config file {}:{}: [sources.\"{}\"]: a source's name cannot be empty or hold a '/' "
                                 "or a blank",
                                 file.path(), s.line, escape_control(s.name)));
}
} // namespace

std::vector<std::string> Context::configured_sources() const {
  if (!config) config = config_file(global.config_file);
  std::vector<std::string> names;
  if (config)
    for (const auto& s : config->sources()) names.push_back(s.name);
  return names;
}

std::vector<FleetSource> Context::fleet_sources() const {
  if (!config) config = config_file(global.config_file);
  std::vector<ConfigFile::Source> configured = config ? config->sources() : std::vector<ConfigFile::Source>{};
  for (const auto& c : configured) check_source_name(*config, c);
  std::vector<std::string> words = global.sources;
  if (words.empty())
    for (const auto& c : configured) words.push_back(c.name);
  if (words.empty())
    throw UsageError("no fleet source: pass --source URL|DIR, set FLEETCAP_SOURCE, or name sources in the config file "
                     "([sources.NAME] with url = ...)");
  auto is_configured = [&](const std::string& w) {
    return std::any_of(configured.begin(), configured.end(), [&](const auto& c) { return c.name == w; });
  };
  std::vector<FleetSource> fleet;
  std::vector<std::string> specs;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (std::find(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(i), word) != words.begin() + i)
      throw UsageError(fmt::format("--source {} is named twice", escape_control(word)));
    const bool named = is_configured(word);
    FleetSource f;
    f.name = named ? word : short_source_name(word);
    // A short name that is taken (by a configured source, or an earlier one) gets a number.
    for (int n = 2; !named && (is_configured(f.name) || std::any_of(fleet.begin(), fleet.end(),
                                                                    [&](const auto& o) { return o.name == f.name; }));
         ++n)
      f.name = fmt::format("{}-{}", short_source_name(word), n);
    f.options = source_options(named ? std::string() : word, named ? word : std::string(), fleet.size());
    if (std::find(specs.begin(), specs.end(), f.options.source) != specs.end())
      throw UsageError(
          fmt::format("--source {}: {} is read twice", escape_control(word), display_source(f.options.source)));
    specs.push_back(f.options.source);
    fleet.push_back(std::move(f));
  }
  // The ?cluster= hint (docs/fleet-api.md) only where it cannot hide what a --cluster word means: one
  // source, and not its own name.
  if (fleet.size() == 1)
    for (const auto& c : global.clusters)
      if (c != fleet.front().name) fleet.front().options.clusters.push_back(c);
  if (progress) progress->seen.resize(fleet.size());
  return fleet;
}

// The token for a source: its [sources.NAME] token-file, else --token-file, else FLEETCAP_TOKEN.
std::optional<std::string> Context::token(const std::string& file) const {
  std::optional<std::string> token;
  const std::string& path = file.empty() ? global.token_file : file;
  const char* where = file.empty() ? "--token-file" : "token-file";
  if (!path.empty()) {
    token = read_token_file(path, *this);
    add_secret(*token); // before anything can quote it (fleetcap/secrets.hpp)
    check_header_token(*token, where);
  } else if (const char* env = std::getenv("FLEETCAP_TOKEN"); env && *env) {
    token = env;
    add_secret(*token);
    check_header_token(*token, "FLEETCAP_TOKEN");
  }
  return token;
}

SourceOptions Context::source_options(const std::string& spec, const std::string& name, std::size_t index) const {
  SourceOptions o;
  o.source = spec;
  // The kind's own settings from the config file (through a [sources.NAME] table, whose url and
  // general settings are read here) and its environment, then the command line's.
  if (!config) config = config_file(global.config_file);
  std::optional<KindConfig> settings;
  auto reader = [&](const SourceKind& kind) {
    settings.emplace(config, std::string(kind.table), name, [this](const std::string& m) { warn_once(m); });
  };
  std::string token_file;
  if (!name.empty()) {
    reader(source_kinds().back());
    const auto url = settings->source_text("url");
    if (!url || url->empty())
      throw UsageError(fmt::format("{}: [sources.{}] has no url (the source: a URL, directory or kube:CONTEXT)",
                                   settings->where(), name));
    o.source = *url;
  }
  const SourceKind& kind = source_kind(o.source);
  reader(kind);
  if (kind.configure) kind.configure(*settings, o);
  if (!name.empty()) {
    settings->source_text("url");
    o.region = settings->source_text("region").value_or("");
    o.provider = settings->source_text("provider").value_or("");
    token_file = settings->source_text("token-file").value_or("");
  }
  settings->finish();
  o.token = token(token_file);
  if (o.token)
    o.token_from = !token_file.empty()          ? fmt::format("token-file of [sources.{}]", name)
                   : !global.token_file.empty() ? "--token-file"
                                                : "FLEETCAP_TOKEN";
  SlurmOptions& s = o.slurm;
  if (!global.slurm_user.empty()) s.user = global.slurm_user;
  if (!global.island_feature_prefix.empty()) s.island_feature_prefix = global.island_feature_prefix;
  if (!global.island_map.empty()) s.island_map = global.island_map;
  if (!global.slurm_quota.empty()) s.quota = global.slurm_quota;
  if (!global.flex_qos.empty()) s.flex_qos = global.flex_qos;
  if (!global.at.empty() && global.at != "now") o.now = parse_rfc3339(global.at);
  o.cacert = global.cacert;
  if (!o.cacert.empty()) {
    // One rule for file options (docs/reliability.md): checked here, before any request, so that
    // a CA bundle that cannot be used is a usage error (exit 2), not a failed fetch.
    LocalRead ca = read_local_file(o.cacert, std::uint64_t{64} << 20, "64 MiB, too large for a CA bundle");
    if (!ca.bytes) throw UsageError(fmt::format("--cacert {}", ca.error));
  }
  o.connect_timeout = global.connect_timeout;
  o.timeout = global.timeout;
  o.max_response_mb = global.max_response_mb;
  o.allow_insecure_token = global.allow_insecure_token;
  o.max_pages = global.max_pages;
  o.kubeconfig = global.kubeconfig;
  o.ssh_command = global.ssh_command;
  o.island_label = global.island_label;
  o.maintenance_hours = duration_hours(global.maintenance_duration).value_or(4);
  if (o.token && o.allow_insecure_token && token_in_clear(o.source))
    warn(fmt::format("sending the token over plain http to {} (--allow-insecure-token): anyone on the path can read "
                     "it",
                     display_source(o.source)));
  o.describe = listing;
  observe(o, index, name.empty() ? short_source_name(o.source) : name);
  o.warn = [this](const std::string& message) { warn(message); };
  return o;
}

// Progress on a terminal, and --verbose lines (led by the source's name when there are several).
void Context::observe(SourceOptions& o, std::size_t index, const std::string& name) const {
  if (!global.quiet && !global.verbose && ::isatty(STDERR_FILENO) == 1) {
    if (!progress) {
      progress = std::make_shared<FetchProgress>();
      progress->err = err;
    }
    if (progress->seen.size() <= index) progress->seen.resize(index + 1);
    o.progress = [p = progress, index](Resource r, std::int64_t pages, std::uint64_t bytes) {
      p->page(index, r, pages, bytes);
    };
  }
  if (global.verbose) {
    if (!log_mutex) log_mutex = std::make_shared<std::mutex>();
    const std::string lead =
        global.sources.size() > 1 || (global.sources.empty() && config && config->sources().size() > 1)
            ? fmt::format("{}: ", name)
            : std::string();
    o.log = [mutex = log_mutex, log = err, lead](const std::string& line) {
      std::lock_guard lock(*mutex);
      *log << "fleetcap: " << escape_control(lead + line) << '\n';
    };
  }
}

void Context::warn_once(const std::string& message) const { warn(message); } // warn() says each once

Snapshot Context::load(RawItems* raw) const {
  std::vector<FleetSource> sources = fleet_sources();
  // --verbose: when each resource was fetched (or read) and parsed, from the load's start (the
  // last source's, when there are several).
  auto parsed = std::make_shared<std::array<double, kResources.size()>>();
  auto parsed_mutex = std::make_shared<std::mutex>();
  if (global.verbose)
    for (auto& s : sources)
      s.options.on_parsed = [parsed, parsed_mutex](Resource r, double ms) {
        std::lock_guard lock(*parsed_mutex);
        double& at = (*parsed)[static_cast<std::size_t>(r)];
        at = std::max(at, ms);
      };
  phase("start"); // parsing the command line and options
  Snapshot snap;
  try {
    snap = load_fleet(sources, listing ? OnFailure::list : global.partial ? OnFailure::partial : OnFailure::stop, raw);
  } catch (...) {
    if (progress) progress->clear();
    throw;
  }
  if (progress) progress->clear();
  if (global.verbose) { // each resource in the order it was ready, then the whole load
    std::vector<std::pair<double, Resource>> ready;
    for (auto r : kResources)
      if (double ms = (*parsed)[static_cast<std::size_t>(r)]; ms > 0) ready.emplace_back(ms, r);
    std::sort(ready.begin(), ready.end());
    for (const auto& [ms, r] : ready)
      *err << fmt::format("fleetcap: time: {} fetched or read and parsed at {:.1f} ms\n", to_string(r), ms);
    phase("load (fetch or read, parse and link everything)");
  }
  snap.keep_at_exit = !watching; // the run's own snapshot: freed by the process exiting (model.hpp)
  loaded = {snap.source, snap.taken_at, wall_clock_now()};
  for (const auto& w : snap.warnings) warn(w);
  // --partial (docs/sources.md): the answer leaves out each source that failed, and says so.
  std::size_t answered = 0;
  for (const auto& s : snap.sources) answered += s.ok;
  for (const auto& s : snap.sources)
    if (!s.ok && !listing) {
      warn(fmt::format("source {} failed and is left out of this answer (--partial; {} of {} sources answered): {}",
                       s.name, answered, snap.sources.size(), s.error));
      partial_answer = true;
    }
  check_names(snap);
  return snap;
}

Time Context::at(const Snapshot& snap) const {
  // +12h / -3d: relative to the snapshot's now (its taken_at, else the clock).
  if (global.at.size() > 1 && (global.at.front() == '+' || global.at.front() == '-')) {
    const Duration d = duration_option("--at", global.at.substr(1), true);
    const Time now = snap.taken_at ? *snap.taken_at : wall_clock_now();
    return global.at.front() == '+' ? now + d : now - d;
  }
  if (!global.at.empty() && global.at != "now") {
    auto t = parse_rfc3339(global.at);
    if (!t) throw UsageError(fmt::format("--at \"{}\" is not an RFC 3339 time like 2026-11-20T12:00:00Z", global.at));
    return *t;
  }
  if (global.at.empty() && snap.taken_at) return *snap.taken_at;
  return wall_clock_now();
}

// --maintenance-duration in hours: a duration with its unit (4h, 90m), as every duration.
std::optional<double> duration_hours(const std::string& text) {
  if (text.empty() || std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const auto d = parse_duration(text);
  if (!d || *d <= 0 || *d > Duration{366} * 86400) return std::nullopt;
  return static_cast<double>(*d) / 3600.0;
}

void unknown_name(std::string_view lead, std::string_view word, std::string_view tail,
                  const std::vector<std::string_view>& known, std::string_view hint) {
  const std::string shown = escape_control(word.substr(0, 80)) + (word.size() > 80 ? "..." : "");
  const std::string suggestion = did_you_mean(closest_names(word, known));
  throw UsageError(fmt::format("{} \"{}\"{}{}", lead, shown, tail,
                               !suggestion.empty() ? suggestion
                               : hint.empty()      ? std::string()
                                                   : fmt::format(" ({})", hint)));
}

Duration duration_option(std::string_view option, const std::string& text, bool allow_zero) {
  const bool bare = !text.empty() &&
                    std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }) &&
                    !(allow_zero && text == "0");
  if (bare)
    throw UsageError(fmt::format("{} \"{}\" needs a unit: {}d? {}h? (d, h, m, s, w)", option, text, text, text));
  auto d = text == "0" && allow_zero ? std::optional<Duration>(0) : parse_duration(text);
  if (!d || *d < 0 || (*d == 0 && !allow_zero))
    throw UsageError(fmt::format("{} \"{}\" is not a{} duration such as 14d, 36h or 1d12h, at most 36500d (100 years)",
                                 option, escape_control(text.substr(0, 80)), allow_zero ? "" : " positive"));
  return *d;
}

BasisPoints percent_option(std::string_view option, const std::string& text) {
  // "0.15" is 15% written as a fraction far more often than 0.15%: ask which was meant.
  if (!text.empty() && text.find('%') == std::string::npos) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (*end == '\0' && v > 0 && v < 1)
      throw UsageError(fmt::format("{} \"{}\" is ambiguous: write {}% for a fraction of {} (or {}% if you meant "
                                   "that)",
                                   option, text, fmt::format("{:g}", v * 100), text, text));
  }
  auto bp = parse_percent(text);
  if (!bp)
    throw UsageError(fmt::format("{} \"{}\" is not a percentage from 0% to 100% with at most two decimals, such as "
                                 "15% or 2.5%",
                                 option, text));
  return *bp;
}

BufferSweep sweep_option(const std::string& from, const std::string& to, const std::string& step) {
  const BufferSweep range{percent_option("--from", from), percent_option("--to", to), percent_option("--step", step)};
  if (range.step <= 0) throw UsageError("--step must be above 0%");
  if (range.from > range.to) throw UsageError(fmt::format("--from {} is above --to {}", from, to));
  return range;
}

CutPolicy cut_option(const std::string& text) {
  return text == "least-disruptive" ? CutPolicy::least_disruptive : CutPolicy::pro_rata;
}

void Context::check_names(const Snapshot& snap) const {
  auto check = [&](std::string_view option, const std::vector<std::string>& wanted, const auto& words) {
    const std::vector<std::string_view> known(words.begin(), words.end());
    for (const auto& w : wanted)
      if (std::find(known.begin(), known.end(), w) == known.end())
        unknown_name(fmt::format("{}: no {} named", option, option.substr(2)), w,
                     fmt::format(" in {}", display_source(snap.source)), known);
  };
  // --cluster also takes a source's name in a fleet of several (model/merge.hpp).
  if (!global.clusters.empty()) check("--cluster", global.clusters, cluster_words(snap));
  std::vector<std::string_view> regions, skus;
  for (const auto& c : snap.clusters) {
    regions.push_back(c.region);
    skus.push_back(c.sku);
  }
  check("--region", global.regions, regions);
  check("--sku", global.skus, skus);
}

std::uint32_t partition_option(const Snapshot& snap, const std::string& name) {
  const auto it = std::find(snap.partitions.begin(), snap.partitions.end(), name);
  if (it != snap.partitions.end()) return static_cast<std::uint32_t>(it - snap.partitions.begin());
  const std::vector<std::string_view> known(snap.partitions.begin(), snap.partitions.end());
  unknown_name("--partition: no partition named", name, "", known,
               snap.partitions.empty() ? "this source has no partitions: Slurm's, from slurmrestd or its commands"
                                       : "");
}

void check_namespace(const Snapshot& snap, const std::string& ns) {
  std::vector<std::string_view> known;
  for (const auto& j : snap.jobs) known.push_back(j.ns);
  for (const auto& q : snap.quotas)
    if (q.access)
      for (const auto& a : *q.access) known.push_back(a);
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  if (!std::binary_search(known.begin(), known.end(), std::string_view(ns)))
    unknown_name("--namespace: no job or quota access list names namespace", ns,
                 fmt::format(" in {}", display_source(snap.source)), known);
}

Selection Context::selection() const {
  Selection s;
  s.clusters = global.clusters;
  s.regions = global.regions;
  s.skus = global.skus;
  if (!global.states.empty()) {
    s.states.clear();
    for (const auto& name : global.states) {
      if (name == "all") {
        s.all_states = true;
        continue;
      }
      auto st = cluster_state_from(name);
      if (!st)
        throw UsageError(fmt::format("--state \"{}\" is not one of planned, provisioning, provisioned, production, "
                                     "decommissioned, all",
                                     name));
      s.states.push_back(*st);
    }
  }
  return s;
}

namespace {
// The one format the output options ask for: -o, --format and --json are one choice.
std::string chosen_format(const GlobalOptions& g) {
  std::vector<std::pair<std::string, std::string>> said; // option, format
  if (!g.output.empty()) said.emplace_back("-o " + g.output, g.output);
  if (!g.format.empty()) said.emplace_back("--format " + g.format, g.format);
  if (g.json) said.emplace_back("--json", "json");
  std::string format = said.empty() ? "table" : said.front().second;
  for (const auto& [option, f] : said) {
    const bool same = f == format || (f == "table" && format == "wide") || (f == "wide" && format == "table");
    if (!same)
      throw UsageError(
          fmt::format("{} and {} ask for different outputs; give one of them", said.front().first, option));
    if (f == "wide") format = "wide";
  }
  // --wide only widens a table (JSON and CSV have every column anyway), so a config file's
  // wide = true does not stand in the way of --format csv.
  if (g.wide && format == "table") format = "wide";
  if (g.no_headers && (format == "json" || format == "name"))
    throw UsageError(fmt::format("--no-headers is for tables and CSV, but the output is {}", format));
  if (!g.columns.empty() && (format == "json" || format == "name"))
    throw UsageError(
        fmt::format("--columns is for tables and CSV, but the output is {} (JSON has every field)", format));
  return format;
}
} // namespace

bool Context::table_output() const {
  const std::string format = chosen_format(global);
  return format == "table" || format == "wide";
}

void Context::check_output_options() const {
  chosen_format(global);
  if (global.sort.empty() && global.columns.empty()) return;
  std::vector<std::string_view> names;
  for (auto n : column_names(command)) // a column's key, then its header unless that is the same word
    if (std::none_of(names.begin(), names.end(), [&](auto k) { return same_column_name(k, n); })) names.push_back(n);
  if (names.empty())
    throw UsageError(fmt::format("'fleetcap {}' prints no table: --sort and --columns do not apply", command));
  // With no name near, the message lists the table's headers (issue 24: "--sort nosuch" did not
  // say which columns there are); JSON keys are accepted too.
  std::vector<std::string_view> headers;
  for (const auto& list : column_registry())
    if (list.command == command && list.kind == ListKind::table)
      for (const auto& c : list.columns)
        if (!c.header.empty() && std::find(headers.begin(), headers.end(), c.header) == headers.end())
          headers.push_back(c.header);
  const std::string hint = fmt::format("its columns: {}; or a JSON key", fmt::join(headers, ", "));
  auto check = [&](std::string_view option, const std::string& name) {
    if (!is_column_name(command, name))
      unknown_name(fmt::format("{}: 'fleetcap {}' has no column", option, command), name, "", names, hint);
  };
  if (!global.sort.empty()) check("--sort", global.sort);
  for (const auto& c : global.columns) check("--columns", c);
  // A field only JSON and CSV carry names no column of a table: say so rather than show the
  // default columns as if the name had not been given.
  if (table_output())
    for (const auto& c : global.columns)
      if (!is_table_column(command, c))
        throw UsageError(fmt::format("--columns {}: 'fleetcap {}' has that field in JSON and CSV only, not in its "
                                     "tables; -o csv --columns {} shows it",
                                     c, command, c));
}

RenderOptions Context::render_options(const Snapshot& snap, Time at) const {
  RenderOptions o;
  const std::string format = chosen_format(global);
  o.format = format == "json"   ? Format::json
             : format == "csv"  ? Format::csv
             : format == "name" ? Format::name
                                : Format::table;
  o.wide = format == "wide";
  o.no_headers = global.no_headers;
  o.columns = global.columns;
  o.sort = global.sort;
  const ColorMode mode = global.color == "always"  ? ColorMode::always
                         : global.color == "never" ? ColorMode::never
                                                   : ColorMode::automatic;
  o.style = detect_style(mode, STDOUT_FILENO);
  o.generated_at = wall_clock_now();
  o.at = at;
  o.source = snap.source;
  o.sources = snap.sources;
  return o;
}

CLI::Validator positive_integer_up_to(std::int64_t max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        const std::optional<std::int64_t> v = whole_integer(text);
        if (!v || *v < 1 || *v > max)
          return fmt::format("must be a whole number from 1 to {}, got \"{}\"", max, text.substr(0, 40));
        return {};
      },
      "POSITIVE");
}

CLI::Option* add_list_option(CLI::App& app, const std::string& name, std::vector<std::string>& into,
                             const std::string& help) {
  // expected(1) alone leaves a vector option's allow_extra_args on, so "--cluster lion tiger"
  // took tiger as a second cluster and "snapshot save --cluster lion DIR" took DIR.
  return app.add_option(name, into, help)
      ->type_size(1)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',');
}

} // namespace fleetcap::cli
