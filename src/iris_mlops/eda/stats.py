"""Statistics behind the charts' readings and the summary tables (pure pandas, inputs never mutated)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SPECIES = "species"


def species_of(df: pd.DataFrame) -> list[str]:
    """The species present, sorted (a stable order for colours and legends)."""
    return sorted(df[SPECIES].dropna().unique().tolist())


def anova_f(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, float]:
    """One-way ANOVA F statistic of each column across species: between- over within-species variance."""
    from sklearn.feature_selection import f_classif

    frame = df[[*columns, SPECIES]].dropna()
    scores, _ = f_classif(frame[list(columns)].to_numpy(), frame[SPECIES].to_numpy())
    return {column: float(value) for column, value in zip(columns, scores, strict=True)}


def summary_by_species(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per species: count, mean, std, min, quartiles and max of each column (statistics as rows)."""
    return {species: df.loc[df[SPECIES] == species, list(columns)].describe() for species in species_of(df)}


def range_overlaps(df: pd.DataFrame, column: str) -> list[tuple[str, str, float, float]]:
    """For species ordered by mean, the overlap [low, high] of each adjacent pair's ranges (high < low: a gap)."""
    stats = df.groupby(SPECIES)[column].agg(["mean", "min", "max"]).sort_values("mean")
    pairs = []
    for (left, a), (right, b) in zip(stats.iterrows(), list(stats.iterrows())[1:], strict=False):
        pairs.append((str(left), str(right), float(b["min"]), float(a["max"])))
    return pairs


def strongest_pair(corr: pd.DataFrame) -> tuple[str, str, float]:
    """The off-diagonal pair with the largest absolute correlation."""
    best: tuple[str, str, float] = ("", "", 0.0)
    columns = list(corr.columns)
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            value = float(corr.loc[a, b])
            if abs(value) > abs(best[2]) or not best[0]:
                best = (a, b, value)
    return best


def within_species_corr(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The mean over species of each species' own Pearson correlation matrix."""
    matrices = [df.loc[df[SPECIES] == s, list(columns)].corr() for s in species_of(df)]
    total = matrices[0]
    for matrix in matrices[1:]:
        total = total + matrix
    return total / len(matrices)


def pca(df: pd.DataFrame, columns: Sequence[str], *, seed: int) -> tuple[pd.DataFrame, list[float], pd.DataFrame]:
    """PCA of the standardised columns: component scores, explained variance ratios and loadings."""
    import pandas as pd
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    values = StandardScaler().fit_transform(df[list(columns)].to_numpy())
    model = PCA(random_state=seed).fit(values)
    names = [f"PC{i + 1}" for i in range(model.n_components_)]
    scores = pd.DataFrame(model.transform(values), columns=names, index=df.index)
    loadings = pd.DataFrame(model.components_.T, index=list(columns), columns=names)
    return scores, [float(v) for v in model.explained_variance_ratio_], loadings


def components_for(ratios: Sequence[float], share: float) -> int:
    """How many leading components explain at least `share` of the variance."""
    total = 0.0
    for i, ratio in enumerate(ratios):
        total += ratio
        if total >= share - 1e-12:
            return i + 1
    return len(ratios)
