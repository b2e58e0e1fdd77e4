#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of the hot-path cases, pinned to core 0,
# alternating this build with SLUICE_BIN_BEFORE run by run; prints medians.
# On a shared machine wall time moves with the neighbours: CPU seconds
# (user + system) are the steadier of the two.
# Usage: SLUICE_BIN_BEFORE=dir bash bench/hotpath-time.sh [records] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OUT=${HOTPATH_OUT:-$OUT}
mkdir -p "$OUT"
N=${1:-1000000}
RUNS=${2:-3}
make_input "$N"
one() {  # bin case → "wall cpu rss_kb"
    BENCH_N=$N BENCH_OUT=$OUT /usr/bin/time -f '%e %U %S %M' -o "$OUT/time.txt" taskset -c 0 "$1/sluice" run "bench/$2.yaml" --no-progress >/dev/null 2>&1
    awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$OUT/time.txt"
}
echo "records: $N, $RUNS runs each, alternating, pinned to core 0 (medians)"
echo
echo "| case | build | wall s | CPU s | records/s (wall) | records per CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
for c in ${CASES:-faker-discard faker-validate-discard file-pass file-validate-null}; do
    declare -A results=()
    for _ in $(seq "$RUNS"); do
        for i in "${!builds[@]}"; do results[${tags[$i]}]+="$(one "${builds[$i]}" "$c");"; done
    done
    for t in "${tags[@]}"; do
        python3 - "$c" "$t" "$N" "${results[$t]}" <<'PY'
import sys, statistics
case, tag, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), [r.split() for r in sys.argv[4].split(";") if r]
wall = statistics.median(float(r[0]) for r in runs)
cpu = statistics.median(float(r[1]) for r in runs)
rss = statistics.median(int(r[2]) for r in runs) / 1024
print(f"| {case} | {tag} | {wall:.2f} | {cpu:.2f} | {n / wall:,.0f} | {n / cpu:,.0f} | {rss:.0f} |")
PY
    done
    unset results
done
