"""Signals, closed pipes and atomic snapshot writes (issue 7, docs/reliability.md)."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from harness import DEMO, Server, WORKED
from reliability import SLACK, prompt_bound, wait_for_request


def start(*args, env=None):
    return subprocess.Popen([harness.BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env or harness.clean_env())


class Interrupt(unittest.TestCase):
    def interrupt(self, fault, sig=signal.SIGINT, *extra):
        with Server(WORKED, "--fault", fault) as s:
            p = start("--source", s.url, *extra, "capacity")
            wait_for_request(s, "nodes")
            time.sleep(0.2)
            sent = time.monotonic()
            p.send_signal(sig)
            out, err = p.communicate(timeout=10 * SLACK)
            return p.returncode, time.monotonic() - sent, out, err

    def check(self, result, code=130, message=b"fleetcap: interrupted\n"):
        returncode, seconds, out, err = result
        self.assertEqual(returncode, code, err)
        self.assertLess(seconds, prompt_bound())
        self.assertEqual(out, b"")
        self.assertEqual(err, message)

    def test_ctrl_c_while_the_server_is_silent(self):
        self.check(self.interrupt("nodes:hang"))

    def test_ctrl_c_after_headers(self):
        self.check(self.interrupt("nodes:stall-headers:30"))

    def test_ctrl_c_mid_body(self):
        self.check(self.interrupt("nodes:stall-body:30"))

    def test_ctrl_c_while_waiting_to_retry(self):
        self.check(self.interrupt("nodes:503x3:20"))  # Retry-After: 20

    def test_ctrl_c_during_a_save(self):
        with tempfile.TemporaryDirectory() as d:
            self.check(self.interrupt_save(os.path.join(d, "snap")))
            self.assertEqual(os.listdir(d), [])

    def interrupt_save(self, target):
        with Server(WORKED, "--fault", "nodes:hang") as s:
            p = start("--source", s.url, "snapshot", "save", target)
            wait_for_request(s, "nodes")
            sent = time.monotonic()
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=10 * SLACK)
            return p.returncode, time.monotonic() - sent, out, err

    def test_sigterm_is_143(self):
        self.check(self.interrupt("nodes:hang", signal.SIGTERM), code=143, message=b"fleetcap: terminated\n")


class ClosedPipe(unittest.TestCase):
    def test_reader_gone_before_the_first_byte(self):
        for fmt in ("table", "json", "csv"):
            with self.subTest(fmt=fmt):
                read_end, write_end = os.pipe()
                os.close(read_end)
                p = subprocess.run([harness.BINARY, "--source", DEMO, "--format", fmt, "capacity", "--state", "all"],
                                   stdout=write_end, stderr=subprocess.PIPE, env=harness.clean_env(), timeout=60)
                os.close(write_end)
                self.assertEqual((p.returncode, p.stderr), (0, b""))

    def test_head_in_a_shell_pipeline(self):
        script = f'"{harness.BINARY}" --source "{DEMO}" --format csv capacity --state all | head -1; ' \
                 'echo "status=${PIPESTATUS[0]}"'
        p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=harness.clean_env(), timeout=60)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-1], "status=0", p)
        self.assertTrue(lines[0].startswith("name,"), p)
        self.assertEqual(p.stderr, "")


class AtomicSave(unittest.TestCase):
    """A save killed at any moment leaves either no snapshot or a whole one, never half."""

    def check_whole(self, path, want_clusters):
        names = sorted(os.listdir(path))
        self.assertEqual(names, sorted(["clusters.json", "nodes.json", "quotas.json", "jobs.json", "maintenance.json",
                                        "health_history.json", "snapshot.json"]))
        r = harness.run("--source", path, "--json", "capacity", "--state", "all")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(r.json()["clusters"]), want_clusters)

    def kill_at_random_moments(self, target, source, force=False, runs=12):
        """SIGKILLs `snapshot save` at moments spread over one run's length; returns how many were
        killed before finishing."""
        args = ["--source", source, "snapshot", "save", target] + (["--force"] if force else [])
        t = time.monotonic()
        r = harness.run(*args)
        self.assertEqual(r.code, 0, r)
        length = time.monotonic() - t
        killed = 0
        for i in range(runs):
            if not force:
                subprocess.run(["rm", "-rf", target], check=True)
            p = start(*args)
            time.sleep(length * i / runs)
            p.kill()
            p.communicate()
            killed += p.returncode == -signal.SIGKILL
            yield p.returncode
        self.assertGreater(killed, 0, "every save finished before the kill; the test proved nothing")

    def test_killed_save_leaves_nothing_or_a_whole_snapshot(self):
        with tempfile.TemporaryDirectory() as d:
            target = os.path.join(d, "snap")
            for _ in self.kill_at_random_moments(target, DEMO):
                if os.path.exists(target):
                    self.check_whole(target, 10)
            # The next save clears the hidden folders killed saves left behind.
            subprocess.run(["rm", "-rf", target], check=True)
            r = harness.run("--source", DEMO, "snapshot", "save", target)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(os.listdir(d), ["snap"])

    def test_killed_forced_save_leaves_the_old_or_the_new(self):
        with tempfile.TemporaryDirectory() as d:
            target = os.path.join(d, "snap")
            for _ in self.kill_at_random_moments(target, DEMO, force=True):
                self.check_whole(target, 10)
            r = harness.run("--source", WORKED, "snapshot", "save", target, "--force")
            self.assertEqual(r.code, 0, r)
            self.check_whole(target, 3)
            self.assertEqual(sorted(os.listdir(d)), ["snap"])

    def test_refuses_to_overwrite_without_force_before_fetching(self):
        with tempfile.TemporaryDirectory() as d, Server(WORKED) as s:
            target = os.path.join(d, "snap")
            os.mkdir(target)
            with open(os.path.join(target, "keep"), "w") as f:
                f.write("mine")
            r = harness.run("--source", s.url, "snapshot", "save", target)
            self.assertEqual((r.code, r.out), (1, ""), r)
            self.assertEqual(r.err, f"fleetcap: error: {target} already exists; pass --force to replace it\n")
            self.assertEqual(s.requests(), [])
            self.assertEqual(os.listdir(target), ["keep"])

    def test_failed_fetch_leaves_nothing(self):
        with tempfile.TemporaryDirectory() as d, Server(WORKED, "--fault", "jobs:500x1") as s:
            r = harness.run("--source", s.url, "snapshot", "save", os.path.join(d, "snap"))
            self.assertEqual(r.code, 1, r)
            self.assertEqual(os.listdir(d), [])

    def test_saved_snapshot_reads_back_the_same(self):
        with tempfile.TemporaryDirectory() as d, Server(WORKED, "--page-size", "3") as s:
            target = os.path.join(d, "snap")
            r = harness.run("--source", s.url, "snapshot", "save", target)
            self.assertEqual(r.code, 0, r)
            for name in os.listdir(target):
                with open(os.path.join(target, name)) as f:
                    json.load(f)
            a = harness.run("--source", target, "--at", "2026-11-20T12:00:00Z", "--json", "capacity").json()
            b = harness.run("--source", WORKED, "--at", "2026-11-20T12:00:00Z", "--json", "capacity").json()
            self.assertEqual(a["clusters"], b["clusters"])
            self.assertEqual(a["totals"], b["totals"])


if __name__ == "__main__":
    harness.main()
