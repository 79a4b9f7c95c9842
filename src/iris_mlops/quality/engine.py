"""The one-pass engine: a suite's row-level and aggregate expectations in ONE aggregation.

Phases: the schema (no Spark job); one `agg` for every row-level, aggregate, grouped and own-side
cross-table metric; at most one more pass shared by the checks that need a shuffle; the other tables'
small aggregates; and, only for failed row-level expectations, a bounded sample of failing rows.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from iris_mlops.quality import evaluate as ev
from iris_mlops.quality import plan as pl
from iris_mlops.quality.cross import OtherReader, cross_result
from iris_mlops.quality.jobs import PhaseMeter
from iris_mlops.quality.results import ExpectationResult, SuiteResult
from iris_mlops.quality.samples import duplicate_values, failing_rows
from iris_mlops.quality.shuffle import shuffle_counts
from iris_mlops.quality.suite import NUMERIC_TYPES, Expectation, Suite
from iris_mlops.timing import Timings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def validate(
    df: DataFrame,
    suite: Suite,
    *,
    table: str,
    run_id: str,
    table_version: int | None = None,
    sample_size: int = 20,
    read_other: OtherReader | None = None,
) -> SuiteResult:
    """Validate `df` against `suite`; never raises for failed expectations (see gate.audit for that)."""
    started, total = datetime.now(timezone.utc), Timings()
    meter = PhaseMeter(df.sparkSession)
    with total.phase("total"):
        results = _validate(df, suite, meter, sample_size=sample_size, read_other=read_other)
    return SuiteResult(
        run_id=run_id, suite=suite.name, suite_version=suite.version, table=table, table_version=table_version,
        success=all(r.success or r.severity == "warn" for r in results), started_at=started,
        finished_at=datetime.now(timezone.utc), timings={**meter.timings, "total": round(total.phases["total"], 4)},
        spark_jobs=meter.jobs, results=results,
    )


def _validate(
    df: DataFrame, suite: Suite, meter: PhaseMeter, *, sample_size: int, read_other: OtherReader | None
) -> list[ExpectationResult]:
    """Every phase: schema, one aggregate pass, shuffles, samples; results in suite order."""
    outcomes, runnable = _schema_phase(df, suite)
    single = [e for e in runnable if e.spec.kind != "shuffle"]
    outcomes.update(_aggregate_phase(df, single, read_other, meter))
    shuffled = [e for e in runnable if e.spec.kind == "shuffle"]
    if shuffled:
        with meter.phase("shuffle"):
            outcomes.update(_shuffle_pass(df, shuffled, cap=max(sample_size, 1)))
    with meter.phase("samples"):
        outcomes = _with_samples(df, suite, outcomes, sample_size)
    return [outcomes[e.index] for e in suite.expectations]


def _schema_phase(df: DataFrame, suite: Suite) -> tuple[dict[int, ExpectationResult], list[Expectation]]:
    """Schema expectations answered from df.schema (no job); the rest, unless a column they name is missing."""
    types = {f.name: type(f.dataType).__name__ for f in df.schema.fields}
    outcomes: dict[int, ExpectationResult] = {}
    runnable: list[Expectation] = []
    for e in suite.expectations:
        missing = [c for c in e.kwargs.columns() if c not in types]
        if e.spec.kind == "schema":
            outcomes[e.index] = ev.schema_result(e, types)
        elif missing:
            outcomes[e.index] = ev.failed_with(e, f"column {missing[0]!r} not found")
        elif _needs_numbers(e, types):  # GX errors here too; Spark would compare strings and pass
            found = types[e.column or ""]
            outcomes[e.index] = ev.failed_with(
                e, f"column {e.column!r} is {found}, not numeric: {e.type} needs numbers (or parse_as: double)")
        else:
            runnable.append(e)
    return outcomes, runnable


def _needs_numbers(e: Expectation, types: dict[str, str]) -> bool:
    """A numeric expectation on a column the DataFrame does not hold as numbers (checked on the data, not the suite)."""
    if not e.spec.numeric or getattr(e.kwargs, "parse_as", None) is not None or not e.column:
        return False
    return types.get(e.column) not in NUMERIC_TYPES


def _aggregate_phase(df: DataFrame, single: list[Expectation], read_other: OtherReader | None,
                     meter: PhaseMeter) -> dict[int, ExpectationResult]:
    """The one scan, then the cross-table checks that compare its figures with other tables' aggregates."""
    with meter.phase("aggregate"):
        try:
            keys, metrics = _one_pass(df, single)
            failed: dict[int, ExpectationResult] = {}
        except Exception:  # e.g. an ANSI cast error: find the expectation(s) that raise, keep the others
            keys, metrics, failed = _one_by_one(df, single)
    single = [e for e in single if e.index not in failed]
    outcomes = {e.index: _from_metrics(e, keys[e.index], metrics) for e in single if e.spec.kind != "cross"}
    outcomes.update(failed)
    crossed = [e for e in single if e.spec.kind == "cross"]
    if crossed:
        with meter.phase("cross"):
            for e in crossed:
                outcomes[e.index] = cross_result(e, {n: metrics[k] for n, k in keys[e.index].items()}, read_other)
    return outcomes


def _one_by_one(
    df: DataFrame, expectations: list[Expectation]
) -> tuple[dict[int, Any], dict[str, Any], dict[int, ExpectationResult]]:
    """The fallback when the combined query raises: one query per expectation; each failure alone, with its error."""
    keys: dict[int, Any] = {}
    metrics: dict[str, Any] = {}
    failed: dict[int, ExpectationResult] = {}
    for e in expectations:
        try:
            found_keys, found = _one_pass(df, [e])
        except Exception as exc:  # Spark cannot evaluate this one (a value that does not convert, …)
            failed[e.index] = ev.failed_with(e, f"Spark could not evaluate it: {_first_line(exc)}")
            continue
        keys.update(found_keys)
        metrics.update(found)
    return keys, metrics, failed


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def _one_pass(df: DataFrame, expectations: list[Expectation]) -> tuple[dict[int, Any], dict[str, Any]]:
    """Every metric of every expectation as one `agg` over `df`: one scan."""
    plan = pl.AggregatePlan()
    adders = {"map": pl.add_map, "aggregate": pl.add_aggregate, "table": pl.add_table,
              "grouped": pl.add_grouped, "cross": pl.add_cross}
    keys = {e.index: adders[e.spec.kind](plan, e) for e in expectations}
    if not plan.exprs:
        return keys, {}
    return keys, plan.read(df.selectExpr(*plan.columns()).collect()[0])


def _from_metrics(e: Expectation, key: Any, metrics: dict[str, Any]) -> ExpectationResult:
    kind = e.spec.kind
    if kind == "map":
        nonnull = metrics[key["nonnull"]] if "nonnull" in key else None
        return ev.map_result(e, element_count=int(metrics[key["element"]]), nonnull_count=nonnull,
                             unexpected_count=int(metrics[key["unexpected"]]))
    if kind == "grouped":
        return ev.grouped_result(e, {group: int(metrics[k]) for group, k in key.items()})
    value = metrics[key]
    if e.type == "expect_table_row_count_to_equal":
        return ev.result(e, success=value == e.kwargs.value, observed_value=value)  # type: ignore[attr-defined]
    return ev.value_result(e, value)


def _shuffle_pass(df: DataFrame, expectations: list[Expectation], *, cap: int) -> dict[int, ExpectationResult]:
    counts = shuffle_counts(df, expectations, cap=cap)
    out: dict[int, ExpectationResult] = {}
    for e in expectations:
        c = counts[e.index]
        if e.type == "expect_column_values_to_be_unique":
            out[e.index] = ev.unique_result(e, element_count=c.element_count, nonnull_count=c.nonnull_count,
                                            duplicated_rows=c.duplicated_rows)
        elif e.type == "expect_column_distinct_values_to_equal_set":
            out[e.index] = ev.distinct_set_result(e, observed=list(c.values), not_in_set=c.not_in_set,
                                                  in_set=c.in_set, unexpected_values=list(c.unexpected_values))
        else:
            out[e.index] = ev.value_result(e, ev.proportion_unique(c.distinct_count, c.nonnull_count))
    return out


def _with_samples(df: DataFrame, suite: Suite, outcomes: dict[int, ExpectationResult],
                  size: int) -> dict[int, ExpectationResult]:
    """Attach failing rows (and their values) to failed row-level expectations only."""
    by_index = {e.index: e for e in suite.expectations}
    failed = {
        i: (by_index[i], r.unexpected_count or 0)
        for i, r in outcomes.items()
        if not r.success and by_index[i].spec.kind == "map" and r.exception is None and r.unexpected_count
    }
    samples = failing_rows(df, failed, size=size)
    for i, rows in samples.items():
        column = by_index[i].column or ""
        outcomes[i] = outcomes[i].model_copy(
            update={"failing_rows": rows, "unexpected_sample": [row.get(column) for row in rows]}
        )
    for i, r in outcomes.items():
        if not r.success and r.expectation_type == "expect_column_values_to_be_unique" and r.unexpected_count:
            values = duplicate_values(df, r.column or "", size=size)
            outcomes[i] = r.model_copy(update={"unexpected_sample": values})
    return outcomes
