#!/usr/bin/env python3
"""Loads the dashboard in headless Chromium and reports what it shows.

Drives Chromium over the DevTools protocol (a WebSocket, spoken here with the
standard library only): navigates to --url, collects every console error,
uncaught exception and browser log error, waits until each key in --keys has
a chart with points for every field, saves a screenshot and counts its
distinct colours. With --feed SOURCE:DEST it appends SOURCE's lines (after
the first, a CSV header) to DEST in small chunks once the page is live, so a
pipeline following DEST reaches the page as updates rather than in its first
snapshot; --settle makes it wait until the charts stop changing. Prints one
JSON object:

  {"ok", "errors": [...], "charts": [[key, field, points, window], ...], "state",
   "screenshot", "colours", "width", "height", "reason"}

and exits 0 only when ok: every chart filled, no error, a screenshot taken.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), frames in."""

    def __init__(self, url):
        assert url.startswith("ws://"), url
        hostport, _, path = url[len("ws://"):].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            head += chunk
        head, _, self.pending = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(f"WebSocket handshake refused: {head[:200]!r}")

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket")
            self.pending += chunk
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self):
        """The next whole text message (fragments joined; pings answered)."""
        message = b""
        while True:
            first, second = self._read(2)
            opcode, n = first & 0x0F, second & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 0x9:
                self.sock.sendall(struct.pack("!BB", 0x8A, 0x80 | len(payload)) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            message += payload
            if first & 0x80:
                return message.decode()


class DevTools:
    """Commands with ids; events kept in order for the caller to read."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)


def console_errors(events):
    """Every console error, uncaught exception and browser log error, as text."""
    errors = []
    for e in events:
        method, params = e["method"], e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console." + params["type"] + ": " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip())
    return errors


def png_colours(data):
    """(width, height, distinct colours) of an 8-bit RGB or RGBA PNG, unfiltered by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack("!IIBBBBB", body)
            assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, len(colours)


def evaluate(tools, expression):
    """The value of a JavaScript expression in the page; None if it threw."""
    return tools.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


CHARTS = """JSON.stringify({state: document.body.dataset.state,
  charts: [...document.querySelectorAll('svg.chart')].map(s => [s.dataset.key, s.dataset.field, Number(s.dataset.points || 0),
    window.sluiceDashboard.series(s.dataset.key, s.dataset.field)])})"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--keys", required=True, help="JSON list of the keys that must each have charts with points")
    parser.add_argument("--min-points", type=int, default=1, help="points every chart must show")
    parser.add_argument("--out", required=True, help="directory for the screenshot and Chromium's log")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--feed", help="SOURCE:DEST: once the page is live, append SOURCE's lines but the first to DEST")
    parser.add_argument("--settle", type=float, default=0, help="seconds the charts must stay unchanged before the screenshot")
    args = parser.parse_args()
    keys = json.loads(args.keys)
    os.makedirs(args.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    log = open(os.path.join(args.out, "chromium.log"), "wb")
    browser = subprocess.Popen(
        [args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", "--window-size=1400,1000", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "about:blank"],
        stdout=log, stderr=log, start_new_session=True)
    result = {"ok": False, "errors": [], "charts": [], "state": None, "screenshot": None, "colours": 0,
              "width": 0, "height": 0, "reason": ""}
    tools = None
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + args.timeout
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if browser.poll() is not None or time.time() > deadline:
                raise RuntimeError("Chromium did not start its DevTools server; see chromium.log")
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(WebSocket(page["webSocketDebuggerUrl"]))
        for domain in ("Runtime", "Log", "Page"):
            tools.call(f"{domain}.enable")
        tools.call("Page.navigate", url=args.url)
        if args.feed:
            while evaluate(tools, "document.body ? document.body.dataset.state : null") != "live":
                if time.time() > deadline:
                    raise RuntimeError("timed out waiting for the page to connect")
                time.sleep(0.1)
            source, dest = args.feed.split(":", 1)
            lines = open(source).read().splitlines(keepends=True)[1:]
            for start in range(0, len(lines), 50):
                with open(dest, "a") as f:
                    f.write("".join(lines[start:start + 50]))
                time.sleep(0.02)
        last, since = None, time.time()
        while True:
            # While the page loads there may be no body yet: ask again.
            shown = json.loads(evaluate(tools, CHARTS) or '{"charts": [], "state": null}')
            result["charts"], result["state"] = shown["charts"], shown.get("state")
            filled = {(k, f) for k, f, n, _ in shown["charts"] if n >= args.min_points}
            fields = {f for _, f, _, _ in shown["charts"]}
            if shown != last:
                last, since = shown, time.time()
            if fields and all((k, f) in filled for k in keys for f in fields) and time.time() - since >= args.settle:
                break
            if time.time() > deadline:
                raise RuntimeError("timed out waiting for a chart with points for every key")
            time.sleep(0.2)
        # Let the frame that drew the last update reach the screen.
        time.sleep(0.5)
        shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
        path = os.path.join(args.out, "dashboard.png")
        with open(path, "wb") as f:
            f.write(shot)
        result["screenshot"] = path
        result["width"], result["height"], result["colours"] = png_colours(shot)
        # Errors logged while the screenshot was taken count too.
        tools.call("Runtime.evaluate", expression="1")
        result["errors"] = console_errors(tools.events)
        result["ok"] = not result["errors"]
        if result["errors"]:
            result["reason"] = "the page logged errors"
    except Exception as error:
        result["reason"] = str(error)
        if tools:
            result["errors"] = console_errors(tools.events)
    finally:
        try:
            os.killpg(browser.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
