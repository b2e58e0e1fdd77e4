"""River's online Holt-Winters on the records forecaster-bench exported:
one model per key in a dict, one-step forecast then learn per record.
Prints records/s and the one-step MAE over the same steps the Swift bench scores."""
import csv
import sys
import time

from river import time_series

SEASON = 24
SCORED_FROM = 3 * SEASON

rows = [(k, int(s), float(v)) for k, s, v in csv.reader(open(sys.argv[1])) if k != "key"]
models = {}
abs_error, scored = 0.0, 0
start = time.perf_counter()
for key, step, y in rows:
    model = models.get(key)
    if model is None:
        model = models[key] = time_series.HoltWinters(alpha=0.3, beta=0.01, gamma=0.2, seasonality=SEASON)
    if step >= SCORED_FROM:
        abs_error += abs(y - model.forecast(horizon=1)[0])
        scored += 1
    model.learn_one(y)
seconds = time.perf_counter() - start
print(f"{'river HoltWinters: forecast + learn':<28} {seconds:12.3f} {len(rows) / seconds:14.0f} {abs_error / max(scored, 1):10.4f}")
