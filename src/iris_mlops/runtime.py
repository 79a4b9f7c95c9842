"""Run ids and the lock that keeps two local runs from interleaving on one home folder.

`IRIS_MLOPS_LOCK_WAIT_SECONDS` (default 60) bounds the wait for the lock. `IRIS_MLOPS_HOME_LOCK=off` skips it:
for tests of concurrent writers and for setups that coordinate writers themselves. Tables stay safe without it
(every commit is checked against the version it was built on), but two runs may then refuse each other's work.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from iris_mlops.errors import ConfigError, LockedError

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
    if _lock_disabled():
        yield
        return
    wait = wait_seconds if wait_seconds is not None else _default_wait()
    ensure_home(home)
    path = (home / ".lock").resolve()
    if _reenter(path):
        try:
            yield
        finally:
            _release(path)
        return
    try:
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"home folder {home} is not writable ({exc.strerror or exc}): set IRIS_MLOPS_HOME") from None
    _acquire(handle, path, wait)
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


def ensure_home(home: Path) -> None:
    """Create the home folder, or raise a one-line ConfigError (under a file, read-only, disk full)."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"home folder {home} is a file or under a file: set IRIS_MLOPS_HOME to a folder") from None
    except NotADirectoryError:
        raise ConfigError(f"home folder {home} is under a file: set IRIS_MLOPS_HOME to a folder") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"home folder {home} cannot be created ({reason}): set IRIS_MLOPS_HOME") from None


def _lock_disabled() -> bool:
    value = os.environ.get("IRIS_MLOPS_HOME_LOCK", "on").strip().lower()
    if value not in ("on", "off", "1", "0", "true", "false"):
        raise ConfigError(f"IRIS_MLOPS_HOME_LOCK={value!r} is not valid: use on or off")
    return value in ("off", "0", "false")


def _default_wait() -> float:
    raw = os.environ.get("IRIS_MLOPS_LOCK_WAIT_SECONDS", "60")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ConfigError(f"IRIS_MLOPS_LOCK_WAIT_SECONDS={raw!r} is not a number of seconds >= 0")
    return value


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read().strip() or "another process"


def _acquire(handle: IO[str], path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not told and wait_seconds > 0:  # say why nothing happens, once, on stderr
                print(f"waiting up to {wait_seconds:.0f}s for {path}, held by {_holder(handle)}", file=sys.stderr)
                told = True
            if time.monotonic() >= deadline:
                holder = _holder(handle)
                handle.close()
                raise LockedError(
                    f"another iris-mlops run ({holder}) holds {path}; waited {wait_seconds:.0f}s, retry when it ends"
                ) from None
            time.sleep(0.2)
            continue
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
        except OSError as exc:  # a full or read-only disk: say so before any task writes
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
            raise ConfigError(f"home folder {path.parent} is not writable ({exc.strerror or exc})") from None
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
