"""`fleetcap report --html FILE` (issue 15): one self-contained page whose every figure is the
one the --json outputs give. The page is loaded in a real browser (Debian's headless
`chromium`): no console errors, and the figures are read back out of the DOM the browser
built and compared with `capacity`, `overalloc report`, `overalloc sweep` and `maintenance
impact --json`. Without chromium the browser tests report skipped; the rest still runs on the
page's own text.

Screenshots at two widths, looked at by hand, are kept in tests/data/report-html/ (see the
README there for the command that makes them).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from html.parser import HTMLParser

import harness
from harness import DEMO, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Elements(HTMLParser):
    """Every element's tag, attributes and, for <script>, its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.scripts, self._script = [], {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag == "script":
            self._script = a.get("id", "")
            self.scripts[self._script] = ""

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[self._script] += data

    def with_class(self, cls):
        return [a for _, a in self.elements if cls in (a.get("class") or "").split()]


def parse(text):
    p = Elements()
    p.feed(text)
    p.close()
    return p


def chromium(*args, timeout=120):
    """Runs headless chromium with a throwaway profile; returns (stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="fleetcap-chromium-") as profile:
        p = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
                           capture_output=True, text=True, timeout=timeout, errors="replace")
    return p.stdout, p.stderr


def console_errors(stderr):
    """Console messages at warning level or worse, and uncaught script errors, as chromium logs them
    with --enable-logging=stderr (`...:ERROR:CONSOLE(1)] "Uncaught ..."`). D-Bus noise is not the page's."""
    return [line for line in stderr.splitlines() if re.search(r":(ERROR|WARNING|FATAL):CONSOLE", line)
            or "Uncaught" in line]


# data-* attributes that place an element rather than carry a field of its record.
LAYOUT = {"cluster", "kind", "steps", "figure", "value", "section", "chart", "key"}


def fields(attrs):
    """The data-* attributes of an element that carry its record's fields, as {json key: text}."""
    return {k[5:]: v for k, v in attrs.items() if k.startswith("data-") and k[5:] not in LAYOUT}


def as_attr(v):
    """A JSON value as a data-* attribute writes it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return " ".join(v)
    return str(v)


def flat(item, json_only=()):
    """A JSON object's flat fields (no nested objects, no nulls): what its element carries."""
    out = {k: as_attr(v) for k, v in item.items()
           if v is not None and not isinstance(v, dict) and k not in json_only
           and not (isinstance(v, list) and v and isinstance(v[0], dict))}
    for k, v in item.items():  # cut_by_phase: {"2": n, ...} is cut_phase_2 ... where it is flat
        if k == "cut_by_phase":
            out.update({f"cut_phase_{p}": str(n) for p, n in v.items()})
    return out


class ReportHtml(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-html-")
        cls.page = os.path.join(cls.tmp, "report.html")
        r = run("--source", DEMO, "report", "--html", cls.page)
        assert r.code == 0 and r.out == "", r
        with open(cls.page, encoding="utf-8") as f:
            cls.text = f.read()
        cls.json = {name: run("--source", DEMO, *argv, "--json").json() for name, argv in {
            "capacity": ["capacity"],
            "overalloc-report": ["overalloc", "report"],
            "overalloc-sweep": ["overalloc", "sweep"],
            "maintenance-impact": ["maintenance", "impact"],
        }.items()}
        cls.dom = None
        if CHROMIUM:
            out, err = chromium("--dump-dom", "file://" + cls.page)
            cls.dom, cls.dom_stderr = out, err

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_figures(self, doc):
        """Every drawn figure of the page `doc` (parsed) against the --json documents: each element
        carries every flat field of its record (render/columns.hpp, html_data), as the JSON has it."""
        cap = {c["name"]: c for c in self.json["capacity"]["clusters"]}
        rows = doc.with_class("cap-row")
        self.assertEqual([a["data-cluster"] for a in rows], list(cap))
        for a in rows:
            self.assertEqual(fields(a), flat(cap[a["data-cluster"]], json_only={"buffer"}), a["data-cluster"])
        totals = {a["data-key"]: int(text) for (tag, a), text in self._dd_texts(doc)}
        self.assertEqual(totals, {k: v for k, v in self.json["capacity"]["totals"].items() if k != "buffer"})

        sweep = self.json["overalloc-sweep"]["buffers"]
        points = [fields(a) for a in doc.with_class("sweep-point")]
        self.assertEqual(points, [flat(b) for b in sweep])
        table = [fields(a) for tag, a in doc.elements if tag == "tr" and "data-buffer_bp" in a]
        self.assertEqual(table, [flat(b) for b in sweep])

        report = self.json["overalloc-report"]
        for kind, items, json_only in (("cluster", report["clusters"], ()), ("tree", report["trees"], ("idle",))):
            drawn = {a["data-name"]: fields(a) for a in doc.with_class("cut-row") if a["data-kind"] == kind}
            cut = {x["name"]: flat(x, json_only) for x in items if x["cut"] > 0}
            self.assertEqual(drawn, cut, kind)
            self.assertTrue(drawn, f"no {kind} is drawn")
        summary = [a for _, a in doc.elements if a.get("data-section") == "overalloc-summary"][0]
        want = flat(report["summary"], json_only={"text"})
        self.assertEqual({k: v for k, v in fields(summary).items() if k != "buffer_bp"}, want)
        self.assertEqual(int(summary["data-buffer_bp"]), report["buffer"]["bp"])

        impact = {c["name"]: c for c in self.json["maintenance-impact"]["clusters"]}
        cards = doc.with_class("impact")
        self.assertEqual([a["data-cluster"] for a in cards], list(impact))
        for a in cards:
            c = impact[a["data-cluster"]]
            self.assertEqual(fields(a), flat(c), a["data-cluster"])
            steps = [s.split("=") for s in a["data-steps"].split()]
            self.assertEqual([(t, int(h)) for t, h in steps], [(s["at"], s["healthy"]) for s in c["steps"]])

    @staticmethod
    def _dd_texts(doc):
        """(element, text) of the capacity totals tiles."""
        out = []

        class P(HTMLParser):
            def __init__(self):
                super().__init__()
                self.cur = None

            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                self.cur = (tag, a) if tag == "dd" and "data-key" in a else None

            def handle_data(self, data):
                if self.cur:
                    out.append((self.cur, data))
                    self.cur = None

        P().feed(doc.source)
        return out

    def doc(self, text):
        d = parse(text)
        d.source = text
        return d

    def test_figures_in_the_page_match_the_json(self):
        self.check_figures(self.doc(self.text))

    def test_embedded_json_is_each_commands_json(self):
        d = self.doc(self.text)
        for name, want in self.json.items():
            got = json.loads(d.scripts["fleetcap-" + name])
            self.assertEqual(harness.without_run_times(got), harness.without_run_times(want), name)

    def test_self_contained(self):
        d = self.doc(self.text)
        for tag, a in d.elements:
            self.assertNotIn("src", a, tag)
            if "href" in a:
                self.assertTrue(a["href"].startswith("data:"), a)
            if tag == "script":
                self.assertEqual(a.get("type"), "application/json", "a script that runs")
        self.assertNotRegex(self.text, r"@import|url\(|https?://(?!www\.w3\.org/2000/svg)")

    def test_a_name_cannot_break_out_of_the_page(self):
        """A cluster named with markup is escaped in text and attributes, and in the JSON scripts."""
        src = os.path.join(self.tmp, "fleet")
        shutil.copytree(DEMO, src)
        evil = 'h100-uss-010</script><img src=x onerror="alert(1)">'
        for name in ("clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"):
            path = os.path.join(src, name + ".json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text.replace('"h100-uss-010"', json.dumps(evil)))
        r = run("--source", src, "report", "--html", "-")
        self.assertEqual(r.code, 0, r)
        d = self.doc(r.out)
        self.assertFalse([a for tag, a in d.elements if tag == "img"])
        self.assertIn(evil, [a.get("data-cluster") for a in d.with_class("cap-row")])
        self.assertEqual(json.loads(d.scripts["fleetcap-capacity"])["clusters"][-1]["name"], evil)

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps installs it)")
    def test_browser_loads_it_without_console_errors(self):
        self.assertIn("cap-row", self.dom)
        self.assertEqual(console_errors(self.dom_stderr), [])

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps installs it)")
    def test_console_errors_are_seen(self):
        """The check above can fail: a page with a script error is caught by the same check."""
        bad = os.path.join(self.tmp, "bad.html")
        with open(bad, "w") as f:
            f.write("<!DOCTYPE html><html><body><p>x</p><script>nosuchfunction();</script></body></html>")
        _, err = chromium("--dump-dom", "file://" + bad)
        self.assertTrue(console_errors(err), err[-2000:])

    @unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps installs it)")
    def test_figures_read_from_the_browsers_dom_match_the_json(self):
        self.check_figures(self.doc(self.dom))

    def test_errors(self):
        r = run("--source", DEMO, "report")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn("--html", r.err)
        r = run("--source", DEMO, "report", "--html", os.path.join(self.tmp, "no", "such", "dir", "r.html"))
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("cannot write --html", r.err)
        r = run("--source", DEMO, "report", "--html", "-", "--buffer", "15%%")
        self.assertEqual((r.code, r.out), (2, ""), r)
        r = run("--source", DEMO, "report", "--html", "-", "--window", "2")
        self.assertEqual((r.code, r.out), (2, ""), r)

    def test_special_files_are_written_in_place(self):
        """--html /dev/null writes to the device; it must not rename a regular file over it."""
        r = run("--source", DEMO, "report", "--html", "/dev/null")
        self.assertEqual((r.code, r.out), (0, ""), r)
        self.assertFalse(os.path.isfile("/dev/null"))
        self.assertFalse(os.path.exists("/dev/null.tmp"))

    def test_options_reach_the_figures(self):
        r = run("--source", DEMO, "report", "--html", "-", "--buffer", "10%", "--cut", "least-disruptive",
                "--from", "0%", "--to", "30%", "--step", "10%", "--window", "7d")
        self.assertEqual(r.code, 0, r)
        d = self.doc(r.out)
        want = run("--source", DEMO, "overalloc", "report", "--buffer", "10%", "--cut", "least-disruptive",
                   "--json").json()
        got = json.loads(d.scripts["fleetcap-overalloc-report"])
        self.assertEqual(got["clusters"], want["clusters"])
        self.assertEqual([int(a["data-buffer_bp"]) for a in d.with_class("sweep-point")], [0, 1000, 2000, 3000])
        self.assertEqual(json.loads(d.scripts["fleetcap-maintenance-impact"])["window"], "7d")


if __name__ == "__main__":
    unittest.main()
