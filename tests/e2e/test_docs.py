"""Help, man page and completions against the one command registry (`fleetcap __commands`).
Nothing here lists commands or options by hand, so it holds as commands are added."""
import json
import os
import re
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


if __name__ == "__main__":
    harness.main()
