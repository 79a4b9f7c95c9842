"""Which table versions registered models were trained on: the versions a vacuum must keep."""

from __future__ import annotations

from iris_mlops.errors import ModelError
from iris_mlops.ml.tracking import first_line

# Where training records its input: tags on the model version (features) and on its run (the silver source).
VERSION_TAGS = (("features_table", "features_table_version"),)
RUN_TAGS = (
    ("iris_mlops.features_table", "iris_mlops.features_table_version"),
    ("iris_mlops.source_table", "iris_mlops.source_version"),
)


def protected_versions(model_name: str, table: str) -> list[int]:
    """Versions of `table` that any registered version of `model_name` was trained on (call configure_mlflow first)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    try:
        versions = client.search_model_versions(f"name = '{model_name}'")
        found = set()
        for mv in versions:
            found |= _from_tags(mv.tags or {}, table, VERSION_TAGS)
            if mv.run_id:
                found |= _from_tags(client.get_run(mv.run_id).data.tags, table, RUN_TAGS)
    except MlflowException as exc:
        raise ModelError(
            f"cannot read which versions of {table} models of {model_name} were trained on: {first_line(exc)}; "
            "nothing was vacuumed"
        ) from None
    return sorted(found)


def _from_tags(tags: dict[str, str], table: str, pairs: tuple[tuple[str, str], ...]) -> set[int]:
    found = set()
    for table_key, version_key in pairs:
        value = tags.get(version_key, "")
        if tags.get(table_key) == table and value.isdigit():
            found.add(int(value))
    return found
