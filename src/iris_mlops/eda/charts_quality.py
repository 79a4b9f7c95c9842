"""Outliers from silver, engineered-feature distributions and separation, and the benchmark leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iris_mlops.eda.render import Chart, colour, finish, pyplot
from iris_mlops.eda.stats import SPECIES, anova_f, species_of

if TYPE_CHECKING:
    import pandas as pd

IS_OUTLIER = "is_outlier"


def outlier_counts(silver: pd.DataFrame) -> Chart:
    names = species_of(silver)
    flagged = silver.groupby(SPECIES)[IS_OUTLIER].sum().reindex(names, fill_value=0)
    totals = silver.groupby(SPECIES)[IS_OUTLIER].size().reindex(names, fill_value=0)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.bar(names, totals - flagged, color="#bbbbbb", label="inside the IQR fences")
    ax.bar(names, flagged, bottom=totals - flagged, color=colour(1), label="flagged outlier")
    ax.set_xlabel("species")
    ax.set_ylabel("silver rows")
    ax.legend(fontsize=8)
    count = int(flagged.sum())
    if count:
        most = str(flagged.idxmax())
        reading = f"Silver flags {count} of {len(silver)} rows as outliers, most of them {most} ({int(flagged.max())})."
    else:
        reading = f"Silver flags none of its {len(silver)} rows as an outlier."
    return finish(fig, key="outlier_counts", title="Outlier overview from silver", reading=reading)


def outlier_scatter(silver: pd.DataFrame, columns: Sequence[str]) -> Chart:
    flags = silver[IS_OUTLIER].astype(bool)
    spread = silver[list(columns)].std().replace(0, 1)
    shift = (
        (silver.loc[flags, list(columns)].mean() - silver.loc[~flags, list(columns)].mean()).abs() / spread
    ).fillna(0)
    x_col, y_col = list(shift.sort_values(ascending=False).index[:2])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for i, species in enumerate(species_of(silver)):
        part = silver.loc[silver[SPECIES] == species]
        ax.scatter(part[x_col], part[y_col], s=14, alpha=0.6, color=colour(i), label=species)
    ax.scatter(
        silver.loc[flags, x_col], silver.loc[flags, y_col], s=90, facecolors="none", edgecolors="black", label="outlier"
    )
    ax.set_xlabel(f"{x_col} (cm)")
    ax.set_ylabel(f"{y_col} (cm)")
    ax.legend(fontsize=8)
    if flags.any():
        reading = (
            f"The {int(flags.sum())} circled rows differ most from the rest on {x_col} "
            f"({shift[x_col]:.1f} standard deviations apart in mean)."
        )
    else:
        reading = f"No silver row is flagged, so no point is circled on {x_col} against {y_col}."
    return finish(
        fig,
        key="outlier_scatter",
        title="Silver outliers on the two measurements where they stand out",
        reading=reading,
    )


def engineered_distributions(df: pd.DataFrame, engineered: Sequence[str]) -> Chart:
    plt = pyplot()
    cols = 3
    rows = max(1, (len(engineered) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    names = species_of(df)
    for ax, feature in zip(flat, engineered, strict=False):
        ax.boxplot([df.loc[df[SPECIES] == s, feature].dropna().to_numpy() for s in names], tick_labels=names)
        ax.set_xlabel("species", fontsize=8)
        ax.set_ylabel(feature, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in flat[len(engineered) :]:
        ax.set_visible(False)
    scores = anova_f(df, engineered)
    best = max(scores, key=scores.__getitem__)
    reading = (
        f"Of the {len(engineered)} engineered features, {best} separates the species best (ANOVA F = "
        f"{scores[best]:.0f})."
    )
    return finish(fig, key="engineered_distributions", title="Engineered features per species", reading=reading)


def separation(df: pd.DataFrame, raw: Sequence[str], engineered: Sequence[str]) -> Chart:
    scores = anova_f(df, [*raw, *engineered])
    ranked = sorted(scores.items(), key=lambda kv: kv[1])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.3 * len(ranked) + 1)))
    ax.barh(
        [k for k, _ in ranked], [v for _, v in ranked], color=[colour(0) if k in raw else colour(1) for k, _ in ranked]
    )
    ax.set_xscale("log")
    ax.set_xlabel("ANOVA F across species (log scale)")
    ax.set_ylabel("feature (green: raw, orange: engineered)")
    best_raw = max(scores[c] for c in raw)
    better = sum(scores[c] > best_raw for c in engineered)
    reading = (
        f"{better} of {len(engineered)} engineered features separate the species better than the best raw "
        f"measurement (F = {best_raw:.0f})."
    )
    return finish(fig, key="separation", title="How well each feature separates the species", reading=reading)


def benchmark_scores(records: Sequence[dict[str, Any]]) -> Chart:
    ranked = sorted(records, key=lambda r: r["f1_macro_mean"])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(ranked) + 1.5))
    ax.barh(
        [r["label"] for r in ranked],
        [r["f1_macro_mean"] for r in ranked],
        xerr=[r["f1_macro_std"] for r in ranked],
        capsize=3,
        color=colour(2),
    )
    low = min(r["f1_macro_mean"] - r["f1_macro_std"] for r in ranked)
    high = max(r["f1_macro_mean"] + r["f1_macro_std"] for r in ranked)
    ax.set_xlim(max(0.0, low - 0.05), max(1.0, high) + 0.01)
    ax.set_xlabel("macro F1 (mean ± std over repeated folds)")
    ax.set_ylabel("model")
    best, worst = ranked[-1], ranked[0]
    reading = (
        f"{best['label']} leads with macro F1 {best['f1_macro_mean']:.3f} ± {best['f1_macro_std']:.3f}; "
        f"{worst['label']} trails at {worst['f1_macro_mean']:.3f}, a gap of "
        f"{best['f1_macro_mean'] - worst['f1_macro_mean']:.3f}."
    )
    return finish(
        fig, key="benchmark_scores", title=f"Benchmark: macro F1 of {len(ranked)} default models", reading=reading
    )


def benchmark_times(records: Sequence[dict[str, Any]]) -> Chart:
    import numpy as np

    ranked = sorted(records, key=lambda r: r["fit_seconds_mean"])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(ranked) + 1.5))
    positions = np.arange(len(ranked))
    ax.barh(positions - 0.2, [1000 * r["fit_seconds_mean"] for r in ranked], 0.4, color=colour(0), label="fit")
    ax.barh(positions + 0.2, [1000 * r["predict_seconds_mean"] for r in ranked], 0.4, color=colour(1), label="predict")
    ax.set_yticks(positions, [r["label"] for r in ranked])
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds per fold (log scale)")
    ax.set_ylabel("model")
    ax.legend(fontsize=8)
    slow, fast = ranked[-1], ranked[0]
    reading = (
        f"{slow['label']} is the slowest to fit ({1000 * slow['fit_seconds_mean']:.0f} ms per fold) and "
        f"{fast['label']} the fastest ({1000 * fast['fit_seconds_mean']:.1f} ms); timings are shown, "
        f"never used to rank."
    )
    return finish(fig, key="benchmark_times", title="Benchmark: fit and predict time per fold", reading=reading)
