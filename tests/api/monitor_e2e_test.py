"""Watching the sky, end to end: a real SBS feed, scripted tracks that incur
each alert, and a replay at 10x that raises the same alerts as at 1x.

The real feed is what Debian's dump1090-mutability printed on its SBS port
when fed recorded captures (tests/data/adsb/, see its README), served to
`jic serve --sbs` over TCP by this test.
"""
import json
import math
import os
import shutil
import socket
import subprocess
import threading
import time
import unittest

from jic_center import JIC, SOURCE_DIR, JicCenter

ADSB = os.path.join(SOURCE_DIR, "tests", "data", "adsb")
MODES1 = os.path.join(ADSB, "modes1.dump1090-mutability.sbs")
ULSS7 = os.path.join(ADSB, "ulss7_20180403.dump1090-mutability.sbs")

USERS = [("watch", "US", "watch"), ("ivan", "RU", "planner"), ("olga", "RU", "officer"),
         ("una", "UN", "observer"), ("feed", "JIC", "integrator")]


class SbsServer:
    """Serves the lines of a file to each client that connects, then closes."""

    def __init__(self, path, pace=False):
        with open(path, "rb") as f:
            self.data = f.read()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                # In pieces that split lines anywhere, as TCP may.
                for i in range(0, len(self.data), 1000):
                    conn.sendall(self.data[i:i + 1000])
                time.sleep(0.5)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()


def positions(path):
    """{icao: [(lat, lng), ...]} of the MSG,3 lines with a position, in order."""
    out = {}
    with open(path) as f:
        for line in f:
            p = line.strip().split(",")
            if len(p) == 22 and p[0] == "MSG" and p[1] == "3" and p[14] and p[15]:
                out.setdefault(p[4].lower(), []).append((float(p[14]), float(p[15])))
    return out


def wait_for(fn, timeout=20, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


class RealFeedTest(unittest.TestCase):
    def test_tracks_follow_the_decoder_and_ignore_bad_decodes(self):
        feeds = [SbsServer(ULSS7), SbsServer(MODES1)]
        args = []
        for f in feeds:
            args += ["--sbs", "127.0.0.1:%d" % f.port]
        try:
            with JicCenter(users=USERS, extra_args=args) as c:
                def tracks():
                    r = c.get("/v1/tracks", user="una")
                    self.assertEqual(r.status, 200, r)
                    return r.json["tracks"]
                want = positions(ULSS7)

                # Each feed is read at its own pace: wait until both files
                # have gone through once (every aircraft at its last decoded
                # position), then look.
                def settled():
                    ts = tracks()
                    by = {t["icao24"]: t for t in ts}
                    last = dict((icao, pts[-1]) for icao, pts in want.items())
                    last["4d2023"] = want_last("4d2023")
                    for icao, (lat, lng) in last.items():
                        if icao not in by or abs(by[icao]["lat"] - lat) > 1e-5 or abs(by[icao]["lng"] - lng) > 1e-5:
                            return None
                    return ts
                got = wait_for(settled, timeout=30) or tracks()
                by_icao = {t["icao24"]: t for t in got}
                # Every aircraft of the St Petersburg recording, where its
                # last decoded position says.
                self.assertEqual(set(want) - set(by_icao), set())
                for icao, pts in want.items():
                    t = by_icao[icao]
                    lat, lng = pts[-1]
                    self.assertAlmostEqual(t["lat"], lat, places=5, msg=icao)
                    self.assertAlmostEqual(t["lng"], lng, places=5, msg=icao)
                    for q in t["trail"]:
                        self.assertTrue(59 < q[0] < 61.5 and 29 < q[1] < 38, (icao, q))
                # The Sicily aircraft: its bad CPR decodes (31.10 N 12.70 E,
                # 660 km south) never became its position, in the picture or
                # its trail.
                t = by_icao["4d2023"]
                self.assertAlmostEqual(t["lat"], want_last("4d2023")[0], places=5)
                for q in t["trail"]:
                    self.assertGreater(q[0], 36.5, q)
                self.assertEqual(t["callsign"], "AMC421")
                self.assertGreaterEqual(t["implausible"], 3)
                # No alert (these aircraft belong to no party of the agreement).
                self.assertEqual(c.get("/v1/alerts", user="una").json["alerts"], [])
                m = c.get("/metrics", user="una").raw
                # Each connection is served the whole file again.
                lines = [l for l in m.splitlines()
                         if l.startswith('jic_sbs_lines_total{feed="127.0.0.1:%d"}' % feeds[0].port)]
                self.assertEqual(len(lines), 1, m)
                n = int(lines[0].split()[-1])
                with open(ULSS7) as f:
                    per_connection = sum(1 for _ in f)
                self.assertTrue(n > 0 and n % per_connection == 0, lines)
                self.assertIn("jic_track_reports_implausible_total", m)
                # The feed drops (the server closes after sending): jic
                # reconnects with backoff.
                self.assertTrue(wait_for(lambda: feeds[0].connections >= 2, timeout=15))
                # History of one aircraft, from the time-partitioned store.
                icao = sorted(want)[0]
                h = c.get("/v1/tracks/%s/history?limit=100000" % icao, user="una")
                self.assertEqual(h.status, 200, h)
                self.assertGreaterEqual(len(h.json["reports"]), len(want[icao]))
                self.assertEqual(c.get("/v1/tracks/zzz/history", user="una").status, 400)
        finally:
            for f in feeds:
                f.close()


class RealDecoderTest(unittest.TestCase):
    """Debian's dump1090-mutability decodes a recorded IQ capture and serves SBS
    on a loopback port; jic follows that port."""

    def test_jic_follows_dump1090(self):
        dump1090 = shutil.which("dump1090-mutability") or "/usr/bin/dump1090-mutability"
        if not os.path.exists(dump1090):
            self.skipTest("dump1090-mutability is not installed (scripts/deps.sh installs it)")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        with JicCenter(users=USERS, extra_args=["--sbs", "127.0.0.1:%d" % port]) as c:
            # 5 s of silence first (byte 127 at 2.4 Msps), so jic connects
            # before the aircraft's messages; --throttle paces the file.
            iq = os.path.join(ADSB, "modes1_2m4sps_uc8.iq")
            cmd = ("(head -c 24000000 /dev/zero | tr '\\0' '\\177'; cat '%s') | %s --ifile - --throttle "
                   "--net --net-bind-address 127.0.0.1 --net-sbs-port %d --net-ri-port 0 --net-ro-port 0 "
                   "--net-bo-port 0 --net-bi-port 0 --net-heartbeat 0 --quiet" % (iq, dump1090, port))
            p = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                def track():
                    ts = c.get("/v1/tracks", user="una").json["tracks"]
                    t = [x for x in ts if x["icao24"] == "4d2023"]
                    return t and t[0]["reports"] >= 20 and t[0]
                t = wait_for(track, timeout=40)
                self.assertTrue(t, c.get("/v1/tracks", user="una").raw)
                # Where the decoder put it: near 37.0 N 13.8 E (Sicily), never
                # at the bad CPR decodes 660 km south.
                self.assertAlmostEqual(t["lat"], 37.0, delta=0.2)
                self.assertAlmostEqual(t["lng"], 13.8, delta=0.2)
                for q in t["trail"]:
                    self.assertGreater(q[0], 36.5, q)
                self.assertEqual(t["callsign"], "AMC421")
                self.assertEqual(c.get("/v1/alerts", user="una").json["alerts"], [])
                m = c.get("/metrics", user="una").raw
                self.assertIn('jic_sbs_connects_total{feed="127.0.0.1:%d"}' % port, m)
            finally:
                p.wait(timeout=60)


def want_last(icao):
    return positions(MODES1)[icao][-1]


# --- scripted tracks --------------------------------------------------------

T0 = 1468994400.0  # 2016-07-20T06:00:00Z


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int(round((t % 1) * 1000) % 1000)


def report(icao, lat, lng, alt, t, gs=None, trk=None, callsign=None):
    r = {"icao24": icao, "lat": lat, "lng": lng, "alt_m": alt, "time": iso(t)}
    if gs is not None:
        r["gs_mps"] = gs
        r["track_deg"] = trk
    if callsign:
        r["callsign"] = callsign
    return r


def head_on(seconds=200, step=4.0):
    """A US and an RU aircraft 72 km apart at 34 N, 250 m/s each, head-on, and
    a Syrian aircraft nobody notified, over `seconds`."""
    out = []
    k = 111195.0 * math.cos(math.radians(34.0))
    t = 0.0
    while t <= seconds:
        d = 250.0 * t / k
        out.append(report("ae1234", 34.0, 38.0 + d, 2000, T0 + t, 250.0, 90.0))
        out.append(report("150123", 34.0, 38.78 - d, 2000, T0 + t + 0.5, 250.0, 270.0))
        out.append(report("7781a2", 34.7, 37.5 + t * 0.00002, 1500, T0 + t + 1))
        t += step
    return out


def sbs_lines(reports):
    """The reports as SBS MSG,3 / MSG,4 lines (feet, knots)."""
    lines = []
    for r in reports:
        ts = r["time"]
        date = ts[0:10].replace("-", "/")
        clock = ts[11:23]
        common = "MSG,%d,1,1,%s,1,%s,%s,%s,%s" % (3, r["icao24"].upper(), date, clock, date, clock)
        if "gs_mps" in r:
            lines.append("MSG,4,1,1,%s,1,%s,%s,%s,%s,,,%.1f,%.1f,,,0,,,,,0" % (
                r["icao24"].upper(), date, clock, date, clock, r["gs_mps"] / 0.514444, r["track_deg"]))
        lines.append(common + ",,%d,,,%.5f,%.5f,,,0,0,0,0" % (r["alt_m"] / 0.3048, r["lat"], r["lng"]))
    return "\n".join(lines) + "\n"


def notify_circle(c, user, op_id, party, category, icao, lat, lng, radius):
    body = {"id": op_id, "operator": party, "category": category,
            "aircraft": [{"icao24": icao}],
            "volumes": [{"volume": {"outline_circle": {"center": {"lat": lat, "lng": lng},
                                                       "radius": {"value": radius, "units": "M"}},
                                    "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                                    "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
                         "time_start": {"value": "2016-07-20T05:00:00Z", "format": "RFC3339"},
                         "time_end": {"value": "2016-07-20T08:00:00Z", "format": "RFC3339"}}]}
    r = c.post("/v1/operations", body, user=user)
    assert r.status == 201 and r.json["state"] == "accepted", r
    return r


SCENARIO_USERS = USERS + [("pat", "US", "planner")]


def settle(c, n):
    """Waits until the monitor has taken n reports and its alert commands are in."""
    def done():
        m = c.get("/metrics", user="una").raw
        return ("jic_track_reports_total %d\n" % n) in m and "jic_monitor_queue 0\n" in m
    assert wait_for(done), "the monitor did not take every report"
    time.sleep(0.5)


def setup_scenario(c):
    notify_circle(c, "pat", "op-us", "US", "isr", "ae1234", 34.0, 38.0, 20000)
    notify_circle(c, "ivan", "op-ru", "RU", "isr", "150123", 34.0, 38.78, 20000)


def alert_story(c):
    """The alerts as (type, key, tracks, parties, predicted, state), by id order."""
    r = c.get("/v1/alerts", user="una")
    return [(a["type"], a["key"], tuple(a["tracks"]), tuple(a["parties"]), a["predicted"], a["state"])
            for a in r.json["alerts"]]


def transitions(c):
    """Every alert entry of the log, as (entry type, alert type, predicted), from
    the events."""
    types = {a["id"]: a["type"] for a in c.get("/v1/alerts", user="una").json["alerts"]}
    conn = c.connection(timeout=5)
    conn.request("GET", "/v1/events", headers={"Authorization": "Bearer " + c.tokens["una"],
                                               "Last-Event-ID": "0"})
    r = conn.getresponse()
    out = []
    end = c.get("/metrics", user="una").raw
    last = int([l for l in end.splitlines() if l.startswith("jic_log_last_seq ")][0].split()[1])
    seq = 0
    while seq < last:
        line = r.fp.readline().decode()
        if line.startswith("id: "):
            seq = int(line[4:])
        if line.startswith("data: "):
            e = json.loads(line[6:])
            if e["type"].startswith("alert."):
                cmd = e["command"]
                alert_type = cmd["type"] if e["type"] == "alert.raise" else types[cmd["id"]]
                out.append((e["type"], alert_type, cmd.get("predicted")))
    conn.close()
    return out


class ScriptedAlertsTest(unittest.TestCase):
    def test_each_alert_is_raised_updated_and_resolved(self):
        with JicCenter(users=SCENARIO_USERS) as c:
            setup_scenario(c)
            reports = head_on()
            # Only watch officers, officers and integrators push tracks.
            self.assertEqual(c.post("/v1/tracks", {"reports": reports[:3]}, user="una").status, 403)
            bad = c.post("/v1/tracks", {"reports": [dict(reports[0], lat=95)]}, user="feed")
            self.assertEqual(bad.status, 400, bad)
            self.assertEqual(bad.json["error"]["field"], "reports[0].lat")
            for i in range(0, len(reports), 30):
                r = c.post("/v1/tracks", {"reports": reports[i:i + 30]}, user="feed")
                self.assertEqual(r.status, 202, r)
            settle(c, len(reports))
            alerts = c.get("/v1/alerts", user="una").json["alerts"]
            by_type = {}
            for a in alerts:
                by_type.setdefault(a["type"], []).append(a)
            # Separation loss between the US and RU aircraft: raised while
            # predicted, became actual, resolved once they drew apart.
            sep = by_type["separation_loss"][0]
            self.assertEqual(sep["tracks"], ["150123", "ae1234"])
            self.assertEqual(sep["parties"], ["RU", "US"])
            self.assertEqual(sep["state"], "resolved")
            # Unreported flight of the Syrian aircraft, naming RU.
            unrep = [a for a in by_type["unreported_flight"] if a["tracks"] == ["7781a2"]][0]
            self.assertEqual(unrep["parties"], ["SY", "RU"])
            self.assertEqual(unrep["detail"]["should_notify"], "RU")
            # Nonconformance: both left their 20 km circles.
            self.assertEqual(sorted(a["operation"] for a in by_type["nonconformance"]), ["op-ru", "op-us"])
            # The log holds every transition, in order: the separation alert
            # was raised predicted before it was updated to actual.
            seps = [t for t in transitions(c) if t[1] == "separation_loss"]
            self.assertEqual(seps[0], ("alert.raise", "separation_loss", True))
            self.assertIn(("alert.update", "separation_loss", False), seps)
            self.assertEqual(seps[-1][0], "alert.resolve")
            # A watch officer acknowledges the open one and discusses it.
            open_ = [a for a in c.get("/v1/alerts?state=open", user="una").json["alerts"]]
            self.assertTrue(open_)
            a = open_[0]
            self.assertEqual(c.post("/v1/alerts/%s/ack" % a["id"], {"note": "seen"}, user="una").status, 403)
            self.assertEqual(c.post("/v1/alerts/%s/ack" % a["id"], {"note": "seen"}, user="watch").status, 200)
            self.assertEqual(c.post("/v1/alerts/%s/ack" % a["id"], None, user="watch").status, 409)
            r = c.post("/v1/threads/alert:%s/comments" % a["id"], {"text": "calling RU"}, user="watch")
            self.assertEqual(r.status, 201, r)
            # Alerts are log entries: replay-check re-derives them.
            out = subprocess.run([JIC, "replay-check", "--data", c.data], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)


class ReplaySpeedTest(unittest.TestCase):
    def run_replay(self, path, speed):
        with JicCenter(users=SCENARIO_USERS) as c:
            setup_scenario(c)
            t0 = time.time()
            out = subprocess.run([JIC, "replay", path, "--to", "http://127.0.0.1:%d" % c.port,
                                  "--token", c.tokens["feed"], "--speed", str(speed)],
                                 capture_output=True, text=True, timeout=300)
            elapsed = time.time() - t0
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            # Everything sent is processed and its alerts committed.
            settle(c, int(out.stdout.split()[1]))
            return alert_story(c), transitions(c), elapsed

    def test_ten_times_faster_raises_the_same_alerts(self):
        path = os.path.join(self.tmp, "scenario.sbs")
        with open(path, "w") as f:
            f.write(sbs_lines(head_on(seconds=24, step=2.0)))
        slow, slow_log, slow_s = self.run_replay(path, 1)
        fast, fast_log, fast_s = self.run_replay(path, 10)
        self.assertTrue(slow, "the scenario raises alerts")
        self.assertEqual(slow, fast)
        self.assertEqual(slow_log, fast_log)
        self.assertGreater(slow_s, 20, "1x takes the recording's own time")
        self.assertLess(fast_s, slow_s / 3)

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix="jic-replay-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
