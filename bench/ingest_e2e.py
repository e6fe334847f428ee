#!/usr/bin/env python3
"""End-to-end ingest throughput (issue 4, 6c): SBS lines per second over TCP into
`jic serve --sbs`, and JSON reports per second over HTTP (jic_load --mode tracks).

    python3 bench/ingest_e2e.py --jic build/jic --load build/bench/jic_load [--lines 2000000]

Prints one JSON line per measurement. Needs a quiet machine for meaningful figures.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
AGREEMENT = os.path.join(SOURCE, "scenarios", "jic-2016", "agreement.yaml")


def sbs_lines(n, aircraft=5000):
    """n SBS lines (MSG,3 positions and MSG,4 velocities) of `aircraft` planes of
    no party, times increasing."""
    out = []
    t0 = 1893456000.0
    for i in range(n):
        plane = i % aircraft
        step = i // aircraft
        t = t0 + step + plane * 0.0001
        clock = time.strftime("%H:%M:%S", time.gmtime(t)) + ".%03d" % int((t % 1) * 1000)
        date = time.strftime("%Y/%m/%d", time.gmtime(t))
        hexid = "C%05X" % plane
        if i % 2:
            out.append("MSG,4,1,1,%s,1,%s,%s,%s,%s,,,108.0,0.0,,,0,,,,,0" % (hexid, date, clock, date, clock))
        else:
            lat = 30 + (plane % 100) * 0.1 + step * 0.0005
            lng = 30 + (plane // 100) * 0.3
            out.append("MSG,3,1,1,%s,1,%s,%s,%s,%s,,9800,,,%.5f,%.5f,,,0,0,0,0" % (
                hexid, date, clock, date, clock, lat, lng))
    return ("\r\n".join(out) + "\r\n").encode()


def start(jic, data, args):
    p = subprocess.Popen([jic, "serve", "--data", data, "--listen", "127.0.0.1:0"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    return p, int(line.strip().rsplit(":", 1)[1])


def metric(port, token, name):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": "Bearer " + token})
    body = c.getresponse().read().decode()
    c.close()
    total = 0
    for l in body.splitlines():
        if l.startswith(name + " ") or l.startswith(name + "{"):
            total += int(float(l.split()[-1]))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jic", default=os.path.join(SOURCE, "build", "jic"))
    ap.add_argument("--load", default=os.path.join(SOURCE, "build", "bench", "jic_load"))
    ap.add_argument("--lines", type=int, default=2000000)
    ap.add_argument("--duration", type=float, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="jic-ingest-")
    try:
        data = os.path.join(tmp, "d")
        p, _ = start(a.jic, data, ["--agreement", AGREEMENT])
        p.send_signal(signal.SIGTERM)
        p.wait()
        token = subprocess.run([a.jic, "user", "add", "--data", data, "--name", "feed", "--party", "JIC",
                                "--role", "integrator"], capture_output=True, text=True).stdout.strip()
        payload = sbs_lines(a.lines)
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        feed_port = srv.getsockname()[1]
        t_conn = {}

        def serve():
            conn, _ = srv.accept()
            t_conn["t"] = time.time()
            conn.sendall(payload)
            time.sleep(60)
            conn.close()
        threading.Thread(target=serve, daemon=True).start()
        p, port = start(a.jic, data, ["--sbs", "127.0.0.1:%d" % feed_port, "--track-retention-h", "1000000"])
        deadline = time.time() + 300
        while time.time() < deadline and metric(port, token, "jic_track_reports_total") < a.lines // 2:
            time.sleep(0.05)
        # Lines are decoded as they arrive; reports then go through the monitor.
        t_end = time.time()
        lines = metric(port, token, "jic_sbs_lines_total")
        secs = t_end - t_conn["t"]
        print(json.dumps({"name": "sbs_tcp_e2e", "lines": lines, "seconds": round(secs, 3),
                          "lines_per_s": round(lines / secs),
                          "reports_through_monitor": metric(port, token, "jic_track_reports_total")}))
        p.send_signal(signal.SIGTERM)
        p.wait()
        srv.close()
        # JSON over HTTP.
        p, port = start(a.jic, data, [])
        for batch in (500, 5000):
            out = subprocess.run([a.load, "--port", str(port), "--token", token, "--mode", "tracks",
                                  "--batch", str(batch), "--connections", "4", "--duration-s", str(a.duration),
                                  "--warmup-s", "1", "--quiet"], capture_output=True, text=True)
            j = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({"name": "tracks_http_e2e", "batch": batch, "connections": 4,
                              "reports_per_s": j["reports_per_s"], "req_per_s": j["req_per_s"],
                              "p99_ms": j["p99_ms"], "errors": j["errors"]}))
        p.send_signal(signal.SIGTERM)
        p.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
