#!/usr/bin/env bash
# Instructions per input record of the join pipeline (bench/join.yaml: two
# file.read → join.join → file.write), counted by callgrind, so the count is
# the same on a loaded machine; with SLUICE_BIN_BEFORE, another build side by
# side in the same run. Also the join's own count: the same files into
# file.discard with the join (bench/join-discard.yaml) minus without it
# (bench/read-discard.yaml), which leaves the join plugin and the host's
# emit, hold and release for it. Then the join plugin's share and its top
# functions for the last build measured (file → join → file).
# Usage: SLUICE_BIN_BEFORE=saved/release bash bench/join-instructions.sh [orders]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-50000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
export BENCH_N=$N BENCH_OUT=$OUT BENCH_INTERVAL_MS=100 BENCH_TYPE=left BENCH_UPPER_MS=60000
$BIN/sluice run bench/join-input.yaml --no-progress 2>/dev/null
RECORDS=$((2 * N))
# Debian 12's valgrind cannot read the DWARF 5 that Swift 6 writes: drop the
# debug sections, keep the symbol table for the per-function list.
builds=("$BIN")
[ -n "${SLUICE_BIN_BEFORE:-}" ] && builds=("$SLUICE_BIN_BEFORE" "$BIN")
echo "input: $N orders + $N payments (bench/join-input.yaml), left join, 1-minute window; instructions per input record (callgrind, all threads)"
echo
# Instructions of one run of manifest $2 with build directory $1.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$OUT/join-callgrind-$3.out" "$1/sluice" run "$2" --no-progress \
        >/dev/null 2>"$OUT/join-callgrind.log"
    grep -o 'Collected : [0-9]*' "$OUT/join-callgrind.log" | awk '{print $3}'
}
per() { python3 -c "print(f'{$1 / $RECORDS:,.0f}')"; }
echo "| build | file → join → file | file → join → discard | file → discard | the join alone (2nd − 3rd) |"
echo "|---|---|---|---|---|"
counts=() alone=()
for b in "${builds[@]}"; do
    dir=$(stripped "$b" join-stripped)
    full=$(count "$dir" bench/join.yaml full)
    joined=$(count "$dir" bench/join-discard.yaml discard)
    read=$(count "$dir" bench/read-discard.yaml read)
    counts+=("$full") alone+=("$((joined - read))")
    echo "| $b | $(per "$full") | $(per "$joined") | $(per "$read") | $(per "$((joined - read))") |"
done
if [ ${#counts[@]} = 2 ]; then
    echo "after / before: file → join → file $(python3 -c "print(f'{${counts[1]} / ${counts[0]}:.3f}')"), the join alone $(python3 -c "print(f'{${alone[1]} / ${alone[0]}:.3f}')")"
fi
cp "$OUT/join-callgrind-full.out" "$OUT/join-callgrind.out"
echo
echo "last build, by object (share of all instructions):"
callgrind_annotate --inclusive=no "$OUT/join-callgrind.out" 2>/dev/null | awk '/file:function/{f=1; next} f && NF' \
    | python3 -c '
import re, sys, collections
by_object = collections.Counter(); top = []
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s+\[(.*)\]\s*$", line)
    if not m: continue
    n = int(m.group(1).replace(",", "")); name = m.group(2).split(":", 1)[-1]; obj = m.group(3).split("/")[-1]
    by_object[obj] += n; top.append((n, obj, name))
total = sum(by_object.values())
for obj, n in by_object.most_common(8): print(f"  {obj}: {100 * n / total:.1f}%")
print("top functions in the join plugin:")
for n, obj, name in sorted(top, reverse=True)[:400]:
    if obj == "libsluice-join.so": print(f"  {100 * n / total:.1f}%  {name[:110]}")
' | head -30
