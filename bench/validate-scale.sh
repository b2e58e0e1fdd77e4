#!/usr/bin/env bash
# `sluice validate` time against the number of components (faker sources
# each read by a file.write sink), and a 619-byte YAML alias bomb. Prints
# each size's time as a ratio to the smallest in the same run: linear growth
# gives ratios near the size ratio (the planner was quadratic: 2,000
# components took 17 s). Usage: bash bench/validate-scale.sh [sizes...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
SIZES=${*:-1000 2000 4000}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr); binary: $BIN"
manifest() {
    local n=$1 file=$OUT/validate-$1.yaml i
    { echo "sources:"; for ((i = 0; i < n / 2; i++)); do echo "  s$i: {use: faker.generate, config: {profile: people}}"; done
      echo "sinks:"; for ((i = 0; i < n / 2; i++)); do echo "  k$i: {use: file.write, inputs: [s$i], config: {path: /dev/null}}"; done
    } > "$file"
    echo "$file"
}
first=""
for n in $SIZES; do
    file=$(manifest "$n")
    start=$(now); $BIN/sluice validate "$file" >/dev/null; end=$(now)
    t=$(echo "$end - $start" | bc -l)
    [ -z "$first" ] && first=$t && base=$n
    printf "%6d components: %6.2f s  ratio %.2f (size ratio %.1f)\n" "$n" "$t" "$(echo "$t / $first" | bc -l)" "$(echo "$n / $base" | bc -l)"
done
bomb=$OUT/alias-bomb.yaml
{ echo 'a0: &a0 [x, x, x, x, x, x, x, x, x]'
  for i in 1 2 3 4 5 6 7 8; do p="*a$((i - 1))"; echo "a$i: &a$i [$p, $p, $p, $p, $p, $p, $p, $p, $p]"; done
  echo 'sources:'; echo '  gen: {use: faker.generate, config: {profile: people, extra: *a8}}'
} > "$bomb"
start=$(now); status=0; $BIN/sluice validate "$bomb" >/dev/null 2>&1 || status=$?; end=$(now)
printf "alias bomb (%d bytes): exit %d in %.3f s\n" "$(wc -c < "$bomb")" "$status" "$(echo "$end - $start" | bc -l)"
