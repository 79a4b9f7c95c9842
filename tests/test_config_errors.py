"""Bad homes, bad conf files, bad variables and secrets inside values: one line, exit 2, nothing in clear."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iris_mlops.cli import app
from iris_mlops.config import env_overrides, load_settings, masked
from iris_mlops.errors import ConfigError, ModelError
from iris_mlops.masking import mask_text
from iris_mlops.runtime import ensure_home, home_lock


def _show(*args: str):
    return CliRunner().invoke(app, ["config", "show", *args])


def _one_line_exit_2(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


# -- homes ----------------------------------------------------------------------------------------------
def test_empty_home_variable_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_HOME", "")
    _one_line_exit_2(_show(), "the home folder is empty")


def test_home_that_is_a_file_is_refused(tmp_path, monkeypatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("IRIS_MLOPS_HOME", str(tmp_path / "file"))
    _one_line_exit_2(_show(), "is a file")


def test_home_under_a_file_is_refused(tmp_path, monkeypatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("IRIS_MLOPS_HOME", str(tmp_path / "file" / "home"))
    _one_line_exit_2(_show(), f"is under the file {tmp_path / 'file'}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_home_is_refused_by_the_lock(tmp_path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="cannot be created"), home_lock(tmp_path / "home"):
            pass
    finally:
        tmp_path.chmod(0o700)


def test_ensure_home_turns_os_errors_into_config_errors(tmp_path, monkeypatch) -> None:
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", full)
    with pytest.raises(ConfigError, match=r"cannot be created \(No space left on device\)"):
        ensure_home(tmp_path / "home")


def test_lock_write_on_a_full_disk_is_one_config_error(tmp_path, monkeypatch) -> None:
    import iris_mlops.runtime as runtime

    real_open = Path.open

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def write(self, text):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: Full(real_open(self, *a, **k)))
    with pytest.raises(ConfigError, match="not writable"), runtime.home_lock(tmp_path):
        pass


def test_lock_wait_variable_that_is_not_a_number_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_LOCK_WAIT_SECONDS", "soon")
    with pytest.raises(ConfigError, match="IRIS_MLOPS_LOCK_WAIT_SECONDS='soon' is not a number"), home_lock(tmp_path):
        pass


def test_home_lock_off_skips_the_lock(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_HOME_LOCK", "off")
    with home_lock(tmp_path / "h"):
        assert not (tmp_path / "h" / ".lock").exists()


def test_home_lock_with_an_unknown_value_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_HOME_LOCK", "maybe")
    with pytest.raises(ConfigError, match="use on or off"), home_lock(tmp_path):
        pass


# -- conf files and variables ---------------------------------------------------------------------------
@pytest.fixture()
def conf(tmp_path, monkeypatch) -> Path:
    from iris_mlops.config import conf_dir

    folder = tmp_path / "conf"
    folder.mkdir()
    for name in ("base.yml", "local.yml"):
        (folder / name).write_bytes((conf_dir() / name).read_bytes())
    monkeypatch.setenv("IRIS_MLOPS_CONF_DIR", str(folder))
    return folder


def test_malformed_yaml_names_file_line_and_column(conf, home) -> None:
    (conf / "local.yml").write_text("catalog: [unclosed\n")
    _one_line_exit_2(_show(), f"configuration file {conf / 'local.yml'} is not valid YAML (")


def test_non_utf8_yaml_is_refused(conf, home) -> None:
    (conf / "local.yml").write_bytes(b"catalog: caf\xe9\n")
    _one_line_exit_2(_show(), "is not UTF-8 (byte 12)")


def test_unparsable_variable_is_named_without_its_value(home, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_TRAINING__PROMOTION_MARGIN", "[s3cr3t")
    result = _show()
    _one_line_exit_2(result, "IRIS_MLOPS_TRAINING__PROMOTION_MARGIN cannot be parsed")
    assert "s3cr3t" not in result.output


def test_variable_with_an_empty_key_part_is_refused() -> None:
    with pytest.raises(ConfigError, match="double underscore"):
        env_overrides({"IRIS_MLOPS_TRAINING____SEED": "1"})


def test_variable_of_the_wrong_type_is_one_line(home, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_SPLIT__SEED", "many")
    _one_line_exit_2(_show(), "split.seed")


# -- secrets inside values ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://alice:pa55w0rd@mlflow.example.com/api", "pa55w0rd"),
        ("https://dapiTOKEN123@host.example.com", "dapiTOKEN123"),
        ("https://acct.blob.core.windows.net/c?sv=2022&sig=AbC%2Fsig0&se=2030", "AbC%2Fsig0"),
        ("http://h/x?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef", "AKIA123"),
        ("http://h/x?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef", "deadbeef"),
        ("postgresql://u:hunter2@db:5432/mlflow", "hunter2"),
        ("https://h/hook?api_key=k3y&access_token=t0k", "k3y"),
        ("https://h/hook?api_key=k3y&access_token=t0k", "t0k"),
    ],
)
def test_mask_text_hides_credentials_inside_uris(text: str, secret: str) -> None:
    shown = mask_text(text)
    assert secret not in shown and "***" in shown


def test_mask_text_keeps_plain_uris() -> None:
    text = "sqlite:///home/u/mlflow.db and https://example.com/a?page=2"
    assert mask_text(text) == text


def test_config_show_masks_a_password_inside_the_tracking_uri(home, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__TRACKING_URI", "https://bob:hunter2@mlflow.example.com?token=abc123")
    result = _show("--json")
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.stdout and "abc123" not in result.stdout
    assert "https://***@mlflow.example.com?token=***" in result.stdout


def test_masked_settings_mask_by_value() -> None:
    settings = load_settings("local", environ={"IRIS_MLOPS_MLFLOW__REGISTRY_URI": "http://u:p4ss@h/"})
    assert masked(settings)["mlflow"]["registry_uri"] == "http://***@h/"


def test_error_messages_mask_uris_wherever_they_come_from() -> None:
    error = ModelError("MLflow tracking store https://u:hunter2@h/?sig=x1 cannot be reached: 401 for https://u:hunter2@h/")
    assert "hunter2" not in str(error) and "x1" not in str(error)


def test_models_list_against_an_unreachable_store_masks_the_uri(home, monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_MLFLOW__TRACKING_URI", "postgresql://u:hunter2@127.0.0.1:9/mlflow")
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code != 0
    assert "hunter2" not in result.output and "error:" in result.output


# -- the workspace --------------------------------------------------------------------------------------
@pytest.fixture()
def silent_host() -> Iterator[str]:
    """A local port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_auth_check_against_a_host_that_never_answers_times_out(silent_host, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", silent_host)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-x")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("IRIS_MLOPS_WORKSPACE_TIMEOUT_SECONDS", "1")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["workspace", "auth-check"])
    assert time.monotonic() - started < 20
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach {silent_host} within 1s: check DATABRICKS_HOST and the network "
        "(or raise IRIS_MLOPS_WORKSPACE_TIMEOUT_SECONDS)"
    ]


def test_workspace_timeout_that_is_not_a_number_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("IRIS_MLOPS_WORKSPACE_TIMEOUT_SECONDS", "never")
    result = CliRunner().invoke(app, ["workspace", "auth-check"])
    assert result.exit_code == 1 and "is not a number of seconds" in result.stderr


def test_a_run_waiting_for_the_lock_says_so_with_the_holders_pid(tmp_path, capsys) -> None:
    import subprocess
    import sys

    from iris_mlops.errors import LockedError

    code = (
        "from iris_mlops.runtime import home_lock\nimport pathlib, time\n"
        f"with home_lock(pathlib.Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(30)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError), home_lock(tmp_path, wait_seconds=0.5):
            pass
        assert f"waiting up to 0s for {tmp_path / '.lock'}, held by pid {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
