"""Assemble the EDA: every chart, the per-species summary tables, and one self-contained HTML page."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iris_mlops.eda import charts_distribution as dist
from iris_mlops.eda import charts_quality as quality
from iris_mlops.eda import charts_structure as structure
from iris_mlops.eda.render import Chart
from iris_mlops.eda.stats import summary_by_species

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class EdaInputs:
    """What the report reads: feature rows (all), the training rows, silver rows and the column groups."""

    features: pd.DataFrame
    training: pd.DataFrame
    silver: pd.DataFrame
    raw: tuple[str, ...]
    engineered: tuple[str, ...]
    seed: int
    benchmark: Sequence[Mapping[str, Any]] = ()


def chart_builders(inputs: EdaInputs) -> list[Callable[[], Chart]]:
    """One zero-argument builder per chart, in report order."""
    df, raw, eng, seed = inputs.features, list(inputs.raw), list(inputs.engineered), inputs.seed
    builders: list[Callable[[], Chart]] = [
        lambda: dist.class_balance(df),
        lambda: dist.histograms(df, raw),
        lambda: dist.densities(df, raw),
        lambda: dist.boxplots(df, raw),
        lambda: dist.violins(df, raw),
        lambda: dist.species_means(df, raw),
        lambda: structure.pair_plot(df, raw),
        lambda: structure.correlation(df, raw),
        lambda: structure.correlation_within_species(df, raw),
        lambda: structure.pca_scatter(df, raw, seed=seed),
        lambda: structure.pca_variance(df, raw, seed=seed),
        lambda: structure.pca_loadings(df, raw, seed=seed),
        lambda: structure.feature_importances(
            structure.importances_of(inputs.training, [*raw, *eng], seed=seed), model="random forest"
        ),
        lambda: quality.outlier_counts(inputs.silver),
        lambda: quality.outlier_scatter(inputs.silver, raw),
        lambda: quality.engineered_distributions(df, eng),
        lambda: quality.separation(df, raw, eng),
    ]
    if inputs.benchmark:
        records = [dict(r) for r in inputs.benchmark]
        builders += [lambda: quality.benchmark_scores(records), lambda: quality.benchmark_times(records)]
    return builders


def build_charts(inputs: EdaInputs, *, on_progress: Callable[[int, int], None] | None = None) -> list[Chart]:
    """Render every chart (headless); `on_progress(done, total)` after each one."""
    builders = chart_builders(inputs)
    charts = []
    for build in builders:
        charts.append(build())
        if on_progress is not None:
            on_progress(len(charts), len(builders))
    return charts


def summary_tables(inputs: EdaInputs) -> dict[str, pd.DataFrame]:
    """Per species: descriptive statistics of the raw measurements and the engineered features."""
    return summary_by_species(inputs.features, [*inputs.raw, *inputs.engineered])


def _table_html(frame: pd.DataFrame) -> str:
    return frame.round(3).to_html(border=0, classes="stats", float_format=lambda v: f"{v:.3f}")


def render_html(
    charts: Sequence[Chart], tables: Mapping[str, pd.DataFrame], *, title: str, facts: Mapping[str, str]
) -> str:
    """One HTML page with every image embedded as a data URI: no file beside it is needed."""
    facts_html = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in facts.items())
    toc = "".join(f'<li><a href="#{c.key}">{html.escape(c.title)}</a></li>' for c in charts)
    sections = []
    for i, chart in enumerate(charts, start=1):
        data = base64.b64encode(chart.png).decode("ascii")
        sections.append(
            f'<section id="{chart.key}"><h2>{i}. {html.escape(chart.title)}</h2>'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(chart.title, quote=True)}">'
            f'<p class="reading">{html.escape(chart.reading)}</p></section>'
        )
    stats = "".join(
        f'<h3>{html.escape(species)}</h3><div class="scroll">{_table_html(frame)}</div>'
        for species, frame in tables.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
.reading {{ font-style: italic; }}
table.stats {{ border-collapse: collapse; font-size: 0.85em; }}
table.stats td, table.stats th {{ padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; }}
.scroll {{ overflow-x: auto; }}
</style></head>
<body><h1>{html.escape(title)}</h1><ul>{facts_html}</ul>
<h2>Charts</h2><ol>{toc}</ol>
{"".join(sections)}
<h2 id="summary">Summary statistics per species</h2>{stats}
</body></html>
"""
