"""Hostile input gets an error, never a crash or a change.

Every case sends something a well-behaved client would not, checks the exact
status and the error body ({"error": {"code", "message", "field"?}}, naming the
field at fault where there is one), then checks that the center still serves
(GET /healthz) and that nothing was recorded (jic_log_last_seq and
GET /v1/operations as before).

Raw sockets are used where http.client cannot express the abuse.

    cd tests/api && JIC_BINARY=../../build/jic python3 -m unittest -v hostile_e2e_test
"""
import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jic_center import JicCenter, Response  # noqa: E402

READ_TIMEOUT_S = 2
OPS = "/v1/operations"

# A day ahead, on the hour: no notice warnings, far from the scenario's dates.
T0 = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).replace(
    minute=0, second=0, microsecond=0)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def square(lat, lng, d=0.02):
    return [{"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + d},
            {"lat": lat + d, "lng": lng + d}, {"lat": lat + d, "lng": lng}]


def operation(operator="RU", category="isr", vertices=None, lower=3000, upper=4000,
              start=None, minutes=60):
    """A valid notification over the eastern desert (no area of the agreement there)."""
    start = start or T0
    return {
        "operator": operator,
        "category": category,
        "aircraft": [{"callsign": "RFF101", "icao24": "150101"}],
        "volumes": [{
            "volume": {
                "outline_polygon": {"vertices": vertices or square(34.5, 39.5)},
                "altitude_lower": {"value": lower, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": upper, "reference": "W84", "units": "M"},
            },
            "time_start": {"value": rfc3339(start), "format": "RFC3339"},
            "time_end": {"value": rfc3339(start + datetime.timedelta(minutes=minutes)),
                         "format": "RFC3339"},
        }],
    }


def mutate(fn):
    op = operation()
    fn(op)
    return op


def vol(op):
    return op["volumes"][0]["volume"]


VERT0 = "volumes[0].volume.outline_polygon.vertices"


# --------------------------------------------------------------------- raw HTTP

class RawReader:
    """Reads HTTP responses one after the other from a socket (keeps what it
    read past the current response for the next one: pipelining)."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def _more(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def response(self, timeout=10):
        """(status, headers, body), or None when the server closed (or reset) the
        connection before a complete status line and headers arrived."""
        self.s.settimeout(timeout)
        try:
            while b"\r\n\r\n" not in self.buf:
                self._more()
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return None
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        try:
            while len(self.buf) < n:
                self._more()
        except (EOFError, ConnectionResetError, BrokenPipeError):
            pass
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body


def read_response(sock, timeout=10):
    """One response from `sock` (see RawReader.response)."""
    return RawReader(sock).response(timeout)


def raw_exchange(port, parts, timeout=10, pause=0.0):
    """Sends `parts` (bytes, in order) from a thread while reading the response.

    Sending and reading at once: a server that answers early (413, 431) and
    closes must not leave the test stuck in sendall.
    Returns (response or None, seconds until the response or close).
    """
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send():
        try:
            for p in parts:
                s.sendall(p)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the server stopped reading: expected for refused requests

    t = threading.Thread(target=send, daemon=True)
    t0 = time.monotonic()
    t.start()
    try:
        r = read_response(s, timeout)
    except socket.timeout:
        r = "timeout"
    elapsed = time.monotonic() - t0
    s.close()
    t.join(timeout)
    return r, elapsed


def wait_closed(sock, timeout):
    """Seconds until the peer closes `sock` (reads and discards), or None."""
    sock.settimeout(0.25)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            data = sock.recv(65536)
            if not data:
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0
    return None


class HostileTest(unittest.TestCase):
    c = None

    @classmethod
    def setUpClass(cls):
        cls.c = JicCenter(
            users=[("ivan", "RU", "planner"), ("olga", "RU", "officer"),
                   ("sam", "US", "officer"), ("obs", "UN", "observer")],
            extra_args=["--read-timeout-s", str(READ_TIMEOUT_S),
                        "--idle-timeout-s", str(READ_TIMEOUT_S)])
        cls.c.setup()
        # Something for "unchanged" to compare with, and an id to address.
        r = cls.c.post(OPS, operation(), user="ivan")
        assert r.status == 201, r
        cls.op_id = r.json["id"]
        r = cls.c.post(OPS, operation(operator="US", vertices=square(35.0, 40.0)), user="sam")
        assert r.status == 201, r
        cls.auth = "Bearer " + cls.c.tokens["ivan"]

    @classmethod
    def tearDownClass(cls):
        if cls.c is not None:
            if cls.c.proc is None or cls.c.proc.poll() is not None:
                # A crash already failed its case; check the clean stop on a live one.
                cls.c.stop()
                cls.c.start()
            code = cls.c.stop()
            log = cls.c.server_log()
            cls.c.__exit__(None, None, None)
            if code != 0:
                raise AssertionError("the server did not exit cleanly (%s):\n%s" % (code, log[-3000:]))

    def setUp(self):
        self.revive()

    def revive(self):
        """A crash fails the case that caused it (assertServing); the next case
        gets a center again, on the same data, so that one crash does not hide
        the others."""
        p = self.c.proc
        if p is not None and p.poll() is None:
            if self.c.healthy():
                return
            try:
                p.wait(5)  # dying
            except subprocess.TimeoutExpired:
                return  # hung: the case that hung it has failed; leave it
        if p is not None:
            self.c.stop()
        self.c.start()

    # ------------------------------------------------------------- helpers
    def state(self):
        m = self.c.get("/metrics", user="ivan")
        self.assertEqual(m.status, 200, m)
        seq = re.search(r"^jic_log_last_seq (\d+)$", m.raw, re.M)
        self.assertIsNotNone(seq, m.raw[:500])
        ops = self.c.get(OPS, user="ivan")
        self.assertEqual(ops.status, 200, ops)
        return int(seq.group(1)), ops.raw

    def failNoResponse(self, ex):
        p = self.c.proc
        try:
            code = p.wait(2)
        except subprocess.TimeoutExpired:
            code = None
        what = "is still up" if code is None else "died (exit status %s)" % code
        self.fail("no response (%r); the server %s:\n%s"
                  % (ex, what, self.c.server_log()[-1500:]))

    def assertServing(self):
        alive = self.c.proc is not None and self.c.proc.poll() is None
        self.assertTrue(alive, "the server died:\n" + self.c.server_log()[-3000:])
        r = self.c.get("/healthz", timeout=5)
        self.assertEqual(r.status, 200, r)

    def assertUnchanged(self, before):
        self.assertServing()
        after = self.state()
        self.assertEqual(after[0], before[0], "jic_log_last_seq moved")
        self.assertEqual(after[1], before[1], "GET /v1/operations changed")

    def assertErrorBody(self, raw, field=None, code=None):
        try:
            j = json.loads(raw)
        except ValueError:
            self.fail("the error body is not JSON: %r" % raw[:300])
        self.assertIsInstance(j, dict, raw[:300])
        self.assertEqual(set(j), {"error"}, raw[:300])
        e = j["error"]
        self.assertIsInstance(e, dict)
        self.assertTrue(set(e) <= {"code", "message", "field", "details"}, e)
        self.assertIsInstance(e.get("code"), str, e)
        self.assertTrue(e["code"], e)
        self.assertIsInstance(e.get("message"), str, e)
        self.assertTrue(e["message"], e)
        if "field" in e:
            self.assertIsInstance(e["field"], str)
        if field is not None:
            self.assertEqual(e.get("field"), field, e)
        if code is not None:
            self.assertEqual(e["code"], code, e)
        return e

    def assertError(self, r, status, field=None, code=None):
        self.assertEqual(r.status, status, r)
        if isinstance(r.raw, bytes):
            raw = r.raw.decode(errors="replace")
        else:
            raw = r.raw
        return self.assertErrorBody(raw, field, code)

    def check(self, send, status, field=None, code=None):
        """Sends (send() -> Response), checks the error and that nothing changed."""
        before = self.state()
        try:
            r = send()
        except (OSError, http.client.HTTPException) as ex:
            self.failNoResponse(ex)
        e = self.assertError(r, status, field, code)
        self.assertUnchanged(before)
        return e

    def post_raw(self, body, **kw):
        return self.c.post(OPS, body, user="ivan", **kw)

    def raw_request(self, method, path, body=b"", headers=None):
        h = {"Host": "127.0.0.1", "Authorization": self.auth}
        if body:
            h["Content-Type"] = "application/json"
            h["Content-Length"] = str(len(body))
        h.update(headers or {})
        head = "%s %s HTTP/1.1\r\n" % (method, path)
        head += "".join("%s: %s\r\n" % kv for kv in h.items() if kv[1] is not None)
        return head.encode("latin-1") + b"\r\n" + body

    # ------------------------------------------------------- bodies: syntax
    def test_malformed_json(self):
        for body in ['{"operator": "RU",', '{"operator": RU}', "{'operator': 'RU'}",
                     '{"operator": "RU"} trailing', "{", "}", '{"a":1,}', "\x00\x01\x02",
                     '{"operator": "RU", "volumes": [NaN]}',
                     '{"operator": "\\ud800"}', '{"operator": "\\u12"}',
                     '{"operator": "a\tb"}',
                     json.dumps(operation())[:-1]]:
            with self.subTest(body=body[:40]):
                self.check(lambda: self.post_raw(body), 400)

    def test_empty_body(self):
        self.check(lambda: self.post_raw(""), 400)
        self.check(lambda: self.post_raw("   \r\n"), 400)

    def test_invalid_utf8(self):
        body = json.dumps(operation()).replace('"RU"', '"R\\u0000U"', 1).encode()
        self.check(lambda: self.post_raw(body), 400, field="operator")
        body = json.dumps(operation()).encode().replace(b'"isr"', b'"is\xff\xfer"', 1)
        self.check(lambda: self.post_raw(body), 400)

    def test_not_an_object(self):
        for body in ["[]", json.dumps([operation()]), '"operation"', "42", "-1.5", "null",
                     "true", "false"]:
            with self.subTest(body=body[:40]):
                self.check(lambda: self.post_raw(body), 400)

    # -------------------------------------------------------- bodies: types
    def test_wrong_types(self):
        cases = [
            ("lat as string", lambda o: vol(o)["outline_polygon"]["vertices"][0].update(lat="34.5"),
             VERT0 + "[0].lat"),
            ("lng as null", lambda o: vol(o)["outline_polygon"]["vertices"][2].update(lng=None),
             VERT0 + "[2].lng"),
            ("lat as bool", lambda o: vol(o)["outline_polygon"]["vertices"][1].update(lat=True),
             VERT0 + "[1].lat"),
            ("vertex as list", lambda o: vol(o)["outline_polygon"]["vertices"].__setitem__(0, [34.5, 39.5]),
             VERT0 + "[0]"),
            ("vertices as string", lambda o: vol(o)["outline_polygon"].update(vertices="34.5,39.5"),
             VERT0),
            ("volumes as object", lambda o: o.update(volumes=o["volumes"][0]), "volumes"),
            ("volumes as string", lambda o: o.update(volumes="all"), "volumes"),
            ("volume as list", lambda o: o["volumes"][0].update(volume=[]), "volumes[0].volume"),
            ("altitude value as string",
             lambda o: vol(o)["altitude_lower"].update(value="3000"),
             "volumes[0].volume.altitude_lower.value"),
            ("altitude as number", lambda o: vol(o).update(altitude_upper=4000),
             "volumes[0].volume.altitude_upper"),
            ("operator as number", lambda o: o.update(operator=7), "operator"),
            ("operator as list", lambda o: o.update(operator=["RU"]), "operator"),
            ("category as object", lambda o: o.update(category={"id": "isr"}), "category"),
            ("time_start as string", lambda o: o["volumes"][0].update(time_start="2030-01-01T00:00:00Z"),
             "volumes[0].time_start"),
            ("time value as number", lambda o: o["volumes"][0]["time_start"].update(value=1700000000),
             "volumes[0].time_start.value"),
            ("time value not a time", lambda o: o["volumes"][0]["time_end"].update(value="tomorrow"),
             "volumes[0].time_end.value"),
            ("time value out of range", lambda o: o["volumes"][0]["time_start"].update(
                value="2030-13-45T99:00:00Z"), "volumes[0].time_start.value"),
            ("time format", lambda o: o["volumes"][0]["time_start"].update(format="unix"),
             "volumes[0].time_start.format"),
            ("altitude reference", lambda o: vol(o)["altitude_lower"].update(reference="AGL"),
             "volumes[0].volume.altitude_lower.reference"),
            ("altitude units", lambda o: vol(o)["altitude_upper"].update(units="FT"),
             "volumes[0].volume.altitude_upper.units"),
            ("aircraft as object", lambda o: o.update(aircraft={"icao24": "150101"}), "aircraft"),
            ("icao24 not hex", lambda o: o["aircraft"][0].update(icao24="zzzzzz"),
             "aircraft[0].icao24"),
            ("callsign too long", lambda o: o["aircraft"][0].update(callsign="ABCDEFGHIJ"),
             "aircraft[0].callsign"),
            ("id as number", lambda o: o.update(id=5), "id"),
            ("id with a slash", lambda o: o.update(id="../../etc/passwd"), "id"),
            ("huge category string", lambda o: o.update(category="x" * 200000), "category"),
        ]
        for name, fn, field in cases:
            with self.subTest(name):
                body = mutate(fn)
                self.check(lambda: self.post_raw(body), 400, field=field)

    def test_missing_required(self):
        cases = [
            ("operator", lambda o: o.pop("operator"), "operator"),
            ("category", lambda o: o.pop("category"), "category"),
            ("volumes", lambda o: o.pop("volumes"), "volumes"),
            ("empty volumes", lambda o: o.update(volumes=[]), "volumes"),
            ("time_start", lambda o: o["volumes"][0].pop("time_start"), "volumes[0].time_start"),
            ("time_end", lambda o: o["volumes"][0].pop("time_end"), "volumes[0].time_end"),
            ("time value", lambda o: o["volumes"][0]["time_end"].pop("value"),
             "volumes[0].time_end.value"),
            ("volume", lambda o: o["volumes"][0].pop("volume"), "volumes[0].volume"),
            ("altitude_lower", lambda o: vol(o).pop("altitude_lower"),
             "volumes[0].volume.altitude_lower"),
            ("outline", lambda o: vol(o).pop("outline_polygon"), "volumes[0].volume"),
            ("lat", lambda o: vol(o)["outline_polygon"]["vertices"][3].pop("lat"), VERT0 + "[3].lat"),
            ("vertices", lambda o: vol(o)["outline_polygon"].pop("vertices"), VERT0),
            ("aircraft ident", lambda o: o.update(aircraft=[{}]), "aircraft[0]"),
        ]
        for name, fn, field in cases:
            with self.subTest(name):
                body = mutate(fn)
                self.check(lambda: self.post_raw(body), 400, field=field)

    def test_unknown_fields(self):
        cases = [
            ("top level", lambda o: o.update(colour="red"), "colour"),
            ("state", lambda o: o.update(state="accepted"), "state"),
            ("decision", lambda o: o.update(decision={"outcome": "accepted"}), "decision"),
            ("volume", lambda o: vol(o).update(speed=3), "volumes[0].volume.speed"),
            ("vertex", lambda o: vol(o)["outline_polygon"]["vertices"][0].update(alt=1),
             VERT0 + "[0].alt"),
            ("altitude", lambda o: vol(o)["altitude_lower"].update(datum="x"),
             "volumes[0].volume.altitude_lower.datum"),
            ("time", lambda o: o["volumes"][0]["time_start"].update(tz="UTC"),
             "volumes[0].time_start.tz"),
        ]
        for name, fn, field in cases:
            with self.subTest(name):
                body = mutate(fn)
                self.check(lambda: self.post_raw(body), 400, field=field)

    def test_unknown_references(self):
        cases = [
            ("operator", lambda o: o.update(operator="XX"), "operator"),
            ("category", lambda o: o.update(category="bombing"), "category"),
            ("submitted_by", lambda o: o.update(submitted_by="US"), "submitted_by"),
        ]
        for name, fn, field in cases:
            with self.subTest(name):
                body = mutate(fn)
                self.check(lambda: self.post_raw(body), 400, field=field)

    # ------------------------------------------------------- bodies: values
    def test_out_of_range(self):
        def vertex(i, **kw):
            return lambda o: vol(o)["outline_polygon"]["vertices"][i].update(**kw)
        cases = [
            ("lat 91", vertex(0, lat=91), VERT0 + "[0].lat"),
            ("lat -90.0001", vertex(1, lat=-90.0001), VERT0 + "[1].lat"),
            ("lng 181", vertex(2, lng=181), VERT0 + "[2].lng"),
            ("lng -180.5", vertex(3, lng=-180.5), VERT0 + "[3].lng"),
            ("lat 1e308", vertex(0, lat=1e308), VERT0 + "[0].lat"),
            ("altitude 1e6", lambda o: vol(o)["altitude_upper"].update(value=1e6),
             "volumes[0].volume.altitude_upper.value"),
            ("altitude -9000", lambda o: vol(o)["altitude_lower"].update(value=-9000),
             "volumes[0].volume.altitude_lower.value"),
            ("lower above upper", lambda o: (vol(o)["altitude_lower"].update(value=5000),
                                             vol(o)["altitude_upper"].update(value=4000)),
             "volumes[0].volume.altitude_lower"),
            ("end before start", lambda o: o["volumes"][0]["time_end"].update(
                value=rfc3339(T0 - datetime.timedelta(hours=1))), "volumes[0].time_end"),
            ("end equals start", lambda o: o["volumes"][0]["time_end"].update(value=rfc3339(T0)),
             "volumes[0].time_end"),
            ("circle radius negative", lambda o: (vol(o).pop("outline_polygon"), vol(o).update(
                outline_circle={"center": {"lat": 34.5, "lng": 39.5},
                                "radius": {"value": -5, "units": "M"}})),
             "volumes[0].volume.outline_circle.radius.value"),
            ("circle radius huge", lambda o: (vol(o).pop("outline_polygon"), vol(o).update(
                outline_circle={"center": {"lat": 34.5, "lng": 39.5},
                                "radius": {"value": 1e9, "units": "M"}})),
             "volumes[0].volume.outline_circle.radius.value"),
        ]
        for name, fn, field in cases:
            with self.subTest(name):
                body = mutate(fn)
                self.check(lambda: self.post_raw(body), 400, field=field)

    def test_nan_like_values(self):
        """JSON has no NaN or Infinity: every spelling of them is refused with 400."""
        text = json.dumps(operation())
        lat = '"lat": 34.5'
        self.assertIn(lat, text)
        for bad in ["NaN", "-NaN", "Infinity", "-Infinity", "inf", "nan", "1e999", "-1e999",
                    "1E400", "0x10", "+1", ".5", "1.", "01"]:
            with self.subTest(value=bad):
                body = text.replace(lat, '"lat": ' + bad, 1)
                self.check(lambda: self.post_raw(body), 400)
        for bad in ['"NaN"', '"Infinity"']:
            with self.subTest(value=bad):
                body = text.replace(lat, '"lat": ' + bad, 1)
                self.check(lambda: self.post_raw(body), 400, field=VERT0 + "[0].lat")

    def test_bad_polygons(self):
        bowtie = [{"lat": 34.5, "lng": 39.5}, {"lat": 34.6, "lng": 39.6},
                  {"lat": 34.5, "lng": 39.6}, {"lat": 34.6, "lng": 39.5}]
        cases = [
            ("self-intersecting bowtie", bowtie, VERT0),
            ("two vertices", square(34.5, 39.5)[:2], VERT0),
            ("repeated vertex", [square(34.5, 39.5)[0]] + square(34.5, 39.5), VERT0 + "[1]"),
            ("closed ring", square(34.5, 39.5) + [square(34.5, 39.5)[0]], VERT0 + "[4]"),
            ("collinear", [{"lat": 34.5, "lng": 39.5}, {"lat": 34.6, "lng": 39.5},
                           {"lat": 34.7, "lng": 39.5}, {"lat": 34.6, "lng": 39.5}], None),
            ("around the globe", [{"lat": 0, "lng": -170}, {"lat": 0, "lng": -50},
                                  {"lat": 0, "lng": 70}], VERT0),
        ]
        for name, vertices, field in cases:
            with self.subTest(name):
                body = operation(vertices=vertices)
                self.check(lambda: self.post_raw(body), 400, field=field)

    def test_many_vertices_under_the_body_limit(self):
        # 10,001 vertices on a circle: valid geometry, one more than allowed.
        import math
        n = 10001
        verts = [{"lat": round(34.5 + 0.2 * math.sin(2 * math.pi * i / n), 7),
                  "lng": round(39.5 + 0.2 * math.cos(2 * math.pi * i / n), 7)} for i in range(n)]
        body = json.dumps(operation(vertices=verts), separators=(",", ":"))
        self.assertLess(len(body), 1 << 20)
        t0 = time.monotonic()
        self.check(lambda: self.post_raw(body), 400, field=VERT0)
        self.assertLess(time.monotonic() - t0, 10)
        # 10,000 vertices folded onto themselves: within the count, refused as a ring.
        verts = [{"lat": round(34.5 + 0.0001 * (i % 2), 7), "lng": round(39.5 + 0.00001 * i, 7)}
                 for i in range(10000)]
        body = json.dumps(operation(vertices=verts), separators=(",", ":"))
        t0 = time.monotonic()
        self.check(lambda: self.post_raw(body), 400, field=VERT0)
        self.assertLess(time.monotonic() - t0, 10)

    def test_many_volumes(self):
        op = operation()
        op["volumes"] = op["volumes"] * 1001
        self.check(lambda: self.post_raw(op), 400, field="volumes")

    def test_deep_nesting(self):
        """Deeply nested JSON (well under 1 MiB) is refused, not a stack overflow."""
        depth = 200000
        arr = "[" * depth + "]" * depth
        obj = '{"a":' * 100000 + "1" + "}" * 100000
        text = json.dumps(operation())
        put = OPS + "/" + self.op_id
        cases = [
            # (name, method, path, user, body, headers, field): nesting is refused before
            # parsing, as a fault of the body as a whole
            ("top-level array", "POST", OPS, "ivan", arr, None, None),
            ("top-level object", "POST", OPS, "ivan", obj, None, None),
            ("in a known field", "POST", OPS, "ivan",
             text.replace('"isr"', arr, 1), None, None),
            ("in an unknown field", "POST", OPS, "ivan",
             text.replace('"isr"', '"isr", "extra": ' + arr, 1), None, None),
            ("in an object value", "POST", OPS, "ivan",
             text.replace('"isr"', '"isr", "extra": ' + obj, 1), None, None),
            ("modify", "PUT", put, "ivan", text.replace('"isr"', arr, 1), {"If-Match": "1"},
             None),
            ("cancel reason", "POST", put + "/cancel", "ivan", '{"reason": %s}' % arr, None,
             None),
            ("comment", "POST", "/v1/threads/operation:%s/comments" % self.op_id, "ivan",
             '{"text": %s}' % arr, None, None),
            ("amendment", "POST", "/v1/amendments", "olga",
             '{"summary": "x", "changes": {"monitoring": %s}}' % arr, None, None),
        ]
        for name, method, path, user, body, headers, field in cases:
            with self.subTest(name):
                self.revive()
                self.assertLess(len(body), 1 << 20)
                self.check(lambda: self.c.request(method, path, body=body, user=user,
                                                  headers=headers), 400, field=field)

    # ------------------------------------------------------ the body limit
    def test_body_over_1mib(self):
        pad = "x" * ((1 << 20) + 100)
        body = json.dumps(dict(operation(), category=pad)).encode()
        before = self.state()
        r, _ = raw_exchange(self.c.port, [self.raw_request("POST", OPS, body)])
        self.assertNotIn(r, (None, "timeout"), "no response to a body over 1 MiB")
        status, _, raw = r
        self.assertEqual(status, 413, raw[:300])
        self.assertErrorBody(raw.decode())
        self.assertUnchanged(before)

    def test_body_over_1mib_http_client(self):
        """The same through http.client, which sends the whole body before it reads.

        A server that answers 413 and closes at once, with the body unread, makes
        the client's send fail (EPIPE/ECONNRESET) and the 413 is never seen; it
        should keep reading (and discarding) for a while after answering
        ("lingering close", RFC 9112 section 9.6). 4 MiB: more than the socket
        buffers hold, so that the outcome does not depend on timing."""
        body = b'{"operator": "' + b"R" * (4 << 20) + b'"}'
        before = self.state()
        try:
            r = self.post_raw(body)
        except (ConnectionResetError, BrokenPipeError) as e:
            self.fail("the server reset instead of answering 413: %r" % e)
        self.assertError(r, 413)
        self.assertUnchanged(before)

    def test_lying_content_length_large(self):
        """Content-Length claims 2 MiB, a few bytes come: 413 at once, not a wait."""
        req = self.raw_request("POST", OPS, headers={"Content-Type": "application/json",
                                                     "Content-Length": str(2 << 20)})
        before = self.state()
        r, elapsed = raw_exchange(self.c.port, [req, b'{"operator": "RU"'])
        self.assertNotIn(r, (None, "timeout"), "no response to a Content-Length over 1 MiB")
        self.assertEqual(r[0], 413, r)
        self.assertErrorBody(r[2].decode())
        self.assertLess(elapsed, READ_TIMEOUT_S, "the server waited for the body it refuses")
        self.assertUnchanged(before)
        # An absurd Content-Length.
        req = self.raw_request("POST", OPS, headers={"Content-Type": "application/json",
                                                     "Content-Length": "99999999999999999999999"})
        r, _ = raw_exchange(self.c.port, [req])
        self.assertNotIn(r, ("timeout",))
        if r is not None:
            self.assertIn(r[0], (400, 413), r)
            self.assertErrorBody(r[2].decode())
        self.assertUnchanged(before)
        # A negative one, and two that disagree.
        for cl in (["-1"], ["10", "20"]):
            req = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                   "Content-Type: application/json\r\n" % (OPS, self.auth)
                   + "".join("Content-Length: %s\r\n" % v for v in cl) + "\r\n").encode()
            r, _ = raw_exchange(self.c.port, [req, b"{}" * 10])
            self.assertNotEqual(r, "timeout", cl)
            if r is not None:
                self.assertEqual(r[0], 400, (cl, r))
            self.assertUnchanged(before)

    def test_lying_content_length_small(self):
        """Content-Length says 40 and 1.5 MiB follow: the 40 bytes are the body (400),
        the rest is not a request (400 or close)."""
        big = json.dumps(dict(operation(), category="x" * (3 << 19))).encode()
        req = self.raw_request("POST", OPS, headers={"Content-Type": "application/json",
                                                     "Content-Length": "40"})
        before = self.state()
        s = socket.create_connection(("127.0.0.1", self.c.port), timeout=10)
        sender = threading.Thread(target=lambda: _sendall_quiet(s, req + big), daemon=True)
        sender.start()
        reader = RawReader(s)
        r = reader.response()
        self.assertIsNotNone(r, "no response to a truncated body")
        self.assertEqual(r[0], 400, r)
        self.assertErrorBody(r[2].decode())
        # The rest is garbage to the server: it may answer 400 and must then close.
        r2 = reader.response()
        if r2 is not None:
            self.assertIn(r2[0], (400, 413, 431), r2)
        s.close()
        sender.join(10)
        self.assertUnchanged(before)

    def test_chunked_over_1mib(self):
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                % (OPS, self.auth)).encode()
        chunk = b"x" * 65536
        parts = [head, b'%x\r\n{"operator": "\r\n' % len(b'{"operator": "')]
        parts += [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 20  # 1.25 MiB
        parts += [b'2\r\n"}\r\n0\r\n\r\n']
        before = self.state()
        r, _ = raw_exchange(self.c.port, parts)
        self.assertNotIn(r, (None, "timeout"), "no response to a chunked body over 1 MiB")
        self.assertEqual(r[0], 413, r)
        self.assertErrorBody(r[2].decode())
        self.assertUnchanged(before)
        # Chunks under the limit but a chunk header that lies about its size.
        parts = [head, b"ffffffffffffffffff\r\n", b"{}"]
        r, _ = raw_exchange(self.c.port, parts)
        self.assertNotEqual(r, "timeout")
        if r is not None:
            self.assertIn(r[0], (400, 413), r)
        self.assertUnchanged(before)
        # A valid small chunked body is still served (an error about the content, not the framing).
        body = b'{"operator": "RU"}'
        parts = [head, b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"]
        r, _ = raw_exchange(self.c.port, parts)
        self.assertNotIn(r, (None, "timeout"))
        self.assertEqual(r[0], 400, r)
        self.assertErrorBody(r[2].decode(), field="category")
        self.assertUnchanged(before)

    def test_100k_vertices(self):
        """A polygon of 100,000 vertices: refused (400 or 413) quickly, the server stays up."""
        import math
        n = 100000
        verts = [{"lat": round(34.5 + 0.2 * math.sin(2 * math.pi * i / n), 7),
                  "lng": round(39.5 + 0.2 * math.cos(2 * math.pi * i / n), 7)} for i in range(n)]
        body = json.dumps(operation(vertices=verts), separators=(",", ":")).encode()
        before = self.state()
        # With a Content-Length.
        r, elapsed = raw_exchange(self.c.port, [self.raw_request("POST", OPS, body)])
        self.assertNotIn(r, (None, "timeout"), "no response to 100,000 vertices")
        self.assertIn(r[0], (400, 413), r)
        self.assertErrorBody(r[2].decode())
        self.assertLess(elapsed, 5)
        self.assertUnchanged(before)
        # Chunked.
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                % (OPS, self.auth)).encode()
        parts = [head] + [b"%x\r\n" % len(body[i:i + 65536]) + body[i:i + 65536] + b"\r\n"
                          for i in range(0, len(body), 65536)] + [b"0\r\n\r\n"]
        r, elapsed = raw_exchange(self.c.port, parts)
        self.assertNotIn(r, (None, "timeout"), "no response to 100,000 vertices, chunked")
        self.assertIn(r[0], (400, 413), r)
        self.assertErrorBody(r[2].decode())
        self.assertLess(elapsed, 5)
        self.assertUnchanged(before)

    # ------------------------------------------------------------- headers
    def test_headers_over_16kib(self):
        before = self.state()
        cases = [
            ("one big header", {"X-Padding": "a" * (17 << 10)}),
            ("many headers", {"X-Pad-%04d" % i: "b" * 40 for i in range(500)}),
            ("huge target", None),
            ("huge Idempotency-Key", {"Idempotency-Key": "k" * (20 << 10)}),
            ("huge token", {"Authorization": "Bearer " + "t" * (20 << 10)}),
        ]
        for name, headers in cases:
            with self.subTest(name):
                if headers is None:
                    req = ("GET %s?state=%s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n"
                           % (OPS, "a" * (17 << 10), self.auth)).encode()
                else:
                    req = self.raw_request("GET", OPS, headers=headers)
                r, _ = raw_exchange(self.c.port, [req])
                self.assertNotIn(r, (None, "timeout"), "no response to headers over 16 KiB")
                self.assertEqual(r[0], 431, r)
                self.assertErrorBody(r[2].decode())
                self.assertUnchanged(before)
        # Just under the limit is fine.
        req = self.raw_request("GET", "/healthz", headers={"X-Padding": "a" * (14 << 10)})
        r, _ = raw_exchange(self.c.port, [req])
        self.assertNotIn(r, (None, "timeout"))
        self.assertEqual(r[0], 200, r)

    def test_idempotency_key_too_long(self):
        body = operation(vertices=square(35.5, 40.5))
        for n in (201, 1000, 12000):
            with self.subTest(length=n):
                self.check(lambda: self.post_raw(body, headers={"Idempotency-Key": "k" * n}),
                           400, field="Idempotency-Key")

    def test_bad_if_match(self):
        body = operation(vertices=square(34.5, 39.5), upper=4500)
        path = OPS + "/" + self.op_id
        for v in ["abc", "-1", "1.5", "99999999999999999999999", '"', "W/", '"1', "1 2", "0x1",
                  'W/"x"', '""']:
            with self.subTest(if_match=v):
                self.check(lambda: self.c.put(path, body, user="ivan", headers={"If-Match": v}),
                           400, field="If-Match")
        # Stale: 412; absent: 400 naming If-Match.
        self.check(lambda: self.c.put(path, body, user="ivan", headers={"If-Match": "7"}), 412)
        self.check(lambda: self.c.put(path, body, user="ivan"), 400, field="If-Match")

    def test_bad_last_event_id(self):
        for v in ["abc", "-1", "1e3", "99999999999999999999999", "12x", "0x10", "1.0"]:
            with self.subTest(last_event_id=v):
                self.check(lambda: self.c.get("/v1/events", user="ivan",
                                              headers={"Last-Event-ID": v}),
                           400, field="Last-Event-ID")
        for v in ["abc", "-1", "99999999999999999999999"]:
            with self.subTest(after=v):
                self.check(lambda: self.c.get("/v1/events?after=" + v, user="ivan"), 400,
                           field="after")

    def test_authentication(self):
        body = operation(vertices=square(35.5, 40.5))
        for headers in [None, {"Authorization": "Bearer not-a-token"},
                        {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "},
                        {"Authorization": "Bearer " + "t" * 8000}]:
            with self.subTest(headers=str(headers)[:60]):
                self.check(lambda: self.c.post(OPS, body, headers=headers), 401)
        # An observer may read, not notify; a US officer may not notify for RU.
        self.check(lambda: self.c.post(OPS, body, user="obs"), 403)
        self.check(lambda: self.c.post(OPS, body, user="sam"), 403)

    # -------------------------------------------------- routes and methods
    def test_unknown_routes(self):
        # ("/" is the operations console when web/dist is built: static_files_test.cc
        # and web/tests/ test it.)
        for path in ["/nope", "/v1", "/v1/", "/v1/nope", "/v2/operations",
                     "/v1/operations/x/y/z", "/v1/operations/%s/explode" % self.op_id,
                     "/v1/operations/does-not-exist", "/healthz/extra", "/metrics/x",
                     "/" + "a" * 5000]:
            with self.subTest(path=path[:60]):
                self.check(lambda: self.c.get(path, user="ivan"), 404)

    def test_wrong_methods(self):
        cases = [
            ("DELETE", OPS, "GET, POST"),
            ("PATCH", OPS + "/" + self.op_id, "GET, PUT"),
            ("DELETE", OPS + "/" + self.op_id, "GET, PUT"),
            ("GET", OPS + "/" + self.op_id + "/cancel", "POST"),
            ("PUT", OPS + "/" + self.op_id + "/approvals", "POST"),
            ("POST", "/healthz", "GET"),
            ("PUT", "/metrics", "GET"),
            ("POST", "/v1/events", "GET"),
            ("DELETE", "/v1/agreement", "GET"),
            ("POST", "/v1/openapi.json", "GET"),
            ("OPTIONS", OPS, "GET, POST"),
            ("BREW", OPS, "GET, POST"),
        ]
        for method, path, allow in cases:
            with self.subTest(method=method, path=path):
                before = self.state()
                r = self.c.request(method, path, user="ivan")
                self.assertError(r, 405)
                allow_h = {k.lower(): v for k, v in r.headers.items()}.get("allow")
                self.assertIsNotNone(allow_h, "405 without an Allow header")
                self.assertEqual(sorted(x.strip() for x in allow_h.split(",")),
                                 sorted(x.strip() for x in allow.split(",")))
                self.assertUnchanged(before)

    def test_wrong_content_type(self):
        body = json.dumps(operation(vertices=square(35.5, 40.5))).encode()
        for ct in ["text/plain", "application/xml", "application/jsonx", "json",
                   "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]:
            with self.subTest(content_type=ct):
                def send():
                    conn = self.c.connection()
                    try:
                        h = {"Authorization": self.auth}
                        if ct is not None:
                            h["Content-Type"] = ct
                        conn.request("POST", OPS, body=body, headers=h)
                        resp = conn.getresponse()
                        raw = resp.read().decode(errors="replace")
                        return Response(resp.status, dict(resp.getheaders()), raw)
                    finally:
                        conn.close()
                self.check(send, 415, field="Content-Type")

    def test_invalid_percent_encoding(self):
        for path in [OPS + "/%zz", OPS + "/%", OPS + "/%4", OPS + "/ab%g1",
                     OPS + "?state=%zz", OPS + "?party=%", "/v1/%zzoperations",
                     "/healthz%"]:
            with self.subTest(path=path):
                self.check(lambda: self.c.get(path, user="ivan"), 400)
        # Well-formed escapes of odd bytes are only unknown ids.
        for path in [OPS + "/%00", OPS + "/a%2Fb", OPS + "/%2e%2e", OPS + "/%0d%0aX-Injected:%201"]:
            with self.subTest(path=path):
                self.check(lambda: self.c.get(path, user="ivan"), 404)

    def test_invalid_utf8_in_path(self):
        """A path or query that decodes to bytes that are not UTF-8 is a malformed
        request target (400), and the error is still JSON."""
        for method, path, status in [
                ("GET", OPS + "/%ff%fe", 400),
                ("GET", OPS + "/op-%c3%28", 400),
                ("GET", OPS + "/%ed%a0%80", 400),   # a UTF-16 surrogate
                ("GET", OPS + "/%c0%af", 400),      # an overlong '/'
                ("GET", "/v1/amendments/%ff", 400),
                ("GET", "/v1/alerts/%ff", 400),
                ("GET", "/v1/threads/operation:%ff/comments", 400),
                ("POST", OPS + "/%ff/cancel", 400),
                ("PUT", OPS + "/%ff", 400),
                ("GET", "/v1/areas?at=%ff", 400),
                ("GET", OPS + "?state=%ff", 400),
                ("GET", "/v1/%ff", 400),
                ("GET", OPS + "/%c3%a9t%c3%a9", 404)]:   # well-formed UTF-8: just unknown
            with self.subTest(method=method, path=path):
                self.revive()
                body = {} if method != "GET" else None
                headers = {"If-Match": "1"} if method == "PUT" else None
                self.check(lambda: self.c.request(method, path, body=body, user="ivan",
                                                  headers=headers), status)

    # ------------------------------------------------------ not even HTTP
    def test_garbage_bytes(self):
        cases = [
            b"\x00\xff\x13\x37garbage\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),  # a TLS ClientHello
            b"GET /healthz HTTP/9.9\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET /healthz\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nX: \x00\x01\r\n\r\n",
            b"GET /hea lthz HTTP/1.1\r\n\r\n",
            b"\r\n" * 1000,
            os.urandom(4096),
        ]
        before = self.state()
        for data in cases:
            with self.subTest(data=data[:30]):
                r, elapsed = raw_exchange(self.c.port, [data], timeout=READ_TIMEOUT_S + 5)
                self.assertNotEqual(r, "timeout", "no answer and no close")
                if r is not None:
                    self.assertEqual(r[0], 400, r)
                    self.assertErrorBody(r[2].decode(errors="replace"))
                self.assertUnchanged(before)

    def test_smuggling_framing(self):
        """Content-Length and Transfer-Encoding together, or an unknown coding: refused,
        and nothing hidden behind the first body is run as a second request."""
        inner = json.dumps(operation(vertices=square(35.5, 40.5))).encode()
        smuggled = self.raw_request("POST", OPS, inner)
        before = self.state()
        for te in ["chunked", "gzip, chunked", "identity", "chunked, identity", " chunked",
                   "xchunked"]:
            with self.subTest(transfer_encoding=te):
                req = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                       "Content-Type: application/json\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: %s\r\n\r\n" % (OPS, self.auth, te)).encode()
                req += b"0\r\n\r\n" + smuggled
                s = socket.create_connection(("127.0.0.1", self.c.port), timeout=10)
                s.sendall(req)
                reader = RawReader(s)
                responses = []
                while True:
                    r = reader.response(READ_TIMEOUT_S + 5)
                    if r is None:
                        break
                    responses.append(r)
                    if len(responses) > 3:
                        break
                s.close()
                statuses = [r[0] for r in responses]
                self.assertNotIn(201, statuses, "a smuggled request was run")
                self.assertTrue(statuses, "no answer")
                self.assertEqual(statuses[0], 400, responses)
                self.assertUnchanged(before)

    def test_pipelined_flood(self):
        """Hundreds of pipelined requests in one write: answered in order or the
        connection closed, never a crash."""
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        before = self.state()
        s = socket.create_connection(("127.0.0.1", self.c.port), timeout=10)
        _sendall_quiet(s, req * 2000)
        reader = RawReader(s)
        n = 0
        while n < 2000:
            r = reader.response(5)
            if r is None:
                break
            self.assertEqual(r[0], 200)
            n += 1
        s.close()
        self.assertGreater(n, 0)
        self.assertUnchanged(before)

    # -------------------------------------------------- slow and idle clients
    def test_slow_client_is_cut_off(self):
        """Half a request, then nothing: closed after about the read timeout;
        others are served meanwhile."""
        before = self.state()
        body = json.dumps(operation(vertices=square(35.5, 40.5))).encode()
        req = self.raw_request("POST", OPS, body)
        stalls = []
        for cut in (len(req) - len(body) // 2,   # half the body
                    len(req) - len(body) - 20,   # in the headers
                    10):                         # in the request line
            s = socket.create_connection(("127.0.0.1", self.c.port))
            s.sendall(req[:cut])
            stalls.append((cut, s))
        t0 = time.monotonic()
        # Meanwhile the others are served.
        served = 0
        while time.monotonic() - t0 < 1.0:
            r = self.c.get("/healthz", timeout=2)
            self.assertEqual(r.status, 200)
            served += 1
        self.assertGreater(served, 3)
        for cut, s in stalls:
            closed = wait_closed(s, READ_TIMEOUT_S + 6)
            s.close()
            self.assertIsNotNone(closed, "a stalled request (cut at %d) was never closed" % cut)
            total = time.monotonic() - t0
            self.assertGreater(total, READ_TIMEOUT_S * 0.5, "closed too early")
            self.assertLess(total, READ_TIMEOUT_S + 6, "closed too late")
        self.assertUnchanged(before)

    def test_trickling_client_is_cut_off(self):
        """A byte every 0.2 s keeps the connection busy but not forever."""
        before = self.state()
        body = json.dumps(operation(vertices=square(35.5, 40.5))).encode()
        req = self.raw_request("POST", OPS, body)
        s = socket.create_connection(("127.0.0.1", self.c.port))
        t0 = time.monotonic()
        closed_at = None
        try:
            for b in req:
                s.sendall(bytes([b]))
                time.sleep(0.2)
                if time.monotonic() - t0 > READ_TIMEOUT_S + 6:
                    break
        except OSError:
            closed_at = time.monotonic() - t0
        if closed_at is None:
            c = wait_closed(s, 2)
            closed_at = None if c is None else time.monotonic() - t0
        s.close()
        self.assertIsNotNone(closed_at, "a trickling client was never cut off")
        self.assertLess(closed_at, READ_TIMEOUT_S + 6)
        self.assertUnchanged(before)

    def test_many_idle_connections(self):
        before = self.state()
        socks = []
        for _ in range(300):
            socks.append(socket.create_connection(("127.0.0.1", self.c.port)))
        # A few also start a request.
        for s in socks[:50]:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
        t0 = time.monotonic()
        for _ in range(20):
            r = self.c.get("/healthz", timeout=5)
            self.assertEqual(r.status, 200)
        self.assertLess(time.monotonic() - t0, 5, "idle connections slowed the others down")
        r = self.c.post(OPS, operation(), user="ivan", headers={"Content-Type": "text/plain"})
        self.assertError(r, 415)
        # Idle ones are closed by the server after the timeout.
        deadline = time.monotonic() + READ_TIMEOUT_S + 6
        open_left = 0
        for s in socks:
            if wait_closed(s, max(0.05, deadline - time.monotonic())) is None:
                open_left += 1
            s.close()
        self.assertEqual(open_left, 0, "idle connections left open past the timeout")
        self.assertUnchanged(before)

    def test_idle_keepalive_connection_is_closed(self):
        """A kept-alive connection idle past the idle timeout is closed cleanly."""
        conn = self.c.connection(timeout=10)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        sock = conn.sock
        closed = wait_closed(sock, READ_TIMEOUT_S + 6)
        self.assertIsNotNone(closed, "an idle kept-alive connection was never closed")
        conn.close()
        self.assertServing()


def _sendall_quiet(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass


if __name__ == "__main__":
    unittest.main()
