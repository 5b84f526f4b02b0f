"""fleetcap --source slurm+ssh://LOGIN through a real OpenSSH server (Debian's openssh-server)
to the real Slurm lab (issue 20): the test starts sshd on loopback ports as the test user, with
a host key and user keys it makes, and points fleetcap's ssh at its own ssh config through
FLEETCAP_SSH_COMMAND (or the config key ssh-command), as git's GIT_SSH_COMMAND. Nothing stands
in for ssh. Checked: the same answer as Slurm's commands run here; one connection per run,
closed at the end, its private folder removed; an unknown host key, a changed one, a refused
key, a missing Slurm on the far side, a port nobody listens on: exit 1 naming the host and
saying what to do, nothing on stdout.

The login node's Slurm is the lab's: sshd's SetEnv gives sessions the lab's SLURM_CONF, as a
site's /etc/slurm would. A second port has a PATH without Slurm (sshd_config Match LocalPort).
"""
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import test_slurm_lab as lab  # noqa: E402

USER = pwd.getpwuid(os.getuid()).pw_name
SSHD = "/usr/sbin/sshd"
AT = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", os.path.basename(path), "-f", path],
                   check=True, capture_output=True)
    with open(path + ".pub") as f:
        return " ".join(f.read().split()[:2])


class Sshd:
    """A real sshd on two loopback ports, in a folder of its own; stopped by its PID."""

    def __init__(self):
        if not os.path.exists(SSHD):
            raise unittest.SkipTest("openssh-server is not installed (scripts/install-deps)")
        self.dir = tempfile.mkdtemp(prefix="fleetcap-sshd-")
        self.host_key = keygen(os.path.join(self.dir, "host_key"))
        self.user_key = keygen(os.path.join(self.dir, "user_key"))
        self.other_key = keygen(os.path.join(self.dir, "other_key"))  # not in authorized_keys
        with open(os.path.join(self.dir, "authorized_keys"), "w") as f:
            f.write(self.user_key + "\n")
        nobin = os.path.join(self.dir, "noslurm-bin")  # a PATH with env and a shell, no Slurm
        os.makedirs(nobin)
        for tool in ("env", "sh", "bash"):
            os.symlink(shutil.which(tool), os.path.join(nobin, tool))
        self.port, self.noslurm_port = free_port(), free_port()
        self.log = os.path.join(self.dir, "sshd.log")
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(f"""Port {self.port}
Port {self.noslurm_port}
ListenAddress 127.0.0.1
HostKey {self.dir}/host_key
AuthorizedKeysFile {self.dir}/authorized_keys
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PidFile {self.dir}/sshd.pid
LogLevel VERBOSE
SetEnv SLURM_CONF={lab.ENV['SLURM_CONF']}
Match LocalPort {self.noslurm_port}
  SetEnv SLURM_CONF={lab.ENV['SLURM_CONF']} PATH={nobin}
""")
        if os.getuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        self.proc = subprocess.Popen([SSHD, "-D", "-f", config, "-E", self.log], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60 * harness.SLACK  # a hang guard: sshd is normally up in well under a second
        while not all(self.listening(p) for p in (self.port, self.noslurm_port)):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"sshd did not start: {self.proc.stderr.read().decode()} {self.read_log()}")
            time.sleep(0.05)

    @staticmethod
    def listening(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def ssh_config(self, name, known=None, key="user_key"):
        """An ssh config of host aliases for this sshd: lab-login, lab-noslurm, and 127.0.0.1
        (for slurm+ssh://USER@127.0.0.1:PORT); `known` is the known_hosts text."""
        known_hosts = os.path.join(self.dir, f"known_hosts-{name}")
        with open(known_hosts, "w") as f:
            f.write(known if known is not None else
                    "".join(f"[127.0.0.1]:{p} {self.host_key}\n" for p in (self.port, self.noslurm_port)))
        path = os.path.join(self.dir, f"ssh_config-{name}")
        common = (f"  User {USER}\n  IdentityFile {self.dir}/{key}\n  IdentitiesOnly yes\n  IdentityAgent none\n"
                  f"  UserKnownHostsFile {known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
                  "  StrictHostKeyChecking yes\n")
        with open(path, "w") as f:
            f.write(f"Host lab-login\n  HostName 127.0.0.1\n  Port {self.port}\n{common}"
                    f"Host lab-noslurm\n  HostName 127.0.0.1\n  Port {self.noslurm_port}\n{common}"
                    f"Host 127.0.0.1\n{common}")
        return path

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, True)


def setUpModule():
    global SSH
    SSH = Sshd()


def tearDownModule():
    SSH.stop()


class OverSsh(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fleetcap-ssh-tmp-")  # fleetcap's TMPDIR: must be left empty
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def fc(self, *args, source="slurm+ssh://lab-login", ssh_config=None, config=None, env=None):
        extra = {"TMPDIR": self.tmp}
        if ssh_config is not False:
            extra["FLEETCAP_SSH_COMMAND"] = f"ssh -F {ssh_config or SSH.ssh_config('good')}"
        extra.update(env or {})
        return lab.fc("--at", AT, *args, source=source, config=config, extra_env=extra)

    def failed(self, r, *wanted):
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.out, "", r)
        for w in wanted:
            self.assertIn(w, r.err)
        self.assertEqual(os.listdir(self.tmp), [], "the control socket's folder was left behind")

    def test_same_answer_as_the_commands_run_here(self):
        for args in (["capacity"], ["quota"], ["maintenance", "list"]):
            here = lab.fc("--at", AT, *args, "--json", source="slurm")
            there = self.fc(*args, "--json")
            self.assertEqual(there.code, 0, there)
            a, b = there.json(), here.json()
            self.assertEqual(a.pop("source"), "slurm+ssh://lab-login")
            b.pop("source")
            a.pop("generated_at"), b.pop("generated_at")
            a.pop("sources"), b.pop("sources")  # their names and kinds, read when
            self.assertEqual(a, b, args)
            self.assertEqual(there.err, here.err)

    def test_all_clusters_through_ssh(self):
        there = self.fc("capacity", "--json", source="slurm+ssh://lab-login/all")
        here = lab.fc("--at", AT, "capacity", "--json", source="slurm:all")
        self.assertEqual(there.code, 0, there)
        self.assertEqual(there.json()["clusters"], here.json()["clusters"])
        self.assertEqual([c["name"] for c in there.json()["clusters"]], ["lab/h100", "lab/h200", "lab2"])

    def test_one_connection_for_the_run_closed_at_the_end(self):
        before = SSH.read_log()
        r = self.fc("capacity", "-v")
        self.assertEqual(r.code, 0, r)
        log = SSH.read_log()[len(before):]
        # scontrol --version, sinfo, squeue, scontrol, sacctmgr: five sessions, one login
        self.assertEqual(len(re.findall(r"Accepted publickey for", log)), 1, log)
        self.assertGreaterEqual(len(re.findall(r"Starting session: command", log)), 5, log)
        self.assertIn("one connection for the run", r.err)
        # closed: sshd saw the client go, no ssh of this run is left, its folder is gone
        deadline = time.time() + 30 * harness.SLACK  # a hang guard
        while "Disconnected from user" not in SSH.read_log()[len(before):] and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("Disconnected from user", SSH.read_log()[len(before):])
        self.assertEqual(os.listdir(self.tmp), [])
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    self.assertNotIn(self.tmp.encode(), f.read(), f"process {pid} of the run is still there")
            except OSError:
                pass

    def test_user_and_port_in_the_url(self):
        r = self.fc("capacity", "--json", source=f"slurm+ssh://{USER}@127.0.0.1:{SSH.port}")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["source"], f"slurm+ssh://{USER}@127.0.0.1:{SSH.port}")

    def test_ssh_command_from_the_config_file(self):
        config = f'ssh-command = "ssh -F {SSH.ssh_config("good")}"\n' + lab.CONFIG
        r = self.fc("capacity", ssh_config=False, config=config)
        self.assertEqual(r.code, 0, r)
        # the command line wins over the config file
        refused = SSH.ssh_config("refused", key="other_key")
        r = self.fc("capacity", "--ssh-command", f"ssh -F {refused}", ssh_config=False, config=config)
        self.failed(r, "refused the login")

    def test_unknown_host_key(self):
        r = self.fc("capacity", ssh_config=SSH.ssh_config("unknown", known=""))
        self.failed(r, "ssh to lab-login", "not in your known_hosts", "BatchMode=yes", "connect once by hand")

    def test_changed_host_key(self):
        wrong = f"[127.0.0.1]:{SSH.port} {SSH.other_key}\n"
        r = self.fc("capacity", ssh_config=SSH.ssh_config("changed", known=wrong))
        self.failed(r, "ssh to lab-login", "has changed", "ssh-keygen", "-R")

    def test_refused_key(self):
        r = self.fc("capacity", ssh_config=SSH.ssh_config("refused", key="other_key"))
        self.failed(r, "ssh to lab-login", "refused the login", "Permission denied (publickey)", "ssh-add")

    def test_missing_slurm_on_the_far_side(self):
        r = self.fc("capacity", source="slurm+ssh://lab-noslurm")
        self.failed(r, "scontrol is not found on lab-noslurm", "PATH of a non-interactive ssh session")

    def test_nobody_listening(self):
        r = self.fc("capacity", source=f"slurm+ssh://127.0.0.1:{free_port()}")
        self.failed(r, "ssh to 127.0.0.1:", "Connection refused", "is sshd running")

    def test_bad_urls_are_usage_errors(self):
        for bad in ("slurm+ssh://", "slurm+ssh://-oProxyCommand=x", "slurm+ssh://host:99999", "slurm+ssh://a b"):
            r = self.fc("capacity", source=bad)
            self.assertEqual(r.code, 2, (bad, r))
            self.assertEqual(r.out, "")
            self.assertIn("slurm+ssh://[USER@]HOST[:PORT]", r.err)


if __name__ == "__main__":
    unittest.main()
