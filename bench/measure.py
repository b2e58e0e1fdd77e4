"""Wall seconds, CPU seconds and peak RSS of a command and of every process it starts.

Run as `python3 bench/measure.py TIMEOUT CMD...`: prints one JSON line
{"seconds", "cpu_s", "peak_rss_kib", "status"} on stdout. It makes itself a child
subreaper, so grandchildren a tool leaves behind (Spark's JVM outlives the
Python driver by a moment) are reparented to it and reaped by it: their CPU
time and RSS count. Its own start-up is outside the timed span.

Servers the bench starts in the background are measured with `ServerSample`
instead, from /proc, between two points in time.
"""
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def run(timeout, argv):
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    start = time.perf_counter()
    # The command's own output goes to stderr (the caller's log): stdout carries only the result.
    child = subprocess.Popen(argv, stdout=sys.stderr, start_new_session=True)
    deadline = start + timeout
    status = None
    # Reap everything: the command, then whatever it orphaned, until no child is left.
    while True:
        try:
            pid, wait_status, _ = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.perf_counter() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                status = "timeout"
            time.sleep(0.005)
            continue
        if pid == child.pid and status is None:
            status = os.waitstatus_to_exitcode(wait_status)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_kib": usage.ru_maxrss, "status": status}


class ServerSample:
    """CPU seconds a running process used between construction and `stop()`, and its peak RSS (VmHWM)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid):
        self.pid = pid
        self.start_cpu = self._cpu()
        self.start = time.perf_counter()

    def _cpu(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICKS  # utime, stime

    def stop(self):
        hwm = 0
        for line in open(f"/proc/{self.pid}/status"):
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
        return {"seconds": time.perf_counter() - self.start, "cpu_s": self._cpu() - self.start_cpu,
                "peak_rss_kib": hwm, "status": 0}


if __name__ == "__main__":
    print(json.dumps(run(float(sys.argv[1]), sys.argv[2:])))
