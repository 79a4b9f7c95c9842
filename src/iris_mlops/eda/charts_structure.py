"""Structure charts: pair plot, correlation heatmaps, PCA and feature importances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from iris_mlops.eda.render import Chart, colour, finish, pyplot
from iris_mlops.eda.stats import SPECIES, components_for, pca, species_of, strongest_pair, within_species_corr

if TYPE_CHECKING:
    import pandas as pd


def pair_plot(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    plt = pyplot()
    n = len(columns)
    fig, axes = plt.subplots(n, n, figsize=(2.3 * n, 2.3 * n), squeeze=False)
    names = species_of(df)
    colours = df[SPECIES].map({s: colour(i) for i, s in enumerate(names)}).to_numpy()
    for r, row_column in enumerate(columns):
        for c, col_column in enumerate(columns):
            ax = axes[r][c]
            if r == c:  # one call per panel: matplotlib's cost is per artist, not per point
                groups = [df.loc[df[SPECIES] == s, col_column].to_numpy() for s in names]
                ax.hist(groups, bins=12, histtype="barstacked", color=[colour(i) for i in range(len(names))])
            else:
                ax.scatter(df[col_column], df[row_column], s=5, alpha=0.7, c=colours)
            ax.set_xlabel(col_column, fontsize=7)
            ax.set_ylabel("rows" if r == c else row_column, fontsize=7)
            ax.tick_params(labelsize=6)
            ax.locator_params(nbins=4)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour(i), label=s) for i, s in enumerate(names)]
    axes[0][n - 1].legend(handles=handles, fontsize=6)
    a, b, r_value = strongest_pair(df[list(columns)].corr())
    reading = f"{a} and {b} are the most strongly related pair of measurements (Pearson r = {r_value:.2f})."
    return finish(fig, key="pair_plot", title="Pair plot of the measurements", reading=reading)


def _heatmap(matrix: pd.DataFrame, *, key: str, title: str, reading: str) -> Chart:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(matrix.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    labels = list(matrix.columns)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{matrix.iloc[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xlabel("measurement")
    ax.set_ylabel("measurement")
    fig.colorbar(image, ax=ax, label="Pearson r")
    return finish(fig, key=key, title=title, reading=reading)


def correlation(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    corr = df[list(columns)].corr()
    a, b, value = strongest_pair(corr)
    weakest = min(((x, y) for x in columns for y in columns if x < y), key=lambda p: abs(corr.loc[p[0], p[1]]))
    reading = (
        f"The strongest correlation is {a}–{b} (r = {value:.2f}); the weakest is "
        f"{weakest[0]}–{weakest[1]} (r = {corr.loc[weakest[0], weakest[1]]:.2f})."
    )
    return _heatmap(corr, key="correlation", title="Correlation of the measurements (all rows)", reading=reading)


def correlation_within_species(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    overall = df[list(columns)].corr()
    within = within_species_corr(df, columns)
    gap = (within - overall).abs().stack()
    a, b = gap.idxmax()
    reading = (
        f"Within a species {a}–{b} correlate at r = {within.loc[a, b]:.2f} against "
        f"{overall.loc[a, b]:.2f} over all rows: "
        "pooling species changes the picture (Simpson's paradox)."
    )
    return _heatmap(within, key="correlation_within_species", title="Mean within-species correlation", reading=reading)


def pca_scatter(df: pd.DataFrame, columns: Sequence[str], *, seed: int) -> Chart:
    scores, ratios, _ = pca(df, columns, seed=seed)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for i, species in enumerate(species_of(df)):
        part = scores.loc[df[SPECIES] == species]
        ax.scatter(part["PC1"], part["PC2"], s=14, alpha=0.8, color=colour(i), label=species)
    ax.set_xlabel(f"PC1 ({ratios[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({ratios[1]:.0%} of variance)")
    ax.legend(fontsize=8)
    centroids = scores.groupby(df[SPECIES])["PC1"].mean().sort_values()
    reading = (
        f"The first two components keep {ratios[0] + ratios[1]:.0%} of the variance; along PC1 the species "
        f"centroids run {', '.join(f'{s} ({v:.1f})' for s, v in centroids.items())}."
    )
    return finish(fig, key="pca_scatter", title="PCA: first two components (standardised)", reading=reading)


def pca_variance(df: pd.DataFrame, columns: Sequence[str], *, seed: int) -> Chart:
    import numpy as np

    _, ratios, _ = pca(df, columns, seed=seed)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    labels = [f"PC{i + 1}" for i in range(len(ratios))]
    ax.bar(labels, ratios, color=colour(2), label="per component")
    ax.plot(labels, np.cumsum(ratios), marker="o", color=colour(1), label="cumulative")
    ax.set_xlabel("principal component")
    ax.set_ylabel("share of variance explained")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    needed = components_for(ratios, 0.95)
    reading = f"PC1 alone explains {ratios[0]:.0%} of the variance and {needed} component(s) reach 95%."
    return finish(fig, key="pca_variance", title="PCA explained variance", reading=reading)


def pca_loadings(df: pd.DataFrame, columns: Sequence[str], *, seed: int) -> Chart:
    import numpy as np

    _, _, loadings = pca(df, columns, seed=seed)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    positions = np.arange(len(columns))
    for i, component in enumerate(("PC1", "PC2")):
        ax.bar(positions + i * 0.4, loadings[component], 0.4, color=colour(i), label=component)
    ax.set_xticks(positions + 0.2, list(columns))
    ax.set_xlabel("measurement")
    ax.set_ylabel("loading")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.legend(fontsize=8)
    pc1, pc2 = loadings["PC1"].abs().idxmax(), loadings["PC2"].abs().idxmax()
    reading = (
        f"PC1 leans most on {pc1} ({loadings.loc[pc1, 'PC1']:+.2f}) while PC2 is dominated by {pc2} "
        f"({loadings.loc[pc2, 'PC2']:+.2f})."
    )
    return finish(fig, key="pca_loadings", title="PCA loadings of the first two components", reading=reading)


def feature_importances(importances: Mapping[str, float], *, model: str) -> Chart:
    ranked = sorted(importances.items(), key=lambda kv: kv[1])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.32 * len(ranked) + 1)))
    ax.barh([k for k, _ in ranked], [v for _, v in ranked], color=colour(0))
    ax.set_xlabel("mean decrease in impurity")
    ax.set_ylabel("feature")
    top = ranked[::-1][:3]
    share = sum(v for _, v in top) / (sum(importances.values()) or 1.0)
    reading = (
        f"{top[0][0]} is the most important feature ({top[0][1]:.2f}); the top three carry {share:.0%} of "
        f"the total importance."
    )
    return finish(
        fig, key="feature_importances", title=f"Feature importances ({model}, training split)", reading=reading
    )


def importances_of(df: pd.DataFrame, columns: Sequence[str], *, seed: int) -> dict[str, float]:
    """Impurity importances of a seeded random forest fitted on the given (training) rows."""
    from sklearn.ensemble import RandomForestClassifier

    model: Any = RandomForestClassifier(n_estimators=200, random_state=seed).fit(df[list(columns)], df[SPECIES])
    return {c: float(v) for c, v in zip(columns, model.feature_importances_, strict=True)}
