"""Distribution charts: class balance, histograms, densities, box and violin plots, species means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iris_mlops.eda.render import Chart, colour, finish, pyplot
from iris_mlops.eda.stats import SPECIES, anova_f, range_overlaps, species_of

if TYPE_CHECKING:
    import pandas as pd


def _grid(n: int, *, width: float = 10.0, row_height: float = 3.2) -> tuple[Any, list[Any]]:
    plt = pyplot()
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width, row_height * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def class_balance(df: pd.DataFrame) -> Chart:
    counts = df[SPECIES].value_counts().reindex(species_of(df))
    fig, (ax,) = _grid(1, width=6, row_height=4)
    ax.bar(counts.index, counts.to_numpy(), color=[colour(i) for i in range(len(counts))])
    ax.set_xlabel("species")
    ax.set_ylabel("rows")
    ratio = counts.max() / counts.min()
    split = "/".join(str(int(c)) for c in counts)
    verdict = "balanced" if ratio < 1.2 else "imbalanced, which is why models are ranked by macro F1"
    reading = (
        f"The {int(counts.sum())} rows split {split} across {', '.join(counts.index)}: the classes are "
        f"{verdict} (largest/smallest = {ratio:.2f})."
    )
    return finish(fig, key="class_balance", title="Class balance", reading=reading)


def histograms(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    fig, axes = _grid(len(columns))
    for ax, column in zip(axes, columns, strict=True):
        for i, species in enumerate(species_of(df)):
            ax.hist(df.loc[df[SPECIES] == species, column], bins=15, alpha=0.55, color=colour(i), label=species)
        ax.set_xlabel(f"{column} (cm)")
        ax.set_ylabel("rows")
        ax.legend(fontsize=7)
    scores = anova_f(df, columns)
    best, worst = max(scores, key=scores.__getitem__), min(scores, key=scores.__getitem__)
    reading = (
        f"{best} separates the species best (ANOVA F = {scores[best]:.0f}) and {worst} worst (F = {scores[worst]:.0f})."
    )
    return finish(fig, key="histograms", title="Histograms per measurement and species", reading=reading)


def densities(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    import numpy as np
    from scipy.stats import gaussian_kde

    fig, axes = _grid(len(columns))
    for ax, column in zip(axes, columns, strict=True):
        grid = np.linspace(df[column].min(), df[column].max(), 200)
        for i, species in enumerate(species_of(df)):
            values = df.loc[df[SPECIES] == species, column].to_numpy()
            if len(values) > 1 and values.std() > 0:
                ax.plot(grid, gaussian_kde(values)(grid), color=colour(i), label=species)
        ax.set_xlabel(f"{column} (cm)")
        ax.set_ylabel("density")
        ax.legend(fontsize=7)
    scores = anova_f(df, columns)
    best = max(scores, key=scores.__getitem__)
    parts = []
    for left, right, low, high in range_overlaps(df, best):
        parts.append(
            f"{left} and {right} " + (f"overlap on [{low:.1f}, {high:.1f}]" if low <= high else "do not overlap")
        )
    reading = f"On {best}, " + "; ".join(parts) + "."
    return finish(fig, key="densities", title="Kernel density per measurement and species", reading=reading)


def boxplots(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    fig, axes = _grid(len(columns))
    names = species_of(df)
    flagged: dict[str, int] = {}
    for ax, column in zip(axes, columns, strict=True):
        groups = [df.loc[df[SPECIES] == s, column].to_numpy() for s in names]
        ax.boxplot(groups, tick_labels=names, whis=1.5)
        ax.set_xlabel("species")
        ax.set_ylabel(f"{column} (cm)")
        flagged[column] = sum(_beyond_whiskers(g) for g in groups)
    total = sum(flagged.values())
    most = max(flagged, key=flagged.__getitem__)
    reading = (
        f"Whiskers at 1.5 IQR within each species leave {total} points outside, most of them on {most} "
        f"({flagged[most]})."
    )
    return finish(fig, key="boxplots", title="Box plots per measurement and species", reading=reading)


def _beyond_whiskers(values: Any) -> int:
    import numpy as np

    q1, q3 = np.percentile(values, [25, 75])
    spread = 1.5 * (q3 - q1)
    return int(((values < q1 - spread) | (values > q3 + spread)).sum())


def violins(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    fig, axes = _grid(len(columns))
    names = species_of(df)
    for ax, column in zip(axes, columns, strict=True):
        ax.violinplot([df.loc[df[SPECIES] == s, column].to_numpy() for s in names], showmedians=True)
        ax.set_xticks(range(1, len(names) + 1), names)
        ax.set_xlabel("species")
        ax.set_ylabel(f"{column} (cm)")
    spread = df.groupby(SPECIES)[list(columns)].std()
    species, column = spread.stack().idxmax()
    reading = (
        f"The widest distribution is {species}'s {column} (standard deviation {spread.loc[species, column]:.2f} cm)."
    )
    return finish(fig, key="violins", title="Violin plots per measurement and species", reading=reading)


def species_means(df: pd.DataFrame, columns: Sequence[str]) -> Chart:
    import numpy as np

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    names = species_of(df)
    means = df.groupby(SPECIES)[list(columns)].mean().reindex(names)
    stds = df.groupby(SPECIES)[list(columns)].std().reindex(names)
    width = 0.8 / len(names)
    positions = np.arange(len(columns))
    for i, species in enumerate(names):
        ax.bar(
            positions + i * width,
            means.loc[species],
            width,
            yerr=stds.loc[species],
            capsize=3,
            color=colour(i),
            label=species,
        )
    ax.set_xticks(positions + width * (len(names) - 1) / 2, list(columns))
    ax.set_xlabel("measurement")
    ax.set_ylabel("mean ± std (cm)")
    ax.legend(fontsize=8)
    leader = means.idxmax().value_counts()
    reading = f"{leader.index[0]} has the largest mean on {int(leader.iloc[0])} of {len(columns)} measurements."
    return finish(fig, key="species_means", title="Mean of each measurement per species", reading=reading)
