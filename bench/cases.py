"""The cases of issue #15, in one table: what each runs, on how many records,
what it is compared with and the target it must meet. `bench.py` runs them;
every runner does one run and returns {seconds, cpu_s, peak_rss_kib} (and
`records` when the count is only known afterwards, as for a timed load test).

Sluice cases run the release build in `ctx.binary`. "per core" rates are
measured pinned to core 0 (`taskset -c 0`, every thread of the process); the
rest use both cores, as a user's deployment would."""
import glob
import json
import os
import subprocess
from dataclasses import dataclass, field

from context import ROOT, Failed, ServerSample, Unsupported

PIN = ["taskset", "-c", "0"]
SCHEMA_MANIFEST = "bench/file-validate.yaml"


@dataclass
class Target:
    """A threshold on a row's ratio, rate or RSS, and how it reads in the table."""
    text: str
    metric: str  # "ratio", "records_per_s", "peak_rss_mib"
    at_least: float = None
    at_most: float = None

    def met(self, row):
        value = row.get(self.metric)
        if value is None:
            return None
        return (self.at_least is None or value >= self.at_least) and (self.at_most is None or value <= self.at_most)


@dataclass
class Compare:
    """This case against `baseline` (another case of the same invocation).
    per: "wall" (records per wall second), "cpu" (records per CPU second), or
    "hop" (extra CPU ns per record per plugin hop over the baseline's chain)."""
    baseline: str
    per: str = "wall"
    target: Target = None
    hops: int = 0


@dataclass
class Case:
    name: str
    what: str
    records: int
    run: object  # (ctx, case, round) → measurement
    group: str = "bench"  # "bench": `make bench`; "peers": `make bench-peers`
    compare: list = field(default_factory=list)
    target: Target = None  # on the case itself (rate, RSS), whatever its baselines
    unit: str = "records"


def sluice(manifest, pin=False, env=None):
    def run(ctx, case, round):
        argv = (PIN if pin else []) + [f"{ctx.binary}/sluice", "run", manifest, "--no-progress"]
        return ctx.timed(case.name, argv, env=dict({"BENCH_N": str(case.records)}, **(env(ctx, case, round) if env else {})))
    return run


def with_input(ctx, case, round):
    return {"BENCH_IN": ctx.input(case.records)}


def with_input_two_readers(ctx, case, round):
    """file.read as two readers, each half the file's bytes (`workers: 2`): on 2 cores,
    less wall time than one reader but more CPU (four busy threads on two cores, twice
    the batches in flight; RESULTS.md 2026-11-30 (22:50))."""
    return dict(with_input(ctx, case, round), BENCH_READERS="2")


def cat(ctx, case, round):
    source = ctx.input(case.records)
    return ctx.timed(case.name, PIN + ["sh", "-c", 'cat "$0" > "$1"', source, ctx.path("cat.ndjson")])


# --- workers ------------------------------------------------------------------

WORKERS_MANIFEST = "bench/workers.yaml"  # the workers branch's: a validator heavy enough to be the bottleneck


def workers(n):
    def run(ctx, case, round):
        def check():
            if not os.path.exists(os.path.join(ROOT, WORKERS_MANIFEST)):
                raise Unsupported(f"not supported by this build: no {WORKERS_MANIFEST} (it comes with `workers:`)")
            done = subprocess.run([f"{ctx.binary}/sluice", "validate", WORKERS_MANIFEST],
                                  env=dict(ctx.env, BENCH_N="1", BENCH_WORKERS=str(n)), cwd=ROOT,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                message = (done.stdout + done.stderr).strip()
                if "workers" in message and "unknown key" in message:
                    raise Unsupported("not supported by this build: the manifest has no `workers:` key")
                raise Failed(f"sluice validate {WORKERS_MANIFEST}: {message[-300:]}")
        ctx.once("workers-key", check)
        return sluice(WORKERS_MANIFEST, env=lambda *_: {"BENCH_WORKERS": str(n)})(ctx, case, round)
    return run


# --- plugin hops ----------------------------------------------------------------

def hop_chain(length):
    """faker → `length` c-pass processors (forward only) → discard, in batches of 1,024, on core 0."""
    def run(ctx, case, round):
        ctx.once("c-pass", lambda: subprocess.run(["make", "-s", "-C", "SDK/examples/c-pass"], cwd=ROOT, check=True,
                                                  stdout=subprocess.DEVNULL))
        manifest = ctx.path(f"plugin-hop-{length}.yaml")
        with open(manifest, "w") as f:
            f.write("plugins: [c-pass]\n" if length else "")
            f.write("engine: {batch: {max_records: 1024, max_wait_ms: 1000}}\n"
                    "sources:\n  gen:\n    use: faker.generate\n    config:\n"
                    f"      profile: beach_sensor\n      seed: 1\n      count: {case.records}\n")
            previous = "gen"
            if length:
                f.write("processors:\n")
            for i in range(length):
                f.write(f"  pass{i}: {{use: c-pass.pass, inputs: [{previous}]}}\n")
                previous = f"pass{i}"
            f.write(f"sinks:\n  void: {{use: file.discard, inputs: [{previous}]}}\n")
        return ctx.timed(case.name, PIN + [f"{ctx.binary}/sluice", "run", manifest, "--no-progress",
                                           "--plugin-path", "SDK/examples/c-pass"])
    return run


# --- Kafka --------------------------------------------------------------------------

PRODUCER = ["-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5", "-X", "compression.codec=none"]


def kcat_produce(ctx, case, round):
    brokers = ctx.servers.kafka()
    return ctx.timed(case.name, ["kcat", "-P", "-b", brokers, "-t", f"kcat-{round}", *PRODUCER,
                                 "-l", ctx.input(case.records)])


def kafka_env(ctx, case, round):
    return {"BENCH_BROKERS": ctx.servers.kafka(), "BENCH_TOPIC": f"{case.name}-{round}",
            "BENCH_IN": ctx.input(case.records)}


def raw_sensor_data(ctx, records):
    """RawSensorData holds the input once, for the Kafka path of Sluice and quixstreams."""
    def produce():
        done = subprocess.run(["kcat", "-P", "-b", ctx.servers.kafka(), "-t", "RawSensorData", *PRODUCER,
                               "-l", ctx.input(records)], env=ctx.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Failed(f"kcat could not fill RawSensorData: {done.stderr.strip()[-300:]}")
    ctx.once("RawSensorData", produce)
    return ctx.servers.kafka()


def sluice_kafka_path(ctx, case, round):
    brokers = raw_sensor_data(ctx, case.records)
    return ctx.timed(case.name, [f"{ctx.binary}/sluice", "run", "bench/kafka-validate.yaml", "--no-progress",
                                 "--max-records", str(case.records)],
                     env={"BENCH_BROKERS": brokers, "BENCH_GROUP": f"sluice-{round}"})


def quixstreams(ctx, case, round):
    python = ctx.peers_python()
    brokers = raw_sensor_data(ctx, case.records)
    return ctx.timed(case.name, [python, "bench/peer_quix.py", brokers, f"quix-{round}", str(case.records),
                                 "bench/kafka-validate.yaml"])


# --- MongoDB ------------------------------------------------------------------------

MONGO_BATCH = 1000


def mongo_c_loop(ctx, case, round):
    binary = ctx.path("mongo_baseline")
    ctx.once("mongo_baseline", lambda: subprocess.run(
        f'cc -O2 -o "{binary}" bench/mongo_baseline.c $(pkg-config --cflags --libs libmongoc-1.0)',
        shell=True, cwd=ROOT, check=True))
    return ctx.timed(case.name, [binary, ctx.servers.mongo(), "bench", f"c_loop_{round}", ctx.input(case.records),
                                 str(MONGO_BATCH)])


def mongo_env(ctx, case, round):
    return {"BENCH_URI": ctx.servers.mongo(), "BENCH_BATCH": str(MONGO_BATCH), "BENCH_IN": ctx.input(case.records)}


# --- Elasticsearch --------------------------------------------------------------------

def es_ready(ctx, records):
    """The server, the same mapping for both indexes, and curl's bulk bodies (1,000 documents each)."""
    url = ctx.servers.elasticsearch()

    def setup():
        template = {"index_patterns": ["bench-*"], "template": {"mappings": {
            "date_detection": False, "properties": {"RawData": {"type": "keyword"}}}}}
        subprocess.run(["curl", "-sf", "-XPUT", f"{url}/_index_template/bench", "-H",
                        "Content-Type: application/json", "-d", json.dumps(template)],
                       check=True, stdout=subprocess.DEVNULL)
        for old in glob.glob(ctx.path("bulk-*.ndjson")):
            os.remove(old)
        lines = open(ctx.input(records)).read().splitlines()
        for n in range(0, len(lines), 1000):
            with open(ctx.path(f"bulk-{n // 1000:05d}.ndjson"), "w") as f:
                for line in lines[n:n + 1000]:
                    f.write('{"index":{"_index":"bench-curl"}}\n' + line + "\n")
    ctx.once("elasticsearch", setup)
    return url


def curl_bulk(ctx, case, round):
    url = es_ready(ctx, case.records)
    argv = ["curl"]
    for i, body in enumerate(sorted(glob.glob(ctx.path("bulk-*.ndjson")))):
        argv += (["--next"] if i else []) + ["-sf", "-o", "/dev/null", "-H", "Content-Type: application/x-ndjson",
                                             "--data-binary", f"@{body}", f"{url}/_bulk"]
    return ctx.timed(case.name, argv)


def es_env(ctx, case, round):
    return {"BENCH_ES": es_ready(ctx, case.records), "BENCH_IN": ctx.input(case.records)}


# --- HTTP push -----------------------------------------------------------------------

PUSH_SECONDS, PUSH_CONNECTIONS, PUSH_PER_POST = 5, 32, 10


def push(server):
    """wrk POSTs NDJSON bodies of 10 readings over 32 keep-alive connections for
    5 s. A load test has a fixed duration, not a record count: the records are
    the readings accepted (2xx); CPU and peak RSS are the server's."""
    def run(ctx, case, round):
        script = ctx.path("push.lua")
        if not os.path.exists(script):
            body = "".join('{"TimeStamp":"2013-08-30T08:00:00","Beach":"Montrose Beach","WaterTemperature":20.3,'
                           f'"Turbidity":1.18,"BatteryLife":9.4,"MeasurementID":{i}}}\n' for i in range(PUSH_PER_POST))
            with open(script, "w") as f:
                f.write(f'wrk.method = "POST"\nwrk.body = [[{body}]]\n'
                        'wrk.headers["Content-Type"] = "application/x-ndjson"\n')
        if server == "nginx":
            pid, url = ctx.servers.nginx(f'{{"accepted":{PUSH_PER_POST},"duplicates":0}}')
        else:
            pid, url = ctx.servers.sluice_push(ctx.binary, "bench/push.yaml")
        sample = ServerSample(pid)
        done = subprocess.run(["wrk", "-t1", f"-c{PUSH_CONNECTIONS}", f"-d{PUSH_SECONDS}s", "-s", script, url],
                              capture_output=True, text=True)
        m = sample.stop()
        with open(ctx.path(f"{case.name}.log"), "a") as f:
            f.write(done.stdout + done.stderr)
        if done.returncode != 0:
            raise Failed(f"wrk exited {done.returncode}: {done.stderr.strip()[-300:]}")
        requests = non2xx = 0
        for line in done.stdout.splitlines():
            if "requests in" in line:
                requests = int(line.split()[0])
            if "Non-2xx" in line:
                non2xx = int(line.split()[-1])
        m["records"] = (requests - non2xx) * PUSH_PER_POST
        m["seconds"] = PUSH_SECONDS  # wrk's duration: the rate is accepted readings per second of load
        return m
    return run


# --- peers on the file path ---------------------------------------------------------

def python_peer(kind):
    def run(ctx, case, round):
        python = ctx.peers_python()
        return ctx.timed(case.name, [python, "bench/peer_validate.py", kind, SCHEMA_MANIFEST,
                                     ctx.input(case.records), ctx.path(f"{case.name}.ndjson")])
    return run


def spark(ctx, case, round):
    python = ctx.peers_python()
    # Spark's file source reads a directory: the same input file, hard-linked in.
    source = ctx.path("spark-in")
    os.makedirs(source, exist_ok=True)
    link = os.path.join(source, "input.ndjson")
    if os.path.exists(link):
        os.remove(link)
    os.link(ctx.input(case.records), link)
    target, checkpoint = ctx.path("spark-out"), ctx.path("spark-checkpoint")
    subprocess.run(["rm", "-rf", target, checkpoint], check=True)
    return ctx.timed(case.name, [python, "bench/peer_spark.py", source, target, checkpoint], timeout=900)


def output_lines(pattern):
    return sum(sum(1 for _ in open(p)) for p in glob.glob(pattern))


# --- the table --------------------------------------------------------------------

MILLION = 1_000_000
PER_CORE = Target("≥ 1,000,000 records/s on one core", "records_per_s", at_least=1e6)
SINK = Target("≥ 0.9 of its raw client", "ratio", at_least=0.9)

CASES = [
    Case("cat", "`cat` input.ndjson > file, core 0: the bound for moving these bytes", MILLION, cat),
    Case("file-validate", "file.read NDJSON → validator → file.write NDJSON, core 0", MILLION,
         sluice(SCHEMA_MANIFEST, pin=True, env=with_input), compare=[Compare("cat")], target=PER_CORE),
    Case("faker-discard", "faker → discard, core 0: generation and the engine alone", MILLION,
         sluice("bench/faker-discard.yaml", pin=True)),
    Case("faker-validate", "faker → validator → discard, core 0", MILLION,
         sluice("bench/faker-validate-discard.yaml", pin=True), compare=[Compare("faker-discard")], target=PER_CORE),
    Case("validator-workers-1", "faker → validator (regex parse, formats asserted; workers: 1) → discard, 2 cores",
         MILLION, workers(1)),
    Case("validator-workers-2", "the same with workers: 2", MILLION, workers(2),
         compare=[Compare("validator-workers-1", target=Target("≥ 1.7× 1 worker", "ratio", at_least=1.7))]),
    Case("plugin-hop-0", "faker → discard, batches of 1,024, core 0: the chain of 0", MILLION, hop_chain(0)),
    *[Case(f"plugin-hop-{n}", f"faker → {n} no-op C processor{'s' if n > 1 else ''} (c-pass) → discard, "
           "batches of 1,024, core 0; ratio: ns per record per hop (CPU)", MILLION, hop_chain(n),
           compare=[Compare("plugin-hop-0", per="hop", hops=n,
                            target=Target("≤ 20 ns per record per hop", "ratio", at_most=20))])
      for n in (1, 4, 16)],
    Case("kcat-produce", "`kcat -P` of the input lines to tansu (idempotent, acks=all, linger 5 ms)", 200_000,
         kcat_produce),
    Case("kafka-write", "file.read → kafka.write to tansu, the same producer settings", 200_000,
         sluice("bench/kafka-produce.yaml", env=kafka_env), compare=[Compare("kcat-produce", target=SINK)]),
    Case("rss-faker-validate-kafka", "faker → validator → kafka.write at full speed, 2 cores: peak RSS", 500_000,
         sluice("bench/faker-validate-kafka.yaml",
                env=lambda ctx, case, round: {"BENCH_BROKERS": ctx.servers.kafka(), "BENCH_TOPIC": f"rss-{round}"}),
         target=Target("peak RSS ≤ 64 MiB", "peak_rss_mib", at_most=64)),
    Case("mongo-c-loop", "C libmongoc bulk-insert loop, 1,000 per batch, to nx-27017", 10_000, mongo_c_loop),
    Case("mongo-write", "file.read → mongodb.write, 1,000 per batch, to nx-27017", 10_000,
         sluice("bench/mongo-sink.yaml", env=mongo_env), compare=[Compare("mongo-c-loop", target=SINK)]),
    Case("curl-bulk", "curl posting pre-built _bulk bodies (1,000 documents) to noida-db, one connection", 20_000,
         curl_bulk),
    Case("elasticsearch-write", "file.read → elasticsearch.write to noida-db", 20_000,
         sluice("bench/elasticsearch-sink.yaml", env=es_env), compare=[Compare("curl-bulk", target=SINK)]),
    Case("nginx-push", "nginx answering 202 to wrk: 32 connections, 10 readings per POST, 5 s", 0, push("nginx"),
         unit="readings"),
    Case("http-push", "http-sensor.push → discard under the same wrk load", 0, push("sluice"), unit="readings",
         compare=[Compare("nginx-push", target=Target("≥ 0.5 of nginx", "ratio", at_least=0.5))]),

    # `make bench-peers`: the tools users pick instead, on the same files in the same invocation.
    Case("peer-python-jsonschema-rs", "Python: json.loads → jsonschema-rs is_valid → json.dumps", MILLION,
         python_peer("jsonschema-rs"), group="peers"),
    Case("peer-python-fastjsonschema", "Python: json.loads → fastjsonschema → json.dumps", MILLION,
         python_peer("fastjsonschema"), group="peers"),
    Case("peer-spark", "Spark Structured Streaming, local[2], NDJSON → typed read + filter → NDJSON, "
         "trigger(availableNow), JVM start included", MILLION, spark, group="peers"),
    Case("sluice-file", "file.read NDJSON → validator → file.write NDJSON, default settings (one reader; "
         "each stage a thread), 2 cores (as the peers)", MILLION,
         sluice(SCHEMA_MANIFEST, env=with_input), group="peers",
         compare=[Compare("peer-python-jsonschema-rs", per="cpu", target=Target("≥ 20× per CPU second", "ratio", at_least=20)),
                  Compare("peer-spark", per="wall", target=Target("≥ 50× per wall second", "ratio", at_least=50)),
                  Compare("peer-python-fastjsonschema", per="cpu")]),
    Case("sluice-file-2-readers", "the same with file.read `workers: 2` (two readers, each half the file's bytes)",
         MILLION, sluice(SCHEMA_MANIFEST, env=with_input_two_readers), group="peers",
         compare=[Compare("peer-python-jsonschema-rs", per="cpu"), Compare("peer-spark", per="wall")]),
    Case("peer-quixstreams", "quixstreams: RawSensorData → jsonschema-rs → CleanSensorData on tansu", 100_000,
         quixstreams, group="peers"),
    Case("sluice-kafka", "kafka.read RawSensorData → validator → kafka.write CleanSensorData on tansu", 100_000,
         sluice_kafka_path, group="peers", compare=[Compare("peer-quixstreams", per="wall")]),
]

# Which output files hold each file-path case's valid records: their counts must agree.
OUTPUTS = {
    "file-validate": "file-validate.ndjson",
    "sluice-file": "file-validate.ndjson",
    "sluice-file-2-readers": "file-validate.ndjson",
    "peer-python-jsonschema-rs": "peer-python-jsonschema-rs.ndjson",
    "peer-python-fastjsonschema": "peer-python-fastjsonschema.ndjson",
    "peer-spark": "spark-out/part-*",
}

# What each case writes, removed before every run and outside its timing, so
# no tool pays for the previous round's output: on ext4, open(O_TRUNC) of a
# 231 MB file frees its blocks (~0.15 s here) and the close after it forces
# the new data out (~0.09 s). Spark's runner already starts from an empty
# directory.
WRITES = dict(OUTPUTS, cat="cat.ndjson")
