"""The run summary page, the run index and `iris-mlops report`."""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from iris_mlops.commands.report import find_page
from iris_mlops.errors import InputError, IrisMlopsError
from iris_mlops.summary import RunSummary, load_summaries, write_summary
from iris_mlops.summary.inputs import quality_row
from iris_mlops.summary.render import render_summary

SECTIONS = ("job", "lineage", "counts", "quality", "model", "links")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        for key in ("src", "href"):
            if (found.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(str(found[key]))


def test_render_summary_has_every_section_and_no_external_asset(summary: RunSummary) -> None:
    parser = _Ids()
    parser.feed(render_summary(summary))
    assert all(section in parser.ids for section in SECTIONS)
    assert {f"task-{t.key}" for t in summary.tasks} <= set(parser.ids)
    assert parser.external == []


def test_render_summary_lists_failures_before_warnings_and_hides_passed_rows(summary: RunSummary) -> None:
    page = render_summary(summary)
    quality = page[page.index("id='quality'"):page.index("id='model'")]
    assert quality.index("share of setosa") < quality.index("the columns are") < quality.index("<details>")
    assert quality.index("<details>") < quality.index("sepal_length is strictly between")


def test_render_summary_shows_counts_reasons_and_the_pinned_gate(summary: RunSummary) -> None:
    page = render_summary(summary)
    assert "not_a_number</td><td class='num'>20" in page and "iris_quarantine" in page
    assert "not promoted: champion pinned" in page and "trained on iris_features@v4" in page
    assert "exit code 1" in page and "41.3 s" in page


def test_render_summary_escapes_text(summary: RunSummary) -> None:
    from dataclasses import replace

    page = render_summary(replace(summary, run_id="<script>alert(1)</script>"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_write_summary_round_trips_and_indexes_every_run_newest_first(
    tmp_path: Path, make_summary: Callable[..., RunSummary]
) -> None:
    older = make_summary("local-1", "SUCCESS", "2026-11-28T10:00:00+00:00")
    newer = make_summary("local-2", "FAILED", "2026-11-29T10:00:00+00:00")
    write_summary(tmp_path, older)
    path = write_summary(tmp_path, newer)
    assert path == tmp_path / "local-2.html" and path.is_file()
    assert load_summaries(tmp_path) == [newer, older]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.index("local-2.html") < index.index("local-1.html")
    assert "2 runs, 1 failed" in index


def test_load_summaries_skips_an_unreadable_file(tmp_path: Path, make_summary: Callable[..., RunSummary]) -> None:
    write_summary(tmp_path, make_summary("local-1"))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps({"run_id": "x"}), encoding="utf-8")
    assert [s.run_id for s in load_summaries(tmp_path)] == ["local-1"]


def test_find_page_latest_named_index_and_errors(tmp_path: Path, make_summary: Callable[..., RunSummary]) -> None:
    with pytest.raises(IrisMlopsError, match=r"no run summary in .* yet"):
        find_page(tmp_path, run=None, index=False)
    write_summary(tmp_path, make_summary("local-20261128-aaaa", started_at="2026-11-28T10:00:00+00:00"))
    write_summary(tmp_path, make_summary("local-20261129-bbbb", started_at="2026-11-29T10:00:00+00:00"))
    assert find_page(tmp_path, run=None, index=False).name == "local-20261129-bbbb.html"
    assert find_page(tmp_path, run="local-20261128-aaaa", index=False).name == "local-20261128-aaaa.html"
    assert find_page(tmp_path, run=None, index=True).name == "index.html"
    assert find_page(tmp_path, run="local-20261129", index=False).name == "local-20261129-bbbb.html"  # prefix
    with pytest.raises(InputError, match="did you mean local-20261128-aaaa"):
        find_page(tmp_path, run="local-20261128-aaab", index=False)
    with pytest.raises(InputError, match="did you mean local-20261129-bbbb, local-20261128-aaaa"):
        find_page(tmp_path, run="local-2026", index=False)


def test_report_command_prints_the_latest_summary(home: Path, make_summary: Callable[..., RunSummary]) -> None:
    import typer
    from typer.testing import CliRunner

    from iris_mlops.commands.report import report

    write_summary(home / "reports" / "runs", make_summary("local-9"))
    app = typer.Typer()
    app.command()(report)
    done = CliRunner().invoke(app, [])
    assert done.exit_code == 0 and done.stdout.strip().endswith("runs/local-9.html")
    missing = CliRunner().invoke(app, ["--run", "nope"])
    assert missing.exit_code == 2 and "no run 'nope'" in missing.output


def test_quality_row_reads_a_dq_results_record() -> None:
    row = quality_row({"table_name": "local.iris.iris_silver", "expectation_type": "expect_column_values_to_be_between",
                       "kwargs": json.dumps({"column": "petal_width", "min_value": 0, "max_value": 4}),
                       "severity": "error", "success": False, "observed_value": "0.123456789",
                       "unexpected_count": 2, "exception": None})
    assert (row.table, row.description, row.observed, row.unexpected) == (
        "iris_silver", "petal_width is between 0 and 4", "0.1235", 2)
