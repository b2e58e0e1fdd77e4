"""The join benchmark's oracle: a one-pass in-memory hash join of the same
files (every pair with equal order_id and paid_at in [created_at - lower,
created_at + upper], plus the outer rows), timed, and compared with an
output file as multisets of (order_id, payment_id) with None for a missing side.

Usage: join_check.py ORDERS PAYMENTS TYPE LOWER_MS UPPER_MS OUTPUT [nested|ids|print]
(OUTPUT: a file, or Spark's output directory; `ids`: lines of {o_id, p_id}, as Spark writes; `print`: Flink's `N> +I[o_id, p_id]` lines)
Prints: oracle_seconds equal(yes/no) expected_rows got_rows
"""
import glob
import json
import os
import sys
import time
from collections import Counter
from datetime import datetime


def millis(value):
    text = value["$date"] if isinstance(value, dict) else value
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def load(path, time_field, id_field):
    rows = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            rows.append((d["order_id"], millis(d[time_field]), d[id_field]))
    return rows


def oracle(orders, payments, kind, lower, upper):
    by_key = {}
    for p in payments:
        by_key.setdefault(p[0], []).append(p)
    out = Counter()
    paid = set()
    for key, t, oid in orders:
        matched = False
        for _, pt, pid in by_key.get(key, ()):
            if t - lower <= pt <= t + upper:
                out[(oid, pid)] += 1
                paid.add(pid)
                matched = True
        if not matched and kind in ("left", "full"):
            out[(oid, None)] += 1
    if kind in ("right", "full"):
        for _, _, pid in payments:
            if pid not in paid:
                out[(None, pid)] += 1
    return out


def lines(path):
    """A file, or every part-*.json of a directory (Spark's output)."""
    files = sorted(glob.glob(os.path.join(path, "part-*.json"))) if os.path.isdir(path) else [path]
    for name in files:
        with open(name) as f:
            yield from f


def read_output(path, shape):
    got = Counter()
    for line in lines(path):
        if shape == "print":
            # Only insertions count: a retraction (-D, -U) would leave its row out and show as a difference.
            if "+I[" in line:
                o, p = (None if v == "null" else v for v in line.split("+I[", 1)[1].rstrip().rstrip("]").split(", "))
                got[(o, p)] += 1
            continue
        d = json.loads(line)
        if shape == "ids":
            got[(d.get("o_id"), d.get("p_id"))] += 1
        else:
            o, p = d.get("order"), d.get("payment")
            got[(o["order_id"] if o else None, p["payment_id"] if p else None)] += 1
    return got


def main():
    orders_path, payments_path, kind, lower, upper, output = sys.argv[1:7]
    shape = sys.argv[7] if len(sys.argv) > 7 else "nested"
    # Orders are keyed by order_id and identified by it too; payments by payment_id.
    orders = [(k, t, k) for k, t, _ in load(orders_path, "created_at", "order_id")]
    payments = load(payments_path, "paid_at", "payment_id")
    start = time.perf_counter()
    expected = oracle(orders, payments, kind, int(lower), int(upper))
    seconds = time.perf_counter() - start
    got = read_output(output, shape)
    print(f"{seconds:.3f} {'yes' if got == expected else 'no'} {sum(expected.values())} {sum(got.values())}")


main()
