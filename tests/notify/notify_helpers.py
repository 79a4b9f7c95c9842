"""Alert test helpers: a strict model of the Adaptive Card 1.4 subset Teams receives, sample findings.

Imported by name (pytest puts this folder on sys.path).

The card model follows the official Adaptive Cards 1.4 JSON schema (microsoft/AdaptiveCards,
schemas/1.4.0/adaptive-card.json: AdaptiveCard, Container, TextBlock, FactSet, Fact, Action.OpenUrl and
their enums), written out for the subset we emit. Every model forbids unknown properties, as the schema's
`additionalProperties: false` does, so a misspelled or newer property fails validation. The `adaptivecards`
npm package (3.0.6) ships the renderer's TypeScript, not that JSON schema, hence a model here.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from iris_mlops.notify.findings import Finding, Severity
from iris_mlops.notify.message import AlertMessage, build_message

Colors = Literal["default", "dark", "light", "accent", "good", "warning", "attention"]
ContainerStyle = Literal["default", "emphasis", "good", "attention", "warning", "accent"]
FontSize = Literal["default", "small", "medium", "large", "extraLarge"]
FontWeight = Literal["default", "lighter", "bolder"]
Spacing = Literal["default", "none", "small", "medium", "large", "extraLarge", "padding"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class TextBlock(Strict):
    type: Literal["TextBlock"]
    text: str
    color: Colors | None = None
    size: FontSize | None = None
    weight: FontWeight | None = None
    isSubtle: bool | None = None  # noqa: N815 - the schema's property name
    wrap: bool | None = None
    maxLines: int | None = None  # noqa: N815
    separator: bool | None = None
    spacing: Spacing | None = None
    id: str | None = None


class Fact(Strict):
    title: str
    value: str


class FactSet(Strict):
    type: Literal["FactSet"]
    facts: list[Fact] = Field(min_length=1)
    separator: bool | None = None
    spacing: Spacing | None = None


class Container(Strict):
    type: Literal["Container"]
    items: list[Element]
    style: ContainerStyle | None = None
    separator: bool | None = None
    spacing: Spacing | None = None


Element = Annotated[Union[TextBlock, FactSet, Container], Field(discriminator="type")]  # noqa: UP007


class OpenUrl(Strict):
    type: Literal["Action.OpenUrl"]
    url: str = Field(pattern=r"^https?://")
    title: str | None = None


class AdaptiveCard14(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    type: Literal["AdaptiveCard"]
    version: Literal["1.0", "1.1", "1.2", "1.3", "1.4"]  # Teams Workflows render at most 1.4
    body: list[Element]
    actions: list[OpenUrl] | None = None
    fallbackText: str | None = None  # noqa: N815


class Attachment(Strict):
    contentType: Literal["application/vnd.microsoft.card.adaptive"]  # noqa: N815
    content: AdaptiveCard14


class TeamsEnvelope(Strict):
    type: Literal["message"]
    attachments: list[Attachment] = Field(min_length=1, max_length=1)


Container.model_rebuild()


def assert_valid_teams(payload: dict[str, Any]) -> AdaptiveCard14:
    """Validate the whole webhook body (envelope + card); return the card."""
    return TeamsEnvelope.model_validate(payload).attachments[0].content


NOW = datetime(2026, 11, 29, 18, 0, tzinfo=timezone.utc)


def finding(kind: str = "drift", severity: Severity = Severity.ERROR, subject: str = "petal_length",
            **kwargs: Any) -> Finding:
    """A finding with readable defaults."""
    kwargs.setdefault("message", f"{subject} drifted")
    return Finding(kind=kind, severity=severity, subject=subject, **kwargs)


def sample_findings() -> list[Finding]:
    """One of each kind the message groups."""
    return [
        Finding("quality", Severity.ERROR, "iris_silver:expect_column_values_to_be_between(petal_length)",
                "iris_silver v3: expect_column_values_to_be_between(petal_length) failed", value=4.0,
                threshold="min_value=0.1, max_value=7.0", evidence={"count": 4, "examples": ["-1.0", "99.0"]}),
        Finding("drift", Severity.WARNING, "sepal_width", "sepal_width drifted", value=0.012, threshold=0.05,
                evidence={"test": "ks"}),
        Finding("performance", Severity.ERROR, "f1_macro", "f1_macro 0.81 is 9% below the baseline 0.89",
                value=0.81, threshold=0.8455),
        Finding("volume", Severity.WARNING, "iris_silver", "12 rows against a median of 150", value=12.0,
                threshold=75.0),
        Finding("freshness", Severity.WARNING, "iris_bronze", "last ingestion 30 h ago", value=30.0, threshold=24.0),
    ]


def make_message(findings: list[Finding] | None = None, **kwargs: Any) -> AlertMessage:
    """A message for `findings` (default: sample_findings) with links of both kinds."""
    kwargs.setdefault("links", {"Quality report": "/tmp/home/reports/quality/r1.html",
                                "MLflow run": "https://adb-1.azuredatabricks.net/ml/experiments/1/runs/abc"})
    return build_message(sample_findings() if findings is None else findings, title="iris-mlops monitor: ALERT",
                         run_id="r1", run_status="failed", environment="local", created_at=NOW, **kwargs)
