"""Spark-native window profiles: every count, moment, histogram and outlier count of a window in one Spark job.

`profile_frame` is a pure transform returning the union of a few aggregations (one Spark job, whose scans
run side by side), each row `(part, k, v)`; `profile_layout` says where each statistic sits:

- part 0, the histograms: each row yields one key per pair of numeric columns (their two bins on the
  reference's edges: numpy's histogram rule, plus one open bin on each side; key = pair × slots² + the two
  bins, small consecutive BIGINTs); one UNPIVOT (Expand) and one `groupBy(k).count()` over a few thousand keys.
  v = [rows].
- part 1, over all rows (k = -1), at most `MAX_FIELDS` aggregates: rows; per numeric column non-null count,
  sum, sum of squares, min, max; the mean top probability (CBPE); the latest timestamp.
- parts 2.., grouped by the joint category key (k: each categorical column's value index, mixed radix):
  rows per group (category and confusion counts), the tail sums below / above the edges (tail centroids),
  |z| > `outlier_z` counts against the reference moments of the row's species, and count, sum and sum of
  squares of the sliced measurements (per-species moments: the groups of each species summed).

Nulls are binned as -infinity (bin 0; non-null inputs keep the generated code small) and taken back out of
bin 0 with the column's null count; NaN is binned as +infinity (bin k + 1: Spark orders NaN above every number).
The task collects the rows and `read_profile` folds them into summaries.
Sorted values for the exact tests come from a second query, `collect_values`, run only for small windows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.monitoring.profile_layout import JOINT, SPECIES_INDEX, Key, Layout, fold, layout, species_sql
from iris_mlops.monitoring.profile_sql import bin_sql, edge_params, filled, guess_sql, ident
from iris_mlops.monitoring.summary import CategoricalSummary, NumericSummary

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

OTHER = "__other__"  # values the reference never had
SIDE = ("lo", "st", "be", "la")  # the edge literals of one side of a histogram pair (profile_sql.edge_params)


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


def profile_frame(df: DataFrame, plan: ProfilePlan) -> DataFrame:
    """The rows (part, k, v) `read_profile` folds: histogram keys with their counts, then the global aggregates."""
    from pyspark.sql import functions as F  # noqa: N812

    shape = layout(plan)
    parts = [_histograms(df, plan, shape)]
    prepared = df.selectExpr("*", f"{species_sql(plan)} AS {SPECIES_INDEX}", f"{shape.joint_sql()} AS {JOINT}")
    for index, (grouped, chunk) in enumerate(shape.parts, start=1):
        values = ", ".join(f"CAST(a{i} AS DOUBLE)" for i in range(len(chunk)))
        aggregates = [F.expr(f"{sql} AS a{i}") for i, (_, sql) in enumerate(chunk)]
        frame = prepared.groupBy(JOINT).agg(*aggregates) if grouped else prepared.agg(*aggregates)
        parts.append(frame.selectExpr(f"{index} AS part", f"{JOINT} AS k" if grouped else "-1 AS k",
                                      f"array({values}) AS v"))
    out = parts[0]
    for part in parts[1:]:
        out = out.unionAll(part)
    return out


def _histograms(df: DataFrame, plan: ProfilePlan, shape: Layout) -> DataFrame:
    """Part 0: one key per pair of numeric columns and row (their two bins), counted."""
    names = list(plan.edges)
    if not names:
        return df.limit(0).selectExpr("0 AS part", "-1 AS k", "array(0D) AS v")
    # Filled values, then the guesses in a projection of their own, then an UNPIVOT (an Expand: one row per pair,
    # no array per row) carrying each pair's values, guesses and edge literals, then ONE bin expression for every
    # pair, then a groupBy over a few thousand keys: each generated method stays small, whatever the column count.
    guessed = (df.selectExpr(*[f"{filled(ident(name))} AS __w{i}" for i, name in enumerate(names)])
               .selectExpr("*", *[f"{guess_sql(f'__w{i}', plan.edges[n])} AS __g{i}" for i, n in enumerate(names)]))
    constants, entries = [], []
    for p, (a, b) in enumerate(shape.pairs):
        constants.append(f"{p * shape.slots * shape.slots}D AS __o{p}")
        columns = [f"__o{p}"]
        for side, name in (("a", a), ("b", b or a)):  # an unpaired column is its own second (ignored when read)
            i = names.index(name)
            constants += [f"{value} AS __{field}{p}{side}" for field, value in zip(SIDE, edge_params(plan.edges[name]),
                                                                                  strict=True)]
            columns += [f"__w{i}", f"__g{i}", *(f"__{field}{p}{side}" for field in SIDE)]
        entries.append(f"({', '.join(columns)}) AS p{p}")
    out = ", ".join(["o", *(f"{f}{s}" for s in "ab" for f in ("w", "g", *SIDE))])
    spread = df.sparkSession.sql(f"SELECT {out} FROM {{frame}} UNPIVOT INCLUDE NULLS (({out}) FOR pair IN "
                                 f"({', '.join(entries)}))", frame=guessed.selectExpr("*", *constants))
    bins = [bin_sql(f"w{s}", f"g{s}", *(f"{f}{s}" for f in SIDE)) for s in "ab"]
    return (spread.selectExpr(f"floor(o + ({bins[0]}) * {shape.slots}D + ({bins[1]})) AS k").groupBy("k").count()
            .selectExpr("0 AS part", "CAST(k AS INT) AS k", "array(CAST(count AS DOUBLE)) AS v"))


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
    """Fold `profile_frame`'s rows into summaries (+ sorted values from `collect_values` when collected)."""
    shape = layout(plan)
    counts: dict[int, int] = {}
    by_group: dict[Key, dict[int, Any]] = defaultdict(dict)  # statistic -> joint category key (-1: all) -> value
    for group in groups:
        part, row = int(group["part"]), group["v"]
        if part == 0:
            counts[int(group["k"])] = int(row[0])
        else:
            for (key, _), value in zip(shape.parts[part - 1][1], row, strict=True):
                by_group[key][int(group["k"])] = value
    found = {key: fold(key, list(values.values())) for key, values in by_group.items()}
    rows = int(found.get(("rows",)) or 0)
    columns: dict[str, NumericSummary | CategoricalSummary] = {}
    binned = shape.bins(counts)
    for name, edges in plan.edges.items():
        bins = [binned[name].get(b, 0) for b in range(len(edges) + 1)]
        columns[name] = _numeric_summary(name, bins, found, edges, rows=rows, values=(values or {}).get(name))
    joint = {shape.split(k): int(n) for k, n in by_group[("group_rows",)].items()}
    for position, (name, known) in enumerate(plan.categories.items()):
        columns[name] = _categorical_summary(joint, position, known, rows=rows)
    outliers = {name: int(found.get(("outliers", name)) or 0) for name in plan.species_moments}
    slices = {name: {species: _mean_std(*(_species_total(by_group[(f"slice_{stat}", name)], shape, i)
                                          for stat in ("count", "sum", "squares")))
                     for i, species in enumerate(plan.species_values)} for name in plan.sliced}
    confusion = _confusion(joint, shape.confusion, plan.classes)
    scored = int(found.get(("confidence_count",)) or 0)
    expected = _mean_std(scored, found.get(("confidence_sum",)), None)[0]
    newest = found.get(("latest",))
    latest = None if newest is None else datetime.fromtimestamp(float(newest) / 1e6, tz=timezone.utc)
    return WindowProfile(rows, columns, outliers, latest, slices, confusion, expected, scored)


def _numeric_summary(name: str, bins: list[int], found: Mapping[Key, Any], edges: tuple[float, ...], *, rows: int,
                     values: Sequence[float] | None) -> NumericSummary:
    present = int(found.get(("count", name)) or 0)
    bins[0] -= rows - present  # nulls were binned as -infinity (bin 0)
    mean, std = _mean_std(present, found.get(("sum", name)), found.get(("squares", name)))
    return NumericSummary(
        count=present, nulls=rows - present, mean=mean, std=std, minimum=found.get(("min", name)),
        maximum=found.get(("max", name)), edges=edges, counts=tuple(bins),
        tail_sums=(float(found.get(("below", name)) or 0.0), float(found.get(("above", name)) or 0.0)),
        values=tuple(float(v) for v in values) if values is not None else None,
        # above the exact limit, the number of non-empty bins stands for the number of distinct values
        distinct=len(set(values)) if values is not None else sum(1 for c in bins if c),
    )


def _species_total(values: Mapping[int, Any], shape: Layout, species: int) -> float | None:
    """A sum over the category groups of one species (None when no group of it has a value)."""
    present = [v for k, v in values.items() if v is not None and shape.species_of(k) == species]
    return sum(present) if present else None


def _categorical_summary(joint: Mapping[tuple[int, ...], int], position: int, known: Sequence[str], *,
                         rows: int) -> CategoricalSummary:
    names = (*known, OTHER)
    counts = dict.fromkeys(known, 0)
    for digits, n in joint.items():
        if digits[position] >= 0:
            counts[names[digits[position]]] = counts.get(names[digits[position]], 0) + n
    present = sum(counts.values())
    return CategoricalSummary(present, rows - present, counts)


def _mean_std(count: Any, total: Any, squares: Any) -> tuple[float | None, float | None]:
    """(mean, population std) from a count, a sum and a sum of squares (std None without squares)."""
    present = int(count or 0)
    if not present:
        return None, None
    mean = float(total or 0.0) / present
    if squares is None:
        return mean, None
    return mean, math.sqrt(max(float(squares) / present - mean * mean, 0.0))


def _confusion(joint: Mapping[tuple[int, ...], int], digits: tuple[int, int] | None,
               classes: Sequence[str]) -> dict[tuple[str, str], int]:
    if digits is None or not classes:
        return {}
    n = len(classes)
    counts = {(a, b): 0 for a in classes for b in classes}
    for key, rows in joint.items():
        label, predicted = key[digits[0]], key[digits[1]]
        if 0 <= label < n and 0 <= predicted < n:
            counts[classes[label], classes[predicted]] += rows
    return counts
