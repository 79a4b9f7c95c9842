"""The self-contained HTML monitoring report: overlays per column, the test table, performance, quality, volume."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from iris_mlops.config import MEASUREMENTS
from iris_mlops.monitoring.checks import WindowResult
from iris_mlops.monitoring.history import TrendPoint
from iris_mlops.monitoring.profile import WindowProfile
from iris_mlops.monitoring.reference import ReferenceProfile
from iris_mlops.monitoring.summary import CategoricalSummary, NumericSummary

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:1200px}table{border-collapse:collapse;
width:100%;table-layout:fixed;word-wrap:break-word}td,th{border:1px solid #ccc;padding:.3rem;font-size:.85rem}
.drift{background:#fde2e2}.grid{display:flex;flex-wrap:wrap;gap:.5rem}.grid img{max-width:100%;width:380px}
.status{font-size:1.4rem;font-weight:bold}"""


def render_report(result: WindowResult, *, reference: ReferenceProfile, current: WindowProfile, title: str,
                  history: Sequence[TrendPoint]) -> str:
    """One HTML page, every chart embedded as a base64 PNG (no network, no file beside it)."""
    sections = [
        f"<h1>{html.escape(title)}</h1><p class='status'>Status: {result.status}</p>"
        f"<p>Reference: {html.escape(reference.source)} ({reference.rows} rows); current window: {current.rows} rows."
        f" Dataset drift: {result.drift.dataset_drift} (share {result.drift.drift_share:.0%}, threshold "
        f"{result.drift.share_threshold:.0%}).</p>",
        _section("drift-tests", "Drift tests", _test_table(result)),
        _section("distributions", "Distributions: reference vs current", _overlays(reference, current)),
        _section("performance", "Performance", _performance(result, history)),
        _section("data-quality", "Data quality, volume and freshness", _findings(result)),
    ]
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>")


def _section(slug: str, title: str, body: str) -> str:
    return f"<section id='{slug}'><h2>{html.escape(title)}</h2>{body}</section>"


def _test_table(result: WindowResult) -> str:
    rows = []
    for c in result.drift.columns:
        score = "n/a" if c.score is None else f"{c.score:.4g}"
        noise = "" if c.noise_threshold is None else f"{c.noise_threshold:.4g}"
        cls = " class='drift'" if c.drifted else ""
        rows.append(f"<tr{cls}><td>{html.escape(c.column)}</td><td>{c.test}</td><td>{score}</td>"
                    f"<td>{c.threshold:g}</td><td>{noise}</td><td>{c.drifted}</td><td>{c.counted}</td>"
                    f"<td>{html.escape(c.note or '')}</td></tr>")
    head = ("<tr><th>column</th><th>test</th><th>score</th><th>threshold</th><th>noise (statistic)</th>"
            "<th>drifted</th><th>in share</th><th>note</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _overlays(reference: ReferenceProfile, current: WindowProfile) -> str:
    from matplotlib.figure import Figure

    images = []
    for name in (*MEASUREMENTS, "species", "predicted_species"):
        ref = reference.profile.columns.get("species" if name == "predicted_species" else name)
        cur = current.columns.get(name)
        if ref is None or cur is None:
            continue
        figure = Figure(figsize=(4.2, 2.8))
        axes = figure.subplots()
        _draw(axes, ref, cur)
        axes.set_title(name)
        axes.legend(fontsize=7)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        images.append(f"<img alt='{name}' src='data:image/png;base64,{encoded}'>")
    return f"<div class='grid'>{''.join(images)}</div>"


def _draw(axes: Any, ref: NumericSummary | CategoricalSummary, cur: NumericSummary | CategoricalSummary) -> None:
    if isinstance(ref, NumericSummary) and isinstance(cur, NumericSummary):
        edges = np.asarray(ref.edges)
        centres = (edges[:-1] + edges[1:]) / 2
        width = edges[1] - edges[0]
        for summary, label, alpha in ((ref, "reference", 0.5), (cur, "current", 0.5)):
            counts = np.asarray(summary.counts[1:-1], dtype=float)
            total = max(summary.count, 1)
            axes.bar(centres, counts / total, width=width, alpha=alpha, label=label)
        return
    if isinstance(ref, CategoricalSummary) and isinstance(cur, CategoricalSummary):
        keys = sorted(set(ref.counts) | set(cur.counts))
        x = np.arange(len(keys))
        axes.bar(x - 0.2, [ref.counts.get(k, 0) / max(ref.count, 1) for k in keys], 0.4, label="reference")
        axes.bar(x + 0.2, [cur.counts.get(k, 0) / max(cur.count, 1) for k in keys], 0.4, label="current")
        axes.set_xticks(x, keys, fontsize=7)


def _performance(result: WindowResult, history: Sequence[TrendPoint]) -> str:
    parts = []
    if result.performance is not None:
        rows = "".join(f"<tr><td>{d.metric}</td><td>{d.candidate_score:.4f}</td><td>"
                       f"{'' if d.reference_score is None else f'{d.reference_score:.4f}'}</td><td>{d.passed}</td></tr>"
                       for d in result.performance.decisions)
        parts.append("<table><tr><th>metric</th><th>window</th><th>champion hold-out</th><th>within margin</th></tr>"
                     f"{rows}</table>")
    else:
        parts.append("<p>No labelled predictions in this window.</p>")
    if result.expected_accuracy is not None:
        parts.append(f"<p>Label-free expected accuracy (CBPE): {result.expected_accuracy:.4f}</p>")
    parts.append(_trend(result, history))
    return "".join(parts)


TREND_HEADER = ("run", "time", "model version", "status", "rows", "drift share", "accuracy", "F1 macro",
                "expected accuracy")


def _trend(result: WindowResult, history: Sequence[TrendPoint]) -> str:
    """Past runs of the same model, oldest first, then this run."""
    metrics = result.performance.metrics if result.performance else {}
    rows: list[tuple[Any, ...]] = [(p.run_id, p.created_at[:19], p.model_version, p.status, p.rows, p.drift_share,
                                    p.accuracy, p.f1_macro, p.expected_accuracy) for p in history]
    rows.append(("this run", "", "", result.status, result.performance.rows if result.performance else "",
                 result.drift.drift_share, metrics.get("accuracy"), metrics.get("f1_macro"), result.expected_accuracy))
    head = "".join(f"<th>{h}</th>" for h in TREND_HEADER)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    note = "" if history else "<p>No earlier run of this model.</p>"
    return f"<h3 id='trend'>Trend over past runs</h3>{note}<table class='trend'><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else f"{value:.4f}"
    return html.escape(str(value))


def _findings(result: WindowResult) -> str:
    if not result.findings:
        return "<p>No finding.</p>"
    rows = "".join(f"<tr><td>{f.severity.value}</td><td>{f.kind}</td><td>{html.escape(f.subject)}</td>"
                   f"<td>{html.escape(f.message)}</td></tr>" for f in result.findings)
    return f"<table><tr><th>severity</th><th>kind</th><th>subject</th><th>message</th></tr>{rows}</table>"
