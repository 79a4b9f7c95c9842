"""Alert configuration: channels, URL sources (never literal URLs), masking, secret resolution."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace

import pytest
from databricks.sdk.errors import NotFound, PermissionDenied

from iris_mlops.config import AlertsConfig, load_settings, masked
from iris_mlops.errors import ConfigError
from iris_mlops.notify.channels import resolve_channels
from iris_mlops.notify.findings import Severity
from iris_mlops.notify.secrets import (
    SecretUnavailableError,
    databricks_secret_reader,
    environment_with_dotenv,
    read_dotenv,
    store_databricks_secret,
)

URL = "https://example.webhook.office.com/workflows/abc/triggers/manual?sig=TOPSECRET123"


def _no_secrets(scope: str, key: str) -> str | None:
    raise AssertionError("no secret should be read")


def test_default_channels_are_active_only_when_their_variable_is_set(home: Path) -> None:
    settings = load_settings("local")
    assert [c.name for c in settings.alerts.channels] == ["teams", "slack", "webhook"]
    assert settings.alerts.cooldown_hours == 6
    channels = resolve_channels(settings.alerts.channels, environ={"TEAMS_WEBHOOK_URL": URL}, read_secret=_no_secrets)
    assert [(c.name, c.type, c.min_severity) for c in channels] == [("teams", "teams", Severity.WARNING)]
    assert URL not in repr(channels)
    assert resolve_channels(settings.alerts.channels, environ={}, read_secret=_no_secrets) == []


def test_a_literal_url_in_config_is_refused_in_one_line_without_echoing_it(home: Path) -> None:
    channel = {"name": "teams", "type": "teams", "url_env": URL}
    with pytest.raises(ConfigError) as caught:
        load_settings("local", overrides={"alerts": {"channels": [channel]}})
    text = str(caught.value)
    assert "webhook URL is a secret" in text and "\n" not in text
    assert "TOPSECRET123" not in text


def test_a_channel_needs_exactly_one_url_source(home: Path) -> None:
    for channel in ({"name": "t", "type": "teams"},
                    {"name": "t", "type": "teams", "url_env": "A", "url_secret": "scope/key"},
                    {"name": "t", "type": "teams", "url_secret": "no-slash"},
                    {"name": "t", "type": "pager", "url_env": "A"}):
        with pytest.raises(ConfigError):
            load_settings("local", overrides={"alerts": {"channels": [channel]}})


def test_channel_names_are_unique_and_looked_up_by_name() -> None:
    with pytest.raises(ValueError, match="unique"):
        AlertsConfig(channels=[{"name": "a", "type": "slack", "url_env": "A"},  # type: ignore[list-item]
                               {"name": "a", "type": "teams", "url_env": "B"}])
    with pytest.raises(ConfigError, match="no alert channel 'pager'"):
        AlertsConfig().channel("pager")


def test_databricks_environments_read_urls_from_their_secret_scope(home: Path) -> None:
    channels = load_settings("prod").alerts.channels
    assert {c.url_secret for c in channels} == {"iris-mlops-prod/teams_webhook_url",
                                                "iris-mlops-prod/slack_webhook_url",
                                                "iris-mlops-prod/alerts_webhook_url"}


def test_config_show_masks_a_secret_by_value(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", URL)
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__EXPERIMENT", f"leak {URL}")
    data = masked(load_settings("local"))
    assert data["mlflow"]["experiment"] == "leak ***"
    assert URL not in str(data)


class FakeSecrets:
    """The part of databricks-sdk's SecretsAPI the code uses."""

    def __init__(self, values: dict[tuple[str, str], str] | None = None, error: Exception | None = None) -> None:
        self.values = dict(values or {})
        self.error = error
        self.scopes: set[str] = set()

    def get_secret(self, *, scope: str, key: str) -> SimpleNamespace:
        if self.error:
            raise self.error
        if (scope, key) not in self.values:
            raise NotFound("no such secret")
        return SimpleNamespace(key=key, value=base64.b64encode(self.values[scope, key].encode()).decode())

    def create_scope(self, *, scope: str) -> None:
        self.scopes.add(scope)

    def put_secret(self, *, scope: str, key: str, string_value: str) -> None:
        self.values[scope, key] = string_value


def test_databricks_secret_reader_decodes_base64_and_treats_missing_as_inactive() -> None:
    fake = SimpleNamespace(secrets=FakeSecrets({("iris-mlops-dev", "teams_webhook_url"): URL}))
    read = databricks_secret_reader(lambda: fake)
    assert read("iris-mlops-dev", "teams_webhook_url") == URL
    assert read("iris-mlops-dev", "slack_webhook_url") is None


def test_unreadable_secret_makes_a_failing_channel_naming_the_secret_not_its_value(home: Path) -> None:
    fake = SimpleNamespace(secrets=FakeSecrets(error=PermissionDenied("no READ on scope")))
    settings = load_settings("dev")
    channels = resolve_channels(settings.alerts.channels[:1], environ={}, read_secret=databricks_secret_reader(
        lambda: fake))
    assert channels[0].url is None
    assert channels[0].problem == "cannot read Databricks secret iris-mlops-dev/teams_webhook_url: PermissionDenied"
    with pytest.raises(SecretUnavailableError):
        databricks_secret_reader(lambda: fake)("s", "k")


def test_store_databricks_secret_creates_the_scope_and_writes_the_value() -> None:
    fake = SimpleNamespace(secrets=FakeSecrets())
    store_databricks_secret("iris-mlops-dev", "teams_webhook_url", URL, client=fake)
    assert fake.secrets.scopes == {"iris-mlops-dev"}
    assert fake.secrets.values == {("iris-mlops-dev", "teams_webhook_url"): URL}


def test_dotenv_values_complete_the_environment_without_overriding_it(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# local secrets\nexport TEAMS_WEBHOOK_URL='{URL}'\nSLACK_WEBHOOK_URL=from-file\n\nnoise\n")
    assert read_dotenv(dotenv) == {"TEAMS_WEBHOOK_URL": URL, "SLACK_WEBHOOK_URL": "from-file"}
    merged = environment_with_dotenv({"SLACK_WEBHOOK_URL": "from-env"}, dotenv)
    assert merged["SLACK_WEBHOOK_URL"] == "from-env" and merged["TEAMS_WEBHOOK_URL"] == URL
    assert read_dotenv(tmp_path / "absent") == {}
