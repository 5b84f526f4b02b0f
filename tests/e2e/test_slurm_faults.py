"""The Slurm adapter against a loopback server that answers with recorded slurmrestd responses
(slurm_server.py): version discovery, the JWT headers, and slurmrestd's own failures. The real
Slurm lab's suite is scripts/slurm-lab's; this one covers what a healthy lab cannot show."""
import json
import os
import threading
import unittest

import harness
from harness import run
from slurm_server import DATA, JWT, ERRORS, Fake, LocalHandler, SlurmServer, UnixServer, captured, reset


class SlurmFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = SlurmServer().__enter__()
        cls.source = cls.server.source

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        reset()

    def fleetcap(self, *args, jwt=JWT):
        env = harness.clean_env(SLURM_JWT=jwt, SLURM_USER="alice") if jwt else harness.clean_env()
        return run("--source", self.source, *args, env=env)

    def test_capacity_from_recorded_responses(self):
        # Slurm-web's 25.11 cluster "hpc": gpu1, gpu2 with gpu:h100:4, gpu3, gpu4 with untyped gpu:4,
        # so two clusters hpc/gpu and hpc/h100 of 8 GPUs each. Running GPU jobs, all flex (no GPU
        # limits): 4716 (1, gpu1) + 5512 (4, gpu1) + 5679 (8, gpu1-2) + 5557 (4, gpu2) = 17 in hpc/h100.
        for version in ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"):
            Fake.version = version
            r = self.fleetcap("--json", "-v", "capacity")
            self.assertEqual(r.code, 0, r.err)
            doc = r.json()
            by = {c["name"]: c for c in doc["clusters"]}
            self.assertEqual(sorted(by), ["hpc/gpu", "hpc/h100"])
            self.assertEqual(by["hpc/h100"]["total"], 8)
            self.assertEqual(by["hpc/gpu"]["total"], 8)
            self.assertEqual(by["hpc/h100"]["flex_used"], 17)
            self.assertEqual(by["hpc/gpu"]["flex_used"], 0)
            self.assertEqual(by["hpc/h100"]["assigned"], 0)
            self.assertIn(f"data parser {version} (from GET /openapi/v3", r.err)
            self.assertNotIn(JWT, r.err)
        self.assertIn(("/openapi/v3", "alice", JWT), Fake.seen)

    def test_unix_socket_sends_no_token(self):
        path = os.path.join(harness.empty_config_home(), "slurmrestd.socket")
        server = UnixServer(path, LocalHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            env = harness.clean_env(SLURM_JWT=JWT)
            r = run("--source", "slurm+unix://" + path, "--json", "capacity", env=env)
            self.assertEqual(r.code, 0, r.err)
            self.assertEqual(len(r.json()["clusters"]), 2)
            self.assertTrue(Fake.seen)
            self.assertEqual({(name, token) for _, name, token in Fake.seen}, {(None, None)})
        finally:
            server.shutdown()
            server.server_close()

    def test_version_by_probing_ping(self):
        Fake.openapi, Fake.version = False, "v0.0.42"
        r = self.fleetcap("-v", "capacity")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn("data parser v0.0.42 (by probing ping", r.err)

    def test_401_says_what_to_do(self):
        r = self.fleetcap("capacity", jwt="wrong-token")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.out, "")
        self.assertIn("HTTP 401", r.err)
        self.assertIn("SLURM_JWT", r.err)
        self.assertNotIn("wrong-token", r.err)

    def test_jwt_echoed_by_the_server_is_redacted(self):
        # Issue 16 item 2: the Slurm JWT is a secret like the token; slurmrestd quoting it back
        # in an error (said by fleetcap as "slurmrestd says: ...") must not print it.
        Fake.status = {"/jobs": (500, json.dumps({"errors": [{"error": f"token {JWT} expired", "error_number": 1}]}))}
        r = self.fleetcap("capacity")
        self.assertEqual((r.code, r.out), (1, ""), r.err)
        self.assertIn("token [REDACTED] expired", r.err)
        self.assertNotIn(JWT, r.err)

    def test_version_not_served(self):
        Fake.openapi, Fake.version = False, "v0.0.37"
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.out, "")
        self.assertIn("serves none of the data parser versions", r.err)

    def test_slurmctld_not_answering(self):
        # Slurm 22.05 says only "Unspecified error" (also for a JWT slurmctld rejects).
        Fake.status = {"/nodes": (500, captured("slurmctld-down-nodes.json"))}
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.out, "")
        self.assertIn("/slurm/v0.0.44/nodes: HTTP 500", r.err)
        self.assertIn("Unspecified error", r.err)
        self.assertIn("scontrol ping", r.err)
        self.assertIn("scontrol token", r.err)

    def test_rejected_jwt_on_slurmdb(self):
        Fake.status = {"/associations": (500, captured("bad-token-associations.json"))}
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.out, "")
        self.assertIn("Protocol authentication error [error 1007]", r.err)
        self.assertIn("SLURM_JWT", r.err)

    def test_slurmdbd_down(self):
        Fake.status = {"/associations": (500, captured("slurmdbd-down-associations.json"))}
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.out, "")
        self.assertIn("/slurmdb/v0.0.44/associations: HTTP 500", r.err)
        self.assertIn("Unable to connect to database (Failed connecting to slurmdbd) [error 7000]", r.err)
        self.assertIn("--slurm-quota none", r.err)
        r = self.fleetcap("--slurm-quota", "none", "capacity")
        self.assertEqual(r.code, 0, r.err)

    def test_no_slurmdbd_means_no_quota_with_a_warning(self):
        Fake.slurmdb = False  # not in the OpenAPI document: not asked for
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn("no slurmdbd", r.err)
        self.assertFalse([p for p, _, _ in Fake.seen if "slurmdb" in p])
        Fake.slurmdb, Fake.openapi = True, False
        Fake.status = {"/associations": (404, "Unable find requested URL.")}  # probed: a 404
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn("no slurmdbd", r.err)

    def test_malformed_object(self):
        with open(os.path.join(DATA, "v0.0.44", "nodes.json")) as f:
            nodes = json.load(f)
        nodes["nodes"][4]["gres"] = 8
        Fake.status = {"/nodes": (200, json.dumps(nodes))}
        r = self.fleetcap("capacity")
        self.assertEqual(r.code, 3)
        self.assertEqual(r.out, "")
        self.assertIn('/slurm/v0.0.44/nodes: nodes[4] "gpu1": field "gres" must be a string, got 8', r.err)

    def test_snapshot_save_reads_back_the_same(self):
        d = os.path.join(harness.empty_config_home(), "snap")
        r = self.fleetcap("snapshot", "save", d)
        self.assertEqual(r.code, 0, r.err)
        live = self.fleetcap("--json", "capacity").json()
        saved = run("--source", d, "--json", "capacity", env=harness.clean_env()).json()
        self.assertEqual(live["clusters"], saved["clusters"])


if __name__ == "__main__":
    unittest.main()
