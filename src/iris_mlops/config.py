"""The one configuration model, loaded from conf/ YAML per environment with env-var overrides."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from iris_mlops.errors import ConfigError
from iris_mlops.masking import mask_text
from iris_mlops.schemas import MEASUREMENTS

ENVIRONMENTS = ("local", "dev", "staging", "prod")
ENV_PREFIX = "IRIS_MLOPS_"
# Variables the process reads directly (not configuration keys): env_overrides leaves them alone.
PROCESS_VARIABLES = frozenset(
    f"{ENV_PREFIX}{name}"
    for name in ("ENV", "CONF_DIR", "SPARK_MASTER", "SPARK_JIT", "SPARK_ARCHIVE", "SPARK_ARCHIVE_DUMP",
                 "LOCK_WAIT_SECONDS", "HOME_LOCK", "BUNDLE_DIR",
                 "BUNDLE_SCHEMA", "VERBOSE", "WORKSPACE_TIMEOUT_SECONDS")
)
# Unity Catalog identifiers: letters, digits and underscores; we refuse anything that would need quoting.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
SECRET_KEYS = ("token", "secret", "password", "webhook")


def validate_identifier(value: str, *, what: str) -> str:
    """Return `value` when it is a plain identifier, else raise a ConfigError naming it."""
    if not IDENTIFIER.match(value):
        raise ConfigError(
            f"invalid {what} name {value!r}: use letters, digits and underscores, not starting with a digit"
        )
    return value


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class TablesConfig(Frozen):
    bronze: str = "iris_bronze"
    silver: str = "iris_silver"
    quarantine: str = "iris_quarantine"
    gold: str = "iris_gold"
    features: str = "iris_features"
    dq_results: str = "dq_results"
    predictions: str = "iris_predictions"
    alerts: str = "alerts"
    monitor_profile_metrics: str = "monitor_profile_metrics"
    monitor_drift_metrics: str = "monitor_drift_metrics"
    monitor_runs: str = "monitor_runs"
    # Inference's own quarantine (silver removes iris_quarantine batches that are not in bronze).
    prediction_quarantine: str = "iris_prediction_quarantine"

    @field_validator("*")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return validate_identifier(value, what="table")


class Range(Frozen):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low >= self.high:
            raise ValueError(f"range low {self.low} must be below high {self.high}")
        return self


class SilverConfig(Frozen):
    plausible_ranges: dict[str, Range]
    species: tuple[str, ...] = ("setosa", "versicolor", "virginica")
    outlier_method: Literal["iqr"] = "iqr"
    outlier_iqr_k: float = Field(default=1.5, gt=0)

    @field_validator("plausible_ranges")
    @classmethod
    def _all_measurements(cls, value: dict[str, Range]) -> dict[str, Range]:
        missing = sorted(set(MEASUREMENTS) - set(value))
        if missing:
            raise ValueError(f"plausible_ranges lacks {', '.join(missing)}")
        return value


class QualityConfig(Frozen):
    enabled: bool = True
    sample_size: int = Field(default=20, ge=0, le=1000)
    suites_dir: str | None = None  # None: conf/expectations next to base.yml
    checkpoints_dir: str | None = None  # None: conf/checkpoints
    write_results: bool = True  # append every run to the dq_results table
    html_report: bool = True  # one self-contained HTML report per run under <home>/reports/quality


class FeaturesConfig(Frozen):
    include_outliers: bool = True  # IQR-flagged silver rows are valid measurements: keep them in the feature table


class SplitConfig(Frozen):
    test_fraction: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 42


class RandomForestConfig(Frozen):
    n_estimators: int = Field(default=200, ge=1)
    max_depth: int | None = None
    min_samples_leaf: int = Field(default=1, ge=1)
    seed: int = 42


class TrainingConfig(Frozen):
    random_forest: RandomForestConfig = RandomForestConfig()
    primary_metric: Literal["f1_macro"] = "f1_macro"
    promotion_margin: float = Field(default=0.05, ge=0, lt=1)


AUTOML_FAMILIES = ("logistic_regression", "naive_bayes", "knn", "svm", "random_forest", "gradient_boosting")
BENCHMARK_MODELS = (
    *AUTOML_FAMILIES,
    "decision_tree",
    "extra_trees",
    "ada_boost",
    "lda",
    "qda",
    "mlp",
)
ParamValue = bool | int | float | str | None


class AutomlConfig(Frozen):
    """AutoML: a per-family search space, a trial budget, k-fold CV on the training split, a safety stop."""

    folds: int = Field(default=5, ge=2, le=20)
    search: Literal["grid", "random"] = "random"
    trials_per_family: int = Field(default=8, ge=1)
    seed: int = 42
    time_limit_seconds: float = Field(default=300.0, gt=0)
    n_jobs: int = Field(default=1, ge=1)
    # Ties on mean and std of the primary metric go to the family listed first.
    family_order: tuple[str, ...] = AUTOML_FAMILIES
    search_spaces: dict[str, dict[str, list[ParamValue]]] = Field(default_factory=dict)

    @field_validator("family_order")
    @classmethod
    def _all_families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if sorted(value) != sorted(AUTOML_FAMILIES):
            raise ValueError(f"family_order must list each of {', '.join(AUTOML_FAMILIES)} once")
        return value

    @field_validator("search_spaces")
    @classmethod
    def _known_families(cls, value: dict[str, dict[str, list[ParamValue]]]) -> dict[str, dict[str, list[ParamValue]]]:
        unknown = sorted(set(value) - set(AUTOML_FAMILIES))
        if unknown:
            raise ValueError(f"search_spaces names unknown families {', '.join(unknown)}")
        empty = sorted(
            f"{family}.{name}" for family, space in value.items() for name, values in space.items() if not values
        )
        if empty:
            raise ValueError(f"search space lists no value for {', '.join(empty)}")
        return value


class BenchmarkConfig(Frozen):
    """The benchmark: models with default settings under one repeated stratified CV."""

    folds: int = Field(default=5, ge=2, le=20)
    repeats: int = Field(default=2, ge=1)
    seed: int = 42
    n_jobs: int = Field(default=1, ge=1)
    models: tuple[str, ...] = BENCHMARK_MODELS[:10]

    @field_validator("models")
    @classmethod
    def _known_models(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(BENCHMARK_MODELS))
        if unknown or len(set(value)) != len(value) or not value:
            raise ValueError(
                f"models must be distinct names among {', '.join(BENCHMARK_MODELS)}; got {', '.join(unknown)}"
            )
        return value


class MlflowConfig(Frozen):
    tracking_uri: str | None = None  # None: sqlite under $IRIS_MLOPS_HOME locally, "databricks" on Databricks
    registry_uri: str | None = None  # None: same store locally, "databricks-uc" on Databricks
    experiment: str = "iris-mlops"
    model_name: str = "iris_classifier"

    @field_validator("model_name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return validate_identifier(value, what="model")


class AbConfig(Frozen):
    """The A/B test of challenger against champion: the split, and the statistics that decide it."""

    challenger_share: float = Field(default=0.0, ge=0, le=1)  # 0: every record to the champion
    mode: Literal["split", "shadow"] = "split"  # shadow: both score every record, the champion's answer is served
    salt: str = ""  # a new salt starts a new, independent split of the same keys
    alpha: float = Field(default=0.05, gt=0, lt=0.5)  # two-sided significance level of the test
    power: float = Field(default=0.8, gt=0.5, lt=1)  # chance to detect minimum_effect when it is real
    minimum_effect: float = Field(default=0.05, gt=0, lt=1)  # smallest accuracy difference worth detecting
    bootstrap_resamples: int = Field(default=1000, ge=100)
    seed: int = 42


class ServingConfig(Frozen):
    """The online server (`iris-mlops serve`) and the Databricks serving endpoint (`deploy-serving`)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    alias: str = "champion"
    max_rows: int = Field(default=1000, ge=1)  # rows per request; more is refused with 413
    max_body_bytes: int = Field(default=5_000_000, ge=1024)
    flush_rows: int = Field(default=500, ge=1)  # the request log is written when this many rows wait...
    flush_seconds: float = Field(default=5.0, gt=0)  # ...or this long after the last write
    deploy_endpoint: bool = True  # False (conf/local.yml): deploy-serving skips, a local run has no workspace
    endpoint_name: str = "iris-classifier"
    workload_size: Literal["Small", "Medium", "Large"] = "Small"
    scale_to_zero: bool = True
    inference_table_prefix: str = "iris_endpoint"

    @field_validator("inference_table_prefix")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return validate_identifier(value, what="inference table prefix")


SEVERITIES = ("info", "warning", "error", "critical")
ALERT_CHANNEL_TYPES = ("teams", "slack", "webhook")
# An environment-variable name, and a Databricks secret reference `scope/key`.
ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_REF = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
LITERAL_URL = (
    "a webhook URL is a secret, never a config value: name an environment variable (url_env) "
    "or a Databricks secret (url_secret: scope/key)"
)


class AlertChannelConfig(Frozen):
    """One alert channel: where its URL comes from (never the URL itself) and what it receives."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    type: Literal["teams", "slack", "webhook"]
    min_severity: Literal["info", "warning", "error", "critical"] = "warning"
    required: bool = False  # a delivery failure fails the task only for a required channel
    url_env: str | None = None
    url_secret: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal_url(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and any(isinstance(v, str) and "://" in v for v in data.values()):
            raise ValueError(LITERAL_URL)
        return data

    @model_validator(mode="after")
    def _one_source(self) -> AlertChannelConfig:
        if (self.url_env is None) == (self.url_secret is None):
            raise ValueError(f"alert channel {self.name}: set exactly one of url_env or url_secret")
        if self.url_env is not None and not ENV_VAR_NAME.match(self.url_env):
            raise ValueError(f"alert channel {self.name}: url_env must name an environment variable")
        if self.url_secret is not None and not SECRET_REF.match(self.url_secret):
            raise ValueError(f"alert channel {self.name}: url_secret must be a Databricks secret 'scope/key'")
        return self


DEFAULT_ALERT_CHANNELS = (
    AlertChannelConfig(name="teams", type="teams", url_env="TEAMS_WEBHOOK_URL"),
    AlertChannelConfig(name="slack", type="slack", url_env="SLACK_WEBHOOK_URL"),
    AlertChannelConfig(name="webhook", type="webhook", url_env="ALERTS_WEBHOOK_URL"),
)


class AlertsConfig(Frozen):
    """Alert channels, deduplication and the delivery policy (docs/alerts.md)."""

    enabled: bool = True
    channels: tuple[AlertChannelConfig, ...] = DEFAULT_ALERT_CHANNELS
    cooldown_hours: float = Field(default=6.0, ge=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    retry_attempts: int = Field(default=4, ge=1, le=10)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=30.0, ge=0)
    max_retry_after_seconds: float = Field(default=60.0, ge=0)  # a longer Retry-After is cut to this

    @field_validator("channels")
    @classmethod
    def _unique_names(cls, value: tuple[AlertChannelConfig, ...]) -> tuple[AlertChannelConfig, ...]:
        names = [c.name for c in value]
        if len(set(names)) != len(names):
            raise ValueError("alert channel names must be unique")
        return value

    def channel(self, name: str) -> AlertChannelConfig:
        """The channel called `name`; ConfigError naming the configured ones otherwise."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise ConfigError(f"no alert channel {name!r}: configured are {', '.join(c.name for c in self.channels)}")


DRIFT_TESTS = ("ks", "chi_square", "psi", "wasserstein", "jensenshannon")
DriftTest = Literal["ks", "chi_square", "psi", "wasserstein", "jensenshannon"]


class ColumnTestConfig(Frozen):
    """A per-column override of the drift test and its threshold (p-value for ks/chi_square, else a distance)."""

    test: DriftTest
    threshold: float = Field(gt=0)


class MonitoringConfig(Frozen):
    """The monitor: drift test choice and thresholds, noise correction, performance, quality and volume rules.

    The default test per column follows Evidently's DataDriftPreset (docs/monitoring.md, "Choosing a test").
    """

    small_reference_rows: int = Field(default=1000, ge=1)  # up to this many reference rows: KS / chi-square
    categorical_max_distinct: int = Field(default=5, ge=1)  # numbers with at most this many values count as classes
    ks_threshold: float = Field(default=0.05, gt=0, lt=1)  # drift when p <= threshold
    chi_square_threshold: float = Field(default=0.05, gt=0, lt=1)  # drift when p < threshold
    wasserstein_threshold: float = Field(default=0.1, gt=0)  # normed by the reference std; drift when >=
    jensenshannon_threshold: float = Field(default=0.1, gt=0, le=1)
    psi_threshold: float = Field(default=0.1, gt=0)
    bins: int = Field(default=30, ge=2, le=200)
    drift_share: float = Field(default=0.5, gt=0, le=1)
    share_columns: tuple[str, ...] = (*MEASUREMENTS, "species")  # the columns whose drift counts in the share
    columns: dict[str, ColumnTestConfig] = Field(default_factory=dict)
    # A column drifts only when its statistic also exceeds this quantile of the statistic between the reference
    # and bootstrap resamples of it of the current window's size (its own sampling noise); 0 turns it off.
    noise_quantile: float = Field(default=0.995, ge=0, lt=1)
    noise_resamples: int = Field(default=400, ge=10)
    seed: int = 42
    exact_row_limit: int = Field(default=5000, ge=0)  # windows up to this many rows collect sorted values
    performance_margin: float | None = Field(default=None, ge=0, lt=1)  # None: training.promotion_margin
    degraded_windows: int = Field(default=2, ge=1)  # k: an alert needs k of the last n windows degraded
    window_history: int = Field(default=3, ge=1)  # n
    outlier_z: float = Field(default=3.0, gt=0)
    max_outlier_share: float = Field(default=0.05, ge=0, le=1)
    max_null_share: float = Field(default=0.0, ge=0, le=1)
    max_class_ratio: float = Field(default=3.0, ge=1)  # largest / smallest class share
    volume_tolerance: float = Field(default=0.5, gt=0)  # relative distance from the median of past windows
    volume_history: int = Field(default=7, ge=1)
    freshness_hours: float = Field(default=36.0, gt=0)
    report: bool = True
    # Ad hoc comparisons of two files are explorations: their findings go to the alert channels only when asked.
    alert_ad_hoc: bool = False

    @model_validator(mode="after")
    def _k_of_n(self) -> MonitoringConfig:
        if self.degraded_windows > self.window_history:
            raise ValueError(f"degraded_windows {self.degraded_windows} exceeds window_history {self.window_history}")
        return self


class InferenceConfig(Frozen):
    """Batch and streaming inference: which model, where the stream's files land, its checkpoint and trigger."""

    model_alias: str = "champion"
    landing: str | None = None  # None: <home>/landing locally, /Volumes/<catalog>/<schema>/<volume>/landing
    checkpoint: str | None = None  # None: <home>/checkpoints/stream-inference, or under the files volume
    trigger_seconds: float = Field(default=10.0, gt=0)  # continuous mode's processing-time trigger
    max_files_per_trigger: int = Field(default=1000, ge=1)

    @field_validator("model_alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        return validate_identifier(value, what="model alias")


class Settings(Frozen):
    """The resolved configuration of one environment."""

    env: Literal["local", "dev", "staging", "prod"]
    catalog: str
    schema_name: str = Field(alias="schema")
    store: Literal["local_delta", "spark_delta"]
    home: Path
    seed: int = 42
    tables: TablesConfig = TablesConfig()
    silver: SilverConfig
    quality: QualityConfig = QualityConfig()
    features: FeaturesConfig = FeaturesConfig()
    split: SplitConfig = SplitConfig()
    training: TrainingConfig = TrainingConfig()
    mlflow: MlflowConfig = MlflowConfig()
    automl: AutomlConfig = AutomlConfig()
    benchmark: BenchmarkConfig = BenchmarkConfig()
    serving: ServingConfig = ServingConfig()
    ab: AbConfig = AbConfig()
    alerts: AlertsConfig = AlertsConfig()
    inference: InferenceConfig = InferenceConfig()
    # Unity Catalog volume in catalog.schema for the files tasks write on Databricks (the bundle's `volume` variable).
    volume: str = "files"
    monitoring: MonitoringConfig = MonitoringConfig()

    @field_validator("catalog", "schema_name", "volume")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return validate_identifier(value, what="catalog/schema/volume")

    def table(self, key: str) -> str:
        """Three-level name of the table configured under `key` (e.g. 'silver')."""
        return f"{self.catalog}.{self.schema_name}.{getattr(self.tables, key)}"

    def qualify(self, name: str) -> str:
        """Resolve a short table name in the configured catalog and schema; validate a three-level one."""
        parts = name.split(".")
        if len(parts) == 1:
            parts = [self.catalog, self.schema_name, name]
        if len(parts) != 3:
            raise ConfigError(f"invalid table name {name!r}: use NAME or catalog.schema.name")
        for part in parts:
            validate_identifier(part, what="table")
        return ".".join(parts)

    @property
    def model_full_name(self) -> str:
        """Registered model name: three-level in Unity Catalog, plain in a local registry."""
        if self.store == "spark_delta":
            return f"{self.catalog}.{self.schema_name}.{self.mlflow.model_name}"
        return self.mlflow.model_name

    @property
    def files_dir(self) -> Path:
        """Where tasks write files: $IRIS_MLOPS_HOME locally, the schema's volume on Databricks (never the cwd)."""
        if self.store == "spark_delta":
            return Path("/Volumes") / self.catalog / self.schema_name / self.volume
        return self.home

    @property
    def reports_dir(self) -> Path:
        """Quality and EDA reports and the benchmark leaderboard."""
        return self.files_dir / "reports"

    @property
    def experiment_name(self) -> str:
        """`mlflow.experiment` with {catalog} and {schema} filled in: one experiment per dev schema (per person)."""
        return self.mlflow.experiment.replace("{catalog}", self.catalog).replace("{schema}", self.schema_name)

    @property
    def warehouse_dir(self) -> Path:
        """The local store's tables: a folder per catalog, schema and table under $IRIS_MLOPS_HOME/warehouse."""
        return self.home / "warehouse"

    @property
    def staging_dir(self) -> Path:
        """Where bronze stages a source's Parquet parts before Spark writes them into the table."""
        return self.files_dir / "staging"


def conf_dir() -> Path:
    """The conf/ folder: $IRIS_MLOPS_CONF_DIR, the copy packaged in the wheel, or the source tree's."""
    explicit = os.environ.get(f"{ENV_PREFIX}CONF_DIR")
    if explicit:
        return Path(explicit)
    packaged = Path(__file__).resolve().parent / "conf"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "conf"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge mappings recursively; values of `override` win."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """`IRIS_MLOPS_A__B=v` becomes {"a": {"b": v}}; values are parsed as YAML scalars."""
    overrides: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key in PROCESS_VARIABLES:
            continue
        path = key[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if not all(path):
            raise ConfigError(f"{key} is not a valid variable name: separate keys with one double underscore")
        node[path[-1]] = raw if path[-1] in ("home", "catalog", "schema") else _env_value(key, raw)
    return overrides


def _env_value(key: str, raw: str) -> Any:
    """A variable's value as a YAML scalar; the value itself is never echoed (it may be a secret)."""
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(f"{key} cannot be parsed ({problem}): quote the value or fix its syntax") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"configuration file {path} not found")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not UTF-8 (byte {exc.start}): save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"configuration file {path} cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {path} is not valid YAML ({_yaml_problem(exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"configuration file {path} must hold a mapping")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else str(problem)


def _resolve_home(value: Any) -> Path:
    """The home folder as an absolute path; empty, a file or under a file is refused."""
    if value is None or not str(value).strip():
        raise ConfigError("the home folder is empty (IRIS_MLOPS_HOME=\"\"?): set it to a folder or unset it")
    home = Path(str(value)).expanduser().resolve()
    for folder in (home, *home.parents):
        if folder.exists():
            if not folder.is_dir():
                where = "is a file" if folder == home else f"is under the file {folder}"
                raise ConfigError(f"home folder {home} {where}: set IRIS_MLOPS_HOME to a folder")
            break
    return home


def load_settings(
    env: str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve base.yml + <env>.yml + IRIS_MLOPS_* variables + explicit overrides, once, at the entry point."""
    environ = os.environ if environ is None else environ
    env = env or environ.get(f"{ENV_PREFIX}ENV", "local")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {env!r}: choose one of {', '.join(ENVIRONMENTS)}")
    folder = conf_dir()
    data = deep_merge(_read_yaml(folder / "base.yml"), _read_yaml(folder / f"{env}.yml"))
    data = deep_merge(data, env_overrides(environ))
    data = deep_merge(data, {k: v for k, v in (overrides or {}).items() if v is not None})
    data["env"] = env
    data["home"] = _resolve_home(data.get("home", ".iris_mlops"))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise ConfigError(f"invalid configuration for env {env!r} at {where}: {first['msg']}") from None


def masked(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings as plain data: secret-looking keys as '***', secret values and URI credentials masked."""
    data = json.loads(settings.model_dump_json(by_alias=True))
    return _mask(data, secrets=secret_values(settings, os.environ if environ is None else environ))


def secret_values(settings: Settings, environ: Mapping[str, str]) -> tuple[str, ...]:
    """Values of the alert channels' URL variables and of secret-looking variables, longest first."""
    names = {c.url_env for c in settings.alerts.channels if c.url_env}
    names |= {k for k in environ if any(word in k.lower() for word in SECRET_KEYS)}
    # Very short values would mask ordinary words; real tokens and URLs are longer.
    values = {environ[n] for n in names if len(environ.get(n) or "") >= 8}
    return tuple(sorted(values, key=len, reverse=True))


def _mask(node: Any, key: str = "", *, secrets: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        return {k: _mask(v, k, secrets=secrets) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(v, key, secrets=secrets) for v in node]
    if node and any(word in key.lower() for word in SECRET_KEYS):
        return "***"
    if isinstance(node, str):
        for secret in secrets:
            node = node.replace(secret, "***")
        return mask_text(node)
    return node
