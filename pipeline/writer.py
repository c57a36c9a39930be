"""Writer stage: the only code that writes to the output folder, always atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"{path.parent}: kan inte skriva i mappen ({exc.strerror}).") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: kunde inte skrivas ({exc.strerror}); "
                          "den tidigare versionen är orörd.") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
