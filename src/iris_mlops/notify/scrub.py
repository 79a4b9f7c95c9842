"""Keep webhook URLs out of everything written: errors, log records, table rows."""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote, urlsplit

MASK = "<webhook-url>"
_lock = threading.Lock()
_known: set[str] = set()


def url_forms(url: str) -> tuple[str, ...]:
    """The ways a URL shows up in error texts: whole, percent-encoded, and its path and query parts."""
    parts = urlsplit(url)
    forms = {url, url.rstrip("/"), quote(url, safe=""), quote(url)}
    path_query = parts.path + (f"?{parts.query}" if parts.query else "")
    # HTTP libraries name the request by its path ("Max retries exceeded with url: /path?sig=..."); the
    # token of a webhook usually lives there, so the path and the query are secret on their own too.
    for piece in (path_query, parts.query, parts.path if len(parts.path) > 1 else ""):
        if len(piece) >= 8:
            forms.add(piece)
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def register_secret(url: str) -> None:
    """Remember a secret so that `scrub` and the log filter mask it from now on."""
    if url:
        with _lock:
            _known.update(url_forms(url))


def scrub(text: str, *secrets: str) -> str:
    """`text` with every known secret (and the given ones, in all their forms) replaced by a mask."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.update(url_forms(secret))
    with _lock:
        forms |= _known
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def describe_error(exc: BaseException, *secrets: str, limit: int = 300) -> str:
    """One scrubbed line for an exception: its type and first line, cut to `limit` characters."""
    first = (str(exc).strip().splitlines() or [""])[0]
    text = scrub(f"{type(exc).__name__}: {first}" if first else type(exc).__name__, *secrets)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScrubbingFilter(logging.Filter):
    """A logging filter that masks known secrets in records (urllib3 logs request paths at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = ScrubbingFilter()


def install_log_filter(*names: str) -> None:
    """Attach the scrubbing filter to the HTTP libraries' loggers (idempotent)."""
    for name in names or ("urllib3.connectionpool", "urllib3", "requests"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
