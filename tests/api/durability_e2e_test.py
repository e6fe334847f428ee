"""Durability and the single writer, end to end.

- Nothing acknowledged is lost: clients keep notifying while the server is
  SIGKILLed (twice); every operation that got a 201 is there after the restart,
  with the same decision, and `jic replay-check` re-derives every decision.
- One writer: parties notify mutually conflicting operations at the same instant;
  exactly one wins, the others are rejected naming it.
- Events: a stalled SSE reader does not slow the writer and is dropped; a reader
  that reconnects with Last-Event-ID gets every entry exactly once, in order.
- Graceful shutdown: SIGTERM while clients notify exits 0 and keeps every 201.

    cd tests/api && JIC_BINARY=../../build/jic python3 -m unittest -v durability_e2e_test
"""
import datetime
import http.client
import itertools
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jic_center  # noqa: E402
from jic_center import JicCenter  # noqa: E402

OPS = "/v1/operations"
USERS = [("ivan", "RU", "planner"), ("olga", "RU", "officer"),
         ("kate", "US", "planner"), ("sam", "US", "officer"),
         ("obs", "UN", "observer")]
# Who notifies for each operator party (SY's operations are notified by RU).
NOTIFIERS = {"US": ["kate", "sam"], "RU": ["ivan", "olga"], "SY": ["olga", "ivan"]}

# A day ahead, on the hour: no notice warnings.
T0 = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).replace(
    minute=0, second=0, microsecond=0)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def operation(operator, lat, lng, start, minutes=60, lower=3000, upper=4000, category="isr",
              d=0.02, vertices=4):
    """A notification over a small square at (lat, lng) (or a polygon of that many
    vertices inscribed in it); the eastern desert (lat 34-36.5, lng 39-42) meets
    no area of the 2016 agreement."""
    if vertices == 4:
        verts = [{"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + d},
                 {"lat": lat + d, "lng": lng + d}, {"lat": lat + d, "lng": lng}]
    else:
        r = d / 2
        verts = [{"lat": round(lat + r + r * math.sin(2 * math.pi * i / vertices), 9),
                  "lng": round(lng + r + r * math.cos(2 * math.pi * i / vertices), 9)}
                 for i in range(vertices)]
    return {
        "operator": operator,
        "category": category,
        "volumes": [{
            "volume": {
                "outline_polygon": {"vertices": verts},
                "altitude_lower": {"value": lower, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": upper, "reference": "W84", "units": "M"},
            },
            "time_start": {"value": rfc3339(start), "format": "RFC3339"},
            "time_end": {"value": rfc3339(start + datetime.timedelta(minutes=minutes)),
                         "format": "RFC3339"},
        }],
    }


PARTIES = ["US", "RU", "SY"]
GRID_COLS, GRID_ROWS = 30, 20


def grid_operation(k):
    """The k-th notification of a stream: its own cell of a grid whose cells are
    9-13 km apart (more than the 5 km minimum), a fresh 2-hour slot every 600;
    every 10th reuses the previous one's cell and time with another party, so
    that some are rejected too."""
    src = k - 1 if k % 10 == 9 else k
    cell, slot = src % (GRID_COLS * GRID_ROWS), src // (GRID_COLS * GRID_ROWS)
    row, col = divmod(cell, GRID_COLS)
    operator = PARTIES[k % 3]
    return operator, operation(operator, 34.0 + 0.12 * row, 39.0 + 0.1 * col,
                               T0 + datetime.timedelta(hours=2 * slot))


class Conn:
    """A kept-alive HTTP connection that reconnects after an error."""

    def __init__(self, center, timeout=30):
        self.center = center
        self.timeout = timeout
        self.c = None

    def request(self, method, path, body=None, user=None, headers=None):
        if self.c is None:
            self.c = http.client.HTTPConnection("127.0.0.1", self.center.port,
                                                timeout=self.timeout)
        h = {"Authorization": "Bearer " + self.center.tokens[user]}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            self.c.request(method, path, body=data, headers=h)
            r = self.c.getresponse()
            raw = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
        except Exception:
            self.close()
            raise
        return r.status, (json.loads(raw) if raw else None)

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


def metric(center, name, user="obs"):
    r = center.get("/metrics", user=user)
    assert r.status == 200, r
    m = re.search(r"^%s (\d+)$" % re.escape(name), r.raw, re.M)
    assert m, "no %s in /metrics" % name
    return int(m.group(1))


def replay_check(data_dir):
    out = subprocess.run([jic_center.JIC, "replay-check", "--data", data_dir],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout + out.stderr


class Submitters:
    """N threads that keep notifying distinct operations until stopped,
    recording every 201 as id -> (decision, state, version)."""

    def __init__(self, center, n=8, counter=None):
        self.center = center
        self.n = n
        self.counter = counter or itertools.count()
        self.counter_lock = threading.Lock()
        self.stop_event = threading.Event()
        self.acked = {}
        self.lock = threading.Lock()
        self.other = {}  # status or exception name -> count
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(n)]

    def next_k(self):
        with self.counter_lock:
            return next(self.counter)

    def run(self, i):
        conn = Conn(self.center, timeout=10)
        while not self.stop_event.is_set():
            k = self.next_k()
            operator, body = grid_operation(k)
            user = NOTIFIERS[operator][i % 2]
            try:
                status, j = conn.request("POST", OPS, body, user=user)
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.other[type(e).__name__] = self.other.get(type(e).__name__, 0) + 1
                time.sleep(0.02)
                continue
            with self.lock:
                if status == 201:
                    self.acked[j["id"]] = (j["decision"], j["state"], j["version"], operator)
                else:
                    self.other[status] = self.other.get(status, 0) + 1
        conn.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)


class DurabilityTest(unittest.TestCase):

    def assertAllPresent(self, c, acked):
        """Every acknowledged operation is there with the same decision."""
        conn = Conn(c)
        missing, differ = [], []
        for op_id, (decision, state, version, _) in sorted(acked.items()):
            status, j = conn.request("GET", OPS + "/" + op_id, user="obs")
            if status != 200:
                missing.append((op_id, status))
                continue
            if j.get("decision") != decision or j.get("state") != state or \
                    j.get("version") != version:
                differ.append((op_id, decision, j.get("decision"), state, j.get("state")))
        conn.close()
        self.assertEqual(missing, [], "acknowledged operations lost (%d of %d)"
                         % (len(missing), len(acked)))
        self.assertEqual(differ, [], "acknowledged operations changed")

    def assertReplays(self, data_dir):
        code, out = replay_check(data_dir)
        self.assertEqual(code, 0, out[-3000:])
        self.assertIn("every decision re-derived identically", out)

    def test_nothing_acknowledged_is_lost_on_sigkill(self):
        with JicCenter(users=USERS) as c:
            acked = {}
            counter = itertools.count()
            for round_ in range(2):
                subs = Submitters(c, n=8, counter=counter).start()
                time.sleep(2.5)
                self.assertTrue(c.proc.poll() is None, c.server_log()[-2000:])
                c.kill()  # while they are still submitting
                subs.stop()
                got = subs.acked
                self.assertGreater(len(got), 20, "too few notifications before the kill: %r"
                                   % subs.other)
                outcomes = {d["outcome"] for d, _, _, _ in got.values()}
                self.assertIn("accepted", outcomes)
                acked.update(got)
                # The log as the crash left it re-derives, with the server down...
                self.assertReplays(c.data)
                # ...and every 201 survives the restart. The second round runs
                # with frequent snapshots, so that its recovery starts from one
                # (and the kill may hit one being written).
                c.extra_args = ["--snapshot-every", "300"]
                c.start()
                self.assertAllPresent(c, acked)
                self.assertGreaterEqual(metric(c, "jic_log_last_seq"), len(acked))
                self.assertGreaterEqual(metric(c, "jic_operations"), len(acked))
            recovered = [json.loads(line) for line in c.server_log().splitlines()
                         if '"state recovered"' in line]
            self.assertGreater(recovered[-1]["from_snapshot"], 0, recovered[-1])
            # Still serving and writing after two crashes.
            operator, body = grid_operation(next(counter) + 10 ** 5)
            r = c.post(OPS, body, user=NOTIFIERS[operator][0])
            self.assertEqual(r.status, 201, r)
            code = c.stop()
            self.assertEqual(code, 0, c.server_log()[-2000:])
            self.assertReplays(c.data)

    def test_graceful_shutdown_keeps_every_201(self):
        with JicCenter(users=USERS) as c:
            subs = Submitters(c, n=8).start()
            time.sleep(1.5)
            self.assertTrue(c.proc.poll() is None, c.server_log()[-2000:])
            t0 = time.monotonic()
            code = c.stop()  # SIGTERM while they submit
            stop_s = time.monotonic() - t0
            subs.stop()
            self.assertEqual(code, 0, "exit code %s after SIGTERM:\n%s"
                             % (code, c.server_log()[-2000:]))
            self.assertLess(stop_s, 15, "SIGTERM took %.1f s" % stop_s)
            self.assertGreater(len(subs.acked), 20, subs.other)
            # Refusals during the shutdown are 503 or a closed connection, never 5xx else.
            for k in subs.other:
                self.assertTrue(k == 503 or isinstance(k, str), subs.other)
            self.assertReplays(c.data)
            c.start()
            self.assertAllPresent(c, subs.acked)


class OneWriterTest(unittest.TestCase):
    ROUNDS = 5

    def race(self, c, clients, lat, lng, start):
        """Every client notifies the same volume at the same instant.
        clients: [(user, operator)]. Returns [(user, operator, status, body)]."""
        barrier = threading.Barrier(len(clients))
        results = [None] * len(clients)

        def one(i, user, operator):
            conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=30)
            conn.connect()
            data = json.dumps(operation(operator, lat, lng, start)).encode()
            h = {"Authorization": "Bearer " + c.tokens[user],
                 "Content-Type": "application/json"}
            try:
                barrier.wait(10)
                conn.request("POST", OPS, body=data, headers=h)
                r = conn.getresponse()
                results[i] = (user, operator, r.status, json.loads(r.read()))
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i, u, o)) for i, (u, o) in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertTrue(all(r is not None for r in results), results)
        for user, operator, status, body in results:
            self.assertEqual(status, 201, (user, operator, body))
        return results

    def assertRejectedNaming(self, body, winners):
        d = body["decision"]
        self.assertEqual(body["state"], "rejected", body)
        self.assertEqual(d["outcome"], "rejected", body)
        seps = [f for f in d["findings"] if f["rule"] == "separation"]
        self.assertTrue(seps, "rejected without a separation finding: %r" % body)
        for f in d["findings"]:
            self.assertEqual(f["rule"], "separation", body)
            self.assertEqual(f["effect"], "reject", body)  # same priority: no preempt
            self.assertIn(f.get("operation"), winners, body)

    def test_exactly_one_wins_when_every_party_must_keep_clear(self):
        """same_party: true: any two of these conflict, so exactly one is accepted."""
        tmp = tempfile.mkdtemp(prefix="jic-agreement-")
        path = os.path.join(tmp, "agreement.yaml")
        with open(jic_center.AGREEMENT) as f:
            text = f.read()
        self.assertIn("same_party: false", text)
        with open(path, "w") as f:
            f.write(text.replace("same_party: false", "same_party: true"))
        clients = [("ivan", "RU"), ("olga", "RU"), ("kate", "US"), ("sam", "US"),
                   ("ivan", "SY"), ("olga", "SY"), ("kate", "US"), ("ivan", "RU")]
        try:
            with JicCenter(users=USERS, agreement=path) as c:
                winners = []
                for round_ in range(self.ROUNDS):
                    results = self.race(c, clients, 34.2 + 0.3 * round_, 40.0,
                                        T0 + datetime.timedelta(hours=3))
                    accepted = [b for _, _, _, b in results if b["state"] == "accepted"]
                    self.assertEqual(len(accepted), 1, "round %d: %d accepted: %r"
                                     % (round_, len(accepted), results))
                    win = accepted[0]["id"]
                    self.assertEqual(accepted[0]["decision"]["findings"], [], accepted[0])
                    winners.append(win)
                    for _, _, _, b in results:
                        if b["id"] != win:
                            self.assertRejectedNaming(b, [win])
                r = c.get(OPS + "?state=accepted", user="obs")
                self.assertEqual(sorted(o["id"] for o in r.json["operations"]), sorted(winners))
                self.assertEqual(c.stop(), 0)
                code, out = replay_check(c.data)
                self.assertEqual(code, 0, out)
        finally:
            os.unlink(path)
            os.rmdir(tmp)

    def test_one_party_wins_under_the_2016_agreement(self):
        """same_party: false: one party's operations win; every other party's are
        rejected naming one of them."""
        clients = [("kate", "US"), ("sam", "US"), ("kate", "US"),
                   ("ivan", "RU"), ("olga", "RU"), ("ivan", "RU"),
                   ("olga", "SY"), ("ivan", "SY"), ("olga", "SY")]
        with JicCenter(users=USERS) as c:
            won = set()
            for round_ in range(self.ROUNDS):
                results = self.race(c, clients, 35.0 + 0.3 * round_, 41.0,
                                    T0 + datetime.timedelta(hours=5))
                accepted = [(o, b) for _, o, _, b in results if b["state"] == "accepted"]
                parties = {o for o, _ in accepted}
                self.assertEqual(len(parties), 1, "round %d: accepted for %s: %r"
                                 % (round_, parties, results))
                party = parties.pop()
                won.add(party)
                winners = [b["id"] for _, b in accepted]
                self.assertEqual(len(winners), 3, results)  # all of the winning party's
                for _, o, _, b in results:
                    if o != party:
                        self.assertRejectedNaming(b, winners)
            self.assertEqual(c.stop(), 0)
            code, out = replay_check(c.data)
            self.assertEqual(code, 0, out)


class SseReader:
    """Reads GET /v1/events on a raw socket; `ids` collects every event id."""

    def __init__(self, center, user, last_event_id=None, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(10)
        self.s.connect(("127.0.0.1", center.port))
        req = "GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n" \
              "Accept: text/event-stream\r\n" % center.tokens[user]
        if last_event_id is not None:
            req += "Last-Event-ID: %d\r\n" % last_event_id
        self.s.sendall((req + "\r\n").encode())
        self.f = None

    def open(self):
        """Reads the response head; returns the status."""
        self.f = self.s.makefile("rb")
        status = int(self.f.readline().split()[1])
        while self.f.readline() not in (b"\r\n", b""):
            pass
        return status

    def events(self):
        """Yields (id, type, data) until the stream ends."""
        ev = {}
        for line in self.f:
            line = line.rstrip(b"\n").rstrip(b"\r").decode()
            if not line:
                if "id" in ev:
                    yield int(ev["id"]), ev.get("event"), ev.get("data")
                ev = {}
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            ev[k] = v[1:] if v.startswith(" ") else v

    def close(self):
        if self.f is not None:
            self.f.close()
        self.s.close()


class EventsTest(unittest.TestCase):
    N = 500

    def burst(self, c, counter, n=None, threads=8, vertices=400):
        """n notifications from `threads` clients; returns seconds.

        400 vertices make each event about 16 KB: 500 of them are more than the
        kernel's socket buffers take (up to 4 MB here), so that a reader that does
        not read really stalls the stream."""
        n = n or self.N
        lock = threading.Lock()
        statuses = []

        def run(i):
            conn = Conn(c)
            for _ in range(n // threads + (i < n % threads)):
                with lock:
                    k = next(counter)
                operator = PARTIES[k % 3]
                cell, slot = divmod(k, GRID_COLS * GRID_ROWS)
                row, col = divmod(cell % (GRID_COLS * GRID_ROWS), GRID_COLS)
                body = operation(operator, 34.0 + 0.12 * row, 39.0 + 0.1 * col,
                                 T0 + datetime.timedelta(hours=2 * slot + 100),
                                 vertices=vertices)
                status, _ = conn.request("POST", OPS, body, user=NOTIFIERS[operator][i % 2])
                with lock:
                    statuses.append(status)
            conn.close()

        ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        elapsed = time.monotonic() - t0
        self.assertEqual(len(statuses), n)
        self.assertEqual(set(statuses), {201})
        return elapsed

    def test_stalled_reader_and_resuming_reader(self):
        with JicCenter(users=USERS, extra_args=["--events-queue", "50"]) as c:
            counter = itertools.count()
            t_base = self.burst(c, counter)

            # A reader that connects and never reads, with a tiny receive window.
            stalled = SseReader(c, "obs", rcvbuf=1024)
            # A reader that reads from here, hangs up after a while, and resumes.
            start_seq = metric(c, "jic_log_last_seq")
            got = []            # (id, type, data) in arrival order, over every connection
            connections = [0]
            target = [None]
            errors = []

            def resume_reader():
                last = start_seq
                deadline = time.monotonic() + 90
                try:
                    while time.monotonic() < deadline:
                        r = SseReader(c, "obs", last_event_id=last)
                        connections[0] += 1
                        status = r.open()
                        if status != 200:
                            errors.append("status %d" % status)
                            return
                        n_here = 0
                        try:
                            for ev in r.events():
                                got.append(ev)
                                last = ev[0]
                                n_here += 1
                                if target[0] is not None and last >= target[0]:
                                    return
                                if connections[0] <= 3 and n_here >= 120:
                                    break  # hang up; miss some; come back
                        except (socket.timeout, OSError):
                            pass  # the server ended the stream: resume
                        finally:
                            r.close()
                        if target[0] is not None and last >= target[0]:
                            return
                        time.sleep(0.2)
                    errors.append("reader deadline")
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))

            reader = threading.Thread(target=resume_reader, daemon=True)
            reader.start()
            time.sleep(0.3)
            t_stalled = self.burst(c, counter)
            target[0] = metric(c, "jic_log_last_seq")
            reader.join(60)
            self.assertFalse(reader.is_alive(), "the resuming reader did not finish")

            # The writer was not held up by the stalled reader (generous margin).
            self.assertLess(t_stalled, max(4 * t_base, t_base + 15),
                            "with a stalled reader %.2f s, without %.2f s" % (t_stalled, t_base))
            # The stalled stream was dropped.
            deadline = time.monotonic() + 15
            while metric(c, "jic_event_subscribers_dropped_total") < 1 and \
                    time.monotonic() < deadline:
                time.sleep(0.2)
            self.assertGreaterEqual(metric(c, "jic_event_subscribers_dropped_total"), 1)
            stalled.close()

            # Every entry exactly once, in order, across the reconnections.
            self.assertEqual(errors, [])
            self.assertGreaterEqual(connections[0], 4, "the reader never resumed")
            ids = [i for i, _, _ in got]
            dups = sorted({i for i in ids if ids.count(i) > 1})
            self.assertEqual(dups, [], "entries received twice")
            self.assertEqual(ids, sorted(ids), "entries out of order")
            want = list(range(start_seq + 1, target[0] + 1))
            self.assertEqual(len(want), self.N)
            self.assertEqual(sorted(set(want) - set(ids)), [], "entries missed")
            self.assertEqual(ids, want)
            for i, typ, data in got:
                entry = json.loads(data)
                self.assertEqual(entry["seq"], i)
                self.assertEqual(typ, entry["type"])
                self.assertEqual(typ, "operation.notify")
            # The center still serves.
            self.assertTrue(c.healthy())
            self.assertEqual(c.stop(), 0)


if __name__ == "__main__":
    unittest.main()
