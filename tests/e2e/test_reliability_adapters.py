"""Hardening the new surfaces (issue 26, docs/reliability.md "Hardening the adapters"): the real
binary against the loopback fleet API (fleet_server.py), slurmrestd (slurm_server.py) and
Kubernetes API server (kube_server.py), one class per fault class. Each test failed on the
main branch before the fix; the docs name which.

Time is never bounded absolutely: promptness is measured against the binary's own start-up
(reliability.prompt_bound), growth as N against 2N in the same run (reliability.assert_linear).
"""
import json
import math
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness
import kube_fixtures as fx
import slurm_server as ss
from harness import WORKED
from reliability import SLACK, TOKEN, assert_linear, assert_one_error, fleet_copy, prompt_bound
import test_reliability_hardening as hard  # its in-process fleet API (Api)
from test_kube import EXEC_TOKEN, KubeCase, kube_env
from test_kube import TOKEN as KUBE_TOKEN

SANITIZED = b"__asan_" in open(harness.BINARY, "rb").read() or b"__tsan_" in open(harness.BINARY, "rb").read()
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but tab and line end, DEL, C1 (U+0080-U+009F)


def pieces(secret, n=6):
    """Every n-character piece of `secret`: none may show, not only the whole."""
    return [secret[i:i + n] for i in range(len(secret) - n + 1)]


def assert_no_piece(test, secret, text):
    for p in pieces(secret):
        test.assertNotIn(p, text, f"a piece of a secret ({p!r}) was printed")


def limit_memory():
    """Before exec: a 2 GiB address space, so a run that expands without bound fails with
    "out of memory" instead of taking the shared machine's memory (not under a sanitizer,
    whose shadow memory needs more)."""
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run_bounded(*args, env=None, timeout=60, stdin=None):
    """harness.run with limit_memory(); no token check (callers check what they gave)."""
    p = subprocess.run([harness.BINARY, *args], capture_output=True, text=True, errors="replace", env=env,
                       timeout=timeout * SLACK, stdin=stdin or subprocess.DEVNULL, preexec_fn=limit_memory)
    return harness.Result(p.returncode, p.stdout, p.stderr)


def timed(*args, env=None, timeout=120):
    start = time.monotonic()
    r = run_bounded(*args, env=env, timeout=timeout)
    r.seconds = time.monotonic() - start
    return r


def dead(pid):
    """True once `pid` is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def read_pids(path):
    with open(path) as f:
        return [int(x) for x in f.read().split()]


def wait_dead(pid, within):
    deadline = time.monotonic() + within
    while not dead(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return dead(pid)


class SlurmCase(unittest.TestCase):
    """The fake slurmrestd of slurm_server.py, reset before each test."""

    @classmethod
    def setUpClass(cls):
        cls.slurm = ss.SlurmServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.slurm.__exit__(None, None, None)

    def setUp(self):
        ss.reset()
        self.tmp = tempfile.mkdtemp(prefix="fleetcap-adapters-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def slurm_run(self, *args, jwt=ss.JWT, timeout=60):
        env = harness.clean_env(SLURM_JWT=jwt, SLURM_USER="alice")
        r = run_bounded("--source", self.slurm.source, *args, env=env, timeout=timeout)
        self.assertNotIn(ss.JWT, r.out + r.err)
        return r

    def serve(self, name, doc):
        """Serve `doc` (a dict) as the 200 answer for the endpoint ending in /`name`."""
        ss.Fake.status["/" + name] = (200, json.dumps(doc))


def echo_env(token=TOKEN):
    return harness.clean_env(FLEETCAP_TOKEN=token)


# ---------------------------------------------------------------------------------------------
# 1. Secrets cut before they are redacted.

class RedactThenCut(SlurmCase):
    def test_fleet_api_token_across_the_cut(self):
        # The quoted body is {"error":"<PAD x's><token>...: at PAD 180 the token starts at byte
        # 190 of the 200 quoted. Main printed "fct-SECRET" (cut at 200, then nothing to match).
        for pad in (170, 180, 189):
            with harness.Server(WORKED, "--fault", f"nodes:echo-token:{pad}") as s:
                r = harness.run("--source", s.url, "capacity", env=echo_env())
            assert_one_error(self, r, 1, r"/v1/nodes: HTTP 401: ")
            assert_no_piece(self, TOKEN, r.err)

    def test_lowercase_percent_and_escaped_slash_forms(self):
        token = "fct+SECRET/9a8b7c6d5e4f3a2b"
        for form in ("pct-lower", "json-slash"):
            with harness.Server(WORKED, "--fault", f"nodes:echo-token:10:{form}") as s:
                r = harness.run("--source", s.url, "capacity", env=echo_env(token))
            self.assertEqual(r.code, 1, r)
            self.assertIn("[REDACTED] was rejected", r.err, form)
            self.assertNotIn("9a8b7c6d", r.err, form)

    def test_slurm_value_cut_at_60(self):
        # A node name holding the JWT at character 50 of the 60 quoted: main printed its start.
        nodes = ss.recorded("nodes")
        nodes["nodes"][4]["name"] = "n" * 50 + ss.JWT
        nodes["nodes"][4]["gres"] = 8
        self.serve("nodes", nodes)
        r = self.slurm_run("capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertIn('field "gres" must be a string', r.err)
        assert_no_piece(self, ss.JWT, r.err)

    def test_slurmrestd_errors_quoting_the_jwt(self):
        # A 500 that is not slurmrestd's JSON is quoted from its first bytes (main: cut at 200,
        # then redacted); errors[] are quoted up to 300 bytes, redacted first.
        for body in ("<html>" + "x" * 176 + ss.JWT + "</html>",
                     json.dumps({"errors": [{"error": "x" * 280 + ss.JWT, "error_number": 1}]})):
            ss.Fake.status["/jobs"] = (500, body)
            r = self.slurm_run("capacity")
            self.assertEqual((r.code, r.out), (1, ""), r)
            assert_no_piece(self, ss.JWT, r.err)


def token_plugin(case, name, token):
    """A kubeconfig (context "small", user "u") whose exec plugin answers `token`."""
    plugin = os.path.join(case.tmp, name)
    with open(plugin, "w") as f:
        f.write("#!/usr/bin/env python3\nimport json\nprint(json.dumps({'apiVersion': "
                "'client.authentication.k8s.io/v1', 'kind': 'ExecCredential', 'status': {'token': "
                f"{token!r}}}}}))\n")
    os.chmod(plugin, 0o755)
    return case.kubeconfig(name + ".yaml", {"u": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                           "command": plugin}}}, {"small": "u"}, "small")


class KubeRedactThenCut(KubeCase):
    lists = staticmethod(fx.small_lists)

    def test_token_and_exec_token_across_the_cut(self):
        # A 500 that is no Status: main quoted redact(first 200 bytes), so the token straddling
        # byte 200 was cut first and printed in part.
        self.server.faults["/api/v1/nodes"] = ("echo", 500, 190)
        self.addCleanup(self.server.faults.clear)
        kc = self.kubeconfig("echo.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        self.assertIn("HTTP 500 while listing nodes", r.err)
        assert_no_piece(self, KUBE_TOKEN, r.err)
        kc = token_plugin(self, "echo-plugin.py", EXEC_TOKEN)
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertEqual((r.code, r.out), (1, ""), r)
        assert_no_piece(self, EXEC_TOKEN, r.err)


class WatchRounds(unittest.TestCase):
    def test_an_error_round_redacts_before_it_cuts(self):
        # --watch shows a later round's error: the same quoting, so no piece of the token.
        count = {"nodes": 0}

        def nodes(h, token):
            count["nodes"] += 1
            if count["nodes"] == 1:
                return hard.send(h, 200, hard.worked_pages()["nodes"])
            hard.send(h, 401, ('{"error":"' + "x" * 180 + token + ' rejected"}').encode())
        with hard.Api({"nodes": nodes}) as api:
            p = subprocess.Popen([harness.BINARY, "--source", api.url, "--watch", "1s", "capacity"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=echo_env(), text=True)
            try:
                ready, _, _ = select.select([p.stderr], [], [], 60 * SLACK)
                self.assertTrue(ready, "no error round")
                line = p.stderr.readline()
            finally:
                p.send_signal(signal.SIGINT)
                p.communicate(timeout=60 * SLACK)
        self.assertIn("HTTP 401", line)
        assert_no_piece(self, TOKEN, line)


# ---------------------------------------------------------------------------------------------
# 2. Control characters in credentials; 3. passwords in server URLs; 4. files a kubeconfig names;
# 5. continue tokens; 10. exec plugins; 11 (part). Against kube_server.py.

class KubeCredentials(KubeCase):
    lists = staticmethod(fx.small_lists)

    def injected(self, since):
        return [h for h in self.server.headers[since:] if "x-injected" in h or "impersonate-user" in h]

    def test_control_characters_are_refused_where_they_come_from(self):
        before = len(self.server.headers)
        kc = self.kubeconfig("inj.yaml", {"u": {"token": KUBE_TOKEN + "\r\nX-Injected: yes"}}, {"small": "u"}, "small")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertFails(r, 2, f'kubeconfig {kc}: user "u": the token contains a control character')
        token_file = os.path.join(self.tmp, "token-with-break")
        with open(token_file, "w") as f:
            f.write(KUBE_TOKEN + "\nImpersonate-User: admin\n")
        kc = self.kubeconfig("inj-file.yaml", {"u": {"tokenFile": token_file}}, {"small": "u"}, "small")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertFails(r, 2, "tokenFile", token_file, "contains a control character")
        kc = token_plugin(self, "inj-plugin.py", EXEC_TOKEN + "\r\nX-Injected: yes")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertFails(r, 1, "status.token", "inj-plugin.py", "contains a control character")
        sa = os.path.join(self.tmp, "sa-broken")
        os.makedirs(sa, exist_ok=True)
        with open(os.path.join(sa, "token"), "w") as f:
            f.write(KUBE_TOKEN + "\nX-Injected: yes\n")
        env = kube_env(HOME=os.path.join(self.tmp, "no-home"), KUBERNETES_SERVICE_HOST="127.0.0.1",
                       KUBERNETES_SERVICE_PORT_HTTPS=str(self.server.port), FLEETCAP_SERVICEACCOUNT_DIR=sa)
        r = self.run_kube("--source", "kube", "capacity", env=env)
        self.assertFails(r, 2, "service account token", "contains a control character")
        self.assertEqual(self.injected(before), [], "a header was injected")
        self.assertEqual(len(self.server.headers), before, "a request went out with a refused credential")

    def test_password_in_the_server_url_is_never_printed(self):
        kc = self.kubeconfig("userinfo.yaml", {"u": {"token": "wrong-token-0123"}}, {"small": "u"}, "small",
                             cluster_extra={"server": self.server.url.replace("https://", "https://alice:PW-0a1b2c3d@")})
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "-v", "capacity")
        self.assertFails(r, 1, "401 Unauthorized", f"https://127.0.0.1:{self.server.port}")
        self.assertNotIn("PW-0a1b2c3d", r.err)
        self.assertNotIn("alice:", r.err)
        self.assertIn("user name and password, which fleetcap does not send", r.err)
        # The same URL with the right token: the password is not sent, the run works.
        kc = self.kubeconfig("userinfo-ok.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small",
                             cluster_extra={"server": self.server.url.replace("https://", "https://alice:PW-0a1b2c3d@")})
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity", "--json")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("PW-0a1b2c3d", r.out + r.err)
        self.assertNotIn("authorization: basic", json.dumps(self.server.headers[-1]).lower())


class KubeconfigFiles(KubeCase):
    lists = staticmethod(fx.small_lists)

    def refused(self, pattern, *args, env=None, code=2):
        r = run_bounded("--source", "kube", *args, "capacity", env=env or kube_env(HOME=self.tmp), timeout=30)
        self.assertEqual((r.code, r.out), (code, ""), r)
        self.assertRegex(r.err, pattern)
        self.assertEqual(len(r.err.splitlines()), 1, r.err)
        self.assertNotIn("internal error", r.err)

    def test_the_kubeconfig_itself(self):
        fifo = os.path.join(self.tmp, "kc-fifo")
        os.mkfifo(fifo)
        self.refused(r"--kubeconfig .*kc-fifo is a FIFO, not a regular file", "--kubeconfig", fifo)
        self.refused(r"KUBECONFIG: /dev/zero is a character device", env=kube_env(HOME=self.tmp, KUBECONFIG="/dev/zero"))
        folder = os.path.join(self.tmp, "kc-dir")
        os.makedirs(folder, exist_ok=True)
        self.refused(r"--kubeconfig .*kc-dir is a directory, not a regular file", "--kubeconfig", folder)
        big = os.path.join(self.tmp, "kc-big")
        with open(big, "wb") as f:
            f.truncate(300 << 20)  # sparse: no disk
        self.refused(r"kc-big is larger than 16 MiB", "--kubeconfig", big)

    def test_files_it_names(self):
        fifo = os.path.join(self.tmp, "token-fifo")
        os.mkfifo(fifo)
        kc = self.kubeconfig("tf.yaml", {"u": {"tokenFile": fifo}}, {"small": "u"}, "small")
        self.refused(r'user "u": tokenFile: .*token-fifo is a FIFO', "--kubeconfig", kc)
        kc = self.kubeconfig("tz.yaml", {"u": {"tokenFile": "/dev/zero"}}, {"small": "u"}, "small")
        self.refused(r'tokenFile: /dev/zero is a character device', "--kubeconfig", kc)
        folder = os.path.join(self.tmp, "key-dir")
        os.makedirs(folder, exist_ok=True)
        kc = self.kubeconfig("kd.yaml", {"u": {"client-certificate": self.pki["client.crt"], "client-key": folder}},
                             {"small": "u"}, "small")
        self.refused(r'client-key: .*key-dir is a directory', "--kubeconfig", kc)
        big = os.path.join(self.tmp, "ca-big")
        with open(big, "wb") as f:
            f.truncate(300 << 20)
        kc = self.kubeconfig("cab.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small",
                             cluster_extra={"certificate-authority": big})
        self.refused(r"certificate-authority: .*ca-big is larger than 64 MiB", "--kubeconfig", kc)
        sa = os.path.join(self.tmp, "sa-fifo")
        os.makedirs(sa, exist_ok=True)
        os.mkfifo(os.path.join(sa, "token"))
        env = kube_env(HOME=os.path.join(self.tmp, "no-home"), KUBERNETES_SERVICE_HOST="127.0.0.1",
                       KUBERNETES_SERVICE_PORT_HTTPS=str(self.server.port), FLEETCAP_SERVICEACCOUNT_DIR=sa)
        self.refused(r"service account token: .*sa-fifo/token is a FIFO", env=env)


class ContinueTokens(KubeCase):
    lists = staticmethod(fx.small_lists)

    def tearDown(self):
        self.server.faults.clear()

    def node_requests(self, since):
        return [p for _, p, _ in self.server.requests[since:] if p.startswith("/api/v1/nodes")]

    def test_a_token_seen_twice_ends_the_list_at_once(self):
        # A proxy that drops the query string: the server answers page 1 again, same token.
        self.server.faults["/api/v1/nodes"] = ("repeat-continue",)
        kc = self.kubeconfig("ct.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small")
        before = len(self.server.requests)
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "--max-pages", "50", "capacity")
        self.assertFails(r, 1, "sent a continue token it had sent before for nodes", "does a proxy drop the query")
        self.assertEqual(len(self.node_requests(before)), 2)

    def test_a_token_that_is_not_a_string(self):
        for value in (5, ["a"], {"k": 1}, True):
            self.server.faults["/api/v1/nodes"] = ("continue-value", value)
            kc = self.kubeconfig("cn.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small")
            before = len(self.server.requests)
            r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
            self.assertFails(r, 3, "nodes has metadata.continue that is not a string or null")
            self.assertEqual(len(self.node_requests(before)), 1, value)


def plugin_timeout():
    """A --timeout a Python plugin starts within on a busy machine: 40 starts of the binary,
    measured now, at least 2 s."""
    return max(2, math.ceil(prompt_bound(0, 40)))


class ExecPlugins(KubeCase):
    lists = staticmethod(fx.small_lists)

    def plugin(self, name, body):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("#!/usr/bin/env python3\nimport json, os, subprocess, sys, time\n" + body)
        os.chmod(path, 0o755)
        return self.kubeconfig(name + ".yaml", {"u": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                               "command": path}}}, {"small": "u"}, "small")

    CRED = ("print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential', "
            f"'status': {{'token': {EXEC_TOKEN!r}}}}}), flush=True)\n")

    def test_the_whole_wait_is_bounded(self):
        # It prints a credential, closes its output and sleeps: main waited for it to exit (30 s
        # with --timeout 3).
        kc = self.plugin("closes-and-sleeps.py", self.CRED + "os.close(1); os.close(2)\ntime.sleep(120)\n")
        timeout = plugin_timeout()
        bound = prompt_bound(timeout)
        start = time.monotonic()
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "--timeout", str(timeout), "capacity",
                          env=kube_env(HOME=self.tmp), timeout=120 * SLACK)
        took = time.monotonic() - start
        self.assertFails(r, 1, "closes-and-sleeps.py", f"did not finish within {timeout} s")
        self.assertLess(took, bound)

    def test_the_group_is_killed_on_timeout_and_on_sigint(self):
        pids = os.path.join(self.tmp, "pids")
        body = ("child = subprocess.Popen(['sleep', '300'])\n"
                f"open({pids!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\ntime.sleep(300)\n")
        kc = self.plugin("spawns.py", body)
        timeout = plugin_timeout()
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "--timeout", str(timeout), "capacity")
        self.assertFails(r, 1, f"did not finish within {timeout} s")
        for pid in read_pids(pids):
            self.assertTrue(wait_dead(pid, 10 * SLACK), f"process {pid} of the plugin's group lives on")
        os.remove(pids)
        p = subprocess.Popen([harness.BINARY, "--source", "kube", "--kubeconfig", kc, "capacity"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=kube_env(HOME=self.tmp))
        deadline = time.monotonic() + 30 * SLACK
        while not os.path.exists(pids) or len(read_pids(pids)) < 2:
            self.assertLess(time.monotonic(), deadline, "the plugin did not start")
            time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30 * SLACK)
        self.assertEqual((p.returncode, out, err), (130, b"", b"fleetcap: interrupted\n"))
        for pid in read_pids(pids):
            self.assertTrue(wait_dead(pid, 10 * SLACK), f"process {pid} of the plugin's group lives on after SIGINT")


# ---------------------------------------------------------------------------------------------
# 6. Hostlists; 7. linear Slurm paths; 11 (part). Against slurm_server.py.

class Hostlists(SlurmCase):
    def jobs_with_nodes(self, nodes_of):
        """The recorded jobs, each running job's "nodes" replaced by nodes_of(job)."""
        jobs = ss.recorded("jobs")
        for j in jobs["jobs"]:
            if "RUNNING" in j["job_state"]:
                j["nodes"] = nodes_of(j)
        return jobs

    def test_a_huge_range_is_left_out_with_a_warning(self):
        # 30 bytes that stand for a billion names: main took 2.1 GB (here: out of memory).
        self.serve("jobs", self.jobs_with_nodes(lambda j: "gpu[0-999999][0-999]" if j["job_id"] == 5557 else j["nodes"]))
        r = self.slurm_run("--json", "capacity")
        self.assertEqual(r.code, 0, r)
        self.assertIn("have a node list that is not a hostlist of at most the 8 nodes slurmrestd lists (job 5557", r.err)
        by = {c["name"]: c for c in r.json()["clusters"]}
        self.assertEqual(by["hpc/h100"]["flex_used"], 13)  # 17 without job 5557's 4 GPUs

    def test_a_malformed_hostlist_is_left_out_with_a_warning(self):
        self.serve("jobs", self.jobs_with_nodes(lambda j: "gpu[1-" if j["job_id"] == 5557 else j["nodes"]))
        d = os.path.join(self.tmp, "snap")
        r = self.slurm_run("snapshot", "save", d)
        self.assertEqual(r.code, 0, r)
        self.assertIn('(job 5557: "gpu[1-"); left out', r.err)
        with open(os.path.join(d, "jobs.json")) as f:
            self.assertNotIn("5557", [j["name"] for j in json.load(f)["items"]])

    def test_forty_million_node_ranges_cost_what_forty_jobs_cost(self):
        # Forty running jobs on "gpu[0000001-1000000]": main took 9.5 s against a fraction of a
        # second for the same jobs on their real nodes. Measured against that control.
        def forty(nodes):
            jobs = ss.recorded("jobs")
            base = next(j for j in jobs["jobs"] if j["job_id"] == 5557)
            jobs["jobs"] = [dict(base, job_id=90000 + i, nodes=nodes) for i in range(40)]
            return jobs
        def measure(nodes):
            self.serve("jobs", forty(nodes))
            start = time.monotonic()
            r = self.slurm_run("capacity")
            self.assertEqual(r.code, 0, r)
            return time.monotonic() - start
        control = min(measure("gpu2") for _ in range(2))
        huge = min(measure("gpu[0000001-1000000]") for _ in range(2))
        self.assertLess(huge, 3 * control + prompt_bound(0, 5), f"{huge:.2f} s against {control:.2f} s")

    def test_island_map_line_that_names_too_many(self):
        path = os.path.join(self.tmp, "islands")
        with open(path, "w") as f:
            f.write("gpu[0-999999][0-999999] ib1\n")  # 28 bytes: main ran out of memory
        r = self.slurm_run("--island-map", path, "capacity")
        self.assertEqual((r.code, r.out), (2, ""), r)
        self.assertIn(f"--island-map {path} line 1: the map names more than 1048576 nodes in all", r.err)

    def test_a_reservation_naming_more_nodes_than_exist(self):
        res = {"reservations": [{"name": "big", "node_list": "gpu[0-99999][0-9999]", "flags": ["MAINT"],
                                 "start_time": {"set": True, "infinite": False, "number": 1800000000},
                                 "end_time": {"set": True, "infinite": False, "number": 1800003600}}]}
        self.serve("reservations", res)
        r = self.slurm_run("capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertIn('reservations "big": field "node_list" is not a hostlist of at most the 8 nodes', r.err)


class Linear(SlurmCase):
    def test_gres_entries(self):
        # A node with N GPU types: parse_gres searched its list per entry (100,000: 28.6 s).
        def measure(n):
            nodes = ss.recorded("nodes")
            nodes["nodes"][4]["gres"] = ",".join(f"gpu:t{i}:1" for i in range(n))
            self.serve("nodes", nodes)
            r = timed("--source", self.slurm.source, "capacity",
                      env=harness.clean_env(SLURM_JWT=ss.JWT, SLURM_USER="alice"))
            self.assertEqual(r.code, 0, r)
            return r.seconds
        assert_linear(self, measure, 20000)

    def test_account_chain_with_a_limit_at_each_level(self):
        # Each account's ancestors were walked once per account and per job (20,000 deep: > 120 s).
        def measure(n):
            assocs = [{"account": "root", "parent_account": "", "cluster": "hpc", "user": ""}]
            for i in range(n):
                assocs.append({"account": f"a{i}", "parent_account": f"a{i - 1}" if i else "root", "cluster": "hpc",
                               "user": "", "max": {"tres": {"total": [{"type": "gres", "name": "gpu:h100",
                                                                       "count": 8}]}}})
            jobs = ss.recorded("jobs")
            base = next(j for j in jobs["jobs"] if j["job_id"] == 5557)
            jobs["jobs"] = [dict(base, job_id=70000 + i, account=f"a{n - 1 - (i % 7)}") for i in range(200)]
            self.serve("associations", {"associations": assocs})
            self.serve("jobs", jobs)
            r = timed("--source", self.slurm.source, "--json", "quota",
                      env=harness.clean_env(SLURM_JWT=ss.JWT, SLURM_USER="alice"))
            self.assertEqual(r.code, 0, r)
            self.assertLess(len(r.err.splitlines()), 20, "one warning per shadowed account")
            return r.seconds
        assert_linear(self, measure, 3000)


# ---------------------------------------------------------------------------------------------
# 8. Terminal escapes.

class TerminalEscapes(SlurmCase):
    def assert_plain(self, text, where):
        found = CONTROL.search(text)
        self.assertIsNone(found, f"{where}: a control character reached the output: {text[:400]!r}")

    def test_slurm_warnings_naming_accounts(self):
        evil = "ev\x1b]52;c;ZXZpbA==\x07il"
        assocs = [{"account": evil, "parent_account": "root", "cluster": "hpc", "user": "",
                   "max": {"tres": {"total": [{"type": "gres", "name": "gpu", "count": 8}]}}},
                  {"account": "child", "parent_account": evil, "cluster": "hpc", "user": "",
                   "max": {"tres": {"total": [{"type": "gres", "name": "gpu", "count": 4}]}}}]
        self.serve("associations", {"associations": assocs})
        # a parent's limit binds its sub-accounts as a cap (issue 21): the quota table names it
        r = self.slurm_run("quota")
        self.assertEqual(r.code, 0, r)
        self.assertIn("account ev\\x1b]52;c;ZXZpbA==\\x07il gres/gpu", r.out)
        self.assert_plain(r.out, "stdout")
        # a limit on a GPU type no node has: a warning naming the account
        assocs[0]["max"]["tres"]["total"][0]["name"] = "gpu:nosuch"
        self.serve("associations", {"associations": assocs})
        r = self.slurm_run("capacity")
        self.assertEqual(r.code, 0, r)
        self.assertIn("account ev\\x1b]52;c;ZXZpbA==\\x07il limits gres/gpu:nosuch", r.err)
        self.assert_plain(r.err, "stderr")

    def test_validation_errors_naming_nodes(self):
        # Field errors escaped names already; the cross-item rules (a job or an event naming a
        # node that does not exist) printed them raw on main.
        d = fleet_copy()
        def edit(resource, change):
            with open(os.path.join(d, resource + ".json")) as f:
                doc = json.load(f)
            change(doc["items"])
            with open(os.path.join(d, resource + ".json"), "w") as f:
                json.dump(doc, f)
        edit("nodes", lambda items: items[0].update(name="t01\x1b[2J\x1b[31m\r", gpus=-1))
        r = harness.run("--source", d, "capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertIn("t01\\x1b[2J\\x1b[31m\\x0d", r.err)
        self.assert_plain(r.err.replace("\n", ""), "stderr")
        d = fleet_copy()
        edit("jobs", lambda items: next(j for j in items if j.get("nodes"))["nodes"].__setitem__(0, "t07\x1b[2J\x07"))
        edit("maintenance", lambda items: items[0].update(nodes=["zz\x1b]52;c;eA==\x07\n"]))
        r = harness.run("--source", d, "capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertIn('names unknown node "t07\\x1b[2J\\x07"', r.err)
        self.assertIn('names unknown node "zz\\x1b]52;c;eA==\\x07\\x0a"', r.err)
        self.assertEqual(len(r.err.splitlines()), 2, r.err)
        self.assert_plain(r.err.replace("\n", ""), "stderr")

    def test_every_command_and_format(self):
        # Names with ESC, BEL, CR, LF and a C1 CSI in every resource: no raw control byte in any
        # output fleetcap writes to a terminal or a CSV file (JSON escapes by its own rules).
        d = fleet_copy()
        bad = "\x1b]52;c;eA==\x07\x1b[2J\r\n\u009b31m"
        for resource, field in (("clusters", "region"), ("jobs", "namespace"), ("maintenance", "reason")):
            with open(os.path.join(d, resource + ".json")) as f:
                doc = json.load(f)
            for item in doc["items"]:
                item[field] = item[field] + bad
            with open(os.path.join(d, resource + ".json"), "w") as f:
                json.dump(doc, f)
        commands = [["capacity"], ["capacity", "--by", "region"], ["quota"], ["flex"], ["nodes"], ["overalloc"],
                    ["maintenance", "list"], ["maintenance", "plan"], ["maintenance", "impact"],
                    ["maintenance", "node", "t07"]]
        printed = 0
        for command in commands:
            for fmt in ("table", "wide", "csv", "name", "json", "prometheus"):
                r = harness.run("--source", d, "--at", "2026-11-20T12:00:00Z", "-o", fmt, *command)
                if r.code == 2:
                    continue  # a format this command does not print
                self.assertEqual(r.code, 0, (command, fmt, r))
                printed += 1
                out = r.out.replace("\n", "")
                if fmt == "json":  # JSON escapes C0 by its own rules; U+0080-U+009F may stay raw in it
                    out = re.sub(r"[\x80-\x9f]", "", out)
                self.assert_plain(out, f"{' '.join(command)} -o {fmt}")
                self.assert_plain(r.err.replace("\n", ""), f"{' '.join(command)} -o {fmt} (stderr)")
        self.assertGreater(printed, 30)
        r = harness.run("--source", d, "--at", "2026-11-20T12:00:00Z", "report", "--html", "-")
        self.assertEqual(r.code, 0, r)
        self.assert_plain(re.sub(r"[\x80-\x9f]", "", r.out.replace("\n", "")), "report --html -")  # its JSON, as above


class KubeTerminalEscapes(KubeCase):
    lists = staticmethod(fx.small_lists)

    def test_status_messages(self):
        # OSC 52 writes the clipboard; ESC[2J clears the screen: main printed both raw.
        self.server.faults["/api/v1/nodes"] = ("status", 500, "boom \x1b]52;c;ZXZpbA==\x07 \x1b[2J\rdone")
        self.addCleanup(self.server.faults.clear)
        kc = self.kubeconfig("st.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small")
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertFails(r, 1, "boom \\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J done")  # a CR is a blank in a quote
        self.assertIsNone(CONTROL.search(r.err.rstrip("\n")), r.err)


# ---------------------------------------------------------------------------------------------
# 9. Files fleetcap writes.

class WrittenFiles(unittest.TestCase):
    def test_report_and_snapshot_are_redacted_as_stdout_is(self):
        # A server that echoes the token into a cluster's region: `report --html -` redacted it,
        # `report --html FILE` and `snapshot save` wrote it (main).
        def clusters(h, token):
            items = hard.items_of("clusters")
            items[0]["region"] = "r-" + token
            hard.send(h, 200, hard.page(items))
        api = hard.Api({"clusters": clusters}).__enter__()
        self.addCleanup(api.__exit__, None, None, None)
        url = api.url
        d = tempfile.mkdtemp(prefix="fleetcap-written-")
        self.addCleanup(shutil.rmtree, d, True)
        html = os.path.join(d, "report.html")
        r = harness.run("--source", url, "report", "--html", html, env=echo_env())
        self.assertEqual(r.code, 0, r)
        r = harness.run("--source", url, "snapshot", "save", os.path.join(d, "snap"), env=echo_env())
        self.assertEqual(r.code, 0, r)
        written = 0
        for folder, _, files in os.walk(d):
            for name in files:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                written += "[REDACTED]" in text
                assert_no_piece(self, TOKEN, text)
        self.assertEqual(written, 2)  # the page and clusters.json, which still reads back:
        r = harness.run("--source", os.path.join(d, "snap"), "--json", "capacity", "--by", "region")
        self.assertEqual(r.code, 0, r)
        self.assertIn("r-[REDACTED]", r.out)


# ---------------------------------------------------------------------------------------------
# 11. The fleet API's hardening, in the adapters.

class SlurmHardening(SlurmCase):
    def test_a_second_document(self):
        nodes = json.dumps(ss.recorded("nodes")) + '\n{"nodes": []}'
        ss.Fake.status["/nodes"] = (200, nodes)
        r = self.slurm_run("capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertRegex(r.err, r"/slurm/v0\.0\.44/nodes: invalid JSON at line 2, column 1: more JSON after the end")

    def test_html_answered_with_200(self):
        ss.Fake.status["/jobs"] = (200, "<html><body>Please log in</body></html>", "text/html; charset=utf-8")
        r = self.slurm_run("capacity")
        assert_one_error(self, r, 1, r'/jobs: expected JSON, got Content-Type "text/html; charset=utf-8": <html>')

    def test_a_bad_url_is_a_usage_error(self):
        for jwt in (ss.JWT, None):
            env = harness.clean_env(SLURM_JWT=jwt) if jwt else harness.clean_env()
            r = run_bounded("--source", "slurm+http://127.0.0.1:99999", "capacity", env=env)
            assert_one_error(self, r, 2, r'--source "http://127\.0\.0\.1:99999" is not a usable URL: port 99999')

    def test_negative_gres_count(self):
        nodes = ss.recorded("nodes")
        nodes["nodes"][4]["gres"] = "gpu:h100:-8"
        self.serve("nodes", nodes)
        r = self.slurm_run("capacity")
        self.assertEqual((r.code, r.out), (3, ""), r)
        self.assertIn('nodes[4] "gpu1": field "gres" is not a GRES list like gpu:h100:8, got "gpu:h100:-8"', r.err)

    def test_errors_are_quoted_bounded(self):
        ss.Fake.status["/jobs"] = (500, json.dumps({"errors": [{"error": "y" * 60000, "error_number": 1}]}))
        r = self.slurm_run("capacity")
        line = assert_one_error(self, r, 1, r"HTTP 500: slurmrestd says: y+\.\.\.")
        self.assertLess(len(line), 1000)

    def test_one_rule_for_file_options(self):
        # Whatever keeps a file option's file from being used is a usage error, exit 2, before
        # any request: missing, malformed, not a regular file.
        missing = os.path.join(self.tmp, "missing")
        bad_map = os.path.join(self.tmp, "bad-map")
        with open(bad_map, "w") as f:
            f.write("gpu[1-2\n")
        cases = [("--island-map", missing, r"--island-map .*missing: no such file"),
                 ("--island-map", bad_map, r'--island-map .*bad-map line 1: expected "HOSTLIST ISLAND"'),
                 ("--island-map", "/dev/zero", r"--island-map /dev/zero is a character device"),
                 ("--token-file", missing, r"--token-file .*missing: no such file"),
                 ("--cacert", missing, r"--cacert .*missing: no such file"),
                 ("--config", missing, r"missing")]
        before = len(ss.Fake.seen)
        for option, path, pattern in cases:
            r = run_bounded("--source", self.slurm.source, option, path, "capacity",
                            env=harness.clean_env(SLURM_JWT=ss.JWT))
            assert_one_error(self, r, 2, pattern)
        r = run_bounded("--source", "kube", "--kubeconfig", missing, "capacity", env=kube_env(HOME=self.tmp))
        assert_one_error(self, r, 2, r"--kubeconfig .*missing: no such file")
        self.assertEqual(len(ss.Fake.seen), before, "a request went out")


class KubeHardening(KubeCase):
    lists = staticmethod(fx.small_lists)

    def tearDown(self):
        self.server.faults.clear()

    def config(self, **extra):
        return self.kubeconfig("h.yaml", {"u": {"token": KUBE_TOKEN}}, {"small": "u"}, "small", cluster_extra=extra)

    def test_a_second_document(self):
        self.server.faults["/api/v1/pods"] = ("trailing", '\n{"kind": "PodList", "items": []}')
        r = self.run_kube("--source", "kube", "--kubeconfig", self.config(), "capacity")
        self.assertFails(r, 3, "pods: invalid JSON in GET", "more JSON after the end of the document")

    def test_html_answered_with_200(self):
        self.server.faults["/api/v1/nodes"] = ("content-type", "text/html; charset=utf-8")
        r = self.run_kube("--source", "kube", "--kubeconfig", self.config(), "capacity")
        self.assertFails(r, 1, 'expected JSON, got Content-Type "text/html; charset=utf-8"')

    def test_insecure_warning_on_a_failed_run(self):
        kc = self.kubeconfig("ins.yaml", {"u": {"token": "wrong-token-4567"}}, {"small": "u"}, "small")
        with open(kc) as f:
            text = f.read().replace(f'certificate-authority: "{self.pki["ca.crt"]}"', "insecure-skip-tls-verify: true")
        with open(kc, "w") as f:
            f.write(text)
        r = self.run_kube("--source", "kube", "--kubeconfig", kc, "capacity")
        self.assertFails(r, 1, "401 Unauthorized", 'context "small" has insecure-skip-tls-verify')

    def test_410_on_the_first_request(self):
        self.server.faults["/api/v1/nodes"] = ("gone",)
        r = self.run_kube("--source", "kube", "--kubeconfig", self.config(), "capacity")
        self.assertFails(r, 1, "HTTP 410 Gone on the first page of nodes")
        self.assertNotIn("twice", r.err)

    def test_status_messages_are_quoted_bounded(self):
        self.server.faults["/api/v1/nodes"] = ("status", 500, "z" * 60000)
        r = self.run_kube("--source", "kube", "--kubeconfig", self.config(), "capacity")
        self.assertFails(r, 1, "HTTP 500 while listing nodes: zzz")
        self.assertLess(len(r.err), 1000)


if __name__ == "__main__":
    harness.main()
