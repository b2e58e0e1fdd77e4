"""What the cases share in one invocation: paths, the environment their
manifests read, the inputs (made once), the servers, and how to time a command."""
import json
import os
import subprocess
import time

from servers import Servers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS_VENV = os.path.join(HERE, ".venv-peers")
INPUT_RECORDS = 1_000_000  # the largest case's; the others read its first lines


class Unsupported(Exception):
    """The build under test lacks what the case needs: reported, not a failure."""


class Failed(Exception):
    """The case crashed, timed out or produced the wrong output."""


class Context:
    def __init__(self, binary, out):
        self.binary = binary
        self.out = os.path.abspath(out)
        os.makedirs(self.out, exist_ok=True)
        self.env = dict(os.environ, BENCH_OUT=self.out)
        # kcat and the Kafka plugin take librdkafka 2.x from here first (Debian's 2.0.2 cannot talk to tansu).
        rdkafka = os.path.join(ROOT, ".venv", "rdkafka")
        if os.path.isdir(rdkafka):
            self.env["LD_LIBRARY_PATH"] = rdkafka + (":" + os.environ["LD_LIBRARY_PATH"]
                                                     if os.environ.get("LD_LIBRARY_PATH") else "")
        self.servers = Servers(self.out, self.env)
        self.inputs = {}
        self.prepared = set()

    def path(self, name):
        return os.path.join(self.out, name)

    def input(self, records):
        """NDJSON of `records` beach-sensor readings from faker (seed 1; a smaller
        input is the start of the largest), with TimeStamp a plain RFC 3339
        string, not Extended JSON's {"$date": …}, so every tool reads the same
        document and the same schema applies to it."""
        if records not in self.inputs:
            path = self.path(f"input-{records}.ndjson")
            if records < INPUT_RECORDS:
                with open(path, "w") as f:
                    subprocess.run(["head", "-n", str(records), self.input(INPUT_RECORDS)], stdout=f, check=True)
            elif not os.path.exists(path) or sum(1 for _ in open(path)) != records:
                raw = self.path("input.ndjson")  # what bench/make-input.yaml writes
                self.sluice(["run", "bench/make-input.yaml", "--no-progress"], env={"BENCH_N": str(records)})
                with open(path + ".tmp", "w") as f:
                    subprocess.run(["sed", "-E", r's/\{"\$date":("[^"]*")\}/\1/', raw], stdout=f, check=True)
                os.replace(path + ".tmp", path)
                os.remove(raw)
            self.inputs[records] = path
        return self.inputs[records]

    def sluice(self, args, env=None):
        """Runs sluice untimed (setup), failing with its stderr."""
        done = subprocess.run([f"{self.binary}/sluice", *args], env=dict(self.env, **(env or {})),
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise Failed(f"sluice {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def once(self, key, setup):
        """Runs `setup` the first time `key` is asked for in this invocation."""
        if key not in self.prepared:
            setup()
            self.prepared.add(key)

    def timed(self, name, argv, env=None, timeout=600):
        """Wall, CPU and peak RSS of `argv` and everything it starts (bench/measure.c); its output goes to bench/out/NAME.log."""
        measure = self.path("measure")
        self.once("measure", lambda: subprocess.run(["cc", "-O2", "-o", measure, os.path.join(HERE, "measure.c")],
                                                    check=True))
        log = self.path(f"{name}.log")
        with open(log, "w") as f:
            done = subprocess.run([measure, str(timeout), *argv], env=dict(self.env, **(env or {})),
                                  stdout=subprocess.PIPE, stderr=f, text=True, cwd=ROOT)
        if done.returncode != 0 or not done.stdout.strip():
            raise Failed(f"bench/measure.c failed (exit {done.returncode}), see {os.path.relpath(log, ROOT)}")
        m = json.loads(done.stdout)
        if m["status"] != 0:
            tail = open(log).read().strip().splitlines()[-3:]
            raise Failed(f"{argv[0]} {'timed out' if m['status'] == 'timeout' else 'exited ' + str(m['status'])}"
                         f" (log {os.path.relpath(log, ROOT)}): {' | '.join(tail)}")
        return m

    def peers_python(self):
        python = os.path.join(PEERS_VENV, "bin", "python")
        if not os.path.exists(python):
            raise Unsupported(f"no {os.path.relpath(PEERS_VENV, ROOT)}: run `make bench-peers`, which installs the peers")
        return python

    def close(self):
        self.servers.close()


class ServerSample:
    """CPU seconds a running server used between construction and `stop()`, and its peak RSS (VmHWM)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid):
        self.pid = pid
        self.start_cpu = self._cpu()
        self.start = time.perf_counter()

    def _cpu(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.TICKS  # utime, stime: every thread's

    def stop(self):
        hwm = next(int(line.split()[1]) for line in open(f"/proc/{self.pid}/status") if line.startswith("VmHWM:"))
        return {"seconds": time.perf_counter() - self.start, "cpu_s": self._cpu() - self.start_cpu,
                "peak_rss_kib": hwm, "status": 0}
