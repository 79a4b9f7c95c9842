"""The run summary: one self-contained HTML page per local run, and an index of every run."""

from __future__ import annotations

from iris_mlops.summary.model import Link, ModelSummary, QualityRow, RunSummary, TableVersion, TaskRun
from iris_mlops.summary.pages import index_path, load_summaries, summary_path, write_summary

__all__ = [
    "Link",
    "ModelSummary",
    "QualityRow",
    "RunSummary",
    "TableVersion",
    "TaskRun",
    "index_path",
    "load_summaries",
    "summary_path",
    "write_summary",
]
