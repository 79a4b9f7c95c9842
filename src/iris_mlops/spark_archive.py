"""A class-data-sharing (AppCDS) archive for the local Spark driver: the JVM maps classes instead of loading them.

A local run spends seconds before its first row: the JVM loads, verifies and links some 15 000 classes of Spark,
Catalyst, Janino and Parquet, then Catalyst's first queries load more. Java's dynamic CDS archive records those
classes once (`-XX:ArchiveClassesAtExit`) and later JVMs map them (`-XX:SharedArchiveFile`): on this project's
2-core reference machine the start plus the first queries went from about 6 s to about 3 s.

`iris-mlops spark-archive` builds it by running the medallion tasks on a scratch home (`make run`, `make test`
and `make test-slow` call it; it does nothing once the archive exists).
An archive is specific to one Java installation and one pyspark: its name carries a key of both, so another
Java or a pyspark upgrade simply finds no archive (and a stale one is ignored by the JVM, which then loads classes
as usual). IRIS_MLOPS_SPARK_ARCHIVE=off turns it off; Databricks sessions are never affected.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

ARCHIVE_ENV = "IRIS_MLOPS_SPARK_ARCHIVE"  # "off" disables; anything else: where archives are kept
# Set only in the process that builds the archive: the JVM writes its classes there when it exits.
DUMP_ENV = "IRIS_MLOPS_SPARK_ARCHIVE_DUMP"


def archive_dir() -> Path | None:
    """Where archives are kept (IRIS_MLOPS_SPARK_ARCHIVE, else the user's cache folder); None when turned off."""
    chosen = os.environ.get(ARCHIVE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "iris-mlops" / "spark-archive"


def archive_path() -> Path | None:
    """The archive for this Java and this pyspark (it may not exist yet); None when turned off or without Java."""
    folder = archive_dir()
    key = _runtime_key()
    return None if folder is None or key is None else folder / f"spark-{key}.jsa"


def archive_options() -> str:
    """The driver JVM's CDS option: dump while building, map an existing archive, or nothing."""
    dump = os.environ.get(DUMP_ENV)
    if dump:
        return f"-XX:ArchiveClassesAtExit={dump}"
    path = archive_path()
    return f"-XX:SharedArchiveFile={path}" if path is not None and path.is_file() else ""


def record_owner(path: Path) -> None:
    """Note beside an archive which pyspark it was built for, so that `prune_stale` can tell when that is gone."""
    jars = _pyspark_jars()
    if jars is not None:
        path.with_suffix(".owner").write_text(str(jars), encoding="utf-8")


def prune_stale(folder: Path) -> list[Path]:
    """Delete the archives built for a pyspark that no longer exists (a removed virtualenv) and the partial files
    of builds whose process is gone (killed mid-build); returns what was deleted."""
    removed = []
    for owner in folder.glob("spark-*.owner"):
        if not Path(owner.read_text(encoding="utf-8").strip()).is_dir():
            archive = owner.with_suffix(".jsa")
            archive.unlink(missing_ok=True)
            owner.unlink(missing_ok=True)
            removed.append(archive)
    for partial in folder.glob("spark-*.jsa.*.partial"):
        pid = partial.name.rsplit(".", 2)[-2]
        if not pid.isdigit() or not _alive(int(pid)):
            partial.unlink(missing_ok=True)
            removed.append(partial)
    return removed


def _alive(pid: int) -> bool:
    """True while process `pid` exists (signal 0 only checks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _pyspark_jars() -> Path | None:
    try:
        import pyspark
    except ImportError:
        return None
    return Path(pyspark.__file__).resolve().parent / "jars"


def _runtime_key() -> str | None:
    """A short hash of the Java executable Spark will launch and of the pyspark (version and jars folder)."""
    jars = _pyspark_jars()
    if jars is None:
        return None
    import pyspark

    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home) / "bin" / "java" if java_home else shutil.which("java")
    if java is None or not Path(java).exists():
        return None
    binary = Path(java).resolve()
    text = f"{binary}|{binary.stat().st_mtime_ns}|{pyspark.__version__}|{jars}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
