"""The monitor in table mode: champion reference, the new window, checks, then the three appends (run row last)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from iris_mlops.monitoring.checks import WindowInputs, WindowResult, evaluate_window
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
    report = _report(ctx, result, reference, window, info)
    _record(ctx, result, window, info, champion=champion, reference=reference, silver_version=silver_version,
            previous_id=history.last_window_id, report=report)
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
            info: WindowInfo) -> str | None:
    if not ctx.settings.monitoring.report:
        return None
    from iris_mlops.monitoring.report import render_report

    folder = ctx.settings.reports_dir / "monitoring"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ctx.run_id}-{info.window_id}.html"
    path.write_text(render_report(result, reference=reference, current=window, title=f"Monitor run {ctx.run_id}",
                                  history=[]), encoding="utf-8")
    return str(path)


def _record(ctx: TaskContext, result: WindowResult, window: WindowProfile, info: WindowInfo, *, champion: Champion,
            reference: ReferenceProfile, silver_version: int | None, previous_id: str | None,
            report: str | None) -> None:
    from iris_mlops import schemas

    names = {k: ctx.settings.table(k) for k in ("monitor_profile_metrics", "monitor_drift_metrics", "monitor_runs")}
    version = champion.version
    ctx.store.append_records(names["monitor_profile_metrics"],
                             profile_rows(window, info, log_type="INPUT", model_version=version, run_id=ctx.run_id),
                             schema=schemas.MONITOR_PROFILE_METRICS_SCHEMA, run_id=ctx.run_id)
    drift = drift_rows(result.drift, info, compared=None, drift_type="BASELINE", model_version=version,
                       run_id=ctx.run_id)
    if result.consecutive is not None:
        compared = WindowInfo(previous_id or "", None, None)
        drift += drift_rows(result.consecutive, info, compared=compared, drift_type="CONSECUTIVE",
                            model_version=version, run_id=ctx.run_id)
    ctx.store.append_records(names["monitor_drift_metrics"], drift, schema=schemas.MONITOR_DRIFT_METRICS_SCHEMA,
                             run_id=ctx.run_id)
    row = run_row(run_id=ctx.run_id, window=info, rows=window.rows, status=result.status, created_at=now_utc(),
                  result=result, model_name=champion.name, model_version=version, reference=reference.source,
                  source_table=ctx.settings.table("silver"), source_version=silver_version, report_location=report)
    ctx.store.append_records(names["monitor_runs"], [row], schema=schemas.MONITOR_RUNS_SCHEMA, run_id=ctx.run_id)
