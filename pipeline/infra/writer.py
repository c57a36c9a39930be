"""Writer stage: the only code that writes to the output folder, always atomically.

Each file is written to a hidden work folder beside it (`.vp-tmp/`, same file system), flushed
to disk and renamed into place, so the output folder only ever holds complete files: a failed,
interrupted or killed build leaves the previous outputs as they were. Work files left by a
killed build are removed by the next one.

VP_FAULT=disk-full or VP_FAULT=read-only injects the corresponding error (for tests).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from pipeline.errors import OutputError

WORK_DIR = ".vp-tmp"


def _fault(kind: str) -> None:
    if os.environ.get("VP_FAULT") == kind:
        code = errno.ENOSPC if kind == "disk-full" else errno.EROFS
        raise OSError(code, os.strerror(code))


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disken är full; frigör utrymme och bygg igen"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "mappen är skrivskyddad eller saknar skrivrättigheter"
    return exc.strerror or str(exc)


def _clean_stale(work: Path) -> None:
    """Remove work files of builds that are no longer running."""
    for leftover in work.glob("*.part"):
        pid = leftover.name.rsplit(".", 2)[-2] if leftover.name.count(".") >= 2 else ""
        if not pid.isdigit() or not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_atomic(path: Path, data: bytes, keep_mode: bool = False) -> Path:
    """Write `data` to `path` through a work file and a rename; raise OutputError on failure.

    `keep_mode`: a file written over keeps its permissions (a source file saved in the workbench);
    otherwise the file is made readable by everyone (0644), as every output is."""
    mode = path.stat().st_mode & 0o7777 if keep_mode and path.exists() else 0o644
    work = path.parent / WORK_DIR
    try:
        _fault("read-only")
        work.mkdir(parents=True, exist_ok=True)
        _clean_stale(work)
        fd, tmp = tempfile.mkstemp(dir=work, prefix=f"{path.name}.", suffix=f".{os.getpid()}.part")
    except OSError as exc:
        raise OutputError(f"{path.parent}: kan inte skriva i mappen ({_reason(exc)}); "
                          f"{path.name} skrevs inte.") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            _fault("disk-full")
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: kunde inte skrivas ({_reason(exc)}); "
                          "den tidigare versionen är orörd.") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        try:
            work.rmdir()  # only when empty: another build may be writing
        except OSError:
            pass
    return path


def write_cache(path: Path, data: bytes) -> Path:
    """Write a cache entry (pandoc output, figure, reference document): temp file and rename.

    A cache entry is rebuilt whenever it is missing, so it needs no fsync; the rename keeps
    two builds at once from reading a half-written entry.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cachen kan inte skrivas ({_reason(exc)}).") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
