"""`make bench` / `make bench CASE=name` / `make bench-peers`: runs the cases
of bench/cases.py ROUNDS times each (interleaved: every case once per round,
so a baseline and its case see the same neighbours), takes the medians,
compares each case with its baselines, checks the targets and writes
bench/results.json and the generated section of bench/RESULTS.md.

Exits 1 only when a case crashed (or its tool is missing); a missed target is
a row marked "missed", not a failure."""
import argparse
import datetime
import glob
import os
import platform
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES, OUTPUTS, WRITES, output_lines  # noqa: E402
from context import ROOT, Context, Failed, Unsupported  # noqa: E402
import report  # noqa: E402


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    # The results files are what a run rewrites: they do not make the build measured another one.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!bench/RESULTS.md", ":!bench/results.json"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "commit": commit + ("+changes" if dirty else ""), "date": now()}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def selection(args):
    by_name = {c.name: c for c in CASES}
    if args.case:
        wanted = []
        for name in args.case.split(","):
            if name not in by_name:
                sys.exit(f"no case {name!r}; cases: {', '.join(by_name)}")
            wanted += [c.baseline for c in by_name[name].compare] + [name]
        return [c for c in CASES if c.name in wanted]
    return [c for c in CASES if c.group == args.group]


def summarize(case, runs, results, machine_text):
    row = {"name": case.name, "what": case.what, "group": case.group, "unit": case.unit, "machine": machine_text,
           "measured_at": now(), "runs": runs, "status": "ok"}
    records = statistics.median(r.get("records", case.records) for r in runs)
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    row.update(records=records, seconds=seconds, cpu_s=cpu,
               records_per_s=records / seconds if seconds else None,
               records_per_cpu_s=records / cpu if cpu else None,
               peak_rss_mib=statistics.median(r["peak_rss_kib"] for r in runs) / 1024)
    outputs = [r["output_records"] for r in runs if "output_records" in r]
    if outputs:
        row["output_records"] = outputs[-1]
    row["comparisons"] = [compare(row, c, results.get(c.baseline)) for c in case.compare]
    targets = ([case.target] if case.target else [])
    row["target"] = "; ".join([t.text for t in targets] + [c["target"] for c in row["comparisons"] if c["target"]]) or None
    verdicts = [t.met(row) for t in targets] + [c["met"] for c in row["comparisons"] if c["target"]]
    row["met"] = None if not verdicts or None in verdicts else all(verdicts)
    first = row["comparisons"][0] if row["comparisons"] else {}
    row.update(baseline=first.get("baseline"), ratio=first.get("ratio"), ratio_per=first.get("per"))
    return row


def compare(row, c, base):
    out = {"baseline": c.baseline, "per": c.per, "target": c.target.text if c.target else None,
           "ratio": None, "speedup_wall": None, "speedup_cpu": None, "met": None}
    if not base or base["status"] != "ok":
        out["note"] = f"baseline {c.baseline} not measured in this invocation"
        return out
    if c.per == "hop":
        out["ratio"] = (row["cpu_s"] - base["cpu_s"]) / row["records"] / c.hops * 1e9
    else:
        out["speedup_wall"] = row["records_per_s"] / base["records_per_s"]
        out["speedup_cpu"] = row["records_per_cpu_s"] / base["records_per_cpu_s"]
        out["ratio"] = out["speedup_wall" if c.per == "wall" else "speedup_cpu"]
    if c.target:
        out["met"] = c.target.met({"ratio": out["ratio"]})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", help="comma-separated case names: these and their baselines only")
    parser.add_argument("--group", default="bench", choices=["bench", "peers"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bin", default=os.environ.get("SLUICE_BIN", ".build/release"))
    args = parser.parse_args()
    os.chdir(ROOT)
    selected = selection(args)
    start = machine()
    ctx = Context(args.bin, "bench/out")
    runs = {c.name: [] for c in selected}
    status = {}
    try:
        for round in range(args.rounds):
            for case in selected:
                if case.name in status:
                    continue
                if case.name in WRITES:
                    for stale in glob.glob(ctx.path(WRITES[case.name])):
                        os.remove(stale)
                # The cases before wrote hundreds of MB: their dirty pages go to
                # disk now rather than by the kernel's flusher during this one,
                # which on 2 cores took a core from whichever tool ran next.
                os.sync()
                try:
                    m = case.run(ctx, case, round)
                except Unsupported as e:
                    status[case.name] = str(e)
                except (Failed, RuntimeError, OSError, subprocess.CalledProcessError) as e:
                    status[case.name] = f"failed: {e}"
                else:
                    if case.name in OUTPUTS:
                        m["output_records"] = output_lines(ctx.path(OUTPUTS[case.name]))
                    runs[case.name].append(m)
                    records = m.get("records", case.records)
                    print(f"{case.name:28} round {round + 1}: {m['seconds']:8.3f} s {records / m['seconds']:>14,.0f} "
                          f"{case.unit}/s  cpu {m['cpu_s']:7.3f} s  rss {m['peak_rss_kib'] / 1024:6.1f} MiB", flush=True)
                    continue
                print(f"{case.name:28} {status[case.name]}", flush=True)
    finally:
        ctx.close()
    end = machine()
    load = max(start["load_average"][0], end["load_average"][0])
    text = (f"{start['cores']} cores, {start['cpu']}, Linux {start['kernel']}; load average "
            f"{start['load_average'][0]} at the start, {end['load_average'][0]} at the end"
            f"{' (busy: other work shared the cores)' if load > start['cores'] else ''}; "
            f"commit {start['commit']}; {start['date']}")
    rows, results = [], {}
    for case in selected:
        if case.name in status:
            row = {"name": case.name, "what": case.what, "group": case.group, "records": case.records,
                   "status": status[case.name], "machine": text, "measured_at": now(), "runs": runs[case.name],
                   "baseline": case.compare[0].baseline if case.compare else None, "ratio": None,
                   "target": "; ".join(t.text for t in ([case.target] if case.target else []) +
                                       [c.target for c in case.compare if c.target]) or None, "met": None}
        else:
            row = summarize(case, runs[case.name], results, text)
        results[case.name] = row
        rows.append(row)
    merged = report.merge("bench/results.json", dict(start, load_average_end=end["load_average"]), rows)
    commands = "`make bench` (`python3 bench/bench.py`), `make bench-peers` (`python3 bench/bench.py --group peers`)"
    report.write_markdown("bench/RESULTS.md", report.render(merged, [c.name for c in CASES], commands))
    print(report.render({"cases": rows}, [c.name for c in selected], commands))
    crashed = [n for n, s in status.items() if s.startswith("failed")]
    if crashed:
        print(f"\ncases that failed: {', '.join(crashed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
