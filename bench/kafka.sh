#!/usr/bin/env bash
# Kafka throughput: Sluice's sink against `kcat -P` sending the same records
# (one NDJSON line per message) to the same tansu broker, and Sluice's source
# against `kcat -C -e` reading them back (in a group, and with static
# assignment as kcat does), all in one run with the same
# librdkafka (run with the newer one first on LD_LIBRARY_PATH, as `make bench` does).
# Usage: bash bench/kafka.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-200000}
make_input "$N"

PORT=$(free_port)
.venv/bin/tansu broker --listener-url "tcp://127.0.0.1:$PORT" --advertised-listener-url "tcp://127.0.0.1:$PORT" >"$OUT/tansu.log" 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null' EXIT
wait_port "$PORT"
export BENCH_BROKERS="127.0.0.1:$PORT"
# The same producer settings on both sides.
PRODUCER="-X enable.idempotence=true -X acks=all -X linger.ms=5 -X compression.codec=none"

timed() { local t0; t0=$(now); "$@" >/dev/null 2>>"$OUT/kafka-bench.err"; python3 -c "print($(now) - $t0)"; }

KCAT_P=$(timed kcat -P -b "$BENCH_BROKERS" -t kcat $PRODUCER -l "$OUT/input.ndjson")
SLUICE_P=$(timed .build/release/sluice run bench/kafka-produce.yaml --no-progress)
KCAT_C=$(timed kcat -C -b "$BENCH_BROKERS" -t kcat -o beginning -e -q)
SLUICE_C=$(timed .build/release/sluice run bench/kafka-consume.yaml --no-progress --max-records "$N")
SLUICE_T=$(timed .build/release/sluice run bench/kafka-consume-text.yaml --no-progress --max-records "$N")
SLUICE_S=$(timed .build/release/sluice run bench/kafka-consume-static.yaml --no-progress --max-records "$N")

python3 - "$N" "$KCAT_P" "$SLUICE_P" "$KCAT_C" "$SLUICE_C" "$SLUICE_T" "$SLUICE_S" <<'PY'
import sys
n = int(sys.argv[1]); kp, sp, kc, sc, st, ss = map(float, sys.argv[2:])
print(f"records: {n}, broker: tansu (memory storage) on 127.0.0.1, librdkafka as loaded via LD_LIBRARY_PATH")
print()
print("| case | seconds | records/s | Sluice / kcat |")
print("|---|---|---|---|")
print(f"| kcat -P (baseline) | {kp:.2f} | {n/kp:,.0f} | |")
print(f"| sluice file.read → kafka.write | {sp:.2f} | {n/sp:,.0f} | {kp/sp:.2f} |")
print(f"| kcat -C -e (baseline) | {kc:.2f} | {n/kc:,.0f} | |")
print(f"| sluice kafka.read (JSON → BSON) → file.discard | {sc:.2f} | {n/sc:,.0f} | {kc/sc:.2f} |")
print(f"| sluice kafka.read (text, no decoding) → file.discard | {st:.2f} | {n/st:,.0f} | {kc/st:.2f} |")
print(f"| sluice kafka.read (JSON → BSON, assignment: static) → file.discard | {ss:.2f} | {n/ss:,.0f} | {kc/ss:.2f} |")
PY
