"""HTML of the run summary and of the run index: self-contained, no JavaScript, nothing wider than the page."""

from __future__ import annotations

import html
from collections.abc import Sequence

from iris_mlops.summary.model import FAILED_STATES, QualityRow, RunSummary, TableVersion, TaskRun

STYLE = """
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem;
color:#1f2328;line-height:1.4}h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.8rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem}.meta{color:#59636e;font-size:.9rem}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.88rem;margin:.4rem 0}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}td.num,th.num{text-align:right}code{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;
background:#f6f8fa;padding:1px 4px;border-radius:3px}img,svg{max-width:100%}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff}
.SUCCESS,.passed,.promoted{background:#1a7f37}.FAILED,.failed,.TIMEDOUT,.UPSTREAM_FAILED,.INTERNAL_ERROR{background:#cf222e}
.warned,.kept,.pinned{background:#9a6700}.EXCLUDED,.SKIPPED,.rejected,.other,.UPSTREAM_SKIPPED{background:#6e7781}
.graph{display:flex;flex-wrap:wrap;gap:.5rem;align-items:stretch}.level{display:flex;flex-direction:column;gap:.4rem;
justify-content:center}.arrow{align-self:center;color:#59636e;font-size:1.2rem}.node{border:1px solid #d0d7de;
border-radius:6px;padding:.35rem .6rem;min-width:9rem;max-width:16rem;background:#fff;overflow-wrap:anywhere}
.node b{display:block}.node small{color:#59636e;display:block}ul.links{padding-left:1.2rem}
details summary{cursor:pointer;color:#0969da}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _badge(label: str, kind: str | None = None) -> str:
    return f"<span class='badge {_e(kind or label)}'>{_e(label)}</span>"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} s" if value < 120 else f"{int(value // 60)} min {int(value % 60)} s"


def _levels(nodes: Sequence[tuple[str, Sequence[str]]]) -> list[list[str]]:
    """Node keys by dependency depth (a graph read left to right); `nodes` are (key, what it depends on)."""
    keys = {key for key, _ in nodes}
    depth: dict[str, int] = {}
    pending = list(nodes)
    while pending:
        ready = [(k, deps) for k, deps in pending if all(d in depth for d in deps if d in keys)]
        if not ready:  # a cycle: put the rest last rather than loop
            ready = pending
        for key, deps in ready:
            depth[key] = 1 + max((depth.get(d, -1) for d in deps if d in keys), default=-1)
        pending = [n for n in pending if n[0] not in depth]
    levels: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for key, _ in nodes:
        levels[depth[key]].append(key)
    return levels


def _columns(levels: list[list[str]], boxes: dict[str, str]) -> str:
    columns = ["<div class='level'>" + "".join(boxes[key] for key in level) + "</div>" for level in levels]
    return "<div class='graph'>" + "<div class='arrow'>→</div>".join(columns) + "</div>"


def _graph(tasks: Sequence[TaskRun]) -> str:
    if not tasks:
        return "<p class='meta'>no task ran</p>"
    boxes = {
        t.key: f"<div class='node' id='task-{_e(t.key)}'><b>{_e(t.key)}</b>{_badge(t.status)} "
               f"<small>{_seconds(t.duration_seconds)}{' · ' + _e(t.note) if t.note else ''}</small></div>"
        for t in tasks
    }
    return _columns(_levels([(t.key, t.depends_on) for t in tasks]), boxes)


def _lineage(summary: RunSummary) -> str:
    boxes = {t.name: _table_node(t) for t in summary.tables}
    nodes = [(t.name, t.upstream) for t in summary.tables]
    model = summary.model
    if model is not None:
        trained = f"<small>trained on {_e(model.trained_on)}</small>" if model.trained_on else ""
        key = f"model:{model.name}"
        boxes[key] = f"<div class='node'><b>{_e(model.name)} v{_e(model.version)}</b>{trained}</div>"
        source = (model.trained_on or "").split("@")[0]
        nodes.append((key, (source,) if source in boxes else ()))
    if not boxes:
        return "<p class='meta'>no table was read or written</p>"
    return _columns(_levels(nodes), boxes)


def _table_node(table: TableVersion) -> str:
    version = f"v{table.version}" if table.version is not None else "not written"
    rows = f"<small>{table.rows} rows</small>" if table.rows is not None else ""
    upstream = f"<small>from {_e(', '.join(table.upstream))}</small>" if table.upstream else ""
    return f"<div class='node'><b>{_e(table.name)} {version}</b>{rows}{upstream}</div>"


def _counts(summary: RunSummary) -> str:
    rows = "".join(
        f"<tr><td>{_e(t.name)}</td><td class='num'>{_e(t.version if t.version is not None else '—')}</td>"
        f"<td class='num'>{_e(t.rows if t.rows is not None else '—')}</td></tr>"
        for t in summary.tables
    )
    table = f"<table><tr><th>table</th><th class='num'>version</th><th class='num'>rows</th></tr>{rows}</table>"
    if not summary.quarantine_reasons:
        return table + "<p class='meta'>no row in quarantine</p>"
    reasons = "".join(f"<tr><td>{_e(reason)}</td><td class='num'>{count}</td></tr>" for reason, count in
                      sorted(summary.quarantine_reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return table + ("<h3>Quarantine by reason</h3><table><tr><th>reason</th><th class='num'>rows</th></tr>"
                    f"{reasons}</table>")


def _status(row: QualityRow) -> str:
    return "passed" if row.success else ("failed" if row.severity == "error" else "warned")


def _quality_rows(rows: Sequence[QualityRow]) -> str:
    head = ("<tr><th style='width:14%'>table</th><th style='width:9%'>status</th><th>expected</th>"
            "<th style='width:24%'>observed</th><th class='num' style='width:11%'>unexpected rows</th></tr>")
    body = "".join(
        f"<tr><td>{_e(r.table)}</td><td>{_badge(_status(r))}</td><td title='{_e(r.expectation)}'>"
        f"{_e(r.description)} <small class='meta'>({_e(r.severity)})</small></td><td>{_e(r.observed)}</td>"
        f"<td class='num'>{_e(r.unexpected if r.unexpected is not None else '')}</td></tr>"
        for r in rows
    )
    return f"<table>{head}{body}</table>"


def _quality(rows: Sequence[QualityRow]) -> str:
    if not rows:
        return "<p class='meta'>no validation in this run</p>"
    order = {"failed": 0, "warned": 1, "passed": 2}
    failing = sorted((r for r in rows if not r.success), key=lambda r: order[_status(r)])
    passed = [r for r in rows if r.success]
    head = f"<p>{len(passed)} of {len(rows)} expectations met; {len(failing)} not met.</p>"
    failures = _quality_rows(failing) if failing else "<p class='meta'>every expectation was met</p>"
    rest = f"<details><summary>{len(passed)} expectations met</summary>{_quality_rows(passed)}</details>" if passed \
        else ""
    return head + failures + rest


def _model(summary: RunSummary) -> str:
    model = summary.model
    if model is None:
        return "<p class='meta'>no model was trained in this run</p>"
    verdict = "promoted" if model.promoted else ("kept" if model.pinned else "rejected")
    words = {"promoted": "promoted to champion", "kept": "not promoted: champion pinned", "rejected": "not promoted"}
    score = f"{model.metric} {model.score:.4f}" if model.score is not None else ""
    return (
        f"<table><tr><th style='width:22%'>model</th><td>{_e(model.name)} version {_e(model.version)} "
        f"{_e('(' + model.algorithm + ')' if model.algorithm else '')}</td></tr>"
        f"<tr><th>held-out score</th><td>{_e(score)}</td></tr>"
        f"<tr><th>gate</th><td>{_badge(words[verdict], verdict)} {_e(model.reason)}</td></tr>"
        f"<tr><th>champion now</th><td>version {_e(model.champion or '—')}</td></tr>"
        f"<tr><th>MLflow run</th><td><code>{_e(model.mlflow_run_id or '—')}</code></td></tr></table>"
    )


def _links(summary: RunSummary) -> str:
    items = "".join(f"<li><a href='{_e(link.href)}'>{_e(link.label)}</a></li>" for link in summary.links)
    command = f"<li>MLflow UI: <code>{_e(summary.mlflow_command)}</code></li>" if summary.mlflow_command else ""
    return f"<ul class='links'>{items}{command}<li><a href='index.html'>every run</a></li></ul>"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width, initial-scale=1'><title>{_e(title)}</title><style>{STYLE}</style></head>"
            f"<body>{body}</body></html>\n")


def render_summary(summary: RunSummary) -> str:
    """The run summary page."""
    meta = (f"job {_e(summary.job)} · env {_e(summary.env)} · started {_e(summary.started_at)} · "
            f"{_seconds(summary.duration_seconds)}")
    sections = [
        ("job", "Job graph", _graph(summary.tasks)),
        ("lineage", "Lineage", _lineage(summary)),
        ("counts", "Row counts", _counts(summary)),
        ("quality", "Data quality", _quality(summary.quality)),
        ("model", "Model and gate", _model(summary)),
        ("links", "Reports and tools", _links(summary)),
    ]
    body = "".join(f"<section id='{key}'><h2>{title}</h2>{html_}</section>" for key, title, html_ in sections)
    head = f"<h1>Run {_e(summary.run_id)} {_badge(summary.state)}</h1><p class='meta'>{meta}</p>"
    return _page(f"iris-mlops run {summary.run_id}", head + body)


def render_index(summaries: Sequence[RunSummary]) -> str:
    """Every run, newest first, with its status and a link to its summary (like GX Data Docs' index)."""
    rows = "".join(
        f"<tr><td><a href='{_e(s.run_id)}.html'>{_e(s.run_id)}</a></td><td>{_badge(s.state)}</td>"
        f"<td>{_e(s.job)}</td><td>{_e(s.env)}</td><td>{_e(s.started_at)}</td>"
        f"<td class='num'>{_seconds(s.duration_seconds)}</td><td>{_e(_model_cell(s))}</td>"
        f"<td class='num'>{sum(1 for q in s.quality if not q.success)}</td></tr>"
        for s in summaries
    )
    failed = sum(1 for s in summaries if s.state.upper() in FAILED_STATES)
    head = (f"<h1>iris-mlops runs</h1><p class='meta'>{len(summaries)} runs, {failed} failed</p>"
            "<table id='runs'><tr><th style='width:26%'>run</th><th>status</th><th>job</th><th>env</th>"
            "<th style='width:18%'>started (UTC)</th><th class='num'>duration</th><th>model</th>"
            "<th class='num'>unmet expectations</th></tr>")
    return _page("iris-mlops runs", f"{head}{rows}</table>")


def _model_cell(summary: RunSummary) -> str:
    model = summary.model
    if model is None:
        return "—"
    return f"v{model.version} " + ("champion" if model.promoted else "kept" if model.pinned else "not promoted")
