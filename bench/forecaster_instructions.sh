#!/usr/bin/env bash
# Instructions per update of the forecaster's holt-winters loop (valgrind's
# callgrind: a count, so the machine's load does not move it), for this build
# and, with FORECASTER_BENCH_BEFORE, another ForecasterBench binary side by side.
# Each loop's count is the difference between a run with it and a run that only
# makes the records; the warm-up (steps < 48: collect, then fit) and the steady
# state are told apart by running 48 steps and the full count.
# Usage: FORECASTER_BENCH_BEFORE=path/to/ForecasterBench bash bench/forecaster_instructions.sh [keys] [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
KEYS=${1:-2000}
STEPS=${2:-168}
WARMUP=48
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
swift build -c release --product ForecasterBench >/dev/null
count() {  # binary loops steps → instructions
    local log="$OUT/callgrind-forecaster.log"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" --keys "$KEYS" --steps "$3" --loops "$2" >/dev/null 2>"$log"
    grep -o 'Collected : [0-9]*' "$log" | awk '{print $3}'
}
# Debian 12's valgrind cannot read the DWARF 5 that Swift 6 writes: measure stripped copies.
stripped() {  # binary → a stripped copy
    local copy
    copy="$OUT/ForecasterBench-$(echo "$1" | md5sum | cut -c1-8)"
    strip "$1" -o "$copy"
    echo "$copy"
}
names=("$BIN/ForecasterBench")
builds=("$(stripped "$BIN/ForecasterBench")")
if [ -n "${FORECASTER_BENCH_BEFORE:-}" ]; then
    names=("$FORECASTER_BENCH_BEFORE" "${names[@]}")
    builds=("$(stripped "$FORECASTER_BENCH_BEFORE")" "${builds[@]}")
fi
echo "keys: $KEYS, steps: $STEPS (warm-up $WARMUP); instructions per record (callgrind)"
echo
printf '| loop |'; for b in "${names[@]}"; do printf ' %s |' "$b"; done; echo
printf '|---|'; for _ in "${builds[@]}"; do printf -- '---|'; done; echo
declare -A row
for b in "${builds[@]}"; do
    none=$(count "$b" none "$STEPS")
    none_w=$(count "$b" none "$WARMUP")
    read=$(count "$b" read "$STEPS")
    hw=$(count "$b" holt-winters "$STEPS")
    hw_w=$(count "$b" holt-winters "$WARMUP")
    row[read]+=" $(python3 -c "print(f'{($read - $none) / ($KEYS * $STEPS):,.0f}')") |"
    row[warm]+=" $(python3 -c "print(f'{($hw_w - $none_w) / ($KEYS * $WARMUP):,.0f}')") |"
    row[steady]+=" $(python3 -c "print(f'{(($hw - $none) - ($hw_w - $none_w)) / ($KEYS * ($STEPS - $WARMUP)):,.0f}')") |"
    row[all]+=" $(python3 -c "print(f'{($hw - $none) / ($KEYS * $STEPS):,.0f}')") |"
done
echo "| read fields only |${row[read]}"
echo "| holt-winters: warm-up + fit (steps < $WARMUP) |${row[warm]}"
echo "| holt-winters: forecast + learn (steady) |${row[steady]}"
echo "| holt-winters: whole run |${row[all]}"
