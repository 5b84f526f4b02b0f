"""How every bench script runs one measured command: wall time, peak RSS, CPU, exit status,
stdout and stderr. Not a test.

Peak RSS is measured by a small launcher process (this file run as a script), not by the bench
script that calls run(). Linux carries a process's peak RSS across execve, and a child created
by fork or posix_spawn starts with its parent's resident pages: a command started straight from
a bench script holding 100 MB reported at least those 100 MB, whatever it used itself (bench/run
printed 101.1 MB for every case, a 14 MB `__load clusters` among them). The launcher is a fresh
Python of about 10 MB that does nothing but fork, exec the command and wait4 for it, so the
figure is the command's own, with that floor (bench/README.md, "Peak RSS").
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Run:
    wall: float  # seconds, from fork to the command's exit (the launcher's own start is not in it)
    rss: int     # peak RSS in bytes
    code: int    # exit status (negative: killed by that signal)
    out: bytes
    err: bytes
    user: float  # CPU seconds in user space
    system: float  # CPU seconds in the kernel

    @property
    def cpu(self):
        return self.user + self.system


def run(argv, env, stdin=subprocess.DEVNULL):
    """Runs argv with stdout and stderr to temporary files (read back after it ends, as a user's
    redirect to a file would be written), through the launcher."""
    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            launcher = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(write_end), *argv],
                                        stdout=out, stderr=err, stdin=stdin, env=env, pass_fds=(write_end,))
            os.close(write_end)
            write_end = None
            with os.fdopen(read_end, "rb") as report:
                read_end = None
                line = report.read()
            code = launcher.wait()
            out.seek(0)
            err.seek(0)
            if not line:
                raise RuntimeError(f"bench/measure.py: the launcher of {argv[0]} ended ({code}) without a report")
            r = json.loads(line)
            return Run(r["wall"], r["rss"], r["code"], out.read(), err.read(), r["user"], r["system"])
    finally:
        for fd in (read_end, write_end):
            if fd is not None:
                os.close(fd)


def _launch(report_fd, argv):
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(report_fd)
            os.execvp(argv[0], argv)
        except OSError as e:
            os.write(2, f"bench/measure.py: cannot run {argv[0]}: {e}\n".encode())
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.write(report_fd, json.dumps({"wall": wall, "rss": usage.ru_maxrss * 1024, "user": usage.ru_utime,
                                    "system": usage.ru_stime, "code": os.waitstatus_to_exitcode(status)}).encode())


if __name__ == "__main__":
    _launch(int(sys.argv[1]), sys.argv[2:])
