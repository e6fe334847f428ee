#!/usr/bin/env python3
"""Seeds a running center with a scenario's notifications (make demo).

Each notification is posted by the planner of its `submitted_by` party (tokens
from the file demo.sh writes: "name party role token" per line). With --check,
every decision must match the line's `expect`; exit 1 otherwise.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--notifications", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    planners = {}
    with open(args.tokens) as f:
        for line in f:
            name, party, role, token = line.split()
            if role == "planner":
                planners[party] = token

    failures = 0
    with open(args.notifications) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            step = json.loads(line)
            op = dict(step["operation"])
            party = op.pop("submitted_by", op["operator"])
            token = planners.get(party)
            if token is None:
                print("line %d: no demo planner for party %s" % (n, party), file=sys.stderr)
                failures += 1
                continue
            req = urllib.request.Request(
                args.url + "/v1/operations", data=json.dumps(op).encode(), method="POST",
                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    body = json.loads(r.read())
            except urllib.error.HTTPError as e:
                print("line %d: HTTP %d %s" % (n, e.code, e.read().decode()), file=sys.stderr)
                failures += 1
                continue
            outcome = body["decision"]["outcome"]
            rules = ", ".join(f["rule"] + ("(" + (f.get("area") or f.get("operation") or "") + ")"
                                           if f.get("area") or f.get("operation") else "")
                              for f in body["decision"]["findings"])
            mark = ""
            if args.check and step.get("expect") and step["expect"] != outcome:
                mark = "   <-- expected " + step["expect"]
                failures += 1
            print("%-6s %-16s %-15s %s%s" % (body["id"], outcome, body["state"], rules or "-", mark))
    if failures:
        print("%d notification(s) did not go as expected" % failures, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
