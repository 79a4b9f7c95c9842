"""The buffered request log: batches by size and time, flushes everything on stop, survives a failing write."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Sequence

from iris_mlops.serving.app import AbSplit, ServingApp
from iris_mlops.serving.logbuffer import RequestLog
from iris_mlops.serving.server import start_server


class Batches:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def __call__(self, records: Sequence[int]) -> None:
        with self.lock:
            if self.fail_first:
                self.fail_first -= 1
                raise OSError("table unavailable")
            self.batches.append(list(records))


def _wait_for_a_write(sink: Batches, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not sink.batches and time.monotonic() < deadline:
        time.sleep(0.01)


def test_request_log_writes_when_flush_rows_wait() -> None:
    sink = Batches()
    log = RequestLog(sink, flush_rows=10, flush_seconds=60)
    log.add(list(range(10)))
    _wait_for_a_write(sink)
    assert sink.batches == [list(range(10))]
    log.close()


def test_request_log_writes_after_flush_seconds() -> None:
    sink = Batches()
    log = RequestLog(sink, flush_rows=1000, flush_seconds=0.05)
    log.add([1, 2])
    _wait_for_a_write(sink)
    assert sink.batches == [[1, 2]]
    log.close()


def test_request_log_waits_below_both_thresholds() -> None:
    sink = Batches()
    log = RequestLog(sink, flush_rows=1000, flush_seconds=60)
    log.add([1, 2])
    time.sleep(0.3)
    assert sink.batches == []
    log.close()
    assert sink.batches == [[1, 2]]


def test_request_log_close_writes_what_waits() -> None:
    sink = Batches()
    log = RequestLog(sink, flush_rows=1000, flush_seconds=60)
    log.add([1, 2, 3])
    stats = log.close()
    assert sink.batches == [[1, 2, 3]] and (stats.written, stats.pending) == (3, 0)


def test_request_log_keeps_records_of_a_failed_write() -> None:
    sink, reports = Batches(fail_first=1), []
    log = RequestLog(sink, flush_rows=2, flush_seconds=0.05, report=reports.append)
    log.add([1, 2])
    time.sleep(0.5)
    log.add([3])
    stats = log.close()
    assert [x for batch in sink.batches for x in batch] == [1, 2, 3]
    assert stats.failures == 1 and stats.dropped == 0 and "kept for the next attempt" in reports[0]


def test_request_log_refuses_records_after_close() -> None:
    log = RequestLog(Batches(), flush_rows=10, flush_seconds=1)
    log.close()
    try:
        log.add([1])
    except RuntimeError as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("add after close was accepted")


def test_server_stop_writes_every_logged_request(champion, collected) -> None:
    sink = collected
    log = RequestLog(sink, flush_rows=10_000, flush_seconds=3600)
    app = ServingApp(champion=champion, challenger=None, ab=AbSplit(), max_rows=10, log=log.add, run_id="r")
    server = start_server(app, host="127.0.0.1", port=0, max_body_bytes=10_000, log=log)
    body = json.dumps({"inputs": [[5.1, 3.5, 1.4, 0.2]] * 3}).encode()
    for _ in range(7):
        request = urllib.request.Request(server.url + "/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
    assert sink.records == []  # nothing written yet: the buffer waits for 10 000 rows or an hour
    stats = server.stop()
    assert len(sink.records) == 21 and stats is not None and stats.written == 21
