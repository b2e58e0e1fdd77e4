"""The join benchmark's Spark Structured Streaming run: the same files, the
same interval join, watermarks of 5 s, trigger(availableNow=True), output as
JSON lines of {o_id, p_id}. Prints the query's seconds (session start excluded).

Usage: join_spark.py ORDERS_DIR PAYMENTS_DIR TYPE UPPER_MS OUT_DIR CHECKPOINT_DIR
"""
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

orders_dir, payments_dir, kind, upper_ms, out_dir, checkpoint = sys.argv[1:7]
how = {"inner": "inner", "left": "leftOuter", "right": "rightOuter", "full": "fullOuter"}[kind]

spark = (SparkSession.builder.master("local[2]").appName("sluice-join-bench")
         .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
date = StructType([StructField("$date", StringType())])
orders = (spark.readStream.schema(StructType([StructField("order_id", StringType()), StructField("created_at", date)]))
          .json(orders_dir)
          .select(F.col("order_id").alias("o_key"), F.col("order_id").alias("o_id"),
                  F.to_timestamp(F.col("created_at")["$date"]).alias("o_time"))
          .withWatermark("o_time", "5 seconds"))
payments = (spark.readStream.schema(StructType([StructField("order_id", StringType()), StructField("payment_id", StringType()),
                                                StructField("paid_at", date)]))
            .json(payments_dir)
            .select(F.col("order_id").alias("p_key"), F.col("payment_id").alias("p_id"),
                    F.to_timestamp(F.col("paid_at")["$date"]).alias("p_time"))
            .withWatermark("p_time", "5 seconds"))
condition = F.expr(f"o_key = p_key AND p_time >= o_time AND p_time <= o_time + INTERVAL {int(upper_ms)} MILLISECONDS")
query = (orders.join(payments, condition, how).select("o_id", "p_id")
         .writeStream.format("json").option("path", out_dir).option("checkpointLocation", checkpoint)
         .trigger(availableNow=True).start())
start = time.perf_counter()
query.awaitTermination()
print(f"{time.perf_counter() - start:.3f}")
spark.stop()
