"""Run a bundle job's task graph locally, in one process, through the tasks' console-script functions."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iris_mlops.errors import ConfigError, IrisMlopsError
from iris_mlops.workflow.bundle import BundleError, bundle_jobs, find_bundle_root, load_bundle
from iris_mlops.workflow.model import Job, WheelTask, parse_job
from iris_mlops.workflow.report import Reporter
from iris_mlops.workflow.resolve import dynamic_values, reference_values, resolve_dynamic, resolve_references
from iris_mlops.workflow.semantics import RunState, Status, evaluate_run_if, leaves, run_state, select_tasks
from iris_mlops.workflow.warmup import start_warm_up

if TYPE_CHECKING:
    from iris_mlops.config import Settings

ConsoleScript = Callable[[list[str]], Any]
Resolver = Callable[[str, str], ConsoleScript]
# Databricks reads max_retries -1 as "retry forever"; a local run stops after this many retries instead.
UNLIMITED_RETRIES_CAP = 3


@dataclass
class TaskResult:
    key: str
    status: Status
    attempts: int = 0
    max_attempts: int = 1
    duration: float = 0.0
    note: str = ""


@dataclass
class RunResult:
    job: str
    run_id: str
    state: RunState
    tasks: list[TaskResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.state is RunState.FAILED else 0


def console_script(package: str, name: str) -> ConsoleScript:
    """The console-script function `name` that the installed distribution `package` declares."""
    wanted = _normalize(package)
    for entry in entry_points(group="console_scripts"):
        if entry.name == name and entry.dist is not None and _normalize(entry.dist.name) == wanted:
            return entry.load()
    raise ConfigError(f"no console script {name!r} in the installed package {package!r}: pip install -e .")


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def call_console_script(func: ConsoleScript, argv: list[str]) -> int:
    """Call a console-script function and return its exit code; an exception is a failure, with its traceback shown."""
    try:
        result = func(argv)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except Exception:
        traceback.print_exc()
        return 1
    return result if isinstance(result, int) else 0


@dataclass
class LocalRunner:
    """Runs one job: one task at a time in dependency order (bundle order among ready ones), run_if, retries, leaf-based
    result. Databricks runs independent tasks side by side; locally one at a time measured as fast (issue 11)."""

    job: Job
    references: dict[str, Any]
    run_id: str
    resolver: Resolver = console_script
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    reporter: Reporter = field(default_factory=Reporter)

    def run(self, selected: Sequence[str]) -> RunResult:
        """Run the selected tasks; their one-line summaries stay off stdout, which carries the run's table."""
        from iris_mlops.tasks.command import summaries_off

        with summaries_off():
            return self._run(selected)

    def _run(self, selected: Sequence[str]) -> RunResult:
        started, t0 = datetime.now(timezone.utc), self.clock()
        tasks = [t for t in self.job.tasks if t.key in selected]
        # Resolve every entry point and parameter first: a typo fails the run before any task has written anything.
        prepared = {t.key: (self.resolver(t.package_name, t.entry_point), self._argv(t, started)) for t in tasks}
        positions = {t.key: f"{i + 1}/{len(tasks)}" for i, t in enumerate(tasks)}
        statuses: dict[str, Status] = {}
        results: dict[str, TaskResult] = {}

        def record(result: TaskResult) -> None:
            statuses[result.key], results[result.key] = result.status, result

        pending = list(tasks)
        while pending:
            ready = _first_ready(pending, statuses, selected)
            if ready is None:
                raise ConfigError(f"job {self.job.key!r}: tasks {[t.key for t in pending]} wait on a cycle")
            pending.remove(ready)
            skipped = self._skipped(ready, statuses)
            func, argv = prepared[ready.key]
            record(skipped or self._run_task(ready, func, argv, positions[ready.key]))
        for task in self.job.tasks:
            if task.key not in selected:
                results[task.key] = TaskResult(task.key, Status.EXCLUDED, note="not selected (--only/--from)")
        state = run_state(statuses, leaves(self.job, [t.key for t in tasks]))
        ordered = [results[t.key] for t in self.job.tasks]
        return RunResult(self.job.key, self.run_id, state, ordered, self.clock() - t0)

    def _skipped(self, task: WheelTask, statuses: dict[str, Status]) -> TaskResult | None:
        """The task's result when its run_if is not met by its finished dependencies, else None (it runs)."""
        deps = {d: statuses[d] for d in task.depends_on if d in statuses}
        skip = evaluate_run_if(task.run_if, list(deps.values()))
        if skip is None:
            return None
        result = TaskResult(task.key, skip, note=_skip_note(task, deps))
        self.reporter.skipped(result.key, result.status.value, result.note)
        return result

    def _run_task(self, task: WheelTask, func: ConsoleScript, argv: list[str], position: str) -> TaskResult:
        retries = UNLIMITED_RETRIES_CAP if task.max_retries < 0 else task.max_retries
        result = TaskResult(task.key, Status.FAILED, max_attempts=retries + 1)
        first = self.clock()
        while True:
            result.attempts += 1
            self.reporter.started(task.key, position, result.attempts, result.max_attempts, [task.entry_point, *argv])
            attempt_start = self.clock()
            code = call_console_script(func, argv)
            elapsed = self.clock() - attempt_start
            if code == 0 or result.attempts >= result.max_attempts:
                break
            # min_retry_interval_millis counts from the start of the failed attempt.
            wait = max(0.0, task.min_retry_interval_millis / 1000 - elapsed)
            self.reporter.retrying(task.key, code, wait)
            self.sleep(wait)
        result.status = Status.SUCCESS if code == 0 else Status.FAILED
        result.duration = self.clock() - first
        result.note = "" if code == 0 else f"exit code {code}"
        self.reporter.finished(task.key, result.status.value, result.duration, result.note)
        return result

    def _argv(self, task: WheelTask, started: datetime) -> list[str]:
        dynamic = dynamic_values(
            job_key=self.job.key, job_name=self.job.name, run_id=self.run_id, task_key=task.key, started=started,
            job_parameters=dict(self.job.parameters),
        )
        where = f"job {self.job.key!r} task {task.key!r}"
        resolved = [resolve_references(arg, self.references, where=where) for arg in task.argv()]
        return [resolve_dynamic(arg, dynamic, where=where) for arg in resolved]


def _first_ready(
    pending: Sequence[WheelTask], statuses: dict[str, Status], selected: Sequence[str]
) -> WheelTask | None:
    """The first task (in bundle order) whose selected dependencies have all finished."""
    for task in pending:
        if all(d in statuses for d in task.depends_on if d in selected):
            return task
    return None


def _skip_note(task: WheelTask, deps: dict[str, Status]) -> str:
    if deps and all(s is Status.EXCLUDED for s in deps.values()):
        return "all dependencies excluded"
    states = ", ".join(f"{key} {status.value}" for key, status in deps.items())
    return f"run_if {task.run_if} not met ({states})"


def load_job(job_name: str, bundle_dir: Path | None = None) -> tuple[Job, dict[str, Any]]:
    """The job `job_name` of the bundle, and the merged bundle document."""
    document = load_bundle(bundle_dir or find_bundle_root())
    jobs = bundle_jobs(document)
    if job_name not in jobs:  # `data-quality` finds `data_quality`: bundle keys use _, task keys use -
        from iris_mlops.suggest import did_you_mean, same_spelling

        found = same_spelling(job_name, jobs)
        if found is None:
            raise BundleError(f"no job {job_name!r} in the bundle; {did_you_mean(job_name, jobs)}"
                              f"jobs: {', '.join(sorted(jobs)) or 'none'}")
        job_name = found
    return parse_job(job_name, jobs[job_name]), document


def execute_job(
    job_name: str,
    *,
    env: str | None = None,
    only: Sequence[str] = (),
    from_task: str | None = None,
    bundle_dir: Path | None = None,
    resolver: Resolver = console_script,
    sleep: Callable[[float], None] = time.sleep,
    reporter: Reporter | None = None,
    warm: bool = True,
) -> RunResult:
    """Run a job locally and return its result; configuration problems raise IrisMlopsError.

    With `warm` (and the local store), Spark and the MLflow store start in the background as the run begins;
    at the end the run's HTML summary is written under <reports>/runs.
    """
    from iris_mlops.config import load_settings
    from iris_mlops.logs import configure_logging
    from iris_mlops.runtime import home_lock, new_run_id

    root = bundle_dir or find_bundle_root()
    job, document = load_job(job_name, root)
    selected = select_tasks(job, only=only, from_task=from_task)
    settings = load_settings(env)
    configure_logging(settings.home)  # before the warm-up starts Spark: its JVM writes to this home's log
    config = settings.model_dump(by_alias=True, mode="json")
    references = reference_values(document, target=settings.env, config=config, bundle_dir=root)
    reporter = reporter or Reporter()
    runner = LocalRunner(job, references, new_run_id(), resolver=resolver, sleep=sleep, reporter=reporter)
    reporter.header(job.key, settings.env, runner.run_id, selected, len(job.tasks))
    started, page = datetime.now(timezone.utc), None
    if settings.store == "local_delta":
        with home_lock(settings.home):  # re-entrant: each task takes it again
            warm_up = start_warm_up(settings, [t for t in job.tasks if t.key in selected]) if warm else None
            try:
                result = runner.run(selected)
            finally:
                if warm_up is not None:
                    warm_up.finish()
            page = _write_summary(result, job, settings=settings, started_at=started, reporter=reporter)
    else:
        result = runner.run(selected)
    if page is not None:
        reporter.progress(f"[workflow] run summary: {page}  (iris-mlops report --open)")
    reporter.summary(result)
    if result.state is RunState.FAILED and not _alerts_itself(job, selected):
        _alert_failure(result, env=settings.env, page=page)
    return result


def _write_summary(
    result: RunResult, job: Job, *, settings: Settings, started_at: datetime, reporter: Reporter
) -> Path | None:
    """The run's summary page; a failure to write it is reported in one line and never fails the run."""
    from iris_mlops.workflow.run_summary import write_run_summary

    try:
        return write_run_summary(result, job, settings=settings, started_at=started_at)
    except Exception as exc:  # the summary reads tables and MLflow: whatever breaks there, the run stands
        logging.getLogger(__name__).exception("run summary not written")
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        reporter.progress(f"[workflow] run summary not written ({type(exc).__name__}: {first}); see the log file")
        return None


def _alerts_itself(job: Job, selected: Sequence[str]) -> bool:
    """True when the run has its own notify-failure task (run_if AT_LEAST_ONE_FAILED), which alerts instead."""
    from iris_mlops.tasks.registry import get_task

    script = get_task("notify-failure").console_script
    return any(t.key in selected and t.entry_point == script for t in job.tasks)


def _alert_failure(result: RunResult, *, env: str, page: Path | None) -> None:
    """The end-of-run hook: a critical alert naming the failed tasks (docs/alerts.md); it never raises."""
    from iris_mlops.tasks.alerts import alert_failed_local_run

    failed = [t.key for t in result.tasks if t.status is Status.FAILED]
    alert_failed_local_run(job=result.job, env=env, run_id=result.run_id, failed_tasks=failed,
                           links={"Run summary": str(page)} if page else None)


def run_job(job_name: str, *, env: str | None = None, only: Sequence[str] | str | None = None,
            from_task: str | None = None, bundle_dir: Path | None = None) -> int:
    """Run a bundle job locally (what `iris-mlops workflow run` and `iris-mlops run` do); return the exit code."""
    chosen = [only] if isinstance(only, str) else list(only or [])
    try:
        return execute_job(job_name, env=env, only=chosen, from_task=from_task, bundle_dir=bundle_dir).exit_code
    except IrisMlopsError as exc:
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
