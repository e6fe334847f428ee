"""The whole API workflow, end to end, against the real `jic serve` (API.md).

Notify, query, modify, approve, the state machine, amendments, threads, alerts,
idempotency, users, the agreement and its areas, the event stream, and a restart
followed by `jic replay-check`.

    cd tests/api && JIC_BINARY=.../jic python3 -m unittest -v workflow_e2e_test

Geometry. Everything this file notifies lies in the empty desert of eastern Syria
(about 34.6-35.6 N, 39.0-40.6 E), far from every area of scenarios/jic-2016 unless a
test means to meet one. Every operation gets its own time slot (six hours apart, from
2027 on: after the wall clock, so R4's one-hour notice never fires by accident), so two
operations meet in 4D only when a test puts them in the same slot on purpose. There a
degree of latitude is 111,195 m (sphere of radius 6,371,008.8 m).
"""
import datetime
import http.client
import itertools
import json
import math
import re
import socket
import subprocess
import unittest

from jic_center import JIC, JicCenter

# ---------------------------------------------------------------- helpers

M_PER_DEG_LAT = 6371008.8 * math.pi / 180.0  # 111,194.9 m
BASE_TIME = datetime.datetime(2027, 3, 1, tzinfo=datetime.timezone.utc)
_slots = itertools.count()


def new_slot():
    """A fresh start time, six hours after the previous one."""
    return BASE_TIME + datetime.timedelta(hours=6 * next(_slots))


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def secs(n):
    return datetime.timedelta(seconds=n)


def rect(lat0, lat1, lng0, lng1):
    """Vertices of a lat/lng rectangle, counter-clockwise, not closed (ASTM)."""
    return [(lat0, lng0), (lat0, lng1), (lat1, lng1), (lat1, lng0)]


def square(lat, lng, half=0.025):
    return rect(lat - half, lat + half, lng - half, lng + half)


def volume(vertices, start, end, alt=(1000, 3000)):
    return {
        "volume": {
            "outline_polygon": {"vertices": [{"lat": a, "lng": b} for a, b in vertices]},
            "altitude_lower": {"value": alt[0], "reference": "W84", "units": "M"},
            "altitude_upper": {"value": alt[1], "reference": "W84", "units": "M"},
        },
        "time_start": {"value": ts(start), "format": "RFC3339"},
        "time_end": {"value": ts(end), "format": "RFC3339"},
    }


_callsigns = itertools.count(100)


def operation(operator, category, vertices=None, start=None, end=None, alt=(1000, 3000),
              op_id=None, **extra):
    """A notification body. Defaults: a square in the desert, a fresh slot, one hour."""
    if vertices is None:
        vertices = square(35.0, 39.5)
    if start is None:
        start = new_slot()
    if end is None:
        end = start + datetime.timedelta(hours=1)
    n = next(_callsigns)
    body = {
        "operator": operator,
        "category": category,
        "aircraft": [{"callsign": "%s%04d" % (operator, n), "icao24": "%06x" % (0xA00000 + n)}],
        "volumes": [volume(vertices, start, end, alt)],
    }
    if op_id is not None:
        body["id"] = op_id
    body.update(extra)
    return body


def findings_of(decision, rule=None):
    return [f for f in decision["findings"] if rule is None or f["rule"] == rule]


def last_seq(center):
    r = center.get("/metrics", user=center.reader)
    assert r.status == 200, r
    m = re.search(r"^jic_log_last_seq (\d+)$", r.raw, re.M)
    assert m, r.raw[:500]
    return int(m.group(1))


class EventStream:
    """GET /v1/events on a raw connection, read line by line."""

    def __init__(self, center, user, last_event_id=None, timeout=10):
        self.conn = center.connection(timeout)
        h = {"Authorization": "Bearer " + center.tokens[user], "Accept": "text/event-stream"}
        if last_event_id is not None:
            h["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/v1/events", headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict(self.resp.getheaders())

    def next_event(self):
        """The next event as {"id", "event", "data"}; comments and retry are skipped."""
        ev = {}
        while True:
            line = self.resp.readline()
            if not line:
                raise EOFError("the event stream ended")
            line = line.decode().rstrip("\r\n")
            if line == "":
                if "data" in ev or "id" in ev or "event" in ev:
                    return ev
                ev = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if key == "data" and "data" in ev:
                ev["data"] += "\n" + value
            else:
                ev[key] = value

    def events_until(self, seq):
        """Events up to and including id `seq`."""
        out = []
        while True:
            ev = self.next_event()
            out.append(ev)
            if int(ev["id"]) >= seq:
                return out

    def close(self):
        self.conn.close()


class CenterTestCase(unittest.TestCase):
    """One center per class."""

    USERS = [
        ("usp", "US", "planner"),
        ("uso", "US", "officer"),
        ("rup", "RU", "planner"),
        ("ruo", "RU", "officer"),
        ("syo", "SY", "officer"),
        ("usw", "US", "watch"),
        ("obs", "UN", "observer"),
        ("adm", "JIC", "admin"),
    ]

    @classmethod
    def setUpClass(cls):
        cls.c = JicCenter(users=cls.USERS)
        try:
            cls.c.setup()
        except Exception:
            cls.c.__exit__(None, None, None)
            raise
        cls.c.reader = "obs"

    @classmethod
    def tearDownClass(cls):
        cls.c.__exit__(None, None, None)

    # -- shortcuts ---------------------------------------------------------
    def notify(self, body, user, expect=201, **kw):
        r = self.c.post("/v1/operations", body, user=user, **kw)
        self.assertEqual(r.status, expect, r)
        return r.json

    def get_op(self, op_id, user="obs"):
        r = self.c.get("/v1/operations/" + op_id, user=user)
        self.assertEqual(r.status, 200, r)
        return r.json

    def act(self, op_id, action, user, expect, body=None):
        r = self.c.post("/v1/operations/%s/%s" % (op_id, action), body, user=user)
        self.assertEqual(r.status, expect, "%s %s by %s: %r" % (action, op_id, user, r))
        return r.json

    def approve(self, op_id, user, expect, approve=True, reason=None):
        body = {"approve": approve}
        if reason is not None:
            body["reason"] = reason
        return self.act(op_id, "approvals", user, expect, body)

    def assertError(self, r, status, field=None):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIn("error", r.json, r)
        self.assertIsInstance(r.json["error"].get("code"), str, r)
        self.assertIsInstance(r.json["error"].get("message"), str, r)
        if field is not None:
            self.assertEqual(r.json["error"].get("field"), field, r)


# ======================================================================
class OperationsWorkflowTest(CenterTestCase):
    """Notify, query, roles, modify, approvals, state machine, threads, alerts,
    idempotency, users, agreement, areas, health, events: one shared center."""

    # -- notify -------------------------------------------------------------
    def test_notify_accepted_headers_and_get(self):
        start = new_slot()
        body = operation("US", "isr", square(35.0, 39.2), start, start + secs(5400),
                         alt=(6000, 9000))
        r = self.c.post("/v1/operations", body, user="usp")
        self.assertEqual(r.status, 201, r)
        j = r.json
        self.assertLessEqual({"id", "version", "state", "decision"}, set(j))
        op_id = j["id"]
        self.assertTrue(op_id)
        self.assertEqual(j["version"], 1)
        self.assertEqual(j["state"], "accepted")
        self.assertEqual(j["decision"]["outcome"], "accepted")
        self.assertEqual(j["decision"]["approvers"], [])
        self.assertEqual(j["decision"]["findings"], [])
        self.assertEqual(r.headers.get("Location"), "/v1/operations/" + op_id)
        self.assertEqual(r.headers.get("ETag"), '"1"')

        g = self.c.get("/v1/operations/" + op_id, user="obs")
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.headers.get("ETag"), '"1"')
        op = g.json
        self.assertEqual(op["id"], op_id)
        self.assertEqual(op["operator"], "US")
        self.assertEqual(op["submitted_by"], "US")  # from the token
        self.assertEqual(op["category"], "isr")
        self.assertEqual(op["aircraft"], body["aircraft"])
        self.assertEqual(len(op["volumes"]), 1)
        v = op["volumes"][0]
        self.assertEqual(v["time_start"]["value"], ts(start))
        self.assertEqual(v["time_end"]["value"], ts(start + secs(5400)))
        self.assertEqual(v["volume"]["altitude_lower"]["value"], 6000)
        self.assertEqual(v["volume"]["altitude_upper"]["value"], 9000)
        got = [(p["lat"], p["lng"]) for p in v["volume"]["outline_polygon"]["vertices"]]
        self.assertEqual(len(got), 4)
        for (a, b), (x, y) in zip(got, square(35.0, 39.2)):
            self.assertAlmostEqual(a, x, places=9)
            self.assertAlmostEqual(b, y, places=9)
        self.assertEqual(op["state"], "accepted")
        self.assertEqual(op["version"], 1)
        self.assertEqual(op["decision"], j["decision"])
        self.assertEqual(op["approvals"], [])

    def test_notify_with_own_id_and_duplicate_id(self):
        body = operation("US", "transport", square(35.1, 39.3), op_id="us-transport-1")
        j = self.notify(body, "usp")
        self.assertEqual(j["id"], "us-transport-1")
        self.assertEqual(self.get_op("us-transport-1")["state"], "accepted")
        r = self.c.post("/v1/operations", operation("US", "transport", op_id="us-transport-1"),
                        user="usp")
        self.assertError(r, 409)
        r = self.c.post("/v1/operations", operation("US", "transport", op_id="bad id!"),
                        user="usp")
        self.assertError(r, 400, "id")

    def test_notify_needs_approval(self):
        j = self.notify(operation("RU", "defensive_air_support", square(35.2, 39.4)), "rup")
        self.assertEqual(j["state"], "pending_approval")
        self.assertEqual(j["version"], 1)
        d = j["decision"]
        self.assertEqual(d["outcome"], "needs_approval")
        self.assertEqual(d["approvers"], ["US"])
        r2 = findings_of(d, "R2")
        self.assertEqual(len(r2), 1, d)
        self.assertEqual(r2[0]["effect"], "require_approval")
        self.assertEqual(r2[0]["approvers"], ["US"])
        self.assertFalse([f for f in d["findings"] if f["effect"] == "reject"], d)
        op = self.get_op(j["id"])
        self.assertEqual(op["state"], "pending_approval")
        self.assertEqual(op["decision"], d)
        self.assertEqual(op["approvals"], [])
        self.assertEqual(op["submitted_by"], "RU")

    def test_notify_rejected_by_rule_in_area(self):
        # SY combat near Ariha, inside DA-2 (R1), notified by RU.
        body = operation("SY", "combat", [(35.76, 36.52), (35.76, 36.62), (35.83, 36.63),
                                          (35.83, 36.53)], alt=(1000, 4000))
        j = self.notify(body, "rup")
        self.assertEqual(j["state"], "rejected")
        d = j["decision"]
        self.assertEqual(d["outcome"], "rejected")
        self.assertEqual(d["approvers"], [])
        r1 = findings_of(d, "R1")
        self.assertEqual(len(r1), 1, d)
        self.assertEqual(r1[0]["effect"], "reject")
        self.assertEqual(r1[0]["area"], "DA-2")
        op = self.get_op(j["id"])
        self.assertEqual(op["state"], "rejected")
        self.assertEqual(op["operator"], "SY")
        self.assertEqual(op["submitted_by"], "RU")
        # RU ISR orbit over the Hama hospital PS-3 (R3).
        body = operation("RU", "isr", alt=(2000, 5000))
        body["volumes"][0]["volume"].pop("outline_polygon")
        body["volumes"][0]["volume"]["outline_circle"] = {
            "center": {"lat": 35.14, "lng": 36.75}, "radius": {"value": 4000, "units": "M"}}
        j = self.notify(body, "rup")
        self.assertEqual(j["state"], "rejected")
        self.assertEqual([(f["rule"], f["effect"], f.get("area")) for f in j["decision"]["findings"]],
                         [("R3", "reject", "PS-3")])

    def test_notify_short_notice_warns(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        j = self.notify(operation("US", "isr", square(34.7, 40.4), now + secs(900),
                                  now + secs(4500)), "usp")
        self.assertEqual(j["state"], "accepted")
        self.assertEqual([(f["rule"], f["effect"]) for f in j["decision"]["findings"]],
                         [("R4", "warn")])

    def test_notify_malformed_is_400_and_records_nothing(self):
        before = last_seq(self.c)
        body = operation("US", "isr")
        body["volumes"][0]["volume"]["altitude_lower"]["value"] = "high"
        r = self.c.post("/v1/operations", body, user="usp")
        self.assertError(r, 400)
        self.assertTrue(r.json["error"]["field"].startswith("volumes[0]"), r)
        r = self.c.post("/v1/operations", operation("US", "bombing"), user="usp")
        self.assertError(r, 400, "category")
        r = self.c.post("/v1/operations", "{not json", user="usp")
        self.assertError(r, 400)
        self.assertEqual(last_seq(self.c), before)

    def test_separation_minima(self):
        """5 km, 300 m, 300 s: just inside each minimum conflicts, just outside does not."""
        start = new_slot()
        end = start + secs(3600)
        base = self.notify(operation("RU", "transport", rect(35.20, 35.25, 39.50, 39.55),
                                     start, end, (1000, 3000)), "rup")
        self.assertEqual(base["state"], "accepted")
        base_id = base["id"]

        def us_isr(vertices, s=start, e=end, alt=(1000, 3000)):
            return self.notify(operation("US", "isr", vertices, s, e, alt), "usp")

        north = lambda gap_m: rect(35.25 + gap_m / M_PER_DEG_LAT, 35.30 + gap_m / M_PER_DEG_LAT,
                                   39.50, 39.55)
        cases = [
            ("4 km north", us_isr(north(4000)), True),
            ("6 km north", us_isr(north(6000)), False),
            ("250 m above", us_isr(rect(35.2, 35.25, 39.5, 39.55), alt=(3250, 5000)), True),
            ("350 m above", us_isr(rect(35.2, 35.25, 39.5, 39.55), alt=(3350, 5000)), False),
            ("240 s after", us_isr(rect(35.2, 35.25, 39.5, 39.55), end + secs(240),
                                   end + secs(3600)), True),
            ("360 s after", us_isr(rect(35.2, 35.25, 39.5, 39.55), end + secs(360),
                                   end + secs(3600)), False),
        ]
        for name, j, conflicts in cases:
            with self.subTest(name):
                if conflicts:
                    self.assertEqual(j["state"], "rejected", j)
                    sep = findings_of(j["decision"], "separation")
                    self.assertEqual(len(sep), 1, j)
                    # isr and transport have the same priority: reject, not preempt.
                    self.assertEqual(sep[0]["effect"], "reject")
                    self.assertEqual(sep[0]["operation"], base_id)
                else:
                    self.assertEqual(j["state"], "accepted", j)
                    self.assertEqual(j["decision"]["findings"], [])
        d = findings_of(cases[0][1]["decision"], "separation")[0]
        if "distance_m" in d:
            self.assertAlmostEqual(d["distance_m"], 4000, delta=10)
        # Same party: RU deconflicts its own flights.
        j = self.notify(operation("RU", "isr", rect(35.2, 35.25, 39.5, 39.55), start, end),
                        "rup")
        self.assertEqual(j["state"], "accepted", j)

    # -- queries --------------------------------------------------------------
    def test_list_operations_filters(self):
        a = self.notify(operation("US", "transport", square(34.9, 39.9)), "usp")["id"]
        b = self.notify(operation("RU", "defensive_air_support", square(34.9, 40.1)), "rup")["id"]
        s = self.notify(operation("SY", "transport", square(34.9, 40.3)), "rup")["id"]

        r = self.c.get("/v1/operations", user="obs")
        self.assertEqual(r.status, 200, r)
        ids = [o["id"] for o in r.json["operations"]]
        self.assertLess(ids.index(a), ids.index(b))
        self.assertLess(ids.index(b), ids.index(s))
        for o in r.json["operations"]:
            for k in ("id", "operator", "submitted_by", "category", "volumes", "state",
                      "version", "decision", "approvals"):
                self.assertIn(k, o)

        r = self.c.get("/v1/operations?state=pending_approval", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["operations"])
        self.assertTrue(all(o["state"] == "pending_approval" for o in r.json["operations"]))
        ids = [o["id"] for o in r.json["operations"]]
        self.assertIn(b, ids)
        self.assertNotIn(a, ids)

        r = self.c.get("/v1/operations?party=RU", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(all("RU" in (o["operator"], o["submitted_by"]) for o in r.json["operations"]))
        ids = [o["id"] for o in r.json["operations"]]
        self.assertIn(b, ids)
        self.assertIn(s, ids)  # SY's, reported by RU
        self.assertNotIn(a, ids)

        r = self.c.get("/v1/operations?state=accepted&party=US", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(all(o["state"] == "accepted" and "US" in (o["operator"], o["submitted_by"])
                            for o in r.json["operations"]))
        ids = [o["id"] for o in r.json["operations"]]
        self.assertIn(a, ids)
        self.assertNotIn(b, ids)

        self.assertError(self.c.get("/v1/operations?state=flying", user="obs"), 400, "state")
        self.assertError(self.c.get("/v1/operations/no-such-op", user="obs"), 404)

    # -- roles and parties ----------------------------------------------------
    def test_401_without_or_with_bad_token(self):
        for path in ("/v1/operations", "/v1/agreement", "/v1/whoami", "/metrics"):
            r = self.c.get(path)
            self.assertError(r, 401)
            self.assertEqual(r.json["error"]["code"], "unauthenticated")
            r = self.c.get(path, token="jic_not-a-token")
            self.assertError(r, 401)
        r = self.c.post("/v1/operations", operation("US", "isr"))
        self.assertError(r, 401)
        r = self.c.post("/v1/operations", operation("US", "isr"), token="jic_nope")
        self.assertError(r, 401)
        r = self.c.get("/v1/whoami", headers={"Authorization": "Basic dXM6cHc="})
        self.assertError(r, 401)

    def test_403_observer_and_watch_may_not_notify(self):
        before = last_seq(self.c)
        for user in ("obs", "usw", "adm"):
            r = self.c.post("/v1/operations", operation("US", "isr"), user=user)
            self.assertError(r, 403)
        self.assertEqual(last_seq(self.c), before)

    def test_403_planner_of_a_party_that_neither_operates_nor_reports(self):
        # RU lists no reported_by: only RU notifies RU operations.
        before = last_seq(self.c)
        r = self.c.post("/v1/operations", operation("RU", "transport", square(34.8, 39.1)),
                        user="usp")
        self.assertError(r, 403)
        r = self.c.post("/v1/operations", operation("US", "transport", square(34.8, 39.3)),
                        user="rup")
        self.assertError(r, 403)
        self.assertEqual(last_seq(self.c), before)

    def test_sy_operations_are_notified_by_ru(self):
        j = self.notify(operation("SY", "transport", square(34.8, 39.5)), "rup")
        self.assertEqual(j["state"], "accepted", j)
        op = self.get_op(j["id"])
        self.assertEqual((op["operator"], op["submitted_by"]), ("SY", "RU"))
        # RU manages SY's operations (reported_by), US does not.
        self.act(j["id"], "activate", "usp", 403)
        self.act(j["id"], "activate", "rup", 200)
        # SY lists only RU in reported_by: a notification by US for SY is decided
        # and recorded, rejected by the built-in reporting check (AGREEMENT.md:
        # a well-formed notification always gets a recorded decision).
        before = last_seq(self.c)
        for user in ("usp", "uso"):
            r = self.c.post("/v1/operations", operation("SY", "transport", square(34.8, 39.7)),
                            user=user)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["state"], "rejected")
            self.assertEqual([(f["rule"], f["effect"]) for f in r.json["decision"]["findings"]],
                             [("reporting", "reject")])
        self.assertEqual(last_seq(self.c), before + 2)

    def test_submitted_by_comes_from_the_token(self):
        r = self.c.post("/v1/operations", operation("RU", "isr", submitted_by="US"), user="rup")
        self.assertError(r, 400, "submitted_by")
        j = self.notify(operation("RU", "isr", square(34.8, 39.9), submitted_by="RU"), "rup")
        self.assertEqual(self.get_op(j["id"])["submitted_by"], "RU")
        j = self.notify(operation("US", "isr", square(34.8, 40.1)), "uso")  # officer notifies too
        self.assertEqual(self.get_op(j["id"])["submitted_by"], "US")

    def test_403_managing_another_partys_operation(self):
        us = self.notify(operation("US", "isr", square(34.7, 39.1)), "usp")["id"]
        ru = self.notify(operation("RU", "isr", square(34.7, 39.3)), "rup")["id"]
        before = last_seq(self.c)
        for action in ("activate", "cancel", "end"):
            self.act(us, action, "rup", 403)
            self.act(us, action, "ruo", 403)
            self.act(ru, action, "usp", 403)
            self.act(us, action, "obs", 403)
        r = self.c.put("/v1/operations/" + us, operation("US", "isr", square(34.7, 39.1)),
                       user="rup", headers={"If-Match": "1"})
        self.assertError(r, 403)
        self.assertEqual(last_seq(self.c), before)
        self.assertEqual(self.get_op(us)["state"], "accepted")
        self.assertEqual(self.get_op(ru)["state"], "accepted")

    # -- modify -----------------------------------------------------------------
    def test_modify_with_if_match(self):
        body = operation("US", "isr", square(34.6, 39.2))
        j = self.notify(body, "usp")
        op_id = j["id"]
        path = "/v1/operations/" + op_id
        # Over the Hama hospital PS-3: a new decision on the new volumes.
        over_ps3 = dict(body)
        s = new_slot()
        over_ps3["volumes"] = [volume(square(35.136, 36.752, 0.01), s, s + secs(3600))]
        r = self.c.put(path, over_ps3, user="usp")
        self.assertError(r, 400, "If-Match")
        r = self.c.put(path, over_ps3, user="usp", headers={"If-Match": "7"})
        self.assertError(r, 412)
        r = self.c.put(path, over_ps3, user="usp", headers={"If-Match": "not-a-version"})
        self.assertError(r, 400, "If-Match")
        self.assertEqual(self.get_op(op_id)["version"], 1)

        r = self.c.put(path, over_ps3, user="usp", headers={"If-Match": "1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], op_id)
        self.assertEqual(r.json["version"], 2)
        self.assertEqual(r.json["state"], "rejected")
        self.assertEqual([(f["rule"], f.get("area")) for f in r.json["decision"]["findings"]],
                         [("R3", "PS-3")])
        op = self.get_op(op_id)
        self.assertEqual((op["version"], op["state"]), (2, "rejected"))
        self.assertEqual(op["decision"], r.json["decision"])
        v0 = op["volumes"][0]["volume"]["outline_polygon"]["vertices"][0]
        self.assertAlmostEqual(v0["lat"], 35.126, places=9)
        self.assertAlmostEqual(v0["lng"], 36.742, places=9)

        # The old version is stale now; the ETag of a GET is a valid If-Match.
        r = self.c.put(path, body, user="usp", headers={"If-Match": "1"})
        self.assertError(r, 412)
        etag = self.c.get(path, user="usp").headers["ETag"]
        self.assertEqual(etag, '"2"')
        r = self.c.put(path, body, user="usp", headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["version"], r.json["state"]), (3, "accepted"))
        self.assertEqual(r.json["decision"]["findings"], [])
        # Changing the operator is not a modification.
        r = self.c.put(path, {**body, "operator": "RU"}, user="usp", headers={"If-Match": "3"})
        self.assertError(r, 400, "operator")

        self.act(op_id, "activate", "usp", 200)
        r = self.c.put(path, body, user="usp", headers={"If-Match": "4"})
        self.assertError(r, 409)
        self.assertEqual(self.get_op(op_id)["state"], "activated")
        self.assertError(self.c.put("/v1/operations/nope", body, user="usp",
                                    headers={"If-Match": "1"}), 404)

    # -- approvals ----------------------------------------------------------------
    def test_approve_by_officer_of_approver_party(self):
        op_id = self.notify(operation("RU", "defensive_air_support", square(35.4, 39.1)),
                            "rup")["id"]
        before = last_seq(self.c)
        self.approve(op_id, "ruo", 403)   # RU is not asked
        self.approve(op_id, "syo", 403)
        self.approve(op_id, "usp", 403)   # a planner may not approve
        self.approve(op_id, "usw", 403)
        self.approve(op_id, "obs", 403)
        r = self.c.post("/v1/operations/%s/approvals" % op_id, {"reason": "x"}, user="uso")
        self.assertError(r, 400, "approve")
        r = self.c.post("/v1/operations/%s/approvals" % op_id, {"approve": "yes"}, user="uso")
        self.assertError(r, 400, "approve")
        self.assertEqual(last_seq(self.c), before)
        self.assertEqual(self.get_op(op_id)["state"], "pending_approval")

        j = self.approve(op_id, "uso", 200, reason="agreed in advance")
        self.assertEqual(j["state"], "accepted")
        self.assertEqual(j["version"], 2)
        op = self.get_op(op_id)
        self.assertEqual((op["state"], op["version"]), ("accepted", 2))
        self.assertEqual(len(op["approvals"]), 1)
        a = op["approvals"][0]
        self.assertEqual((a["party"], a["user"], a["approve"], a.get("reason")),
                         ("US", "uso", True, "agreed in advance"))
        self.assertIn("at", a)
        # Approving twice, or anything not pending: 409.
        self.approve(op_id, "uso", 409)
        self.approve(self.notify(operation("US", "isr", square(35.4, 39.3)), "usp")["id"],
                     "uso", 409)
        self.approve("no-such-op", "uso", 404)

    def test_refusal_rejects(self):
        op_id = self.notify(operation("RU", "defensive_air_support", square(35.4, 39.5)),
                            "rup")["id"]
        j = self.approve(op_id, "uso", 200, approve=False, reason="not agreed")
        self.assertEqual(j["state"], "rejected")
        op = self.get_op(op_id)
        self.assertEqual(op["state"], "rejected")
        self.assertEqual([(a["party"], a["approve"], a.get("reason")) for a in op["approvals"]],
                         [("US", False, "not agreed")])
        self.approve(op_id, "uso", 409)
        self.act(op_id, "activate", "rup", 409)

    def test_approval_is_decided_again_against_a_later_preempting_operation(self):
        start = new_slot()
        end = start + secs(3600)
        # RU air support (priority 0), pending US approval.
        first = self.notify(operation("RU", "defensive_air_support",
                                      rect(35.50, 35.55, 40.00, 40.06), start, end,
                                      (2000, 4000)), "rup")
        self.assertEqual(first["state"], "pending_approval")
        # A US medevac (priority 100) 3 km east, 200 m below, starting 120 s after the
        # first ends: within every minimum.
        gap_lng = 3000 / (M_PER_DEG_LAT * math.cos(math.radians(35.55)))
        medevac = self.notify(operation("US", "medevac",
                                        rect(35.50, 35.55, 40.06 + gap_lng, 40.12 + gap_lng),
                                        end + secs(120), end + secs(3720), (500, 1800)), "usp")
        self.assertEqual(medevac["state"], "accepted", medevac)
        sep = findings_of(medevac["decision"], "separation")
        self.assertEqual([(f["effect"], f["operation"]) for f in sep],
                         [("preempt", first["id"])])
        if "distance_m" in sep[0]:
            self.assertAlmostEqual(sep[0]["distance_m"], 3000, delta=10)
        # The pending operation's owner is told.
        notices = self.get_op(first["id"]).get("notices", [])
        self.assertIn(("preempted", medevac["id"]),
                      [(n.get("type"), n.get("by")) for n in notices])
        self.assertEqual(self.get_op(first["id"])["state"], "pending_approval")

        j = self.approve(first["id"], "uso", 200)
        self.assertEqual(j["state"], "rejected", j)
        sep = findings_of(j["decision"], "separation")
        self.assertEqual([(f["effect"], f["operation"]) for f in sep],
                         [("reject", medevac["id"])])
        op = self.get_op(first["id"])
        self.assertEqual(op["state"], "rejected")
        self.assertEqual(op["decision"], j["decision"])
        self.assertEqual(op["approvals"][0]["party"], "US")
        self.assertTrue(op["approvals"][0]["approve"])
        self.assertEqual(self.get_op(medevac["id"])["state"], "accepted")

    # -- state machine --------------------------------------------------------------
    def test_state_machine(self):
        a = self.notify(operation("US", "isr", square(35.3, 39.1)), "usp")["id"]
        self.act(a, "end", "usp", 409)
        j = self.act(a, "activate", "usp", 200)
        self.assertEqual((j["id"], j["state"], j["version"]), (a, "activated", 2))
        self.assertEqual(j.get("previous_state"), "accepted")
        self.act(a, "activate", "usp", 409)
        self.act(a, "cancel", "usp", 409)
        j = self.act(a, "end", "uso", 200)  # an officer of the party may too
        self.assertEqual((j["state"], j["version"]), ("ended", 3))
        for action in ("end", "cancel", "activate"):
            self.act(a, action, "usp", 409)
        op = self.get_op(a)
        self.assertEqual((op["state"], op["version"]), ("ended", 3))

        # accepted -> cancelled
        b = self.notify(operation("US", "isr", square(35.3, 39.3)), "usp")["id"]
        j = self.act(b, "cancel", "usp", 200, body={"reason": "weather"})
        self.assertEqual(j["state"], "cancelled")
        for action in ("activate", "end", "cancel"):
            self.act(b, action, "usp", 409)

        # pending_approval -> cancelled; no activation before approval
        p = self.notify(operation("RU", "defensive_air_support", square(35.3, 39.5)), "rup")["id"]
        self.act(p, "activate", "rup", 409)
        self.act(p, "end", "rup", 409)
        self.assertEqual(self.act(p, "cancel", "rup", 200)["state"], "cancelled")
        self.approve(p, "uso", 409)

        # rejected: nothing moves
        r = self.notify(operation("SY", "combat", [(35.76, 36.52), (35.76, 36.62),
                                                    (35.83, 36.63), (35.83, 36.53)]), "rup")
        self.assertEqual(r["state"], "rejected")
        for action in ("activate", "end", "cancel"):
            self.act(r["id"], action, "rup", 409)
        self.assertEqual(self.get_op(r["id"])["state"], "rejected")
        self.act("no-such-op", "activate", "usp", 404)
        r = self.c.post("/v1/operations/%s/activate" % a, {"bogus": 1}, user="usp")
        self.assertIn(r.status, (400, 409), r)

    # -- threads ----------------------------------------------------------------------
    def test_threads(self):
        op_id = self.notify(operation("US", "isr", square(35.1, 40.4)), "usp")["id"]
        path = "/v1/threads/operation:%s/comments" % op_id
        r = self.c.get(path, user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["comments"], [])
        r = self.c.post(path, {"text": "ISR orbit over the river crossing"}, user="usp")
        self.assertEqual(r.status, 201, r)
        c1 = r.json["id"]
        self.assertEqual(r.json.get("subject"), "operation:" + op_id)
        r = self.c.post(path, {"text": "noted"}, user="ruo")
        self.assertEqual(r.status, 201, r)
        c2 = r.json["id"]
        r = self.c.get(path, user="obs")  # observers read
        self.assertEqual(r.status, 200, r)
        cs = r.json["comments"]
        self.assertEqual([c["id"] for c in cs], [c1, c2])
        self.assertEqual([(c["user"], c["party"], c["text"]) for c in cs],
                         [("usp", "US", "ISR orbit over the river crossing"),
                          ("ruo", "RU", "noted")])
        for c in cs:
            self.assertIn("at", c)
        before = last_seq(self.c)
        self.assertError(self.c.post(path, {"text": "may I?"}, user="obs"), 403)
        self.assertError(self.c.post(path, {"text": ""}, user="usp"), 400, "text")
        self.assertError(self.c.post(path, {"text": "   "}, user="usp"), 400, "text")
        self.assertError(self.c.post(path, {}, user="usp"), 400, "text")
        self.assertError(self.c.post("/v1/threads/operation:nope/comments", {"text": "x"},
                                     user="usp"), 404)
        self.assertError(self.c.post("/v1/threads/amendment:am-999/comments", {"text": "x"},
                                     user="usp"), 404)
        self.assertError(self.c.post("/v1/threads/alert:al-1/comments", {"text": "x"},
                                     user="usp"), 404)
        self.assertError(self.c.post("/v1/threads/nonsense/comments", {"text": "x"},
                                     user="usp"), 400, "subject")
        self.assertError(self.c.post("/v1/threads/flight:%s/comments" % op_id, {"text": "x"},
                                     user="usp"), 400, "subject")
        self.assertEqual(last_seq(self.c), before)
        self.assertEqual(len(self.c.get(path, user="obs").json["comments"]), 2)

    def test_get_thread_of_missing_or_bad_subject(self):
        self.assertError(self.c.get("/v1/threads/operation:nope/comments", user="obs"), 404)
        self.assertError(self.c.get("/v1/threads/nonsense/comments", user="obs"), 400)

    # -- alerts -------------------------------------------------------------------------
    def test_alerts_empty(self):
        r = self.c.get("/v1/alerts", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"alerts": []})
        r = self.c.get("/v1/alerts?state=open", user="usw")
        self.assertEqual((r.status, r.json), (200, {"alerts": []}))
        self.assertError(self.c.get("/v1/alerts?state=bogus", user="obs"), 400, "state")
        self.assertError(self.c.post("/v1/alerts/nope/ack", {}, user="usw"), 404)
        self.assertError(self.c.post("/v1/alerts/nope/ack", {}, user="obs"), 403)
        self.assertError(self.c.get("/v1/alerts/nope", user="obs"), 404)

    # -- idempotency ----------------------------------------------------------------------
    def test_idempotency_key(self):
        body = operation("US", "transport", square(35.5, 39.1))
        key = {"Idempotency-Key": "wf-idem-1"}
        r1 = self.c.post("/v1/operations", body, user="usp", headers=key)
        self.assertEqual(r1.status, 201, r1)
        seq = last_seq(self.c)
        n_ops = len(self.c.get("/v1/operations", user="obs").json["operations"])
        r2 = self.c.post("/v1/operations", body, user="usp", headers=key)
        self.assertEqual(r2.status, 201, r2)
        self.assertEqual(r2.json, r1.json)
        self.assertEqual(r2.headers.get("Location"), r1.headers.get("Location"))
        self.assertEqual(last_seq(self.c), seq)
        self.assertEqual(len(self.c.get("/v1/operations", user="obs").json["operations"]), n_ops)
        # Same key, another body: 409, nothing recorded.
        other = operation("US", "transport", square(35.5, 39.3))
        r3 = self.c.post("/v1/operations", other, user="usp", headers=key)
        self.assertError(r3, 409)
        self.assertEqual(last_seq(self.c), seq)
        # Other commands too: a comment posted twice is one comment.
        path = "/v1/threads/operation:%s/comments" % r1.json["id"]
        k = {"Idempotency-Key": "wf-idem-comment"}
        c1 = self.c.post(path, {"text": "once"}, user="usp", headers=k)
        c2 = self.c.post(path, {"text": "once"}, user="usp", headers=k)
        self.assertEqual((c1.status, c2.status), (201, 201))
        self.assertEqual(c1.json, c2.json)
        self.assertEqual(len(self.c.get(path, user="obs").json["comments"]), 1)

    # -- users ------------------------------------------------------------------------------
    def test_users_over_http(self):
        r = self.c.post("/v1/users", {"name": "wf-new-planner", "party": "RU", "role": "planner"},
                        user="adm")
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["name"], r.json["party"], r.json["role"]),
                         ("wf-new-planner", "RU", "planner"))
        token = r.json["token"]
        self.assertTrue(token)
        w = self.c.get("/v1/whoami", token=token)
        self.assertEqual(w.status, 200, w)
        self.assertEqual(w.json, {"name": "wf-new-planner", "party": "RU", "role": "planner"})
        r = self.c.post("/v1/operations", operation("RU", "isr", square(35.5, 39.5)), token=token)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.get_op(r.json["id"])["created_by"], "wf-new-planner")

        for user in ("usp", "uso", "obs", "usw"):
            self.assertError(self.c.post("/v1/users", {"name": "x-" + user, "party": "US",
                                                       "role": "admin"}, user=user), 403)
            self.assertError(self.c.get("/v1/users", user=user), 403)
        self.assertError(self.c.post("/v1/users", {"name": "wf-new-planner", "party": "US",
                                                   "role": "officer"}, user="adm"), 409)
        self.assertError(self.c.post("/v1/users", {"name": "usp", "party": "US",
                                                   "role": "planner"}, user="adm"), 409)
        self.assertError(self.c.post("/v1/users", {"name": "wf-bad-role", "party": "US",
                                                   "role": "general"}, user="adm"), 400, "role")
        self.assertError(self.c.post("/v1/users", {"name": "wf-bad-party", "party": "FR",
                                                   "role": "planner"}, user="adm"), 400, "party")

        r = self.c.get("/v1/users", user="adm")
        self.assertEqual(r.status, 200, r)
        users = r.json["users"]
        names = [u["name"] for u in users]
        for name, party, role in self.USERS:
            self.assertIn({"name": name, "party": party, "role": role},
                          [{k: u[k] for k in ("name", "party", "role")} for u in users])
        self.assertIn("wf-new-planner", names)
        self.assertNotIn("wf-bad-role", names)
        self.assertNotIn("token_hash", r.raw)
        self.assertNotIn(token, r.raw)
        for u in users:
            self.assertNotIn("token", u)

    # -- agreement, areas, health -----------------------------------------------------------
    def test_agreement(self):
        r = self.c.get("/v1/agreement", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["version"], 1)
        a = r.json["agreement"]
        self.assertEqual(a["id"], "jic-2016")
        self.assertEqual(a["signatories"], ["US", "RU"])
        self.assertEqual([p["id"] for p in a["parties"]], ["US", "RU", "SY"])
        self.assertEqual(a["separation"]["horizontal_m"], 5000)
        self.assertEqual([x["id"] for x in a["rules"]], ["R1", "R2", "R3", "R4", "R5", "R6"])

    def test_areas(self):
        r = self.c.get("/v1/areas", user="obs")
        self.assertEqual(r.status, 200, r)
        fc = r.json
        self.assertEqual(fc["type"], "FeatureCollection")
        all_ids = ["DA-1", "DA-2", "DA-3", "DA-4", "PS-1", "PS-2", "PS-3", "PS-4", "RA-1", "HC-1"]
        self.assertEqual([f["id"] for f in fc["features"]], all_ids)
        by_id = {f["id"]: f for f in fc["features"]}
        for f in fc["features"]:
            self.assertEqual(f["type"], "Feature")
            self.assertIn(f["geometry"]["type"], ("Polygon", "MultiPolygon", "Point"))
        self.assertEqual(by_id["DA-1"]["geometry"]["type"], "Polygon")
        self.assertEqual(by_id["DA-1"]["geometry"]["coordinates"][0][0], [36.83, 36.10])
        self.assertEqual(by_id["DA-1"]["properties"]["kind"], "designated")
        self.assertEqual(by_id["DA-3"]["geometry"]["type"], "MultiPolygon")
        self.assertEqual(by_id["PS-1"]["geometry"], {"type": "Point",
                                                     "coordinates": [37.175, 36.210]})
        self.assertEqual(by_id["PS-1"]["properties"]["kind"], "protected_site")
        self.assertEqual(by_id["PS-1"]["properties"]["radius_m"], 1000)
        self.assertEqual(by_id["RA-1"]["properties"]["kind"], "restricted")
        self.assertEqual(by_id["HC-1"]["properties"]["kind"], "corridor")

        def at(t):
            r = self.c.get("/v1/areas?at=" + t, user="obs")
            self.assertEqual(r.status, 200, r)
            return [f["id"] for f in r.json["features"]]

        always = ["DA-3", "PS-1", "PS-2", "PS-3", "PS-4", "RA-1"]
        self.assertEqual(at("2016-07-01T00:00:00Z"), always)
        self.assertEqual(at("2016-07-16T00:00:00Z"),
                         ["DA-1", "DA-2", "DA-3", "DA-4"] + always[1:])
        self.assertEqual(at("2016-07-20T00:00:00Z"), all_ids)
        self.assertEqual(at("2016-07-22T00:00:00Z"), [i for i in all_ids if i != "DA-4"])
        for bad in ("yesterday", "2016-07-22", "2016-13-01T00:00:00Z"):
            self.assertError(self.c.get("/v1/areas?at=" + bad, user="obs"), 400, "at")

    def test_healthz_and_whoami(self):
        r = self.c.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("status"), "ok")
        for user, party, role in self.USERS:
            r = self.c.get("/v1/whoami", user=user)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json, {"name": user, "party": party, "role": role})
        r = self.c.get("/v1/openapi.json", user="obs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["openapi"].startswith("3"))

    def test_request_limits(self):
        # Bodies are JSON, at most 1 MiB.
        r = self.c.post("/v1/operations", json.dumps(operation("US", "isr")), user="usp",
                        headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415, r)
        s = socket.create_connection(("127.0.0.1", self.c.port), timeout=10)
        try:
            s.sendall(("POST /v1/operations HTTP/1.1\r\nHost: jic\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n{" % (self.c.tokens["usp"], (1 << 20) + 1))
                      .encode())
            head = s.recv(4096).decode(errors="replace")
        finally:
            s.close()
        self.assertTrue(head.startswith("HTTP/1.1 413"), head[:200])

    # -- events ----------------------------------------------------------------------------
    def test_events_stream_and_resume(self):
        live = EventStream(self.c, "usp")
        admin_live = EventStream(self.c, "adm")
        try:
            self.assertEqual(live.status, 200)
            self.assertTrue(live.headers.get("Content-Type", "").startswith("text/event-stream"),
                            live.headers)
            a = self.notify(operation("US", "isr", square(35.6, 39.1)), "usp")
            seq_a = last_seq(self.c)
            ev = live.next_event()
            self.assertEqual(ev["id"], str(seq_a))
            self.assertEqual(ev["event"], "operation.notify")
            data = json.loads(ev["data"])
            self.assertEqual(data["seq"], seq_a)
            self.assertEqual(data["type"], "operation.notify")
            self.assertEqual(data["actor"]["user"], "usp")
            self.assertEqual(data["actor"]["party"], "US")
            self.assertEqual(data["result"]["id"], a["id"])
            self.assertEqual(data["result"]["state"], "accepted")
            self.assertEqual(data["result"]["decision"], a["decision"])
            self.assertEqual(data["command"]["operation"]["id"], a["id"])

            # A user added over HTTP, then another notification.
            u = self.c.post("/v1/users", {"name": "wf-sse-user", "party": "US", "role": "observer"},
                            user="adm")
            self.assertEqual(u.status, 201, u)
            seq_u = last_seq(self.c)
            b = self.notify(operation("US", "isr", square(35.6, 39.3)), "usp")
            c_ = self.c.post("/v1/threads/operation:%s/comments" % b["id"], {"text": "hi"},
                             user="usp")
            self.assertEqual(c_.status, 201, c_)
            seq_c = last_seq(self.c)
            seq_b = seq_c - 1

            # Live: the planner does not see user.add; the admin does, without the hash.
            got = live.events_until(seq_c)
            self.assertEqual([(int(e["id"]), e["event"]) for e in got],
                             [(seq_b, "operation.notify"), (seq_c, "comment.add")])
            got = admin_live.events_until(seq_c)
            self.assertEqual([(int(e["id"]), e["event"]) for e in got],
                             [(seq_a, "operation.notify"), (seq_u, "user.add"),
                              (seq_b, "operation.notify"), (seq_c, "comment.add")])
            ud = json.loads(got[1]["data"])
            self.assertEqual(ud["command"]["name"], "wf-sse-user")
            self.assertNotIn("token_hash", ud["command"])
            self.assertNotIn("token", got[1]["data"])
        finally:
            live.close()
            admin_live.close()

        # Resume: every entry after Last-Event-ID, in order.
        for user, expect in (("obs", [seq_a, seq_b, seq_c]),
                             ("adm", [seq_a, seq_u, seq_b, seq_c])):
            s = EventStream(self.c, user, last_event_id=seq_a - 1)
            try:
                self.assertEqual(s.status, 200)
                got = s.events_until(seq_c)
                self.assertEqual([int(e["id"]) for e in got], expect, user)
                for e in got:
                    d = json.loads(e["data"])
                    self.assertEqual((d["seq"], d["type"]), (int(e["id"]), e["event"]))
                self.assertEqual(json.loads(got[0]["data"])["result"]["id"], a["id"])
            finally:
                s.close()
        # From further back: ids strictly increasing, no gaps but user.add for a non-admin.
        s = EventStream(self.c, "rup", last_event_id=0)
        try:
            got = s.events_until(seq_c)
            ids = [int(e["id"]) for e in got]
            self.assertEqual(ids, sorted(set(ids)))
            self.assertEqual(ids[0] if ids else None, 1)  # agreement.init
            self.assertNotIn("user.add", [e["event"] for e in got])
            self.assertNotIn(seq_u, ids)
        finally:
            s.close()
        self.assertError(self.c.get("/v1/events", user="obs",
                                    headers={"Last-Event-ID": "abc"}), 400)
        self.assertError(self.c.get("/v1/events"), 401)


# ======================================================================
NEW_AREA = {
    "id": "NEW-1",
    "name": "New restricted area in the eastern desert",
    "kind": "restricted",
    "geometry": {"type": "Polygon",
                 "coordinates": [[[40.30, 34.80], [40.50, 34.80], [40.50, 35.00], [40.30, 35.00],
                                  [40.30, 34.80]]]},
    "altitude": {"lower": 0, "upper": 15000},
}
NEW_RULE = {
    "id": "R7",
    "text": "no operation in NEW-1 except medevac and humanitarian",
    "when": {"area": ["NEW-1"], "category_not": ["medevac", "humanitarian"]},
    "effect": "reject",
}
TWO_PARTY_RULE = {
    "id": "R8",
    "text": "US humanitarian flights need the approval of both signatories",
    "when": {"operator": ["US"], "category": ["humanitarian"]},
    "effect": {"require_approval": ["RU", "US"]},
}


class AmendmentsTest(CenterTestCase):
    """Amendments change the agreement for the whole center: a center of their own."""

    def propose(self, changes, user="uso", expect=201, summary="test amendment"):
        r = self.c.post("/v1/amendments", {"summary": summary, "changes": changes}, user=user)
        self.assertEqual(r.status, expect, r)
        return r

    def sign(self, am_id, user, expect, approve=True):
        r = self.c.post("/v1/amendments/%s/approvals" % am_id, {"approve": approve}, user=user)
        self.assertEqual(r.status, expect, "%s signs %s: %r" % (user, am_id, r))
        return r.json

    def test_amendment_lifecycle_flags_operations(self):
        # Live operations before the amendment.
        inside = self.notify(operation("US", "isr", square(34.9, 40.4, 0.03)), "usp")["id"]
        outside = self.notify(operation("US", "isr", square(34.9, 39.6, 0.03)), "usp")["id"]
        pending = self.notify(operation("RU", "defensive_air_support", square(34.9, 39.9, 0.03)),
                              "rup")
        self.assertEqual(pending["state"], "pending_approval")
        pending = pending["id"]
        medevac_inside = self.notify(operation("US", "medevac", square(34.85, 40.35, 0.01)),
                                     "usp")["id"]
        ended_inside = self.notify(operation("US", "isr", square(34.95, 40.45, 0.01)), "usp")["id"]
        self.act(ended_inside, "activate", "usp", 200)
        self.act(ended_inside, "end", "usp", 200)
        versions = {i: self.get_op(i)["version"] for i in (inside, outside, pending)}
        v0 = self.c.get("/v1/agreement", user="obs").json["version"]

        r = self.propose({"areas": {"put": [NEW_AREA]}, "rules": {"put": [NEW_RULE, TWO_PARTY_RULE]}},
                         summary="restrict NEW-1; two-party humanitarian approvals")
        am = r.json
        self.assertEqual(am["state"], "pending")
        am_id = am["id"]
        self.assertTrue(am_id)
        # A second amendment against the same version, to be overtaken.
        stale = self.propose({"rules": {"remove": ["R6"]}}, user="ruo").json["id"]

        g = self.c.get("/v1/amendments/" + am_id, user="obs")
        self.assertEqual(g.status, 200, g)
        self.assertEqual((g.json["state"], g.json["summary"], g.json["proposed_by"]),
                         ("pending", "restrict NEW-1; two-party humanitarian approvals", "uso"))
        self.assertEqual(g.json["approvals"], [])
        listed = [a["id"] for a in
                  self.c.get("/v1/amendments?state=pending", user="obs").json["amendments"]]
        self.assertEqual([i for i in listed if i in (am_id, stale)], [am_id, stale])
        # Not in force yet.
        self.assertEqual(self.c.get("/v1/agreement", user="obs").json["version"], v0)

        before = last_seq(self.c)
        self.sign(am_id, "syo", 403)   # SY is no signatory
        self.sign(am_id, "usp", 403)   # planners do not sign
        self.sign(am_id, "rup", 403)
        self.sign(am_id, "obs", 403)
        self.assertEqual(last_seq(self.c), before)

        j = self.sign(am_id, "uso", 200)
        self.assertEqual(j["state"], "pending")
        self.sign(am_id, "uso", 409)   # twice
        self.assertEqual(self.c.get("/v1/agreement", user="obs").json["version"], v0)
        j = self.sign(am_id, "ruo", 200)
        self.assertEqual(j["state"], "in_force")
        self.assertEqual(j.get("agreement_version"), v0 + 1)
        flagged = {f["operation"]: f for f in j["flagged"]}
        self.assertIn(inside, flagged)
        self.assertEqual([(x["rule"], x["effect"], x.get("area"))
                          for x in flagged[inside]["decision"]["findings"]],
                         [("R7", "reject", "NEW-1")])
        self.assertNotIn(outside, flagged)
        self.assertNotIn(medevac_inside, flagged)
        self.assertNotIn(ended_inside, flagged)  # ended: not decided again
        self.sign(am_id, "ruo", 409)
        self.sign(am_id, "uso", 409)

        # In force: the next version, with the new area and rules.
        ag = self.c.get("/v1/agreement", user="obs").json
        self.assertEqual(ag["version"], v0 + 1)
        self.assertIn("NEW-1", [a["id"] for a in ag["agreement"]["areas"]])
        self.assertEqual([x["id"] for x in ag["agreement"]["rules"]],
                         ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"])
        areas = self.c.get("/v1/areas", user="obs").json
        self.assertIn("NEW-1", [f["id"] for f in areas["features"]])
        g = self.c.get("/v1/amendments/" + am_id, user="obs").json
        self.assertEqual(g["state"], "in_force")
        self.assertEqual(g["agreement_version"], v0 + 1)
        self.assertEqual([f["operation"] for f in g["flagged"]], [f["operation"] for f in j["flagged"]])
        self.assertEqual(sorted(a["party"] for a in g["approvals"]), ["RU", "US"])

        # Flagged, not changed: same state and version, a notice of type flagged.
        op = self.get_op(inside)
        self.assertEqual((op["state"], op["version"]), ("accepted", versions[inside]))
        flags = [n for n in op.get("notices", []) if n.get("type") == "flagged"]
        self.assertEqual(len(flags), 1, op.get("notices"))
        self.assertEqual(flags[0].get("amendment"), am_id)
        self.assertEqual(flags[0].get("agreement_version"), v0 + 1)
        op = self.get_op(outside)
        self.assertEqual((op["state"], op["version"]), ("accepted", versions[outside]))
        self.assertFalse([n for n in op.get("notices", []) if n.get("type") == "flagged"])
        op = self.get_op(pending)
        self.assertEqual((op["state"], op["version"]), ("pending_approval", versions[pending]))

        # New notifications are decided under the new version.
        j = self.notify(operation("RU", "isr", square(34.9, 40.4, 0.01)), "rup")
        self.assertEqual(j["state"], "rejected")
        self.assertIn(("R7", "NEW-1"), [(f["rule"], f.get("area")) for f in j["decision"]["findings"]])

        # R8: two approver parties; each approves once.
        h = self.notify(operation("US", "humanitarian", square(35.4, 39.2)), "usp")
        self.assertEqual(h["state"], "pending_approval")
        self.assertEqual(sorted(h["decision"]["approvers"]), ["RU", "US"])
        j = self.approve(h["id"], "ruo", 200)
        self.assertEqual(j["state"], "pending_approval")
        self.approve(h["id"], "ruo", 409)  # approving twice
        self.approve(h["id"], "syo", 403)
        j = self.approve(h["id"], "uso", 200)
        self.assertEqual(j["state"], "accepted")
        self.assertEqual(sorted(a["party"] for a in self.get_op(h["id"])["approvals"]),
                         ["RU", "US"])

        # The overtaken amendment may not take effect against the new version.
        self.sign(stale, "uso", 409)

        # Threads on amendments.
        path = "/v1/threads/amendment:%s/comments" % am_id
        r = self.c.post(path, {"text": "signed for RU"}, user="ruo")
        self.assertEqual(r.status, 201, r)
        r = self.c.get(path, user="obs")
        self.assertEqual([(c["user"], c["text"]) for c in r.json["comments"]],
                         [("ruo", "signed for RU")])
        self.assertError(self.c.post(path, {"text": "me too"}, user="obs"), 403)

    def test_amendment_does_not_flag_a_pending_operation_it_leaves_as_it_was(self):
        """A pending operation that still needs the same approval breaks nothing new."""
        pending = self.notify(operation("RU", "defensive_air_support", square(35.5, 40.5, 0.02)),
                              "rup")
        self.assertEqual(pending["state"], "pending_approval")
        am = self.propose({"title": "Joint Implementation Center, Syria (retitled)"}).json["id"]
        self.sign(am, "ruo", 200)
        j = self.sign(am, "uso", 200)
        self.assertEqual(j["state"], "in_force")
        self.assertNotIn(pending["id"], [f["operation"] for f in j["flagged"]])
        op = self.get_op(pending["id"])
        self.assertEqual(op["state"], "pending_approval")
        self.assertFalse([n for n in op.get("notices", []) if n.get("type") == "flagged"])

    def test_refused_amendment(self):
        am = self.propose({"rules": {"remove": ["R4"]}}, user="ruo").json["id"]
        j = self.sign(am, "ruo", 200)
        self.assertEqual(j["state"], "pending")
        j = self.sign(am, "uso", 200, approve=False)
        self.assertEqual(j["state"], "rejected")
        self.sign(am, "uso", 409)
        self.assertEqual(self.c.get("/v1/amendments/" + am, user="obs").json["state"], "rejected")
        rules = [x["id"] for x in self.c.get("/v1/agreement", user="obs").json["agreement"]["rules"]]
        self.assertIn("R4", rules)

    def test_bad_amendments_are_400_naming_the_field(self):
        before = last_seq(self.c)
        self.propose({"rules": {"remove": ["R4"]}}, user="usp", expect=403)
        self.propose({"rules": {"remove": ["R4"]}}, user="obs", expect=403)
        self.propose({"rules": {"remove": ["R4"]}}, user="usw", expect=403)

        def bad(changes, field_prefix, summary="bad"):
            r = self.c.post("/v1/amendments", {"summary": summary, "changes": changes},
                            user="uso")
            self.assertError(r, 400)
            self.assertTrue(r.json["error"].get("field", "").startswith(field_prefix),
                            "%s: %r" % (field_prefix, r))

        open_ring = dict(NEW_AREA, id="BAD-1", geometry={
            "type": "Polygon", "coordinates": [[[40.3, 34.8], [40.5, 34.8], [40.5, 35.0]]]})
        bad({"areas": {"put": [open_ring]}}, "changes.areas.put[0].geometry.coordinates")
        bowtie = dict(NEW_AREA, id="BAD-2", geometry={
            "type": "Polygon", "coordinates": [[[40.3, 34.8], [40.5, 35.0], [40.5, 34.8],
                                                [40.3, 35.0], [40.3, 34.8]]]})
        bad({"areas": {"put": [dict(NEW_AREA, id="OK-1"), bowtie]}},
            "changes.areas.put[1].geometry.coordinates")
        point_no_radius = dict(NEW_AREA, id="BAD-3",
                               geometry={"type": "Point", "coordinates": [40.4, 34.9]})
        bad({"areas": {"put": [point_no_radius]}}, "changes.areas.put[0].radius_m")
        bad({"areas": {"put": [dict(NEW_AREA, kind="forbidden")]}}, "changes.areas.put[0].kind")
        bad({"areas": {"put": [{"name": "no id"}]}}, "changes.areas.put[0]")
        bad({"areas": {"remove": ["NOPE-9"]}}, "changes.areas.remove[0]")
        bad({"rules": {"remove": ["R99"]}}, "changes.rules.remove[0]")
        rule = {"id": "R9", "text": "ISR is noted", "when": {"category": ["isr"]}, "effect": "warn"}
        bad({"rules": {"put": [dict(rule, when={"categroy": ["isr"]})]}},
            "changes.rules.put[0].when.categroy")
        bad({"rules": {"put": [dict(rule, effect="explode")]}}, "changes.rules.put[0].effect")
        bad({"rules": {"put": [dict(rule, when={"area": ["NOWHERE"]})]}},
            "changes.rules.put[0].when.area")
        bad({"rules": {"put": [dict(rule, when={"category": ["bombing"]})]}},
            "changes.rules.put[0].when.category")
        bad({"rules": {"put": [rule, dict(rule, id="R10", effect={"require_approval": ["FR"]})]}},
            "changes.rules.put[1].effect")
        bad({"rules": {"replace": []}}, "changes.rules.replace")
        bad({"colour": "blue"}, "changes.colour")
        bad({}, "changes")
        bad({"rules": {"remove": ["R4"]}}, "summary", summary="")
        r = self.c.post("/v1/amendments", {"summary": "no changes"}, user="uso")
        self.assertError(r, 400, "changes")
        self.assertEqual(last_seq(self.c), before)
        self.assertError(self.c.get("/v1/amendments/am-nope", user="obs"), 404)
        self.sign("am-nope", "uso", 404)


# ======================================================================
class RestartTest(CenterTestCase):
    """A busy center, stopped and started: everything is still there, and the log
    re-derives every decision (jic replay-check)."""

    def snapshot(self, op_ids, am_ids, subjects):
        s = {
            "ops": {i: self.get_op(i) for i in op_ids},
            "list": self.c.get("/v1/operations", user="obs").json,
            "agreement": self.c.get("/v1/agreement", user="obs").json,
            "areas": self.c.get("/v1/areas", user="obs").json,
            "amendments": {i: self.c.get("/v1/amendments/" + i, user="obs").json for i in am_ids},
            "threads": {x: self.c.get("/v1/threads/%s/comments" % x, user="obs").json
                        for x in subjects},
            "users": self.c.get("/v1/users", user="adm").json,
            "alerts": self.c.get("/v1/alerts", user="obs").json,
        }
        return s

    def test_busy_center_survives_restart_and_replays(self):
        start = new_slot()
        end = start + secs(3600)
        ops = []
        acc = self.notify(operation("US", "isr", square(35.0, 39.2)), "usp")["id"]
        ops.append(acc)
        rej = self.notify(operation("SY", "combat", [(35.76, 36.52), (35.76, 36.62),
                                                      (35.83, 36.63), (35.83, 36.53)]), "rup")["id"]
        ops.append(rej)
        # pending, then preempted, then decided again at approval: rejected
        pen = self.notify(operation("RU", "defensive_air_support", square(35.3, 39.8), start, end),
                          "rup")["id"]
        med = self.notify(operation("US", "medevac", square(35.3, 39.83), start, end), "usp")
        self.assertEqual(findings_of(med["decision"], "separation")[0]["effect"], "preempt")
        ops += [pen, med["id"]]
        self.assertEqual(self.approve(pen, "uso", 200)["state"], "rejected")
        # pending, approved
        ok = self.notify(operation("RU", "defensive_air_support", square(35.5, 39.2)), "rup")["id"]
        self.approve(ok, "uso", 200)
        ops.append(ok)
        # refused
        ref = self.notify(operation("RU", "defensive_air_support", square(35.5, 39.6)), "rup")["id"]
        self.approve(ref, "uso", 200, approve=False, reason="no")
        ops.append(ref)
        # modified twice, activated, ended
        mod = self.notify(operation("US", "transport", square(34.7, 39.2)), "usp")["id"]
        r = self.c.put("/v1/operations/" + mod, operation("US", "transport", square(34.7, 39.4)),
                       user="usp", headers={"If-Match": "1"})
        self.assertEqual(r.status, 200, r)
        self.act(mod, "activate", "usp", 200)
        self.act(mod, "end", "usp", 200)
        ops.append(mod)
        can = self.notify(operation("US", "transport", square(34.7, 39.8)), "usp")["id"]
        self.act(can, "cancel", "usp", 200, body={"reason": "weather"})
        ops.append(can)
        # idempotent notify
        idem_body = operation("US", "isr", square(34.6, 40.2))
        key = {"Idempotency-Key": "restart-idem"}
        idem = self.c.post("/v1/operations", idem_body, user="usp", headers=key)
        self.assertEqual(idem.status, 201, idem)
        ops.append(idem.json["id"])
        # an amendment in force that flags one operation
        area = dict(NEW_AREA, geometry={"type": "Polygon", "coordinates": [[
            [38.9, 34.9], [39.5, 34.9], [39.5, 35.1], [38.9, 35.1], [38.9, 34.9]]]})
        r = self.c.post("/v1/amendments", {"summary": "NEW-1 around the first op",
                                           "changes": {"areas": {"put": [area]},
                                                       "rules": {"put": [NEW_RULE]}}},
                        user="ruo")
        self.assertEqual(r.status, 201, r)
        am = r.json["id"]
        self.assertEqual(self.c.post("/v1/amendments/%s/approvals" % am, {"approve": True},
                                     user="ruo").status, 200)
        r = self.c.post("/v1/amendments/%s/approvals" % am, {"approve": True}, user="uso")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "in_force")
        self.assertIn(acc, [f["operation"] for f in r.json["flagged"]])
        # comments, a user added over HTTP
        subjects = ["operation:" + acc, "amendment:" + am]
        for x in subjects:
            self.assertEqual(self.c.post("/v1/threads/%s/comments" % x, {"text": "about " + x},
                                         user="uso").status, 201)
        u = self.c.post("/v1/users", {"name": "late-officer", "party": "RU", "role": "officer"},
                        user="adm")
        self.assertEqual(u.status, 201, u)
        late_token = u.json["token"]

        before = self.snapshot(ops, [am], subjects)
        seq = last_seq(self.c)
        self.assertEqual(before["ops"][acc]["state"], "accepted")
        self.assertEqual(before["ops"][pen]["state"], "rejected")
        self.assertEqual(before["ops"][mod]["state"], "ended")

        self.assertEqual(self.c.stop(), 0)
        self.c.start()

        after = self.snapshot(ops, [am], subjects)
        for k in before:
            self.assertEqual(after[k], before[k], k)
        self.assertEqual(last_seq(self.c), seq)
        w = self.c.get("/v1/whoami", token=late_token)
        self.assertEqual((w.status, w.json and w.json.get("name")), (200, "late-officer"))
        for user, party, role in self.USERS:
            self.assertEqual(self.c.get("/v1/whoami", user=user).json["name"], user)
        # The idempotency key is remembered across the restart.
        again = self.c.post("/v1/operations", idem_body, user="usp", headers=key)
        self.assertEqual((again.status, again.json), (idem.status, idem.json))
        self.assertEqual(last_seq(self.c), seq)
        self.assertEqual(self.c.post("/v1/operations", operation("US", "isr"), user="usp",
                                     headers=key).status, 409)
        # Resuming events across the restart.
        s = EventStream(self.c, "adm", last_event_id=seq - 3)
        try:
            self.assertEqual([int(e["id"]) for e in s.events_until(seq)],
                             [seq - 2, seq - 1, seq])
        finally:
            s.close()
        # And the center keeps working.
        j = self.notify(operation("RU", "isr", square(35.6, 40.0)), "rup")
        self.assertEqual(j["state"], "accepted")
        self.approve(ok, "uso", 409)

        out = subprocess.run([JIC, "replay-check", "--data", self.c.data], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
