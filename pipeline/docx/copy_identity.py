"""A circulated copy's identity: which municipality's copy of which draft, and the answer date.

The round (yearly/round.py) writes it as custom document properties (docProps/custom.xml), which Word
shows under Arkiv > Info > Egenskaper > Avancerade egenskaper > Anpassat and which Word and
LibreOffice keep when they save; the compilation of answers (returned/comments.py) reads it back, so a
returned copy is recognised whatever its file name has become.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree

from pipeline.docx.ooxml import read_part, replace_parts, xml_bytes

CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # user-defined properties
CUSTOM_PART = "docProps/custom.xml"

MUNICIPALITY, YEAR, VERSION, ANSWER_BY = "Remiss kommun", "Remiss år", "Remiss utkast", "Remiss svar senast"


@dataclass(frozen=True)
class CopyIdentity:
    municipality: str       # the name in kommuner.yaml ("Nynäshamn")
    year: int
    version: int            # the draft version sent
    answer_by: dt.date

    def properties(self) -> list[tuple[str, str, str]]:
        """(name, vt type, value) as written."""
        return [(MUNICIPALITY, "lpwstr", self.municipality), (YEAR, "i4", str(self.year)),
                (VERSION, "i4", str(self.version)), (ANSWER_BY, "lpwstr", self.answer_by.isoformat())]


def with_identity(package: bytes, identity: CopyIdentity) -> bytes:
    """Return the DOCX with the identity among its custom properties (others are kept)."""
    with_parts: dict[str, bytes] = {}
    try:
        root = etree.fromstring(read_part(package, CUSTOM_PART))
    except KeyError:
        root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
        rels = etree.fromstring(read_part(package, "_rels/.rels"))
        used = {r.get("Id") for r in rels}
        rid = next(f"rId{n}" for n in range(1, 10_000) if f"rId{n}" not in used)
        etree.SubElement(rels, f"{{{PACKAGE_RELS_NS}}}Relationship", Id=rid, Type=CUSTOM_REL, Target=CUSTOM_PART)
        with_parts["_rels/.rels"] = xml_bytes(rels)
        types = etree.fromstring(read_part(package, "[Content_Types].xml"))
        etree.SubElement(types, f"{{{CONTENT_TYPES_NS}}}Override", PartName=f"/{CUSTOM_PART}", ContentType=CUSTOM_TYPE)
        with_parts["[Content_Types].xml"] = xml_bytes(types)
    names = {name for name, _, _ in identity.properties()}
    for old in [p for p in root if p.get("name") in names]:
        root.remove(old)
    pids = [int(p.get("pid")) for p in root if (p.get("pid") or "").isdigit()]
    pid = max(pids + [1]) + 1
    for name, kind, value in identity.properties():
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{VT_NS}}}{kind}").text = value
        pid += 1
    with_parts[CUSTOM_PART] = xml_bytes(root)
    return replace_parts(package, with_parts)


def custom_properties(root) -> dict[str, str]:
    """Return name → text of every custom property (whatever type a program saved it as)."""
    out = {}
    for prop in root:
        name = prop.get("name")
        if name is not None:
            out[name] = "".join(prop.itertext()).strip()
    return out


def identity_of(properties: dict[str, str]) -> CopyIdentity | None:
    """Return the identity in a file's custom properties, or None if it has none (or a damaged one)."""
    municipality = properties.get(MUNICIPALITY, "").strip()
    if not municipality:
        return None
    try:
        year = int(float(properties.get(YEAR, "")))
        version = int(float(properties.get(VERSION, "")))
    except ValueError:
        return None
    date = re.match(r"\d{4}-\d{2}-\d{2}", properties.get(ANSWER_BY, "").strip())
    try:
        answer_by = dt.date.fromisoformat(date.group(0)) if date else None
    except ValueError:
        answer_by = None
    if answer_by is None:
        return None
    return CopyIdentity(municipality, year, version, answer_by)
