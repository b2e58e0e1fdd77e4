"""The script users write instead of a pipeline: NDJSON in, json.loads, validate,
json.dumps of the valid records out. Same file and same schema as bench/file-validate.yaml.
Usage: peer_validate.py jsonschema-rs|fastjsonschema MANIFEST INPUT OUTPUT"""
import json
import sys

import yaml

kind, manifest, source, target = sys.argv[1:5]
schema = yaml.safe_load(open(manifest))["processors"]["check"]["config"]["schema"]
if kind == "jsonschema-rs":
    import jsonschema_rs
    # Draft 2020-12 (no $schema): format is an annotation, as in Sluice's validator by default.
    is_valid = jsonschema_rs.validator_for(schema).is_valid
else:
    import fastjsonschema
    validate = fastjsonschema.compile(schema, use_formats=False)

    def is_valid(doc):
        try:
            validate(doc)
            return True
        except fastjsonschema.JsonSchemaValueException:
            return False

with open(source) as lines, open(target, "w") as out:
    for line in lines:
        doc = json.loads(line)
        if is_valid(doc):
            out.write(json.dumps(doc) + "\n")
