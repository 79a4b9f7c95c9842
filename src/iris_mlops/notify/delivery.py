"""Posting a payload: a timeout per attempt, exponential backoff with jitter, and errors free of the URL.

Retried: connection errors, timeouts, 408, 429 (after its Retry-After) and 5xx. Any other 4xx means the
receiver refused the payload itself: retrying would not help, so it is reported at once as rejected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import requests
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt, wait_exponential_jitter

from iris_mlops.notify.scrub import describe_error, install_log_filter, register_secret, scrub

RETRY_STATUSES = frozenset({408, 429})
BODY_CHARS = 200  # of a refusal's response body, kept in the error text


@dataclass(frozen=True)
class DeliveryPolicy:
    """Timeouts and retry settings (AlertsConfig carries the configured values)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class DeliveryResult:
    """How a delivery ended; `error` never contains the URL."""

    status: Literal["delivered", "failed"]
    attempts: int
    http_status: int | None = None
    error: str | None = None
    rejected: bool = False  # the receiver refused the payload (a 4xx other than 408/429): a bug to fix

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


@dataclass(frozen=True)
class _Attempt:
    http_status: int | None
    error: str | None
    retry: bool
    retry_after: float | None = None


def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    policy: DeliveryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST `payload` as JSON to `url` under `policy`; never raises for HTTP or network failures."""
    register_secret(url)
    install_log_filter()
    attempts = 0

    def attempt() -> _Attempt:
        nonlocal attempts
        attempts += 1
        return _post(session, url, payload, policy)

    with requests.Session() as session:
        retrying = Retrying(stop=stop_after_attempt(policy.attempts), wait=_wait(policy), sleep=sleep,
                            retry=retry_if_result(lambda a: a.retry), retry_error_callback=_last_result)
        last: _Attempt = retrying(attempt)
    if last.error is None:
        return DeliveryResult("delivered", attempts, last.http_status)
    rejected = last.http_status is not None and not last.retry and 400 <= last.http_status < 500
    return DeliveryResult("failed", attempts, last.http_status, scrub(last.error, url), rejected=rejected)


def _post(session: requests.Session, url: str, payload: Mapping[str, Any], policy: DeliveryPolicy) -> _Attempt:
    try:
        response = session.post(url, json=dict(payload), timeout=(policy.connect_timeout, policy.read_timeout),
                                allow_redirects=False)
    except requests.Timeout:
        return _Attempt(None, f"timed out (connect {policy.connect_timeout:g} s, read {policy.read_timeout:g} s)",
                        retry=True)
    except requests.ConnectionError as exc:
        return _Attempt(None, describe_error(exc, url), retry=True)
    except (requests.RequestException, ValueError) as exc:  # a malformed URL, an unencodable payload
        return _Attempt(None, describe_error(exc, url), retry=False)
    return _classify(response, url)


def _classify(response: requests.Response, url: str) -> _Attempt:
    code = response.status_code
    if 200 <= code < 300:
        return _Attempt(code, None, retry=False)
    body = " ".join(response.text.split())[:BODY_CHARS]
    if code in RETRY_STATUSES or code >= 500:
        after = retry_after_seconds(response.headers.get("Retry-After"))
        return _Attempt(code, scrub(f"HTTP {code}: {body}".strip(": "), url), retry=True, retry_after=after)
    if code < 400:
        return _Attempt(code, f"unexpected redirect: HTTP {code} (a webhook URL answers directly)", retry=False)
    return _Attempt(code, scrub(f"rejected: HTTP {code}: {body}".strip(": "), url), retry=False)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _wait(policy: DeliveryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(initial=policy.backoff_initial, max=policy.backoff_max,
                                      jitter=policy.backoff_initial)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        result = outcome.result() if outcome is not None and not outcome.failed else None
        if isinstance(result, _Attempt) and result.retry_after is not None:
            return min(result.retry_after, policy.max_retry_after)
        return float(backoff(state))

    return wait


def _last_result(state: RetryCallState) -> Any:
    # Out of attempts: hand back the last attempt's outcome instead of raising RetryError.
    return state.outcome.result() if state.outcome is not None else None
