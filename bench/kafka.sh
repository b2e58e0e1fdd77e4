#!/usr/bin/env bash
# Kafka source throughput (the sink is a case of `make bench`, bench/cases.py):
# Sluice's kafka.read against `kcat -C -e` reading the same records back from
# the same tansu broker (in a group, and with static assignment as kcat does),
# in one run with the same librdkafka (the newer one first on LD_LIBRARY_PATH,
# from `make test-servers`). Usage: bash bench/kafka.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-200000}
make_input "$N"
export LD_LIBRARY_PATH=$PWD/.venv/rdkafka${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

PORT=$(free_port)
.venv/bin/tansu broker --listener-url "tcp://127.0.0.1:$PORT" --advertised-listener-url "tcp://127.0.0.1:$PORT" >"$OUT/tansu.log" 2>&1 &
BROKER=$!
# `|| true`: the broker's status after our kill must not become the script's.
trap 'kill $BROKER 2>/dev/null || true' EXIT
wait_port "$PORT"
export BENCH_BROKERS="127.0.0.1:$PORT"
kcat -P -b "$BENCH_BROKERS" -t kcat -X enable.idempotence=true -X acks=all -X linger.ms=5 -l "$OUT/input.ndjson"

timed() { local t0; t0=$(now); "$@" >/dev/null 2>>"$OUT/kafka-bench.err"; python3 -c "print($(now) - $t0)"; }

KCAT_C=$(timed kcat -C -b "$BENCH_BROKERS" -t kcat -o beginning -e -q)
SLUICE_C=$(timed $BIN/sluice run bench/kafka-consume.yaml --no-progress --max-records "$N")
SLUICE_T=$(timed $BIN/sluice run bench/kafka-consume-text.yaml --no-progress --max-records "$N")
SLUICE_S=$(timed $BIN/sluice run bench/kafka-consume-static.yaml --no-progress --max-records "$N")

python3 - "$N" "$KCAT_C" "$SLUICE_C" "$SLUICE_T" "$SLUICE_S" <<'PY'
import sys
n = int(sys.argv[1]); kc, sc, st, ss = map(float, sys.argv[2:])
print(f"records: {n}, broker: tansu (memory storage) on 127.0.0.1")
print()
print("| case | seconds | records/s | Sluice / kcat |")
print("|---|---|---|---|")
print(f"| kcat -C -e (baseline) | {kc:.2f} | {n/kc:,.0f} | |")
print(f"| sluice kafka.read (JSON → BSON) → file.discard | {sc:.2f} | {n/sc:,.0f} | {kc/sc:.2f} |")
print(f"| sluice kafka.read (text, no decoding) → file.discard | {st:.2f} | {n/st:,.0f} | {kc/st:.2f} |")
print(f"| sluice kafka.read (JSON → BSON, assignment: static) → file.discard | {ss:.2f} | {n/ss:,.0f} | {kc/ss:.2f} |")
PY
