"""Simulated Iris batches with a known change, for demos, tests and the parity check (pure, seeded).

Every kind starts from a bootstrap resample of scikit-learn's bundled Iris rows (150 by default), so
`none` is a resample of the reference distribution, and then applies one change to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from iris_mlops.config import MEASUREMENTS
from iris_mlops.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["none", "mean-shift", "scale", "class-mix", "nulls", "outliers", "volume"]
KINDS: tuple[str, ...] = ("none", "mean-shift", "scale", "class-mix", "nulls", "outliers", "volume")


@dataclass(frozen=True)
class KindSpec:
    """What `severity` means for a kind, its default and its allowed range."""

    meaning: str
    default: float
    low: float
    high: float


SPECS = {
    "none": KindSpec("unused", 0.0, 0.0, 0.0),
    "mean-shift": KindSpec("shift of the column's mean, in standard deviations", 1.0, -10.0, 10.0),
    "scale": KindSpec("relative change of the column's spread around its mean (1.0 doubles it)", 1.0, -0.9, 10.0),
    "class-mix": KindSpec("share of rows drawn from the last species", 0.8, 0.0, 1.0),
    "nulls": KindSpec("share of the column's values set to null", 0.2, 0.0, 1.0),
    "outliers": KindSpec("share of rows whose column is moved 6 standard deviations up", 0.05, 0.0, 1.0),
    "volume": KindSpec("rows as a multiple of the base row count", 0.2, 0.01, 100.0),
}


def iris_frame() -> pd.DataFrame:
    """scikit-learn's bundled Iris as measurements + species names."""
    import pandas as pd
    from sklearn.datasets import load_iris

    bunch = load_iris()
    frame = pd.DataFrame(bunch.data, columns=list(MEASUREMENTS))
    frame["species"] = [str(bunch.target_names[t]) for t in bunch.target]
    return frame


def simulate_batch(kind: str, *, column: str = "petal_length", severity: float | None = None, seed: int = 42,
                   rows: int = 150) -> pd.DataFrame:
    """A bootstrap resample of Iris with the change `kind` applied to `column` at `severity` (its default if None)."""
    spec = _check(kind, column=column, severity=severity, rows=rows)
    level = spec.default if severity is None else float(severity)
    rng = np.random.default_rng(seed)
    base = iris_frame()
    if kind == "volume":
        rows = max(1, round(rows * level))
    if kind == "class-mix":
        frame = _class_mix(base, rng, rows=rows, share=level)
    else:
        frame = base.iloc[rng.integers(0, len(base), rows)].reset_index(drop=True)
    frame = _apply(kind, frame, base, rng, column=column, level=level)
    frame[list(MEASUREMENTS)] = frame[list(MEASUREMENTS)].round(2)
    return frame


def _check(kind: str, *, column: str, severity: float | None, rows: int) -> KindSpec:
    if kind not in SPECS:
        raise InputError(f"unknown simulation kind {kind!r}: choose one of {', '.join(KINDS)}")
    if column not in MEASUREMENTS:
        raise InputError(f"unknown column {column!r}: choose one of {', '.join(MEASUREMENTS)}")
    if rows < 1:
        raise InputError(f"rows must be at least 1, got {rows}")
    spec = SPECS[kind]
    if severity is not None and kind != "none" and not spec.low <= severity <= spec.high:
        raise InputError(f"severity {severity} out of range for {kind} ({spec.meaning}): "
                         f"use a value in [{spec.low}, {spec.high}]")
    return spec


def _class_mix(base: pd.DataFrame, rng: np.random.Generator, *, rows: int, share: float) -> pd.DataFrame:
    last = base["species"].unique()[-1]
    weights = np.where(base["species"] == last, share / (base["species"] == last).sum(),
                       (1 - share) / (base["species"] != last).sum())
    picked = rng.choice(len(base), size=rows, replace=True, p=weights / weights.sum())
    return base.iloc[picked].reset_index(drop=True)


def _apply(kind: str, frame: pd.DataFrame, base: pd.DataFrame, rng: np.random.Generator, *, column: str,
           level: float) -> pd.DataFrame:
    out = frame.copy()
    mean, std = float(base[column].mean()), float(base[column].std(ddof=0))
    if kind == "mean-shift":
        out[column] = out[column] + level * std
    elif kind == "scale":
        out[column] = mean + (out[column] - mean) * (1 + level)
    elif kind in ("nulls", "outliers"):
        chosen = rng.random(len(out)) < level
        out[column] = out[column].astype(float)
        out.loc[chosen, column] = np.nan if kind == "nulls" else out.loc[chosen, column] + 6 * std
    return out
