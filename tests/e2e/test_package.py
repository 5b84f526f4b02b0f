"""The Debian package (issue 15): scripts/package builds a .deb with CPack; this installs it on
the machine with dpkg, runs the installed `fleetcap version`, finds its man page with
`man -w`, loads its bash completion and completes a command, then removes it. lintian must
report no errors.

It changes the machine (/usr/bin/fleetcap while it runs), so it runs only as root with dpkg,
and reports skipped otherwise; it also skips when a fleetcap package is already installed
(not ours to remove). Two suites on one machine (two checkouts' scripts/test at once) take
turns: the class holds a machine-wide lock from its first look at dpkg to its last, so one
never meets the other's package, or dpkg's own lock held by the other's dpkg.
"""
import fcntl
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BINARY, ROOT

BUILD_DIR = os.path.dirname(BINARY)
CAN_INSTALL = os.geteuid() == 0 and shutil.which("dpkg") and shutil.which("dpkg-deb")
MACHINE_LOCK = "/var/lock/fleetcap-test-package.lock"  # root only, as the class is


def sh(*argv, check=True, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def installed():
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "fleetcap"], capture_output=True, text=True)
    return p.returncode == 0 and "installed" in p.stdout and "not-installed" not in p.stdout


@unittest.skipUnless(CAN_INSTALL, "needs root and dpkg to install the package")
@unittest.skipUnless(os.path.exists(os.path.join(BUILD_DIR, "CPackConfig.cmake")),
                     f"{BUILD_DIR} is not a CMake build dir with CPack")
class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lock = open(MACHINE_LOCK, "w")
        fcntl.flock(cls.lock, fcntl.LOCK_EX)  # another suite's package test: wait for its end
        if installed():
            cls.lock.close()
            raise unittest.SkipTest("a fleetcap package is already installed; not ours to remove")
        cls.out = tempfile.mkdtemp(prefix="fleetcap-deb-")
        p = sh(os.path.join(ROOT, "scripts", "package"), BUILD_DIR, cls.out)
        cls.deb = p.stdout.strip().splitlines()[-1]

    @classmethod
    def tearDownClass(cls):
        if installed():
            sh("dpkg", "--purge", "fleetcap", check=False)
        shutil.rmtree(cls.out, ignore_errors=True)
        cls.lock.close()  # releases the machine-wide lock

    def field(self, name):
        return sh("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def test_control_fields(self):
        self.assertEqual(self.field("Package"), "fleetcap")
        self.assertEqual(self.field("Section"), "utils")
        self.assertIn("@", self.field("Maintainer"))
        depends = self.field("Depends")
        # From dpkg-shlibdeps, with versions: what the binary links, not a hand-written list.
        for lib in ("libc6 (>=", "libcurl4 (>=", "libstdc++6 (>="):
            self.assertIn(lib, depends)

    def test_files_in_their_debian_places(self):
        files = {line.split()[-1].lstrip(".") for line in sh("dpkg-deb", "-c", self.deb).stdout.splitlines()}
        for path in ("/usr/bin/fleetcap", "/usr/share/man/man1/fleetcap.1.gz",
                     "/usr/share/bash-completion/completions/fleetcap",
                     "/usr/share/zsh/vendor-completions/_fleetcap",
                     "/usr/share/fish/vendor_completions.d/fleetcap.fish",
                     "/usr/share/doc/fleetcap/copyright", "/usr/share/doc/fleetcap/changelog.gz"):
            self.assertIn(path, files)

    def test_the_documentation_is_installed(self):
        files = {line.split()[-1].lstrip(".") for line in sh("dpkg-deb", "-c", self.deb).stdout.splitlines()}
        pages = sorted(f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
        self.assertIn("README.md", pages)
        self.assertEqual([p for p in pages if f"/usr/share/doc/fleetcap/{p}" not in files], [])

    @unittest.skipUnless(shutil.which("lintian"), "lintian is not installed (scripts/install-deps installs it)")
    def test_lintian_reports_no_errors(self):
        p = sh("lintian", "--tag-display-limit", "0", self.deb, check=False)
        errors = [line for line in p.stdout.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [], p.stdout)
        self.assertIn(p.returncode, (0, 2), p.stderr)  # 2: tags at or above the fail level (none: E is checked)

    def test_install_run_and_remove(self):
        sh("dpkg", "-i", self.deb)
        try:
            self.assertTrue(installed())
            self.assertEqual(sh("dpkg", "-L", "fleetcap").returncode, 0)
            v = sh("/usr/bin/fleetcap", "version", env={"PATH": "/usr/bin:/bin", "HOME": self.out})
            self.assertIn("fleetcap", v.stdout)
            man = sh("man", "-w", "fleetcap", env={"PATH": "/usr/bin:/bin", "HOME": self.out, "MANPATH": ""},
                     check=False)
            if man.returncode != 0:  # man -w searches the default manpath with MANPATH unset
                man = sh("man", "-w", "fleetcap", env={"PATH": "/usr/bin:/bin", "HOME": self.out})
            self.assertEqual(man.stdout.strip(), "/usr/share/man/man1/fleetcap.1.gz")
            # The completion bash-completion would load, asked to complete `fleetcap ma<TAB>`.
            script = ("source /usr/share/bash-completion/completions/fleetcap\n"
                      "complete -p fleetcap\n"
                      "COMP_WORDS=(fleetcap ma); COMP_CWORD=1; COMP_LINE='fleetcap ma'; COMP_POINT=11\n"
                      "_fleetcap fleetcap ma fleetcap\n"
                      "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
            c = sh("bash", "--norc", "--noprofile", "-c", script, env={"PATH": "/usr/bin:/bin", "HOME": self.out})
            lines = c.stdout.splitlines()
            self.assertTrue(lines[0].startswith("complete ") and lines[0].endswith(" fleetcap"), c.stdout)
            self.assertIn("maintenance", lines[1:], c.stdout)
            if shutil.which("fish"):
                f = sh("fish", "-c", "complete -C'fleetcap ma'", env={"PATH": "/usr/bin:/bin", "HOME": self.out})
                self.assertIn("maintenance", f.stdout)
        finally:
            sh("dpkg", "-r", "fleetcap")
        self.assertFalse(installed())
        self.assertFalse(os.path.exists("/usr/bin/fleetcap"))
        self.assertFalse(os.path.exists("/usr/share/man/man1/fleetcap.1.gz"))


if __name__ == "__main__":
    unittest.main()
