"""The EDA half of `eda-benchmark`: charts and tables from the feature table and silver, one HTML file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iris_mlops.eda.render import Chart
from iris_mlops.eda.report import EdaInputs, build_charts, render_html, summary_tables

if TYPE_CHECKING:
    import pandas as pd

REPORT_NAME = "eda_report.html"


@dataclass(frozen=True)
class EdaReport:
    """The rendered report: its charts, summary tables and where the HTML was written."""

    charts: tuple[Chart, ...]
    tables: Mapping[str, pd.DataFrame]
    path: Path


def make_report(
    features: pd.DataFrame,
    training: pd.DataFrame,
    silver: pd.DataFrame,
    *,
    folder: Path,
    seed: int,
    facts: Mapping[str, str],
    benchmark: Sequence[Mapping[str, Any]] = (),
    on_progress: Callable[[int, int], None] | None = None,
) -> EdaReport:
    """Render every chart headless (`on_progress(charts_done, charts_total)`) and write the HTML report."""
    from iris_mlops.features.definitions import RAW_MEASUREMENTS, feature_names

    inputs = EdaInputs(
        features=features,
        training=training,
        silver=silver,
        raw=tuple(RAW_MEASUREMENTS),
        engineered=tuple(n for n in feature_names() if n in features.columns),
        seed=seed,
        benchmark=benchmark,
    )
    charts = tuple(build_charts(inputs, on_progress=on_progress))
    tables = summary_tables(inputs)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_NAME
    page = render_html(charts, tables, title="Iris: exploratory data analysis", facts=facts)
    path.write_text(page, encoding="utf-8")
    return EdaReport(charts=charts, tables=tables, path=path)
