"""DOCX packages: the XML namespaces the pipeline reads and writes, and replacing parts of a package.

Stdlib only (lxml is imported where XML is serialised), so that modules imported before the
heavy libraries can use it.
"""

from __future__ import annotations

import io
import zipfile

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "asvg": "http://schemas.microsoft.com/office/drawing/2016/SVG/main",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
SVG_BLIP_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # MS-ODRAWXML: an a:ext holding asvg:svgBlip


FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def q(prefix: str, name: str) -> str:
    """Return the Clark name ({namespace}name) of `prefix:name`."""
    return f"{{{NS[prefix]}}}{name}"


def read_part(package: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return z.read(name)


def replace_parts(package: bytes, parts: dict[str, bytes]) -> bytes:
    """Return the package with `parts` replaced (in place, same zip entry) or added at the end."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = set()
        for info in src.infolist():
            names.add(info.filename)
            dst.writestr(info, parts.get(info.filename, src.read(info.filename)))
        for name in sorted(set(parts) - names):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE)  # the same bytes on every run
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, parts[name])
    return out.getvalue()


def xml_bytes(element) -> bytes:
    """Serialise an lxml element as a package part (UTF-8, declaration, standalone)."""
    from lxml import etree
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
