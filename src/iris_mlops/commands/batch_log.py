"""Batch status from the Delta log (delta-rs), without Spark: the same answer as layers.silver.batch_status.

`batches list` on the local store reads three small columns of bronze, silver and quarantine with delta-rs
and counts in Python; starting a JVM for that costs seconds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from iris_mlops.schemas import BATCH_ID, INGESTED_AT, SOURCE
from iris_mlops.storage.metadata import DeltaLog

LAYERS = ("bronze", "silver", "quarantine")
DONE, PENDING, ORPHAN = "done", "pending", "orphan"  # as layers.silver


def batch_rows_from_log(log: DeltaLog, names: dict[str, str]) -> list[dict[str, Any]]:
    """One dict per batch: source, ingested_at, rows per layer and status; [] before the first bronze load."""
    if not log.exists(names["bronze"]):
        return []
    batches: dict[str, dict[str, Any]] = defaultdict(lambda: {"loads": [], **{f"{k}_rows": 0 for k in LAYERS}})
    for layer in LAYERS:
        if not log.exists(names[layer]):
            continue
        columns = [BATCH_ID, INGESTED_AT, *([SOURCE] if layer == "bronze" else [])]
        for row in log.rows(names[layer], columns):
            entry = batches[row[BATCH_ID]]
            entry[f"{layer}_rows"] += 1
            loaded = _naive_utc(row[INGESTED_AT])
            if layer == "bronze":
                entry[SOURCE] = max(filter(None, [entry.get(SOURCE), row[SOURCE]]), default=None)
                entry[INGESTED_AT] = max(filter(None, [entry.get(INGESTED_AT), loaded]), default=None)
            else:
                entry["loads"].append(loaded)
    return [_status(batch, entry) for batch, entry in batches.items()]


def _status(batch: str, entry: dict[str, Any]) -> dict[str, Any]:
    ingested = entry.get(INGESTED_AT)
    loads = [t for t in entry["loads"] if t is not None]
    complete = entry["silver_rows"] + entry["quarantine_rows"] == entry["bronze_rows"]
    same_load = not loads or (min(loads) == ingested and max(loads) == ingested)
    state = ORPHAN if not entry["bronze_rows"] else DONE if complete and same_load else PENDING
    counts = {f"{k}_rows": entry[f"{k}_rows"] for k in LAYERS}
    return {BATCH_ID: batch, SOURCE: entry.get(SOURCE), INGESTED_AT: ingested, **counts, "status": state}


def _naive_utc(value: datetime | None) -> datetime | None:
    """Spark returns naive UTC timestamps (session time zone UTC); delta-rs aware ones: print them alike."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)
