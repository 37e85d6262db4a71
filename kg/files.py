"""Writing files safely: to a temporary file beside the target, then renamed.

An interrupted write (Ctrl-C, ``kill -9``, a full disk) never leaves a half-written
file where the user's file was: the old file stays until the new one is complete
on disk. :func:`write_files` writes several files as a batch: every new file is
complete on disk before the first old one is replaced. Temporary files carry the
writer's process id (``.graph.ttl.4242.k3j9.tmp``); those left by a killed writer
are removed by the next process that writes into the same folder.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "graph.ttl"
>>> write_atomic(p, "@prefix zkg: <https://w3id.org/zonekg/ontology#> .\\n")
>>> p.read_text().startswith("@prefix")
True
>>> write_files({p: "# 萍乡经开区\\n", p.with_name("report.json"): "{}\\n"})
>>> sorted(x.name for x in p.parent.iterdir())
['graph.ttl', 'report.json']
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import OutputError

__all__ = ["write_atomic", "write_files", "remove_stale_temporaries"]

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")
_CLEANED: set[str] = set()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def remove_stale_temporaries(folder: str | Path, name: str | None = None) -> list[Path]:
    """Remove temporary files in ``folder`` (of the target ``name``, or of any) whose writer is no longer running."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m and (name is None or m.group("name") == name) and not _alive(int(m.group("pid"))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, or what a new file gets under the umask (mkstemp would give 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _stage(path: Path, data: str | bytes) -> str:
    """Write ``data`` to a complete, synced temporary file beside ``path``; return its name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.path.realpath(path.parent)
        if folder not in _CLEANED:  # once per folder and process: a folder may hold many files
            remove_stale_temporaries(folder)
            _CLEANED.add(folder)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise OutputError(f"{path}: cannot write ({err.strerror})", detail=str(err)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fchmod(fh.fileno(), _mode_for(path))
            os.fsync(fh.fileno())
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise OutputError(f"{path}: cannot write ({err.strerror})", detail=str(err)) from None
        raise
    return tmp


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_files(files: Mapping[str | Path, str | bytes]) -> None:
    """Write several files (path → text or bytes; text as UTF-8): all are staged completely, then renamed.

    If staging fails or is interrupted, no target is touched and the temporary files are removed.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path = Path(path)
            staged.append((_stage(path, data), path))
        while staged:
            tmp, path = staged[0]
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise OutputError(f"{path}: cannot write ({err.strerror})", detail=str(err)) from None
            staged.pop(0)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for folder in {Path(p).parent for p in files}:
        _sync_folder(folder)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (UTF-8 for text)."""
    write_files({path: data})
