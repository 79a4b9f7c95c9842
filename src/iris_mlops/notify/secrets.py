"""Where webhook URLs come from: an environment variable (or the local .env), or a Databricks secret scope."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path

from iris_mlops.errors import ConfigError

SecretReader = Callable[[str, str], "str | None"]


class SecretUnavailableError(ConfigError):
    """A secret that config names cannot be read (no access, no workspace); never carries its value."""


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments, blanks and `export ` prefixes handled); {} when absent."""
    if not path.is_file():
        return {}
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key.strip()] = value
    return found


def environment_with_dotenv(environ: Mapping[str, str], dotenv: Path | None = Path(".env")) -> dict[str, str]:
    """`environ` completed by the .env file's values; variables already set win."""
    merged = read_dotenv(dotenv) if dotenv is not None else {}
    merged.update(environ)
    return merged


def split_secret_ref(ref: str) -> tuple[str, str]:
    """`scope/key` into its two parts."""
    scope, _, key = ref.partition("/")
    if not scope or not key:
        raise ConfigError(f"invalid secret reference {ref!r}: use scope/key")
    return scope, key


def resolve_url(
    *, url_env: str | None, url_secret: str | None, environ: Mapping[str, str], read_secret: SecretReader
) -> str | None:
    """The URL from its one source, or None when that source holds no value (the channel is then inactive)."""
    if url_env is not None:
        return (environ.get(url_env) or "").strip() or None
    if url_secret is not None:
        scope, key = split_secret_ref(url_secret)
        value = read_secret(scope, key)
        return (value or "").strip() or None
    return None


def databricks_secret_reader(client_factory: Callable[[], object] | None = None) -> SecretReader:
    """A reader of Databricks secrets through databricks-sdk: None when the secret or its scope is missing."""

    def read(scope: str, key: str) -> str | None:
        from databricks.sdk.errors import NotFound, ResourceDoesNotExist

        try:
            client = client_factory() if client_factory else _workspace_client()
            response = client.secrets.get_secret(scope=scope, key=key)  # type: ignore[attr-defined]
        except (NotFound, ResourceDoesNotExist):
            return None
        except Exception as exc:  # no credentials, no network, no permission: say which secret, never a value
            raise SecretUnavailableError(f"cannot read Databricks secret {scope}/{key}: {type(exc).__name__}") from None
        return decode_secret(response.value)

    return read


def decode_secret(value: str | None) -> str | None:
    """The Secrets API returns values base64-encoded."""
    if value is None:
        return None
    return base64.b64decode(value).decode("utf-8")


def store_databricks_secret(scope: str, key: str, value: str, *, client: object | None = None) -> None:
    """Write `value` to the secret `scope/key`, creating the scope when it does not exist."""
    from databricks.sdk.errors import ResourceAlreadyExists

    workspace = client or _workspace_client()
    with contextlib.suppress(ResourceAlreadyExists):
        workspace.secrets.create_scope(scope=scope)  # type: ignore[attr-defined]
    workspace.secrets.put_secret(scope=scope, key=key, string_value=value)  # type: ignore[attr-defined]


def _workspace_client() -> object:
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient()


def write_dotenv_value(path: Path, key: str, value: str) -> None:
    """Set `key=value` in the .env file at `path` (other lines kept), readable by its owner only (mode 0600)."""
    import os

    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    kept = [line for line in lines if line.strip().removeprefix("export ").partition("=")[0].strip() != key]
    text = "\n".join([*kept, f"{key}={value}"]) + "\n"
    # Create with 0600 from the start, so the secret is never readable by others, even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
