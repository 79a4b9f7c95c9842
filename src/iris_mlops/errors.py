"""Exceptions whose message is fit to show a user as one line."""

from __future__ import annotations

from iris_mlops.masking import mask_text


class IrisMlopsError(Exception):
    """Base class for errors the CLI reports as one line, without a traceback (credentials in URIs masked)."""

    exit_code = 1

    def __str__(self) -> str:
        return mask_text(super().__str__())


class ConfigError(IrisMlopsError):
    """The configuration is invalid: a bad name, an unknown key, a wrong type."""

    exit_code = 2


class InputError(IrisMlopsError):
    """An input file cannot be used: missing, empty, unreadable, wrong layout."""

    exit_code = 2


class TableNotFoundError(IrisMlopsError):
    """A table that a task reads does not exist yet (exit 1: running the task that creates it fixes it)."""


class TableVersionError(TableNotFoundError):
    """A table version that was asked for and never existed: bad input, exit 2."""

    exit_code = 2


class SchemaMismatchError(IrisMlopsError, ValueError):
    """A write whose columns or types differ from the table's schema."""


class DataQualityError(IrisMlopsError):
    """An `error`-severity expectation failed; nothing was published."""


class LockedError(IrisMlopsError):
    """Another local run holds the lock on the home folder."""


class ModelError(IrisMlopsError):
    """A model, alias or registry problem (missing alias, unreachable registry, feature mismatch)."""


class ServingError(IrisMlopsError):
    """Serving or A/B cannot go on as asked: an alias that does not resolve, a port in use, no challenger."""

    exit_code = 2


class CorruptTableError(IrisMlopsError):
    """A table's log or data files are damaged: nothing may read or build on it until a person repairs it.

    Exit code 2 like other errors that a rerun cannot fix (a retry reads the same broken files); a lock or
    a concurrent write exits 1 because retrying later succeeds.
    """

    exit_code = 2


class AlertDeliveryError(IrisMlopsError):
    """An alert could not be delivered to a channel marked `required` (the message names the channel, never its URL)."""


class RunFailedError(IrisMlopsError):
    """Raised by the notify-failure task after alerting, so the job run it closes stays failed."""


class ConcurrentWriteError(IrisMlopsError):
    """Another writer changed what this write was built on; rerun to build on its result."""


class StorageError(IrisMlopsError):
    """The disk refused a write (full, read-only, no permission); nothing was committed."""

    exit_code = 2


class ModelInputError(ModelError):
    """The model asked for cannot score this input: no such alias or version, or trained on other features."""

    exit_code = 2
