"""quixstreams on the Kafka path: RawSensorData → the schema of
bench/kafka-validate.yaml (jsonschema-rs) → CleanSensorData, until COUNT
records were read. Usage: peer_quix.py BROKERS GROUP COUNT MANIFEST"""
import sys

import jsonschema_rs
import yaml
from quixstreams import Application

brokers, group, count, manifest = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
schema = yaml.safe_load(open(manifest))["processors"]["check"]["config"]["schema"]
is_valid = jsonschema_rs.validator_for(schema).is_valid

app = Application(broker_address=brokers, consumer_group=group, auto_offset_reset="earliest",
                  auto_create_topics=True, loglevel="WARNING")
raw = app.topic("RawSensorData", value_deserializer="json")
clean = app.topic("CleanSensorData", value_serializer="json")
seen = 0


def counted(value):
    # quixstreams has no "read N then stop": the count is kept here and the app stopped from inside.
    global seen
    seen += 1
    if seen == count:
        app.stop()


sdf = app.dataframe(raw)
sdf = sdf.update(counted)
sdf = sdf.filter(is_valid)
sdf.to_topic(clean)
app.run()
