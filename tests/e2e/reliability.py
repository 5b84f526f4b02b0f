"""Helpers shared by the test_reliability_*.py suites (see docs/reliability.md)."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import harness

# Valgrind (scripts/valgrind-e2e) and TSan (scripts/tsan) make everything many times slower: hang
# guards (how long a test waits before it gives up on fleetcap) stretch by this much. Time bounds
# that a test asserts do not use it: they are measured against the binary itself, below.
SLACK = harness.SLACK

# No test bounds absolute time (issue 26 class 12): on a machine whose cores are busy, under a
# sanitizer or valgrind, every step takes longer. Promptness is measured against a calibration
# made in the same run: how long the same binary takes to start and exit (`fleetcap version`).
# Growth is measured as N against 2N in the same run (assert_linear).
PROMPT = 20  # starts of the binary that a prompt end may cost, beyond any wait it must make


def wait_for_request(server, resource, limit=10):
    """Until the fleet API server has logged a request for `resource` (it is then in flight).
    Faults that answer at once, and `hang`, log on arrival; `slow` logs only when it answers, so
    it is not for this."""
    deadline = time.monotonic() + limit * SLACK
    while time.monotonic() < deadline:
        if any(q.get("resource") == resource for q in server.requests()):
            return
        time.sleep(0.02)
    raise AssertionError(f"no request for {resource} within {limit * SLACK} s")


def startup_seconds(samples=5):
    """How long the binary takes to start and exit on `version` right now: the slowest of
    `samples` runs, measured when the bound is (the machine's load then is the test's). The
    slowest, not the median: on a machine whose load comes in bursts, the burst that slows the
    run under test shows in the calibration too, while a real hang is still many times over."""
    times = []
    for _ in range(samples):
        start = time.monotonic()
        subprocess.run([harness.BINARY, "version"], capture_output=True, env=harness.clean_env(), check=True)
        times.append(time.monotonic() - start)
    return max(times)


def prompt_bound(wait=0.0, factor=PROMPT):
    """Seconds within which something that must wait `wait` seconds (a --timeout, backoffs) and
    then end promptly is over: `wait` plus `factor` starts of the binary, measured now."""
    return wait + factor * startup_seconds()


def assert_linear(test, measure, n, scale=4, rounds=3):
    """`measure(size)` -> seconds, for a run whose work must be linear in `size`: the best of
    `rounds` runs at scale x n must take under (scale + scale^2) / 2 times the best at n (10 for
    4n: linear work takes 4 times as long, or less when the start dominates; quadratic 16). The
    runs alternate, so a burst of load on the machine hits both sizes."""
    small, large = [], []
    for _ in range(rounds):
        small.append(measure(n))
        large.append(measure(scale * n))
    ratio = (scale + scale * scale) / 2
    test.assertLess(min(large), ratio * min(small),
                    f"{scale}N took {min(large):.2f} s against {min(small):.2f} s at N={n}: not linear")

# A distinctive token: if any output of any run contains it, it leaked.
TOKEN = "fct-SECRET-7f3a9c21e4b84d0e"


def token_file(token=TOKEN, mode=0o600):
    """A token file with `mode`, in a fresh temporary folder."""
    d = tempfile.mkdtemp(prefix="fleetcap-token-")
    path = os.path.join(d, "token")
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, mode)
    return path


def timed_run(*args, env=None, timeout=60):
    """harness.run, plus the wall-clock seconds it took."""
    start = time.monotonic()
    r = harness.run(*args, env=env, timeout=timeout)
    r.seconds = time.monotonic() - start
    return r


def assert_one_error(test, r, code, pattern):
    """Exit `code`, nothing on stdout, exactly one stderr line `fleetcap: error: ...` matching `pattern`."""
    test.assertEqual(r.code, code, r)
    test.assertEqual(r.out, "", r)
    lines = r.err.splitlines()
    test.assertEqual(len(lines), 1, r)
    test.assertTrue(lines[0].startswith("fleetcap: error: "), r)
    test.assertRegex(lines[0], pattern)
    return lines[0]


def free_port(host="127.0.0.1"):
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class SilentListener:
    """A TCP socket that listens and never accepts: the kernel completes the handshake, then
    nothing is ever read or written. Use as a context manager; `url` is its base URL."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        return self

    def __exit__(self, *exc):
        self.sock.close()


def other_host(server):
    """Base URL of a Server started with --bind 127.0.0.2."""
    return f"http://127.0.0.2:{server.port}"


def make_cert(folder, cn="127.0.0.1", san="IP:127.0.0.1,DNS:localhost"):
    """A self-signed certificate and key made with openssl at test time: (cert, key)."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", f"/CN={cn}", "-addext", f"subjectAltName={san}"],
                   check=True, capture_output=True)
    return cert, key


def fleet_copy(case_dir=None):
    """A temporary copy of the worked example, with a corpus case's files laid over it."""
    d = tempfile.mkdtemp(prefix="fleetcap-fleet-")
    shutil.copytree(harness.WORKED, d, dirs_exist_ok=True)
    if case_dir:
        for name in os.listdir(case_dir):
            if name.endswith(".json"):
                shutil.copy(os.path.join(case_dir, name), os.path.join(d, name))
    return d


def strip_port(text):
    return re.sub(r"127\.0\.0\.(\d+):\d+", r"127.0.0.\1:PORT", text)
