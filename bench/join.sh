#!/usr/bin/env bash
# The stream join on N orders + N payments (default 200,000 each, 400,000
# records): Sluice's join pinned to one core, for every join type at a 1-minute
# window and for 1 s / 1 min / 10 min windows (left join); a one-pass
# in-memory hash join of the same data (Python) as the oracle each output must
# equal; and Spark Structured Streaming (pyspark from PyPI, in a venv of its
# own under bench/out) on the same files when it installs. Prints a Markdown table.
# Usage: bash bench/join.sh [orders]   (SPARK=0 skips Spark)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
source bench/lib.sh
export BENCH_N=${1:-${N:-200000}} BENCH_OUT=$OUT BENCH_INTERVAL_MS=100
RECORDS=$((2 * BENCH_N))
CORE="taskset -c 0"
command -v taskset >/dev/null || CORE=""

$BIN/sluice run bench/join-input.yaml --no-progress 2>/dev/null

SPARK_VENV=$OUT/spark-venv
spark_ready() {
    [ "${SPARK:-1}" = 1 ] || return 1
    if [ ! -x "$SPARK_VENV/bin/python" ] || ! "$SPARK_VENV/bin/python" -c 'import pyspark' 2>/dev/null; then
        python3 -m venv "$SPARK_VENV" && "$SPARK_VENV/bin/pip" install -q --disable-pip-version-check pyspark >/dev/null 2>&1 || return 1
    fi
    command -v java >/dev/null
}
# Spark's file source reads directories.
mkdir -p "$OUT/spark-in/orders" "$OUT/spark-in/payments"
ln -f "$OUT/orders.ndjson" "$OUT/spark-in/orders/orders.ndjson"
ln -f "$OUT/payments.ndjson" "$OUT/spark-in/payments/payments.ndjson"
SPARK_OK=0
spark_ready && SPARK_OK=1

# Runs the join once; prints "seconds peak_rss_mb cpu_seconds" (user + system, all threads).
sluice_join() {
    export BENCH_TYPE=$1 BENCH_UPPER_MS=$2
    local log=$OUT/join-$1-$2.log
    /usr/bin/time -f '%e %M %U %S' -o "$log.time" $CORE $BIN/sluice run bench/join.yaml --no-progress 2>"$log"
    awk '{printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4}' "$log.time"
}

rate() { python3 -c "print(f'{$RECORDS / $1:,.0f}')"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Sluice pinned to one core: ${CORE:+yes}"
echo "input: $BENCH_N orders + $BENCH_N payments, one per $BENCH_INTERVAL_MS ms of event time each, 1% up to 3 s out of order"
echo
echo "| join | window | Sluice s | Sluice records/s | Sluice CPU s | records per CPU s | peak RSS MB | = oracle | oracle (Python hash join) s | Spark s | Spark records/s | Spark = oracle | Sluice / Spark |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run() {
    local type=$1 upper=$2 label=$3 with_spark=${4:-1}
    read -r secs rss cpu < <(sluice_join "$type" "$upper")
    read -r oracle_s equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/join-$type-$upper.ndjson")
    local spark="-" spark_rate="-" spark_equal="-" speedup="-"
    if [ "$SPARK_OK" = 1 ] && [ "$with_spark" = 1 ]; then
        rm -rf "$OUT/spark-out" "$OUT/spark-checkpoint"
        if spark=$("$SPARK_VENV/bin/python" bench/join_spark.py "$OUT/spark-in/orders" "$OUT/spark-in/payments" "$type" "$upper" \
                   "$OUT/spark-out" "$OUT/spark-checkpoint" 2>"$OUT/spark-$type-$upper.log" | tail -1); then
            spark_rate=$(rate "$spark")
            read -r _ spark_equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/spark-out" ids)
            speedup=$(python3 -c "print(f'{$spark / $secs:.1f}x')")
        else
            spark="failed (see $OUT/spark-$type-$upper.log)"
        fi
    fi
    echo "| $type | $label | $secs | $(rate "$secs") | $cpu | $(rate "$cpu") | $rss | $equal | $oracle_s | $spark | $spark_rate | $spark_equal | $speedup |"
}
for type in inner left right full; do run "$type" 60000 "1 min"; done
# Spark takes minutes per run here: the window sizes are compared with the oracle only.
run left 1000 "1 s" 0
run left 600000 "10 min" 0
[ "$SPARK_OK" = 1 ] || echo; [ "$SPARK_OK" = 1 ] || echo "Spark skipped: SPARK=0, or pyspark did not install into $SPARK_VENV, or no java."
