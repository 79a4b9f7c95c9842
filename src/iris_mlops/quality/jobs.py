"""Count the Spark jobs and time each phase of a validation, without a SparkListener."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from iris_mlops.timing import Timings


class PhaseMeter:
    """Wall time and Spark job count per phase, via job tags and the status tracker.

    Tags add to (never replace) a caller's job group. Where the SparkContext is not reachable
    (Spark Connect, serverless) job counts are left out and only timings are recorded.
    """

    def __init__(self, spark: Any) -> None:
        self._timings = Timings()
        self.jobs: dict[str, int] = {}
        self._prefix = f"iris-mlops-dq-{uuid.uuid4().hex[:12]}"
        try:
            self._sc = spark.sparkContext
            self._tracker = self._sc._jsc.sc().statusTracker()
        except Exception:
            self._sc = None
            self._tracker = None

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per phase, rounded for the report."""
        return {name: round(seconds, 4) for name, seconds in self._timings.phases.items()}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block and count the jobs it ran under a unique tag."""
        tag = f"{self._prefix}-{name}"
        if self._sc is not None:
            self._sc.addJobTag(tag)
        try:
            with self._timings.phase(name):
                yield
        finally:
            if self._sc is not None:
                self._sc.removeJobTag(tag)
                self.jobs[name] = self.jobs.get(name, 0) + len(list(self._tracker.getJobIdsForTag(tag)))
