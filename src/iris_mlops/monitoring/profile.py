"""Spark-native window profiles: one aggregation pass gives every count, moment, histogram and outlier count.

`profile_frame` is a pure transform. Each row is turned into one small entry per profiled quantity
(column id, species index, bin, outlier flag, value) — SQL text from `profile_sql`, one projection and one
`stack` — and one `groupBy` over those int keys sums counts, values and squares and takes extremes: a few
thousand groups at most, whatever the window size, so the partial aggregation stays in memory and the
shuffle is tiny. Every expression (engineered features
included) is evaluated once per row. The task collects the groups and `read_profile` folds them into
summaries:

- numeric columns are binned on the reference's edges: numpy's histogram rule (inner bins [e_i, e_i+1),
  the last one closed) plus one open bin on each side; nulls get bin -1;
- categorical columns count each of the reference's values and put everything else under `OTHER`;
- outliers are counted per measurement as |z| > `outlier_z` against the reference's mean and standard
  deviation of the row's own species; per-species means and standard deviations come from the same groups;
- with predictions: the (label, predicted) confusion counts and the mean top probability (CBPE).

Sorted values for the exact tests come from a second query, `collect_values`, run only for small windows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.monitoring.profile_sql import (
    BIN_SLOTS,  # noqa: F401 - re-exported: the key layout
    SPECIES_SLOTS,  # noqa: F401
    bin_sql,
    decode,
    entry_sql,
    ident,
    index_sql,
    outlier_sql,
)
from iris_mlops.monitoring.summary import CategoricalSummary, NumericSummary

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

OTHER = "__other__"  # values the reference never had


@dataclass(frozen=True)
class ProfilePlan:
    """What to aggregate: numeric columns with their reference edges, categorical columns with known values."""

    edges: Mapping[str, tuple[float, ...]]
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # measurement -> species -> (reference mean, reference std): the |z| outlier rule per species
    species_moments: Mapping[str, Mapping[str, tuple[float, float]]] = field(default_factory=dict)
    species_column: str = "species"
    outlier_z: float = 3.0
    latest_column: str | None = None  # a timestamp column whose maximum is reported (freshness)
    sliced: tuple[str, ...] = ()  # measurements whose mean and std are also computed per species value
    predicted_column: str | None = None  # with labels: the confusion counts (label x predicted over `classes`)
    classes: tuple[str, ...] = ()
    probability_columns: tuple[str, ...] = ()  # per-class probabilities: the mean top probability (CBPE)

    @property
    def species_values(self) -> tuple[str, ...]:
        return tuple(self.categories.get(self.species_column, ()))

    def ids(self) -> dict[str, int]:
        """Column id of each profiled quantity in the grouped rows."""
        names = [*self.edges, *self.categories, "__confusion", "__confidence", "__latest"]
        return {name: index for index, name in enumerate(names)}


@dataclass(frozen=True)
class WindowProfile:
    """One window: its row count, a summary per column, outliers per measurement, its latest timestamp."""

    rows: int
    columns: dict[str, NumericSummary | CategoricalSummary]
    outliers: dict[str, int] = field(default_factory=dict)
    latest: datetime | None = None  # the newest row's timestamp, when a timestamp column was named
    # measurement -> species -> (mean, std) within that species
    slices: dict[str, dict[str, tuple[float | None, float | None]]] = field(default_factory=dict)
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (label, predicted) -> rows
    expected_accuracy: float | None = None  # mean top probability over the rows with probabilities
    scored_rows: int = 0


def bin_index(column: Column, edges: Sequence[float]) -> Column:
    """-1 for null, 0 below edges[0], i for [edges[i-1], edges[i]) (the last inner bin closed), len(edges) above."""
    from pyspark.sql import functions as F  # noqa: N812

    k = len(edges) - 1
    low, high, width = float(edges[0]), float(edges[-1]), (float(edges[-1]) - float(edges[0])) / k
    guess = F.least(F.lit(k), F.greatest(F.lit(1), (F.floor((column - F.lit(low)) / F.lit(width)) + 1).cast("int")))
    bounds = F.array(*[F.lit(float(e)) for e in edges])
    # numpy's correction: the arithmetic guess may be one bin off at an edge; compare with the edges themselves
    fixed = (guess - F.when(column < F.element_at(bounds, guess), 1).otherwise(0)
             + F.when((guess < k) & (column >= F.element_at(bounds, guess + 1)), 1).otherwise(0))
    return (F.when(column.isNull(), -1).when(column < F.lit(low), 0).when(column > F.lit(high), k + 1)
            .otherwise(fixed))


def profile_frame(df: DataFrame, plan: ProfilePlan) -> DataFrame:
    """The grouped rows (k, n, present, total, squares, low, high) `read_profile` folds (pure)."""
    from pyspark.sql import functions as F  # noqa: N812

    entries = _entries(plan)
    # Keys and values as plain columns in one projection, then one `stack`: it stays in generated code (an explode
    # of an array of structs or a wide agg of count_if per bin does not; see profile_sql).
    projected = df.selectExpr(*[f"{sql} AS {name}{i}" for i, pair in enumerate(entries)
                                for name, sql in zip(("k", "v"), pair, strict=True)])
    stacked = projected.selectExpr(f"stack({len(entries)}, {', '.join(f'k{i}, v{i}' for i in range(len(entries)))})"
                                   " AS (k, v)")
    return stacked.groupBy("k").agg(*[F.expr(sql) for sql in (
        "count(1) AS n", "count(v) AS present", "sum(v) AS total", "sum(v * v) AS squares", "min(v) AS low",
        "max(v) AS high")])


def _part_ids(plan: ProfilePlan) -> list[int]:
    ids = plan.ids()
    names = [*plan.edges, *plan.categories]
    if plan.predicted_column and plan.classes:
        names.append("__confusion")
    if plan.probability_columns:
        names.append("__confidence")
    if plan.latest_column:
        names.append("__latest")
    return [ids[n] for n in names]


def _entries(plan: ProfilePlan) -> list[tuple[str, str]]:
    """(key, value) SQL of each profiled quantity, in `_part_ids` order."""
    species_column = ident(plan.species_column)
    species = index_sql(species_column, plan.species_values) if plan.species_values else "-1"
    none = "CAST(NULL AS DOUBLE)"
    parts: list[tuple[str, str, str]] = []  # (bin, outlier, value)
    for name, edges in plan.edges.items():
        value, moments = ident(name), plan.species_moments.get(name)
        outlier = outlier_sql(value, species_column, moments, plan.outlier_z) if moments else "false"
        parts.append((bin_sql(value, edges), outlier, f"CAST({value} AS DOUBLE)"))
    parts += [(index_sql(ident(name), known, other=True), "false", none) for name, known in plan.categories.items()]
    if plan.predicted_column and plan.classes:
        label = index_sql(species_column, plan.classes)
        predicted = index_sql(ident(plan.predicted_column), plan.classes)
        pair = f"CASE WHEN ({label}) >= 0 AND ({predicted}) >= 0 THEN ({label}) * {len(plan.classes)} + ({predicted})"
        parts.append((f"{pair} ELSE -1 END", "false", none))
    if plan.probability_columns:
        top = ", ".join(ident(c) for c in plan.probability_columns)
        parts.append(("0", "false", f"CAST(greatest({top}) AS DOUBLE)" if len(plan.probability_columns) > 1
                      else f"CAST({top} AS DOUBLE)"))
    if plan.latest_column:
        parts.append(("0", "false", f"unix_micros({ident(plan.latest_column)}) / 1e6D"))
    return [(entry_sql(part_id, species, bin_, outlier), value)
            for part_id, (bin_, outlier, value) in zip(_part_ids(plan), parts, strict=True)]


def with_features(df: DataFrame) -> DataFrame:
    """`df` plus the engineered features computed from its measurements (the feature table's formulas)."""
    from iris_mlops.features.definitions import spark_columns

    return df.select("*", *[column.alias(name) for name, column in spark_columns()])


def bounds_frame(df: DataFrame, *, numeric: Sequence[str], categorical: Sequence[str]) -> DataFrame:
    """One row: the minimum and maximum of each numeric column and the sorted distinct values of each category."""
    from pyspark.sql import functions as F  # noqa: N812

    return df.agg(*[F.min(c).alias(f"{c}__min") for c in numeric], *[F.max(c).alias(f"{c}__max") for c in numeric],
                  *[F.sort_array(F.collect_set(c)).alias(f"{c}__values") for c in categorical])


def plan_from_bounds(row: Mapping[str, Any], *, numeric: Sequence[str], categorical: Sequence[str], bins: int,
                     **settings: Any) -> ProfilePlan:
    """A plan binning each numeric column on `bins` equal-width bins between its reference minimum and maximum."""
    from iris_mlops.monitoring.summary import reference_edges

    def bound(name: str, default: float) -> float:
        return float(row[name]) if row[name] is not None else default

    edges = {c: reference_edges(bound(f"{c}__min", 0.0), bound(f"{c}__max", 1.0), bins=bins) for c in numeric}
    categories = {c: tuple(str(v) for v in row[f"{c}__values"]) for c in categorical}
    return ProfilePlan(edges=edges, categories=categories, **settings)


def collect_values(df: DataFrame, columns: Sequence[str]) -> DataFrame:
    """One row with the sorted non-null values of each column (for small windows only)."""
    from pyspark.sql import functions as F  # noqa: N812

    return df.agg(*[F.sort_array(F.collect_list(c)).alias(c) for c in columns])


def read_profile(groups: Iterable[Mapping[str, Any]], plan: ProfilePlan,
                 values: Mapping[str, Sequence[float]] | None = None) -> WindowProfile:
    """Fold `profile_frame`'s groups into summaries (+ sorted values from `collect_values` when collected)."""
    by_column: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for group in groups:
        decoded = decode(int(group["k"]))
        by_column[decoded["c"]].append({**group, **decoded})
    rows = sum(int(g["n"]) for g in by_column[0])  # every row yields exactly one entry per profiled column
    ids = plan.ids()
    columns: dict[str, NumericSummary | CategoricalSummary] = {}
    for name, edges in plan.edges.items():
        columns[name] = _numeric_summary(by_column[ids[name]], edges, rows=rows, values=(values or {}).get(name))
    for name, known in plan.categories.items():
        columns[name] = _categorical_summary(by_column[ids[name]], known, rows=rows)
    outliers = {name: sum(int(g["n"]) for g in by_column[ids[name]] if g["o"]) for name in plan.species_moments}
    slices = {name: _slices(by_column[ids[name]], plan.species_values) for name in plan.sliced}
    confusion = _confusion(by_column[ids["__confusion"]], plan.classes)
    confidence = _moments(by_column[ids["__confidence"]])
    newest = max((g["high"] for g in by_column[ids["__latest"]] if g["high"] is not None), default=None)
    latest = None if newest is None else datetime.fromtimestamp(float(newest), tz=timezone.utc)
    return WindowProfile(rows, columns, outliers, latest, slices, confusion, confidence[1], confidence[0])


def _numeric_summary(groups: list[Mapping[str, Any]], edges: tuple[float, ...], *, rows: int,
                     values: Sequence[float] | None) -> NumericSummary:
    counts = [0] * (len(edges) + 1)
    tails = [0.0, 0.0]
    for g in groups:
        if int(g["b"]) >= 0:
            counts[int(g["b"])] += int(g["n"])
        if int(g["b"]) in (0, len(edges)):
            tails[0 if int(g["b"]) == 0 else 1] += float(g["total"] or 0.0)
    present, mean, std = _moments(groups)
    lows = [g["low"] for g in groups if g["low"] is not None]
    highs = [g["high"] for g in groups if g["high"] is not None]
    return NumericSummary(
        count=int(present), nulls=rows - int(present), mean=mean, std=std, minimum=min(lows, default=None),
        maximum=max(highs, default=None), edges=edges, counts=tuple(counts), tail_sums=(tails[0], tails[1]),
        values=tuple(float(v) for v in values) if values is not None else None,
        # above the exact limit, the number of non-empty bins stands for the number of distinct values
        distinct=len(set(values)) if values is not None else sum(1 for c in counts if c),
    )


def _categorical_summary(groups: list[Mapping[str, Any]], known: Sequence[str], *, rows: int) -> CategoricalSummary:
    names = (*known, OTHER)
    counts = dict.fromkeys(known, 0)
    for g in groups:
        if int(g["b"]) >= 0:
            counts[names[int(g["b"])]] = counts.get(names[int(g["b"])], 0) + int(g["n"])
    present = sum(counts.values())
    return CategoricalSummary(present, rows - present, counts)


def _moments(groups: Iterable[Mapping[str, Any]]) -> tuple[int, float | None, float | None]:
    """(count, mean, population std) of the values summed over `groups`."""
    present = total = squares = 0.0
    for g in groups:
        present += int(g["present"])
        total += float(g["total"] or 0.0)
        squares += float(g["squares"] or 0.0)
    if not present:
        return 0, None, None
    mean = total / present
    return int(present), mean, math.sqrt(max(squares / present - mean * mean, 0.0))


def _slices(groups: list[Mapping[str, Any]], species: Sequence[str]) -> dict[str, tuple[float | None, float | None]]:
    out = {}
    for index, name in enumerate(species):
        _, mean, std = _moments(g for g in groups if int(g["s"]) == index)
        out[name] = (mean, std)
    return out


def _confusion(groups: list[Mapping[str, Any]], classes: Sequence[str]) -> dict[tuple[str, str], int]:
    n = len(classes)
    counts = {(a, b): 0 for a in classes for b in classes}
    for g in groups:
        if int(g["b"]) >= 0:
            pair = (classes[int(g["b"]) // n], classes[int(g["b"]) % n])
            counts[pair] += int(g["n"])
    return counts if classes else {}
