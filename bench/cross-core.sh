#!/usr/bin/env bash
# What running on two cores costs: file.read → validator → /dev/null
# (bench/file-validate-null.yaml) pinned to core 0 and free on both cores,
# CPU seconds (user + system) and context switches per run, for this build
# and, with SLUICE_BIN_BEFORE, another one, interleaved run by run so both
# see the same machine. Prints the medians and the load average.
# Usage: SLUICE_BIN_BEFORE=dir bash bench/cross-core.sh [records] [rounds]
# (default 1000000, 3).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OUT=${CROSS_OUT:-$OUT/cross-core}
mkdir -p "$OUT"
N=${1:-1000000}
ROUNDS=${2:-3}
make_input "$N"
rows="$OUT/runs.txt"
: >"$rows"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
    for i in "${!builds[@]}"; do
        for cores in 1 2; do
            pin=(); [ "$cores" = 1 ] && pin=(taskset -c 0)
            /usr/bin/time -f '%U %S %e %w %c' -o "$OUT/time.txt" "${pin[@]}" "${builds[$i]}/sluice" run bench/file-validate-null.yaml \
                --no-progress >/dev/null 2>"$OUT/run.log"
            read -r user sys wall voluntary involuntary <"$OUT/time.txt"
            echo "${tags[$i]} $cores $round $user $sys $wall $voluntary $involuntary" >>"$rows"
        done
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "records: $N; rounds: $ROUNDS; load average before: $load_before, after: $load_after"
echo
python3 - "$rows" "$N" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
n = int(sys.argv[2])
tags = list(dict.fromkeys(r[0] for r in rows))
print("| build | cores | CPU s (median) | runs (CPU s) | wall s (median) | context switches (median, voluntary + involuntary) |")
print("|---|---|---|---|---|---|")
cpu = {}
for tag in tags:
    for cores in ("1", "2"):
        sel = [r for r in rows if r[0] == tag and r[1] == cores]
        cpus = [float(r[3]) + float(r[4]) for r in sel]
        cpu[tag, cores] = statistics.median(cpus)
        walls = statistics.median(float(r[5]) for r in sel)
        switches = statistics.median(int(r[6]) + int(r[7]) for r in sel)
        print(f"| {tag} | {cores} | {cpu[tag, cores]:.3f} | {', '.join(f'{c:.2f}' for c in cpus)} | {walls:.2f} | {switches:,.0f} |")
print()
for tag in tags:
    one, two = cpu[tag, "1"], cpu[tag, "2"]
    print(f"- {tag}: 2 cores / 1 core = {two / one:.2f}× CPU s; "
          f"{(two - one) / n * 1e6:.2f} µs of CPU per record more on 2 cores; {n / two:,.0f} records per CPU second on 2 cores")
if len(tags) == 2:
    for cores in ("1", "2"):
        print(f"- after / before on {cores} core(s): {cpu[tags[1], cores] / cpu[tags[0], cores]:.3f}")
PY
