"""Finish what a killed `train` left behind: stale RUNNING runs, and registrations whose gate was not completed.

`registry.register_and_gate` decides before it registers and stores the decision in the new version's tags,
then sets the aliases, then writes the run's `gate.decision` tag last (the ledger entry). A version whose run
has no `gate.decision` was therefore cut short after registration: the aliases it was due are set (only when
no newer version took over since) and the ledger is written. A version without a stored decision is labelled
`gate_decision=interrupted` and never promoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iris_mlops.ml.registry import CHALLENGER, CHAMPION, alias_version

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

LEDGER_TAG = "gate.decision"
RECOVERED_TAG = "iris_mlops.recovered"


@dataclass
class Recovery:
    """What was found unfinished and how it was completed."""

    failed_runs: list[str] = field(default_factory=list)  # RUNNING runs of dead processes, now FAILED
    completed_versions: list[str] = field(default_factory=list)  # aliases and ledger finished from the stored decision
    interrupted_versions: list[str] = field(default_factory=list)  # no stored decision: labelled, never promoted

    def __bool__(self) -> bool:
        return bool(self.failed_runs or self.completed_versions or self.interrupted_versions)


def recover_unfinished(
    registry: MlflowClient, *, experiment_id: str, model_name: str, stale_after_hours: float = 0.0
) -> Recovery:
    """Complete or label everything a killed training run left behind (call before training).

    `stale_after_hours`: 0 under the local home lock (no other training can be running); on a shared workspace,
    where another job may be training right now, only runs RUNNING for longer than this are failed.
    """
    recovery = Recovery(failed_runs=fail_stale_runs(registry, experiment_id=experiment_id,
                                                    older_than_hours=stale_after_hours))
    versions = sorted(_versions(registry, model_name), key=lambda v: int(v.version))
    newest = str(versions[-1].version) if versions else None
    for version in versions:
        run_tags = registry.get_run(version.run_id).data.tags if version.run_id else {}
        if LEDGER_TAG in run_tags or (version.tags or {}).get("gate_decision") == "interrupted":
            continue
        decision = (version.tags or {}).get("gate_decision")
        if decision in ("promoted", "rejected", "kept_pinned") and version.run_id:
            _complete(registry, version, promoted=decision == "promoted", newest=str(version.version) == newest)
            recovery.completed_versions.append(str(version.version))
        elif version.run_id and "promoted_by" not in (version.tags or {}) and decision is None:
            registry.set_model_version_tag(model_name, str(version.version), "gate_decision", "interrupted")
            recovery.interrupted_versions.append(str(version.version))
    return recovery


def fail_stale_runs(registry: MlflowClient, *, experiment_id: str, older_than_hours: float = 0.0) -> list[str]:
    """Mark RUNNING runs (started more than `older_than_hours` ago) FAILED: their process is dead."""
    import time

    started_before = int((time.time() - older_than_hours * 3600) * 1000)
    found = registry.search_runs([experiment_id], filter_string="attributes.status = 'RUNNING'")
    stale = [run for run in found if (run.info.start_time or 0) <= started_before]
    for run in stale:
        registry.set_tag(run.info.run_id, RECOVERED_TAG, "marked FAILED: its process died before the run ended")
        registry.set_terminated(run.info.run_id, status="FAILED")
    return [run.info.run_id for run in stale]


def _complete(registry: MlflowClient, version: ModelVersion, *, promoted: bool, newest: bool) -> None:
    """Set the aliases the stored decision called for (unless a newer version took them), then the ledger."""
    name, number, run_id = version.name, str(version.version), str(version.run_id)
    if newest:
        registry.set_registered_model_alias(name, CHALLENGER, number)
    champion = alias_version(registry, name, CHAMPION)
    if promoted and (champion is None or int(champion.version) < int(number)):
        registry.set_registered_model_alias(name, CHAMPION, number)
    tags = version.tags or {}
    for key, value in {"gate.reason": tags.get("gate_reason", ""), "gate.model_version": number,
                       RECOVERED_TAG: "gate completed after an interrupted run",
                       LEDGER_TAG: "promoted" if promoted else "rejected"}.items():
        registry.set_tag(run_id, key, value)


def _versions(registry: MlflowClient, model_name: str) -> list[ModelVersion]:
    from mlflow.exceptions import MlflowException

    try:
        return list(registry.search_model_versions(f"name = '{model_name}'"))
    except MlflowException:  # no such model yet: nothing to recover
        return []
