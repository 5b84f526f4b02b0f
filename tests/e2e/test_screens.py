"""Golden screens: every command on examples/fleet/demo as a person sees it, through a real
pseudo-terminal 80, 120 and 200 columns wide (issue 13). The files under tests/data/screens/
were checked by hand against docs/cli.md: no line wider than the terminal except where an
identifying column cannot go, lists shown as counts before columns go, a last line naming
what was hidden, prose wrapped at spaces.

    FLEETCAP_UPDATE_SCREENS=1 python3 tests/e2e/test_screens.py   rewrites them (then read the diff)
"""
import os
import unittest

import harness

DEMO = os.path.join(harness.ROOT, "examples", "fleet", "demo")
SCREENS = os.path.join(harness.ROOT, "tests", "data", "screens")
WIDTHS = (80, 120, 200)

COMMANDS = {
    "capacity": ["capacity"],
    "capacity-by-sku": ["capacity", "--by", "sku"],
    "flex": ["flex"],
    "flex-namespace": ["flex", "--namespace", "evals"],
    "quota": ["quota", "--cluster", "h100-use-007"],
    "quota-namespace": ["quota", "--namespace", "evals"],
    "quota-show": ["quota", "show", "chat/h100-use-007"],
    "overalloc-report": ["overalloc", "report", "--jobs"],
    "overalloc-sweep": ["overalloc", "sweep"],
    "overalloc-plan": ["overalloc", "plan"],
    "maintenance-list": ["maintenance", "list"],
    "maintenance-node": ["maintenance", "node", "h200-use-001-n0001"],
    "maintenance-impact": ["maintenance", "impact"],
    "maintenance-plan": ["maintenance", "plan"],
    "flex-contiguous": ["flex", "--gpus", "64", "--contiguous"],
    "nodes-free": ["nodes", "--free", "--cluster", "h100-use-007"],
    "jobs-flex": ["jobs", "--namespace", "evals", "--flex"],
    "jobs-pending-by-cluster": ["jobs", "--pending", "--by", "cluster"],
    "nodes": ["nodes", "--cluster", "h100-usw-008", "--window", "7d"],
    "help": ["--help"],
    "maintenance-help": ["maintenance"],
}


def on_tty(args, columns):
    """fleetcap on the demo fleet with stdout on a pseudo-terminal `columns` wide."""
    env = harness.clean_env(TERM="xterm", NO_COLOR="1", XDG_CONFIG_HOME="/nonexistent/fleetcap-screens")
    return harness.run_on_tty(["--source", DEMO, *args], env, columns)


class Screens(unittest.TestCase):
    def test_every_command_at_80_120_200_columns(self):
        update = os.environ.get("FLEETCAP_UPDATE_SCREENS") == "1"
        for name, args in COMMANDS.items():
            for width in WIDTHS:
                with self.subTest(command=name, width=width):
                    code, out, err = on_tty(args, width)
                    self.assertEqual(code, 0, err)
                    path = os.path.join(SCREENS, f"{name}-{width}.txt")
                    if update:
                        with open(path, "w") as f:
                            f.write(out)
                    with open(path) as f:
                        self.assertEqual(out, f.read(), path)

    def test_tables_fit_or_say_what_they_hid(self):
        for name in ("capacity", "maintenance-list", "maintenance-plan", "overalloc-report", "quota-namespace",
                     "nodes-free", "jobs-flex", "jobs-pending-by-cluster"):
            for width in WIDTHS:
                with open(os.path.join(SCREENS, f"{name}-{width}.txt")) as f:
                    text = f.read()
                with self.subTest(command=name, width=width):
                    too_wide = [line for line in text.splitlines() if len(line) > width]
                    self.assertEqual(too_wide, [], f"{name} at {width}")

    def test_prose_never_breaks_a_word(self):
        for width in WIDTHS:
            with open(os.path.join(SCREENS, f"help-{width}.txt")) as f:
                for line in f.read().splitlines():
                    self.assertLessEqual(len(line), width, line)


if __name__ == "__main__":
    harness.main()
