"""The cost of `isolation: process`: the same pipeline with one component in
the host and in a child process, alternated in one invocation, for one or
more builds (e.g. the base commit and this one) interleaved round by round.

Cases (faker beach readings, batches of 1,024):
  source     faker.generate (isolated or not) → file.discard
  processor  faker → c-pass.pass (a no-op C processor, isolated or not) → file.discard
  sink       faker → file.discard (isolated or not)

For each case and build: µs per batch, wall and CPU (user + system of the
host and its children, from getrusage), in the host and isolated, and the
voluntary context switches isolation adds per batch (each time a side
waits for the other: what a wire's round trips cost the scheduler), medians of
ROUNDS runs; the isolated / in-host ratio is the median of each round's
ratio (the two runs of a pair are adjacent, so load drift hits both); the
cost of isolation per batch is isolated − in-host (getrusage counts the
host and its children, so both sides of the wire).

Usage: python3 bench/isolation.py [--records N] [--rounds R] [--build NAME=DIR ...]
       (default: one build, SLUICE_BIN or .build/release; DIR holds `sluice`
       and the built-in plugins, e.g. a base commit's build copied to bench/out/)"""
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
C_PASS = os.path.join(ROOT, "SDK/examples/c-pass")
BATCH = 1024

HEAD = """engine: {batch: {max_records: %(batch)d, max_wait_ms: 1000}}
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
    values = {"n": n, "batch": BATCH, "source": "none", "processor": "none", "sink": "none"}
    if isolated:
        values[case] = "process"
    path = os.path.join(out, f"{case}-{'process' if isolated else 'none'}-{n}.yaml")
    with open(path, "w") as f:
        f.write(CASES[case] % values)
    return path


def timed(argv):
    """(wall s, CPU s, voluntary context switches) of the process and every child it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    return (wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            after.ru_nvcsw - before.ru_nvcsw)


def builds(args):
    named = args.build or [f"this={os.environ.get('SLUICE_BIN', '.build/release')}"]
    out = []
    for entry in named:
        name, _, folder = entry.partition("=")
        folder = os.path.join(ROOT, folder)
        if not os.access(os.path.join(folder, "sluice"), os.X_OK):
            sys.exit(f"--build {entry}: no executable {folder}/sluice")
        out.append((name, folder))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", action="append", help="NAME=DIR, repeatable; runs are interleaved across builds")
    args = parser.parse_args()
    targets = builds(args)
    subprocess.run(["make", "-s", "-C", C_PASS], check=True, stdout=subprocess.DEVNULL)
    out = tempfile.mkdtemp(prefix="sluice-isolation-")
    batches = args.records / BATCH
    load = os.getloadavg()
    print(f"records: {args.records:,} ({batches:,.0f} batches of {BATCH:,}), rounds: {args.rounds} (median), "
          f"builds: {', '.join(f'{n} = {os.path.relpath(d, ROOT)}' for n, d in targets)}, "
          f"{os.cpu_count()} cores, load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    print("| case | build | host: wall µs/batch | isolated: wall µs/batch | isolated / host (wall) "
          "| host: CPU µs/batch | isolated: CPU µs/batch | isolation: CPU µs/batch "
          "| isolation: voluntary context switches/batch |")
    print("|---|---|---|---|---|---|---|---|---|")
    cost = {}
    for case in CASES:
        runs = {(name, isolated): [] for name, _ in targets for isolated in (False, True)}
        for _ in range(args.rounds):
            for name, folder in targets:
                for isolated in (False, True):
                    path = manifest(out, case, isolated, args.records)
                    runs[(name, isolated)].append(
                        timed([f"{folder}/sluice", "run", path, "--no-progress", "--plugin-path", C_PASS]))
        for name, _ in targets:
            host, iso = runs[(name, False)], runs[(name, True)]
            wall = {k: statistics.median(r[0] / batches * 1e6 for r in v) for k, v in (("host", host), ("iso", iso))}
            cpu = {k: statistics.median(r[1] / batches * 1e6 for r in v) for k, v in (("host", host), ("iso", iso))}
            switches = statistics.median(i[2] - h[2] for h, i in zip(host, iso)) / batches
            ratio = statistics.median(i[0] / h[0] for h, i in zip(host, iso))
            cost[(case, name)] = statistics.median(i[1] - h[1] for h, i in zip(host, iso)) / batches * 1e6
            print(f"| {case} | {name} | {wall['host']:,.0f} | {wall['iso']:,.0f} | {ratio:.2f} "
                  f"| {cpu['host']:,.0f} | {cpu['iso']:,.0f} | {cost[(case, name)]:+,.0f} | {switches:+.1f} |")
        sys.stdout.flush()
    if len(targets) > 1:
        first = targets[0][0]
        print()
        print(f"isolation's CPU µs per batch (median of the rounds' isolated − host), against {first}:")
        for case in CASES:
            parts = [f"{name} {cost[(case, name)]:+,.0f}" for name, _ in targets]
            rel = [f"{name}/{first} {cost[(case, name)] / cost[(case, first)]:.2f}"
                   for name, _ in targets[1:] if cost[(case, first)] > 0]
            print(f"  {case}: {', '.join(parts)}{'; ' + ', '.join(rel) if rel else ''}")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
