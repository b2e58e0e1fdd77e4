#!/usr/bin/env python3
"""Fault-injecting HTTP proxy for the Elasticsearch sink's tests.

It stands in for what a real cluster does under load and no server does on
demand: it sits in front of a real Elasticsearch-API server (noida-db) and,
for the first REJECT_REQUESTS `_bulk` requests, rejects every Nth item the
way Elasticsearch does when its write queue is full. Those items are *not*
forwarded, and their response items are HTTP 429
`es_rejected_execution_exception`. The other items go to the server, and its
per-item results come back in the original order. A sink that retries more
than the rejected items writes duplicates; one that retries fewer loses
documents. Every other request is passed through unchanged.

Usage: fault_proxy.py LISTEN_PORT TARGET_PORT EVERY_NTH REJECT_REQUESTS
"""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN, TARGET, NTH, LIMIT = (int(a) for a in sys.argv[1:5])
state = {"bulk": 0, "rejected": 0}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, body):
        req = urllib.request.Request(f"http://127.0.0.1:{TARGET}{self.path}", data=body, method=self.command,
                                     headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def reply(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if not (self.command == "POST" and self.path.startswith("/_bulk") and state["bulk"] < LIMIT):
            return self.reply(*self.forward(body))
        state["bulk"] += 1
        lines = body.decode().splitlines()
        pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
        rejected = {i for i in range(len(pairs)) if i % NTH == NTH - 1}
        kept = [p for i, p in enumerate(pairs) if i not in rejected]
        items = []
        if kept:
            status, payload = self.forward(("\n".join(a + "\n" + d for a, d in kept) + "\n").encode())
            items = json.loads(payload)["items"] if status == 200 else []
        merged, it = [], iter(items)
        for i, (action, _) in enumerate(pairs):
            if i in rejected:
                state["rejected"] += 1
                kind = next(iter(json.loads(action)))
                merged.append({kind: {"status": 429, "error": {"type": "es_rejected_execution_exception",
                                                               "reason": "rejected execution (queue capacity 200)"}}})
            else:
                merged.append(next(it))
        self.reply(200, json.dumps({"took": 1, "errors": True, "items": merged}).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


ThreadingHTTPServer(("127.0.0.1", LISTEN), Proxy).serve_forever()
