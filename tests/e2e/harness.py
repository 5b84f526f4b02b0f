"""Shared helpers for the end-to-end suites: run the real fleetcap binary as a user would,
and start the loopback fleet API (fleet_server.py) for tests that fetch.

ctest passes FLEETCAP_BINARY and FLEETCAP_SOURCE_DIR; by hand:
    FLEETCAP_BINARY=build/fleetcap python3 tests/e2e/test_capacity.py
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.environ.get("FLEETCAP_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.abspath(os.environ.get("FLEETCAP_BINARY") or os.path.join(ROOT, "build", "fleetcap"))
WORKED = os.path.join(ROOT, "examples", "fleet", "worked")
DEMO = os.path.join(ROOT, "examples", "fleet", "demo")
SERVER = os.path.join(ROOT, "tests", "e2e", "fleet_server.py")
DATA = os.path.join(ROOT, "tests", "data")

# Hang guards (how long a test waits before it gives up on fleetcap: run()'s and Tty's timeouts)
# stretch by this much: valgrind and TSan (scripts/valgrind-e2e, scripts/tsan) set 30. No test
# bounds absolute time (issue 26): a time a test asserts is measured against the binary itself
# (reliability.prompt_bound, assert_linear), and a test waits for an event, never a fixed sleep.
SLACK = float(os.environ.get("FLEETCAP_TIME_SLACK", "1"))


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


_EMPTY_CONFIG = None


def empty_config_home():
    """One empty XDG_CONFIG_HOME per test process, removed at exit (not one per run)."""
    global _EMPTY_CONFIG
    if _EMPTY_CONFIG is None:
        _EMPTY_CONFIG = tempfile.mkdtemp(prefix="fleetcap-cfg-")
        atexit.register(shutil.rmtree, _EMPTY_CONFIG, True)
    return _EMPTY_CONFIG


def clean_env(**extra):
    """A scrubbed environment: no user config, colour or token leaks into a test."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FLEETCAP_") and k not in ("NO_COLOR", "CLICOLOR_FORCE", "COLUMNS")}
    env["XDG_CONFIG_HOME"] = empty_config_home()
    env["TERM"] = "dumb"
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def tokens_of(args, env):
    """The bearer tokens a run was given (FLEETCAP_TOKEN, --token-file), to check none leaks."""
    tokens = [env.get("FLEETCAP_TOKEN") or ""]
    for i, a in enumerate(args):
        path = args[i + 1] if a == "--token-file" and i + 1 < len(args) else a[13:] if a.startswith("--token-file=") else None
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                tokens.append(f.read().strip())
        except (TypeError, OSError):
            pass
    return [t for t in tokens if len(t) >= 6]


def run(*args, env=None, timeout=60, stdin=None, cwd=None):
    """Runs fleetcap with `args`; returns Result(code, stdout, stderr). Every run of every suite
    fails if the token it was given shows up on stdout or stderr (docs/fleet-api.md)."""
    env = env if env is not None else clean_env()
    p = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout * SLACK, cwd=cwd,
                       env=env, stdin=stdin or subprocess.DEVNULL, errors="replace")
    for token in tokens_of(args, env):
        if token in p.stdout or token in p.stderr:
            raise AssertionError(f"the token leaked into the output of fleetcap {' '.join(args)}")
    return Result(p.returncode, p.stdout, p.stderr)


class Tty:
    """fleetcap with stdout on a pseudo-terminal `columns` x `rows` (stderr on a pipe), as a user
    at a terminal runs it; read() what it drew so far, finish() for (status, stdout, stderr)."""

    def __init__(self, args, env, columns=200, rows=50):
        import fcntl
        import pty
        import struct
        import termios
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR  # keep "\n" as it is
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        self.proc = subprocess.Popen([BINARY, *args], stdout=slave, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env)
        os.close(slave)
        self.out = b""

    def read(self, until=None, timeout=60):
        """Reads until `until(text so far)` holds, the child closes the terminal, or `timeout`."""
        import select
        deadline = time.monotonic() + timeout * SLACK
        while not (until and until(self.out.decode(errors="replace"))):
            ready, _, _ = select.select([self.master], [], [], max(0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            self.out += chunk
        return self.out.decode(errors="replace")

    def finish(self, timeout=60):
        self.read(timeout=timeout)
        os.close(self.master)
        err = self.proc.stderr.read().decode()
        self.proc.stderr.close()
        return self.proc.wait(timeout=timeout * SLACK), self.out.decode(), err


def run_on_tty(args, env, columns=200, timeout=60):
    """fleetcap on a pseudo-terminal `columns` wide: (status, stdout, stderr)."""
    return Tty(args, env, columns).finish(timeout)


class Server:
    """The loopback fleet API serving a snapshot directory; use as a context manager.

        with Server(WORKED, "--page-size", "3", "--gzip") as s:
            run("--source", s.url, "capacity")
    """

    def __init__(self, snapshot_dir, *args):
        self.snapshot_dir, self.args = snapshot_dir, list(args)
        self.log = tempfile.NamedTemporaryFile(prefix="fleet-server-", suffix=".log", delete=False).name
        atexit.register(lambda path=self.log: os.path.exists(path) and os.remove(path))

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, self.snapshot_dir, "--log", self.log, *self.args],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"fleet_server.py did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        # SIGKILL, not SIGTERM: a graceful stop polls for up to 0.3 s, which adds up over a
        # suite's dozens of servers, and the log is flushed line by line before each response.
        self.proc.kill()
        self.proc.wait(timeout=5)
        self.proc.stdout.close()

    def requests(self):
        """Every request the server saw, as dicts (see tests/e2e/README.md)."""
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]


def without_run_times(doc):
    """A JSON document without what depends on when its run happened: generated_at, and when
    each source was read (sources[].fetched_at, docs/sources.md)."""
    doc.pop("generated_at", None)
    for s in doc.get("sources", []):
        s.pop("fetched_at", None)
    return doc


def slurm_lab_env():
    """The Slurm lab's `scripts/slurm-lab env` lines as a dict; exits 77 (skipped) when there is
    no lab and FLEETCAP_SKIP_SLURM_LAB=1, else fails."""
    import re
    p = subprocess.run([os.path.join(ROOT, "scripts", "slurm-lab"), "env"], capture_output=True, text=True)
    if p.returncode != 0:
        if os.environ.get("FLEETCAP_SKIP_SLURM_LAB") == "1":
            print("skipped: no Slurm lab (FLEETCAP_SKIP_SLURM_LAB=1)", file=sys.stderr)
            sys.exit(77)
        raise SystemExit(f"no Slurm lab: run scripts/slurm-lab up && scripts/slurm-lab scenario\n{p.stderr}")
    return dict(re.match(r"export (\w+)='(.*)'$", line).groups() for line in p.stdout.splitlines())


def main():
    unittest.main(verbosity=2)
