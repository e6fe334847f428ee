"""Test harness: a real `jic serve` on a free loopback port, spoken to over HTTP.

Used by the end-to-end tests in this folder (python3 stdlib only).

    with JicCenter(users=[("ivan", "RU", "planner"), ("sam", "US", "officer")]) as c:
        status, body = c.post("/v1/operations", op, user="ivan")

The binary comes from $JIC_BINARY (set by ctest), else build/jic.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JIC = os.environ.get("JIC_BINARY", os.path.join(SOURCE_DIR, "build", "jic"))
AGREEMENT = os.path.join(SOURCE_DIR, "scenarios", "jic-2016", "agreement.yaml")
NOTIFICATIONS = os.path.join(SOURCE_DIR, "scenarios", "jic-2016", "notifications.jsonl")


def scenario_operations():
    """The demo scenario's notifications: a list of (title, operation dict)."""
    out = []
    with open(NOTIFICATIONS) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            j = json.loads(line)
            out.append((j.get("title", ""), j["operation"]))
    return out


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "Response(%d, %s)" % (self.status, self.raw[:300])


class JicCenter:
    """A jic center in a fresh data folder.

    users: (name, party, role) triples added with `jic user add` before the
    serving start; their tokens are in self.tokens[name].
    """

    def __init__(self, users=(), agreement=AGREEMENT, extra_args=(), data_dir=None):
        self.agreement = agreement
        self.extra_args = list(extra_args)
        self._own_dir = data_dir is None
        self.data = data_dir or tempfile.mkdtemp(prefix="jic-e2e-")
        self.users = list(users)
        self.tokens = {}
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(self.data, "server.stderr")

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self):
        self.setup()
        return self

    def __exit__(self, *exc):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data, ignore_errors=True)

    def setup(self):
        """First start with the agreement, stop, add users, start again."""
        self.start(first=True)
        self.stop()
        for name, party, role in self.users:
            self.tokens[name] = self.add_user(name, party, role)
        self.start()

    def add_user(self, name, party, role):
        out = subprocess.run([JIC, "user", "add", "--data", self.data, "--name", name,
                              "--party", party, "--role", role],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("jic user add failed: " + out.stderr)
        return out.stdout.strip()

    def start(self, first=False, timeout=30):
        args = [JIC, "serve", "--data", self.data, "--listen", "127.0.0.1:0"]
        if first:
            args += ["--agreement", self.agreement]
        args += self.extra_args
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr)
        deadline = time.time() + timeout
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith(b"listening on "):
                self.port = int(line.decode().strip().rsplit(":", 1)[1])
                return
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("jic serve did not start: %r\n%s" % (line, self.server_log()))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the server; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc.stdout.close()
        self._stderr.close()
        self.proc = None
        return code

    def kill(self):
        """SIGKILL: no shutdown, no flush."""
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        self.start()

    def server_log(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # -- HTTP ---------------------------------------------------------------
    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, user=None, token=None, headers=None,
                conn=None, timeout=30):
        """One request. body: dict/list (sent as JSON), str/bytes (sent as is) or None."""
        h = {}
        if user is not None:
            token = self.tokens[user]
        if token is not None:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read().decode(errors="replace")
            return Response(r.status, dict(r.getheaders()), raw)
        finally:
            if own:
                c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def healthy(self):
        try:
            return self.get("/healthz", timeout=5).status == 200
        except OSError:
            return False
