"""Registry and gate: first model champion, weakened model rejected, champion scores Iris, manual promote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iris_mlops.errors import ModelError
from iris_mlops.ml.data import TrainingData
from iris_mlops.ml.registry import CHALLENGER, CHAMPION, client, register_and_gate, require_alias
from iris_mlops.ml.train import train_model

SPECIES = ("setosa", "versicolor", "virginica")
NAME = "iris_classifier"


def _train_and_gate(data: TrainingData, classifier: Any) -> Any:
    result = train_model(data, classifier=classifier, labels=SPECIES, test_fraction=0.2, split_seed=42)
    return register_and_gate(model_uri=result.model_uri, run_id=result.run_id, model_name=NAME,
                             test_frame=result.test_frame, margin=0.05)


@pytest.fixture(scope="module")
def gated(iris_data: TrainingData, mlflow_home: Path) -> tuple[Any, Any]:
    """A good forest (first model), then a deliberately weakened model (a depth-1 tree)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    good = _train_and_gate(iris_data, RandomForestClassifier(n_estimators=10, random_state=0))
    weak = _train_and_gate(iris_data, DecisionTreeClassifier(max_depth=1, random_state=0))
    return good, weak


def test_first_model_becomes_champion(gated: tuple[Any, Any]) -> None:
    good, _ = gated
    assert good.promoted and good.previous_champion is None and good.champion == good.version


def test_weakened_model_is_not_promoted(gated: tuple[Any, Any]) -> None:
    good, weak = gated
    assert not weak.promoted
    assert weak.decision.reference_score == good.decision.candidate_score
    assert weak.decision.candidate_score < 0.95 * weak.decision.reference_score
    assert require_alias(client(), NAME, CHAMPION).version in (good.version, int(good.version))
    assert str(require_alias(client(), NAME, CHALLENGER).version) == weak.version
    run_tags = client().get_run(client().get_model_version(NAME, weak.version).run_id).data.tags
    assert run_tags["gate.decision"] == "rejected"


def test_champion_predicts_the_150_iris_rows(gated: tuple[Any, Any], iris_data: TrainingData) -> None:
    import mlflow

    model = mlflow.pyfunc.load_model(f"models:/{NAME}@{CHAMPION}")
    predicted = model.predict(iris_data.features)
    assert (predicted == iris_data.labels.to_numpy()).mean() >= 0.9


def test_missing_alias_is_a_one_line_model_error(gated: tuple[Any, Any]) -> None:
    with pytest.raises(ModelError, match="no version with alias 'nope'"):
        require_alias(client(), NAME, "nope")


def test_models_promote_records_who_and_why_then_list_shows_it(gated: tuple[Any, Any], monkeypatch) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    good, weak = gated
    monkeypatch.setenv("USER", "alice")
    done = CliRunner().invoke(app, ["models", "promote", weak.version, "--reason", "manual check"])
    assert done.exit_code == 0, done.output
    tags = client().get_model_version(NAME, weak.version).tags
    assert (tags["promoted_by"], tags["promotion_reason"]) == ("alice", "manual check")
    listed = json.loads(CliRunner().invoke(app, ["models", "list", "--json"]).stdout)
    assert {r["version"]: r["aliases"] for r in listed}[weak.version] == [CHALLENGER, CHAMPION]
    back = CliRunner().invoke(app, ["models", "promote", good.version, "--reason", "restore"])
    assert back.exit_code == 0, back.output


def test_models_promote_unknown_version_exits_non_zero(gated: tuple[Any, Any]) -> None:
    from typer.testing import CliRunner

    from iris_mlops.cli import app

    done = CliRunner().invoke(app, ["models", "promote", "99", "--reason", "x"])
    assert done.exit_code != 0 and "no version 99" in done.output


LOADER = """
import importlib.util, json, sys
import pandas as pd
assert importlib.util.find_spec("iris_mlops") is None, "iris_mlops must not be importable before loading"
import mlflow
model = mlflow.pyfunc.load_model(sys.argv[1])
frame = pd.read_csv(sys.argv[2])
predicted = model.predict(frame.drop(columns=["species"]))
import iris_mlops
print(json.dumps({"accuracy": float((predicted == frame["species"]).mean()), "origin": iris_mlops.__file__}))
"""


@pytest.mark.slow  # a second Python process loads the model
def test_model_loads_where_iris_mlops_is_only_in_the_model(
    gated: tuple[Any, Any], iris_data: TrainingData, tmp_path: Path
) -> None:
    import mlflow

    local = Path(mlflow.artifacts.download_artifacts(f"models:/{NAME}@{CHAMPION}", dst_path=str(tmp_path / "model")))
    csv = tmp_path / "iris.csv"
    iris_data.frame[[*iris_data.features.columns, "species"]].to_csv(csv, index=False)
    site = tmp_path / "site"  # site-packages without iris_mlops nor its editable-install path file
    site.mkdir()
    for entry in Path(mlflow.__file__).parents[1].iterdir():
        if "iris_mlops" not in entry.name:
            (site / entry.name).symlink_to(entry)
    done = subprocess.run(
        [sys.executable, "-S", "-c", LOADER, str(local), str(csv)], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["accuracy"] >= 0.9
    assert result["origin"].startswith(str(local))
