"""`fleetcap capacity` end to end: the real binary on the docs/worked-example.md worked example (golden text
checked by hand against docs/worked-example.md), JSON, CSV, filters, grouping, sorting, global options on
either side of the command, usage errors, a closed pipe, colour and --at."""
import os
import shutil
import subprocess
import tempfile
import unittest

import fleetgen
import harness
from harness import DATA, ROOT, WORKED, run

WORKED_AT = "2026-11-20T12:00:00Z"
FIGURES = ["total", "healthy", "assigned", "inquota_used", "inquota_free", "flex_used", "flex_free",
           "flex_stable_free", "flex_reclaimable_free", "unbacked", "headroom", "largest_free_block"]
# docs/worked-example.md by hand; headroom = max(0, H - A) is not in the worked example's table: tiger 0, lion 64 - 48 = 16.
TIGER = dict(zip(FIGURES, [96, 72, 88, 56, 16, 8, 8, 0, 8, 16, 0, 8]))
LION = dict(zip(FIGURES, [64, 64, 48, 48, 0, 8, 8, 8, 0, 0, 16, 8]))
PUMA = dict(zip(FIGURES, [0] * 12))
TOTALS = dict(zip(FIGURES, [160, 136, 136, 104, 16, 16, 16, 8, 8, 16, 16, 8]))


def v2(figures):
    """The figures as fleetcap.capacity/v2 writes them: headroom also under its v1 name, buffer."""
    return {**figures, "buffer": figures["headroom"]}


def golden(name):
    with open(os.path.join(DATA, "golden", name)) as f:
        return f.read()


def cap(*args, **kw):
    return run("--source", WORKED, "capacity", *args, **kw)


def names(result):
    return [c["name"] for c in result.json()["clusters"]]


class Output(unittest.TestCase):
    def test_golden_table(self):
        r = cap()
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(r.out, golden("capacity_worked.txt"))

    def test_golden_wide_table(self):
        r = cap("--wide")
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertEqual(r.out, golden("capacity_worked_wide.txt"))
        self.assertEqual(cap("-w").out, r.out)

    def test_json_by_content(self):
        r = cap("--json")
        self.assertEqual((r.code, r.err), (0, ""), r)
        doc = r.json()
        self.assertEqual(doc["schema"], "fleetcap.capacity/v2")
        self.assertEqual(doc["at"], WORKED_AT)  # the snapshot's taken_at
        self.assertEqual(doc["source"], WORKED)
        self.assertRegex(doc["generated_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        meta = {"region", "provider", "sku", "state"}
        self.assertEqual(doc["clusters"], [
            {"name": "tiger", "region": "us-south", "provider": "coreweave", "sku": "h100", "state": "production", **v2(TIGER)},
            {"name": "lion", "region": "us-west", "provider": "coreweave", "sku": "h200", "state": "production", **v2(LION)},
        ])
        self.assertEqual(doc["totals"], v2(TOTALS))
        self.assertTrue(meta <= set(doc["clusters"][0]))
        self.assertNotIn("groups", doc)
        # --format json is the same document (the times of the run aside).
        other = cap("--format", "json").json()
        self.assertEqual(harness.without_run_times(other), harness.without_run_times(dict(doc)))

    def test_csv(self):
        r = cap("--format", "csv")
        self.assertEqual((r.code, r.err), (0, ""), r)
        lines = r.out.splitlines()
        self.assertEqual(lines[0], "name,region,provider,sku,state," + ",".join(FIGURES))
        self.assertEqual(lines[1:], [
            "tiger,us-south,coreweave,h100,production," + ",".join(str(TIGER[f]) for f in FIGURES),
            "lion,us-west,coreweave,h200,production," + ",".join(str(LION[f]) for f in FIGURES),
        ])

    def test_json_and_table_agree_on_an_other_time(self):
        # The same figures in every format, also away from the worked example's instant.
        at = "2026-11-21T18:00:00Z"
        doc = cap("--json", "--at", at).json()
        csv = cap("--format", "csv", "--at", at).out.splitlines()
        header = csv[0].split(",")
        for line, cluster in zip(csv[1:], doc["clusters"]):
            row = dict(zip(header, line.split(",")))
            self.assertEqual({f: int(row[f]) for f in FIGURES}, {f: cluster[f] for f in FIGURES})


class Filters(unittest.TestCase):
    def test_state(self):
        self.assertEqual(names(cap("--json")), ["tiger", "lion"])
        r = cap("--json", "--state", "all")
        self.assertEqual(names(r), ["tiger", "lion", "puma"])
        self.assertEqual({k: v for k, v in r.json()["clusters"][2].items() if k in FIGURES}, PUMA)
        self.assertEqual(r.json()["totals"], v2(TOTALS))
        self.assertEqual(names(cap("--json", "--state", "provisioning")), ["puma"])
        self.assertEqual(names(cap("--json", "--state", "provisioning", "--state", "production")),
                         ["tiger", "lion", "puma"])
        self.assertEqual(names(cap("--json", "--state", "decommissioned")), [])

    def test_cluster_region_sku(self):
        r = cap("--json", "--cluster", "lion")
        self.assertEqual(names(r), ["lion"])
        self.assertEqual(r.json()["totals"], v2(LION))
        self.assertEqual(names(cap("--json", "--cluster", "lion", "--cluster", "tiger")), ["tiger", "lion"])
        self.assertEqual(names(cap("--json", "--cluster", "lion,tiger")), ["tiger", "lion"])
        self.assertEqual(names(cap("--json", "--region", "us-west", "--state", "all")), ["lion", "puma"])
        self.assertEqual(names(cap("--json", "--sku", "h100")), ["tiger"])
        self.assertEqual(names(cap("--json", "--sku", "h200", "--region", "us-south")), [])

    def test_no_match_table(self):
        # Names that exist, but no cluster has them all: an empty answer, not an error.
        r = cap("--sku", "h200", "--region", "us-south")
        self.assertEqual((r.code, r.out, r.err), (0, "No clusters match.\n", ""))

    def test_unknown_names_are_usage_errors_with_suggestions(self):
        for args, message in ((["--cluster", "tigre"], '--cluster: no cluster named "tigre" in '),
                              (["--sku", "H200"], '--sku: no sku named "H200" in '),
                              (["--region", "us-wset"], '--region: no region named "us-wset" in ')):
            r = cap(*args)
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn(message, r.err)
        self.assertIn('did you mean "tiger"?', cap("--cluster", "tigre").err)
        self.assertIn('did you mean "h200"', cap("--sku", "H200").err)

    def test_by(self):
        doc = cap("--json", "--by", "sku", "--state", "all").json()
        self.assertEqual(doc["by"], "sku")
        self.assertNotIn("clusters", doc)
        self.assertEqual(doc["groups"], [{"key": "h100", "clusters": 1, **v2(TIGER)}, {"key": "h200", "clusters": 2, **v2(LION)}])
        self.assertEqual(doc["totals"], v2(TOTALS))
        doc = cap("--json", "--by", "region").json()
        self.assertEqual([(g["key"], g["clusters"]) for g in doc["groups"]], [("us-south", 1), ("us-west", 1)])
        doc = cap("--json", "--by", "provider").json()
        self.assertEqual(doc["groups"], [{"key": "coreweave", "clusters": 2, **v2(TOTALS)}])
        table = cap("--by", "sku", "--state", "all").out.splitlines()
        self.assertEqual(table[0].split()[:3], ["SKU", "CLUSTERS", "TOTAL"])
        self.assertEqual([line.split()[:2] for line in table[1:]], [["h100", "1"], ["h200", "2"], ["TOTAL", "3"]])
        self.assertEqual(cap("--format", "csv", "--by", "sku").out.splitlines()[0],
                         "sku,clusters," + ",".join(FIGURES))

    def test_sort(self):
        self.assertEqual(names(cap("--json", "--sort", "headroom")), ["lion", "tiger"])
        self.assertEqual(names(cap("--json", "--sort", "buffer")), ["lion", "tiger"])  # v1's name, for v2
        self.assertEqual(names(cap("--json", "--sort", "unbacked")), ["tiger", "lion"])
        self.assertEqual(names(cap("--json", "--sort", "name")), ["lion", "tiger"])
        self.assertEqual(names(cap("--json", "--sort", "STABLE")), ["lion", "tiger"])
        self.assertEqual(names(cap("--json", "--sort", "flex-stable-free")), ["lion", "tiger"])
        self.assertEqual(names(cap("--json", "--sort", "total", "--state", "all")), ["tiger", "lion", "puma"])
        lines = cap("--sort", "HEADROOM").out.splitlines()
        self.assertEqual([line.split()[0] for line in lines], ["CLUSTER", "lion", "tiger", "TOTAL"])


class CommandLine(unittest.TestCase):
    def test_global_options_before_or_after_the_command(self):
        pairs = [
            (["--source", WORKED, "--format", "csv", "capacity"], ["capacity", "--source", WORKED, "--format", "csv"]),
            (["--source", WORKED, "--cluster", "lion", "capacity", "--wide"],
             ["capacity", "--wide", "--cluster", "lion", "--source", WORKED]),
            (["--source", WORKED, "--state", "all", "--at", "2026-11-21T10:00:00Z", "capacity", "--by", "sku"],
             ["capacity", "--by", "sku", "--at", "2026-11-21T10:00:00Z", "--state", "all", "--source", WORKED]),
            (["--source", WORKED, "--color", "always", "capacity"], ["capacity", "--color", "always", "--source", WORKED]),
        ]
        for before, after in pairs:
            a, b = run(*before), run(*after)
            self.assertEqual((a.code, a.err), (0, ""), a)
            self.assertEqual((a.code, a.out, a.err), (b.code, b.out, b.err), (before, after))
        a, b = run("--source", WORKED, "--json", "capacity"), run("capacity", "--json", "--source", WORKED)
        da, db = a.json(), b.json()
        self.assertEqual(harness.without_run_times(da), harness.without_run_times(db))

    def test_source_from_the_environment(self):
        r = run("capacity", env=harness.clean_env(FLEETCAP_SOURCE=WORKED))
        self.assertEqual((r.code, r.out), (0, golden("capacity_worked.txt")), r)

    def test_config_file(self):
        home = tempfile.mkdtemp(prefix="fleetcap-home-")
        try:
            os.makedirs(os.path.join(home, "fleetcap"))
            with open(os.path.join(home, "fleetcap", "config.toml"), "w") as f:
                f.write(f'source = "{WORKED}"\ncluster = ["lion"]\nwide = true\n')
            env = harness.clean_env(XDG_CONFIG_HOME=home)
            r = run("capacity", "--format", "csv", env=env)
            self.assertEqual((r.code, r.err), (0, ""), r)
            self.assertEqual([line.split(",")[0] for line in r.out.splitlines()], ["name", "lion"])
            self.assertIn("STABLE", run("capacity", env=env).out)  # wide = true
            # The command line wins over the file.
            r = run("capacity", "--format", "csv", "--cluster", "tiger", env=env)
            self.assertEqual([line.split(",")[0] for line in r.out.splitlines()], ["name", "tiger"])
            # --config names another file.
            other = os.path.join(home, "other.toml")
            with open(other, "w") as f:
                f.write(f'source = "{WORKED}"\n')
            r = run("--config", other, "capacity", env=harness.clean_env())
            self.assertEqual(r.out, golden("capacity_worked.txt"))
            r = run("--config", os.path.join(home, "missing.toml"), "capacity")
            self.assertEqual((r.code, r.out), (2, ""), r)
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def test_usage_errors_exit_2_with_nothing_on_stdout(self):
        cases = [
            (["capacity", "--bogus"], "--bogus"),
            (["nosuch"], 'unknown command "nosuch"'),
            (["--format", "xml", "capacity"], "--format"),
            (["capacity", "--by", "rack"], "--by"),
            (["capacity", "--sort", "gpus"], '--sort: \'fleetcap capacity\' has no column "gpus"'),
            (["--state", "bogus", "capacity"], '--state "bogus"'),
            (["capacity", "--at", "2026-02-30T00:00:00Z"], "--at"),
            (["capacity", "--at", "yesterday"], "RFC 3339"),
            (["--timeout", "-1", "capacity"], "--timeout"),
            (["--color", "sometimes", "capacity"], "--color"),
            (["capacity", "--cluster", "lion", "tiger"], "tiger"),
            (["capacity", "--cluster"], "--cluster"),
        ]
        for args, needle in cases:
            r = run("--source", WORKED, *args)
            self.assertEqual(r.code, 2, (args, r))
            self.assertEqual(r.out, "", args)
            self.assertTrue(r.err.startswith("fleetcap: error: "), (args, r.err))
            self.assertIn(needle, r.err, args)

    def test_no_source_is_a_usage_error(self):
        r = run("capacity")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertRegex(r.err, r"^fleetcap: error: no fleet source")

    def test_usage_errors_come_before_any_fetch(self):
        # Nothing listens on port 9 of 127.0.0.1: a fetch would fail with exit 1, not 2.
        for args in (["capacity", "--at", "soon"], ["capacity", "--sort", "gpus"], ["--state", "x", "capacity"]):
            r = run("--source", "http://127.0.0.1:9", *args)
            self.assertEqual((r.code, r.out), (2, ""), (args, r))

    def test_missing_directory_is_a_runtime_error(self):
        r = run("--source", os.path.join(ROOT, "no-such-dir"), "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("no such directory", r.err)

    def test_help(self):
        r = run("capacity", "--help")
        self.assertEqual((r.code, r.err), (0, ""), r)
        for word in ("--by", "--sort", "--wide", "Examples:"):
            self.assertIn(word, r.out)


class Pipe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-pipe-")
        cls.fleet = os.path.join(cls.tmp, "fleet")
        # 2500 clusters: the output is far larger than a pipe's buffer (64 KiB).
        fleetgen.generate(cls.fleet, clusters=2500, nodes_per_cluster=1, seed=5)
        # The size is in the clusters; 85,750 health samples would only slow every run down.
        with open(os.path.join(cls.fleet, "health_history.json"), "w") as f:
            f.write('{"api_version": "v1", "items": [], "next_page_token": null}\n')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_head_1_ends_quietly(self):
        for fmt in ("table", "csv"):
            proc = subprocess.run(
                ["bash", "-c", f'"$0" --source "$1" capacity --state all --format {fmt} | head -1; '
                               'echo "status=${PIPESTATUS[0]}"', harness.BINARY, self.fleet],
                capture_output=True, text=True, env=harness.clean_env(), timeout=60)
            self.assertEqual(proc.stderr, "", fmt)
            lines = proc.stdout.splitlines()
            self.assertEqual(len(lines), 2, proc.stdout)
            self.assertEqual(lines[1], "status=0")

    def test_closed_pipe_exit_status(self):
        proc = subprocess.Popen([harness.BINARY, "--source", self.fleet, "capacity", "--state", "all",
                                 "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=harness.clean_env())
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as head does
        err = proc.stderr.read()
        proc.stderr.close()
        self.assertEqual(proc.wait(timeout=60), 0)
        self.assertEqual(err, b"")
        self.assertTrue(first.startswith(b"name,region,"))
        # The whole output really is larger than a pipe holds.
        self.assertGreater(len(run("--source", self.fleet, "capacity", "--state", "all", "--format", "csv").out), 3 << 15)


class Colour(unittest.TestCase):
    ANSI = "\x1b["

    def test_always(self):
        r = cap("--color", "always")
        self.assertEqual(r.code, 0, r)
        self.assertIn(self.ANSI, r.out)
        self.assertIn("\x1b[31m16\x1b[0m", r.out)  # tiger's unbacked quota in red
        self.assertIn(self.ANSI, run("--source", WORKED, "capacity", "--color", "always",
                                     env=harness.clean_env(NO_COLOR="1")).out)

    def test_never_and_pipes(self):
        self.assertNotIn(self.ANSI, cap().out)  # auto on a pipe
        self.assertNotIn(self.ANSI, cap("--color", "never").out)
        self.assertNotIn(self.ANSI, cap("--color", "auto").out)
        self.assertNotIn(self.ANSI, cap("--json", "--color", "always").out)
        self.assertNotIn(self.ANSI, cap("--format", "csv", "--color", "always").out)

    def test_clicolor_force(self):
        self.assertIn(self.ANSI, run("--source", WORKED, "capacity", env=harness.clean_env(CLICOLOR_FORCE="1")).out)
        self.assertNotIn(self.ANSI, run("--source", WORKED, "capacity",
                                        env=harness.clean_env(CLICOLOR_FORCE="1", NO_COLOR="1")).out)

    def test_terminal(self):
        args = ["--source", WORKED, "capacity"]
        code, out, err = harness.run_on_tty(args, harness.clean_env(TERM="xterm"), timeout=30)
        self.assertEqual((code, err), (0, ""))
        self.assertIn(self.ANSI, out)
        code, out, _ = harness.run_on_tty(args, harness.clean_env(TERM="xterm", NO_COLOR="1"), timeout=30)
        self.assertEqual(out, golden("capacity_worked.txt"))
        code, out, _ = harness.run_on_tty(args, harness.clean_env(TERM="dumb"), timeout=30)
        self.assertEqual(out, golden("capacity_worked.txt"))
        code, out, _ = harness.run_on_tty(args + ["--color", "never"], harness.clean_env(TERM="xterm"), timeout=30)
        self.assertEqual(out, golden("capacity_worked.txt"))

    def test_terminal_width(self):
        # The full table is 108 columns; on an 80-column terminal the least important go.
        code, out, _ = harness.run_on_tty(["--source", WORKED, "capacity"], harness.clean_env(TERM="dumb"), columns=80, timeout=30)
        self.assertEqual(code, 0)
        self.assertTrue(all(len(line) <= 80 for line in out.splitlines()), out)
        self.assertEqual(out.splitlines()[0].split(),
                         ["CLUSTER", "REGION", "SKU", "TOTAL", "HEALTHY", "ASSIGNED", "INQ-FREE", "FLEX-FREE",
                          "UNBACKED"])
        self.assertEqual(out.splitlines()[1].split(), ["tiger", "us-south", "h100", "96", "72", "88", "16", "8", "16"])
        # The last line says what went and how to see it.
        self.assertIn("INQ-USED, FLEX-USED, BLOCK hidden to fit 80 columns; -o wide shows all", out)


class At(unittest.TestCase):
    def test_at_moves_the_figures(self):
        tiger = lambda r: r.json()["clusters"][0]
        self.assertEqual(tiger(cap("--json", "--at", WORKED_AT))["healthy"], 72)
        # m1 (t11) ends 2026-11-21T10:00Z: an event is active while start <= t < end.
        self.assertEqual(tiger(cap("--json", "--at", "2026-11-21T09:59:59Z"))["healthy"], 72)
        after = tiger(cap("--json", "--at", "2026-11-21T10:00:00Z"))
        # H = 80: flex_free 80 - 56 - 8 = 16, unbacked 88 - 80 = 8, tiger-ib2 free t10 + t11 = 16.
        self.assertEqual((after["healthy"], after["flex_free"], after["unbacked"], after["largest_free_block"]),
                         (80, 16, 8, 16))
        # Offsets are honoured: 11:00+01:00 is 10:00Z.
        self.assertEqual(tiger(cap("--json", "--at", "2026-11-21T11:00:00+01:00")), after)
        self.assertEqual(cap("--json", "--at", "2026-11-21T11:00:00+01:00").json()["at"], "2026-11-21T10:00:00Z")
        # m2 takes t07 and t08 at 2026-11-21T18:00Z: 80 - 16 = 64.
        self.assertEqual(tiger(cap("--json", "--at", "2026-11-21T18:00:00Z"))["healthy"], 64)


if __name__ == "__main__":
    harness.main()
