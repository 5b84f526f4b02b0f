"""Help, man page and completions against the one command registry (`fleetcap __commands`);
nothing here lists commands or options by hand, so it holds as commands are added. And the
documentation: every link between the repository's Markdown files resolves (anchors too),
docs/README.md lists every page, and every `$ fleetcap --source examples/...` block in docs/
prints what the page says."""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

import harness
from harness import ROOT, run

MAN = os.path.join(ROOT, "man", "fleetcap.1")
SKIPPED_OPTIONS = {"-h", "--help", "--version"}


def registry():
    r = run("__commands")
    assert r.code == 0, r
    return json.loads(r.out)


def visible_commands(node, path=()):
    """(path, command) for every visible command, depth first."""
    for sub in node["commands"]:
        if sub["hidden"]:
            continue
        yield path + (sub["name"],), sub
        yield from visible_commands(sub, path + (sub["name"],))


def man_text():
    with open(MAN, encoding="utf-8") as f:
        return f.read()


def unescaped(text):
    """The man source with roff's escapes for '-' undone and font changes removed."""
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\(em", "-")


def mentions(text, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def legend_tool():
    """scripts/gen-man-legends as a module: the man page's COLUMNS section is what it writes."""
    import importlib.machinery
    import importlib.util
    path = os.path.join(ROOT, "scripts", "gen-man-legends")
    loader = importlib.machinery.SourceFileLoader("gen_man_legends", path)
    spec = importlib.util.spec_from_loader("gen_man_legends", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def help_legend(text):
    """[(heading, [(header, unit, meaning)])] from the end of a command's --help (not on a
    terminal, so not wrapped): "Columns..." lines, then "  HEADER  UNIT  meaning" lines."""
    out = []
    for line in text.split("\nGlobal options", 1)[0].splitlines():
        if line.startswith("Columns"):
            out.append((line, []))
        elif out and line.startswith("  "):
            header, unit, meaning = re.split(r" {2,}", line.strip(), maxsplit=2)
            out[-1][1].append((header, unit, meaning))
    return out


def man_legends():
    """{command: [(heading, [(header, unit, meaning)])]} from the man page's COLUMNS section."""
    text = man_text()
    tool = legend_tool()
    block = text[text.index(tool.BEGIN):text.index(tool.END)]
    plain = lambda s: s.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")
    out, command, lines = {}, None, block.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SS "):
            command = plain(line[4:].strip('"'))
            out[command] = []
        elif line == ".PP" and command:
            out[command].append((plain(lines[i + 1]), []))
        elif line == ".TP":
            tag = re.fullmatch(r"\\fB(.*)\\fR \((.*)\)", lines[i + 1])
            out[command][-1][1].append((plain(tag.group(1)), plain(tag.group(2)), plain(lines[i + 2])))
    return out


class ColumnLegends(unittest.TestCase):
    """Each command's --help ends with a legend of its columns made from the column lists
    (src/render: Column::meaning, Column::unit); the man page's COLUMNS section is written from
    the same lists by scripts/gen-man-legends (docs/output.md, "Column legends")."""

    def test_every_listed_column_has_a_meaning_and_a_unit(self):
        tool = legend_tool()
        commands = list(tool.legends(registry()))
        self.assertGreaterEqual(len(commands), 12)
        for name, legend in commands:
            for table in legend:
                for c in table["columns"]:
                    with self.subTest(command=name, column=c["header"]):
                        self.assertTrue(c["meaning"], "no meaning")
                        self.assertTrue(c["unit"], "no unit")

    def test_man_page_columns_are_what_the_generator_writes_now(self):
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "fleetcap.1")
            with open(copy, "w") as f:
                f.write(man_text())
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-man-legends"), harness.BINARY, copy],
                           check=True)
            with open(copy) as f:
                self.assertEqual(f.read(), man_text(),
                                 "man/fleetcap.1 COLUMNS is stale: run scripts/gen-man-legends build/fleetcap")

    def test_help_and_man_page_say_the_same(self):
        man = man_legends()
        seen = set()
        for path, command in visible_commands(registry()):
            name = "flex" if path == ("capacity", "flex") else " ".join(path)
            r = run(*path, "--help")
            self.assertEqual(r.code, 0, r)
            legend = help_legend(r.out)
            with self.subTest(command=" ".join(path)):
                if not command.get("legend"):
                    self.assertEqual(legend, [], "a legend without a table")
                    continue
                self.assertIn(name, man, "no COLUMNS subsection in the man page")
                self.assertEqual(legend, man[name])
                seen.add(name)
        self.assertEqual(seen, set(man), "the man page explains a command that has no legend")

    def test_man_page_lists_every_column_of_every_legend(self):
        """Both readings find every column: neither side can match the other by finding none."""
        expected = sum(len(t["columns"]) for _, legend in legend_tool().legends(registry()) for t in legend)
        found = sum(len(columns) for legend in man_legends().values() for _, columns in legend)
        self.assertGreater(expected, 250)
        self.assertEqual(found, expected)


class ManPage(unittest.TestCase):
    def test_renders_without_warnings(self):
        p = subprocess.run(["groff", "-man", "-ww", "-Tutf8", MAN], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stderr, "")
        self.assertIn("fleetcap", p.stdout)

    def test_sections(self):
        headings = re.findall(r'^\.SH "?([^"\n]+)"?$', man_text(), re.M)
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ENVIRONMENT", "FILES",
                        "EXIT STATUS", "JSON OUTPUT", "EXAMPLES"):
            self.assertIn(section, headings)

    def test_every_command_is_documented(self):
        text = unescaped(man_text())
        subsections = [s.strip('"') for s in re.findall(r"^\.SS (.+)$", text, re.M)]
        for path, _ in visible_commands(registry()):
            name = " ".join(path)
            if len(path) == 1:  # every top-level command has its own subsection under COMMANDS
                self.assertTrue(any(s == name or s.startswith(name + " ") for s in subsections),
                                f"no .SS for {name!r} in {subsections}")
            else:
                self.assertTrue(mentions(text, name), f"{name!r} is not in the man page")

    def test_every_option_is_documented(self):
        text = unescaped(man_text())
        missing = []
        for path, command in [((), registry())] + list(visible_commands(registry())):
            for option in command["options"]:
                for name in option.get("names", []):
                    if name not in SKIPPED_OPTIONS and not mentions(text, name):
                        missing.append((" ".join(path) or "fleetcap", name))
        self.assertEqual(missing, [])

    def test_every_documented_option_exists(self):
        known = set(SKIPPED_OPTIONS)
        for _, command in [((), registry())] + list(visible_commands(registry())):
            for option in command["options"]:
                known.update(option.get("names", []))
        documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", unescaped(man_text())))
        self.assertEqual(sorted(documented - known), [])

    def test_man_escapes_every_dash_of_an_option(self):
        # groff turns a bare "-" into a hyphen, which breaks copy-paste and searching.
        for line in man_text().splitlines():
            if line.startswith('.\\"'):
                continue
            self.assertNotRegex(line, r"(?<![\\\w])--?[a-z]", line)


class Help(unittest.TestCase):
    def test_top_level_help_names_every_visible_command(self):
        r = run("--help")
        self.assertEqual((r.code, r.err), (0, ""), r)
        block = r.out.split("Subcommands:", 1)[1].split("\n\n", 1)[0]
        listed = re.findall(r"^  (\S+)", block, re.M)
        top = [path[0] for path, _ in visible_commands(registry()) if len(path) == 1]
        self.assertEqual(sorted(listed), sorted(top))
        self.assertNotIn("__commands", r.out)
        self.assertNotIn("__complete", r.out)

    def test_every_command_has_help(self):
        for path, command in visible_commands(registry()):
            with self.subTest(command=" ".join(path)):
                self.assertTrue(command["help"], path)
                r = run(*path, "--help")
                self.assertEqual((r.code, r.err), (0, ""), r)
                self.assertIn("Usage: fleetcap " + " ".join(path), r.out)
                for option in command["options"]:
                    self.assertTrue(option["help"], option)
                    for name in option.get("names", []):
                        self.assertIn(name, r.out)
                # A command that runs (no subcommands) shows examples of itself, not fleetcap's.
                leaf = not any(not c["hidden"] for c in command["commands"])
                if not leaf and "Examples:" not in r.out:
                    continue
                self.assertIn("Examples:", r.out)
                examples = r.out.split("Examples:", 1)[1].strip("\n").split("\n\n", 1)[0].splitlines()
                self.assertTrue(examples)
                for line in examples:
                    self.assertTrue(line.startswith("  fleetcap "), line)
                # (An alias such as "capacity flex" may show the examples of "flex".)
                self.assertTrue(any(mentions(line, path[-1]) for line in examples), examples)

    def test_version(self):
        r = run("--version")
        self.assertEqual((r.code, r.err), (0, ""), r)
        self.assertRegex(r.out, r"^fleetcap \d+\.\d+\.\d+\n$")
        self.assertEqual(run("version").out, r.out)
        self.assertRegex(run("version", "--json").json()["version"], r"^\d+\.\d+\.\d+$")


class Completions(unittest.TestCase):
    def test_completions_are_what_the_generator_writes_now(self):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-completions"), harness.BINARY, out],
                           check=True, env=harness.clean_env())
            for name in ("fleetcap.bash", "_fleetcap", "fleetcap.fish"):
                with open(os.path.join(out, name)) as f:
                    fresh = f.read()
                with open(os.path.join(ROOT, "completions", name)) as f:
                    committed = f.read()
                self.assertEqual(committed, fresh,
                                 f"completions/{name} is stale: run scripts/gen-completions build/fleetcap")

    def test_completions_name_every_command_and_option(self):
        for name in ("fleetcap.bash", "_fleetcap", "fleetcap.fish"):
            with open(os.path.join(ROOT, "completions", name)) as f:
                text = f.read()
            for path, command in visible_commands(registry()):
                self.assertTrue(mentions(text, path[-1]), (name, path))
                for option in command["options"]:
                    for opt in option.get("names", []):
                        if opt in SKIPPED_OPTIONS:
                            continue
                        word = opt.lstrip("-") if name == "fleetcap.fish" else opt
                        self.assertTrue(mentions(text, word), (name, opt))

    def test_bash_completion_loads(self):
        script = (f"source {os.path.join(ROOT, 'completions', 'fleetcap.bash')}; "
                  "COMP_WORDS=(fleetcap cap); COMP_CWORD=1; _fleetcap; echo \"${COMPREPLY[@]}\"")
        p = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""), p)
        self.assertEqual(p.stdout.split(), ["capacity"])

    def test_bash_completes_columns_and_islands(self):
        """--sort and --columns offer the columns of the command on the line, --island the islands
        and --partition the partitions of the --source on the line (issue 24), through the real
        binary."""
        binary_dir = os.path.dirname(os.environ.get("FLEETCAP_BINARY") or os.path.join(ROOT, "build", "fleetcap"))
        demo = os.path.join(ROOT, "examples", "fleet", "demo")

        def complete(*words):
            script = (f"source {os.path.join(ROOT, 'completions', 'fleetcap.bash')}; "
                      f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; _fleetcap; "
                      "echo \"${COMPREPLY[@]}\"")
            env = dict(os.environ, PATH=os.path.abspath(binary_dir) + os.pathsep + os.environ["PATH"])
            p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
            self.assertEqual((p.returncode, p.stderr), (0, ""), p)
            return p.stdout.split()

        self.assertEqual(complete("fleetcap", "overalloc", "report", "--sort", "CUT"), ["CUT", "CUT%", "CUT-UNBACKED"])
        self.assertIn("HEADROOM", complete("fleetcap", "capacity", "--columns", ""))
        self.assertNotIn("HEADROOM", complete("fleetcap", "maintenance", "list", "--columns", ""))
        islands = complete("fleetcap", "--source", demo, "nodes", "--island", "h100-use-007-ib0")
        self.assertEqual(islands, [f"h100-use-007-ib0{i}" for i in range(1, 10)])
        # --partition offers the source's Slurm partitions (the enforce fleet's nodes carry gpu, debug).
        enforce = os.path.join(ROOT, "tests", "data", "fleets", "enforce")
        self.assertEqual(complete("fleetcap", "--source", enforce, "capacity", "--partition", ""), ["debug", "gpu"])


def tracked_files():
    """The repository's files: git's list when the tree is a checkout, else a walk of the tree."""
    p = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True)
    if p.returncode == 0 and p.stdout:
        return [f for f in p.stdout.decode().split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]
    files = []
    for d, dirs, names in os.walk(ROOT):
        dirs[:] = [x for x in dirs if not (x.startswith(".") or x.startswith("build") or x == "__pycache__")]
        files += [os.path.relpath(os.path.join(d, n), ROOT) for n in names]
    return files


def read_text(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read().decode("utf-8", errors="replace")


class Documentation(unittest.TestCase):
    def test_every_markdown_link_resolves(self):
        broken = []
        for path in [f for f in tracked_files() if f.endswith(".md")]:
            text = read_text(path)
            for target in markdown_links(text):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                    continue
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                if not os.path.exists(os.path.join(ROOT, dest)):
                    broken.append(f"{path}: {target}: no {dest}")
                elif anchor and dest.endswith(".md") and anchor not in anchors(read_text(dest)):
                    broken.append(f"{path}: {target}: no heading #{anchor} in {dest}")
        self.assertEqual(broken, [], "\n".join(broken))

    def test_the_link_check_sees_links_and_anchors(self):
        self.assertEqual(markdown_links("[a](figures.md#x) `[not](code)` and [b](https://x.y)\n```\n[c](d)\n```"),
                         ["figures.md#x", "https://x.y"])
        self.assertIn("flex-fair-share-flex---namespace-quota---namespace",
                      anchors("## Flex fair share (`flex --namespace`, `quota --namespace`)"))

    def test_docs_index_lists_every_page(self):
        index = read_text("docs/README.md")
        pages = sorted(f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md") and f != "README.md")
        self.assertEqual([p for p in pages if f"({p})" not in index], [])

    def test_nothing_cites_a_document_outside_the_repository(self):
        """The contract is docs/ (issue 23): no file names the old SPEC, ADAPTERS or STYLE
        documents, their sections (§4), or a path outside the tree (../shared/)."""
        found = []
        for path in tracked_files():
            if path.endswith((".png", ".json")) or path == "tests/e2e/test_docs.py":
                continue
            for n, line in enumerate(read_text(path).splitlines(), 1):
                if outside_citation(line):
                    found.append(f"{path}:{n}: {line.strip()[:100]}")
        self.assertEqual(found, [], "\n".join(found))

    def test_the_citation_check_sees_citations(self):
        for cited in ["// SPEC §4 figures", "see ADAPTERS.md §B", "(STYLE.md)", "the ../shared/SPEC.md contract",
                      "and §3.2 items", "(SPEC: a job)"]:
            self.assertTrue(outside_citation(cited), cited)
        for fine in ["Flags=MAINT,SPEC_NODES", "RFC 3339 §5.6", "docs/figures.md", "the FAULT spec"]:
            self.assertFalse(outside_citation(fine), fine)

    def test_no_function_in_src_is_over_80_lines(self):
        """Issue 23: no function in src/ (or include/) is over 80 lines (scripts/check-functions)."""
        r = subprocess.run([os.path.join(ROOT, "scripts", "check-functions"), "80"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stdout + r.stderr)

    def test_the_function_check_sees_a_long_function(self):
        body = "".join(f"  x += {i}; // {{ not a brace\n" for i in range(81))
        code = ("namespace a {\nstruct S {\n  int f(int x) {\n" + body + "    return x;\n  }\n};\n"
                "const int k[] = {\n" + "1,\n" * 90 + "};\n"
                "auto g = [](int x) {\n" + body + "};\n"
                "int h(int x) {\n  auto l = [](int y) { return y; };\n  return l(x);\n}\n} // namespace a\n")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "long.cpp"), "w") as f:
                f.write(code)
            r = subprocess.run([os.path.join(ROOT, "scripts", "check-functions"), "80", d], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        # the member function f (84 lines) and the lambda g (83): not the array, not the short h
        f, g = sorted(r.stdout.splitlines(), key=lambda line: int(line.split(":")[1].split()[0]))
        self.assertIn("long.cpp:3 ", f)
        self.assertIn("int f(int x)", f)
        self.assertIn("[](int x)", g)

    def test_console_examples_print_what_the_docs_say(self):
        """Every fenced block of docs/ that runs `$ fleetcap --source examples/...` and is shown
        whole (no `...` line) is run, and must print exactly the lines below it."""
        checked = 0
        for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
            if not name.endswith(".md"):
                continue
            for command, want in console_examples(read_text(os.path.join("docs", name))):
                with self.subTest(page=name, command=command):
                    args = shlex.split(command)[1:]
                    r = run(*args, cwd=ROOT)
                    self.assertEqual((r.out + r.err).rstrip("\n"), want, f"docs/{name}: $ {command}")
                    checked += 1
        self.assertGreaterEqual(checked, 10)


def outside_citation(line):
    """Whether a line cites the contract documents that were never in the repository."""
    return bool(re.search(r"\b(SPEC|ADAPTERS|STYLE)(\.md)?\b(?!_)|\.\./shared/|(?<!RFC 3339 )§\d", line))


def markdown_links(text):
    """Targets of [text](target) outside code blocks and code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def anchors(text):
    """GitHub's anchors for the headings of a Markdown text."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n, base = 1, slug
        while slug in found:
            slug, n = f"{base}-{n}", n + 1
        found.add(slug)
    return found


def console_examples(text):
    """(command, expected output) for each `$ fleetcap --source examples/...` in a fenced block,
    unless the output shown is trimmed (a line of ... or an empty output)."""
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M):
        lines = block.rstrip("\n").split("\n")
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        for k, i in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            command, output = lines[i][2:], lines[i + 1:end]
            if not command.startswith("fleetcap --source examples/") or "|" in command or ">" in command:
                continue
            if not output or any(line.strip() in ("...", "…") for line in output):
                continue
            yield command, "\n".join(output).rstrip("\n")


if __name__ == "__main__":
    harness.main()
