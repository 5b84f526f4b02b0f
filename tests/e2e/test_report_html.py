"""`fleetcap report --html FILE` (issue 15): one self-contained page whose every figure is the
one the --json outputs give. The page is loaded in a real browser (Debian's headless
`chromium`): no console errors, and the figures are read back out of the DOM the browser
built and compared with `capacity`, `overalloc report`, `overalloc sweep` and `maintenance
impact --json`. Without chromium the browser tests report skipped; the rest still runs on the
page's own text.

The page is for a phone as much as a desk (issue 24): at 1280, 768 and 480 px the browser
shows no horizontal overflow and no text under 11 px (a probe script added to a copy of the
page measures what Chromium laid out), it honours prefers-color-scheme: dark and prints on A4.
Screenshots at the three widths, looked at by hand, are kept in tests/data/report-html/ (see
the README there for the commands that make them).
"""
import html
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
            "maintenance-list": ["maintenance", "list"],
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
        totals = {a["data-key"]: int(text.replace(",", "")) for (tag, a), text in self._dd_texts(doc)}
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

        self.check_headline(doc)
        self.check_events(doc)

        impact = {c["name"]: c for c in self.json["maintenance-impact"]["clusters"]}
        cards = doc.with_class("impact")
        self.assertEqual([a["data-cluster"] for a in cards], list(impact))
        for a in cards:
            c = impact[a["data-cluster"]]
            self.assertEqual(fields(a), flat(c), a["data-cluster"])
            steps = [s.split("=") for s in a["data-steps"].split()]
            self.assertEqual([(t, int(h)) for t, h in steps], [(s["at"], s["healthy"]) for s in c["steps"]])

    def check_headline(self, doc):
        """The headline figures: each names the --json document and key it shows, and shows it."""
        heads = [a for _, a in doc.elements if "data-doc" in a]
        self.assertEqual(len(heads), 4)
        for a in heads:
            value = self.json[a["data-doc"]]
            for key in a["data-path"].split("."):
                value = value[key]
            self.assertEqual(int(a["data-value"]), value, a)
        shown = re.findall(r'data-path="([^"]+)" data-value="[^"]*"><dt>[^<]*</dt><dd>([\d,]+)', doc.source)
        self.assertEqual(len(shown), 4)
        for path, text in shown:
            head = [a for a in heads if a["data-path"] == path][0]
            self.assertEqual(text.replace(",", ""), head["data-value"])
        # The sentence says what the JSON says, in the same words each time.
        report = self.json["overalloc-report"]
        s = report["summary"]
        cap = self.json["capacity"]
        unbacked = [c for c in cap["clusters"] if c["unbacked"] > 0]
        teams = [t for t in report["trees"]]
        phases = sum(1 for p, n in s["cut_by_phase"].items() if n > 0)
        answer = re.search(r'<p class="answer" data-section="answer">([^<]*)</p>', doc.source).group(1)
        want = (f"{len(unbacked)} of {len(cap['clusters'])} clusters promise more quota than they have healthy "
                f"GPUs: {cap['totals']['unbacked']:,} GPUs of quota are unbacked. A {report['buffer']['bp'] // 100}% "
                f"quota buffer puts {s['clusters_over_target']} of {s['clusters']} clusters over their target; "
                f"bringing them back would cut {s['cut']:,} of {s['assigned']:,} assigned GPUs")
        self.assertTrue(html.unescape(answer).startswith(want), (answer, want))
        self.assertIn(f"from {sum(1 for t in teams if t['cut'] > 0)} of {len(teams)} teams, in {phases} rollout "
                      f"phase", answer)

    def check_events(self, doc):
        """Each impact card lists its cluster's events (start, end, GPUs) as maintenance list has them."""
        events = [e for e in self.json["maintenance-list"]["events"]]
        listed = [{k: a[f"data-{k}"] for k in ("id", "start", "end", "gpus")}
                  for tag, a in doc.elements if tag == "li" and "data-id" in a]
        want = []
        for card in doc.with_class("impact"):
            want += [{"id": e["id"], "start": e["start"], "end": e["end"], "gpus": str(e["gpus"])}
                     for e in events if e["cluster"] == card["data-cluster"]][:8]
        self.assertTrue(listed, "no event is listed")
        self.assertEqual(listed, want)

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


# Added to a copy of the page: what Chromium laid out, posted to the frame around it (which puts
# it in the DOM that --dump-dom prints). The page is shown in an <iframe> of the width asked:
# headless Chromium's window is never narrower than 500 px, a frame is.
# Text is measured as drawn: an SVG <text> at font-size 12 in a chart scaled to 40% is 4.8 px.
PROBE = """<script>
(function () {
  const small = [], outside = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("script,style,title")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > innerWidth + 0.5 || r.left < -0.5)
      outside.push(el.tagName + "." + el.getAttribute("class") + " " + Math.round(r.left) + ".." + Math.round(r.right));
    const s = getComputedStyle(el);
    if ((s.overflowX === "auto" || s.overflowX === "scroll") && el.scrollWidth > el.clientWidth)
      outside.push("scrolls sideways: " + el.tagName + "." + el.getAttribute("class"));
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join("");
    let size = parseFloat(s.fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) { const m = el.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    if (text && size < 11) small.push(el.tagName + " " + size.toFixed(1) + "px: " + text.slice(0, 40));
  }
  parent.postMessage(JSON.stringify({
    innerWidth, scrollWidth: document.documentElement.scrollWidth, small, outside: outside.slice(0, 20),
    background: getComputedStyle(document.body).backgroundColor}), "*");
})();
</script>"""


def probe(page_text, width, *flags, tmp):
    """Loads the page with PROBE at `width` px; returns what the probe measured."""
    inner, outer = os.path.join(tmp, f"page-{width}.html"), os.path.join(tmp, f"frame-{width}.html")
    with open(inner, "w", encoding="utf-8") as f:
        f.write(page_text.replace("</body>", PROBE + "</body>"))
    with open(outer, "w", encoding="utf-8") as f:
        f.write('<!DOCTYPE html><html><body style="margin:0"><script>addEventListener("message", '
                'e => document.body.setAttribute("data-probe", e.data))</script>'
                f'<iframe src="{os.path.basename(inner)}" style="width:{width}px;height:1000px;border:0"></iframe>'
                '</body></html>')
    out, err = chromium(f"--window-size={width + 100},1100", *flags, "--dump-dom", "file://" + outer)
    m = re.search(r'data-probe="([^"]*)"', out)
    assert m, err[-2000:]
    return json.loads(html.unescape(m.group(1)))


@unittest.skipUnless(CHROMIUM, "chromium is not installed (scripts/install-deps installs it)")
class PhoneLayout(unittest.TestCase):
    """The page as Chromium lays it out at a desk, a tablet and a phone (issue 24)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fleetcap-layout-")
        r = run("--source", DEMO, "report", "--html", "-")
        assert r.code == 0, r
        cls.text = r.out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_no_overflow_and_no_tiny_text_at_three_widths(self):
        for width in (1280, 768, 480):
            with self.subTest(width=width):
                m = probe(self.text, width, tmp=self.tmp)
                self.assertEqual(m["innerWidth"], width)
                self.assertLessEqual(m["scrollWidth"], m["innerWidth"], m["outside"])
                self.assertEqual(m["outside"], [])
                self.assertEqual(m["small"], [])

    def test_the_probe_sees_overflow_and_tiny_text(self):
        """The checks above can fail: a fixed-width chart and 5 px labels are caught at 480 px."""
        bad = ('<!DOCTYPE html><html><body><div style="overflow-x:auto"><svg viewBox="0 0 1000 50" '
               'style="width:640px"><text x="0" y="20" style="font-size:12px">label</text></svg></div>'
               '<svg viewBox="0 0 1000 50" style="width:400px"><text x="0" y="20">1856 h</text></svg>'
               '<p style="font-size:8px">tiny</p><div style="width:700px">wide</div></body></html>')
        m = probe(bad, 480, tmp=self.tmp)
        self.assertGreater(m["scrollWidth"], m["innerWidth"])
        self.assertTrue(any(s.startswith("scrolls sideways") for s in m["outside"]), m)
        self.assertEqual(sorted(s.split()[0] for s in m["small"]), ["P", "text", "text"], m)

    def test_dark_scheme_is_honoured(self):
        light = probe(self.text, 768, tmp=self.tmp)["background"]
        dark = probe(self.text, 768, "--force-dark-mode", "--blink-settings=preferredColorScheme=0",
                     tmp=self.tmp)["background"]
        self.assertEqual(light, "rgb(255, 255, 255)")
        self.assertNotEqual(dark, light)

    def test_prints_on_a4(self):
        page = os.path.join(self.tmp, "print.html")
        pdf = os.path.join(self.tmp, "report.pdf")
        with open(page, "w", encoding="utf-8") as f:
            f.write(self.text)
        chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", "file://" + page)
        with open(pdf, "rb") as f:
            data = f.read()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
        self.assertTrue(boxes, "no page in the PDF")
        for w, h in boxes:  # A4 is 595.28 x 841.89 points
            self.assertAlmostEqual(float(w), 595.3, delta=1.5)
            self.assertAlmostEqual(float(h), 841.9, delta=1.5)


if __name__ == "__main__":
    unittest.main()
