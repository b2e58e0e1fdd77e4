#!/usr/bin/env bash
# The cost of a plugin hop: faker → a chain of 0, 1, 4 and 16 no-op C
# processors (SDK/examples/c-pass) → file.discard in batches of 1,024, the
# chains of `make bench CASE=plugin-hop-N`. Per hop = (chain of N − chain of
# 0) ÷ N ÷ records. Counts instructions with callgrind (all threads), then
# times RUNS runs of each chain pinned to core 0 (medians of user + system
# CPU seconds), alternating this build with SLUICE_BIN_BEFORE run by run.
# Usage: SLUICE_BIN_BEFORE=dir bash bench/hop.sh [callgrind records] [timed records] [runs]
# (default 102400, 1000000, 3); TIMED=0 skips the timed runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OUT=${HOP_OUT:-$OUT/hop}
mkdir -p "$OUT"
CG_N=${1:-102400}
TIME_N=${2:-1000000}
RUNS=${3:-3}
CHAINS=(0 1 4 16)
make -s -C SDK/examples/c-pass >/dev/null

manifest() {  # length records → path of the chain's manifest
    local path="$OUT/hop-$1-$2.yaml" previous=gen
    {
        [ "$1" -gt 0 ] && echo "plugins: [c-pass]"
        echo "engine: {batch: {max_records: 1024, max_wait_ms: 1000}}"
        printf 'sources:\n  gen:\n    use: faker.generate\n    config:\n      profile: beach_sensor\n      seed: 1\n      count: %s\n' "$2"
        [ "$1" -gt 0 ] && echo "processors:"
        for i in $(seq 0 $(($1 - 1))); do
            echo "  pass$i: {use: c-pass.pass, inputs: [$previous]}"
            previous=pass$i
        done
        printf 'sinks:\n  void: {use: file.discard, inputs: [%s]}\n' "$previous"
    } >"$path"
    echo "$path"
}
instructions() {  # bin length tag → instructions of the whole run
    local out="$OUT/callgrind-hop-$2-$3"
    valgrind --tool=callgrind --callgrind-out-file="$out.out" "$1/sluice" run "$(manifest "$2" "$CG_N")" --no-progress \
        --plugin-path SDK/examples/c-pass >/dev/null 2>"$out.log"
    grep -o 'Collected : [0-9]*' "$out.log" | awk '{print $3}'
}
cpu() {  # bin length → user + system seconds, pinned to core 0
    /usr/bin/time -f '%U %S' -o "$OUT/time.txt" taskset -c 0 "$1/sluice" run "$(manifest "$2" "$TIME_N")" --no-progress \
        --plugin-path SDK/examples/c-pass >/dev/null 2>"$OUT/time-$2.log"
    awk '{printf "%.3f\n", $1 + $2}' "$OUT/time.txt"
}
per_hop() {  # values (one per chain, in CHAINS order) records → the per-hop figures for 1, 4, 16
    python3 - "$2" $1 <<'PY'
import sys
n, zero, *rest = int(sys.argv[1]), *map(float, sys.argv[2:])
print(" ".join(f"{(v - zero) / hops / n:.1f}" for hops, v in zip((1, 4, 16), rest)))
PY
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "instructions (callgrind, all threads), $CG_N records; per hop = (chain N − chain 0) / N / records"
echo
echo "| build | chain 0 per record | 1 hop | 4 hops | 16 hops |"
echo "|---|---|---|---|---|"
for i in "${!builds[@]}"; do
    dir=$(stripped "${builds[$i]}")
    values=""
    for n in "${CHAINS[@]}"; do values+="$(instructions "$dir" "$n" "${tags[$i]}") "; done
    read -r -a v <<<"$values"
    read -r h1 h4 h16 <<<"$(per_hop "$values" "$CG_N")"
    printf '| %s | %s | %s | %s | %s |\n' "${tags[$i]}" "$(python3 -c "print(f'{${v[0]} / $CG_N:,.0f}')")" "$h1" "$h4" "$h16"
done
[ "${TIMED:-1}" = 1 ] || exit 0

echo
echo "CPU ns per record per hop (user + system, pinned to core 0), $TIME_N records, medians of $RUNS runs, builds alternating"
echo
echo "| build | chain 0 CPU s | 1 hop | 4 hops | 16 hops |"
echo "|---|---|---|---|---|"
declare -A runs=()
for _ in $(seq "$RUNS"); do
    for n in "${CHAINS[@]}"; do
        for i in "${!builds[@]}"; do runs[${tags[$i]}-$n]+="$(cpu "${builds[$i]}" "$n") "; done
    done
done
for t in "${tags[@]}"; do
    values=""
    for n in "${CHAINS[@]}"; do
        values+="$(python3 -c "import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))" ${runs[$t-$n]}) "
    done
    read -r -a v <<<"$values"
    read -r h1 h4 h16 <<<"$(per_hop "$(python3 -c "import sys; print(' '.join(str(float(x) * 1e9) for x in sys.argv[1:]))" $values)" "$TIME_N")"
    printf '| %s | %s | %s | %s | %s |\n' "$t" "${v[0]}" "$h1" "$h4" "$h16"
done
