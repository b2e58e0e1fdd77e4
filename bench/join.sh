#!/usr/bin/env bash
# The stream join on N orders + N payments (default 200,000 each, 400,000
# records): Sluice's join pinned to one core (the per-core rate), for every join
# type at a 1-minute window and for 1 s / 1 min / 10 min windows (left join),
# and for the comparison with the peers on both cores as they run (Spark
# local[2], Flink parallelism 2), so each side has the same machine; a one-pass
# in-memory hash join of the same data (Python) as the oracle each output must
# equal; and, on the same files when they install, Spark Structured Streaming
# (pyspark) and Flink SQL (apache-flink), each from PyPI into a venv of its own
# under bench/out (Flink's downgrades protobuf under pyspark). Prints a Markdown table.
# Usage: bash bench/join.sh [orders]   (SPARK=0 skips Spark, FLINK=0 Flink)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
source bench/lib.sh
export BENCH_N=${1:-${N:-200000}} BENCH_OUT=$OUT BENCH_INTERVAL_MS=100
RECORDS=$((2 * BENCH_N))
CORE="taskset -c 0"
command -v taskset >/dev/null || CORE=""

$BIN/sluice run bench/join-input.yaml --no-progress 2>/dev/null

# Installs PyPI package $2 into venv $1 unless it is there; fails without java.
peer_ready() {
    local venv=$1 package=$2 module=$3
    if ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
        python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "$package" >/dev/null 2>&1 || return 1
    fi
    command -v java >/dev/null
}
SPARK_VENV=$OUT/spark-venv FLINK_VENV=$OUT/flink-venv
# Spark's file source reads directories.
mkdir -p "$OUT/spark-in/orders" "$OUT/spark-in/payments"
ln -f "$OUT/orders.ndjson" "$OUT/spark-in/orders/orders.ndjson"
ln -f "$OUT/payments.ndjson" "$OUT/spark-in/payments/payments.ndjson"
SPARK_OK=0 FLINK_OK=0
[ "${SPARK:-1}" = 1 ] && peer_ready "$SPARK_VENV" pyspark pyspark && SPARK_OK=1
[ "${FLINK:-1}" = 1 ] && peer_ready "$FLINK_VENV" apache-flink pyflink && FLINK_OK=1

# Runs the join once, on the cores $3 names ("one": pinned to core 0, "all":
# unpinned); prints "seconds peak_rss_mb cpu_seconds" (user + system, all threads).
sluice_join() {
    export BENCH_TYPE=$1 BENCH_UPPER_MS=$2
    local log=$OUT/join-$1-$2.log pin=$CORE
    [ "$3" = all ] && pin=""
    /usr/bin/time -f '%e %M %U %S' -o "$log.time" $pin $BIN/sluice run bench/join.yaml --no-progress 2>"$log"
    awk '{printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4}' "$log.time"
}

rate() { python3 -c "print(f'{$RECORDS / $1:,.0f}')"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Sluice pinned to one core: ${CORE:+yes}; against the peers: all cores, as they run"
echo "input: $BENCH_N orders + $BENCH_N payments, one per $BENCH_INTERVAL_MS ms of event time each, 1% up to 3 s out of order"
echo
echo "| join | window | Sluice s (one core) | Sluice records/s (one core) | Sluice CPU s | records per CPU s | peak RSS MB | = oracle | oracle (Python hash join) s | Sluice s (all cores) | Spark s | Spark = oracle | Sluice / Spark | Flink s | Flink = oracle | Sluice / Flink |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run() {
    local type=$1 upper=$2 label=$3 with_peers=${4:-1}
    read -r secs rss cpu < <(sluice_join "$type" "$upper" one)
    read -r oracle_s equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/join-$type-$upper.ndjson")
    local all="-" spark="-" spark_equal="-" spark_x="-" flink="-" flink_equal="-" flink_x="-"
    if [ "$with_peers" = 1 ]; then
        read -r all _ _ < <(sluice_join "$type" "$upper" all)
        read -r _ all_equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/join-$type-$upper.ndjson")
        [ "$all_equal" = "$equal" ] || equal="$equal (all cores: $all_equal)"
    fi
    if [ "$SPARK_OK" = 1 ] && [ "$with_peers" = 1 ]; then
        rm -rf "$OUT/spark-out" "$OUT/spark-checkpoint"
        if spark=$("$SPARK_VENV/bin/python" bench/join_spark.py "$OUT/spark-in/orders" "$OUT/spark-in/payments" "$type" "$upper" \
                   "$OUT/spark-out" "$OUT/spark-checkpoint" 2>"$OUT/spark-$type-$upper.log" | tail -1); then
            read -r _ spark_equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/spark-out" ids)
            spark_x=$(python3 -c "print(f'{$spark / $all:.1f}x')")
        else
            spark="failed (see $OUT/spark-$type-$upper.log)"
        fi
    fi
    if [ "$FLINK_OK" = 1 ] && [ "$with_peers" = 1 ]; then
        local flink_args=("$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" "$upper")
        if flink=$("$FLINK_VENV/bin/python" bench/join_flink.py time "${flink_args[@]}" 2>"$OUT/flink-$type-$upper.log" | tail -1) &&
           "$FLINK_VENV/bin/python" bench/join_flink.py print "${flink_args[@]}" >"$OUT/flink-$type-$upper.txt" 2>>"$OUT/flink-$type-$upper.log"; then
            read -r _ flink_equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$type" 0 "$upper" "$OUT/flink-$type-$upper.txt" print)
            flink_x=$(python3 -c "print(f'{$flink / $all:.1f}x')")
        else
            flink="failed (see $OUT/flink-$type-$upper.log)"
        fi
    fi
    echo "| $type | $label | $secs | $(rate "$secs") | $cpu | $(rate "$cpu") | $rss | $equal | $oracle_s | $all | $spark | $spark_equal | $spark_x | $flink | $flink_equal | $flink_x |"
}
for type in inner left right full; do run "$type" 60000 "1 min"; done
# Spark and Flink take a minute or more per run here: other windows are compared with the oracle only.
run left 1000 "1 s" 0
run left 600000 "10 min" 0
echo
[ "$SPARK_OK" = 1 ] || echo "Spark skipped: SPARK=0, or pyspark did not install into $SPARK_VENV, or no java."
[ "$FLINK_OK" = 1 ] || echo "Flink skipped: FLINK=0, or apache-flink did not install into $FLINK_VENV, or no java."

# The join at a fixed rate of event time (bench/join-merged.yaml: both
# streams interleaved in one file by event time, so state is rate × window),
# with JSON output checked against the oracle, and into file.discard.
python3 bench/join_merge.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" "$OUT/shop.ndjson"
# Runs a manifest pinned to one core; prints "seconds peak_rss_mb cpu_seconds".
timed() {
    local log=$OUT/join-timed.log
    /usr/bin/time -f '%e %M %U %S' -o "$log.time" $CORE $BIN/sluice run "$1" --no-progress 2>"$log"
    awk '{printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4}' "$log.time"
}
echo
echo "Fixed rate (one file, both streams in event-time order), left join:"
echo
echo "| window | rows in state at most (rate × window) | JSON out: CPU s | records per CPU s | peak RSS MB | = oracle | oracle s | discard: CPU s | records per CPU s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
export BENCH_TYPE=left
for window in "1000 1 s" "60000 1 min" "600000 10 min"; do
    read -r upper label <<<"$window"
    export BENCH_UPPER_MS=$upper
    read -r _ rss cpu < <(timed bench/join-merged.yaml)
    read -r oracle_s equal _ _ < <(python3 bench/join_check.py "$OUT/orders.ndjson" "$OUT/payments.ndjson" left 0 "$upper" "$OUT/join-merged-left-$upper.ndjson")
    read -r _ drss dcpu < <(timed bench/join-merged-discard.yaml)
    # Orders stay upper + 5 s of out-of-orderness, payments 5 s; both streams at 1000 / interval per s.
    rows=$(python3 -c "print(f'{round(1000 / $BENCH_INTERVAL_MS * (($upper + 5000) + 5000) / 1000):,}')")
    echo "| $label | about $rows | $cpu | $(rate "$cpu") | $rss | $equal | $oracle_s | $dcpu | $(rate "$dcpu") | $drss |"
done

# The join stage's own CPU time: the same input with and without the join,
# both into file.discard (left join, 1-minute window).
export BENCH_TYPE=left BENCH_UPPER_MS=60000
echo
echo "The join's own cost (left, 1 min, into file.discard): CPU s with the join minus without it."
echo
echo "| input | CPU s without join | CPU s with join | join CPU s | input records per join CPU s |"
echo "|---|---|---|---|---|"
read -r _ _ read_cpu < <(timed bench/read-discard.yaml)
read -r _ _ join_cpu < <(timed bench/join-discard.yaml)
own=$(python3 -c "print(round(max($join_cpu - $read_cpu, 0.01), 2))")
echo "| two NDJSON files | $read_cpu | $join_cpu | $own | $(rate "$own") |"
read -r _ _ gen_cpu < <(timed bench/shop-discard.yaml)
read -r _ _ fjoin_cpu < <(timed bench/join-faker.yaml)
own=$(python3 -c "print(round(max($fjoin_cpu - $gen_cpu, 0.01), 2))")
echo "| faker orders + payments | $gen_cpu | $fjoin_cpu | $own | $(rate "$own") |"
