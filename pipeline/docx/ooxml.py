"""DOCX packages: the XML namespaces, replacing parts of a package, and reading a paragraph's text and level.

Stdlib only (lxml is imported where XML is serialised), so that modules imported before the
heavy libraries can use it. Every module that reads WordprocessingML takes `W` and
`paragraph_text` and `heading_level` from here, so that all of them read a document alike.
"""

from __future__ import annotations

import io
import re
import zipfile

from pipeline.infra.zips import zipped

NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "asvg": "http://schemas.microsoft.com/office/drawing/2016/SVG/main",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
W = f"{{{NS['w']}}}"  # WordprocessingML as a Clark prefix: f"{W}p" is w:p
# The parts that hold a document's text: its body, headers and footers, footnotes and endnotes.
TEXT_PARTS = re.compile(r"word/(document\d*|header\d+|footer\d+|footnotes|endnotes)\.xml")
IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
SVG_BLIP_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # MS-ODRAWXML: an a:ext holding asvg:svgBlip


def q(prefix: str, name: str) -> str:
    """Return the Clark name ({namespace}name) of `prefix:name`."""
    return f"{{{NS[prefix]}}}{name}"


def read_part(package: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return z.read(name)


def replace_parts(package: bytes, parts: dict[str, bytes]) -> bytes:
    """Return the package with `parts` replaced (in place, same zip entry) or added at the end."""
    with zipfile.ZipFile(io.BytesIO(package)) as src:
        infos = src.infolist()
        kept = [(info, parts.get(info.filename, src.read(info.filename))) for info in infos]
    added = sorted(set(parts) - {info.filename for info in infos})
    return zipped(kept + [(name, parts[name]) for name in added])  # an added part: fixed date, 0644


def xml_bytes(element) -> bytes:
    """Serialise an lxml element as a package part (UTF-8, declaration, standalone)."""
    from lxml import etree  # this module stays stdlib-only (see above)
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


# w:noBreakHyphen as the character Word shows (content.formatting.NON_BREAKING_HYPHEN, which this
# module does not import: it loads babel)
NON_BREAKING_HYPHEN = "\u2011"
# What a view of a document with tracked changes leaves out (paragraph_text).
LEFT_OUT = {"old": (f"{W}ins", f"{W}moveTo"), "new": (f"{W}del", f"{W}moveFrom"), "all": ()}
HEADING_NAME = re.compile(r"(?:heading|rubrik)\s*(\d)")  # a heading style's name (or id), English or Swedish


def paragraph_text(element, view: str = "all", hyphen: str = NON_BREAKING_HYPHEN, footnotes: bool = False) -> str:
    """The text of a paragraph (or any element), as Word shows it.

    Its runs' text; a tab, line break or carriage return as a space; a non-breaking hyphen as
    `hyphen` (the proofreading compares with "-", as it reads the PDF). With `footnotes`, a footnote
    reference is its number (docx.package numbers them 1, 2, 3 in document order). With tracked
    changes, `view` "old" reads the older version (no insertions), "new" the newer (no deletions),
    "all" both.
    """
    left_out = LEFT_OUT[view]
    skipped = set()  # works on lxml's elements and on ElementTree's (returned.safezip reads with defusedxml)
    if left_out:
        for node in element.iter():
            if node.tag in left_out:
                skipped.update(node.iter())
    parts = []
    for node in element.iter():
        if node in skipped:
            continue
        tag = node.tag
        if tag == f"{W}t" or tag == f"{W}delText":
            parts.append(node.text or "")
        elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
            parts.append(" ")
        elif tag == f"{W}noBreakHyphen":
            parts.append(hyphen)
        elif footnotes and tag == f"{W}footnoteReference":
            parts.append(node.get(f"{W}id"))
    return "".join(parts)


def heading_level(paragraph, styles: dict | None = None) -> int | None:
    """1, 2, 3 ... for a heading paragraph, None for any other.

    By the paragraph's own outline level, else by its style: the style's outline level or its name
    ("Heading 2", "Rubrik 2") from `styles` (style id → (name, outline level), returned.revisions.style_names),
    or without `styles` the style id read the same way ("Heading2").
    """
    props = paragraph.find(f"{W}pPr")
    if props is None:
        return None
    outline = props.find(f"{W}outlineLvl")
    if outline is not None and outline.get(f"{W}val", "9").isdigit() and int(outline.get(f"{W}val")) < 9:
        return int(outline.get(f"{W}val")) + 1
    style = props.find(f"{W}pStyle")
    if style is None:
        return None
    name, level = (styles or {}).get(style.get(f"{W}val"), (style.get(f"{W}val", ""), None))
    if level is not None and level < 9:
        return level + 1
    match = HEADING_NAME.fullmatch((name or "").strip().casefold())
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None
