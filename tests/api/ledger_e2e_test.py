"""The ledger over HTTP (docs/ledger.md), against the real `jic serve`.

Checked here with Python's own SHA-256 and Ed25519 (python3-cryptography), not
jic's code: the entries hash to the signed root, proofs lead to it, the
checkpoint's signature and key ID are as C2SP says, cosignatures are taken only
from their registered owner and only for this tree, and signed approvals are
demanded, checked and kept in the log.

    cd tests/api && JIC_BINARY=.../jic python3 -m unittest -v ledger_e2e_test
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import tempfile
import unittest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jic_center import AGREEMENT, JIC, JicCenter, scenario_operations

DASH = "\u2014 "


def b64(b):
    return base64.b64encode(b).decode()


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def root_of(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name, typ, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub).digest()[:4]


def vkey(name, typ, pub):
    return "%s+%s+%s" % (name, key_id(name, typ, pub).hex(), b64(bytes([typ]) + pub))


def parse_note(note):
    text, sigs = note.split("\n\n", 1)
    lines = []
    for line in sigs.splitlines():
        assert line.startswith(DASH), line
        name, sig = line[len(DASH):].split(" ")
        lines.append((name, base64.b64decode(sig)))
    return text + "\n", lines


USERS = [("olga", "RU", "planner"), ("ivan", "RU", "officer"), ("pat", "US", "officer"),
         ("obs", "UN", "observer")]


class LedgerApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = JicCenter(users=USERS)
        cls.c.__enter__()
        for title, op in scenario_operations()[:6]:
            op = dict(op)
            op.pop("id", None)
            user = "olga" if op.get("submitted_by", op["operator"]) == "RU" else "pat"
            if user == "pat":
                continue
            r = cls.c.post("/v1/operations", op, user="olga")
            assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    def ledger(self):
        r = self.c.get("/v1/ledger", user="obs")
        self.assertEqual(r.status, 200, r)
        return r.json

    def entries(self, size):
        out = []
        start = 0
        while start < size:
            r = self.c.get("/v1/ledger/entries?start=%d&end=%d" % (start, size), user="obs")
            self.assertEqual(r.status, 200, r)
            got = [e.encode() for e in r.json["entries"]]
            self.assertTrue(got)
            out += got
            start += len(got)
        return out

    def test_checkpoint_is_signed_and_the_entries_hash_to_it(self):
        info = self.ledger()
        name, kid, material = info["key"].split("+", 2)
        raw = base64.b64decode(material)
        self.assertEqual(raw[0], 0x01)
        self.assertEqual(name, info["origin"])
        self.assertEqual(key_id(name, 1, raw[1:]).hex(), kid)
        pub = Ed25519PublicKey.from_public_bytes(raw[1:])
        r = self.c.get("/v1/ledger/checkpoint", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        text, sigs = parse_note(r.raw)
        origin, size, root = text.splitlines()
        self.assertEqual(origin, info["origin"])
        self.assertEqual(sigs[0][0], origin)
        self.assertEqual(sigs[0][1][:4].hex(), kid)
        pub.verify(sigs[0][1][4:], text.encode())  # raises when it does not verify
        size = int(size)
        self.assertGreaterEqual(size, info["size"])
        entries = self.entries(size)
        self.assertEqual(len(entries), size)
        leaves = [leaf_hash(e) for e in entries]
        self.assertEqual(b64(root_of(leaves)), root)
        for i, e in enumerate(entries):
            self.assertEqual(json.loads(e)["seq"], i + 1)
        # Proofs, checked by this file's own RFC 9162 verifier.
        for index in range(0, size, max(1, size // 7)):
            p = self.c.get("/v1/ledger/proof/inclusion?index=%d&size=%d" % (index, size), user="obs").json
            self.assertEqual(p["leaf_hash"], b64(leaves[index]))
            self.assertTrue(verify_inclusion(index, size, leaves[index],
                                             [base64.b64decode(x) for x in p["proof"]],
                                             base64.b64decode(root)))
        # An older checkpoint, and a consistency proof to it from the latest.
        old = self.c.get("/v1/ledger/checkpoint?size=3", user="obs")
        self.assertEqual(old.status, 200)
        self.assertEqual(parse_note(old.raw)[0].splitlines()[2], b64(root_of(leaves[:3])))
        cons = self.c.get("/v1/ledger/proof/consistency?first=3&second=%d" % size, user="obs")
        self.assertEqual(cons.status, 200, cons)
        self.assertTrue(cons.json["proof"])

    def test_bad_requests_name_the_parameter(self):
        size = self.ledger()["size"]
        for path, field in [
            ("/v1/ledger/entries?start=0", "end"),
            ("/v1/ledger/entries?start=x&end=2", "start"),
            ("/v1/ledger/entries?start=0&end=%d" % (size + 5), "end"),
            ("/v1/ledger/entries?start=3&end=3", "start"),
            ("/v1/ledger/proof/inclusion?index=%d&size=%d" % (size, size), "index"),
            ("/v1/ledger/proof/inclusion?index=0&size=%d" % (size + 1), "size"),
            ("/v1/ledger/proof/inclusion?index=-1&size=2", "index"),
            ("/v1/ledger/proof/consistency?first=0&second=2", "first"),
            ("/v1/ledger/proof/consistency?first=3&second=2", "first"),
            ("/v1/ledger/checkpoint?size=%d" % (size + 100), "size"),
        ]:
            r = self.c.get(path, user="obs")
            self.assertEqual(r.status, 400, (path, r))
            self.assertEqual(r.json["error"]["field"], field, (path, r))
        self.assertEqual(self.c.get("/v1/ledger").status, 401)
        self.assertEqual(self.c.post("/v1/ledger/checkpoint", {}, user="obs").status, 405)
        self.assertEqual(self.c.get("/v1/ledger/nope", user="obs").status, 404)

    def test_cosignatures_only_from_their_owner_and_for_this_tree(self):
        key = Ed25519PrivateKey.generate()
        pub = raw_public(key)
        r = self.c.post("/v1/keys", {"key": vkey("ru.mirror", 4, pub)}, user="ivan")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["type"], "cosignature")
        cp = self.c.get("/v1/ledger/checkpoint", user="ivan").raw
        text, _ = parse_note(cp)

        def cosig(t, when=1800000000):
            sig = key.sign(("cosignature/v1\ntime %d\n" % when).encode() + t.encode())
            return DASH + "ru.mirror " + b64(key_id("ru.mirror", 4, pub) + struct.pack(">Q", when) + sig) + "\n"

        # Someone else cannot file ivan's cosignature.
        r = self.c.post("/v1/ledger/cosignatures", {"checkpoint": text, "cosignature": cosig(text)}, user="pat")
        self.assertEqual(r.status, 403, r)
        # Another tree's checkpoint: 409.
        lines = text.splitlines()
        forged = "\n".join([lines[0], lines[1], b64(hashlib.sha256(b"x").digest())]) + "\n"
        r = self.c.post("/v1/ledger/cosignatures", {"checkpoint": forged, "cosignature": cosig(forged)}, user="ivan")
        self.assertEqual(r.status, 409, r)
        # A signature that does not verify: 400.
        bad = cosig(text)
        bad = bad[:-6] + ("A" if bad[-6] != "A" else "B") + bad[-5:]
        r = self.c.post("/v1/ledger/cosignatures", {"checkpoint": text, "cosignature": bad}, user="ivan")
        self.assertEqual(r.status, 400, r)
        # The real one: kept, and served with that checkpoint.
        r = self.c.post("/v1/ledger/cosignatures", {"checkpoint": text, "cosignature": cosig(text)}, user="ivan")
        self.assertEqual(r.status, 201, r)
        size = int(lines[1])
        note = self.c.get("/v1/ledger/checkpoint?size=%d" % size, user="obs").raw
        names = [n for n, _ in parse_note(note)[1]]
        self.assertIn("ru.mirror", names)
        r = self.c.get("/v1/ledger/checkpoint?cosigned_by=ru.mirror", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(parse_note(r.raw)[0], text)
        self.assertEqual(self.c.get("/v1/ledger/checkpoint?cosigned_by=ru.mirror,us.mirror", user="obs").status, 404)
        keys = self.c.get("/v1/keys", user="obs").json["keys"]
        self.assertIn({"user": "ivan", "party": "RU", "name": "ru.mirror", "type": "cosignature"},
                      [{k: x[k] for k in ("user", "party", "name", "type")} for x in keys])


class SignedApprovalsTest(unittest.TestCase):
    """An agreement that requires signed approvals."""

    def test_unsigned_refused_signed_kept_and_replayable(self):
        with open(AGREEMENT) as f:
            text = f.read() + "\nsigned_commands: approvals\n"
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "agreement.yaml")
        with open(path, "w") as f:
            f.write(text)
        with JicCenter(users=USERS, agreement=path) as c:
            key = Ed25519PrivateKey.generate()
            pub = raw_public(key)
            ref = "pat.sign+" + key_id("pat.sign", 1, pub).hex()
            self.assertEqual(c.post("/v1/keys", {"key": vkey("pat.sign", 1, pub)}, user="pat").status, 201)
            op = next(o for t, o in scenario_operations() if "needs US approval (R2)" in t)
            op = dict(op)
            op.pop("id", None)
            r = c.post("/v1/operations", op, user="olga")
            self.assertEqual(r.json["state"], "pending_approval", r)
            oid, version = r.json["id"], r.json["version"]
            body = json.dumps({"approve": True, "reason": "agreed"})

            def signature(if_match, user="pat", line=None):
                msg = "jic-command/v1\njic-2016\n%s\n%s\n%s\n%s" % (
                    user, line or "POST /v1/operations/%s/approvals" % oid,
                    "" if if_match is None else str(if_match), body)
                return ref + " " + b64(key.sign(msg.encode()))

            url = "/v1/operations/%s/approvals" % oid
            r = c.post(url, body, user="pat")
            self.assertEqual(r.status, 403, r)
            self.assertIn("signed", r.json["error"]["message"])
            # Signed for another version, or another request: refused.
            r = c.post(url, body, user="pat", headers={"Jic-Signature": signature(version + 1), "If-Match": str(version)})
            self.assertEqual(r.status, 403, r)
            r = c.post(url, body, user="pat", headers={"Jic-Signature": signature(None, line="POST /v1/operations/x/approvals")})
            self.assertEqual(r.status, 403, r)
            r = c.post(url, body, user="pat", headers={"Jic-Signature": "garbage"})
            self.assertEqual(r.status, 400, r)
            self.assertEqual(r.json["error"]["field"], "Jic-Signature")
            # Stale If-Match: 412 before anything else.
            r = c.post(url, body, user="pat", headers={"Jic-Signature": signature(version + 1), "If-Match": str(version + 1)})
            self.assertEqual(r.status, 412, r)
            # Right: accepted and the signature kept in the entry.
            r = c.post(url, body, user="pat", headers={"Jic-Signature": signature(version), "If-Match": str(version)})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["state"], "accepted", r)
            size = c.get("/v1/ledger", user="obs").json["size"]
            last = json.loads(c.get("/v1/ledger/entries?start=%d&end=%d" % (size - 1, size), user="obs").json["entries"][0])
            self.assertEqual(last["type"], "operation.approve")
            self.assertEqual(last["signature"]["body"], body)
            self.assertEqual(last["signature"]["if_match"], version)
            self.assertEqual(last["signature"]["key"], ref)
            # The command line signs: jic keygen, then jic call --key.
            keyfile = os.path.join(tmp, "pat.key")
            out = subprocess.run([JIC, "keygen", "--name", "pat.cli", "--out", keyfile], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            pat_vkey = out.stdout.strip().splitlines()[-1]
            url = "http://127.0.0.1:%d" % c.port

            def call(*argv):
                return subprocess.run([JIC, "call", *argv, "--url", url, "--token", c.tokens["pat"]],
                                      capture_output=True, text=True)

            out = call("POST", "/v1/keys", "--data", json.dumps({"key": pat_vkey}))
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            op2 = next(o for t, o in scenario_operations() if "(R5" in t)
            op2 = dict(op2)
            op2.pop("id", None)
            r = c.post("/v1/operations", op2, user="olga")
            self.assertEqual(r.json["state"], "pending_approval", r)
            path = "/v1/operations/%s/approvals" % r.json["id"]
            out = call("POST", path, "--data", '{"approve": false, "reason": "not agreed"}')
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("signed", out.stdout)
            out = call("POST", path, "--data", '{"approve": false, "reason": "not agreed"}',
                       "--if-match", str(r.json["version"]), "--key", keyfile)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertEqual(json.loads(out.stdout)["state"], "rejected")
            c.stop()
            out = subprocess.run([JIC, "replay-check", "--data", c.data], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
