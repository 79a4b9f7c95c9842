"""Run ids and the lock that keeps two local runs from interleaving on one home folder."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from iris_mlops.errors import LockedError

_held: dict[Path, tuple[IO[str], int]] = {}
_held_guard = threading.RLock()  # the workflow runner's tasks take the lock again from worker threads


def new_run_id() -> str:
    """A sortable local run id: UTC time plus a random suffix."""
    return f"local-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def resolve_run_id(explicit: str | None) -> str:
    """The Databricks job run id passed by the bundle when there is one, else a new local id."""
    # An unresolved `{{job.run_id}}` means the parameter reached us outside a job run.
    if explicit and not explicit.startswith("{{"):
        return explicit
    return new_run_id()


@contextmanager
def home_lock(home: Path, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `home`; re-entrant within one process (the workflow runner nests tasks)."""
    home.mkdir(parents=True, exist_ok=True)
    path = (home / ".lock").resolve()
    if _reenter(path):
        try:
            yield
        finally:
            _release(path)
        return
    handle = path.open("a+", encoding="utf-8")
    _acquire(handle, path, wait_seconds if wait_seconds is not None else _default_wait())
    with _held_guard:
        _held[path] = (handle, 1)
    try:
        yield
    finally:
        _release(path)


def _reenter(path: Path) -> bool:
    """Count one more holder when this process holds the lock already."""
    with _held_guard:
        if path not in _held:
            return False
        handle, depth = _held[path]
        _held[path] = (handle, depth + 1)
        return True


def _default_wait() -> float:
    return float(os.environ.get("IRIS_MLOPS_LOCK_WAIT_SECONDS", "60"))


def _acquire(handle: IO[str], path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise LockedError(
                    f"another iris-mlops run ({holder}) holds {path}; waited {wait_seconds:.0f}s, retry when it ends"
                ) from None
            time.sleep(0.2)
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        return


def _release(path: Path) -> None:
    with _held_guard:
        handle, depth = _held[path]
        if depth > 1:
            _held[path] = (handle, depth - 1)
            return
        del _held[path]
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()
