"""`--format prometheus` (issue 15): capacity, quota and overalloc report figures as Prometheus
text exposition. Checked by `promtool check metrics` (Debian's `prometheus` package; skipped
without it), parsed back and compared value by value with the --json output, and every
metric name is documented in docs/prometheus.md."""
import os
import re
import shutil
import subprocess
import unittest

import harness
from harness import DEMO, ROOT, run

PROMTOOL = shutil.which("promtool")
DOC = os.path.join(ROOT, "docs", "prometheus.md")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{metric name: {frozenset(labels.items()): value}} and the HELP/TYPE lines seen."""
    samples, helps, types = {}, {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, h = line[7:].partition(" ")
            helps[name] = h
        elif line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            types[name] = t
        else:
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                      for k, v in LABEL.findall(m.group(2) or "")}
            samples.setdefault(m.group(1), {})[frozenset(labels.items())] = float(m.group(3))
    return samples, helps, types


def prom(*argv):
    r = run("--source", DEMO, "--format", "prometheus", *argv)
    assert r.code == 0 and r.err == "", r
    return r.out


def value(samples, name, **labels):
    return samples[name][frozenset(labels.items())]


class Prometheus(unittest.TestCase):
    COMMANDS = (["capacity"], ["capacity", "--by", "region"], ["quota"], ["overalloc", "report"],
                ["overalloc", "report", "--cut", "least-disruptive", "--buffer", "10%"])

    @unittest.skipUnless(PROMTOOL, "promtool is not installed (Debian's prometheus package; scripts/install-deps)")
    def test_promtool_accepts_every_output(self):
        for argv in self.COMMANDS:
            p = subprocess.run([PROMTOOL, "check", "metrics"], input=prom(*argv), capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), argv)

    @unittest.skipUnless(PROMTOOL, "promtool is not installed (Debian's prometheus package; scripts/install-deps)")
    def test_promtool_check_can_fail(self):
        bad = "# TYPE fleetcap_x_gpus counter\nfleetcap_x_gpus 1\n"  # a counter without _total
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=bad, capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)

    def test_every_family_has_help_and_type_and_the_prefix(self):
        for argv in self.COMMANDS:
            samples, helps, types = parse(prom(*argv))
            self.assertTrue(samples)
            for name in samples:
                self.assertTrue(name.startswith("fleetcap_"), name)
                self.assertIn(name, helps)
                self.assertEqual(types.get(name), "gauge", name)

    def test_capacity_values_are_the_json(self):
        samples, _, _ = parse(prom("capacity"))
        doc = run("--source", DEMO, "capacity", "--json").json()
        # Every figure of the totals, but `buffer`: v1's name of headroom, kept in JSON only.
        keys = [k for k, v in doc["totals"].items() if isinstance(v, int) and k != "buffer"]
        self.assertEqual(len(keys), 12)
        self.assertNotIn("fleetcap_capacity_buffer_gpus", samples)
        for c in doc["clusters"]:
            labels = {k: c[k] for k in ("region", "sku", "provider", "state")}
            for k in keys:
                self.assertEqual(value(samples, f"fleetcap_capacity_{k}_gpus", cluster=c["name"], **labels), c[k],
                                 (c["name"], k))
        self.assertEqual(samples["fleetcap_figures_at_timestamp_seconds"],
                         {frozenset({("command", "capacity")}): 1795176000.0})  # 2026-11-20T12:00:00Z

    def test_capacity_by_group(self):
        samples, _, _ = parse(prom("capacity", "--by", "sku"))
        doc = run("--source", DEMO, "capacity", "--by", "sku", "--json").json()
        for g in doc["groups"]:
            self.assertEqual(value(samples, "fleetcap_capacity_unbacked_gpus", sku=g["key"]), g["unbacked"])
            self.assertEqual(value(samples, "fleetcap_capacity_healthy_gpus", sku=g["key"]), g["healthy"])

    def test_quota_values_are_the_json(self):
        samples, _, _ = parse(prom("quota"))
        doc = run("--source", DEMO, "quota", "--json").json()
        leaves = [q for q in doc["quotas"] if q.get("cluster")]
        self.assertTrue(leaves)
        self.assertEqual(len(samples["fleetcap_quota_assigned_gpus"]), len(leaves))
        clusters = {c["name"]: c for c in run("--source", DEMO, "capacity", "--json").json()["clusters"]}
        for q in leaves:
            c = clusters[q["cluster"]]
            labels = dict(quota=q["name"], tree=q["tree"], cluster=q["cluster"], region=c["region"], sku=c["sku"],
                          provider=c["provider"])
            for k in ("assigned", "used", "free", "borrowed", "borrowable", "available", "unbacked"):
                self.assertEqual(value(samples, f"fleetcap_quota_{k}_gpus", **labels), q[k], (q["name"], k))

    def test_overalloc_values_are_the_json(self):
        for extra in ([], ["--cut", "least-disruptive", "--buffer", "10%"]):
            samples, _, _ = parse(prom("overalloc", "report", *extra))
            doc = run("--source", DEMO, "overalloc", "report", *extra, "--json").json()
            self.assertEqual(value(samples, "fleetcap_overalloc_info", cut_policy=doc["cut_policy"]), 1)
            for c in doc["clusters"]:
                labels = {"cluster": c["name"]}
                get = lambda name: [v for ls, v in samples[name].items() if ("cluster", c["name"]) in ls][0]
                for k in ("reference", "target", "assigned", "cut", "cut_from_unscheduled", "cut_from_idle",
                          "cut_from_running"):
                    self.assertEqual(get(f"fleetcap_overalloc_cluster_{k}_gpus"), c[k], (labels, k))
                self.assertEqual(get("fleetcap_overalloc_cluster_phase"), c["phase"])
                self.assertEqual(get("fleetcap_overalloc_cluster_preempted_jobs"), c["jobs_preempted"])
                self.assertEqual(get("fleetcap_overalloc_cluster_preempted_gpus"), c["gpus_preempted"])
                self.assertEqual(get("fleetcap_overalloc_cluster_buffer_ratio"), c["buffer_bp"] / 10000)
            for q in doc["quotas"]:
                labels = dict(quota=q["name"], tree=q["tree"], cluster=q["cluster"])
                for k in ("assigned", "free", "idle", "cut", "cut_from_unscheduled", "cut_from_idle",
                          "cut_from_running"):
                    self.assertEqual(value(samples, f"fleetcap_overalloc_quota_{k}_gpus", **labels), q[k])
                self.assertEqual(value(samples, "fleetcap_overalloc_quota_phase", **labels), q["phase"])
                self.assertEqual(value(samples, "fleetcap_overalloc_quota_preempted_jobs", **labels),
                                 q["jobs_preempted"])
            s = doc["summary"]
            for k, name in (("clusters", "clusters"), ("clusters_over_target", "clusters_over_target"),
                            ("assigned", "assigned_gpus"), ("cut", "cut_gpus"),
                            ("cut_from_unscheduled", "cut_from_unscheduled_gpus"),
                            ("cut_from_idle", "cut_from_idle_gpus"), ("cut_from_running", "cut_from_running_gpus"),
                            ("quotas_affected", "quotas_affected"), ("jobs_preempted", "preempted_jobs"),
                            ("gpus_preempted", "preempted_gpus")):
                self.assertEqual(value(samples, f"fleetcap_overalloc_{name}"), s[k], k)
            for p in ("2", "3", "4"):
                self.assertEqual(value(samples, "fleetcap_overalloc_cut_by_phase_gpus", phase=p), s["cut_by_phase"][p])

    def test_every_metric_and_label_is_documented(self):
        with open(DOC, encoding="utf-8") as f:
            doc = f.read()
        for argv in self.COMMANDS:
            samples, _, _ = parse(prom(*argv))
            for name, series in samples.items():
                self.assertIn(f"`{name}`", doc, name)
                for labels in series:
                    for k, _ in labels:
                        self.assertIn(f"`{k}`", doc, (name, k))

    def test_other_commands_refuse_it(self):
        for argv in (["flex"], ["overalloc", "sweep"], ["maintenance", "list"], ["quota", "show", "chat"]):
            r = run("--source", DEMO, "-o", "prometheus", *argv)
            self.assertEqual((r.code, r.out), (2, ""), r)
            self.assertIn("-o prometheus is for capacity, quota and overalloc report", r.err)

    def test_o_prometheus_is_format_prometheus(self):
        self.assertEqual(run("--source", DEMO, "capacity", "-o", "prometheus").out, prom("capacity"))

    def test_with_json_is_a_usage_error(self):
        r = run("--source", DEMO, "--format", "prometheus", "capacity", "--json")
        self.assertEqual((r.code, r.out), (2, ""), r)


if __name__ == "__main__":
    unittest.main()
