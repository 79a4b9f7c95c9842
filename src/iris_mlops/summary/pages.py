"""Where run summaries live: <reports>/runs/<run id>.html (+ .json), and runs/index.html listing every run."""

from __future__ import annotations

import json
from pathlib import Path

from iris_mlops.summary.model import RunSummary
from iris_mlops.summary.render import render_index, render_summary

INDEX_NAME = "index.html"


def summary_path(folder: Path, run_id: str) -> Path:
    """The HTML summary of `run_id` under `folder` (<reports>/runs)."""
    return folder / f"{run_id}.html"


def index_path(folder: Path) -> Path:
    """The index page listing every run."""
    return folder / INDEX_NAME


def write_summary(folder: Path, summary: RunSummary) -> Path:
    """Write the run's page and its data, then rebuild the index; returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{summary.run_id}.json").write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    path = summary_path(folder, summary.run_id)
    path.write_text(render_summary(summary), encoding="utf-8")
    write_index(folder)
    return path


def write_index(folder: Path) -> Path:
    """(Re)write the index from every summary's data in `folder`."""
    path = index_path(folder)
    path.write_text(render_index(load_summaries(folder)), encoding="utf-8")
    return path


def load_summaries(folder: Path) -> list[RunSummary]:
    """Every summary written under `folder`, newest first; unreadable files are skipped."""
    summaries = []
    for data_file in folder.glob("*.json") if folder.is_dir() else ():
        try:
            summaries.append(RunSummary.from_dict(json.loads(data_file.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, TypeError):
            continue  # a half-written or foreign file must not hide the other runs
    return sorted(summaries, key=lambda s: (s.started_at, s.run_id), reverse=True)
