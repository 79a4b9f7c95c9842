"""Delivery against a local HTTP server: accepted, rejected, throttled, failing, slow, unreachable."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import datetime, timezone

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from iris_mlops.notify.delivery import DeliveryPolicy, deliver, retry_after_seconds
from iris_mlops.notify.scrub import describe_error, scrub

SECRET_PATH = "/hook/SECRET-token-7f3a"
SECRET_QUERY = "sig=XYZ-signature-9b1c"


class Sleeps(list[float]):
    """A sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _url(server: HTTPServer) -> str:
    return server.url_for(SECRET_PATH) + "?" + SECRET_QUERY


def _assert_clean(text: str | None) -> None:
    assert text is not None
    assert "SECRET-token-7f3a" not in text
    assert "XYZ-signature-9b1c" not in text


@pytest.mark.parametrize("status", [200, 202])
def test_deliver_accepted(httpserver: HTTPServer, fast_policy: DeliveryPolicy, status: int) -> None:
    httpserver.expect_request(SECRET_PATH, method="POST", json={"hello": "teams"}).respond_with_data("", status)
    result = deliver(_url(httpserver), {"hello": "teams"}, policy=fast_policy, sleep=Sleeps())
    assert (result.status, result.attempts, result.http_status, result.error) == ("delivered", 1, status, None)


def test_deliver_rejected_400_is_not_retried(httpserver: HTTPServer, fast_policy: DeliveryPolicy) -> None:
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("Bad card: version", status=400)
    sleeps = Sleeps()
    result = deliver(_url(httpserver), {"type": "message"}, policy=fast_policy, sleep=sleeps)
    assert (result.status, result.attempts, result.http_status, result.rejected) == ("failed", 1, 400, True)
    assert result.error == "rejected: HTTP 400: Bad card: version"
    assert len(httpserver.log) == 1 and sleeps == []


def test_deliver_429_waits_for_retry_after(httpserver: HTTPServer, fast_policy: DeliveryPolicy) -> None:
    httpserver.expect_ordered_request(SECRET_PATH, method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request(SECRET_PATH, method="POST").respond_with_data("ok", status=200)
    sleeps = Sleeps()
    result = deliver(_url(httpserver), {"a": 1}, policy=fast_policy, sleep=sleeps)
    assert (result.status, result.attempts) == ("delivered", 2)
    assert sleeps == [2.0]
    httpserver.check_assertions()


def test_deliver_retry_after_is_capped(httpserver: HTTPServer, fast_policy: DeliveryPolicy) -> None:
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    result = deliver(_url(httpserver), {"a": 1}, policy=fast_policy, sleep=sleeps)
    assert (result.status, result.attempts, result.http_status, result.rejected) == ("failed", 3, 429, False)
    assert sleeps == [fast_policy.max_retry_after] * 2


def test_deliver_500_then_success(httpserver: HTTPServer, fast_policy: DeliveryPolicy) -> None:
    httpserver.expect_ordered_request(SECRET_PATH, method="POST").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(SECRET_PATH, method="POST").respond_with_data("1", status=200)
    sleeps = Sleeps()
    result = deliver(_url(httpserver), {"a": 1}, policy=fast_policy, sleep=sleeps)
    assert (result.status, result.attempts, result.http_status) == ("delivered", 2, 200)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= fast_policy.backoff_max
    httpserver.check_assertions()


def test_deliver_5xx_every_time_fails_after_all_attempts(httpserver: HTTPServer, fast_policy: DeliveryPolicy) -> None:
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("unavailable", status=503)
    result = deliver(_url(httpserver), {"a": 1}, policy=fast_policy, sleep=Sleeps())
    assert (result.status, result.attempts, result.http_status) == ("failed", 3, 503)
    assert result.error == "HTTP 503: unavailable"
    assert len(httpserver.log) == 3


def test_deliver_times_out_on_a_slow_server(httpserver: HTTPServer) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response("late", status=200)

    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_handler(slow)
    policy = DeliveryPolicy(connect_timeout=0.5, read_timeout=0.2, attempts=2, backoff_initial=0.01,
                            backoff_max=0.01)
    result = deliver(_url(httpserver), {"a": 1}, policy=policy, sleep=Sleeps())
    assert (result.status, result.attempts, result.http_status) == ("failed", 2, None)
    assert result.error is not None and result.error.startswith("timed out")
    _assert_clean(result.error)
    # Let the server answer both held requests now, so that no late entry lands in the next test's log.
    release.set()
    deadline = time.monotonic() + 10
    while len(httpserver.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_deliver_connection_refused_is_retried_and_scrubbed(fast_policy: DeliveryPolicy,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}{SECRET_PATH}?{SECRET_QUERY}"
    with caplog.at_level(logging.DEBUG):
        result = deliver(url, {"a": 1}, policy=fast_policy, sleep=Sleeps())
    assert (result.status, result.attempts, result.http_status) == ("failed", 3, None)
    assert result.error is not None and result.error.startswith("ConnectionError")
    _assert_clean(result.error)
    _assert_clean(caplog.text + json.dumps([r.getMessage() for r in caplog.records]))


def test_deliver_malformed_url_fails_without_echoing_it(fast_policy: DeliveryPolicy) -> None:
    result = deliver("not-a-url/SECRET-token-7f3a", {"a": 1}, policy=fast_policy, sleep=Sleeps())
    assert (result.status, result.attempts) == ("failed", 1)
    _assert_clean(result.error)


def test_retry_after_seconds_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 29, 18, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Sun, 29 Nov 2026 18:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Sun, 29 Nov 2026 17:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_scrub_masks_the_url_its_path_and_its_encoded_form() -> None:
    url = "https://prod-01.westeurope.logic.azure.com/workflows/abc123def/triggers/manual/paths/invoke?sig=S3CR3TSIG"
    text = f"Max retries exceeded with url: /workflows/abc123def/triggers/manual/paths/invoke?sig=S3CR3TSIG ({url})"
    cleaned = scrub(text, url)
    assert "S3CR3TSIG" not in cleaned and "abc123def" not in cleaned
    assert "S3CR3TSIG" not in describe_error(ValueError(f"bad {url.replace(':', '%3A').replace('/', '%2F')}"), url)
