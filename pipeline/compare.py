"""Version comparison: a DOCX whose tracked changes show what changed between two versions.

The comparison is LibreOffice's own (Edit > Track Changes > Compare Document), run through
the UNO helper; both inputs are checked as safe DOCX files first.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .errors import PipelineError
from .package import finish_docx
from .pdf import compare_documents
from .safezip import SafeDocx, UnsafeDocument
from .writer import write_atomic


def run_compare(old: Path, new: Path, out: Path, soffice_url: str | None = None) -> str:
    """Write `out` with NEW's text and tracked changes against OLD; return a report line."""
    if out.suffix.lower() != ".docx":
        raise PipelineError(f"{out}: utfilen ska sluta på .docx.")
    data = []
    for path in (old, new):
        try:
            with SafeDocx(path):
                pass
        except UnsafeDocument as exc:
            raise PipelineError(f"{path}: {exc}") from exc
        data.append(path.read_bytes())
    result = finish_docx(compare_documents(data[0], data[1], soffice_url=soffice_url))
    with zipfile.ZipFile(io.BytesIO(result)) as made:  # LibreOffice's own output
        xml = made.read("word/document.xml")
    insertions, deletions = xml.count(b"<w:ins "), xml.count(b"<w:del ")
    write_atomic(out, result)
    return f"Skrev {out}: {insertions} infogningar och {deletions} borttagningar som spårade ändringar."

