from __future__ import annotations

from datetime import datetime

import pytest
from chispa import assert_df_equality

from iris_mlops.layers.silver import batch_status, build_silver, flag_outliers, normalise_species, validate_rows
from iris_mlops.schemas import BRONZE_SCHEMA, QUARANTINE_SCHEMA, SILVER_SCHEMA

RANGES = {
    "sepal_length": (0.0, 10.0),
    "sepal_width": (0.0, 6.0),
    "petal_length": (0.0, 10.0),
    "petal_width": (0.0, 4.0),
}
SPECIES = ("setosa", "versicolor", "virginica")
T1, T2 = datetime(2026, 1, 1), datetime(2026, 1, 2)


def _bronze(spark, rows, *, batch="b1", when=T1):
    return spark.createDataFrame(
        [(*values, "src", when, batch, i + 1, "bronze-run") for i, values in enumerate(rows)], BRONZE_SCHEMA
    )


def test_normalise_species_trims_lowercases_and_drops_iris_prefix(spark) -> None:
    df = spark.createDataFrame([(" Iris-Setosa ",), ("VIRGINICA",), ("iris versicolor",), ("",), (None,)], "s string")
    actual = df.select(normalise_species(df.s).alias("s"))
    expected = spark.createDataFrame([("setosa",), ("virginica",), ("versicolor",), ("",), (None,)], "s string")
    assert_df_equality(actual, expected, ignore_nullable=True)


@pytest.mark.parametrize(
    ("values", "reasons"),
    [
        (("5.1", "3.5", "1.4", "0.2", "setosa"), []),
        ((" 5.1 ", "3.5", "1.4", "0.2", " Iris-setosa"), []),
        ((None, "3.5", "1.4", "0.2", "setosa"), ["null:sepal_length"]),
        (("5.1", "  ", "1.4", "0.2", "setosa"), ["null:sepal_width"]),
        (("5.1", "3.5", "abc", "0.2", "setosa"), ["not_a_number:petal_length"]),
        (("5.1", "3.5", "1.4", "NaN", "setosa"), ["not_a_number:petal_width"]),
        (("-1", "0", "1.4", "0.2", "setosa"), ["not_positive:sepal_length", "not_positive:sepal_width"]),
        (("51", "3.5", "1.4", "4.0", "setosa"), ["out_of_range:sepal_length", "out_of_range:petal_width"]),
        (("5.1", "3.5", "1.4", "0.2", "daisy"), ["unknown_species"]),
        (("5.1", "3.5", "1.4", "0.2", None), ["null:species"]),
        (
            ("x", None, "-2", "99", "rose"),
            [
                "not_a_number:sepal_length",
                "null:sepal_width",
                "not_positive:petal_length",
                "out_of_range:petal_width",
                "unknown_species",
            ],
        ),
    ],
)
def test_validate_rows_lists_every_reason(spark, values, reasons) -> None:
    checked = validate_rows(_bronze(spark, [values]), ranges=RANGES, species=SPECIES)
    assert checked.select("reasons").first()[0] == reasons


@pytest.mark.parametrize("required", [True, False], ids=["label-required", "label-optional"])
@pytest.mark.parametrize("species", [SPECIES, (*SPECIES, "")], ids=["labels", "an-empty-label-configured"])
def test_the_split_predicate_agrees_with_the_reasons_on_every_edge(spark, species, required) -> None:
    """`passes_checks` (silver's and inference's split) is true exactly when a row has no reason that counts."""
    from itertools import product

    from pyspark.sql import functions as F  # noqa: N812

    from iris_mlops.layers.silver import passes_checks

    ranges = {**RANGES, "sepal_width": (-1.0, 6.0), "petal_width": (0.5, 4.0)}  # low below 0, and above it
    edges = [None, "", " ", "abc", "NaN", "-Infinity", "Infinity", "1e400", "-1", "0", "-0.0", "0.5", "0.50001",
             "3", "4", "5.999", "6", "9.99", "10"]
    labels = [None, "", " ", "setosa", " Iris-Virginica ", "daisy"]
    clean = ("5", "3", "5", "2", "setosa")
    alone = [tuple(e if i == c else v for i, v in enumerate(clean)) for c in range(4) for e in edges]
    rows = alone + [(*clean[:4], label) for label in labels] + [
        (a, b, a, b, label) for a, b in product(edges, repeat=2) for label in labels]
    checked = validate_rows(_bronze(spark, rows), ranges=ranges, species=species)
    counted = F.col("reasons") if required else F.filter("reasons", lambda r: r != "null:species")
    passes = passes_checks(ranges, species, label_required=required)
    out = checked.select((F.size(counted) == 0).alias("clean"), passes.alias("passes"))
    pairs = out.groupBy("clean", "passes").count().collect()
    assert {(r["clean"], r["passes"]) for r in pairs} == {(True, True), (False, False)}


def _silver_input(spark, rows):
    return spark.createDataFrame(
        [("b", i, T1, *v, s, "r") for i, (v, s) in enumerate(rows)],
        "batch_id string, source_position long, ingested_at timestamp, sepal_length double, sepal_width double, "
        "petal_length double, petal_width double, species string, run_id string",
    )


def test_flag_outliers_uses_exact_quartiles_per_species(spark) -> None:
    # setosa sepal_length 1,2,3,4,100: Q1 2, Q3 4, IQR 2, fences [-1, 7] -> only 100 is an outlier.
    # virginica holds the same 100 among values around it, so there it is not one.
    setosa = [((v, 3.0, 1.0, 0.2), "setosa") for v in (1.0, 2.0, 3.0, 4.0, 100.0)]
    virginica = [((v, 3.0, 5.0, 2.0), "virginica") for v in (98.0, 99.0, 100.0, 101.0)]
    actual = flag_outliers(_silver_input(spark, setosa + virginica), iqr_k=1.5).select(
        "species", "sepal_length", "is_outlier"
    )
    expected = spark.createDataFrame(
        [("setosa", v, v == 100.0) for v in (1.0, 2.0, 3.0, 4.0, 100.0)]
        + [("virginica", v, False) for v in (98.0, 99.0, 100.0, 101.0)],
        "species string, sepal_length double, is_outlier boolean",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_flag_outliers_fence_follows_k(spark) -> None:
    rows = [((v, 3.0, 1.0, 0.2), "setosa") for v in (1.0, 2.0, 3.0, 4.0, 8.0)]
    # Q1 2, Q3 4: with k=1.5 the upper fence is 7 (8 is an outlier), with k=2.5 it is 9 (8 is not).
    flags = {
        k: [r.is_outlier for r in flag_outliers(_silver_input(spark, rows), iqr_k=k).orderBy("sepal_length").collect()]
        for k in (1.5, 2.5)
    }
    assert flags == {1.5: [False] * 4 + [True], 2.5: [False] * 5}


def test_build_silver_splits_rows_between_silver_and_quarantine(spark) -> None:
    bronze = _bronze(
        spark,
        [
            ("5.1", "3.5", "1.4", "0.2", "Iris-setosa"),
            ("abc", "3.0", "1.4", "0.2", "setosa"),
            ("4.9", "3.0", "1.4", "0.2", "SETOSA "),
            ("4.8", "3.1", "1.5", "0.2", "tulip"),
        ],
    )
    silver, quarantine = build_silver(bronze, ranges=RANGES, species=SPECIES, iqr_k=1.5, run_id="silver-run")
    expected_silver = spark.createDataFrame(
        [
            ("b1", 1, T1, 5.1, 3.5, 1.4, 0.2, "setosa", False, "silver-run"),
            ("b1", 3, T1, 4.9, 3.0, 1.4, 0.2, "setosa", False, "silver-run"),
        ],
        SILVER_SCHEMA,
    )
    expected_quarantine = spark.createDataFrame(
        [
            ("b1", 2, T1, "abc", "3.0", "1.4", "0.2", "setosa", ["not_a_number:sepal_length"], "silver-run"),
            ("b1", 4, T1, "4.8", "3.1", "1.5", "0.2", "tulip", ["unknown_species"], "silver-run"),
        ],
        QUARANTINE_SCHEMA,
    )
    assert_df_equality(silver, expected_silver, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(quarantine, expected_quarantine, ignore_row_order=True, ignore_nullable=True)


def test_batch_status_tells_done_pending_and_orphan(spark) -> None:
    row = ("5.1", "3.5", "1.4", "0.2", "setosa")
    bronze = (
        _bronze(spark, [row, row], batch="done", when=T1)
        .unionByName(_bronze(spark, [row], batch="new", when=T1))
        .unionByName(_bronze(spark, [row, row], batch="half", when=T1))
        .unionByName(_bronze(spark, [row], batch="reloaded", when=T2))
    )
    s_rows = [("done", 1, T1), ("half", 1, T1), ("reloaded", 1, T1), ("gone", 1, T1)]
    silver = spark.createDataFrame(
        [(b, p, t, 1.0, 1.0, 1.0, 1.0, "setosa", False, "r") for b, p, t in s_rows], SILVER_SCHEMA
    )
    quarantine = spark.createDataFrame(
        [("done", 2, T1, "x", "1", "1", "1", "setosa", ["not_a_number:sepal_length"], "r")], QUARANTINE_SCHEMA
    )
    actual = batch_status(bronze, silver, quarantine).select(
        "batch_id", "bronze_rows", "silver_rows", "quarantine_rows", "status"
    )
    expected = spark.createDataFrame(
        [
            ("done", 2, 1, 1, "done"),
            ("new", 1, 0, 0, "pending"),
            ("half", 2, 1, 0, "pending"),
            ("reloaded", 1, 1, 0, "pending"),
            ("gone", 0, 1, 0, "orphan"),
        ],
        "batch_id string, bronze_rows long, silver_rows long, quarantine_rows long, status string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_count_split_counts_rows_once_and_each_reason_kind(spark) -> None:
    from iris_mlops.tasks.silver_split import count_split

    bronze = _bronze(
        spark,
        [
            ("5.1", "3.5", "1.4", "0.2", "setosa"),
            ("abc", "x", "1.4", "0.2", "tulip"),  # two not_a_number reasons (one kind) and unknown_species
            ("abc", "3.0", "1.4", "0.2", "setosa"),
        ],
    )
    silver, quarantine = build_silver(bronze, ranges=RANGES, species=SPECIES, iqr_k=1.5, run_id="r")
    split = count_split(silver, quarantine)
    assert (split.silver_rows, split.quarantine_rows) == (1, 2)
    assert list(split.reasons.items()) == [("not_a_number", 2), ("unknown_species", 1)]
    assert split.line() == "1 → silver, 2 → quarantine (not_a_number: 2, unknown_species: 1)"
