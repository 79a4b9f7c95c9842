"""One self-contained HTML report per run: no external assets, no JavaScript."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iris_mlops.quality.results import ExpectationResult, SuiteResult, jsonable

STYLE = """
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;
color:#222}h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f4f4}
.passed{color:#1a7f37;font-weight:600}.failed{color:#cf222e;font-weight:600}.warned{color:#9a6700;font-weight:600}
code{font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}details{margin:.2rem 0}
.meta{color:#666;font-size:.85rem;overflow-wrap:anywhere}.rows{overflow-x:auto;max-width:100%}
"""
# Fixed widths (table-layout: fixed) so that long values wrap inside their cell instead of widening the page.
SECTION_COLUMNS = (("status", 7), ("severity", 7), ("expectation", 16), ("column", 9), ("expected", 16),
                   ("observed", 16), ("unexpected", 8), ("sample of failing rows", 21))


def render(results: Sequence[SuiteResult], *, title: str) -> str:
    """The report as one HTML document."""
    sections = "\n".join(_section(r) for r in results)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1>{_overview(results)}{sections}</body></html>"
    )


def write_report(folder: Path, run_id: str, results: Sequence[SuiteResult]) -> Path:
    """Write the report for one run; the file name carries the run id and the tables."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = "-".join(r.table.split(".")[-1] for r in results) or "empty"
    path = folder / f"{run_id}-{tables}.html"
    path.write_text(render(results, title=f"Data quality — run {run_id}"), encoding="utf-8")
    return path


def latest_report(folder: Path) -> Path | None:
    """The most recently written report, or None."""
    reports = sorted(folder.glob("*.html"), key=lambda p: (p.stat().st_mtime, p.name))
    return reports[-1] if reports else None


def _overview(results: Sequence[SuiteResult]) -> str:
    rows = "".join(
        f"<tr><td>{_e(r.table)}</td><td>{_e(r.table_version)}</td><td>{_e(r.suite)}@{_e(r.suite_version)}</td>"
        f"<td class='{r.status}'>{r.status}</td><td>{len(r.results) - len(r.failed)}/{len(r.results)}</td>"
        f"<td>{len(r.errors)}</td><td>{len(r.warnings)}</td><td>{r.timings.get('total', 0):.2f}s</td>"
        f"<td>{sum(r.spark_jobs.values()) if r.spark_jobs else '—'}</td></tr>"
        for r in results
    )
    head = "<tr><th>table</th><th>version</th><th>suite</th><th>status</th><th>passed</th><th>errors</th>" \
           "<th>warnings</th><th>time</th><th>Spark jobs</th></tr>"
    return f"<table>{head}{rows}</table>"


def _section(result: SuiteResult) -> str:
    meta = (f"run {_e(result.run_id)} · validated {result.finished_at:%Y-%m-%d %H:%M:%S} UTC · "
            f"timings {_e(json.dumps(result.timings))} · jobs {_e(json.dumps(result.spark_jobs))}")
    head = "".join(f"<th style='width:{w}%'>{name}</th>" for name, w in SECTION_COLUMNS)
    rows = "".join(_row(r) for r in result.results)
    return f"<h2>{_e(result.table)} — {_e(result.suite)}@{_e(result.suite_version)}</h2>" \
           f"<p class='meta'>{meta}</p><table><tr>{head}</tr>{rows}</table>"


def _row(r: ExpectationResult) -> str:
    status = "passed" if r.success else ("failed" if r.severity == "error" else "warned")
    unexpected = "" if r.unexpected_count is None else f"{r.unexpected_count}"
    if r.unexpected_percent is not None:
        unexpected += f" ({r.unexpected_percent:.2f}%)"
    observed = _e(_text(r.observed_value)) if r.exception is None else f"<em>{_e(r.exception)}</em>"
    if r.details:
        observed += f"<details><summary>details</summary><code>{_e(_text(r.details))}</code></details>"
    return (
        f"<tr><td class='{status}'>{status}</td><td>{r.severity}</td><td><code>{_e(r.expectation_type)}</code></td>"
        f"<td>{_e(r.column or '')}</td><td><code>{_e(r.expected)}</code></td><td>{observed}</td>"
        f"<td>{_e(unexpected)}</td><td>{_samples(r)}</td></tr>"
    )


def _samples(r: ExpectationResult) -> str:
    if r.failing_rows:
        columns = list(r.failing_rows[0])
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{_e(_text(row.get(c)))}</td>" for c in columns) + "</tr>"
                       for row in r.failing_rows)
        return (f"<details><summary>{len(r.failing_rows)} rows</summary><div class='rows'><table><tr>{head}</tr>"
                f"{body}</table></div></details>")
    if r.unexpected_sample:
        return _e(_text(r.unexpected_sample))
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(jsonable(value))


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
