"""jsonschema-rs on the documents SchemaBench exported: ns per record for
is_valid, Python call included (that overhead is part of the peer)."""
import json, sys, time
import jsonschema_rs

for path in sys.argv[1:]:
    case = json.load(open(path))
    validator = jsonschema_rs.validator_for(case["schema"])
    docs = case["documents"]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter_ns()
        valid = sum(1 for d in docs if validator.is_valid(d))
        best = min(best, (time.perf_counter_ns() - start) / len(docs))
    print(f"jsonschema-rs {jsonschema_rs.__version__ if hasattr(jsonschema_rs, '__version__') else ''} {path}: {best:.0f} ns/record (best of 5), {valid} of {len(docs)} valid")
