// Slurm through its own commands (docs/slurm.md, "Slurm's own commands"): `--source slurm`,
// `slurm:CLUSTER[,CLUSTER...]` and `slurm:all` on this host, `slurm+ssh://[USER@]LOGIN[:PORT]`
// (and `.../CLUSTER`, `.../all`) on a login node through ssh. No daemon, no token: the commands
// a user has. `scontrol --version` says which Slurm it is; then, concurrently, its nodes
// (`sinfo --json` on 22.05, `scontrol show nodes --json` later), jobs (`squeue --json`),
// reservations and quota (`scontrol -o` and `sacctmgr -P -n` text on 22.05, their --json later),
// per Slurm cluster with -M. Slurm's CLI JSON comes from the data parser slurmrestd uses, and the
// text forms are read into the same JSON (slurm_parsable.cpp), so one translation
// (slurm_translate.cpp) reads every way in.
#include "command.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "loader.hpp"
#include "slurm.hpp"
#include "ssh.hpp"
#include "tasks.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <unistd.h>

namespace fleetcap::source {
namespace {

enum What : std::size_t { kNodes, kJobs, kReservations, kPartitions, kConfig, kAssociations, kQos, kWhats, kVersion };

// At most this many commands at once: sshd allows 10 sessions per connection by default.
constexpr std::size_t kParallel = 8;

struct Version {
  int year = 0, month = 0;
  std::string text; // "22.05.8"
};

// "slurm 22.05.8", "slurm-wlm 22.05.8", "slurm 25.11.0-rc1": the release's year and month.
std::optional<Version> parse_version(std::string_view out) {
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.remove_suffix(1);
  const auto space = out.rfind(' ');
  const std::string_view v = space == std::string_view::npos ? out : out.substr(space + 1);
  Version r;
  r.text = std::string(v);
  if (std::sscanf(r.text.c_str(), "%d.%d", &r.year, &r.month) != 2 || r.year < 1 || r.month < 1) return std::nullopt;
  return r;
}

// How a Slurm release is read (docs/slurm.md, "Which Slurm"): the --json flag, whether scontrol
// and sacctmgr have one, and the data parser its JSON comes in.
struct Plan {
  bool text_forms = false; // Slurm 22.05: scontrol and sacctmgr have no --json
  std::string json = "--json";
  std::string parser;
  std::string release; // "22.05.8", for `fleetcap sources`
};

std::optional<Plan> plan_for(const Version& v) {
  static const std::array<std::pair<std::pair<int, int>, std::string_view>, 7> kReleases = {{
      {{22, 5}, "v0.0.38"},
      {{23, 2}, "v0.0.39"},
      {{23, 11}, "v0.0.40"},
      {{24, 5}, "v0.0.41"},
      {{24, 11}, "v0.0.42"},
      {{25, 5}, "v0.0.43"},
      {{25, 11}, "v0.0.44"},
  }};
  const std::pair<int, int> at{v.year, v.month};
  if (at < kReleases.front().first) return std::nullopt;
  Plan p;
  for (const auto& [release, parser] : kReleases)
    if (at >= release) p.parser = std::string(parser);
  p.text_forms = at < std::pair{23, 2};
  // A release newer than any fleetcap knows: ask for the newest data parser it reads (Slurm
  // keeps the last three).
  if (at > kReleases.back().first) p.json = "--json=" + p.parser;
  return p;
}

// The data parser a JSON output names in its meta (`"data_parser": "data_parser/v0.0.40"`, or
// v0.0.38's `"type": "openapi/v0.0.38"`), looked for where meta is: the first or the last 64 KiB.
std::optional<std::string> data_parser_of(std::string_view body) {
  constexpr std::size_t kEdge = 64 << 10;
  const std::array<std::string_view, 2> edges = {
      body.substr(0, kEdge), body.size() > kEdge ? body.substr(body.size() - kEdge) : std::string_view()};
  for (std::string_view part : edges) {
    for (std::string_view key : {std::string_view("\"data_parser\""), std::string_view("\"type\"")}) {
      auto at = part.find(key);
      if (at == std::string_view::npos) continue;
      at = part.find('"', part.find(':', at + key.size()) + 1);
      const auto end = at == std::string_view::npos ? at : part.find('"', at + 1);
      if (end == std::string_view::npos) continue;
      std::string value(part.substr(at + 1, end - at - 1));
      std::erase(value, '\\');
      const auto v = value.rfind("/v");
      if (v != std::string::npos) return value.substr(v + 1);
      if (value.starts_with("v0.")) return value;
    }
  }
  return std::nullopt;
}

// Whether the output's top-level errors[] has anything in it (checked where meta is, as above).
bool has_errors(std::string_view body) {
  constexpr std::size_t kEdge = 64 << 10;
  for (std::string_view part : {body.substr(0, kEdge), body.size() > kEdge ? body.substr(body.size() - kEdge) : ""}) {
    auto at = part.find("\"errors\"");
    if (at == std::string_view::npos) continue;
    at = part.find_first_not_of(" \t\r\n:", at + 8);
    if (at == std::string_view::npos || part[at] != '[') continue;
    at = part.find_first_not_of(" \t\r\n", at + 1);
    if (at != std::string_view::npos && part[at] != ']') return true;
  }
  return false;
}

struct Call {
  std::size_t cluster = 0;
  What what = kNodes;
  std::vector<std::string> words;
  bool json = true;
  std::string label; // "squeue --json -M lab on login1"
  command::Result result;
  bool absent = false; // sacctmgr: no slurmdbd configured
  double seconds = 0;
};

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// What to check when a command fails, by what it reads.
std::string advice(What what) {
  if (what == kAssociations || what == kQos)
    return "is slurmdbd running and reachable (sacctmgr ping)? Or pass --slurm-quota none to go without quota";
  return "is slurmctld running and answering (scontrol ping)?";
}

std::string this_host() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || !name[0]) return "this host";
  return std::string(name.data());
}

class SlurmCliSource : public Source {
public:
  explicit SlurmCliSource(const SourceOptions& o) : o_(o) {}

  void load(Loader& loader) override {
    // Ctrl-C from here on is seen by each wait (every 50 ms), so the commands are killed, the
    // ssh connection closed and its folder removed before fleetcap exits (fleetcap/interrupt.hpp).
    const DeferInterrupts defer;
    cancel_ = loader.cancel();
    setup();
    plan_ = version();
    loader.describe(fmt::format("Slurm {}, data parser {}", plan_.release, plan_.parser),
                    ssh_ ? fmt::format("ssh to {}", host_) : std::string("local commands (munge)"));
    const std::vector<std::string> clusters = cluster_names();
    std::vector<Call> calls = make_calls(plan_, clusters);
    run_all(calls);
    std::vector<slurm::Translation> trs = translate_all(calls, clusters, plan_);
    slurm::Translation tr = trs.size() > 1 ? merge(trs, clusters) : std::move(trs.front());
    ssh_.reset(); // the connection is not needed any more
    for (auto& w : warnings_) loader.snapshot().warnings.push_back(std::move(w));
    slurm::load_pages(loader, tr, shown_);
  }

private:
  void log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  void setup();
  Plan version();
  std::vector<std::string> cluster_names();
  std::vector<Call> make_calls(const Plan& plan, const std::vector<std::string>& clusters) const;
  command::Result execute(const std::vector<std::string>& words, const Cancel* cancel) const;
  std::optional<std::string> common_failure(const std::vector<std::string>& words, const command::Result& r,
                                            What what) const;
  std::string check(Call& c, const Plan& plan) const;
  void run_all(std::vector<Call>& calls) const;
  std::vector<slurm::Translation> translate_all(std::vector<Call>& calls, const std::vector<std::string>& clusters,
                                                const Plan& plan) const;
  slurm::Translation merge(std::vector<slurm::Translation>& trs, const std::vector<std::string>& clusters) const;

  const SourceOptions& o_;
  std::string shown_, host_;
  std::string clusters_spec_; // "", "all", or "a,b"
  std::unique_ptr<ssh::Connection> ssh_;
  std::unordered_map<std::string, std::string> island_map_;
  std::vector<std::string> warnings_; // of the source itself, before the translation's
  Plan plan_;
  const Cancel* cancel_ = nullptr; // the run this load is a task of (a fleet's), if any
};

// What --source names: where the commands run and which Slurm clusters they ask.
void SlurmCliSource::setup() {
  const std::string_view s = o_.source;
  shown_ = display_source(s);
  if (s.starts_with("slurm+ssh://")) {
    ssh::Target t = ssh::parse_target(s.substr(12), shown_);
    clusters_spec_ = t.rest.empty() ? std::string() : t.rest.substr(1);
    t.rest.clear();
    host_ = t.shown();
    ssh_ = std::make_unique<ssh::Connection>(std::move(t), o_.ssh_command, o_.connect_timeout);
  } else {
    clusters_spec_ = s.starts_with("slurm:") ? std::string(s.substr(6)) : std::string();
    host_ = this_host();
  }
  const bool names_ok = std::all_of(clusters_spec_.begin(), clusters_spec_.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ',';
  });
  if (!names_ok || (s.starts_with("slurm:") && clusters_spec_.empty()) || clusters_spec_.starts_with(",") ||
      clusters_spec_.ends_with(",") || clusters_spec_.find(",,") != std::string::npos)
    throw UsageError(fmt::format("--source {}: \"{}\" is not a Slurm cluster name, a comma list of them, or all; "
                                 "e.g. slurm:lab, slurm:all, slurm+ssh://login1/all",
                                 shown_, clusters_spec_));
  island_map_ = slurm::read_island_map(o_.slurm);
  if (ssh_) {
    const auto t0 = std::chrono::steady_clock::now();
    ssh_->open(o_.timeout, cancel_);
    log(fmt::format("ssh to {}: connected in {:.2f} s (one connection for the run)", host_,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  }
}

command::Result SlurmCliSource::execute(const std::vector<std::string>& words, const Cancel* cancel) const {
  // Times in UTC and in one format, whatever the user's environment says (scontrol's text).
  command::Spec spec;
  if (ssh_) {
    std::vector<std::string> remote = {"env", "TZ=UTC", "SLURM_TIME_FORMAT=standard"};
    remote.insert(remote.end(), words.begin(), words.end());
    spec = ssh_->spec(remote);
  } else {
    spec.argv = words;
    spec.env = {"TZ=UTC", "SLURM_TIME_FORMAT=standard"};
  }
  spec.timeout = o_.timeout;
  spec.max_out = static_cast<std::uint64_t>(o_.max_response_mb) << 20;
  spec.cancel = cancel;
  return command::run(spec);
}

// Failures every command can have: ssh's, a missing program, a timeout, too much output, a
// non-zero exit. nullopt when it ran and exited 0.
std::optional<std::string> SlurmCliSource::common_failure(const std::vector<std::string>& words,
                                                          const command::Result& r, What what) const {
  const std::string label = fmt::format("{} on {}", joined(words), host_);
  if (ssh_)
    if (auto f = ssh_->failure(r)) return *f;
  if (r.end == command::End::not_found)
    return fmt::format("{} is not on the PATH on {}: fleetcap --source slurm runs Slurm's own commands (sinfo, "
                       "squeue, scontrol, sacctmgr); install Slurm's client commands (Debian: slurm-client) or put "
                       "them on the PATH",
                       words.front(), host_);
  if (ssh_ && r.end == command::End::exited && r.code == 127)
    return fmt::format("{} is not found on {} ({}): is Slurm installed there, and on the PATH of a non-interactive "
                       "ssh session (try: {} {} --version)?",
                       words.front(), host_, command::excerpt(r.err), ssh_->by_hand(), words.front());
  if (r.end == command::End::timed_out)
    return fmt::format("{} did not finish within {} s (--timeout); {}", label, o_.timeout, advice(what));
  if (r.end == command::End::too_much)
    return fmt::format("{} printed more than {} MiB (--max-response-mb); raise --max-response-mb if the cluster is "
                       "that large",
                       label, o_.max_response_mb);
  if (r.end == command::End::interrupted) throw InterruptedError();
  if (r.end == command::End::cancelled) throw Cancelled();
  // scontrol --version asks no daemon: only Slurm's configuration there can be amiss.
  const std::string what_to_do =
      what == kVersion ? fmt::format("is Slurm configured on {} (SLURM_CONF, or a slurm.conf where Slurm looks for "
                                     "it)? fleetcap --source slurm runs where Slurm's own commands work, as on a "
                                     "login node",
                                     host_)
                       : advice(what);
  if (!r.ok())
    return fmt::format("{} failed ({}){}{}; {}", label, command::describe(r), r.err.empty() ? "" : ": ",
                       command::excerpt(r.err), what_to_do);
  return std::nullopt;
}

// `scontrol --version`: whether Slurm is there, and which release.
Plan SlurmCliSource::version() {
  const std::vector<std::string> words = {"scontrol", "--version"};
  const command::Result r = execute(words, cancel_);
  if (auto f = common_failure(words, r, kVersion)) throw RuntimeError(*f);
  const auto v = parse_version(r.out);
  if (!v)
    throw RuntimeError(fmt::format("scontrol --version on {} printed \"{}\", not a Slurm version like "
                                   "\"slurm 22.05.8\"",
                                   host_, command::excerpt(r.out, 80)));
  const auto plan = plan_for(*v);
  if (!plan)
    throw RuntimeError(fmt::format("Slurm {} on {} is older than 22.05, the oldest fleetcap reads through Slurm's "
                                   "commands (their JSON is data parser v0.0.38 from 22.05 on); use a newer Slurm's "
                                   "commands, or slurmrestd (--source slurm+http://...)",
                                   v->text, host_));
  log(fmt::format("Slurm {} on {}: data parser {}, {}", v->text, host_, plan->parser,
                  plan->text_forms ? "sinfo/squeue --json, scontrol -o and sacctmgr -P text" : "--json throughout"));
  Plan chosen = *plan;
  chosen.release = v->text;
  return chosen;
}

// The Slurm clusters to ask: none named (the host's own), the names given, or for `all` every
// cluster registered in slurmdbd whose slurmctld has registered too (as Slurm's -M all).
std::vector<std::string> SlurmCliSource::cluster_names() {
  if (clusters_spec_.empty()) return {""};
  if (clusters_spec_ != "all") {
    std::vector<std::string> out;
    for (std::size_t a = 0; a <= clusters_spec_.size();) {
      auto b = clusters_spec_.find(',', a);
      if (b == std::string::npos) b = clusters_spec_.size();
      if (std::find(out.begin(), out.end(), clusters_spec_.substr(a, b - a)) == out.end())
        out.push_back(clusters_spec_.substr(a, b - a));
      a = b + 1;
    }
    return out;
  }
  const std::vector<std::string> words = {"sacctmgr", "-P", "-n", "show", "clusters", "format=Cluster,ControlHost"};
  const command::Result r = execute(words, cancel_);
  if (auto f = common_failure(words, r, kAssociations)) {
    if (r.err.find("accounting_storage") != std::string::npos)
      *f = fmt::format("{} source {}: Slurm on {} has no slurmdbd, and -M (slurm:all) reads the clusters from it; "
                       "name the cluster instead (--source slurm)",
                       joined(words), shown_, host_);
    throw RuntimeError(*f);
  }
  std::vector<std::string> skipped;
  std::vector<std::string> out =
      slurm::clusters_from_sacctmgr(r.out, fmt::format("{} on {}", joined(words), host_), skipped);
  if (out.empty())
    throw RuntimeError(fmt::format("{} on {} lists no Slurm cluster whose slurmctld has registered{}", joined(words),
                                   host_, skipped.empty() ? "" : fmt::format(" ({} have not)", skipped.size())));
  for (const auto& name : skipped)
    warnings_.push_back(fmt::format("Slurm cluster {} is registered in slurmdbd but its slurmctld is not (no "
                                    "control host): left out of {}, as Slurm's -M all leaves it out",
                                    name, shown_));
  log(fmt::format("Slurm clusters on {}: {}", host_, joined(out)));
  return out;
}

// Every command of the run, per Slurm cluster (-M NAME; none for the host's own).
std::vector<Call> SlurmCliSource::make_calls(const Plan& plan, const std::vector<std::string>& clusters) const {
  std::vector<Call> calls;
  const std::string& quota = o_.slurm.quota;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const std::string& name = clusters[c];
    std::vector<std::string> m;
    if (!name.empty()) m = {"-M", name};
    auto add = [&](What what, std::vector<std::string> words, bool json) {
      if (what == kAssociations && !name.empty()) words.push_back("cluster=" + name);
      Call call;
      call.cluster = c;
      call.what = what;
      call.json = json;
      call.label = fmt::format("{} on {}", joined(words), host_);
      call.words = std::move(words);
      calls.push_back(std::move(call));
    };
    auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
      head.insert(head.end(), m.begin(), m.end());
      head.insert(head.end(), tail.begin(), tail.end());
      return head;
    };
    // Both slurmdb lists whenever there is quota: account and QOS limits both bind, and QOS
    // Preempt lists say who is reclaimable; partitions and PreemptType for the preemption rules
    // (docs/slurm.md, "How Slurm's rules map to the figures").
    const std::string& j = plan.json;
    const bool slurmdb = quota != "none";
    if (plan.text_forms) {
      add(kNodes, with({"sinfo", j}, {}), true);
      add(kReservations, with({"scontrol", "-o"}, {"show", "reservation"}), false);
      add(kPartitions, with({"scontrol", "-o"}, {"show", "partition"}), false);
      if (slurmdb)
        add(kAssociations, {"sacctmgr", "-P", "-n", "show", "assoc", std::string(slurm::kAssocFormat)}, false);
      if (slurmdb) add(kQos, {"sacctmgr", "-P", "-n", "show", "qos", std::string(slurm::kQosFormat)}, false);
    } else {
      add(kNodes, with({"scontrol", j}, {"show", "nodes"}), true);
      add(kReservations, with({"scontrol", j}, {"show", "reservations"}), true);
      add(kPartitions, with({"scontrol", j}, {"show", "partitions"}), true);
      if (slurmdb) add(kAssociations, {"sacctmgr", j, "show", "assoc"}, true);
      if (slurmdb) add(kQos, {"sacctmgr", j, "show", "qos"}, true);
    }
    if (o_.slurm.preempt_type.empty()) add(kConfig, with({"scontrol"}, {"show", "config"}), false);
    add(kJobs, with({"squeue", j}, {}), true);
  }
  return calls;
}

// A finished command: empty when its output can be read, else why not. Slurm's commands print
// errors[] in their JSON and exit 0 when slurmctld cannot be reached, so that is a failure too.
std::string SlurmCliSource::check(Call& c, const Plan& plan) const {
  const command::Result& r = c.result;
  if ((c.what == kAssociations || c.what == kQos) && !r.ok() && r.end == command::End::exited &&
      r.err.find("not running a supported accounting_storage plugin") != std::string::npos) {
    c.absent = true; // no slurmdbd: no quota, with the translation's warning
    return {};
  }
  if (auto f = common_failure(c.words, r, c.what)) return *f;
  if (!c.json) return {};
  const auto first = r.out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return fmt::format("{} printed nothing; {}", c.label, advice(c.what));
  if (r.out[first] != '{')
    return fmt::format("{} printed something that is not JSON: \"{}\"", c.label, command::excerpt(r.out, 120));
  if (has_errors(r.out))
    return fmt::format("{}: Slurm says: {}; {}", c.label, slurm::slurm_errors(r.out), advice(c.what));
  if (const auto parser = data_parser_of(r.out);
      parser && std::find(slurm::kVersions.begin(), slurm::kVersions.end(), *parser) == slurm::kVersions.end())
    return fmt::format("{} printed JSON of data parser {}, which fleetcap does not read (v0.0.38 to v0.0.44; it asked "
                       "for {}); use a fleetcap that reads it, or slurmrestd with one of those (--source "
                       "slurm+http://...)",
                       c.label, *parser, plan.parser);
  return {};
}

// Runs the calls, kParallel at a time (tasks.hpp); the first failure stops the rest.
void SlurmCliSource::run_all(std::vector<Call>& calls) const {
  Tasks tasks(cancel_, kParallel);
  for (auto& c : calls)
    tasks.spawn([&](Cancel& cancel) {
      const auto t0 = std::chrono::steady_clock::now();
      c.result = execute(c.words, &cancel);
      c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (std::string failure = check(c, plan_); !failure.empty()) throw RuntimeError(failure);
    });
  tasks.join();
  for (const auto& c : calls) log(fmt::format("ran {}: {:.2f} s, {} bytes", c.label, c.seconds, c.result.out.size()));
}

// The outputs as the translation's Responses, one per Slurm cluster, translated. The text forms
// become v0.0.38 JSON first; their problems are data errors (exit 3) like the JSON's.
std::vector<slurm::Translation> SlurmCliSource::translate_all(std::vector<Call>& calls,
                                                              const std::vector<std::string>& clusters,
                                                              const Plan& plan) const {
  std::vector<slurm::Responses> ins(clusters.size());
  std::vector<slurm::PreemptConfig> preempt(clusters.size());
  std::vector<std::string> errors;
  for (auto& c : calls) {
    slurm::Responses& in = ins[c.cluster];
    std::string body = std::move(c.result.out);
    if (c.what == kConfig) {
      preempt[c.cluster] = slurm::preempt_from_config(body);
      continue;
    }
    if (!c.json && c.what == kReservations) body = slurm::reservations_from_scontrol(body, c.label, errors);
    if (!c.json && c.what == kPartitions) body = slurm::partitions_from_scontrol(body, c.label, errors);
    if (!c.json && c.what == kAssociations) body = slurm::associations_from_sacctmgr(body, c.label, errors);
    if (!c.json && c.what == kQos) body = slurm::qos_from_sacctmgr(body, c.label, errors);
    switch (c.what) {
    case kNodes: in.nodes = std::move(body), in.nodes_label = c.label; break;
    case kJobs: in.jobs = std::move(body), in.jobs_label = c.label; break;
    case kReservations: in.reservations = std::move(body), in.reservations_label = c.label; break;
    case kPartitions: in.partitions = std::move(body), in.partitions_label = c.label; break;
    case kConfig: break;
    case kAssociations:
      if (!c.absent) in.associations = std::move(body);
      in.associations_label = c.label;
      break;
    case kQos:
      if (!c.absent) in.qos = std::move(body);
      in.qos_label = c.label;
      break;
    case kWhats:
    case kVersion: break;
    }
  }
  if (!errors.empty()) throw DataError(std::move(errors));
  std::vector<slurm::Translation> out;
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    SlurmOptions options = o_.slurm;
    if (!clusters[k].empty()) options.cluster = clusters[k]; // asked with -M: that is its name
    if (options.preempt_type.empty()) {                      // scontrol show config says what slurmrestd does not
      options.preempt_type = preempt[k].type;
      if (options.preempt_mode.empty()) options.preempt_mode = preempt[k].mode;
    }
    ins[k].version = plan.parser;
    ins[k].island_map = island_map_;
    out.push_back(slurm::translate(ins[k], options, o_.now_or_clock()));
  }
  return out;
}

// ---- several Slurm clusters in one source (slurm:all): one set of pages

// Each resource's unique name field, and the fields that refer to names of another resource.
// (Cluster names cannot collide: each is its Slurm cluster's, or that and a GPU type.)
constexpr std::array<std::string_view, kResources.size()> kKey = {"", "name", "name", "name", "id", ""};

struct Renames {
  std::array<std::map<std::string, std::string>, kResources.size()> of; // per resource: old -> new
  std::string rename(Resource r, const nlohmann::json& v) const {
    const auto& m = of[static_cast<std::size_t>(r)];
    const std::string s = v.is_string() ? v.get<std::string>() : std::string();
    const auto it = m.find(s);
    return it == m.end() ? s : it->second;
  }
};

void apply(nlohmann::json& items, Resource r, const Renames& names) {
  auto rename_list = [&](nlohmann::json& list, Resource of) {
    if (list.is_array())
      for (auto& n : list) n = names.rename(of, n);
  };
  for (auto& item : items) {
    if (!item.is_object()) continue;
    if (const std::string_view key = kKey[static_cast<std::size_t>(r)]; !key.empty() && item.contains(key))
      item[std::string(key)] = names.rename(r, item[std::string(key)]);
    if (r == Resource::quotas && item.contains("parent") && item["parent"].is_string())
      item["parent"] = names.rename(Resource::quotas, item["parent"]);
    if (r == Resource::jobs && item.contains("quota")) item["quota"] = names.rename(Resource::quotas, item["quota"]);
    if ((r == Resource::jobs || r == Resource::maintenance) && item.contains("nodes"))
      rename_list(item["nodes"], Resource::nodes);
  }
}

// The names the items carry inline (docs/design.md): caps on quotas and jobs, reservations on
// nodes. f(kind, name) with kind 0 for a cap, 1 for a reservation, and the JSON string itself.
template <class F> void each_inline_name(nlohmann::json& items, Resource r, F&& f) {
  for (auto& item : items) {
    if (!item.is_object()) continue;
    if ((r == Resource::quotas || r == Resource::jobs) && item.contains("caps") && item["caps"].is_array())
      for (auto& c : item["caps"])
        if (c.is_string() || (c.is_object() && c.contains("name"))) f(0, c.is_string() ? c : c["name"]);
    if (r == Resource::nodes && item.contains("reservations") && item["reservations"].is_array())
      for (auto& res : item["reservations"])
        if (res.is_object() && res.contains("name")) f(1, res["name"]);
  }
}

// A name (of a node, quota, job or maintenance, or a cap or reservation) that two Slurm clusters
// both have becomes CLUSTER/NAME in each (docs/slurm.md, "Several Slurm clusters"); every
// reference follows.
slurm::Translation SlurmCliSource::merge(std::vector<slurm::Translation>& trs,
                                         const std::vector<std::string>& clusters) const {
  std::vector<std::array<nlohmann::json, kResources.size()>> items(trs.size());
  std::array<std::map<std::string, std::size_t>, kResources.size()> seen; // name -> clusters having it
  for (std::size_t k = 0; k < trs.size(); ++k)
    for (std::size_t r = 0; r < kResources.size(); ++r) {
      items[k][r] = std::move(nlohmann::json::parse(trs[k].pages[r])["items"]);
      trs[k].pages[r].clear();
      if (kKey[r].empty()) continue;
      std::set<std::string> mine;
      for (const auto& item : items[k][r])
        if (item.contains(kKey[r]) && item[std::string(kKey[r])].is_string())
          mine.insert(item[std::string(kKey[r])].get<std::string>());
      for (const auto& n : mine) ++seen[r][n];
    }
  std::array<std::map<std::string, std::size_t>, 2> inline_seen; // caps, reservations
  for (std::size_t k = 0; k < trs.size(); ++k) {
    std::array<std::set<std::string>, 2> mine;
    for (std::size_t r = 0; r < kResources.size(); ++r)
      each_inline_name(items[k][r], kResources[r], [&](int kind, nlohmann::json& n) {
        if (n.is_string()) mine[kind].insert(n.get<std::string>());
      });
    for (int kind : {0, 1})
      for (const auto& n : mine[kind]) ++inline_seen[kind][n];
  }
  slurm::Translation out;
  std::map<std::string, std::size_t> warned;
  for (std::size_t k = 0; k < trs.size(); ++k) {
    Renames names;
    for (std::size_t r = 0; r < kResources.size(); ++r)
      for (const auto& [n, count] : seen[r])
        if (count > 1) names.of[r][n] = fmt::format("{}/{}", clusters[k], n);
    for (std::size_t r = 0; r < kResources.size(); ++r) {
      apply(items[k][r], kResources[r], names);
      each_inline_name(items[k][r], kResources[r], [&](int kind, nlohmann::json& n) {
        if (n.is_string() && inline_seen[kind][n.get<std::string>()] > 1)
          n = fmt::format("{}/{}", clusters[k], n.get<std::string>());
      });
    }
    for (const auto& w : trs[k].warnings) ++warned[w];
  }
  for (std::size_t r = 0; r < kResources.size(); ++r) {
    nlohmann::json all = nlohmann::json::array();
    for (auto& per : items)
      for (auto& item : per[r]) all.push_back(std::move(item));
    out.pages[r] = nlohmann::json{{"api_version", "v1"}, {"items", std::move(all)}}.dump() + "\n";
  }
  // A warning every cluster gave is said once; the others name their cluster.
  for (std::size_t k = 0; k < trs.size(); ++k)
    for (auto& w : trs[k].warnings) {
      if (warned[w] == trs.size()) {
        if (k == 0) out.warnings.push_back(w);
      } else {
        out.warnings.push_back(fmt::format("Slurm cluster {}: {}", clusters[k], w));
      }
    }
  out.cluster = joined(clusters);
  return out;
}

} // namespace

std::unique_ptr<Source> make_slurm_cli_source(const SourceOptions& o) { return std::make_unique<SlurmCliSource>(o); }

} // namespace fleetcap::source
