"""The request log: records wait in memory and a background thread writes them, off the response path.

A write happens when `flush_rows` records wait or `flush_seconds` after the previous write, and once more
on `close()`, which a clean stop (SIGTERM, SIGINT) calls: nothing accepted before `close()` is lost. A failed
write keeps its records for the next attempt (stderr says so), up to `max_pending` records, after which the
oldest are dropped and counted, so a table that stays unwritable cannot exhaust memory.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class LogStats:
    """What the log did: records written, writes, failed writes, records dropped, records still waiting."""

    written: int
    writes: int
    failures: int
    dropped: int
    pending: int


class RequestLog(Generic[T]):
    """Buffer records and write them in batches from one background thread."""

    def __init__(
        self, write: Callable[[Sequence[T]], object], *, flush_rows: int, flush_seconds: float,
        max_pending: int = 1_000_000, report: Callable[[str], None] | None = None,
    ) -> None:
        self._write = write
        self._flush_rows, self._flush_seconds, self._max_pending = flush_rows, flush_seconds, max_pending
        self._report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        self._pending: list[T] = []
        self._wake = threading.Condition()
        self._closed = False
        self._written = self._writes = self._failures = self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="iris-mlops-request-log", daemon=True)
        self._thread.start()

    def add(self, records: Sequence[T]) -> None:
        """Queue records (cheap: a list extend under a lock); raises RuntimeError once closed."""
        with self._wake:
            if self._closed:
                raise RuntimeError("the request log is closed")
            self._pending.extend(records)
            if len(self._pending) >= self._flush_rows:
                self._wake.notify()

    def close(self, timeout: float | None = None) -> LogStats:
        """Stop accepting records, write what waits, stop the thread; returns the final counts."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)
        return self.stats()

    def stats(self) -> LogStats:
        """The counts so far."""
        with self._wake:
            return LogStats(self._written, self._writes, self._failures, self._dropped, len(self._pending))

    def _run(self) -> None:
        closing = False
        while not closing:
            with self._wake:
                if not self._closed and len(self._pending) < self._flush_rows:
                    self._wake.wait(self._flush_seconds)
                closing = self._closed
            self._flush_pending()
        if not self._flush_pending():  # closed after a failed write: one last attempt, then say what is lost
            self._report(f"request log: {self.stats().pending} record(s) could not be written before the stop")

    def _flush_pending(self) -> bool:
        """Write what waits; True when nothing is left waiting."""
        with self._wake:
            batch, self._pending = self._pending, []
        if batch:
            self._flush(batch)
        with self._wake:
            return not self._pending

    def _flush(self, batch: list[T]) -> None:
        try:
            self._write(batch)
        except Exception as exc:  # the log must never take the server down: keep the rows, say why
            with self._wake:
                self._failures += 1
                self._pending[:0] = batch
                overflow = len(self._pending) - self._max_pending
                if overflow > 0:
                    del self._pending[:overflow]
                    self._dropped += overflow
            self._report(f"request log: writing {len(batch)} record(s) failed, kept for the next attempt: {exc}")
            return
        with self._wake:
            self._written += len(batch)
            self._writes += 1
