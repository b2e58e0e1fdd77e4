"""Interleaves the join benchmark's orders and payments into one file in
event-time order, each line tagged with its `stream` (orders, payments), so
one source delivers both at the rate their event time advances. Each
file's own order (its 1% of records out of order) is kept.

Usage: join_merge.py ORDERS PAYMENTS OUT
"""
import heapq
import json
import sys
from datetime import datetime


def tagged(path, stream, field):
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            value = d[field]
            text = value["$date"] if isinstance(value, dict) else value
            millis = int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
            yield millis, json.dumps({"stream": stream, **d}, separators=(",", ":"))


orders_path, payments_path, out = sys.argv[1:4]
with open(out, "w") as f:
    for _, line in heapq.merge(tagged(orders_path, "orders", "created_at"), tagged(payments_path, "payments", "paid_at"),
                               key=lambda t: t[0]):
        f.write(line + "\n")
