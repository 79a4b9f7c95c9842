"""Leaderboard presentation: a table for MLflow and the console, and a chart with error bars."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iris_mlops.automl.catalog import model_label
from iris_mlops.automl.selection import Leaderboard, TrialResult, leaderboard_records

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def leaderboard_frame(board: Leaderboard) -> pd.DataFrame:
    """One row per family; parameters as JSON text so every column is a scalar."""
    import pandas as pd

    rows = []
    for record in leaderboard_records(board):
        rows.append({**record, "params": json.dumps(record["params"], sort_keys=True) if record["params"] else ""})
    return pd.DataFrame(rows)


def trials_frame(results: Sequence[TrialResult], *, metric: str) -> pd.DataFrame:
    """One row per planned trial (done, failed or skipped) with its parameters and scores."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for r in results:
        done = r.status == "done"
        rows.append(
            {
                "family": r.family,
                "trial": r.index,
                "status": r.status,
                "params": json.dumps(dict(r.params), sort_keys=True),
                f"{metric}_mean": r.mean(metric) if done else None,
                f"{metric}_std": r.std(metric) if done else None,
                "fit_seconds": r.fit_seconds if done else None,
                "error": r.error or "",
            }
        )
    return pd.DataFrame(rows)


def leaderboard_text(board: Leaderboard) -> str:
    """A fixed-width table for the console."""
    metric = board.metric
    lines = [f"{'rank':>4}  {'family':<20} {'status':<9} {'trials':>7}  {metric + ' mean ± std':<22} best params"]
    for rec in leaderboard_records(board):
        trials = f"{rec['trials_done']}/{rec['trials_planned']}"
        score = (
            f"{rec[f'{metric}_mean']:.4f} ± {rec[f'{metric}_std']:.4f}" if rec[f"{metric}_mean"] is not None else "-"
        )
        params = json.dumps(rec["params"], sort_keys=True) if rec["params"] else "-"
        rank = str(rec["rank"]) if rec["rank"] else "-"
        lines.append(f"{rank:>4}  {rec['family']:<20} {rec['status']:<9} {trials:>7}  {score:<22} {params}")
    if board.partial:
        lines.append(f"PARTIAL: the time limit skipped {len(board.skipped)} trial(s): {', '.join(board.skipped)}")
    return "\n".join(lines)


def leaderboard_figure(board: Leaderboard) -> Figure:
    """Mean CV score per family with ± std error bars, best on top; skipped families are listed as such."""
    from matplotlib.figure import Figure

    metric = board.metric
    rows = [r for r in board.rows if r.best is not None][::-1]
    figure = Figure(figsize=(7.5, 0.45 * max(len(board.rows), 1) + 1.5))
    axes = figure.subplots()
    labels = [f"#{r.rank} {model_label(r.family)}" for r in rows]
    means = [r.best.mean(metric) for r in rows if r.best]
    stds = [r.best.std(metric) for r in rows if r.best]
    axes.barh(labels, means, xerr=stds, capsize=3, color=["#d95f02" if r.rank == 1 else "#7570b3" for r in rows])
    low = min((m - s for m, s in zip(means, stds, strict=True)), default=0.0)
    high = max((m + s for m, s in zip(means, stds, strict=True)), default=1.0)
    axes.set_xlim(max(0.0, low - 0.05), max(1.0, high) + 0.01)
    missing = [model_label(r.family) for r in board.rows if r.best is None]
    suffix = f" — partial, no result for {', '.join(missing)}" if missing else (" — partial" if board.partial else "")
    axes.set(xlabel=f"{metric} (mean ± std over CV folds)", ylabel="family", title=f"AutoML leaderboard{suffix}")
    figure.tight_layout()
    return figure
