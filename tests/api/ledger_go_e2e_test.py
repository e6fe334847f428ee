"""jic's ledger checked by someone else's code (issue 5, point 6).

tests/ledger/go/tlogcheck is built from Debian's golang-go and
golang-golang-x-mod-dev (offline: GO111MODULE=off, GOPATH=/usr/share/gocode)
and checks a running `jic serve`: the checkpoint with note.Open and the
center's vkey, the root over every entry with tlog.TreeHash, every inclusion
proof with tlog.CheckRecord, the consistency proof from every earlier signed
checkpoint with tlog.CheckTree (jic's proofs must also equal tlog's own), and
a party's cosignature with crypto/ed25519 over cosignature/v1. It reads the
same log through its C2SP tlog-tiles (every tile equal to tlog.ReadTileData,
every entry bundle equal to the entries, tlog.TileHashReader checking each
tile against the signed root). It also runs the RFC 6962 vectors of
tests/data/tlog/merkle through tlog.

Run: python3 -m unittest -v ledger_go_e2e_test (from tests/api), or ctest.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from jic_center import JIC, SOURCE_DIR, JicCenter
from ledger_client_e2e_test import USERS, center_key, grow, populate

GOPATH = "/usr/share/gocode"
GO_SOURCES = os.path.join(GOPATH, "src", "golang.org", "x", "mod", "sumdb")


def go_env(tmp):
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="")
    if not os.access(os.environ.get("HOME", "/nonexistent"), os.W_OK):
        env["GOCACHE"] = os.path.join(tmp, "gocache")
    return env


@unittest.skipUnless(shutil.which("go") and os.path.isdir(GO_SOURCES),
                     "needs golang-go and golang-golang-x-mod-dev (scripts/deps.sh)")
class GoCrossCheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="jic-go-")
        cls.tool = os.path.join(cls.tmp, "tlogcheck")
        out = subprocess.run(["go", "build", "-o", cls.tool, "./tests/ledger/go/tlogcheck"], cwd=SOURCE_DIR,
                             env=go_env(cls.tmp), capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError("go build failed:\n" + out.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_rfc6962_vectors_through_go_tlog(self):
        out = subprocess.run([self.tool, "vectors", os.path.join(SOURCE_DIR, "tests", "data", "tlog", "merkle")],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("tlog agrees with 196 of 196 files", out.stdout)

    def test_go_verifies_a_running_center(self):
        with JicCenter(users=USERS) as c:
            populate(c)
            url = "http://127.0.0.1:%d" % c.port
            key = center_key(c)
            # A party registers a cosigner key and its mirror cosigns.
            keyfile = os.path.join(self.tmp, "us.key")
            vkey = subprocess.run([JIC, "keygen", "--name", "us.jic.example/mirror", "--cosigner", "--out", keyfile],
                                  capture_output=True, text=True, check=True).stdout.strip()
            self.assertEqual(c.post("/v1/keys", {"key": vkey}, user="sam").status, 201)
            m = subprocess.run([JIC, "mirror", "--url", url, "--token", c.tokens["sam"], "--key", key,
                                os.path.join(self.tmp, "mirror"), "--once", "--cosign-key", keyfile],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(m.returncode, 0, m.stderr)
            size = c.get("/v1/ledger", user="una").json["size"]
            self.assertGreater(size, 10)
            out = subprocess.run([self.tool, "server", url, c.tokens["una"], key, vkey],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("note.Open verified the center's signature", out.stdout)
            self.assertIn("root: tlog.TreeHash over %d entries equals the signed root" % size, out.stdout)
            self.assertIn("inclusion: %d proofs pass tlog.CheckRecord" % size, out.stdout)
            self.assertIn("proofs from all %d earlier signed checkpoints pass tlog.CheckTree" % (size - 1), out.stdout)
            self.assertIn("cosignatures: 1 verified", out.stdout)
            # And the Go side is not a rubber stamp: another key fails note.Open.
            other = subprocess.run([JIC, "keygen", "--name", key.split("+")[0], "--out",
                                    os.path.join(self.tmp, "other.key")],
                                   capture_output=True, text=True, check=True).stdout.strip()
            bad = subprocess.run([self.tool, "server", url, c.tokens["una"], other], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(bad.returncode, 1, bad.stdout)
            self.assertIn("FAIL: note.Open", bad.stdout)


    def test_go_reads_the_log_through_its_tiles(self):
        with JicCenter(users=USERS) as c:
            populate(c)
            grow(c, 600)  # full level-0 tiles, a partial one, and a partial level-1 tile
            size = c.get("/v1/ledger", user="una").json["size"]
            url = "http://127.0.0.1:%d" % c.port
            out = subprocess.run([self.tool, "tiles", url, c.tokens["una"], center_key(c)],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertRegex(out.stdout, r"tiles: %d full and \d+ partial tiles on 2 levels equal "
                                         r"tlog.ReadTileData; entry bundles equal the entries" % (size // 256))
            self.assertIn("tlog.TreeHash and %d inclusion proofs from jic's tiles check against the signed root"
                          % size, out.stdout)

            # As HTTP resources: immutable octet streams; malformed paths are
            # refused with the reason, tiles the tree does not hold are 404.
            r = c.get("/v1/ledger/tile/0/000", user="una")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get("Content-Length"), "8192")
            self.assertEqual(r.headers.get("Content-Type"), "application/octet-stream")
            self.assertIn("immutable", r.headers.get("Cache-Control", ""))
            self.assertEqual(c.get("/v1/ledger/tile/entries/001", user="una").status, 200)
            r = c.get("/v1/ledger/tile/1/000.p/%d" % (size // 256), user="una")
            self.assertEqual(r.headers.get("Content-Length"), str(32 * (size // 256)))
            for bad in ("0/x000/001", "0/1", "0/0001", "64/000", "00/000", "0/000.p/0", "0/000.p/256",
                        "0/000.p/007", "0/x1/000", "entries/x001", "0/000.p"):
                r = c.get("/v1/ledger/tile/" + bad, user="una")
                self.assertEqual(r.status, 400, bad)
                self.assertEqual(r.json["error"]["field"], "path", bad)
            for absent in ("0/x001/000", "2/000", "0/%03d.p/255" % (size // 256), "entries/999"):
                r = c.get("/v1/ledger/tile/" + absent, user="una")
                self.assertEqual(r.status, 404, absent)
            self.assertEqual(c.get("/v1/ledger/tile/0/000").status, 401)


if __name__ == "__main__":
    unittest.main()
