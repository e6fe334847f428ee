"""End to end: GET /v1/openapi.json documents the routes the router serves.

A real `jic serve` (tests/api/jic_center.py) with one user of each role. The
document must be valid JSON of OpenAPI 3, every $ref in it must resolve, the
routes below (what src/api/router.cc serves, written out by hand) must be in
it, and every path and method it documents must be served: called with
placeholder ids it may answer 404 for a missing resource, never 404 "no such
route" or 405.

    cd tests/api && JIC_BINARY=../../build/jic python3 -m unittest -v openapi_e2e_test
"""
import http.client
import json
import os
import re
import unittest

from jic_center import SOURCE_DIR, JicCenter

DOC_FILE = os.path.join(SOURCE_DIR, "docs", "openapi.json")

USERS = [
    ("pat", "US", "planner"),
    ("olga", "RU", "officer"),
    ("wes", "US", "watch"),
    ("oscar", "UN", "observer"),
    ("ada", "UN", "admin"),
]

# What the router serves: (method, path template).
ROUTES = [
    ("GET", "/healthz"),
    ("HEAD", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/whoami"),
    ("GET", "/v1/operations"),
    ("POST", "/v1/operations"),
    ("GET", "/v1/operations/{id}"),
    ("PUT", "/v1/operations/{id}"),
    ("POST", "/v1/operations/{id}/approvals"),
    ("POST", "/v1/operations/{id}/activate"),
    ("POST", "/v1/operations/{id}/end"),
    ("POST", "/v1/operations/{id}/cancel"),
    ("GET", "/v1/amendments"),
    ("POST", "/v1/amendments"),
    ("GET", "/v1/amendments/{id}"),
    ("POST", "/v1/amendments/{id}/approvals"),
    ("GET", "/v1/agreement"),
    ("GET", "/v1/areas"),
    ("GET", "/v1/alerts"),
    ("GET", "/v1/alerts/{id}"),
    ("POST", "/v1/alerts/{id}/ack"),
    ("GET", "/v1/threads/{subject}/comments"),
    ("POST", "/v1/threads/{subject}/comments"),
    ("GET", "/v1/events"),
    ("GET", "/v1/tracks"),
    ("POST", "/v1/tracks"),
    ("GET", "/v1/tracks/{icao24}/history"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("GET", "/v1/keys"),
    ("POST", "/v1/keys"),
    ("GET", "/v1/ledger"),
    ("GET", "/v1/ledger/checkpoint"),
    ("GET", "/v1/ledger/entries"),
    ("GET", "/v1/ledger/proof/inclusion"),
    ("GET", "/v1/ledger/proof/consistency"),
    ("GET", "/v1/ledger/tile/{level}/{index}"),
    ("GET", "/v1/ledger/tile/entries/{index}"),
    ("POST", "/v1/ledger/cosignatures"),
]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PLACEHOLDERS = {"id": "no-such-id", "subject": "operation:no-such-id", "icao24": "abcdef"}


def resolve(doc, ref):
    """The object a local $ref ("#/a/b") names; KeyError when there is none."""
    if not ref.startswith("#/"):
        raise KeyError("not a local reference: " + ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def refs(node, where="#"):
    """Every $ref in the document: (where it is, what it names)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield where, v
            else:
                yield from refs(v, where + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from refs(v, "%s/%d" % (where, i))


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"])
    return node


def operations(doc):
    """(method, path, operation object, path item) for each documented operation."""
    for path, item in doc["paths"].items():
        for m in METHODS:
            if m in item:
                yield m.upper(), path, item[m], item


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.center = JicCenter(users=USERS)
        try:
            cls.center.setup()
            r = cls.center.get("/v1/openapi.json", user="oscar")
        except BaseException:
            cls.center.__exit__(None, None, None)
            raise
        cls.response = r
        cls.doc = r.json if r.status == 200 else None

    @classmethod
    def tearDownClass(cls):
        cls.center.__exit__(None, None, None)

    def setUp(self):
        self.assertIsNotNone(self.doc, "GET /v1/openapi.json: %r" % (self.response,))

    # -- the document ------------------------------------------------------
    def test_served_to_every_role_and_not_without_a_token(self):
        for name, _, role in USERS:
            r = self.center.get("/v1/openapi.json", user=name)
            self.assertEqual(r.status, 200, role)
            self.assertTrue(r.headers.get("Content-Type", "").startswith("application/json"))
            self.assertEqual(r.json, self.doc)
        r = self.center.get("/v1/openapi.json")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["error"]["code"], "unauthenticated")
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        r = self.center.get("/v1/openapi.json", token="jic_not_a_token")
        self.assertEqual(r.status, 401, r)

    def test_is_openapi_3(self):
        doc = self.doc
        self.assertIsInstance(doc, dict)
        self.assertRegex(doc.get("openapi", ""), r"^3\.\d+\.\d+$")
        self.assertTrue(doc["info"]["title"])
        self.assertTrue(doc["info"]["version"])
        for section in ("schemas", "responses", "parameters", "securitySchemes"):
            self.assertIn(section, doc["components"])
        self.assertTrue(doc["paths"])
        for path in doc["paths"]:
            self.assertTrue(path.startswith("/"), path)

    def test_is_the_file_in_the_tree(self):
        # The binary embeds docs/openapi.json at configure time: a stale
        # build serves an older document.
        with open(DOC_FILE, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(json.loads(text), self.doc)
        self.assertLess(len(text.encode()), 120 * 1000, "docs/openapi.json must stay under 120 KB")
        self.assertNotIn(')jic_openapi"', text)

    def test_every_ref_resolves(self):
        found = list(refs(self.doc))
        self.assertGreater(len(found), 50)
        for where, ref in found:
            try:
                target = resolve(self.doc, ref)
            except (KeyError, IndexError, ValueError):
                self.fail("%s: $ref %s does not resolve" % (where, ref))
            self.assertIsInstance(target, dict, "%s: %s" % (where, ref))

    def test_bearer_security_everywhere_but_healthz(self):
        doc = self.doc
        schemes = doc["components"]["securitySchemes"]
        bearer = [n for n, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "bearer"]
        self.assertEqual(len(bearer), 1, schemes)
        self.assertIn({bearer[0]: []}, doc["security"])
        for method, path, op, _ in operations(doc):
            if path == "/healthz":
                self.assertEqual(op.get("security"), [], method + " " + path)
            else:
                self.assertNotEqual(op.get("security"), [], method + " " + path)
                self.assertIn("401", op["responses"], method + " " + path)

    def test_routes_are_documented(self):
        documented = {(m, p) for m, p, _, _ in operations(self.doc)}
        missing = [r for r in ROUTES if r not in documented]
        self.assertEqual(missing, [], "served but not documented")
        extra = sorted(documented - set(ROUTES))
        self.assertEqual(extra, [], "documented but not in this test's list of routes")

    def test_operations_are_well_formed(self):
        ids = set()
        for method, path, op, item in operations(self.doc):
            what = method + " " + path
            self.assertTrue(op.get("operationId"), what)
            self.assertNotIn(op["operationId"], ids, what)
            ids.add(op["operationId"])
            self.assertTrue(op.get("description"), what)
            self.assertTrue(op.get("responses"), what)
            params = [deref(self.doc, p) for p in item.get("parameters", []) + op.get("parameters", [])]
            for p in params:
                self.assertIn(p["in"], ("path", "query", "header", "cookie"), what)
            in_path = {p["name"] for p in params if p["in"] == "path"}
            for p in params:
                if p["in"] == "path":
                    self.assertTrue(p.get("required"), what + ": " + p["name"])
            self.assertEqual(in_path, set(re.findall(r"{(\w+)}", path)), what)
            if "requestBody" in op:
                body = deref(self.doc, op["requestBody"])
                self.assertIn("application/json", body["content"], what)

    def test_headers_and_parameters_the_api_reads(self):
        doc = self.doc
        names = set()
        for _, _, op, item in operations(doc):
            for p in item.get("parameters", []) + op.get("parameters", []):
                p = deref(doc, p)
                names.add((p["in"], p["name"]))
        for want in [("header", "If-Match"), ("header", "Idempotency-Key"), ("header", "Last-Event-ID"),
                     ("header", "Jic-Signature"), ("query", "index"), ("query", "size"),
                     ("query", "state"), ("query", "party"), ("query", "at"), ("query", "after")]:
            self.assertIn(want, names)
        text = json.dumps(doc)
        for header in ("ETag", "Location", "Allow", "WWW-Authenticate"):
            self.assertIn('"%s"' % header, text)
        events = doc["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]
        self.assertIn("text/event-stream", events)
        tracks = doc["paths"]["/v1/tracks"]
        self.assertIn("200", tracks["get"]["responses"])
        self.assertIn("202", tracks["post"]["responses"])

    # -- the server --------------------------------------------------------
    def call(self, method, path, user):
        """Calls a documented operation with placeholder ids; returns (status, json, raw)."""
        target = path
        for name, value in PLACEHOLDERS.items():
            target = target.replace("{%s}" % name, value)
        headers = {}
        if user is not None:
            headers["Authorization"] = "Bearer " + self.center.tokens[user]
        body = None
        if method in ("POST", "PUT"):
            body = b"{}"
            headers["Content-Type"] = "application/json"
        if method == "PUT":
            headers["If-Match"] = '"1"'
        conn = self.center.connection(timeout=30)
        try:
            conn.request(method, target, body=body, headers=headers)
            r = conn.getresponse()
            if r.getheader("Content-Type", "").startswith("text/event-stream"):
                # An event stream does not end: read its first line only.
                raw = r.readline().decode()
            else:
                raw = r.read().decode(errors="replace")
            status = r.status
        finally:
            conn.close()
        try:
            j = json.loads(raw) if raw and not raw.startswith("retry:") else None
        except ValueError:
            j = None
        return status, j, raw

    def test_unknown_route_is_no_such_route(self):
        # The control for the next test: this is what an unserved path answers.
        status, j, _ = self.call("GET", "/v1/no-such-thing", "olga")
        self.assertEqual(status, 404)
        self.assertTrue(j["error"]["message"].startswith("no such route"), j)

    def test_documented_operations_are_served(self):
        for method, path, op, _ in operations(self.doc):
            with self.subTest(route=method + " " + path):
                user = "ada" if path == "/v1/users" else "olga"
                status, j, raw = self.call(method, path, user)
                message = (j or {}).get("error", {}).get("message", "") if isinstance(j, dict) else ""
                self.assertFalse(status == 404 and message.startswith("no such route"), raw[:300])
                self.assertNotEqual(status, 405, raw[:300])
                self.assertIn(str(status), op["responses"],
                              "answered %d, which it does not document: %s" % (status, raw[:300]))

    def test_documented_operations_need_a_token(self):
        for method, path, op, _ in operations(self.doc):
            if path == "/healthz":
                continue
            with self.subTest(route=method + " " + path):
                status, j, raw = self.call(method, path, None)
                self.assertEqual(status, 401, raw[:300])

    def test_event_stream_and_healthz(self):
        status, _, first = self.call("GET", "/v1/events", "oscar")
        self.assertEqual(status, 200)
        self.assertEqual(first, "retry: 2000\n")
        status, j, _ = self.call("GET", "/healthz", None)
        self.assertEqual(status, 200)
        self.assertEqual(j["status"], "ok")


if __name__ == "__main__":
    unittest.main()
