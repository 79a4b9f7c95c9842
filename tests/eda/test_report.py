"""The EDA report: at least 15 labelled charts with a reading each, embedded in one self-contained HTML file."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from iris_mlops.eda.flow import EdaReport, make_report
from iris_mlops.eda.render import UnlabelledChartError, finish, pyplot
from iris_mlops.features.definitions import RAW_MEASUREMENTS

BENCHMARK = [
    {
        "label": f"model {i}",
        "f1_macro_mean": 0.9 + i / 200,
        "f1_macro_std": 0.02,
        "fit_seconds_mean": 0.01 * (i + 1),
        "predict_seconds_mean": 0.001,
    }
    for i in range(10)
]


class Page(HTMLParser):
    """Collects every reference (src/href) and image of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.references: list[str] = []
        self.ids: set[str] = set()
        self.readings = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "p" and values.get("class") == "reading":
            self.readings += 1
        for key in ("src", "href"):
            if values.get(key) is not None:
                self.references.append(str(values[key]))
        if tag == "img":
            self.images.append(str(values.get("src")))


@pytest.fixture(scope="module")
def report(
    iris_features: pd.DataFrame, iris_silver: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> EdaReport:
    folder = tmp_path_factory.mktemp("reports")
    training = iris_features.iloc[::5]
    return make_report(
        iris_features, training, iris_silver, folder=folder, seed=1, facts={"rows": "150"}, benchmark=BENCHMARK,
        on_progress=lambda done, total: chart_progress.append((done, total)),
    )


chart_progress: list[tuple[int, int]] = []


def test_make_report_reports_progress_once_per_chart(report: EdaReport) -> None:
    n = len(report.charts)
    assert chart_progress == [(i, n) for i in range(1, n + 1)]


def _parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_make_report_embeds_at_least_15_png_images(report: EdaReport) -> None:
    page = _parse(report.path)
    assert len(page.images) >= 15
    assert len(page.images) == len(report.charts)
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_make_report_has_no_broken_or_external_reference(report: EdaReport) -> None:
    page = _parse(report.path)
    for ref in page.references:
        if ref.startswith("#"):
            assert ref[1:] in page.ids, f"dangling anchor {ref}"
        else:
            assert ref.startswith("data:"), f"external reference {ref[:60]}"


def test_make_report_gives_every_chart_a_title_and_a_reading(report: EdaReport) -> None:
    assert _parse(report.path).readings == len(report.charts)
    for chart in report.charts:
        assert chart.title and chart.reading.endswith(".")
    keys = {c.key for c in report.charts}
    assert {
        "pair_plot",
        "correlation",
        "pca_scatter",
        "pca_variance",
        "feature_importances",
        "outlier_counts",
        "engineered_distributions",
        "benchmark_scores",
    } <= keys


def test_make_report_readings_come_from_the_data(report: EdaReport, iris_silver: pd.DataFrame) -> None:
    readings = {c.key: c.reading for c in report.charts}
    assert "50/50/50" in readings["class_balance"]
    assert f"flags {int(iris_silver['is_outlier'].sum())} of 150" in readings["outlier_counts"]
    assert "model 9 leads" in readings["benchmark_scores"]


def test_summary_tables_hold_statistics_per_species(report: EdaReport, iris_features: pd.DataFrame) -> None:
    assert sorted(report.tables) == ["setosa", "versicolor", "virginica"]
    setosa = report.tables["setosa"]
    expected = iris_features.loc[iris_features["species"] == "setosa", "petal_length"].mean()
    assert setosa.loc["mean", "petal_length"] == pytest.approx(expected)
    assert setosa.loc["count", "sepal_width"] == 50


def test_charts_are_reproducible_with_the_same_seed(report: EdaReport, iris_features: pd.DataFrame) -> None:
    from iris_mlops.eda import charts_structure

    again = {c.key: c for c in report.charts}
    raw = list(RAW_MEASUREMENTS)
    assert charts_structure.pca_scatter(iris_features, raw, seed=1).reading == again["pca_scatter"].reading
    importances = charts_structure.importances_of(iris_features.iloc[::5], raw, seed=1)
    assert importances == charts_structure.importances_of(iris_features.iloc[::5], raw, seed=1)


def test_finish_refuses_a_chart_without_axis_labels() -> None:
    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_xlabel("x only")
    with pytest.raises(UnlabelledChartError, match="y label"):
        finish(fig, key="bad", title="Bad", reading="None.")


def test_pyplot_uses_a_headless_backend() -> None:
    assert pyplot().get_backend().lower() == "agg"
