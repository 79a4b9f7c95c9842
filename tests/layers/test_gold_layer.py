from __future__ import annotations

import statistics
from datetime import datetime

from chispa import assert_approx_df_equality

from iris_mlops.layers.gold import aggregate_species
from iris_mlops.schemas import GOLD_SCHEMA, SILVER_SCHEMA

WHEN = datetime(2026, 1, 1)


def _silver(spark, rows):
    return spark.createDataFrame(
        [("b", i, WHEN, *values, species, outlier, "r0") for i, (values, species, outlier) in enumerate(rows)],
        SILVER_SCHEMA,
    )


def _stats(values):
    return [statistics.mean(values), min(values), max(values), statistics.stdev(values) if len(values) > 1 else None]


def test_aggregate_species_one_row_per_species_with_statistics(spark) -> None:
    silver = _silver(
        spark,
        [
            ((5.0, 3.0, 1.0, 0.2), "setosa", False),
            ((5.2, 3.4, 1.4, 0.4), "setosa", True),
            ((5.4, 3.2, 1.6, 0.3), "setosa", False),
            ((6.0, 2.8, 4.5, 1.5), "virginica", False),
        ],
    )
    actual = aggregate_species(silver, silver_version=7, run_id="gold-run")
    setosa = [(5.0, 5.2, 5.4), (3.0, 3.4, 3.2), (1.0, 1.4, 1.6), (0.2, 0.4, 0.3)]
    virginica = [(6.0,), (2.8,), (4.5,), (1.5,)]
    expected = spark.createDataFrame(
        [
            ("setosa", 3, *[s for col in setosa for s in _stats(col)], 1, 1 / 3, 0.75, 7, "gold-run"),
            ("virginica", 1, *[s for col in virginica for s in _stats(col)], 0, 0.0, 0.25, 7, "gold-run"),
        ],
        GOLD_SCHEMA,
    )
    assert_approx_df_equality(actual, expected, precision=1e-9, ignore_nullable=True, ignore_row_order=True)


def test_aggregate_species_of_empty_silver_is_empty(spark) -> None:
    actual = aggregate_species(_silver(spark, []), silver_version=0, run_id="r")
    assert actual.count() == 0
    assert [f.name for f in actual.schema] == [f.name for f in GOLD_SCHEMA]
