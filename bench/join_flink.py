"""The join benchmark's Flink run: Flink SQL's interval join over the same
files (filesystem source, 5 s watermarks, streaming mode, parallelism 2).
`time` inserts into a blackhole sink and prints the job's seconds (session
start excluded); `print` prints every result row as `+I[o_id, p_id]`.

Usage: join_flink.py time|print ORDERS PAYMENTS TYPE UPPER_MS
"""
import sys
import time

from pyflink.table import EnvironmentSettings, TableEnvironment

mode, orders, payments, kind, upper_ms = sys.argv[1:6]
join = {"inner": "JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN"}[kind]
env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
env.get_config().set("parallelism.default", "2")


def source(name, path, time_field, extra):
    # Event times are MongoDB relaxed JSON: {"$date": "2024-06-01T00:00:00.000Z"}.
    env.execute_sql(f"""
        CREATE TABLE {name} (
            order_id STRING, {extra} {time_field} ROW<`$date` STRING>,
            t AS TO_TIMESTAMP(REPLACE(REPLACE({time_field}.`$date`, 'T', ' '), 'Z', ''), 'yyyy-MM-dd HH:mm:ss.SSS'),
            WATERMARK FOR t AS t - INTERVAL '5' SECOND
        ) WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'json')""")


source("orders", orders, "created_at", "")
source("payments", payments, "paid_at", "payment_id STRING,")
ms = int(upper_ms)
# Flink's interval literals take two leading digits: say the bound in the largest unit that holds it exactly.
bound = f"INTERVAL '{ms // 60000}' MINUTE" if ms % 60000 == 0 else f"INTERVAL '{ms // 1000}' SECOND"
assert ms % 1000 == 0, "whole seconds only"
query = f"""
    SELECT o.order_id AS o_id, p.payment_id AS p_id FROM orders o {join} payments p
    ON o.order_id = p.order_id AND p.t BETWEEN o.t AND o.t + {bound}"""
start = time.perf_counter()
sink = "blackhole" if mode == "time" else "print"
# `print` writes each result row to the job's stdout as +I[o_id, p_id]; collect() through Python is far slower.
env.execute_sql(f"CREATE TABLE sink (o_id STRING, p_id STRING) WITH ('connector' = '{sink}')")
env.execute_sql(f"INSERT INTO sink {query}").wait()
if mode == "time":
    print(f"{time.perf_counter() - start:.3f}")
