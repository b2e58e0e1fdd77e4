# Shared by the bench scripts: sourced after `cd` to the repository root.
# Absolute: file paths in a manifest resolve against the manifest's folder.
OUT=$PWD/bench/out
mkdir -p "$OUT"
# The build measured: SLUICE_BIN=other/.build/release compares another checkout in the same run.
BIN=${SLUICE_BIN:-.build/release}
# The builds a before/after script runs, and their names: this one, and
# SLUICE_BIN_BEFORE's first when it is set.
builds=("$BIN"); tags=(after)
[ -n "${SLUICE_BIN_BEFORE:-}" ] && builds=("$SLUICE_BIN_BEFORE" "$BIN") && tags=(before after)

# Writes $OUT/input.ndjson: BENCH_N beach-sensor readings from faker.
make_input() {
    export BENCH_N=$1 BENCH_OUT=$OUT
    $BIN/sluice run bench/make-input.yaml --no-progress 2>/dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (up to 10 s) until something accepts connections on 127.0.0.1:$1.
wait_port() {
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "nothing listens on port $1" >&2
    return 1
}

now() { date +%s.%N; }

# Build dir [name] → $OUT/name-<hash of its executable>: a copy of its
# executable and plugins without debug info (Debian 12's valgrind cannot read
# DWARF 5); symbols stay, so callgrind still names functions. Named by
# content, not by path: a later build of the same folder gets a folder of its
# own, so a copy kept as SLUICE_BIN_BEFORE is never overwritten by it.
stripped() {
    local dir
    dir="$OUT/${2:-stripped}-$(md5sum <"$1/sluice" | cut -c1-8)"
    rm -rf "$dir" && mkdir -p "$dir"
    cp -L "$1/sluice" "$1"/*.so "$dir/"
    strip --strip-debug "$dir"/*
    echo "$dir"
}
