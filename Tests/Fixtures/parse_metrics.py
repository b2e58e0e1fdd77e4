"""Parses a Prometheus text page (the file argv[1]) with prometheus_client's own parser
and prints its samples as JSON: a page it refuses fails the test."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
    for s in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
json.dump(samples, sys.stdout)
