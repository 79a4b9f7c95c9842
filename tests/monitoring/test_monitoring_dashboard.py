"""The Lakeview dashboard reads the monitor tables by their configured names, and every widget has its dataset."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from iris_mlops.config import TablesConfig

ROOT = Path(__file__).resolve().parents[2]


def test_dashboard_datasets_use_monitor_tables_and_widgets_name_existing_datasets() -> None:
    resource = yaml.safe_load((ROOT / "resources/dashboards/monitoring.dashboard.yml").read_text())
    dashboard = resource["resources"]["dashboards"]["monitoring_dashboard"]
    assert dashboard["warehouse_id"] == "${var.warehouse_id}"
    document = json.loads((ROOT / "resources/dashboards" / dashboard["file_path"]).read_text())
    names = {d["name"] for d in document["datasets"]}
    sql = " ".join(line for d in document["datasets"] for line in d["queryLines"])
    tables = TablesConfig()
    for table in (tables.monitor_runs, tables.monitor_drift_metrics, tables.monitor_profile_metrics):
        assert f"FROM {table}" in sql
    for page in document["pages"]:
        for item in page["layout"]:
            assert {q["query"]["datasetName"] for q in item["widget"]["queries"]} <= names
    bundle = yaml.safe_load((ROOT / "databricks.yml").read_text())
    assert "warehouse" in bundle["variables"]["warehouse_id"]["lookup"]
