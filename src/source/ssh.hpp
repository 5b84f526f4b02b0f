// Commands on another host through the system's ssh client (docs/slurm.md, "Over ssh"): the
// user's ~/.ssh/config, agent and known_hosts, BatchMode=yes, and one multiplexed connection
// per run (ControlMaster in a private temporary folder, closed at the end). The ssh command can
// be replaced as git's GIT_SSH_COMMAND does (FLEETCAP_SSH_COMMAND, config ssh-command): run by
// /bin/sh with the arguments appended. Private to src/source/.
#pragma once

#include "command.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetcap::source::ssh {

struct Target {
  std::string user; // empty: ssh's own choice (~/.ssh/config, else the login name)
  std::string host; // a name or an address (IPv6 without brackets)
  int port = 0;     // 0: ssh's own choice
  std::string rest; // what followed the host: "" or "/PATH"
  // "alice@login1:2222", as the user wrote it (for messages).
  std::string shown() const;
};

// `[USER@]HOST[:PORT][/PATH]` (the part after slurm+ssh://). Throws UsageError naming `source`.
Target parse_target(std::string_view spec, std::string_view source);

// The remote shell's reading of `words` joined: each quoted when it holds anything but
// letters, digits and -_./=:,+@%.
std::string remote_command(const std::vector<std::string>& words);

class Connection {
public:
  // `ssh_command`: empty for `ssh` from PATH, else a shell command line to use instead.
  Connection(Target target, std::string ssh_command, double connect_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the run's one connection (ssh -M -N) and waits until it is up, at most `timeout`
  // seconds. Throws RuntimeError naming the host and saying what to do (unknown host key,
  // refused key, unknown host, refused connection, ...).
  void open(double timeout, const Cancel* cancel);
  // A Spec that runs `words` on the far side through the open connection.
  command::Spec spec(const std::vector<std::string>& words) const;
  // When `r` is ssh failing (exit status 255) rather than the remote command: why, and what to do.
  std::optional<std::string> failure(const command::Result& r) const;
  const Target& target() const { return target_; }
  // How to reach the host by hand: "ssh -p 2222 alice@login1" (with FLEETCAP_SSH_COMMAND's command).
  std::string by_hand() const;

private:
  std::vector<std::string> argv(bool master) const;
  std::string explain(std::string_view said, const std::string& how) const;

  Target target_;
  std::string ssh_command_;
  double connect_timeout_;
  std::string dir_, control_;
  std::unique_ptr<command::Background> master_;
};

} // namespace fleetcap::source::ssh
