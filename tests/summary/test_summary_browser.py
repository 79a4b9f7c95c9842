"""The run summary and the data-quality report in headless Chromium: sections present, nothing off the page."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.summary import RunSummary, write_summary

pytestmark = pytest.mark.slow

# Appended to a copy of the page: measures every element after layout and writes a verdict into the DOM,
# which `chromium --dump-dom` prints (no DevTools protocol needed).
PROBE = """<script>
(function () {
  var width = document.documentElement.clientWidth, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' right=' + Math.round(box.right));
    }
  });
  var verdict = document.createElement('pre');
  verdict.id = 'verdict';
  verdict.textContent = JSON.stringify({
    viewport: width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 20),
    ids: Array.prototype.map.call(document.querySelectorAll('[id]'), function (e) { return e.id; }),
    headings: Array.prototype.map.call(document.querySelectorAll('h1, h2'), function (e) { return e.textContent; })
  });
  document.body.appendChild(verdict);
})();
</script>"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    return found


def _run_chromium(args: list[str], profile: Path) -> str:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def inspect(page: Path, tmp_path: Path, *, width: int) -> dict[str, Any]:
    """Load a copy of `page` with the probe at `width` px and return the probe's verdict."""
    probed = tmp_path / f"probed-{width}-{page.name}"
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", PROBE + "</body>") if "</body>" in text else text + PROBE,
                      encoding="utf-8")
    dom = _run_chromium([f"--window-size={width},2000", "--dump-dom", probed.as_uri()], tmp_path / "profile")
    found = re.search(r'<pre id="verdict">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return dict(json.loads(html.unescape(found.group(1))))


def screenshot(page: Path, out: Path, tmp_path: Path) -> Path:
    """A 1400×2000 screenshot of `page` (kept next to the test's files for a person to look at)."""
    _run_chromium(["--window-size=1400,2000", f"--screenshot={out}", page.as_uri()], tmp_path / "profile")
    assert out.is_file() and out.stat().st_size > 10_000
    return out


@pytest.mark.parametrize("width", [1400, 800])
def test_run_summary_has_its_sections_and_fits_the_viewport(summary: RunSummary, tmp_path: Path, width: int) -> None:
    page = write_summary(tmp_path / "runs", summary)
    verdict = inspect(page, tmp_path, width=width)
    assert {"job", "lineage", "counts", "quality", "model", "links"} <= set(verdict["ids"])
    assert "task-data_quality" in verdict["ids"]
    assert verdict["wide"] == [] and verdict["scrollWidth"] <= verdict["viewport"], verdict
    if width == 1400:
        screenshot(page, tmp_path / "summary.png", tmp_path)


def test_run_index_lists_runs_and_fits_the_viewport(summary: RunSummary, tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    write_summary(folder, summary)
    verdict = inspect(folder / "index.html", tmp_path, width=800)
    assert "runs" in verdict["ids"] and verdict["wide"] == [], verdict


def _suite_result() -> Any:
    from iris_mlops.quality.results import ExpectationResult, SuiteResult

    columns = [f"measurement_column_with_a_long_name_{i}" for i in range(12)]
    now = datetime(2026, 11, 29, 18, 40, tzinfo=timezone.utc)
    results = [
        ExpectationResult(expectation_type="expect_table_columns_to_match_ordered_list",
                          arguments={"column_list": columns}, severity="error", success=False,
                          observed_value=list(reversed(columns)), details={"mismatched": columns}),
        ExpectationResult(expectation_type="expect_column_values_to_be_between", column="petal_width",
                          arguments={"column": "petal_width", "min_value": 0.0, "max_value": 4.0}, severity="warn",
                          success=False, observed_value=None, element_count=150, unexpected_count=3,
                          unexpected_percent=2.0, unexpected_sample=[4.123456789, 5.5, 9.75],
                          failing_rows=[{"batch_id": "b" * 40, "source_position": i, "petal_width": 4.5 + i,
                                         "reasons": ["out_of_range_petal_width"] * 3} for i in range(3)]),
        ExpectationResult(expectation_type="expect_column_values_to_not_be_null", column="species",
                          arguments={"column": "species"}, severity="error", success=True, observed_value=0),
    ]
    return SuiteResult(run_id="local-20261129T184052-e5e33e26", suite="iris_silver", suite_version="1.0.0",
                       table="local.iris.iris_silver", table_version=3, success=False, started_at=now,
                       finished_at=now, timings={"total": 0.42, "plan": 0.01, "evaluate": 0.4},
                       spark_jobs={"aggregate": 1, "shuffle": 1}, results=results)


@pytest.mark.parametrize("width", [1400, 800])
def test_quality_report_has_its_sections_and_fits_the_viewport(tmp_path: Path, width: int) -> None:
    from iris_mlops.quality.report import write_report

    page = write_report(tmp_path / "quality", "local-20261129T184052-e5e33e26", [_suite_result()])
    verdict = inspect(page, tmp_path, width=width)
    assert any("iris_silver" in h for h in verdict["headings"]), verdict["headings"]
    assert verdict["wide"] == [] and verdict["scrollWidth"] <= verdict["viewport"], verdict
    if width == 1400:
        screenshot(page, tmp_path / "quality.png", tmp_path)
