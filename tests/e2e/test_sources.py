"""Many sources without the Slurm lab (docs/sources.md): the config file's [sources.NAME] tables and
their errors, the naming rule on real runs, --cluster SOURCE, --partial and its exit status, the
`sources` array, `fleetcap sources`, and `snapshot save` of a fleet read back. The fleet with
the real Slurm lab and Kubernetes server is test_slurm_lab_fleet.py."""
import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import DEMO, WORKED, Server, run


class Sources(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fleetcap-sources-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        # A copy of the worked example under another name: every name of it collides.
        self.copy = os.path.join(self.tmp, "copy")
        shutil.copytree(WORKED, self.copy)

    def config(self, text):
        path = os.path.join(self.tmp, "config.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def fails(self, r, code, *words):
        self.assertEqual((r.code, r.out), (code, ""), r)
        for w in words:
            self.assertIn(w, r.err, r)

    def test_config_errors_name_the_file_and_line(self):
        cases = [
            ('[sources.a]\nurl = "x"\n\n[sources.a]\nurl = "y"\n', 2, ["line 4", "sources.a"]),
            ('[sources.a]\nurl = 5\n', 2, [":2: [sources.a] url must be a string, got 5"]),
            ('[sources.a]\nregion = "r"\n', 2, ["[sources.a] has no url"]),
            ('[sources."a/b"]\nurl = "x"\n', 2, ["cannot be empty or hold a '/'"]),
            ('[sources.a]\nurl = "' + WORKED + '"\n[slurm]\nborrowing = "yes"\n', 0, []),
        ]
        for text, code, words in cases:
            r = run("--config", self.config(text), "capacity")
            if code:
                self.fails(r, code, *words)
            else:
                self.assertEqual(r.code, 0, r)  # [slurm] is only read for a Slurm source
        # An unknown key of a source's table is a warning with its line, the run goes on.
        r = run("--config", self.config(f'[sources.w]\nurl = "{WORKED}"\nregoin = "x"\n'), "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertIn(":3: unknown key [sources.w] regoin", r.err)

    def test_every_configured_source_when_none_is_named(self):
        cfg = self.config(f'[sources.w]\nurl = "{WORKED}"\nregion = "eu-west"\n\n[sources.c]\nurl = "{self.copy}"\n')
        doc = run("--config", cfg, "capacity", "--json").json()
        self.assertEqual([s["name"] for s in doc["sources"]], ["w", "c"])
        self.assertEqual(doc["source"], "w, c")
        # Every cluster name collides: each is SOURCE/NAME; region comes from [sources.w].
        self.assertEqual([(c["name"], c["region"]) for c in doc["clusters"]],
                         [("w/tiger", "eu-west"), ("w/lion", "eu-west"), ("c/tiger", "us-south"),
                          ("c/lion", "us-west")])
        one = run("--source", WORKED, "capacity", "--json").json()
        for f in ("total", "healthy", "assigned", "unbacked", "flex_free"):
            self.assertEqual(doc["totals"][f], 2 * one["totals"][f], f)
        # --source NAME reads only that one; --cluster SOURCE selects its clusters.
        w = run("--config", cfg, "--source", "c", "capacity", "-o", "name")
        self.assertEqual(w.out, "tiger\nlion\n")
        sel = run("--config", cfg, "capacity", "--cluster", "c", "-o", "name")
        self.assertEqual(sel.out, "c/tiger\nc/lion\n")
        own = run("--config", cfg, "capacity", "--cluster", "tiger", "-o", "name")
        self.assertEqual(own.out, "w/tiger\nc/tiger\n")
        bad = run("--config", cfg, "capacity", "--cluster", "cc")
        self.fails(bad, 2, 'did you mean "c"')

    def test_distinct_names_stay_as_they_are(self):
        r = run("--source", WORKED, "--source", DEMO, "capacity", "-o", "name")
        self.assertEqual(r.code, 0, r)
        names = r.out.split()
        self.assertIn("tiger", names)
        self.assertFalse(any("/" in n for n in names), names)
        # The same source twice is a usage error, not a fleet of doubles.
        self.fails(run("--source", WORKED, "--source", WORKED, "capacity"), 2, "named twice")

    def test_short_names_are_made_unique(self):
        other = os.path.join(self.tmp, "b", "worked")
        shutil.copytree(WORKED, other)
        doc = run("--source", WORKED, "--source", other, "capacity", "--json").json()
        self.assertEqual([s["name"] for s in doc["sources"]], ["worked", "worked-2"])
        self.assertEqual(doc["clusters"][0]["name"], "worked/tiger")
        self.assertEqual(doc["clusters"][2]["name"], "worked-2/tiger")

    def test_a_failed_source_with_and_without_partial(self):
        missing = os.path.join(self.tmp, "gone")
        r = run("--source", WORKED, "--source", missing, "capacity", "--json")
        self.fails(r, 1, "fleetcap: error: source gone: ", "no such directory")
        r = run("--source", WORKED, "--source", missing, "--partial", "capacity", "--json")
        self.assertEqual(r.code, 4, r)
        doc = r.json()
        self.assertEqual([(s["name"], s["ok"]) for s in doc["sources"]], [("worked", True), ("gone", False)])
        self.assertIn("no such directory", doc["sources"][1]["error"])
        self.assertIsNone(doc["sources"][1]["taken_at"])
        self.assertIsNone(doc["sources"][0]["error"])
        self.assertIn("fleetcap: warning: source gone failed and is left out of this answer (--partial; 1 of 2 "
                      "sources answered): ", r.err)
        self.assertEqual(doc["totals"], run("--source", WORKED, "capacity", "--json").json()["totals"])
        # Every source failed: nothing to answer from.
        r = run("--source", missing, "--source", missing + "2", "--partial", "capacity")
        self.fails(r, 1, "every source failed")
        # One source alone fails as it always did, --partial or not.
        self.fails(run("--source", missing, "--partial", "capacity"), 1, "no such directory")
        # A fleet API that answers 500 is named the same way.
        with Server(WORKED, "--fault", "clusters:status:500") as s:
            r = run("--source", s.url, "--source", self.copy, "--partial", "capacity", "-o", "name")
            self.assertEqual((r.code, r.out), (4, "tiger\nlion\n"), r)
            self.assertIn("source 127.0.0.1 failed", r.err)

    def test_sources_command(self):
        with Server(WORKED) as s:
            r = run("--source", s.url, "--source", self.copy, "sources", "-o", "json")
            self.assertEqual(r.code, 0, r)
            doc = r.json()
            self.assertEqual(doc["schema"], "fleetcap.sources/v1")
            self.assertTrue(doc["all_ok"])
            rows = {x["name"]: x for x in doc["sources"]}
            self.assertEqual(rows["127.0.0.1"]["kind"], "fleet-api")
            self.assertEqual(rows["127.0.0.1"]["version"], "fleet API v1")
            self.assertEqual(rows["127.0.0.1"]["auth"], "none")
            self.assertEqual(rows["copy"]["clusters"], 3)
            self.assertEqual(list(rows["copy"])[:7],
                             ["name", "kind", "source", "ok", "error", "fetched_at", "taken_at"])
            csv = run("--source", s.url, "--source", self.copy, "sources", "-o", "csv", "--columns", "name,ok")
            self.assertEqual(csv.out, "name,ok\n127.0.0.1,true\ncopy,true\n")
        # With the server gone it is listed as unreachable, and the exit status says so.
        r = run("--source", s.url, "--source", self.copy, "sources")
        self.assertEqual(r.code, 4, r)
        self.assertRegex(r.out, r"127\.0\.0\.1 +fleet-api .* no ")
        # One source alone is listed too, failed or not.
        r = run("--source", s.url, "sources", "-o", "name")
        self.assertEqual((r.code, r.out), (4, "127.0.0.1\n"), r)

    def test_snapshot_save_of_a_fleet_answers_the_same(self):
        out = os.path.join(self.tmp, "fleet")
        r = run("--source", WORKED, "--source", self.copy, "snapshot", "save", out)
        self.assertEqual(r.code, 0, r)
        with open(os.path.join(out, "snapshot.json")) as f:
            meta = json.load(f)
        self.assertEqual([(s["name"], s["kind"], s["clusters"]) for s in meta["sources"]],
                         [("worked", "snapshot", ["worked/tiger", "worked/lion", "worked/puma"]),
                          ("copy", "snapshot", ["copy/tiger", "copy/lion", "copy/puma"])])
        for cmd in (["capacity"], ["quota"], ["nodes", "--all"], ["maintenance", "list"], ["flex"],
                    ["overalloc", "report"]):
            live = run("--source", WORKED, "--source", self.copy, *cmd, "--json").json()
            saved = run("--source", out, *cmd, "--json").json()
            self.assertEqual([s["name"] for s in saved["sources"]], ["worked", "copy"], cmd)
            for doc in (live, saved):
                doc.pop("generated_at"), doc.pop("source"), doc.pop("sources")
            self.assertEqual(saved, live, cmd)
        # --cluster SOURCE still selects a source's clusters in the saved directory.
        r = run("--source", out, "capacity", "--cluster", "copy", "-o", "name")
        self.assertEqual(r.out, "copy/tiger\ncopy/lion\n")

    def test_verbose_lines_name_their_source(self):
        with Server(WORKED) as s:
            r = run("--source", s.url, "--source", self.copy, "--verbose", "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.err, r"fleetcap: 127\.0\.0\.1: GET http://127\.0\.0\.1:\d+/v1/clusters -> 200")


if __name__ == "__main__":
    harness.main()
