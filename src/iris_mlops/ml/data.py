"""Loading the training frame from the feature table, pinned to one table version and one feature version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iris_mlops.errors import InputError, ModelError, TableNotFoundError
from iris_mlops.features.definitions import FEATURE_VERSION, RAW_MEASUREMENTS
from iris_mlops.schemas import FEATURE_VERSION_COLUMN, LABEL, RUN_ID, SAMPLE_ID

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from iris_mlops.storage import TableStore

# The feature-store run whose rows the lineage properties (source table and version) describe. The rows and the
# properties are two commits: a run that dies between them leaves properties of an older build on new rows.
LINEAGE_RUN_ID = "iris_mlops.lineage_run_id"


@dataclass(frozen=True)
class TrainingData:
    """The rows a model trains and is evaluated on, and exactly where they came from."""

    frame: pd.DataFrame  # one row per sample, sorted by sample_id
    table: str
    version: int
    feature_version: str
    location: str
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> pd.DataFrame:
        """The model input: the four raw measurements (the model computes the engineered features)."""
        return self.frame.loc[:, list(RAW_MEASUREMENTS)]

    @property
    def labels(self) -> pd.Series:
        """The species names."""
        return self.frame[LABEL]


def load_training_frame(
    store: TableStore, table: str, *, version: int | None = None, expected_feature_version: str = FEATURE_VERSION
) -> TrainingData:
    """Read the feature table at `version` (default: current) into pandas, sorted by sample_id.

    Raises TableNotFoundError when the table is missing, InputError when that version holds no row,
    ModelError when its rows were built by other feature definitions than `expected_feature_version`.
    """
    if not store.exists(table):
        raise TableNotFoundError(f"feature table {table} does not exist: run `iris-mlops feature-store` first")
    pinned = store.version(table) if version is None else version
    frame: pd.DataFrame = store.read(table, version=pinned).toPandas()
    if frame.empty:
        raise InputError(f"feature table {table} version {pinned} is empty: nothing to train on")
    check_feature_version(frame[FEATURE_VERSION_COLUMN].unique().tolist(), expected_feature_version, table=table)
    properties = store.properties(table)
    check_lineage(frame[RUN_ID].unique().tolist(), properties, table=table, version=pinned)
    frame = frame.sort_values(SAMPLE_ID, kind="stable").reset_index(drop=True)
    return TrainingData(frame, table, pinned, expected_feature_version, store.location(table), properties)


def check_lineage(row_run_ids: list[str], properties: Mapping[str, str], *, table: str, version: int) -> None:
    """Raise ModelError unless the table's lineage properties were written by the run that wrote its rows."""
    recorded = properties.get(LINEAGE_RUN_ID)
    if recorded is None or set(row_run_ids) != {recorded}:
        raise ModelError(
            f"feature table {table} version {version} has no lineage for its rows (a feature-store run was "
            "interrupted between its data and its properties commit): rerun `iris-mlops feature-store`"
        )


def check_feature_version(found: list[str], expected: str, *, table: str) -> None:
    """Raise ModelError unless every row of `table` carries `expected` (the version the code or model uses)."""
    if set(found) != {expected}:
        shown = ", ".join(sorted(map(str, found))) or "none"
        raise ModelError(
            f"feature table {table} has feature_version {shown} but {expected} is expected: "
            "rebuild it with `iris-mlops feature-store`"
        )
