#!/usr/bin/env bash
# Instructions per record (valgrind's callgrind: a count, not a time, so it
# is the same on a loaded machine) of the engine-bound pipelines, for this
# build and, with SLUICE_BIN_BEFORE, another one side by side in the same run.
# Usage: SLUICE_BIN_BEFORE=other/.build/release bash bench/instructions.sh [records]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-100000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
make_input "$N"
# Debian 12's valgrind cannot read the DWARF 5 that Swift 6 writes: it measures stripped copies (bench/lib.sh).
count() {  # bin case → instructions
    local log="$OUT/callgrind-$2.log"
    BENCH_N=$N BENCH_OUT=$OUT valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1/sluice" run "bench/$2.yaml" --no-progress \
        >/dev/null 2>"$log"
    grep -o 'Collected : [0-9]*' "$log" | awk '{print $3}'
}
echo "records: $N; instructions per record (callgrind, all threads)"
echo
printf '| case |'; for b in "${builds[@]}"; do printf ' %s |' "$b"; done
[ ${#builds[@]} = 2 ] && printf ' after / before |'
echo
printf '|---|'; for _ in "${builds[@]}"; do printf -- '---|'; done; [ ${#builds[@]} = 2 ] && printf -- '---|'; echo
for c in ${CASES:-faker-discard faker-validate-discard file-validate-null}; do
    values=()
    for b in "${builds[@]}"; do values+=("$(count "$(stripped "$b")" "$c")"); done
    printf '| %s |' "$c"
    for v in "${values[@]}"; do printf ' %s |' "$(python3 -c "print(f'{$v / $N:,.0f}')")"; done
    [ ${#values[@]} = 2 ] && printf ' %s |' "$(python3 -c "print(f'{${values[1]} / ${values[0]}:.3f}')")"
    echo
done
