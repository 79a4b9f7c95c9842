"""One local Delta write: plan against the base version, stage parts, move them in, commit optimistically."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from iris_mlops.errors import ConcurrentWriteError
from iris_mlops.storage import delta_log, staging
from iris_mlops.storage.base import RUN_ID_KEY, TableProperties
from iris_mlops.storage.conflicts import Scope, plan_replace, rewrite_without
from iris_mlops.storage.delta_log import DataFile

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from iris_mlops.storage.local_delta import LocalDeltaStore

MAX_ATTEMPTS = 20


@dataclass
class WriteJob:
    """Everything one write needs; `run` returns the version it committed."""

    store: LocalDeltaStore
    name: str
    root: Path
    run_id: str
    operation: str
    scope: Scope

    def run(self, df: DataFrame | None, *, base: int | None, properties: TableProperties | None) -> int:
        """Stage and commit `df` on version `base` (None: the table does not exist yet)."""
        owner = staging.new_owner(self.root)
        committed = False
        try:
            before = self._snapshot(base)
            removes, rewrites = self._plan(before)
            schema = self._schema(df, base)
            parts = self._stage(df, owner, rewrites, schema)
            staged = staging.move_in(self.root, owner, parts)
            version = self._create(staged, schema, properties) if base is None else None
            if version is None:
                version = self._commit(staged, removes, base=base, before=before)
            committed = True
            return version
        finally:
            staging.done(owner) if committed else staging.abandon(self.root, owner)

    # -- planning ---------------------------------------------------------------------------------
    def _snapshot(self, base: int | None) -> list[DataFile]:
        if base is None:
            return []
        return delta_log.snapshot_files(self.store._open(self.name, version=base), column=self.scope.column)

    def _plan(self, before: list[DataFile]) -> tuple[list[DataFile], list[DataFile]]:
        """Files the write removes, and files among them whose other rows it writes again."""
        if self.scope.kind == "all":
            return before, []
        if self.scope.kind == "append" or not before:
            return [], []
        plan = plan_replace(self.root, before, column=str(self.scope.column), values=self.scope.values)
        return [*plan.remove, *plan.rewrite], list(plan.rewrite)

    def _schema(self, df: DataFrame | None, base: int | None) -> pa.Schema:
        if base is not None:
            return pa.schema(self.store._open(self.name, version=base).schema().to_arrow())
        from iris_mlops.spark import arrow_schema

        assert df is not None, "a table is only created by a write with rows"
        return arrow_schema(df.schema)

    def _stage(self, df: DataFrame | None, owner: Path, rewrites: Sequence[DataFile], schema: pa.Schema) -> list[Path]:
        parts: list[Path] = []
        if df is not None:
            parts += staging.write_frame(df, owner / "frame", schema)
        if rewrites:
            (owner / "rewrite").mkdir(parents=True, exist_ok=True)
        for item in rewrites:
            target = owner / "rewrite" / f"{uuid.uuid4().hex}.parquet"
            column = str(self.scope.column)
            rewrite_without(self.root / item.path, target, column=column, values=self.scope.values, schema=schema)
            parts.append(target)
        return staging.merge_small_parts(staging.drop_empty(parts), owner)

    # -- committing -------------------------------------------------------------------------------
    def _metadata(self) -> dict[str, str]:
        return {RUN_ID_KEY: self.run_id, "iris_mlops.operation": self.operation}

    def _create(
        self, staged: list[staging.StagedFile], schema: pa.Schema, properties: TableProperties | None
    ) -> int | None:
        """Create the table with its first commit; None when another writer created it meanwhile."""
        from deltalake import CommitProperties, Schema
        from deltalake.transaction import create_table_with_add_actions

        config = (properties or TableProperties()).as_dict()
        description = config.pop("comment", None)
        # delta-rs refuses keys it does not know at creation (1.6: "Error parsing property"), so
        # custom properties (primary key, feature_version, ...) follow in a metadata commit.
        custom = {k: v for k, v in config.items() if not k.startswith("delta.")}
        commit = CommitProperties(custom_metadata=self._metadata())
        try:
            create_table_with_add_actions(
                str(self.root), Schema.from_arrow(schema), _adds(staged), mode="error",
                name=self.name.split(".")[-1], description=description,
                configuration={k: v for k, v in config.items() if k not in custom} or None, commit_properties=commit,
            )
        except Exception:
            if self.store.exists(self.name) and delta_log.commit_files(self.root):
                self.store._require_schema(self.name, schema)
                return None
            raise
        delta_log.make_commit_durable(self.root, 0)
        if custom:
            self.store._open(self.name).alter.set_table_properties(
                custom, raise_if_not_exists=False, commit_properties=commit
            )
        return int(self.store._open(self.name).version())

    def _commit(self, staged: list[staging.StagedFile], removes: list[DataFile], *, base: int | None,
                before: list[DataFile]) -> int:
        """Commit on `base`; when a newer commit won, check it against the scope and commit on top of it."""
        from deltalake import CommitProperties
        from deltalake.exceptions import CommitFailedError

        actions: list[Any] = [*_adds(staged), *_removes(removes)]
        self.scope = Scope(self.scope.kind, self.scope.column, self.scope.values, frozenset(f.path for f in removes))
        target = base
        for attempt in range(MAX_ATTEMPTS):
            table = self.store._open(self.name, version=target)
            if target is None:
                after = delta_log.snapshot_files(table, column=self.scope.column)
                self.scope.check(self.name, (-1 if base is None else base, int(table.version())), before, after)
            try:
                table.create_write_transaction(
                    actions, mode="append", schema=table.schema(),
                    commit_properties=CommitProperties(custom_metadata=self._metadata(), max_commit_retries=0),
                )
            except CommitFailedError:
                target = None
                time.sleep(0.02 * (attempt + 1) + (os.getpid() % 7) / 200)  # spread writers that collide apart
                continue
            return int(table.version()) + 1
        raise ConcurrentWriteError(
            f"table {self.name} kept changing under this write ({MAX_ATTEMPTS} attempts); nothing was written, rerun"
        )


def _adds(staged: Sequence[staging.StagedFile]) -> list[Any]:
    from deltalake.transaction import AddAction

    now_ms = int(time.time() * 1000)
    return [AddAction(f.name, f.size, {}, now_ms, True, f.stats()) for f in staged]


def _removes(files: Sequence[DataFile]) -> list[Any]:
    from deltalake.transaction import RemoveAction

    now_ms = int(time.time() * 1000)
    return [RemoveAction(f.path, True, now_ms, f.size, {}) for f in files]
