#!/usr/bin/env bash
# Instructions and heap allocations per pushed request: `bench/push.yaml`
# (http-sensor.push → file.discard) under callgrind, instrumentation switched
# on once /health answers, then wrk (32 connections, 10 NDJSON readings per
# POST, bench/cases.py's body) stopping after N answered POSTs. Everything the
# process ran (all threads) divided by the requests wrk counted; malloc calls
# the same way. Builds are measured one after the other in one invocation.
# Usage: bash bench/push-instructions.sh [requests] [build dir...]
# (default 2000 requests, .build/release); PROFILE=1 keeps the callgrind files
# and prints the top functions by inclusive instructions.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OUT=$OUT/push-instructions
mkdir -p "$OUT"
N=${1:-2000}
shift || true
BUILDS=("$@")
[ ${#BUILDS[@]} -eq 0 ] && BUILDS=("$BIN")

cat >"$OUT/push.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$(python3 -c '
for i in range(10):
    print("{\"TimeStamp\":\"2013-08-30T08:00:00\",\"Beach\":\"Montrose Beach\",\"WaterTemperature\":20.3,"
          f"\"Turbidity\":1.18,\"BatteryLife\":9.4,\"MeasurementID\":{i}}}")')
]]
wrk.headers["Content-Type"] = "application/x-ndjson"
local answered, accepted = 0, 0
response = function(status, headers, body)
  answered = answered + 1
  if status == 202 then accepted = accepted + 1 end
  if answered == $N then
    -- wrk's main thread sleeps out -d whatever the Lua does: the marker
    -- tells the script to end it with SIGINT, which wrk answers with its summary.
    io.open("$OUT/wrk.done", "w"):close()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  io.write(string.format("answered %d\n", summary.requests))
end
LUA

# callgrind output file → "instructions malloc-calls" (malloc calls summed over every caller)
count() {
    python3 - "$1" <<'PY'
import re, sys
names, total, mallocs, cfn = {}, 0, 0, None
def name(tok):
    m = re.match(r"\((\d+)\)(?: (.*))?", tok)
    if not m: return tok
    if m.group(2): names[m.group(1)] = m.group(2)
    return names.get(m.group(1), "")
for line in open(sys.argv[1]):
    if line.startswith("totals:"): total = int(line.split()[1])
    elif line.startswith("cfn="): cfn = name(line[4:].strip())
    elif line.startswith(("fn=", "cfi=", "cfl=", "fl=", "fi=", "fe=")): pass
    elif line.startswith("calls=") and cfn == "malloc": mallocs += int(line[6:].split()[0])
print(total, mallocs)
PY
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "requests per build: $N (wrk -t1 -c32, 10 NDJSON readings per POST)"
echo
echo "| build | answered | Ir per request | malloc per request |"
echo "|---|---|---|---|"
for build in "${BUILDS[@]}"; do
    bin=$(stripped "$build" push)
    tag=$(basename "$build")-$(echo "$build" | md5sum | cut -c1-6)
    port=$(free_port)
    rm -f "$OUT/$tag.out"*
    BENCH_PUSH_LISTEN=127.0.0.1:$port valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$tag.out" \
        "$bin/sluice" run bench/push.yaml --no-progress >"$OUT/$tag.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
    callgrind_control -i on "$pid" >/dev/null
    rm -f "$OUT/wrk.done"
    wrk -t1 -c32 -d600s -s "$OUT/push.lua" "http://127.0.0.1:$port/readings" >"$OUT/wrk.txt" &
    wrk=$!
    while [ ! -e "$OUT/wrk.done" ] && kill -0 "$wrk" 2>/dev/null; do sleep 0.2; done
    kill -INT "$wrk" 2>/dev/null || true
    wait "$wrk" || true
    answered=$(awk '/^answered/ {print $2}' "$OUT/wrk.txt")
    callgrind_control -i off "$pid" >/dev/null
    kill -INT "$pid"
    wait "$pid" || true
    read -r ir mallocs < <(count "$OUT/$tag.out")
    printf '| %s | %s | %s | %s |\n' "$build" "$answered" $((ir / answered)) \
        "$(python3 -c "print(f'{$mallocs / $answered:.1f}')")"
    if [ -n "${PROFILE:-}" ]; then
        # head stops reading early: the annotator then dies of SIGPIPE, which pipefail would make fatal.
        callgrind_annotate --inclusive=yes "$OUT/$tag.out" 2>/dev/null | head -60 >"$OUT/$tag.top" || true
    fi
done
