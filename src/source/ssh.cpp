// The run's one ssh connection and the commands sent through it (ssh.hpp, docs/slurm.md).
#include "ssh.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"
#include "tasks.hpp"
#include "url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fleetcap::source::ssh {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }

// A private folder for the control socket: $TMPDIR unless that makes the socket's path too long
// for a unix socket (108 bytes), then /tmp.
std::string private_dir() {
  std::vector<std::string> bases;
  if (const char* t = std::getenv("TMPDIR"); t && *t) bases.emplace_back(t);
  bases.emplace_back("/tmp");
  for (const auto& base : bases) {
    if (base.size() > 60) continue;
    std::string templ = base + "/fleetcap-ssh-XXXXXX";
    if (::mkdtemp(templ.data())) return templ;
  }
  throw RuntimeError(fmt::format("cannot make a private folder for ssh's control socket in {}: {}", bases.front(),
                                 std::strerror(errno)));
}

std::string read_log(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  // ssh's notes that are not the failure
  std::string out, line;
  while (std::getline(text, line))
    if (!line.starts_with("Warning: Permanently added") && !line.empty()) out += line + "\n";
  return out;
}

bool has(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

} // namespace

std::string Target::shown() const {
  std::string out = user.empty() ? std::string() : user + "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += fmt::format(":{}", port);
  return out;
}

Target parse_target(std::string_view spec, std::string_view source) {
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("--source {}: {}; expected slurm+ssh://[USER@]HOST[:PORT], e.g. "
                                  "slurm+ssh://alice@login1.example:22",
                                  source, why));
  };
  // The one reader of --source URLs (url.hpp), for the ssh scheme.
  const url::Parsed p = url::parse("ssh://" + std::string(spec), "ssh");
  if (!p.url) throw bad(p.why);
  Target t;
  t.rest = p.url->path;
  t.port = p.url->port;
  t.host = p.url->host;
  if (t.host.starts_with('[')) t.host = t.host.substr(1, t.host.size() - 2); // ssh takes IPv6 bare
  if (t.host.starts_with('-')) throw bad(fmt::format("\"{}\" is not a host name", t.host));
  const auto at = spec.substr(0, spec.find('/')).rfind('@');
  if (at != std::string_view::npos) {
    t.user = p.url->userinfo;
    if (t.user.find(':') != std::string::npos)
      throw bad("a password has no place in it (ssh logs in with keys or your agent), and is not shown");
    if (t.user.empty() || t.user.front() == '-' || !std::all_of(t.user.begin(), t.user.end(), name_char))
      throw bad(fmt::format("\"{}\" is not a user name", t.user));
  }
  return t;
}

std::string remote_command(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += shell_quote(w);
  }
  return out;
}

Connection::Connection(Target target, std::string ssh_command, double connect_timeout)
    : target_(std::move(target)), ssh_command_(std::move(ssh_command)), connect_timeout_(connect_timeout) {}

Connection::~Connection() {
  if (master_ && !master_->ended()) {
    // As ssh's own way: the master sends the server its disconnect and exits; a signal only if
    // it does not within a few seconds.
    command::Spec exit;
    exit.argv = argv(false);
    exit.argv.insert(exit.argv.end() - 2, {"-O", "exit"});
    exit.timeout = 5;
    command::run(exit);
  }
  if (master_) master_->stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

// ssh's words before the remote command: the program (or sh running FLEETCAP_SSH_COMMAND, as
// git runs GIT_SSH_COMMAND), the options that make it non-interactive and share one connection,
// then the host.
std::vector<std::string> Connection::argv(bool master) const {
  std::vector<std::string> a;
  if (ssh_command_.empty())
    a = {"ssh"};
  else
    a = {"/bin/sh", "-c", ssh_command_ + " \"$@\"", ssh_command_};
  const long timeout = std::max(1L, static_cast<long>(std::ceil(connect_timeout_)));
  for (const std::string& o :
       {std::string("BatchMode=yes"), "ControlPath=" + control_, fmt::format("ConnectTimeout={}", timeout),
        std::string(master ? "ControlMaster=yes" : "ControlMaster=no")}) {
    a.push_back("-o");
    a.push_back(o);
  }
  if (master) {
    a.insert(a.end(), {"-o", "ControlPersist=no", "-N"});
  } else {
    a.push_back("-T");
  }
  if (target_.port) a.insert(a.end(), {"-p", std::to_string(target_.port)});
  if (!target_.user.empty()) a.insert(a.end(), {"-l", target_.user});
  a.insert(a.end(), {"--", target_.host});
  return a;
}

std::string Connection::by_hand() const {
  std::string out = ssh_command_.empty() ? "ssh" : ssh_command_;
  if (target_.port) out += fmt::format(" -p {}", target_.port);
  out += " " + (target_.user.empty() ? target_.host : target_.user + "@" + target_.host);
  return out;
}

// What ssh said, turned into what to do about it.
std::string Connection::explain(std::string_view said, const std::string& how) const {
  const std::string host = target_.shown(), quote = command::excerpt(said);
  if (has(said, "REMOTE HOST IDENTIFICATION HAS CHANGED") || (has(said, "Host key for") && has(said, "has changed"))) {
    // ssh's banner says little; its "Offending ... key in FILE:LINE" and "remove with:" lines say what to do.
    std::string where, remove;
    std::istringstream lines{std::string(said)};
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("Offending")) where = line;
      if (const auto at = line.find("remove with:"); at != std::string::npos) std::getline(lines, remove);
    }
    while (!remove.empty() && remove.front() == ' ') remove.erase(0, 1);
    return fmt::format("ssh to {}: the host key of {} has changed since it was recorded ({}); if the change was "
                       "expected, remove the old key ({}) and connect once by hand ({}) to check and record the "
                       "new one",
                       host, target_.host, where.empty() ? quote : command::excerpt(where),
                       remove.empty() ? "ssh-keygen -R " + target_.host : command::excerpt(remove), by_hand());
  }
  if (has(said, "Host key verification failed") || has(said, "host key is known"))
    return fmt::format("ssh to {}: the host key of {} is not in your known_hosts ({}); fleetcap runs ssh with "
                       "BatchMode=yes and cannot ask whether to trust it: connect once by hand ({}) and check its "
                       "fingerprint, or add its key to ~/.ssh/known_hosts",
                       host, target_.host, quote, by_hand());
  if (has(said, "Permission denied") || has(said, "Too many authentication failures"))
    return fmt::format("ssh to {}: {} refused the login ({}); fleetcap runs ssh with BatchMode=yes and cannot ask "
                       "for a password or a key's passphrase: add your key to ssh-agent (ssh-add), or name it with "
                       "IdentityFile in ~/.ssh/config, and make sure {} lists it in ~/.ssh/authorized_keys",
                       host, target_.host, quote, target_.host);
  if (has(said, "Could not resolve hostname"))
    return fmt::format("ssh to {}: cannot resolve the host name {} ({}); check the name, or give it a Host entry in "
                       "~/.ssh/config",
                       host, target_.host, quote);
  if (has(said, "Connection refused") || has(said, "timed out") || has(said, "No route to host") ||
      has(said, "Network is unreachable"))
    return fmt::format("ssh to {}: cannot connect ({}); is sshd running on {}{}, and reachable from here?", host, quote,
                       target_.host, target_.port ? fmt::format(" port {}", target_.port) : "");
  return fmt::format("ssh to {} failed ({}){}{}; try it by hand: {}", host, how, quote.empty() ? "" : ": ", quote,
                     by_hand());
}

void Connection::open(double timeout, const Cancel* cancel) {
  dir_ = private_dir();
  control_ = dir_ + "/control";
  const std::string log = dir_ + "/ssh.log";
  command::Spec spec;
  spec.argv = argv(true);
  spec.stderr_file = log;
  master_ = std::make_unique<command::Background>(spec);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout * 1000));
  for (;;) {
    struct stat st {};
    if (::stat(control_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return;
    if (auto ended = master_->ended()) {
      if (ended->end == command::End::exited && ended->code == 127 && !ssh_command_.empty())
        throw RuntimeError(fmt::format("ssh to {}: the ssh command \"{}\" (FLEETCAP_SSH_COMMAND or ssh-command) "
                                       "cannot be run: {}",
                                       target_.shown(), ssh_command_, command::excerpt(read_log(log))));
      throw RuntimeError(explain(read_log(log), command::describe(*ended)));
    }
    if (interrupt_requested()) throw InterruptedError();
    if (cancel && cancel->requested()) throw Cancelled();
    if (std::chrono::steady_clock::now() >= deadline) {
      master_->stop();
      throw RuntimeError(fmt::format("ssh to {}: no connection after {} s (--timeout){}; try it by hand: {}",
                                     target_.shown(), timeout,
                                     read_log(log).empty() ? "" : ": " + command::excerpt(read_log(log)), by_hand()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

command::Spec Connection::spec(const std::vector<std::string>& words) const {
  command::Spec s;
  s.argv = argv(false);
  s.argv.push_back(remote_command(words));
  return s;
}

std::optional<std::string> Connection::failure(const command::Result& r) const {
  if (r.end == command::End::not_found)
    return fmt::format("cannot run ssh to reach {}: \"ssh\" is not on PATH (install openssh-client, or set "
                       "FLEETCAP_SSH_COMMAND)",
                       target_.shown());
  if (r.end != command::End::exited || r.code != 255) return std::nullopt;
  return explain(r.err, command::describe(r));
}

} // namespace fleetcap::source::ssh
