"""Up-to-date check: skip a build whose inputs and outputs are exactly as last time.

Stdlib only and imported before anything heavy, so that an unchanged plan costs a few
milliseconds: the inputs (the year's sources, the shared data, the templates, the pipeline's
code and the versions of the libraries, LibreOffice and Graphviz that shape the output) are hashed and
compared with the record the last successful build left beside its outputs, and so are the
outputs themselves (a file changed or removed by hand is rebuilt).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

RECORD = ".vp-bygge.json"
SOFFICE_BIN = Path("/usr/lib/libreoffice/program/soffice.bin")


def inputs_digest(root: Path, year: int | str) -> str:
    """Return a digest of everything a build of `year` depends on."""
    digest = hashlib.sha256()
    folders = [root / "sources" / str(year), root / "sources" / "gemensamt", root / "templates",
               Path(__file__).resolve().parents[1]]
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    # Installing or upgrading a library touches the site-packages folder: cheaper than asking
    # importlib.metadata for each version, and it catches every library, not a chosen few.
    for folder in sorted({Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()}):
        digest.update(f"{folder}={folder.stat().st_mtime_ns}\0".encode())
    if SOFFICE_BIN.exists():
        digest.update(f"soffice={SOFFICE_BIN.stat().st_mtime_ns}".encode())
    digest.update(f"dot={program_stamp('dot')}".encode())  # Graphviz draws the figures
    return digest.hexdigest()


def program_stamp(name: str) -> str:
    """Return the program's file (found as a build runs it, on PATH), its mtime and size, or "".

    Upgrading a program replaces its file, so the stamp changes with its version, at the cost of a
    few stat calls instead of starting the program to ask.
    """
    found = shutil.which(name)
    if found is None:
        return ""
    try:
        path = Path(found).resolve()
        stat = path.stat()
    except OSError:
        return ""
    return f"{path}:{stat.st_mtime_ns}:{stat.st_size}"


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_current(year: int | str, outputs: list[Path], digest: str) -> bool:
    """Return whether `outputs` were made by a build from inputs with this `digest`."""
    record = outputs[0].parent / RECORD
    try:
        saved = json.loads(record.read_text(encoding="utf-8")).get(str(year), {})
    except (OSError, ValueError):
        return False
    if saved.get("indata") != digest:
        return False
    files = saved.get("filer", {})
    return all(files.get(p.name) is not None and files.get(p.name) == _file_digest(p) for p in outputs)


def remember(year: int | str, outputs: list[Path], digest: str) -> None:
    """Record the inputs' digest (taken before the build) and the outputs of a successful build.

    Best effort: a record that cannot be written only costs a rebuild next time.
    """
    record = outputs[0].parent / RECORD
    try:
        data = json.loads(record.read_text(encoding="utf-8")) if record.exists() else {}
    except (OSError, ValueError):
        data = {}
    data[str(year)] = {"indata": digest,
                       "filer": {p.name: _file_digest(p) for p in outputs}}
    try:
        tmp = record.with_name(f"{RECORD}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, record)
    except OSError:
        pass
