"""The cost of `isolation: process`: the same pipeline with one component in
the host and in a child process, alternated in one invocation.

Cases (faker beach readings, batches of 1,024):
  source     faker.generate (isolated or not) → file.discard
  processor  faker → c-pass.pass (a no-op C processor, isolated or not) → file.discard
  sink       faker → file.discard (isolated or not)

For each: records/s (wall) and CPU µs per record (user + system of the host
and its children, from getrusage), the median of ROUNDS runs each. Not
callgrind: under valgrind the host cannot start its child (Foundation's
Process fails with EBADF on valgrind's reserved descriptors).

Usage: python3 bench/isolation.py [--records N] [--rounds R]
       (SLUICE_BIN=dir picks the build; default .build/release)"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, os.environ.get("SLUICE_BIN", ".build/release"))
C_PASS = os.path.join(ROOT, "SDK/examples/c-pass")

HEAD = """engine: {batch: {max_records: 1024, max_wait_ms: 1000}}
sources:
  gen:
    use: faker.generate
    isolation: %(source)s
    config: {profile: beach_sensor, seed: 1, count: %(n)d}
"""
CASES = {
    "source": HEAD + "sinks:\n  void: {use: file.discard, inputs: [gen]}\n",
    "processor": "plugins: [c-pass]\n" + HEAD + (
        "processors:\n  pass: {use: c-pass.pass, inputs: [gen], isolation: %(processor)s}\n"
        "sinks:\n  void: {use: file.discard, inputs: [pass]}\n"),
    "sink": HEAD + "sinks:\n  void: {use: file.discard, inputs: [gen], isolation: %(sink)s}\n",
}


def manifest(out, case, isolated, n):
    values = {"n": n, "source": "none", "processor": "none", "sink": "none"}
    if isolated:
        values[case] = "process"
    path = os.path.join(out, f"{case}-{'process' if isolated else 'none'}-{n}.yaml")
    with open(path, "w") as f:
        f.write(CASES[case] % values)
    return path


def timed(argv):
    """(wall s, CPU s of the process and every child it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["make", "-s", "-C", C_PASS], check=True, stdout=subprocess.DEVNULL)
    out = tempfile.mkdtemp(prefix="sluice-isolation-")
    load = os.getloadavg()
    print(f"records: {args.records:,}, rounds: {args.rounds} (median), build: {BIN}, "
          f"{os.cpu_count()} cores, load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    print("| case | in the host: records/s | isolated: records/s | isolated / host (rate) "
          "| host: CPU µs/record | isolated: CPU µs/record | isolated − host: CPU µs/record |")
    print("|---|---|---|---|---|---|---|")
    for case in CASES:
        runs = {False: [], True: []}
        for _ in range(args.rounds):
            for isolated in (False, True):  # alternated, so load drift hits both
                path = manifest(out, case, isolated, args.records)
                runs[isolated].append(timed([f"{BIN}/sluice", "run", path, "--no-progress", "--plugin-path", C_PASS]))
        rate = {k: statistics.median(args.records / w for w, _ in v) for k, v in runs.items()}
        cpu = {k: statistics.median(c / args.records * 1e6 for _, c in v) for k, v in runs.items()}
        print(f"| {case} | {rate[False]:,.0f} | {rate[True]:,.0f} | {rate[True] / rate[False]:.2f} "
              f"| {cpu[False]:.2f} | {cpu[True]:.2f} | {cpu[True] - cpu[False]:+.2f} |")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
