"""A/B on the server: split by the key's hash near the share, shadow writes both rows and serves the champion."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from iris_mlops.serving.ab import assign_arm
from iris_mlops.serving.app import AbSplit, ServingApp
from iris_mlops.serving.model import ServedModel
from iris_mlops.serving.server import start_server

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROW = dict(zip(COLUMNS, [6.3, 2.8, 5.1, 1.5], strict=True))


def _records(n: int, prefix: str = "k") -> bytes:
    return json.dumps({"dataframe_records": [{**ROW, "sample_id": f"{prefix}{i}"} for i in range(n)]}).encode()


def _app(champion: ServedModel, challenger: ServedModel, collected: Any, ab: AbSplit) -> ServingApp:
    return ServingApp(champion=champion, challenger=challenger, ab=ab, max_rows=1000, log=collected, run_id="r")


def test_split_sends_each_key_to_its_hash_arm(champion, challenger, collected: Any) -> None:
    app = _app(champion, challenger, collected, AbSplit(challenger_share=0.3, salt="exp"))
    answer = json.loads(app.invoke(_records(1000), content_type="application/json").body)["predictions"]
    arms = [p["ab_arm"] for p in answer]
    assert arms == [assign_arm(f"k{i}", challenger_share=0.3, salt="exp") for i in range(1000)]
    assert 0.25 < arms.count("challenger") / 1000 < 0.35
    versions = {p["ab_arm"]: p["model_version"] for p in answer}
    assert versions == {"champion": "1", "challenger": "2"}
    assert all(r.served for r in collected.records) and len(collected.records) == 1000


def test_split_is_stable_across_requests(champion, challenger, collected: Any) -> None:
    app = _app(champion, challenger, collected, AbSplit(challenger_share=0.5))
    def arms() -> list[str]:
        answer = json.loads(app.invoke(_records(200), content_type="application/json").body)
        return [p["ab_arm"] for p in answer["predictions"]]

    first = arms()
    assert first == arms() and 60 < first.count("challenger") < 140


def test_shadow_logs_both_rows_and_serves_the_champion(champion, challenger, collected: Any) -> None:
    app = _app(champion, challenger, collected, AbSplit(challenger_share=0.5, mode="shadow"))
    server = start_server(app, host="127.0.0.1", port=0, max_body_bytes=100_000)
    try:
        request = urllib.request.Request(server.url + "/invocations", data=_records(20),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())["predictions"]
    finally:
        server.stop()
    assert {p["ab_arm"] for p in answer} == {"champion"} and {p["model_version"] for p in answer} == {"1"}
    by_arm = {arm: [r for r in collected.records if r.ab_arm == arm] for arm in ("champion", "challenger")}
    assert [r.sample_id for r in by_arm["champion"]] == [r.sample_id for r in by_arm["challenger"]]
    assert all(r.served for r in by_arm["champion"]) and not any(r.served for r in by_arm["challenger"])
    assert {(r.model_version, r.model_alias) for r in by_arm["challenger"]} == {("2", "challenger")}


def test_no_challenger_sends_everything_to_the_champion(champion, collected: Any) -> None:
    app = ServingApp(champion=champion, challenger=None, ab=AbSplit(challenger_share=0.9), max_rows=100,
                     log=collected, run_id="r")
    answer = json.loads(app.invoke(_records(50), content_type="application/json").body)["predictions"]
    assert {p["ab_arm"] for p in answer} == {"champion"}


@pytest.mark.parametrize("share", [-0.01, 1.01])
def test_ab_split_refuses_a_share_outside_0_1(share: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        AbSplit(challenger_share=share)
