"""The servers the bench cases write to, each started once per invocation on a
free 127.0.0.1 port from the binaries `make test-servers` installs (tansu,
nx-27017, noida-db) or apt (nginx), and stopped at the end. Stopping is
terminate, then kill after a grace period, and the exit status of a server we
stopped is never the bench's (bench/elasticsearch.sh used to exit 137 from its
trap's `wait` on the killed server, which stopped `make bench` there)."""
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {seconds} s")


class Servers:
    """Starts each server on first use; `close()` stops them all."""

    def __init__(self, out, env):
        self.out, self.env = out, env
        self.started = {}  # name → (process, address)
        self.temp = []

    def _start(self, name, argv, port, env=None):
        log = open(os.path.join(self.out, f"{name}.log"), "w")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env or self.env,
                                   start_new_session=True)
        self.started[name] = (process, port)
        wait_port(port, name, process)

    def _data_dir(self):
        d = tempfile.mkdtemp(prefix="sluice-bench-")
        self.temp.append(d)
        return d

    def kafka(self):
        if "tansu" not in self.started:
            port = free_port()
            url = f"tcp://127.0.0.1:{port}"
            self._start("tansu", [".venv/bin/tansu", "broker", "--listener-url", url,
                                  "--advertised-listener-url", url], port)
        return f"127.0.0.1:{self.started['tansu'][1]}"

    def mongo(self):
        if "nx-27017" not in self.started:
            port, data = free_port(), self._data_dir()
            self._start("nx-27017", [".venv/bin/nx-27017", "--data-dir", data, "--host", "127.0.0.1", "-p", str(port),
                                     "--log-file", os.path.join(self.out, "nx.log"),
                                     "--pid-file", os.path.join(data, "pid")], port)
        return f"mongodb://127.0.0.1:{self.started['nx-27017'][1]}"

    def elasticsearch(self):
        if "noida-db" not in self.started:
            port, data = free_port(), self._data_dir()
            # The noida-db script forks the real server; this is the server itself, so its PID is the one stopped.
            self._start("noida-db", [".venv/bin/noida-db-server", "start", "--data-dir", data, "--host", "127.0.0.1",
                                     "--only", "elasticsearch", "--elasticsearch-port", str(port)], port)
        return f"http://127.0.0.1:{self.started['noida-db'][1]}"

    def nginx(self, body):
        """nginx answering 202 with `body` to every request: one process (no master), so its CPU is one PID's."""
        if "nginx" not in self.started:
            port, root = free_port(), os.path.abspath(os.path.join(self.out, "nginx"))
            os.makedirs(root, exist_ok=True)
            with open(os.path.join(root, "nginx.conf"), "w") as f:
                f.write(f"""worker_processes 1;
master_process off;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root};
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 202 '{body}\\n'; }}
    }}
}}
""")
            self._start("nginx", ["/usr/sbin/nginx", "-c", f"{root}/nginx.conf", "-p", root], port)
        process, port = self.started["nginx"]
        return process.pid, f"http://127.0.0.1:{port}/readings"

    def sluice_push(self, binary, manifest):
        if "sluice-push" not in self.started:
            port = free_port()
            self._start("sluice-push", [f"{binary}/sluice", "run", manifest, "--no-progress"], port,
                        dict(self.env, BENCH_PUSH_LISTEN=f"127.0.0.1:{port}"))
        process, port = self.started["sluice-push"]
        return process.pid, f"http://127.0.0.1:{port}/readings"

    def close(self):
        for process, _ in self.started.values():
            process.terminate()
        for process, _ in self.started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.started.clear()
        for d in self.temp:
            subprocess.run(["rm", "-rf", d])
