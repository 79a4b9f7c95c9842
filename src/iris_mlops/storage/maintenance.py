"""Vacuum and compaction of local Delta tables with delta-rs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from iris_mlops.storage.base import RUN_ID_KEY

if TYPE_CHECKING:
    from deltalake import DeltaTable


def local_vacuum(table: DeltaTable, *, retain_hours: float, keep_versions: Sequence[int]) -> list[str]:
    """Delete unreferenced files older than `retain_hours`, keeping every file of `keep_versions`."""
    return list(
        table.vacuum(
            retention_hours=int(retain_hours),
            dry_run=False,
            enforce_retention_duration=False,
            keep_versions=sorted(set(keep_versions)) or None,
        )
    )


def local_optimize(table: DeltaTable, *, run_id: str, target_bytes: int) -> tuple[int, int]:
    """Bin-pack small files into files of about `target_bytes`; returns (files removed, files added)."""
    from deltalake import CommitProperties

    commit = CommitProperties(custom_metadata={RUN_ID_KEY: run_id, "iris_mlops.operation": "optimize"})
    metrics: dict[str, Any] = table.optimize.compact(target_size=target_bytes, commit_properties=commit)
    return int(metrics.get("numFilesRemoved", 0)), int(metrics.get("numFilesAdded", 0))
