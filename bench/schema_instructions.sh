#!/usr/bin/env bash
# Instructions per record of the validator's isValid (callgrind, counted only
# inside SchemaValidator.isValid), on each of SchemaBench's two schemas.
# Usage: bash bench/schema_instructions.sh [records]
#   SCHEMA_BENCH_BEFORE=path/to/SchemaBench puts another build's counts beside (same documents).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-1000}
ROUNDS=3
swift build -c release --product SchemaBench >/dev/null
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        '--toggle-collect=$s12SluiceSchema0B9ValidatorC7isValidySb0A3SDK12BSONDocumentVF' \
        "$1" --records "$N" --rounds $ROUNDS --schema "$2" 2>&1 | awk '/Collected/ {print $4}'
}
for schema in beach nested; do
    after=$(count "$BIN/SchemaBench" "$schema")
    line="$schema: $((after / (N * ROUNDS))) instructions/record"
    if [ -n "${SCHEMA_BENCH_BEFORE:-}" ]; then
        before=$(count "$SCHEMA_BENCH_BEFORE" "$schema")
        line="$line (before: $((before / (N * ROUNDS))))"
    fi
    echo "$line"
done
