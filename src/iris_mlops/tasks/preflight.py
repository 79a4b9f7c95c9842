"""Checks a task makes before it starts Spark: do the tables it reads exist? (The Delta log answers locally.)"""

from __future__ import annotations

from iris_mlops.errors import TableNotFoundError
from iris_mlops.tasks.context import TaskContext

# The task that creates each table: what to run when it is missing.
MADE_BY = {"bronze": "bronze", "silver": "silver", "quarantine": "silver", "gold": "gold",
           "features": "feature-store"}


def table_exists(ctx: TaskContext, name: str) -> bool:
    """True when the table exists: the Delta log through delta-rs on the local store (no JVM), else the store."""
    from iris_mlops.storage.metadata import DeltaLog

    if ctx.settings.store == "local_delta":
        return DeltaLog(ctx.settings.warehouse_dir).exists(name)
    return ctx.store.exists(name)


def require_table(ctx: TaskContext, key: str) -> str:
    """The table's name; TableNotFoundError saying which command creates it when it does not exist yet."""
    name = ctx.settings.table(key)
    if not table_exists(ctx, name):
        raise TableNotFoundError(f"table {name} does not exist yet: run `iris-mlops {MADE_BY[key]}` first")
    return name
