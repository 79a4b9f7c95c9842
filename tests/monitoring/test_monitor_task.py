"""The monitor task end to end: ad hoc on two files, bad input, no champion, and the report in a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from iris_mlops.entrypoints import run_task
from iris_mlops.monitoring.simulate import simulate_batch


def write(path: Path, kind: str, **kwargs: object) -> Path:
    simulate_batch(kind, **kwargs).to_csv(path, index=False)  # type: ignore[arg-type]
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    return {"reference": write(tmp_path / "ref.csv", "none", seed=1),
            "resample": write(tmp_path / "resample.csv", "none", seed=2),
            "shifted": write(tmp_path / "shift.csv", "class-mix", severity=0.95, seed=3)}


def monitor_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = run_task("monitor", ["--json", *args])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def test_monitor_ad_hoc_resample_is_not_drift(spark, home, files, capsys) -> None:  # type: ignore[no-untyped-def]
    code, result = monitor_json(capsys, "--reference-source", str(files["reference"]), "--current-source",
                                str(files["resample"]))
    assert code == 0
    assert result["dataset_drift"] is False and result["mode"] == "ad_hoc"
    assert {c["column"] for c in result["columns"]} >= {"sepal_length", "species", "petal_area"}
    assert not [c for c in result["columns"] if c["drifted"]]
    assert not home.exists() or not (home / "warehouse").exists()  # ad hoc touches no table


def test_monitor_ad_hoc_fail_on_drift_exits_1_after_printing(spark, home, files, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ("--reference-source", str(files["reference"]), "--current-source", str(files["shifted"]))
    code, result = monitor_json(capsys, *args)
    assert code == 0 and "species" in [c["column"] for c in result["columns"] if c["drifted"]]
    assert any(f["kind"] == "quality" and "class_balance" in f["subject"] for f in result["findings"])
    code, result = monitor_json(capsys, *args, "--fail-on", "quality")
    assert code == 0  # class balance is a warning, not an alert
    code, result = monitor_json(capsys, *args, "--fail-on", "drift")
    assert code == (1 if result["dataset_drift"] else 0)


def test_monitor_bad_input_is_one_line_and_exit_2(home, files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_task("monitor", ["--reference-source", str(files["reference"])]) == 2
    assert "go together" in capsys.readouterr().err
    assert run_task("monitor", ["--fail-on", "colour"]) == 2
    missing = files["reference"].with_name("missing.csv")
    assert run_task("monitor", ["--reference-source", str(missing), "--current-source", str(missing)]) == 2


def test_monitor_without_champion_is_exit_2_and_writes_nothing(home, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_task("monitor", []) == 2
    err = capsys.readouterr().err
    assert "has no @champion" in err and "Traceback" not in err
    assert not (home / "warehouse").exists()


@pytest.mark.slow
def test_monitor_report_renders_in_chromium(spark, tmp_path, files) -> None:  # type: ignore[no-untyped-def]
    from iris_mlops.config import MonitoringConfig
    from iris_mlops.monitoring.checks import WindowInputs, evaluate_window
    from iris_mlops.monitoring.history import TrendPoint
    from iris_mlops.monitoring.report import render_report
    from iris_mlops.tasks.monitor_profiles import build_reference, profile_window

    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    reference = build_reference(spark.createDataFrame(simulate_batch("none", seed=1)), config=MonitoringConfig(),
                                source="test")
    window = profile_window(spark.createDataFrame(simulate_batch("mean-shift", seed=2)), reference.plan_for_window(),
                            exact_limit=1000)
    result = evaluate_window(WindowInputs(reference=reference, current=window), config=MonitoringConfig(), margin=0.05)
    page = tmp_path / "report.html"
    # the probe writes the right edge of the widest element into the DOM that --dump-dom prints
    probe = ("<script>window.onload=()=>{document.body.dataset.widest=Math.max(...[...document.querySelectorAll('*')]"
             ".map(e=>e.getBoundingClientRect().right));}</script></body>")
    past = [TrendPoint("run-a", "2026-11-28 06:00:00", "3", "OK", 150, 0.0, 0.9667, 0.9666, 0.95)]
    text = render_report(result, reference=reference, current=window, title="t", history=past)
    page.write_text(text.replace("</body>", probe), "utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1400,2000", page.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
    dumped = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,2000",
         "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        check=True, capture_output=True, text=True, timeout=120).stdout
    for section in ("drift-tests", "distributions", "performance", "trend", "data-quality"):
        assert f"id=\"{section}\"" in dumped
    assert dumped.count("data:image/png;base64") >= 5
    widest = float(dumped.split('data-widest="')[1].split('"')[0])
    assert widest <= 1400


@pytest.mark.e2e
def test_monitor_tables_records_the_window_once_and_skips_an_empty_one(
    spark, home, tmp_path, capsys, quality_gate_off
) -> None:  # type: ignore[no-untyped-def]
    for name in ("bronze", "silver", "feature-store", "train"):
        assert run_task(name, []) == 0
    capsys.readouterr()
    batch = write(tmp_path / "new.csv", "mean-shift", column="petal_width", severity=1.5, seed=5)
    assert run_task("bronze", ["--source", str(batch)]) == 0
    assert run_task("silver", []) == 0
    capsys.readouterr()
    code, first = monitor_json(capsys, "--run-id", "m1")
    assert code == 0 and first["mode"] == "tables" and first["rows"] > 0
    assert "petal_width" in [c["column"] for c in first["columns"] if c["drifted"]]
    assert Path(first["report"]).is_file()
    code, again = monitor_json(capsys, "--run-id", "m2")
    assert code == 0 and again["status"] == "SKIPPED" and "no new silver batch" in again["reason"]
    chosen = [arg for batch in first["window"]["batches"] for arg in ("--batches", batch)]
    code, rerun = monitor_json(capsys, "--run-id", "m3", *chosen)
    assert rerun["window"]["window_id"] == first["window"]["window_id"] and rerun["rows"] == first["rows"]
    trend = Path(rerun["report"]).read_text(encoding="utf-8").split("id='trend'")[1]
    assert trend.index("m1") < trend.index("this run") and "m2" not in trend  # past runs of this model, not skips
    assert run_task("monitor", ["--batches", "nope"]) == 2
