"""Task `feature-store`: silver -> the versioned feature table `iris_features`."""

from __future__ import annotations

from dataclasses import dataclass

from iris_mlops.tasks.command import TaskResult, task
from iris_mlops.tasks.context import TaskContext
from iris_mlops.tasks.gate import audit_before_write


@dataclass
class FeatureStoreResult(TaskResult):
    table: str
    version: int
    rows: int
    feature_version: str
    silver_table: str
    silver_version: int
    run_id: str


@task("feature-store", help="Build the feature table (one row per sample, engineered features, feature version).")
def run_feature_store(ctx: TaskContext) -> FeatureStoreResult:
    """Rebuild the feature table from the current silver version; returns the versions read and written."""
    from iris_mlops.errors import InputError
    from iris_mlops.features.definitions import FEATURE_VERSION, feature_names
    from iris_mlops.features.transforms import build_feature_table
    from iris_mlops.ml.data import LINEAGE_RUN_ID
    from iris_mlops.schemas import SAMPLE_ID
    from iris_mlops.storage import TableProperties
    from iris_mlops.tasks.preflight import require_table

    silver_name, features_name = ctx.settings.table("silver"), ctx.settings.table("features")
    require_table(ctx, "silver")  # the Delta log answers locally, before Spark starts
    _report_interrupted_build(ctx, features_name)
    silver_version = ctx.store.version(silver_name)
    silver_df = ctx.store.read(silver_name, version=silver_version)
    if silver_df.isEmpty():
        raise InputError(f"silver table {silver_name} version {silver_version} is empty: no sample to featurize")
    features = build_feature_table(
        silver_df,
        feature_version=FEATURE_VERSION,
        run_id=ctx.run_id,
        include_outliers=ctx.settings.features.include_outliers,
    )
    # Write-audit-publish: an error-severity failure raises before the write, so nothing is published.
    audit_before_write(ctx, "features", features)
    properties = TableProperties(
        description=f"Iris engineered features, one row per sample (feature version {FEATURE_VERSION}).",
        primary_key=(SAMPLE_ID,),
        extra={
            "feature_version": FEATURE_VERSION,
            "iris_mlops.source_table": silver_name,
            "iris_mlops.source_version": str(silver_version),
            LINEAGE_RUN_ID: ctx.run_id,  # rows carry run_id: a reader tells whether these properties describe them
        },
    )
    version = ctx.store.overwrite(features_name, features, run_id=ctx.run_id, properties=properties)
    rows = ctx.store.read(features_name, version=version).count()
    ctx.echo(f"{features_name} version {version}: {rows} rows, {len(feature_names())} engineered features, "
             f"feature version {FEATURE_VERSION} (from {silver_name} version {silver_version})")
    return FeatureStoreResult(table=features_name, version=version, rows=rows, feature_version=FEATURE_VERSION,
                              silver_table=silver_name, silver_version=silver_version, run_id=ctx.run_id)


def _report_interrupted_build(ctx: TaskContext, name: str) -> None:
    """Say when the last build died between its data and its properties commit (this run rewrites both)."""
    from iris_mlops.errors import ModelError
    from iris_mlops.ml.data import check_lineage
    from iris_mlops.schemas import RUN_ID

    if not ctx.store.exists(name):
        return
    df = ctx.store.read(name)
    run_ids = [row[RUN_ID] for row in df.select(RUN_ID).distinct().collect()]
    try:
        check_lineage(run_ids, ctx.store.properties(name), table=name, version=ctx.store.version(name))
    except ModelError:
        ctx.echo(f"{name}: the previous feature-store run was interrupted before its lineage commit; rebuilding")
