#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/suggest.hpp"
#include "fleetcap/render/columns.hpp"
#include "fleetcap/render/table.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/source/kinds.hpp"
#include "fleetcap/source/local_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

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
  if (global.quiet) return;
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
  std::array<std::pair<std::int64_t, std::uint64_t>, kResources.size()> seen{}; // pages, bytes
  std::chrono::steady_clock::time_point last{};
  bool shown = false;

  void page(Resource r, std::int64_t pages, std::uint64_t bytes) {
    std::lock_guard lock(mutex);
    seen[static_cast<std::size_t>(r)] = {pages, bytes};
    const auto now = std::chrono::steady_clock::now();
    if (shown && now - last < std::chrono::milliseconds(100)) return;
    last = now;
    std::string line = "fleetcap: fetching";
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (seen[i].first == 0) continue;
      line += fmt::format(" {} {} {} {:.1f} MB;", to_string(kResources[i]), seen[i].first,
                          seen[i].first == 1 ? "page" : "pages", static_cast<double>(seen[i].second) / 1e6);
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

SourceOptions Context::source_options() const {
  SourceOptions o;
  o.source = global.source;
  if (o.source.empty())
    throw UsageError("no fleet source: pass --source URL|DIR, set FLEETCAP_SOURCE, or put source = ... in the config "
                     "file");
  o.clusters = global.clusters;
  if (!global.token_file.empty()) {
    o.token = read_token_file(global.token_file, *this);
    add_secret(*o.token); // before anything can quote it (fleetcap/secrets.hpp)
    check_header_token(*o.token, "--token-file");
  } else if (const char* env = std::getenv("FLEETCAP_TOKEN"); env && *env) {
    o.token = env;
    add_secret(*o.token);
    check_header_token(*o.token, "FLEETCAP_TOKEN");
  }
  // The kind's own settings from the config file and its environment, then the command line's.
  const SourceKind& kind = source_kind(o.source);
  if (kind.configure) {
    if (!config) config = config_file(global.config_file);
    KindConfig settings(config, std::string(kind.table), "", [this](const std::string& m) { warn(m); });
    kind.configure(settings, o);
    settings.finish();
  }
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
  if (!global.quiet && !global.verbose && ::isatty(STDERR_FILENO) == 1) {
    progress = std::make_shared<FetchProgress>();
    progress->err = err;
    o.progress = [p = progress](Resource r, std::int64_t pages, std::uint64_t bytes) { p->page(r, pages, bytes); };
  }
  o.warn = [this](const std::string& message) { warn(message); };
  if (global.verbose) {
    auto mutex = std::make_shared<std::mutex>();
    std::ostream* log = err;
    o.log = [mutex, log](const std::string& line) {
      std::lock_guard lock(*mutex);
      *log << "fleetcap: " << escape_control(line) << '\n';
    };
  }
  return o;
}

Snapshot Context::load(RawItems* raw) const {
  SourceOptions options = source_options();
  // --verbose: when each resource was fetched (or read) and parsed, from the load's start.
  auto parsed = std::make_shared<std::array<double, kResources.size()>>();
  auto parsed_mutex = std::make_shared<std::mutex>();
  if (global.verbose)
    options.on_parsed = [parsed, parsed_mutex](Resource r, double ms) {
      std::lock_guard lock(*parsed_mutex);
      (*parsed)[static_cast<std::size_t>(r)] = ms;
    };
  phase("start"); // parsing the command line and options
  Snapshot snap;
  try {
    snap = load_snapshot(options, raw);
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

void Context::check_names(const Snapshot& snap) const {
  auto check = [&](std::string_view option, const std::vector<std::string>& wanted, auto field) {
    if (wanted.empty()) return;
    std::vector<std::string_view> known;
    for (const auto& c : snap.clusters) known.push_back(c.*field);
    for (const auto& w : wanted)
      if (std::find(known.begin(), known.end(), w) == known.end())
        unknown_name(fmt::format("{}: no {} named", option, option.substr(2)), w,
                     fmt::format(" in {}", display_source(snap.source)), known);
  };
  check("--cluster", global.clusters, &Cluster::name);
  check("--region", global.regions, &Cluster::region);
  check("--sku", global.skus, &Cluster::sku);
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

Time wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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
  auto check = [&](std::string_view option, const std::string& name) {
    if (!is_column_name(command, name))
      unknown_name(fmt::format("{}: 'fleetcap {}' has no column", option, command), name, "", names,
                   "name a column by its table header or its JSON key");
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
