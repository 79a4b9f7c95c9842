"""What the server does with one /invocations request, without HTTP: parse, split into arms, score, log.

In `split` mode each record goes to the arm `assign_arm` picks from its key and is scored by that arm's
model only. In `shadow` mode the champion answers every record and the challenger scores the same records
after the answer is sent (`Invocation.shadow`), its rows logged with served=False.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from iris_mlops.serving.ab import CHALLENGER_ARM, CHAMPION_ARM, Arm, assign_arm
from iris_mlops.serving.model import ServedModel, score_rows
from iris_mlops.serving.protocol import ParsedRequest, parse_request, response_body
from iris_mlops.serving.records import Origin, PredictionRecord, build_records

# A caller-supplied request id becomes the batch id: keep it short and printable.
MAX_REQUEST_ID = 128


@dataclass(frozen=True)
class AbSplit:
    """How traffic is shared: the challenger's share, split or shadow, and the salt of the hash."""

    challenger_share: float = 0.0
    mode: Literal["split", "shadow"] = "split"
    salt: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.challenger_share <= 1.0:
            raise ValueError(f"challenger share must be between 0 and 1, got {self.challenger_share}")


@dataclass(frozen=True)
class Invocation:
    """The response body, and the shadow scoring to run once it is sent (None outside shadow mode)."""

    body: bytes
    rows: int
    shadow: Callable[[], None] | None = None


class ServingApp:
    """The models, the split, the row limit and the request log of one server."""

    def __init__(
        self, *, champion: ServedModel, challenger: ServedModel | None, ab: AbSplit, max_rows: int,
        log: Callable[[Sequence[PredictionRecord]], None], run_id: str,
    ) -> None:
        self.champion, self.challenger, self.ab = champion, challenger, ab
        self.max_rows, self.log, self.run_id = max_rows, log, run_id

    def invoke(self, body: bytes, *, content_type: str, request_id: str | None = None) -> Invocation:
        """Answer one request; RequestError (4xx) for any client mistake."""
        request = parse_request(body, content_type=content_type, max_rows=self.max_rows)
        origin = Origin(_batch_id(request_id), self.run_id, datetime.now(timezone.utc))
        keys = [key or f"{origin.batch_id}:{i}" for i, key in enumerate(request.keys)]
        arms = self._arms(keys)
        served: list[PredictionRecord | None] = [None] * len(request)
        for arm, model in ((CHAMPION_ARM, self.champion), (CHALLENGER_ARM, self.challenger)):
            positions = [i for i, a in enumerate(arms) if a == arm]
            if positions and model is not None:
                for i, record in zip(positions, _score(request, positions, keys, model, arm, True, origin),
                                     strict=True):
                    served[i] = record
        records = [r for r in served if r is not None]
        self.log(records)
        shadow = None
        if self.challenger is not None and self.ab.mode == "shadow":
            shadow = self._shadow(request, keys, origin, self.challenger)
        return Invocation(response_body([r.response() for r in records]), len(records), shadow)

    def _arms(self, keys: list[str]) -> list[Arm]:
        if self.challenger is None or self.ab.mode == "shadow":
            return [CHAMPION_ARM] * len(keys)
        return [assign_arm(k, challenger_share=self.ab.challenger_share, salt=self.ab.salt) for k in keys]

    def _shadow(
        self, request: ParsedRequest, keys: list[str], origin: Origin, challenger: ServedModel
    ) -> Callable[[], None]:
        def run() -> None:
            positions = list(range(len(request)))
            self.log(_score(request, positions, keys, challenger, CHALLENGER_ARM, False, origin))

        return run

    def describe(self) -> dict[str, Any]:
        """What this server serves, for /health."""
        models = {"champion": _model_info(self.champion)}
        if self.challenger is not None:
            models["challenger"] = _model_info(self.challenger)
        return {"status": "ok", "models": models, "ab": {"mode": self.ab.mode,
                "challenger_share": self.ab.challenger_share if self.challenger else 0.0}}


def _score(
    request: ParsedRequest, positions: list[int], keys: list[str], model: ServedModel, arm: Arm, served: bool,
    origin: Origin,
) -> list[PredictionRecord]:
    scores = score_rows(model, [request.rows[i] for i in positions])
    return build_records(request, positions, keys, scores, model, arm=arm, served=served, origin=origin)


def _batch_id(request_id: str | None) -> str:
    if request_id and len(request_id) <= MAX_REQUEST_ID and request_id.isprintable():
        return request_id
    return uuid.uuid4().hex


def _model_info(model: ServedModel) -> dict[str, Any]:
    return {"name": model.name, "version": model.version, "alias": model.alias,
            "feature_version": model.feature_version}
