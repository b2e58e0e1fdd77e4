#!/usr/bin/env python3
"""A stand-in for a Logstash `beats` input (Lumberjack protocol v2), for the
tests of `logstash.write` with `protocol: beats`: Logstash itself (a JVM
application) cannot be installed on the test machine.

It follows what logstash-input-beats does with a client that sends JSON
events: a window frame ('2W', u32 count), then that many JSON frames ('2J',
u32 sequence, u32 length, the event), answered with one ack ('2A', u32
sequence of the last event) once the window is handled. Compressed frames
('2C', u32 length, zlib of frames) are unpacked as Logstash does. Here,
"handled" is: every event of the window appended to OUT as one JSON line and
fsync'd, so an acknowledged event is never lost.

Usage: beats_server.py PORT OUT [DIE_AFTER]
DIE_AFTER > 0: after reading that many windows the process exits at once
(os._exit), before writing or acking the last one: a crash mid-batch.
"""
import os
import socket
import struct
import sys
import threading
import zlib

port, out_path = int(sys.argv[1]), sys.argv[2]
die_after = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
windows = 0


def read_exact(stream, n):
    data = b""
    while len(data) < n:
        chunk = stream.recv(n - len(data)) if hasattr(stream, "recv") else stream.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class Buffer:
    def __init__(self, data):
        self.data, self.at = data, 0

    def read(self, n):
        chunk = self.data[self.at:self.at + n]
        self.at += len(chunk)
        return chunk


def frames(stream):
    """Yields (type, sequence or count, payload), unpacking compressed frames."""
    while True:
        try:
            version, kind = read_exact(stream, 2)
        except EOFError:
            return
        if version != ord("2"):
            raise ValueError(f"protocol version {version!r}")
        if kind == ord("W"):
            yield "W", struct.unpack(">I", read_exact(stream, 4))[0], None
        elif kind == ord("J"):
            seq, length = struct.unpack(">II", read_exact(stream, 8))
            yield "J", seq, read_exact(stream, length)
        elif kind == ord("C"):
            (length,) = struct.unpack(">I", read_exact(stream, 4))
            yield from frames(Buffer(zlib.decompress(read_exact(stream, length))))
        else:
            raise ValueError(f"frame type {kind!r}")


def serve(conn):
    global windows
    expected, events = 0, []
    try:
        for kind, number, payload in frames(conn):
            if kind == "W":
                expected, events = number, []
                continue
            events.append((number, payload))
            if len(events) < expected:
                continue
            with lock:
                windows += 1
                if die_after and windows >= die_after:
                    os._exit(9)
                with open(out_path, "ab") as out:
                    for _, event in events:
                        out.write(event + b"\n")
                    out.flush()
                    os.fsync(out.fileno())
            conn.sendall(b"2A" + struct.pack(">I", events[-1][0]))
    except (ValueError, OSError) as error:
        print(f"connection dropped: {error}", flush=True)
    finally:
        conn.close()


server = socket.create_server(("127.0.0.1", port))
print(f"beats stand-in on {port}", flush=True)
while True:
    connection, _ = server.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
