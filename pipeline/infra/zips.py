"""Writing ZIP files (DOCX packages, the archive's delivery file) so that the same entries give the same bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP holds: no build time in the bytes


def entry(name: str, date_time: tuple = FIXED_ZIP_DATE, mode: int = 0o644,
          compress_type: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A ZIP entry with a fixed date and file mode (Unix permissions in the upper bits)."""
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = compress_type
    info.external_attr = mode << 16
    return info


def zipped(entries: Iterable[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    """Return a ZIP of `entries` in their order; an entry named by a string is `entry(name)`, a ZipInfo is
    kept as it is (the entries of a package being rewritten keep their own)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            target.writestr(entry(info) if isinstance(info, str) else info, data)
    return out.getvalue()
