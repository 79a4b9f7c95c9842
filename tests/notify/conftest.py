"""Fixtures of the alert tests."""

from __future__ import annotations

import pytest

from iris_mlops.notify.delivery import DeliveryPolicy


@pytest.fixture()
def fast_policy() -> DeliveryPolicy:
    """Short timeouts and no real backoff (tests pass their own sleep)."""
    return DeliveryPolicy(connect_timeout=0.5, read_timeout=0.5, attempts=3, backoff_initial=0.01, backoff_max=0.02,
                          max_retry_after=5.0)


@pytest.fixture(autouse=True)
def _no_real_webhooks(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach a developer's real channels: no webhook variables, and no .env in the working folder."""
    for name in ("TEAMS_WEBHOOK_URL", "SLACK_WEBHOOK_URL", "ALERTS_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
