"""The one timing helper."""

from __future__ import annotations

import time

import pytest

from iris_mlops.timing import Timings


def test_phase_accumulates_and_records_on_error() -> None:
    timings = Timings()
    for _ in range(2):
        with timings.phase("sleep"):
            time.sleep(0.01)
    with pytest.raises(RuntimeError), timings.phase("boom"):
        raise RuntimeError("x")
    assert timings.phases["sleep"] >= 0.02
    assert set(timings.phases) == {"sleep", "boom"}
