"""The monitor in table mode: champion reference, the new window, checks, then the three appends (run row last)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.monitoring.checks import WindowInputs, WindowResult, baseline_columns, evaluate_window
from iris_mlops.monitoring.history import TrendPoint, performance_trend
from iris_mlops.monitoring.profile import WindowProfile
from iris_mlops.monitoring.records import WindowInfo, drift_rows, profile_rows, run_row
from iris_mlops.monitoring.reference import PREDICTED, ReferenceProfile
from iris_mlops.tasks.monitor import MonitorResult, _margin, deliver_findings, now_utc, to_result
from iris_mlops.tasks.monitor_io import (
    Champion,
    MonitorInputError,
    champion_reference,
    current_window,
    past_runs,
    previous_profile,
    resolve_champion,
)
from iris_mlops.tasks.monitor_profiles import profile_window

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.tasks.context import TaskContext

TREND_RUNS = 30  # past runs shown in the report's performance trend
PROBABILITIES = ("probability_setosa", "probability_versicolor", "probability_virginica")


def monitor_tables(ctx: TaskContext, *, since: datetime | None, batches: list[str] | None,
                   fail_on: list[str]) -> MonitorResult:
    """Resolve the champion and its reference, profile the window, check, record; SKIPPED when it is empty."""
    champion = resolve_champion(ctx)  # no champion: one line, exit 2, before anything is read or written
    history = past_runs(ctx)
    frame, info, silver_version = current_window(ctx, batches=batches, since=since, seen=history.batches)
    if not info.batches:
        return _skipped(ctx, info, champion, "no new silver batch since the last monitor run", fail_on)
    reference = champion_reference(ctx, champion)
    config = ctx.settings.monitoring
    plan = reference.plan_for_window(outlier_z=config.outlier_z, latest_column="ingested_at")
    window = _with_predictions(ctx, profile_window(frame, plan, exact_limit=config.exact_row_limit), reference, info)
    previous = previous_profile(ctx, history.last_window_id if history.last_window_id != info.window_id else None)
    result = evaluate_window(
        WindowInputs(reference=reference, current=window, previous=previous, baseline_metrics=champion.metrics,
                     past_degraded=history.degraded, past_rows=history.rows, now=now_utc()),
        config=config, margin=_margin(ctx))
    trend = performance_trend(history.records, model_name=champion.name, limit=TREND_RUNS)
    path, page = _report(ctx, result, reference, window, info, trend)
    report = None if path is None else str(path)
    record = partial(_record, ctx, result, window, info, champion=champion, reference=reference,
                     silver_version=silver_version, previous=(history.last_window_id, previous), report=report)
    write_after(record, path, page)
    ctx.echo(f"{result.status}: window {info.window_id} ({window.rows} rows, {len(info.batches)} batch(es)); "
             f"{len(result.drift.drifted_columns)} drifted column(s), {len(result.findings)} finding(s)")
    deliver_findings(ctx, result, subject=f"{champion.name} v{champion.version}, window {info.window_id}",
                     report=report, fail_on=fail_on)
    return to_result(result, ctx=ctx, mode="tables", rows=window.rows, window=_window_dict(info), fail_on=fail_on,
                     model_version=champion.version, report=report)


def _window_dict(info: WindowInfo) -> dict[str, Any]:
    return {"window_id": info.window_id, "start": info.start, "end": info.end, "batches": list(info.batches),
            "source": info.source}


def _skipped(ctx: TaskContext, info: WindowInfo, champion: Champion, reason: str, fail_on: list[str]) -> MonitorResult:
    from iris_mlops import schemas

    ctx.echo(f"SKIPPED: {reason}")
    row = run_row(run_id=ctx.run_id, window=info, rows=0, status="SKIPPED", created_at=now_utc(), reason=reason,
                  model_name=champion.name, model_version=champion.version, source_table=ctx.settings.table("silver"))
    ctx.store.append_records(ctx.settings.table("monitor_runs"), [row], schema=schemas.MONITOR_RUNS_SCHEMA,
                             run_id=ctx.run_id)
    return MonitorResult("SKIPPED", ctx.run_id, "tables", 0, _window_dict(info), reason=reason,
                         model_version=champion.version, fail_on=fail_on)


def _with_predictions(ctx: TaskContext, window: WindowProfile, reference: ReferenceProfile,
                      info: WindowInfo) -> WindowProfile:
    """Add the predicted classes, confusion counts and mean top probability of the window's scored rows."""
    from dataclasses import replace

    from pyspark.sql import functions as F  # noqa: N812

    name = ctx.settings.table("predictions")
    if not ctx.store.exists(name):
        return window
    scored: DataFrame = ctx.store.read(name).filter(F.col("batch_id").isin(list(info.batches)))
    if PREDICTED not in scored.columns:
        raise MonitorInputError(f"table {name} has no column {PREDICTED}: it does not follow the predictions contract")
    plan = replace(reference.plan_for_window(predicted_column=PREDICTED, probability_columns=PROBABILITIES),
                   edges={}, sliced=(), species_moments={})
    predictions = profile_window(scored, plan, exact_limit=0, prepared=True)
    if predictions.rows == 0:
        return window
    columns = {**window.columns, PREDICTED: predictions.columns[PREDICTED]}
    return replace(window, columns=columns, confusion=predictions.confusion,
                   expected_accuracy=predictions.expected_accuracy, scored_rows=predictions.scored_rows)


def _report(ctx: TaskContext, result: WindowResult, reference: ReferenceProfile, window: WindowProfile,
            info: WindowInfo, trend: list[TrendPoint]) -> tuple[Path | None, str]:
    """The report's path and page, rendered before the appends and written only after them."""
    if not ctx.settings.monitoring.report:
        return None, ""
    from iris_mlops.monitoring.report import render_report

    path = ctx.settings.reports_dir / "monitoring" / f"{ctx.run_id}-{info.window_id}.html"
    page = render_report(result, reference=reference, current=window, title=f"Monitor run {ctx.run_id}",
                         history=trend)
    return path, page


def write_after(record: Callable[[], None], path: Path | None, page: str) -> None:
    """Run `record` (the table appends), then write the page: a failed append leaves no page behind."""
    record()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(page, encoding="utf-8")
    except BaseException:
        path.unlink(missing_ok=True)  # a page cut short is worse than none: the run row names where it would be
        raise


def _record(ctx: TaskContext, result: WindowResult, window: WindowProfile, info: WindowInfo, *, champion: Champion,
            reference: ReferenceProfile, silver_version: int | None,
            previous: tuple[str | None, WindowProfile | None], report: str | None) -> None:
    from iris_mlops import schemas

    names = {k: ctx.settings.table(k) for k in ("monitor_profile_metrics", "monitor_drift_metrics", "monitor_runs")}
    version = champion.version
    ctx.store.append_records(names["monitor_profile_metrics"],
                             profile_rows(window, info, log_type="INPUT", model_version=version, run_id=ctx.run_id),
                             schema=schemas.MONITOR_PROFILE_METRICS_SCHEMA, run_id=ctx.run_id)
    previous_id, previous_profile = previous
    drift = drift_rows(result.drift, info, compared=None, drift_type="BASELINE", model_version=version,
                       run_id=ctx.run_id, baseline=baseline_columns(reference.profile.columns, window.columns),
                       current=window.columns)
    if result.consecutive is not None and previous_profile is not None:
        compared = WindowInfo(previous_id or "", None, None)
        drift += drift_rows(result.consecutive, info, compared=compared, drift_type="CONSECUTIVE",
                            model_version=version, run_id=ctx.run_id, baseline=previous_profile.columns,
                            current=window.columns)
    ctx.store.append_records(names["monitor_drift_metrics"], drift, schema=schemas.MONITOR_DRIFT_METRICS_SCHEMA,
                             run_id=ctx.run_id)
    row = run_row(run_id=ctx.run_id, window=info, rows=window.rows, status=result.status, created_at=now_utc(),
                  result=result, model_name=champion.name, model_version=version, reference=reference.source,
                  source_table=ctx.settings.table("silver"), source_version=silver_version, report_location=report)
    ctx.store.append_records(names["monitor_runs"], [row], schema=schemas.MONITOR_RUNS_SCHEMA, run_id=ctx.run_id)
