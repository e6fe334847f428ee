"""The transparency log's client side, end to end (issue 5, points 5 and 7).

A real `jic serve`; `jic verify` against it and against a folder `jic mirror`
exported; parties' mirrors cosigning; and the tamper tests: one byte of an
entry flipped, an entry dropped, two swapped, the log truncated, the
checkpoint replaced by one of another tree signed with the real key, and the
center rewriting an entry and recomputing its tree — each detected and named.

Run: python3 -m unittest -v ledger_client_e2e_test (from tests/api), or ctest.
"""
import copy
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from jic_center import JIC, JicCenter, scenario_operations

USERS = [("ivan", "RU", "planner"), ("olga", "RU", "officer"), ("pat", "US", "planner"),
         ("sam", "US", "officer"), ("una", "UN", "observer")]
PLANNER = {"RU": "ivan", "US": "pat"}


def jic(*args, timeout=300):
    return subprocess.run([JIC] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


def populate(center, ops=None):
    """Notifies the scenario's operations (each by a planner of its operator's
    party) and comments on the first: a log of a few dozen entries."""
    made = []
    for title, op in (ops or scenario_operations()):
        user = PLANNER.get(op.get("operator"), "ivan")
        r = center.post("/v1/operations", op, user=user)
        if r.status == 201:
            made.append(r.json["id"])
    if made:
        r = center.post("/v1/threads/operation:%s/comments" % made[0], {"text": "seen by the UN"},
                        user="sam")
        assert r.status == 201, r
    return made


def grow(center, size):
    """Comments until the log holds `size` entries."""
    ops = center.get("/v1/operations", user="sam").json
    ops = ops.get("operations", ops) if isinstance(ops, dict) else ops
    subject = "operation:" + ops[0]["id"]
    while center.get("/v1/ledger", user="una").json["size"] < size:
        r = center.post("/v1/threads/%s/comments" % subject, {"text": "more"}, user="sam")
        assert r.status == 201, r


def center_key(center):
    """The center's verifier key, read from its data folder (not from the API
    under test), else from GET /v1/ledger."""
    path = os.path.join(center.data, "ledger", "center.vkey")
    if os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    return center.get("/v1/ledger", user="una").json["key"]


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_lines(path, lines):
    with open(path, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))


class LedgerClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="jic-ledger-client-")
        cls.center = JicCenter(users=USERS)
        cls.center.setup()
        populate(cls.center)
        cls.url = "http://127.0.0.1:%d" % cls.center.port
        cls.key = center_key(cls.center)
        cls.token = cls.center.tokens["una"]

    @classmethod
    def tearDownClass(cls):
        cls.center.stop()
        shutil.rmtree(cls.center.data, ignore_errors=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def verify(self, *args):
        return jic("verify", "--key", self.key, *args)

    def verify_url(self, *args):
        return self.verify("--url", self.url, "--token", self.token, *args)

    def mirror(self, folder, *args, url=None, token=None):
        return jic("mirror", "--url", url or self.url, "--token", token or self.token, "--key", self.key,
                   folder, "--once", *args)

    def export(self, name):
        """A fresh mirror folder of the center's log, verified."""
        folder = self.path(name)
        shutil.rmtree(folder, ignore_errors=True)
        r = self.mirror(folder)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        r = self.verify("--dir", folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return folder

    def assertFails(self, r, *phrases, code=1):
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, code, out)
        for p in phrases:
            self.assertIn(p, out)

    # -- verify against a running center --------------------------------------
    def test_verify_url_replays_every_entry(self):
        size = self.center.get("/v1/ledger", user="una").json["size"]
        r = self.verify_url()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("verify: OK: checkpoint %d " % size, r.stdout)
        self.assertIn("every entry replayed, every decision re-derived", r.stdout)
        self.assertEqual(len(r.stdout.strip().splitlines()), 1)  # one line

    def test_verify_refuses_another_key(self):
        name = self.key.split("+")[0]
        vkey = jic("keygen", "--name", name, "--out", self.path("impostor.key")).stdout.strip()
        r = jic("verify", "--url", self.url, "--token", self.token, "--key", vkey)
        self.assertFails(r, "no signature by the center's key " + "+".join(vkey.split("+")[:2]))
        r = jic("verify", "--url", self.url, "--token", self.token, "--key", "nonsense")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_cosigners_and_signatories(self):
        keys = {}
        for party, user in (("RU", "olga"), ("US", "sam")):
            out = self.path("%s.cosigner.key" % party)
            r = jic("keygen", "--name", "%s.jic.example/mirror" % party.lower(), "--cosigner", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
            with open(out) as f:
                self.assertTrue(f.read().startswith("PRIVATE+KEY+"))
            keys[party] = (r.stdout.strip(), out)
            resp = self.center.post("/v1/keys", {"key": keys[party][0]}, user=user)
            self.assertEqual(resp.status, 201, resp)
        listed = self.center.get("/v1/keys", user="una").json["keys"]
        self.assertEqual({k["type"] for k in listed if k["key"] in (keys["RU"][0], keys["US"][0])},
                         {"cosignature"})

        # No party has cosigned yet.
        r = self.verify_url("--require-signatories")
        self.assertFails(r, "lacks a valid cosignature by signatory party", "US (none by its keys us.jic.example/mirror)",
                         "RU (none by its keys ru.jic.example/mirror)")
        # Russia's mirror cosigns what it verified.
        r = self.mirror(self.path("ru-mirror"), "--cosign-key", keys["RU"][1], token=self.center.tokens["olga"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cosigned as ru.jic.example/mirror", r.stdout)
        r = self.verify_url("--require-signatories")
        self.assertFails(r, "signatory party US")
        self.assertNotIn("RU (", r.stdout)
        r = self.verify_url("--cosigner", keys["RU"][0])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("cosigned by ru.jic.example/mirror", r.stdout)
        r = self.verify_url("--cosigner", keys["US"][0])
        self.assertFails(r, "no cosignature by us.jic.example/mirror")
        # Then the United States'.
        r = self.mirror(self.path("us-mirror"), "--cosign-key", keys["US"][1], token=self.center.tokens["sam"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.verify_url("--require-signatories")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("us.jic.example/mirror (US)", r.stdout)
        # The log grows past the cosigned checkpoint: the verifier asks for the
        # newest checkpoint that every signatory cosigned, and still passes.
        cosigned = self.center.get("/v1/ledger", user="una").json["size"]
        extra = jic("keygen", "--name", "una.extra", "--out", self.path("una.key"))
        self.assertEqual(self.center.post("/v1/keys", {"key": extra.stdout.strip()}, user="una").status, 201)
        self.assertGreater(self.center.get("/v1/ledger", user="una").json["size"], cosigned)
        r = self.verify_url("--require-signatories")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("checkpoint %d " % cosigned, r.stdout)
        # The mirror kept the note with the cosignatures: the folder verifies alike.
        r = self.verify("--dir", self.path("us-mirror"), "--require-signatories")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The next run takes the new entry and cosigns it; one more with nothing
        # new: no second cosignature, still fine.
        r = self.mirror(self.path("us-mirror"), "--cosign-key", keys["US"][1], token=self.center.tokens["sam"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 new entries, cosigned as", r.stdout)
        r = self.mirror(self.path("us-mirror"), "--cosign-key", keys["US"][1], token=self.center.tokens["sam"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 new entries", r.stdout)
        self.assertNotIn("cosigned as", r.stdout)
        # A signer key is not a cosigner key.
        jic("keygen", "--name", "x", "--out", self.path("plain.key"))
        r = self.mirror(self.path("x-mirror"), "--cosign-key", self.path("plain.key"))
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_keygen_never_overwrites(self):
        out = self.path("once.key")
        self.assertEqual(jic("keygen", "--name", "a", "--out", out).returncode, 0)
        r = jic("keygen", "--name", "a", "--out", out)
        self.assertFails(r, "never overwritten")

    # -- the mirror -------------------------------------------------------------
    def test_mirror_extends_through_consistency_proofs(self):
        folder = self.export("growing")
        before = len(read_lines(os.path.join(folder, "entries.jsonl")))
        grow(self.center, before + 5)
        r = self.mirror(folder)
        self.assertEqual(r.returncode, 0, r.stderr)
        after = len(read_lines(os.path.join(folder, "entries.jsonl")))
        self.assertGreater(after, before)
        self.assertIn("consistent with %d, %d new entries" % (before, after - before), r.stdout)
        self.assertEqual(os.path.getsize(os.path.join(folder, "leaf-hashes")), 32 * after)
        r = self.verify("--dir", folder)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The entries are the center's exact bytes.
        got = json.loads(self.center.get("/v1/ledger/entries?start=0&end=3", user="una").raw)["entries"]
        self.assertEqual([l.decode() for l in read_lines(os.path.join(folder, "entries.jsonl"))[:3]], got)

    def requests(self, route, status):
        """GETs of `route` the center answered with `status`, from its /metrics."""
        raw = self.center.get("/metrics", user="sam").raw
        m = re.search(r'^jic_http_requests_total\{route="%s",method="GET",status="%d"\} (\d+)$'
                      % (re.escape(route), status), raw, re.M)
        return int(m.group(1)) if m else 0

    def test_mirror_reads_through_the_tiles_entry_bundles(self):
        bundles, entries = "/v1/ledger/tile/entries/{index}", "/v1/ledger/entries"
        # An entry too large for a bundle (a 3,000-vertex outline: over 65,535
        # bytes), so that one bundle must be read through /v1/ledger/entries.
        op = copy.deepcopy(scenario_operations()[0][1])
        op["id"] = "op-many-vertices"
        op["volumes"][0]["volume"]["outline_polygon"]["vertices"] = [
            {"lat": round(35.95 + 0.09 * math.sin(2 * math.pi * k / 3000), 9),
             "lng": round(39.0 + 0.11 * math.cos(2 * math.pi * k / 3000), 9)} for k in range(3000)]
        size = self.center.get("/v1/ledger", user="una").json["size"]
        r = self.center.post("/v1/operations", op, user="pat")
        self.assertIn(r.status, (200, 201), r)
        big = self.center.get("/v1/ledger/entries?start=%d&end=%d" % (size, size + 1), user="una").json
        self.assertGreater(len(big["entries"][0]), 65535)
        grow(self.center, size + 300)  # a full bundle and a partial one at least
        before = (self.requests(bundles, 200), self.requests(bundles, 422), self.requests(entries, 200))
        folder = self.export("through-tiles")
        n = len(read_lines(os.path.join(folder, "entries.jsonl")))
        after = (self.requests(bundles, 200), self.requests(bundles, 422), self.requests(entries, 200))
        # One bundle per 256 entries, but the one holding the large entry,
        # which was read page by page instead.
        self.assertEqual(after[0] - before[0], (n + 255) // 256 - 1)
        self.assertEqual(after[1] - before[1], 1)
        self.assertGreaterEqual(after[2] - before[2], 1)
        # Extending it: the partial bundle it ended in is read again, its
        # known entries skipped.
        grow(self.center, n + 7)
        r = self.mirror(folder)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = len(read_lines(os.path.join(folder, "entries.jsonl")))
        self.assertIn("consistent with %d, %d new entries" % (n, m - n), r.stdout)
        self.assertEqual(self.verify("--dir", folder).returncode, 0)
        got = json.loads(self.center.get("/v1/ledger/entries?start=%d&end=%d" % (n - 2, m), user="una").raw)
        self.assertEqual([l.decode() for l in read_lines(os.path.join(folder, "entries.jsonl"))[n - 2:m]],
                         got["entries"])

    def test_mirror_refuses_an_altered_local_copy(self):
        folder = self.export("altered-local")
        lines = read_lines(os.path.join(folder, "entries.jsonl"))
        lines[1] = lines[1].replace(b'"role":"', b'"role":"x', 1)
        write_lines(os.path.join(folder, "entries.jsonl"), lines)
        r = self.mirror(folder)
        self.assertFails(r, "does not match its checkpoint")

    # -- tampering with an exported folder (point 7) ---------------------------
    def tampered(self, name):
        src = self.export("pristine-" + name)
        folder = self.path("tampered-" + name)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(src, folder)
        return folder, os.path.join(folder, "entries.jsonl")

    def test_tamper_flip_one_byte(self):
        folder, entries = self.tampered("flip")
        lines = read_lines(entries)
        # A notification in the middle: its recorded version 1 becomes 0.
        notes = [i for i, l in enumerate(lines) if b'"type":"operation.notify"' in l]
        k = notes[len(notes) // 2]  # entry k + 1
        i = lines[k].index(b'"version":1') + len(b'"version":')
        lines[k] = lines[k][:i] + bytes([lines[k][i] ^ 1]) + lines[k][i + 1:]
        write_lines(entries, lines)
        kind = json.loads(lines[k])["type"]
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d (%s): its bytes do not hash to the tree (altered)" % (k + 1, kind))
        # Without the leaf-hash cache the replay still names it.
        os.remove(os.path.join(folder, "leaf-hashes"))
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d (%s): " % (k + 1, kind))

    def test_tamper_drop_one(self):
        folder, entries = self.tampered("drop")
        lines = read_lines(entries)
        k = 4
        del lines[k]
        write_lines(entries, lines)
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d: out of place: position %d holds entry %d" % (k + 1, k + 1, k + 2))

    def test_tamper_swap_two(self):
        folder, entries = self.tampered("swap")
        lines = read_lines(entries)
        k = 6
        lines[k], lines[k + 1] = lines[k + 1], lines[k]
        write_lines(entries, lines)
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d: out of place: position %d holds entry %d" % (k + 1, k + 1, k + 2))

    def test_tamper_truncate(self):
        folder, entries = self.tampered("truncate")
        lines = read_lines(entries)
        n = len(lines)
        write_lines(entries, lines[:n - 3])
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d: missing: the log holds %d entries" % (n - 2, n - 3))
        # A last line cut in the middle.
        with open(entries, "wb") as f:
            f.write(b"".join(l + b"\n" for l in lines[:-1]) + lines[-1][:20])
        r = self.verify("--dir", folder)
        self.assertFails(r, "entry %d" % n, "do not hash to the tree")

    def test_tamper_checkpoint_edited(self):
        folder, _ = self.tampered("edited-checkpoint")
        cp = os.path.join(folder, "checkpoint")
        with open(cp) as f:
            text = f.read().split("\n")
        text[1] = str(int(text[1]) - 1)  # claim a shorter tree
        with open(cp, "w") as f:
            f.write("\n".join(text))
        r = self.verify("--dir", folder)
        self.assertFails(r, "checkpoint: the center's signature", "does not verify")

    def test_tamper_checkpoint_of_another_tree(self):
        """A checkpoint the real key signed, of another history: a second
        center holding the same key, fed other operations."""
        folder, entries = self.tampered("other-tree")
        n = len(read_lines(entries))
        other_dir = tempfile.mkdtemp(prefix="jic-e2e-other-")
        os.makedirs(os.path.join(other_dir, "ledger"))
        shutil.copy(os.path.join(self.center.data, "ledger", "center.key"),
                    os.path.join(other_dir, "ledger", "center.key"))
        with JicCenter(users=USERS, data_dir=other_dir) as other:
            populate(other, scenario_operations()[::-1])
            grow(other, n + 3)
            self.assertEqual(center_key(other), self.key)
            note = other.get("/v1/ledger/checkpoint?size=%d" % n, user="una").raw
            other_url = "http://127.0.0.1:%d" % other.port
            # 1. The folder with the other tree's checkpoint: signed, but not of these entries.
            with open(os.path.join(folder, "checkpoint"), "w") as f:
                f.write(note)
            r = self.verify("--dir", folder)
            self.assertFails(r, "the entries do not hash to the checkpoint's root",
                             "the checkpoint is of another tree")
            # 2. A mirror of the real center, shown the other history: a fork, loudly.
            mirror = self.export("fork-victim")
            r = self.mirror(mirror, url=other_url, token=other.tokens["una"])
            self.assertFails(r, "HISTORY REWRITTEN OR FORKED", "not an extension of checkpoint %d" % n, code=3)
            evidence = os.path.join(mirror, "evidence")
            (case,) = os.listdir(evidence)
            kept = sorted(os.listdir(os.path.join(evidence, case)))
            self.assertEqual(kept, ["new.checkpoint", "old.checkpoint", "reason.txt"])
            with open(os.path.join(evidence, case, "old.checkpoint")) as f:
                self.assertEqual(f.read().split("\n")[1], str(n))
            # The mirror's own copy is untouched and still verifies.
            r = self.verify("--dir", mirror)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        shutil.rmtree(other_dir, ignore_errors=True)

    def test_tamper_rewrite_and_recompute_the_tree(self):
        """The center rewrites one entry of its own log, rebuilds the tree and
        signs it again with its real key: only an earlier checkpoint shows it,
        and the mirror's consistency check holds one."""
        with JicCenter(users=USERS) as c:
            populate(c)
            url = "http://127.0.0.1:%d" % c.port
            key = center_key(c)
            mirror = self.path("rewrite-victim")
            shutil.rmtree(mirror, ignore_errors=True)
            run = lambda: jic("mirror", "--url", url, "--token", c.tokens["una"], "--key", key, mirror, "--once")
            r = run()
            self.assertEqual(r.returncode, 0, r.stderr)
            n = c.get("/v1/ledger", user="una").json["size"]
            c.stop()
            # The rewrite: the comment's text, in the log itself; the snapshots
            # and the ledger's tree and checkpoint made anew from it.
            db = sqlite3.connect(os.path.join(c.data, "log.sqlite"))
            seq, raw = db.execute("SELECT seq, bytes FROM entries WHERE CAST(bytes AS TEXT) LIKE "
                                  "'%\"type\":\"comment.add\"%' ORDER BY seq LIMIT 1").fetchone()
            raw = bytes(raw).replace(b"seen by the UN", b"never seen", 1)
            db.execute("UPDATE entries SET bytes = ? WHERE seq = ?", (raw, seq))
            db.execute("DELETE FROM snapshots")
            db.commit()
            db.close()
            for f in os.listdir(os.path.join(c.data, "ledger")):
                if f not in ("center.key", "center.vkey"):
                    os.remove(os.path.join(c.data, "ledger", f))
            c.start()
            url = "http://127.0.0.1:%d" % c.port
            self.assertEqual(c.get("/v1/ledger", user="una").json["size"], n)
            # The same size, another root.
            r = run()
            self.assertFails(r, "HISTORY REWRITTEN OR FORKED", "two different trees of size %d" % n, code=3)
            # One entry more: the consistency proof from the mirror's checkpoint fails.
            grow(c, n + 1)
            r = run()
            self.assertFails(r, "HISTORY REWRITTEN OR FORKED", "the consistency proof fails", code=3)
            self.assertEqual(len(os.listdir(os.path.join(mirror, "evidence"))), 2)
            # The rewritten history verifies on its own (the center signed it):
            # that is what the parties' mirrors and cosignatures are for.
            r = jic("verify", "--url", url, "--token", c.tokens["una"], "--key", key)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
