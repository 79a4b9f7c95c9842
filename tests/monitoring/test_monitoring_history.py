"""The report's performance trend, the drift table's deltas, and the page written only after the appends."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from iris_mlops.config import MEASUREMENTS, MonitoringConfig
from iris_mlops.monitoring.drift import compare_windows
from iris_mlops.monitoring.history import TrendPoint, column_deltas, performance_trend
from iris_mlops.monitoring.records import WindowInfo, drift_rows
from iris_mlops.monitoring.simulate import simulate_batch
from iris_mlops.monitoring.summary import ColumnSummary, summarise_categorical, summarise_numeric
from iris_mlops.tasks.monitor_run import write_after


def _summaries(frame: pd.DataFrame) -> dict[str, ColumnSummary]:
    out: dict[str, ColumnSummary] = {m: summarise_numeric(frame[m].to_numpy(dtype=float)) for m in MEASUREMENTS}
    out["species"] = summarise_categorical(frame["species"].tolist())
    return out


def _run(run_id: str, day: int, *, model: str = "iris", status: str = "OK", accuracy: float | None = 0.9) -> dict:  # type: ignore[type-arg]
    performance = None if accuracy is None else json.dumps(
        {"metrics": {"accuracy": accuracy, "f1_macro": accuracy - 0.01}, "expected_accuracy": 0.93})
    return {"run_id": run_id, "created_at": datetime(2026, 11, day, tzinfo=timezone.utc), "model_name": model,
            "model_version": "3", "status": status, "rows": 150, "drift_share": 0.2, "performance": performance}


def test_performance_trend_keeps_the_models_runs_oldest_first_within_the_limit() -> None:
    runs = [_run("r3", 3, accuracy=0.8), _run("r1", 1), _run("r2", 2, accuracy=None), _run("rs", 4, status="SKIPPED"),
            _run("other", 5, model="other"), _run("r0", 1, accuracy=0.95)]
    runs[-1]["created_at"] = datetime(2026, 10, 1, tzinfo=timezone.utc)  # the oldest: beyond the limit
    trend = performance_trend(runs, model_name="iris", limit=3)
    assert [p.run_id for p in trend] == ["r1", "r2", "r3"]
    assert trend[-1].accuracy == 0.8 and trend[-1].f1_macro == pytest.approx(0.79)
    assert trend[-1].expected_accuracy == 0.93 and trend[-2].accuracy is None
    assert performance_trend(runs, model_name="nobody", limit=3) == []


def test_column_deltas_are_current_minus_baseline_count_mean_and_null_share() -> None:
    baseline = summarise_numeric(pd.Series([1.0, 2.0, 3.0, 4.0]).to_numpy())
    current = summarise_numeric(pd.Series([2.0, 4.0, None, None, 6.0]).to_numpy(dtype=float))
    deltas = column_deltas(baseline, current)
    assert deltas["count_delta"] == -1.0 and deltas["avg_delta"] == pytest.approx(4.0 - 2.5)
    assert deltas["percent_null_delta"] == pytest.approx(40.0)
    labels = column_deltas(summarise_categorical(["a", "b"]), summarise_categorical(["a", "a", "b", None]))
    assert labels == {"count_delta": 1.0, "avg_delta": None, "percent_null_delta": pytest.approx(25.0)}
    assert column_deltas(None, current)["count_delta"] is None


def test_drift_rows_fill_count_and_avg_delta_against_the_baseline() -> None:
    reference, current = simulate_batch("none", seed=1), simulate_batch("mean-shift", column="petal_length",
                                                                        severity=1.0, seed=2, rows=120)
    ref, cur = _summaries(reference), _summaries(current)
    report = compare_windows(ref, cur, reference_rows=len(reference), config=MonitoringConfig())
    rows = {r["column_name"]: r for r in drift_rows(report, WindowInfo("w1", None, None), compared=None,
                                                    drift_type="BASELINE", model_version="3", run_id="r",
                                                    baseline=ref, current=cur)}
    for name in MEASUREMENTS:
        assert rows[name]["count_delta"] == -30.0
        assert rows[name]["avg_delta"] == pytest.approx(current[name].mean() - reference[name].mean())
    assert rows["petal_length"]["avg_delta"] > 1.0
    assert rows["species"]["count_delta"] == -30.0 and rows["species"]["avg_delta"] is None


def test_report_shows_the_trend_of_past_runs_and_this_run(spark) -> None:  # type: ignore[no-untyped-def]
    from iris_mlops.monitoring.checks import WindowInputs, evaluate_window
    from iris_mlops.monitoring.report import render_report
    from iris_mlops.tasks.monitor_profiles import build_reference, profile_window

    config = MonitoringConfig()
    reference = build_reference(spark.createDataFrame(simulate_batch("none", seed=1)), config=config, source="t")
    window = profile_window(spark.createDataFrame(simulate_batch("scale", seed=2)), reference.plan_for_window(),
                            exact_limit=1000)
    result = evaluate_window(WindowInputs(reference=reference, current=window), config=config, margin=0.05)
    past = [TrendPoint("run-a", "2026-11-27 06:00:00", "2", "OK", 150, 0.0, 0.9667, 0.9666, 0.95),
            TrendPoint("run-b", "2026-11-28 06:00:00", "3", "WARN", 140, 0.2, 0.9123, 0.9001, None)]
    page = render_report(result, reference=reference, current=window, title="t", history=past)
    trend = page.split("id='trend'")[1]
    assert trend.index("run-a") < trend.index("run-b") < trend.index("this run")
    assert "0.9667" in trend and "0.9123" in trend and "WARN" in trend
    empty = render_report(result, reference=reference, current=window, title="t", history=[])
    assert "No earlier run of this model" in empty and "this run" in empty


def test_write_after_writes_the_page_only_when_the_appends_succeed(tmp_path: Path) -> None:
    page = tmp_path / "monitoring" / "r1.html"

    def failing() -> None:
        raise RuntimeError("append failed")

    with pytest.raises(RuntimeError):
        write_after(failing, page, "<html></html>")
    assert not page.exists()
    calls: list[str] = []
    write_after(lambda: calls.append("appended"), page, "<html></html>")
    assert calls == ["appended"] and page.read_text(encoding="utf-8") == "<html></html>"
    write_after(lambda: None, None, "")  # no report configured: nothing to write
