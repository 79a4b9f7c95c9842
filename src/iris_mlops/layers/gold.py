"""Gold: one row per species with counts, statistics of every measurement and the outlier share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import Window
from pyspark.sql import functions as F  # noqa: N812

from iris_mlops.layers import conform
from iris_mlops.schemas import GOLD_SCHEMA, IS_OUTLIER, MEASUREMENTS, RUN_ID, SPECIES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

STATISTICS = {"mean": F.mean, "min": F.min, "max": F.max, "stddev": F.stddev_samp}


def aggregate_species(silver: DataFrame, *, silver_version: int, run_id: str) -> DataFrame:
    """Silver rows -> one row per species; stddev is the sample standard deviation (null for a single row)."""
    per_species = silver.groupBy(SPECIES).agg(
        F.count(F.lit(1)).alias("count"),
        *[fn(F.col(m)).alias(f"{m}_{name}") for m in MEASUREMENTS for name, fn in STATISTICS.items()],
        F.sum(F.col(IS_OUTLIER).cast("long")).alias("outlier_count"),
    )
    total = F.sum("count").over(Window.partitionBy())  # three rows: a global window is cheap here
    return conform(
        per_species.select(
            "*",
            F.try_divide(F.col("outlier_count").cast("double"), F.col("count")).alias("outlier_share"),
            F.try_divide(F.col("count").cast("double"), total).alias("share_of_total"),
            F.lit(silver_version).cast("long").alias("silver_version"),
            F.lit(run_id).alias(RUN_ID),
        ),
        schema=GOLD_SCHEMA,
    )
