"""Spark Structured Streaming on the file path: NDJSON files in INPUT_DIR → the
6-property schema of bench/file-validate.yaml as a typed read and a filter →
NDJSON in OUTPUT_DIR, trigger(availableNow), local[2].
Usage: peer_spark.py INPUT_DIR OUTPUT_DIR CHECKPOINT_DIR"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

source, target, checkpoint = sys.argv[1:4]
spark = (SparkSession.builder.master("local[2]").appName("sluice-bench")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
# A typed read turns a value of the wrong type into null, so "required" and
# "type" are both the not-null checks below.
schema = StructType([StructField("Beach", StringType()), StructField("MeasurementID", LongType()),
                     StructField("WaterTemperature", DoubleType()), StructField("Turbidity", DoubleType()),
                     StructField("BatteryLife", DoubleType()), StructField("TimeStamp", StringType()),
                     # Not in the schema's properties, but allowed: kept, as the other tools keep it.
                     StructField("RawData", StringType())])
readings = spark.readStream.schema(schema).json(source)
valid = readings.where(
    F.col("Beach").isNotNull() & (F.length("Beach") >= 1)
    & F.col("MeasurementID").isNotNull() & (F.col("MeasurementID") >= 0)
    & F.col("WaterTemperature").between(-5, 40)
    & F.col("Turbidity").isNotNull() & (F.col("Turbidity") >= 0)
    & F.col("BatteryLife").between(0, 20)
    & F.col("TimeStamp").isNotNull())
query = (valid.writeStream.format("json").option("path", target).option("checkpointLocation", checkpoint)
         .trigger(availableNow=True).start())
query.awaitTermination()
spark.stop()
