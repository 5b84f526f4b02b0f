"""`overalloc report --summary` and `--compare-cuts` (issue 15): the leadership brief.
Every line reconciles (sources add up to the cut, phases to the whole), the running-work
figure is one number everywhere, and the figures agree with `overalloc report --json`."""
import unittest

import harness
from harness import DEMO, WORKED, run

LINE_KEYS = ("phase", "clusters", "quotas", "assigned", "cut", "cut_unbacked", "cut_from_unscheduled", "cut_from_idle",
             "cut_from_running", "jobs_preempted", "gpus_preempted", "gpus_preempted_beyond_cut")


def brief(source, *extra):
    r = run("--source", source, "overalloc", "report", "--summary", "--json", *extra)
    assert r.code == 0, r
    return r.json()


def report(source, *extra):
    r = run("--source", source, "overalloc", "report", "--json", *extra)
    assert r.code == 0, r
    return r.json()


class Summary(unittest.TestCase):
    def check_against_report(self, source, *extra):
        b, r = brief(source, *extra), report(source, *extra)
        self.assertEqual(b["schema"], "fleetcap.overalloc.summary/v1")
        self.assertEqual(b["cut_policy"], r["cut_policy"])
        s, t = r["summary"], b["total"]
        self.assertEqual(list(t), list(LINE_KEYS))
        self.assertEqual(b["clusters"], s["clusters"])
        self.assertEqual(b["clusters_over_target"], s["clusters_over_target"])
        for k in ("assigned", "cut", "cut_from_unscheduled", "cut_from_idle", "cut_from_running", "jobs_preempted",
                  "gpus_preempted"):
            self.assertEqual(t[k], s[k], k)
        phases = {p["phase"]: p for p in b["phases"]}
        self.assertEqual(sorted(phases), [1, 2, 3, 4])
        for p in ("2", "3", "4"):
            self.assertEqual(phases[int(p)]["cut"], s["cut_by_phase"][p])
        # Already unbacked, worked out independently: per cluster min(cut, max(0, assigned - healthy)).
        self.assertEqual(t["cut_unbacked"],
                         sum(min(c["cut"], max(0, c["assigned"] - c["healthy"])) for c in r["clusters"]))
        # Quotas and clusters per phase, from the report's own rows (it lists only quotas with a cut).
        for p in (2, 3, 4):
            self.assertEqual(phases[p]["quotas"], sum(1 for q in r["quotas"] if q["phase"] == p), p)
        for p in (1, 2, 3, 4):
            self.assertEqual(phases[p]["clusters"], sum(1 for c in r["clusters"] if c["phase"] == p), p)
        # Every line reconciles, and the phases add up to the whole.
        for line in b["phases"] + [t]:
            self.assertEqual(line["cut_from_unscheduled"] + line["cut_from_idle"] + line["cut_from_running"],
                             line["cut"], line)
            self.assertEqual(line["gpus_preempted"] - line["cut_from_running"], line["gpus_preempted_beyond_cut"])
            self.assertLessEqual(line["cut_unbacked"], line["cut"])
        for k in LINE_KEYS[1:]:
            self.assertEqual(sum(p[k] for p in b["phases"]), t[k], k)
        return b

    def test_demo_pro_rata(self):
        self.check_against_report(DEMO)

    def test_demo_least_disruptive_and_other_buffers(self):
        self.check_against_report(DEMO, "--cut", "least-disruptive")
        self.check_against_report(DEMO, "--buffer", "5%", "--buffer-for", "h100-uss-010=25%")

    def test_worked_example_by_hand(self):
        # docs/worked-example.md: tiger H 72, A 88, 15% buffer: target 61, cut 27 = pretrain 15 + evals 7 (phase 2)
        # + chat-tiger 5 (phase 4, j3's 16 GPUs preempted). Already unbacked min(27, 16) = 16,
        # split by cut 15:7:5 → 9, 4, 3.
        b = self.check_against_report(WORKED)
        t = b["total"]
        self.assertEqual((t["cut"], t["cut_unbacked"], t["cut_from_running"], t["jobs_preempted"],
                          t["gpus_preempted"], t["gpus_preempted_beyond_cut"]), (27, 16, 5, 1, 16, 11))
        phases = {p["phase"]: p for p in b["phases"]}
        self.assertEqual((phases[2]["cut"], phases[2]["cut_unbacked"]), (22, 13))
        self.assertEqual((phases[4]["cut"], phases[4]["cut_unbacked"]), (5, 3))
        self.assertEqual(b["text"], "1 of 2 clusters are over their target (50%); 27 of 136 assigned GPUs would be "
                                    "cut (19.9%), 16 of them already unbacked (no healthy GPU behind them). The cut "
                                    "is 22 GPUs of unscheduled quota, 0 from idle jobs and 5 from running jobs; "
                                    "covering those 5 preempts 1 job holding 16 GPUs, of which 11 stay in their quota")

    def test_one_screen_and_one_running_figure(self):
        r = run("--source", DEMO, "overalloc", "report", "--summary")
        self.assertEqual(r.code, 0, r)
        lines = r.out.splitlines()
        self.assertLessEqual(len(lines), 12, r.out)
        total = [line for line in lines if line.startswith("TOTAL")][0].split()
        s = report(DEMO)["summary"]
        running = str(s["cut_from_running"])
        # The running-work figure: the sentence's "N from running jobs", "covering those N", and
        # the TOTAL row's RUNNING column are the same number.
        self.assertIn(f"{running} from running jobs", r.out)
        self.assertIn(f"covering those {running} preempts", r.out)
        header = [line for line in lines if line.startswith("PHASE")][0].split()
        self.assertEqual(total[header.index("RUNNING")], running)
        self.assertEqual(total[header.index("CUT")], str(s["cut"]))
        self.assertEqual(total[header.index("JOBS-PREEMPTED")], str(s["jobs_preempted"]))

    def test_csv(self):
        r = run("--source", DEMO, "overalloc", "report", "--summary", "--format", "csv")
        self.assertEqual(r.code, 0, r)
        rows = [line.split(",") for line in r.out.splitlines()]
        self.assertEqual(rows[0], list(LINE_KEYS))
        b = brief(DEMO)
        self.assertEqual([[int(x) for x in row] for row in rows[1:]], [[p[k] for k in LINE_KEYS] for p in b["phases"]])


class CompareCuts(unittest.TestCase):
    def test_side_by_side_is_each_policys_brief(self):
        for extra in ([], ["--cut", "least-disruptive"], ["--buffer", "10%"]):
            r = run("--source", DEMO, "overalloc", "report", "--compare-cuts", "--json", *extra)
            self.assertEqual(r.code, 0, r)
            doc = r.json()
            self.assertEqual(doc["schema"], "fleetcap.overalloc.compare/v1")
            self.assertEqual([c["cut_policy"] for c in doc["cuts"]], ["pro-rata", "least-disruptive"])
            buffer = [a for a in extra if a.endswith("%")]
            for c in doc["cuts"]:
                want = brief(DEMO, "--cut", c["cut_policy"], *(["--buffer", buffer[0]] if buffer else []))
                for k in ("clusters", "clusters_over_target", "total", "phases", "text"):
                    self.assertEqual(c[k], want[k], (extra, c["cut_policy"], k))

    def test_table_and_csv(self):
        r = run("--source", DEMO, "overalloc", "report", "--compare-cuts")
        self.assertEqual(r.code, 0, r)
        self.assertIn("PRO-RATA", r.out)
        self.assertIn("LEAST-DISRUPTIVE", r.out)
        c = run("--source", DEMO, "overalloc", "report", "--compare-cuts", "--format", "csv")
        rows = {line.split(",")[0]: line.split(",")[1:] for line in c.out.splitlines()}
        self.assertEqual(rows["figure"], ["pro_rata", "least_disruptive"])
        pr, ld = brief(DEMO, "--cut", "pro-rata")["total"], brief(DEMO, "--cut", "least-disruptive")["total"]
        for k in ("cut", "cut_unbacked", "cut_from_unscheduled", "cut_from_idle", "cut_from_running", "jobs_preempted",
                  "gpus_preempted"):
            self.assertEqual(rows[k], [str(pr[k]), str(ld[k])], k)


if __name__ == "__main__":
    unittest.main()
