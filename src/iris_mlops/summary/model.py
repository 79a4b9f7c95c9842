"""What a run summary shows, as plain typed data (the runner fills it; the renderer only reads it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

FAILED_STATES = ("FAILED", "TIMEDOUT", "INTERNAL_ERROR", "UPSTREAM_FAILED")


@dataclass(frozen=True)
class TaskRun:
    """One task of the job: its status, how long it took and what it waited for."""

    key: str
    status: str  # SUCCESS, FAILED, EXCLUDED, UPSTREAM_FAILED, ...
    duration_seconds: float | None = None
    depends_on: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class TableVersion:
    """A table as the run left it: version, rows, and the tables it was built from (lineage)."""

    name: str
    version: int | None
    rows: int | None = None
    upstream: tuple[str, ...] = ()  # names of the tables it was built from
    location: str | None = None


@dataclass(frozen=True)
class QualityRow:
    """One expectation's outcome, already in words: `description` says what was expected."""

    table: str
    description: str
    severity: str  # error | warn
    success: bool
    observed: str = ""
    unexpected: int | None = None
    expectation: str = ""  # the expectation type, for people who know GX


@dataclass(frozen=True)
class ModelSummary:
    """The model this run registered (or reused) and what the promotion gate decided."""

    name: str
    version: str
    champion: str | None
    promoted: bool
    reason: str
    pinned: bool = False
    metric: str = "f1_macro"
    score: float | None = None
    algorithm: str | None = None
    mlflow_run_id: str | None = None
    trained_on: str | None = None  # the feature table version, e.g. iris_features@v3


@dataclass(frozen=True)
class Link:
    """A link to another page or a command to run."""

    label: str
    href: str


@dataclass(frozen=True)
class RunSummary:
    """Everything the run summary page shows."""

    run_id: str
    job: str
    env: str
    state: str  # SUCCESS | FAILED | ...
    started_at: str  # ISO 8601, UTC
    duration_seconds: float
    tasks: tuple[TaskRun, ...] = ()
    tables: tuple[TableVersion, ...] = ()
    quarantine_reasons: Mapping[str, int] = field(default_factory=dict)
    quality: tuple[QualityRow, ...] = ()
    model: ModelSummary | None = None
    links: tuple[Link, ...] = ()
    mlflow_command: str | None = None

    @property
    def failed(self) -> bool:
        return self.state.upper() in FAILED_STATES

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the index and `iris-mlops report` read it back)."""
        data = asdict(self)
        data["quarantine_reasons"] = dict(self.quarantine_reasons)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        """The summary `to_dict` wrote."""
        model = data.get("model")
        return cls(
            run_id=data["run_id"], job=data["job"], env=data["env"], state=data["state"],
            started_at=data["started_at"], duration_seconds=float(data["duration_seconds"]),
            tasks=_many(TaskRun, data.get("tasks", ()), tuples=("depends_on",)),
            tables=_many(TableVersion, data.get("tables", ()), tuples=("upstream",)),
            quarantine_reasons={str(k): int(v) for k, v in (data.get("quarantine_reasons") or {}).items()},
            quality=_many(QualityRow, data.get("quality", ())),
            model=ModelSummary(**model) if model else None,
            links=_many(Link, data.get("links", ())),
            mlflow_command=data.get("mlflow_command"),
        )


def _many(kind: Any, rows: Sequence[Mapping[str, Any]], *, tuples: Sequence[str] = ()) -> tuple[Any, ...]:
    return tuple(kind(**{k: tuple(v) if k in tuples else v for k, v in row.items()}) for row in rows)
