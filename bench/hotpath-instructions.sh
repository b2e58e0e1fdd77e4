#!/usr/bin/env bash
# Instructions per record (callgrind, all threads) of the hot-path cases, for
# this build and, with SLUICE_BIN_BEFORE, another one in the same run; with
# PROFILE=1 also each case's top functions (self instructions per record).
# Usage: SLUICE_BIN_BEFORE=dir PROFILE=1 bash bench/hotpath-instructions.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
# HOTPATH_OUT: another folder for the inputs and profiles, so two runs can go at once.
OUT=${HOTPATH_OUT:-$OUT}
mkdir -p "$OUT"
N=${1:-100000}
make_input "$N"
count() {  # bin case tag → instructions
    local out="$OUT/callgrind-$2-$3.out"
    BENCH_N=$N BENCH_OUT=$OUT valgrind --tool=callgrind --callgrind-out-file="$out" "$1/sluice" run "bench/$2.yaml" --no-progress \
        >/dev/null 2>"$OUT/callgrind-$2-$3.log"
    grep -o 'Collected : [0-9]*' "$OUT/callgrind-$2-$3.log" | awk '{print $3}'
}
dirs=(); for b in "${builds[@]}"; do dirs+=("$(stripped "$b")"); done
echo "records: $N; instructions per record (callgrind, all threads)"
echo
printf '| case |'; for t in "${tags[@]}"; do printf ' %s |' "$t"; done; [ ${#tags[@]} = 2 ] && printf ' after / before |'; echo
printf '|---|'; for _ in "${tags[@]}"; do printf -- '---|'; done; [ ${#tags[@]} = 2 ] && printf -- '---|'; echo
for c in ${CASES:-faker-discard faker-validate-discard file-pass file-validate-null}; do
    values=()
    for i in "${!dirs[@]}"; do values+=("$(count "${dirs[$i]}" "$c" "${tags[$i]}")"); done
    printf '| %s |' "$c"
    for v in "${values[@]}"; do printf ' %s |' "$(python3 -c "print(f'{$v / $N:,.0f}')")"; done
    [ ${#values[@]} = 2 ] && printf ' %s |' "$(python3 -c "print(f'{${values[1]} / ${values[0]}:.3f}')")"
    echo
done
if [ "${PROFILE:-0}" = 1 ]; then
    for c in ${CASES:-faker-discard faker-validate-discard file-pass file-validate-null}; do
        for t in "${tags[@]}"; do
            echo; echo "### $c ($t): self instructions per record, top 25"
            # awk reads to the end: `head` would close the pipe early, and the
            # writer's SIGPIPE fails the script under pipefail (exit 141).
            callgrind_annotate --inclusive=no "$OUT/callgrind-$c-$t.out" 2>/dev/null |
                awk -v n="$N" '/^ *[0-9,]+ / && ++row > 1 && row <= 26 {v=$1; gsub(",","",v); $1=""; printf "%8.0f %s\n", v/n, substr($0, 1, 190)}'
        done
    done
fi
