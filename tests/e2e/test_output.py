"""Output options and misuse (issue 13, docs/cli.md): each misuse exits 2 with a message that
names it and, where a name is near, suggests it, and prints nothing on stdout; the output
options (-o, --no-headers, --columns, --sort) work on every table alike."""
import csv
import io
import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import run

WORKED = os.path.join(harness.ROOT, "examples", "fleet", "worked")


class Misuse(unittest.TestCase):
    CASES = [
        # (args, what the message says)
        (["capcity"], 'unknown command "capcity" for "fleetcap"; did you mean "capacity"?'),
        (["maintenance", "lst"], 'unknown command "lst" for "fleetcap maintenance"; did you mean "list"?'),
        (["capacity", "--wdie"], 'unknown option "--wdie" for "fleetcap capacity"; did you mean "--wide"?'),
        (["--cluster", "tigre", "capacity"], '--cluster: no cluster named "tigre" in'),
        (["--sku", "H300", "capacity"], '--sku: no sku named "H300"'),
        (["--region", "us-wset", "flex"], '--region: no region named "us-wset"'),
        (["flex", "--namespace", "evlas"], 'namespace "evlas"'),
        (["quota", "show", "research/pretrian"], 'no quota named "research/pretrian"'),
        (["maintenance", "node", "t5"], 'no node named "t5"'),
        (["maintenance", "list", "--window", "2"], '--window "2" needs a unit: 2d? 2h?'),
        (["overalloc", "report", "--window", "28"], '--window "28" needs a unit'),
        (["overalloc", "report", "--buffer", "0.15"], 'write 15% for a fraction of 0.15'),
        (["--json", "--format", "csv", "capacity"], "ask for different outputs"),
        (["-o", "name", "--json", "capacity"], "ask for different outputs"),
        (["capacity", "--sort", "flx_free"], 'has no column "flx_free"; did you mean "flex_free"?'),
        (["capacity", "--columns", "name,bogus"], 'has no column "bogus"'),
        (["overalloc", "report", "--sort", "CUTT%"], 'did you mean "CUT%"'),
        (["-o", "json", "--no-headers", "capacity"], "--no-headers is for tables and CSV"),
        (["--at", "+12", "capacity"], "needs a unit"),
        (["version", "--sort", "name"], "prints no table"),
        # A name only JSON and CSV have is no column of a table (issue 23: it fell back silently).
        (["maintenance", "list", "--columns", "id,whole_cluster"], "--columns whole_cluster: 'fleetcap maintenance "
         "list' has that field in JSON and CSV only"),
        (["flex", "--columns", "name,OVER-SHARE"], "--columns OVER-SHARE: that column is shown only with --namespace"),
        (["overalloc", "report", "--summary", "--sort", "cut_unbakced"], 'did you mean "cut_unbacked"'),
        (["overalloc", "sweep", "--sort", "cut_unbacked"], 'has no column "cut_unbacked"'),
    ]
    SUGGESTS = {"tigre": '"tiger"', "H300": '"h200"', "us-wset": '"us-west"', "evlas": '"evals"',
                "research/pretrian": '"research/pretrain"', "t5": '"t05"'}

    def test_each_misuse_is_a_usage_error_with_nothing_on_stdout(self):
        for args, message in self.CASES:
            with self.subTest(args=args):
                r = run("--source", WORKED, *args)
                self.assertEqual((r.code, r.out), (2, ""), r)
                self.assertTrue(r.err.startswith("fleetcap: error: "), r.err)
                self.assertIn(message, r.err)
                for word, near in self.SUGGESTS.items():
                    if word in args:
                        self.assertIn("did you mean ", r.err)
                        self.assertIn(near, r.err.split("did you mean ")[1])

    def test_a_huge_unknown_name_is_answered_at_once(self):
        r = run("--source", WORKED, "maintenance", "node", "x" * 3000, timeout=10)
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertNotIn("did you mean", r.err)
        self.assertLess(len(r.err), 400)  # the name is cut short in the message

    def test_unknown_config_keys_warn(self):
        home = tempfile.mkdtemp(prefix="fleetcap-cfg-")
        try:
            os.makedirs(os.path.join(home, "fleetcap"))
            with open(os.path.join(home, "fleetcap", "config.toml"), "w") as f:
                f.write(f'source = "{WORKED}"\nclsuter = ["lion"]\n')
            r = run("capacity", "-o", "name", env=harness.clean_env(XDG_CONFIG_HOME=home))
            self.assertEqual(r.code, 0, r)
            self.assertIn('unknown key "clsuter" is ignored; did you mean "cluster"?', r.err)
            self.assertEqual(r.out, "tiger\nlion\n")
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def test_bare_groups_print_their_help(self):
        for group in ("maintenance", "overalloc", "snapshot"):
            r = run(group)
            self.assertEqual(r.code, 0, r)
            self.assertIn("Usage: fleetcap " + group, r.out)
            self.assertIn("Subcommands:", r.out)

    def test_subcommand_help_lists_the_global_options(self):
        r = run("maintenance", "plan", "--help")
        self.assertEqual(r.code, 0, r)
        for option in ("--source", "--output", "--cluster", "--sort", "--columns", "--at"):
            self.assertIn(option, r.out)


class OutputOptions(unittest.TestCase):
    def cap(self, *args):
        r = run("--source", WORKED, "capacity", *args)
        self.assertEqual(r.code, 0, r)
        return r.out

    def test_o_name_prints_the_first_column(self):
        self.assertEqual(self.cap("-o", "name"), "tiger\nlion\n")
        self.assertEqual(run("--source", WORKED, "quota", "-o", "name").out.splitlines()[:2],
                         ["applied", "applied/chat-lion"])
        self.assertEqual(run("--source", WORKED, "maintenance", "node", "t07", "-o", "name").out, "t07\n")

    def test_json_and_format_are_aliases_of_o(self):
        self.assertEqual(self.cap("-o", "json")[:40], self.cap("--json")[:40])
        self.assertEqual(self.cap("-o", "csv"), self.cap("--format", "csv"))
        self.assertEqual(self.cap("-o", "wide"), self.cap("--wide"))

    def test_columns_and_no_headers(self):
        self.assertEqual(self.cap("--columns", "name,FLEX-FREE,unbacked", "--no-headers"),
                         "tiger   8  16\nlion    8   0\nTOTAL  16  16\n")
        self.assertEqual(self.cap("-o", "csv", "--columns", "name,unbacked"), "name,unbacked\ntiger,16\nlion,0\n")
        self.assertEqual(self.cap("-o", "csv", "--no-headers", "--columns", "name"), "tiger\nlion\n")
        # A field only JSON and CSV have is fine for CSV.
        r = run("--source", WORKED, "maintenance", "list", "-o", "csv", "--columns", "id,whole_cluster")
        self.assertEqual((r.code, r.out.splitlines()[0]), (0, "id,whole_cluster"), r)
        # OVER-SHARE and FIGURE are columns, not fallbacks to the default columns.
        r = run("--source", WORKED, "flex", "--namespace", "chat", "--columns", "name,OVER-SHARE")
        self.assertEqual((r.code, r.out.splitlines()[0].split()), (0, ["CLUSTER", "OVER-SHARE"]), r)
        r = run("--source", WORKED, "overalloc", "report", "--compare-cuts", "--columns", "FIGURE,PRO-RATA")
        self.assertEqual((r.code, r.out.splitlines()[2].split()), (0, ["FIGURE", "PRO-RATA"]), r)

    def test_sort_works_on_every_table(self):
        for args, first in ((["capacity", "--sort", "name"], "lion"),
                            (["flex", "--sort", "STABLE"], "lion"),
                            # `stable` is STABLE, flex_stable_free, in the islands table too (it
                            # was the island's yes/no there, now `stays`): lion's 8 before tiger's 0.
                            (["flex", "--gpus", "8", "--contiguous", "--sort", "stable"], "lion"),
                            (["flex", "--gpus", "8", "--contiguous", "--sort", "stays"], "lion"),
                            (["quota", "--sort", "borrowed"], "research"),  # the group's sum, 8
                            (["overalloc", "report", "--by", "quota", "--sort", "CUT%"], "research/pretrain"),
                            (["maintenance", "list", "--sort", "gpus"], None),
                            (["maintenance", "plan", "--sort", "gpus"], "j3")):
            r = run("--source", WORKED, *args, "-o", "name")
            self.assertEqual(r.code, 0, (args, r))
            if first:
                self.assertEqual(r.out.splitlines()[0], first, args)

    def test_at_relative_to_the_snapshot(self):
        later = json.loads(self.cap("--at", "+1d", "--json"))
        self.assertEqual(later["at"], "2026-11-21T12:00:00Z")
        earlier = json.loads(self.cap("--at", "-3d", "--json"))
        self.assertEqual(earlier["at"], "2026-11-17T12:00:00Z")


class Progress(unittest.TestCase):
    def test_progress_on_a_terminal_only(self):
        import pty
        import subprocess
        with harness.Server(WORKED, "--page-size", "2") as s:
            # stderr on a pipe: nothing but what went wrong (nothing here).
            r = run("--source", s.url, "capacity", "-o", "name")
            self.assertEqual((r.code, r.err), (0, ""), r)
            # stderr on a terminal: one line per page, cleared at the end; stdout untouched.
            master, slave = pty.openpty()
            proc = subprocess.Popen([harness.BINARY, "--source", s.url, "capacity", "-o", "name"],
                                    stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                                    env=harness.clean_env())
            os.close(slave)
            out = proc.stdout.read().decode()
            proc.stdout.close()
            self.assertEqual(proc.wait(timeout=60), 0)
            err = b""
            while True:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
            os.close(master)
            self.assertEqual(out, "tiger\nlion\n")
            text = err.decode()
            self.assertIn("fleetcap: fetching", text)
            self.assertIn("page", text)
            self.assertTrue(text.endswith("\r\x1b[K"), repr(text[-40:]))


class Hostile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fleetcap-out-")
        self.fleet = os.path.join(self.dir, "fleet")
        shutil.copytree(WORKED, self.fleet)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def edit(self, name, change):
        path = os.path.join(self.fleet, name)
        with open(path) as f:
            doc = json.load(f)
        change(doc["items"])
        with open(path, "w") as f:
            json.dump(doc, f)

    def test_control_characters_in_names_are_escaped_in_tables(self):
        def rename(jobs):
            for j in jobs:
                if j["name"] == "j3":
                    j["name"] = "j3\x1b[2J\rforged\n"
        self.edit("jobs.json", rename)
        for args in (["maintenance", "node", "t07"], ["maintenance", "plan"], ["quota", "show", "applied/chat-tiger"]):
            r = run("--source", self.fleet, *args)
            self.assertEqual(r.code, 0, (args, r))
            self.assertNotIn("\x1b", r.out, args)
            self.assertNotIn("\r", r.out, args)
            self.assertIn("j3\\x1b[2J\\x0dforged\\x0a", r.out, args)
        # JSON carries the name as it is (escaped by JSON's rules); CSV as tables show it (issue 26
        # class 8: a CSV file is read on terminals and by line-based tools).
        doc = run("--source", self.fleet, "maintenance", "plan", "--json").json()
        self.assertIn("j3\x1b[2J\rforged\n", [m["name"] for m in doc["moves"] + doc["unplaced"]])
        out = run("--source", self.fleet, "maintenance", "plan", "-o", "csv").out
        self.assertNotIn("\x1b", out)
        rows = list(csv.reader(io.StringIO(out)))
        self.assertTrue(any(row[0] == "j3\\x1b[2J\\x0dforged\\x0a" for row in rows), rows)

    def test_a_deep_quota_chain_stays_narrow(self):
        depth = 2000
        def chain(quotas):
            parent = "applied"
            for i in range(depth):
                name = f"applied/d{i}"
                quotas.append({"name": name, "parent": parent, "cluster": None})
                parent = name
            quotas.append({"name": "applied/deep-leaf", "parent": parent, "cluster": "lion", "gpus": 1})
        self.edit("quotas.json", chain)
        r = run("--source", self.fleet, "quota", timeout=120)
        self.assertEqual(r.code, 0, r)
        widest = max(len(line) for line in r.out.splitlines())
        self.assertLess(widest, 200)  # was 2 spaces per level: 4,000 wide at this depth
        self.assertIn("[2001] applied/deep-leaf", r.out)


if __name__ == "__main__":
    harness.main()
