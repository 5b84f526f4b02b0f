"""--watch DURATION (issue 13, docs/output.md): the command again every DURATION, redrawn in
place on a terminal, one output after another on a pipe; Ctrl-C ends it with exit 0."""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from harness import run
from reliability import SLACK, prompt_bound, wait_for_request

WORKED = os.path.join(harness.ROOT, "examples", "fleet", "worked")


def fleet_copy(test):
    d = tempfile.mkdtemp(prefix="fleetcap-watch-")
    test.addCleanup(shutil.rmtree, d, True)
    shutil.copytree(WORKED, d, dirs_exist_ok=True)
    return d


def set_quota(d, name, gpus):
    """Changes one quota's GPUs, atomically as a snapshot writer would (write, then rename)."""
    path = os.path.join(d, "quotas.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for q in doc["items"]:
        if q["name"] == name:
            q["gpus"] = gpus
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(doc, f)
    os.replace(path + ".tmp", path)


def total_assigned(frame):
    """ASSIGNED on the capacity table's TOTAL row."""
    m = re.search(r"^TOTAL +\d+ +\d+ +(\d+)", frame, re.M)
    return int(m.group(1)) if m else None


class OnATerminal(unittest.TestCase):
    def test_redraws_in_place_and_ctrl_c_ends_cleanly(self):
        d = fleet_copy(self)
        args = ["--source", d, "--watch", "1s", "--color", "never", "capacity"]
        tty = harness.Tty(args, harness.clean_env(TERM="xterm"), columns=100, rows=20)
        frames = lambda text: text.split("\x1b[H")[1:]
        text = tty.read(until=lambda t: len(frames(t)) >= 1 and "\x1b[J" in frames(t)[-1], timeout=10)
        first = frames(text)[0]
        self.assertEqual(total_assigned(first), 136, first)
        header = first.split("\x1b[K")[0]
        self.assertRegex(header, r"^Every 1s: fleetcap capacity on .* +snapshot 2026-11-20T12:00:00Z, "
                                 r"fetched \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(len(header), 100)  # fitted to the terminal, right-aligned like watch(1)
        set_quota(d, "research/pretrain", 40)  # tiger's ASSIGNED 88 -> 80
        text = tty.read(until=lambda t: total_assigned(frames(t)[-1]) == 128 and "\x1b[J" in frames(t)[-1],
                        timeout=10)
        self.assertEqual(total_assigned(frames(text)[-1]), 128, text[-2000:])
        tty.proc.send_signal(signal.SIGINT)
        code, out, err = tty.finish(timeout=10)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        # Every frame is one screen: home, lines cleared to their end, the rest cleared; no
        # frame is taller than the window; after Ctrl-C the cursor is on a fresh line.
        self.assertTrue(out.startswith("\x1b[H"), out[:50])
        self.assertTrue(out.endswith("\x1b[J\n"), out[-50:])
        for frame in frames(out):
            self.assertLessEqual(frame.count("\n"), 20 - 1)

    def test_a_resize_redraws_at_the_new_width_at_once(self):
        import fcntl
        import struct
        import termios
        args = ["--source", WORKED, "--watch", "1h", "--color", "never", "capacity"]
        tty = harness.Tty(args, harness.clean_env(TERM="xterm"), columns=120, rows=20)
        done = lambda t: t.count("\x1b[J")
        tty.read(until=lambda t: done(t) >= 1, timeout=10)
        fcntl.ioctl(tty.master, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 60, 0, 0))
        tty.proc.send_signal(signal.SIGWINCH)  # the pty's child is not in its foreground group
        text = tty.read(until=lambda t: done(t) >= 2, timeout=5)
        tty.proc.send_signal(signal.SIGINT)
        self.assertEqual(tty.finish(timeout=10)[0], 0)
        frames = text.split("\x1b[H")[1:]
        self.assertEqual(len(frames), 2)
        self.assertEqual([len(f.split("\x1b[K")[0]) for f in frames], [120, 60])
        self.assertIn("hidden to fit", frames[1])
        self.assertRegex(frames[1], r"^Every 1h: fleetcap capacity\S* +fetched \S+Z\x1b")

    def test_a_frame_taller_than_the_window_is_cut_with_a_note(self):
        tty = harness.Tty(["--source", WORKED, "--watch", "1s", "maintenance", "node", "t07"],
                          harness.clean_env(TERM="xterm"), columns=80, rows=8)
        text = tty.read(until=lambda t: "\x1b[J" in t, timeout=10)
        tty.proc.send_signal(signal.SIGINT)
        code, _, _ = tty.finish(timeout=10)
        self.assertEqual(code, 0)
        frame = text.split("\x1b[H")[1].split("\x1b[J")[0]
        self.assertEqual(frame.count("\n"), 8 - 1)
        self.assertRegex(frame, r"\.\.\. \d+ more lines: a taller window shows them")


class OnAPipe(unittest.TestCase):
    def watch(self, *args):
        p = subprocess.Popen([harness.BINARY, "--watch", "1s", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=harness.clean_env(), text=True)
        self.addCleanup(p.kill)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30 * SLACK)
        self.assertEqual(p.returncode, 0, err)
        return out, err

    def test_tables_follow_one_another_under_a_time_line(self):
        d = fleet_copy(self)
        p = self.watch("--source", d, "capacity")
        self.assertTrue(p.stdout.readline().startswith("Every 1s: fleetcap capacity on "))
        lines = [p.stdout.readline() for _ in range(5)]  # blank, header, 2 clusters, TOTAL
        self.assertEqual(total_assigned("".join(lines)), 136, lines)
        # A later round that fails says so on stderr and the watch goes on (as watch(1) does).
        with open(os.path.join(d, "quotas.json"), "w") as f:
            f.write("{ not json")
        ready, _, _ = select.select([p.stderr], [], [], 60 * SLACK)
        self.assertTrue(ready, "no error within 60 s")
        error = p.stderr.readline()
        self.assertIn("fleetcap: error:", error)
        self.assertIn("quotas.json", error)
        shutil.copy(os.path.join(WORKED, "quotas.json"), os.path.join(d, "quotas.json"))
        set_quota(d, "research/pretrain", 40)
        while (line := p.stdout.readline()) and total_assigned(line) != 128:  # a good round after it
            pass
        self.assertEqual(total_assigned(line), 128)
        out, _ = self.stop(p)
        self.assertNotIn("\x1b", out)

    def test_ctrl_c_during_a_fetch_ends_with_0(self):
        with harness.Server(WORKED, "--fault", "jobs:hang") as server:
            p = self.watch("--source", server.url, "capacity")
            wait_for_request(server, "jobs")  # the fetch of jobs is waiting for an answer
            started = time.monotonic()
            out, err = self.stop(p)
            self.assertLess(time.monotonic() - started, prompt_bound())
            self.assertEqual((out, err), ("", ""))

    def test_json_is_one_document_per_round(self):
        p = self.watch("--source", WORKED, "capacity", "-o", "json")
        # Until a second document has begun (the first is then whole), however slow the machine:
        # a fixed sleep failed under AddressSanitizer with three suites at once (issue 26). Read
        # from the descriptor itself: communicate() reads there too, past anything a buffered
        # reader would have kept.
        seen, deadline = "", time.monotonic() + 60 * SLACK
        while seen.count('"schema"') < 2:
            ready, _, _ = select.select([p.stdout], [], [], max(0, deadline - time.monotonic()))
            self.assertTrue(ready, f"no second round within {60 * SLACK} s: {seen!r}")
            chunk = os.read(p.stdout.fileno(), 1 << 16).decode()
            self.assertTrue(chunk, f"the watch ended: {seen!r}")
            seen += chunk
        out, _ = self.stop(p)
        out = seen + out
        decoder, at, docs = json.JSONDecoder(), 0, []
        while out[at:].strip():
            doc, end = decoder.raw_decode(out, at)
            docs.append(doc)
            at = end + 1
        self.assertGreaterEqual(len(docs), 2)
        self.assertEqual({doc["schema"] for doc in docs}, {"fleetcap.capacity/v2"})


class Misuse(unittest.TestCase):
    CASES = [
        (["--watch", "2", "capacity"], '--watch "2" needs a unit: 2s? 2m?'),
        (["--watch", "0s", "capacity"], '--watch "0s" is no time at all; give 1s to 24h'),
        (["--watch", "100000d", "capacity"], '--watch "100000d" is not a duration such as 5s or 1m; give 1s to 24h'),
        (["--watch", "2d", "capacity"], 'is longer than a day'),
        (["--watch", "1s", "version"], "--watch is for commands that print what the fleet is now, not 'fleetcap version'"),
        (["--watch", "1s", "snapshot", "save", "/nonexistent/x"], "not 'fleetcap snapshot save'"),
        (["--watch", "1s", "report", "--html", "/nonexistent/r.html"], "not 'fleetcap report'"),
    ]

    def test_usage_errors(self):
        for args, message in self.CASES:
            r = run("--source", WORKED, *args)
            self.assertEqual(r.code, 2, (args, r))
            self.assertEqual(r.out, "", args)
            self.assertIn(message, r.err, args)
            self.assertNotIn("36500d", r.err, args)  # --watch's range, not that of other durations (issue 24)

    def test_watch_is_not_a_config_key(self):
        # A config file that watched would turn every run, `version` included, into a watch.
        with tempfile.TemporaryDirectory() as d:
            config = os.path.join(d, "config.toml")
            with open(config, "w") as f:
                f.write('watch = "5s"\n')
            r = run("--config", config, "--source", WORKED, "capacity", timeout=10)
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "")
        self.assertIn("watch: This option is not allowed in a configuration file", r.err)


if __name__ == "__main__":
    unittest.main()
