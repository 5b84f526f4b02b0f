"""A CLI with no loose ends (issue 24, item 5): every output option is honoured or refused with
exit 2 on every command, and each loose end the issue lists stays fixed. Each case here failed
before the fix (the issue's "before" is in the comment next to it)."""
import json
import os
import re
import socket
import subprocess
import unittest

import harness
from harness import run

WORKED = os.path.join(harness.ROOT, "examples", "fleet", "worked")


def leaf_commands():
    """Every visible command that runs (no subcommands), from the binary's own registry."""
    doc = json.loads(subprocess.run([harness.BINARY, "__commands"], capture_output=True, text=True,
                                    check=True).stdout)
    out = []

    def walk(cmd, path):
        subs = [c for c in cmd["commands"] if not c["hidden"]]
        if path and not subs:
            out.append(path)
        for c in subs:
            walk(c, path + [c["name"]])

    walk(doc, [])
    return out


# What each leaf needs to run on the worked fleet (a node, a directory, a file).
ARGS = {
    "maintenance node": ["t11"],
    "quota show": ["research/pretrain"],
    "report": ["--html", "/dev/null"],
}


def is_csv(text):
    lines = text.splitlines()
    return bool(lines) and all("," in line or len(lines[0].split(",")) == 1 for line in lines[:1])


class OutputOptions(unittest.TestCase):
    """Each global output option on each command: exit 0 with that output, or exit 2 with nothing
    on stdout and a message naming the option. Never exit 0 with the option ignored."""

    OPTIONS = [["-o", "json"], ["--json"], ["--format", "json"], ["-o", "csv"], ["--format", "csv"],
               ["-o", "name"], ["--format", "name"], ["-o", "wide"], ["--format", "wide"], ["--no-headers"]]

    def honoured(self, option, out, plain):
        """Whether `out` is what `option` asks for (`plain` is the command's output without it)."""
        what = option[-1] if len(option) == 2 else {"--json": "json", "--no-headers": "--no-headers"}[option[0]]
        if what == "json":
            json.loads(out)
            return True
        if what == "csv":
            first = out.splitlines()[0] if out else ""
            return "," in first and out != plain
        if what == "name":
            return all(" " not in line for line in out.splitlines()) and out != plain
        if what == "wide":
            return True  # a table with every column: the same as plain when nothing was fitted
        if what == "--no-headers":  # every table's header line has gone, the rest is there
            def is_header(line):
                words = line.split()
                return len(words) >= 2 and all(re.fullmatch(r"[A-Z][A-Z0-9%-]*", w) for w in words)
            headers = [line.split() for line in plain.splitlines() if is_header(line)]
            return bool(out) and not any(line.split() in headers for line in out.splitlines())
        return False

    def test_every_output_option_on_every_command(self):
        tmp = os.path.join(harness.empty_config_home(), "snap")
        commands = leaf_commands()
        self.assertIn(["report"], commands)
        for path in commands:
            name = " ".join(path)
            extra = ARGS.get(name, [])
            if name == "snapshot save":
                extra = [tmp, "--force"]
            plain = run("--source", WORKED, *path, *extra)
            self.assertEqual(plain.code, 0, (name, plain))
            for option in self.OPTIONS:
                with self.subTest(command=name, option=option):
                    r = run("--source", WORKED, *path, *extra, *option)
                    if r.code == 2:
                        self.assertEqual(r.out, "")
                        self.assertIn(option[0], r.err)
                        continue
                    self.assertEqual(r.code, 0, r)
                    self.assertTrue(self.honoured(option, r.out, plain.out), (name, option, r.out[:300]))

    def test_report_refuses_json(self):
        # before: `report --html x.html --json` exited 0 and ignored --json
        r = run("--source", WORKED, "report", "--html", "/dev/null", "--json")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("--json does not apply to 'fleetcap report'", r.err)

    def test_a_config_file_output_default_does_not_stop_version(self):
        home = os.path.join(harness.empty_config_home(), "with-output")
        os.makedirs(os.path.join(home, "fleetcap"), exist_ok=True)
        with open(os.path.join(home, "fleetcap", "config.toml"), "w") as f:
            f.write('output = "wide"\n')
        r = run("version", env=harness.clean_env(XDG_CONFIG_HOME=home))
        self.assertEqual(r.code, 0, r)


class LooseEnds(unittest.TestCase):
    def test_format_is_the_same_as_o(self):
        # before: --format refused wide and name although its help says "same as -o"
        for f in ("wide", "name"):
            a, b = run("--source", WORKED, "capacity", "--format", f), run("--source", WORKED, "capacity", "-o", f)
            self.assertEqual((a.code, a.out), (0, b.out), a)

    def test_an_option_without_a_command_is_a_usage_error(self):
        # before: `fleetcap --json` printed the help and exited 0
        for args in (["--json"], ["maintenance", "-o", "json"]):
            r = run(*args)
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn("needs a command", r.err)
        self.assertEqual(run().code, 0)  # a bare `fleetcap` still shows the help

    def test_usage_lines_are_lines(self):
        # before: "unknown command ...\x0aRun 'fleetcap --help' for usage." on one line
        r = run("capcity")
        self.assertEqual(r.code, 2)
        self.assertEqual(r.err.splitlines()[1], "Run 'fleetcap --help' for usage.")
        self.assertNotIn("\\x0a", r.err)

    def test_watch_names_its_own_range(self):
        # before: --watch 0s said "at most 36500d (100 years)"; the limit is 24h
        r = run("--source", WORKED, "--watch", "0s", "capacity")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("give 1s to 24h", r.err)
        self.assertNotIn("36500d", r.err)

    def test_sort_lists_the_columns(self):
        # before: --sort nosuch said only "name a column by its table header or its JSON key"
        r = run("--source", WORKED, "capacity", "--sort", "nosuch")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("its columns: ", r.err)
        for header in ("HEALTHY", "UNBACKED", "HEADROOM", "CLUSTER"):
            self.assertIn(header, r.err)

    def test_buffer_for_suggests_a_cluster(self):
        # before: --buffer-for tigr=5% had no suggestion
        r = run("--source", WORKED, "overalloc", "report", "--buffer-for", "tigr=5%")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn('did you mean "tiger"?', r.err)

    def test_overalloc_csv_says_which_table(self):
        # before: `overalloc report -o csv` dropped the quota rows without a word
        r = run("--source", WORKED, "overalloc", "report", "-o", "csv")
        self.assertEqual(r.code, 0, r)
        self.assertIn("one table, the clusters; --by quota or --by tree for the others", r.err)
        self.assertEqual([row.split(",")[0] for row in r.out.splitlines()[1:]], ["tiger", "lion"])
        q = run("--source", WORKED, "overalloc", "report", "-o", "csv", "--by", "quota")
        self.assertEqual((q.code, q.err), (0, ""), q)

    def test_summary_says_only_what_happens(self):
        # before: "covering those 0 preempts 0 jobs holding 0 GPUs, of which 0 stay in their quota",
        # and a CLUSTERS column whose 0 in phase 2 read as "phase 2 touches no cluster"
        r = run("--source", WORKED, "--cluster", "lion", "overalloc", "report", "--summary", "--buffer", "0%")
        self.assertEqual(r.code, 0, r)
        self.assertIn("none of the 48 assigned GPUs would be cut.", r.out)
        self.assertNotIn("covering those 0", r.out)
        self.assertIn("CLUSTERS-ENDING", r.out)
        r = run("--source", WORKED, "overalloc", "report", "--summary", "--buffer", "0%")
        self.assertIn("covering those 3 preempts 1 job holding 16 GPUs", r.out)

    def test_flex_docs_know_sort(self):
        # before: docs/flex.md said flex has no --sort
        with open(os.path.join(harness.ROOT, "docs", "flex.md"), encoding="utf-8") as f:
            self.assertNotIn("There is no `--sort`", f.read())
        self.assertEqual(run("--source", WORKED, "flex", "--sort", "stable").code, 0)

    def test_slurm_unix_socket_is_named(self):
        # before: "Failed to connect to localhost port 80" without the socket path
        path = os.path.join(harness.empty_config_home(), "missing.sock")
        r = run("--source", "slurm+unix://" + path, "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn(f"Failed to connect to {path}", r.err)
        self.assertIn(f"is slurmrestd running at slurm+unix://{path}?", r.err)
        self.assertNotIn("localhost port 80", r.err)

    def test_refused_slurmrestd_port_has_the_hint(self):
        # before: a refused port lacked the "is slurmrestd running at ...?" hint docs/slurm.md promises
        with socket.socket() as s:  # a port nothing listens on: bound, never listening
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            r = run("--source", f"slurm+http://127.0.0.1:{port}", "--timeout", "5", "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn(f"is slurmrestd running at slurm+http://127.0.0.1:{port}?", r.err)


if __name__ == "__main__":
    unittest.main()
