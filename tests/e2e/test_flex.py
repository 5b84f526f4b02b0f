"""`fleetcap flex`: docs/worked-example.md tables, contiguous blocks, fair shares, and invariants on generated fleets."""
import csv
import io
import os
import unittest

import fleetgen
import harness
from harness import DATA, WORKED, run

SMALL = os.path.join(DATA, "fleets", "small")
GOLDEN = os.path.join(DATA, "golden")


def golden(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return f.read()


def by_name(items, key="name"):
    return {i[key]: i for i in items}


class WorkedExample(unittest.TestCase):
    def test_table_is_spec_8(self):
        r = run("--source", WORKED, "flex")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("flex-worked.txt"))
        self.assertEqual(r.err, "")

    def test_json_is_spec_8(self):
        r = run("--source", WORKED, "flex", "--json")
        self.assertEqual(r.code, 0, r)
        doc = r.json()
        self.assertEqual(doc["schema"], "fleetcap.flex/v2")
        self.assertEqual(doc["at"], "2026-11-20T12:00:00Z")
        self.assertEqual([c["name"] for c in doc["clusters"]], ["lion", "tiger"])
        want = {  # docs/worked-example.md: flex used, flex free, stable, reclaimable, block
            "tiger": (8, 8, 0, 8, 8),
            "lion": (8, 8, 8, 0, 8),
        }
        for name, c in by_name(doc["clusters"]).items():
            got = tuple(c[k] for k in ("flex_used", "flex_free", "flex_stable_free", "flex_reclaimable_free",
                                       "largest_free_block"))
            self.assertEqual(got, want[name], name)
        tiger = by_name(doc["clusters"])["tiger"]
        self.assertEqual(tiger["namespaces"],
                         [{"namespace": "evals", "flex_used": 8, "flex_pending": 0, "fair_share": 16,
                           "over_share": False}])
        self.assertEqual(doc["totals"]["flex_free"], 16)
        self.assertNotIn("islands", doc)

    def test_fair_share_of_another_namespace_is_8_in_tiger(self):
        r = run("--source", WORKED, "flex", "--namespace", "chat", "--json")
        tiger = by_name(r.json()["clusters"])["tiger"]
        self.assertEqual(tiger["selected_namespace"]["fair_share"], 8)
        self.assertEqual(tiger["selected_namespace"]["namespace"], "chat")
        self.assertEqual(run("--source", WORKED, "flex", "--namespace", "chat").out,
                         golden("flex-worked-namespace-chat.txt"))

    def test_capacity_flex_is_flex(self):
        a = run("--source", WORKED, "flex", "--namespace", "evals")
        b = run("--source", WORKED, "capacity", "flex", "--namespace", "evals")
        c = run("--json", "--source", WORKED, "capacity", "flex")
        self.assertEqual(b.code, 0, b)
        self.assertEqual(a.out, b.out)
        self.assertEqual(c.json()["schema"], "fleetcap.flex/v2")

    def test_global_options_before_or_after(self):
        a = run("--source", WORKED, "--cluster", "tiger", "flex")
        b = run("flex", "--cluster", "tiger", "--source", WORKED)
        self.assertEqual(a.code, 0, a)
        self.assertEqual(a.out, b.out)
        self.assertNotIn("lion", a.out)

    def test_contiguous_8_names_both_islands_16_answers_no(self):
        r = run("--source", WORKED, "flex", "--gpus", "8", "--contiguous")
        self.assertEqual(r.out, golden("flex-worked-contiguous-8.txt"))
        r = run("--source", WORKED, "flex", "--gpus", "16", "--contiguous", "--json")
        self.assertEqual(r.code, 0, r)
        doc = r.json()
        self.assertEqual(doc["islands"], [])
        self.assertEqual(doc["clusters"], [])
        # The "no" answer still says where the largest block is, and what fits once m1 ends:
        # tiger-ib2 has t10 free and t11 (healthy, no job) back from m1 at 21T10.
        self.assertIs(doc["fits"], False)
        self.assertEqual((doc["largest_block"]["island"], doc["largest_block"]["lasting_block"]), ("lion-ib1", 8))
        self.assertEqual([(i["island"], i["block_later"], i["fits_at"]) for i in doc["fits_after_maintenance"]],
                         [("tiger-ib2", 16, "2026-11-21T10:00:00Z")])
        r = run("--source", WORKED, "flex", "--gpus", "16", "--contiguous")
        self.assertIn("It would fit once coming maintenance ends:\n  tiger-ib2 (tiger): 16 GPUs from 2026-11-21T10:00Z",
                      r.out)
        rows = list(csv.DictReader(io.StringIO(run("--source", WORKED, "flex", "--gpus", "16", "--contiguous",
                                                   "--format", "csv").out)))
        self.assertEqual([(x["island"], x["fits"], x["fits_at"]) for x in rows],
                         [("tiger-ib2", "false", "2026-11-21T10:00:00Z")])

    def test_for_needs_contiguous_and_a_duration(self):
        for args in (["--for", "2d"], ["--gpus", "8", "--contiguous", "--for", "2"],
                     ["--gpus", "8", "--contiguous", "--for", "0h"]):
            r = run("--source", WORKED, "flex", *args)
            self.assertEqual(r.code, 2, (args, r))
            self.assertEqual(r.out, "")
            self.assertIn("--for", r.err)

    def test_csv(self):
        r = run("--source", WORKED, "flex", "--format", "csv")
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(",")[:5], ["name", "region", "provider", "sku", "state"])
        self.assertEqual(len(lines), 3)

    def test_usage_errors_exit_2_with_nothing_on_stdout(self):
        for args in (["--contiguous"], ["--gpus", "0"], ["--gpus", "many"], ["--gpus", "-8", "--contiguous"]):
            r = run("--source", WORKED, "flex", *args)
            self.assertEqual(r.code, 2, (args, r))
            self.assertEqual(r.out, "")
            self.assertIn("fleetcap: error:", r.err)

    def test_over_http_with_pages(self):
        with harness.Server(WORKED, "--page-size", "3") as s:
            r = run("--source", s.url, "--at", "2026-11-20T12:00:00Z", "flex")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("flex-worked.txt"))


class Contiguous(unittest.TestCase):
    """The small fleet: owl has 39 free flex GPUs but whole free nodes only 16 per island."""

    def test_enough_in_total_but_split_across_islands_answers_no(self):
        r = run("--source", SMALL, "--cluster", "owl", "flex", "--gpus", "24", "--contiguous")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, golden("flex-small-contiguous-no.txt"))
        doc = run("--source", SMALL, "--cluster", "owl", "flex", "--gpus", "24", "--contiguous", "--json").json()
        self.assertEqual(doc["islands"], [])
        self.assertEqual(doc["query"], {"namespace": None, "gpus": 24, "contiguous": True, "stable": False,
                                        "for": "1d"})
        self.assertIs(doc["fits"], False)
        self.assertEqual((doc["largest_block"]["island"], doc["largest_block"]["lasting_block"]), ("owl-a", 16))
        # Not contiguous, the same cluster answers yes.
        doc = run("--source", SMALL, "--cluster", "owl", "flex", "--gpus", "24", "--json").json()
        self.assertEqual([c["name"] for c in doc["clusters"]], ["owl"])

    def test_a_block_names_its_island(self):
        r = run("--source", SMALL, "flex", "--gpus", "24", "--contiguous")
        self.assertEqual(r.out, golden("flex-small-contiguous-24.txt"))
        doc = run("--source", SMALL, "flex", "--gpus", "16", "--contiguous", "--json").json()
        self.assertEqual([(i["cluster"], i["island"], i["free_block"], i["free_nodes"]) for i in doc["islands"]],
                         [("owl", "owl-a", 16, 2), ("owl", "owl-b", 16, 2), ("emu", "emu-a", 32, 4)])
        self.assertEqual([c["name"] for c in doc["clusters"]], ["owl", "emu"])

    def test_stable_contiguous_needs_stable_capacity_too(self):
        doc = run("--source", SMALL, "flex", "--gpus", "32", "--contiguous", "--stable", "--json").json()
        self.assertEqual([i["island"] for i in doc["islands"]], ["emu-a"])

    def test_stable_no_answer_does_not_quote_a_block_as_too_small(self):
        # tiger-ib2's block of 8 holds 8, but none of tiger's free flex is stable: the answer is
        # no, and says why, instead of "no block of 8 ... the largest is 8".
        r = run("--source", WORKED, "--cluster", "tiger", "flex", "--gpus", "8", "--contiguous", "--stable")
        self.assertEqual(r.code, 0, r)
        self.assertIn("the largest such block is 8 in tiger-ib2 (tiger), but it is not stable", r.out)

    def test_namespace_over_its_share_is_flagged(self):
        r = run("--source", SMALL, "flex", "--namespace", "ml")
        self.assertEqual(r.out, golden("flex-small-namespace-ml.txt"))
        yak = by_name(run("--source", SMALL, "flex", "--namespace", "ml", "--json").json()["clusters"])["yak"]
        self.assertEqual(yak["selected_namespace"],
                         {"namespace": "ml", "flex_used": 12, "flex_pending": 0, "fair_share": 8, "over_share": True})


class GeneratedFleets(unittest.TestCase):
    """Invariants of docs/figures.md on fleets from scripts/gen-fleet, against an independent reading."""

    def test_flex_figures_match_the_reference_and_hold_their_invariants(self):
        for d, data in fleetgen.generated():
            ref, _ = fleetgen.reference_figures(d)
            doc = run("--source", d, "--state", "all", "flex", "--json").json()
            self.assertEqual(len(doc["clusters"]), len(data["clusters"]), d)
            free = [c["flex_free"] for c in doc["clusters"]]
            self.assertEqual(free, sorted(free, reverse=True), d)
            for c in doc["clusters"]:
                name = c["name"]
                r = ref[name]
                self.assertEqual((c["flex_used"], c["flex_free"], c["flex_stable_free"], c["flex_reclaimable_free"],
                                  c["largest_free_block"]),
                                 (r["flex_used"], r["flex_free"], r["stable"], r["reclaimable"], r["block"]), name)
                self.assertEqual(c["flex_stable_free"] + c["flex_reclaimable_free"], c["flex_free"], name)
                self.assertEqual(c["flex_pool"], max(0, r["healthy"] - r["inq_used"]), name)
                # Namespaces: every one with a running or pending flex job in the cluster.
                jobs = [j for j in data["jobs"] if j["quota"] == "flex" and j.get("cluster") == name]
                names = sorted({j["namespace"] for j in jobs})
                self.assertEqual([n["namespace"] for n in c["namespaces"]], names, name)
                for n in c["namespaces"]:
                    used = sum(j["gpus"] for j in jobs if j["namespace"] == n["namespace"] and j["state"] == "running")
                    pending = sum(j["gpus"] for j in jobs if j["namespace"] == n["namespace"] and j["state"] == "pending")
                    self.assertEqual((n["flex_used"], n["flex_pending"]), (used, pending))
                    self.assertEqual(n["fair_share"], c["flex_pool"] // len(names))
                    self.assertLessEqual(n["fair_share"] * len(names), c["flex_pool"])
                    self.assertEqual(n["over_share"], used > n["fair_share"])

    def test_a_namespace_without_flex_jobs_counts_itself(self):
        for d, data in fleetgen.generated():
            # A namespace the fleet knows (it has jobs) but that runs no flex job somewhere.
            namespaces = sorted({j["namespace"] for j in data["jobs"]})
            ns = namespaces[0]
            doc = run("--source", d, "flex", "--namespace", ns, "--json").json()
            for c in doc["clusters"]:
                listed = [n["namespace"] for n in c["namespaces"]]
                if ns in listed:
                    continue
                n = len(listed) + 1
                self.assertEqual(c["selected_namespace"]["fair_share"], c["flex_pool"] // n)
                self.assertLessEqual(c["selected_namespace"]["fair_share"] * n, c["flex_pool"])
                self.assertFalse(c["selected_namespace"]["over_share"])
            # One that exists nowhere is a usage error (docs/cli.md), not a fair share.
            r = run("--source", d, "flex", "--namespace", "nobody-here", "--json")
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn('no job or quota access list names namespace "nobody-here"', r.err)

    def test_gpus_keeps_exactly_the_clusters_with_that_many_free(self):
        for d, _ in fleetgen.generated():
            everything = run("--source", d, "flex", "--json").json()["clusters"]
            for n in (1, 64, 200):
                for stable, key in ((False, "flex_free"), (True, "flex_stable_free")):
                    args = ["--source", d, "flex", "--gpus", str(n), "--json"] + (["--stable"] if stable else [])
                    got = [c["name"] for c in run(*args).json()["clusters"]]
                    self.assertEqual(sorted(got), sorted(c["name"] for c in everything if c[key] >= n), (d, n, key))

    def test_contiguous_matches_independent_island_blocks(self):
        for d, data in fleetgen.generated():
            blocks = fleetgen.island_blocks(data)
            prod = {c["name"] for c in data["clusters"] if c["state"] == "production"}
            best = max((v for (c, _), v in blocks.items() if c in prod), default=0)
            self.assertGreater(best, 0, d)
            r = run("--source", d, "flex", "--gpus", str(best), "--contiguous", "--json")
            got = {(i["cluster"], i["island"]): i["free_block"] for i in r.json()["islands"]}
            want = {k: v for k, v in blocks.items() if k[0] in prod and v >= best}
            self.assertEqual(got, want, d)
            r = run("--source", d, "flex", "--gpus", str(best + 1), "--contiguous")
            self.assertEqual(r.code, 0, r)
            self.assertTrue(r.out.startswith("No: no island has a free block of"), r.out)
            self.assertEqual(run("--source", d, "flex", "--gpus", str(best + 1), "--contiguous", "--json")
                             .json()["islands"], [])


if __name__ == "__main__":
    harness.main()
