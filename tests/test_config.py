"""Configuration: layering, overrides, validated names, masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import Settings, env_overrides, load_settings, masked, validate_identifier
from iris_mlops.errors import ConfigError


def test_load_settings_local_defaults(home: Path) -> None:
    settings = load_settings("local", environ={"IRIS_MLOPS_HOME": str(home)})
    assert settings.env == "local"
    assert settings.store == "local_delta"
    assert settings.home == home.resolve()
    assert settings.table("silver") == "local.iris.iris_silver"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_load_settings_databricks_environments_use_unity_catalog(env: str) -> None:
    settings = load_settings(env, environ={})
    assert settings.store == "spark_delta"
    assert settings.mlflow.registry_uri == "databricks-uc"
    assert settings.model_full_name == f"{settings.catalog}.{settings.schema_name}.iris_classifier"


def test_env_overrides_nested_keys_are_parsed_as_yaml() -> None:
    overrides = env_overrides(
        {"IRIS_MLOPS_TRAINING__PROMOTION_MARGIN": "0.1", "IRIS_MLOPS_CATALOG": "007", "OTHER": "x"}
    )
    assert overrides == {"training": {"promotion_margin": 0.1}, "catalog": "007"}


def test_env_overrides_skip_the_variables_the_process_reads_itself() -> None:
    names = ("SPARK_MASTER", "SPARK_JIT", "LOCK_WAIT_SECONDS", "BUNDLE_DIR", "BUNDLE_SCHEMA")
    environ = {f"IRIS_MLOPS_{n}": "1" for n in names}
    assert env_overrides({**environ, "IRIS_MLOPS_SEED": "7"}) == {"seed": 7}
    assert load_settings("local", environ=environ).env == "local"


def test_load_settings_environment_variable_wins_over_yaml() -> None:
    settings = load_settings(
        "local", environ={"IRIS_MLOPS_TRAINING__PROMOTION_MARGIN": "0.1", "IRIS_MLOPS_SCHEMA": "x"}
    )
    assert settings.training.promotion_margin == 0.1
    assert settings.schema_name == "x"


def test_load_settings_explicit_overrides_win_over_environment() -> None:
    settings = load_settings(
        "local", overrides={"catalog": "cli_catalog"}, environ={"IRIS_MLOPS_CATALOG": "env_catalog"}
    )
    assert settings.catalog == "cli_catalog"


def test_load_settings_rejects_bad_table_name_naming_it() -> None:
    with pytest.raises(ConfigError, match="iris-silver"):
        load_settings("local", environ={"IRIS_MLOPS_TABLES__SILVER": "iris-silver"})


def test_load_settings_rejects_unknown_key() -> None:
    with pytest.raises(ConfigError, match="not_a_setting"):
        load_settings("local", environ={"IRIS_MLOPS_NOT_A_SETTING": "1"})


def test_load_settings_rejects_unknown_environment() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'qa'"):
        load_settings("qa", environ={})


def test_settings_are_frozen() -> None:
    settings = load_settings("local", environ={})
    with pytest.raises(ValueError, match="frozen"):
        settings.catalog = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["iris_silver", "_x", "A1"])
def test_validate_identifier_accepts_plain_names(name: str) -> None:
    assert validate_identifier(name, what="table") == name


@pytest.mark.parametrize("name", ["1abc", "a.b", "drop table", "", "a-b", "x;y"])
def test_validate_identifier_rejects_names_needing_quotes(name: str) -> None:
    with pytest.raises(ConfigError, match="invalid table name"):
        validate_identifier(name, what="table")


def test_qualify_resolves_short_and_checks_three_level_names() -> None:
    settings = load_settings("local", environ={})
    assert settings.qualify("iris_gold") == "local.iris.iris_gold"
    assert settings.qualify("c.s.t") == "c.s.t"
    with pytest.raises(ConfigError, match=r"a\.b"):
        settings.qualify("a.b")


def test_masked_hides_secret_values() -> None:
    class WithSecret(Settings):
        webhook_url: str = "https://hooks.example/secret"

    base = load_settings("local", environ={})
    data = masked(WithSecret.model_validate({**base.model_dump(by_alias=True)}))
    assert data["webhook_url"] == "***"
    assert data["catalog"] == "local"


def test_config_show_prints_resolved_json(home: Path) -> None:
    result = CliRunner().invoke(app, ["config", "show", "--env", "staging", "--json"])
    assert result.exit_code == 0, result.output
    assert '"catalog": "iris_staging"' in result.stdout


def test_config_show_bad_environment_is_one_line_error() -> None:
    result = CliRunner().invoke(app, ["config", "show", "--env", "nope"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown environment 'nope': choose one of local, dev, staging, prod"
    ]


def test_files_dir_is_the_home_locally_and_the_schema_volume_on_databricks(home: Path) -> None:
    local = load_settings("local", environ={"IRIS_MLOPS_HOME": str(home)})
    assert local.reports_dir == home.resolve() / "reports"
    remote = load_settings("staging", overrides={"schema": "mlops"}, environ={"IRIS_MLOPS_VOLUME": "run_files"})
    assert remote.files_dir == Path("/Volumes/iris_staging/mlops/run_files")
    assert remote.reports_dir == remote.files_dir / "reports"
    assert not str(remote.reports_dir).startswith(str(Path.cwd()))  # never next to a job's working directory


def test_load_settings_rejects_a_volume_name_needing_quotes() -> None:
    with pytest.raises(ConfigError, match="invalid catalog/schema/volume name 'my-files'"):
        load_settings("dev", environ={"IRIS_MLOPS_VOLUME": "my-files"})


def test_experiment_name_fills_in_the_schema_per_person() -> None:
    ada = load_settings("dev", overrides={"schema": "dev_ada"}, environ={})
    bob = load_settings("dev", overrides={"schema": "dev_bob"}, environ={})
    assert (ada.experiment_name, bob.experiment_name) == ("/Shared/iris-mlops-dev_ada", "/Shared/iris-mlops-dev_bob")
    assert load_settings("prod", environ={}).experiment_name == "/Shared/iris-mlops-prod"
