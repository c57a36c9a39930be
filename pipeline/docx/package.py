"""Package stage: every DOCX the project writes leaves here as Word expects to open it.

Composing documents (docxtpl subdocuments, docxcompose) leaves faults that Word answers with
"Word found unreadable content ... recover?": bookmark ids repeated across the appended pieces,
styles based on styles the document does not define, relationships that nothing uses. `finish_docx`
mends them and re-zips the package reproducibly (fixed timestamps and member order, list ids
derived from content), so two builds of the same sources give the same bytes.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib

from lxml import etree

from pipeline.docx.ooxml import NS, TEXT_PARTS, W, xml_bytes
from pipeline.infra.zips import zipped

# Relationships that a part refers to by r:id; anything else is found by its type.
REFERENCED_BY_ID = ("/hyperlink", "/image", "/header", "/footer")


def finish_docx(data: bytes) -> bytes:
    """Return the package with unique ids, resolvable references and reproducible zip bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        parts = {name: source.read(name) for name in names}
    trees = {name: etree.fromstring(parts[name]) for name in names
             if TEXT_PARTS.fullmatch(name) or name == "word/comments.xml"}
    _unique_bookmarks(trees)
    _unique_drawing_ids(trees)
    if "word/footnotes.xml" in trees and "word/document.xml" in trees:
        _notes_in_document_order(trees["word/document.xml"], trees["word/footnotes.xml"])
    if "word/styles.xml" in parts:
        styles = etree.fromstring(parts["word/styles.xml"])
        if _drop_dangling_style_links(styles):
            parts["word/styles.xml"] = xml_bytes(styles)
    for name, tree in trees.items():
        parts[name] = xml_bytes(tree)
        rels_name = _rels_name(name)
        if rels_name in parts:
            parts[rels_name] = _drop_unused_relationships(parts[rels_name], tree)
    _drop_orphaned_parts(parts)
    if "word/numbering.xml" in parts:
        parts["word/numbering.xml"] = _stable_nsids(parts["word/numbering.xml"])
    return _zip(parts, [n for n in names if n in parts])


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return f"{folder}/_rels/{name}.rels"


def _unique_bookmarks(trees: dict) -> None:
    """Number bookmarks 0, 1, 2 ... across all stories; repeat names get a suffix.

    Each appended piece numbers its own bookmarks from 0; a start is paired with the next end
    of the same old id, which is how each piece wrote them.
    """
    counter = 0
    names: set[str] = set()
    for tree in trees.values():
        open_ids: dict[str, list[int]] = {}
        for element in tree.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd"):
            old = element.get(f"{W}id")
            if element.tag == f"{W}bookmarkStart":
                open_ids.setdefault(old, []).append(counter)
                element.set(f"{W}id", str(counter))
                counter += 1
                name = element.get(f"{W}name")
                if name in names:
                    suffix = 2
                    while f"{name}_{suffix}" in names:
                        suffix += 1
                    name = f"{name}_{suffix}"
                    element.set(f"{W}name", name)
                names.add(name)
            elif open_ids.get(old):
                element.set(f"{W}id", str(open_ids[old].pop()))
            else:
                element.getparent().remove(element)  # an end without a start
        unclosed = {str(i) for ids in open_ids.values() for i in ids}
        for element in list(tree.iter(f"{W}bookmarkStart")):
            if element.get(f"{W}id") in unclosed:  # a start without an end
                element.getparent().remove(element)


def _notes_in_document_order(document, footnotes) -> None:
    """Number footnotes 1, 2, 3 ... in the order their references stand, and store them so.

    Each Markdown text numbers its own footnotes, and the texts are rendered in another order
    than they stand (appendices and chapters); Word goes by the references, but LibreOffice
    hands the footnote bodies to the references in ascending id order, so a PDF would print
    one footnote's text under another's number.
    """
    w = f"{W}"
    references = list(document.iter(f"{w}footnoteReference"))
    mapping: dict[str, str] = {}
    for reference in references:
        old = reference.get(f"{w}id")
        if old not in mapping:
            mapping[old] = str(len(mapping) + 1)
        reference.set(f"{w}id", mapping[old])
    notes = [n for n in footnotes.findall(f"{w}footnote") if n.get(f"{w}type") in (None, "normal")]
    for note in notes:
        footnotes.remove(note)
    for note in sorted((n for n in notes if n.get(f"{w}id") in mapping), key=lambda n: int(mapping[n.get(f"{w}id")])):
        note.set(f"{w}id", mapping[note.get(f"{w}id")])
        footnotes.append(note)


def _unique_drawing_ids(trees: dict) -> None:
    """Give every drawing (wp:docPr) its own id; Word repairs a file with repeated ones."""
    seen: set[str] = set()
    largest = max([int(e.get("id")) for t in trees.values() for e in t.iter(f"{{{NS['wp']}}}docPr")
                   if (e.get("id") or "").isdigit()] + [0])
    for tree in trees.values():
        for element in tree.iter(f"{{{NS['wp']}}}docPr"):
            if element.get("id") in seen or not (element.get("id") or "").isdigit():
                largest += 1
                element.set("id", str(largest))
            seen.add(element.get("id"))


def _drop_dangling_style_links(styles) -> bool:
    """Remove basedOn/next/link that name a style the document does not define."""
    ids = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")}
    changed = False
    for style in styles.iter(f"{W}style"):
        for key in ("basedOn", "next", "link"):
            ref = style.find(f"{W}{key}")
            if ref is not None and ref.get(f"{W}val") not in ids:
                style.remove(ref)
                changed = True
    return changed


def _drop_unused_relationships(rels: bytes, part) -> bytes:
    """Remove hyperlink and image relationships that the part never refers to."""
    root = etree.fromstring(rels)
    prefix = f"{{{NS['r']}}}"
    used = {value for element in part.iter() for key, value in element.attrib.items() if key.startswith(prefix)}
    changed = False
    for rel in list(root):
        if rel.get("Type", "").endswith(REFERENCED_BY_ID) and rel.get("Id") not in used:
            root.remove(rel)
            changed = True
    return xml_bytes(root) if changed else rels


def _drop_orphaned_parts(parts: dict[str, bytes]) -> None:
    """Remove header, footer and media parts that no relationship points at any more."""
    targets = set()
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        source_dir = posixpath.dirname(posixpath.dirname(name))
        for rel in etree.fromstring(data):
            if rel.get("TargetMode") != "External":
                target = rel.get("Target")
                targets.add(target.lstrip("/") if target.startswith("/")
                            else posixpath.normpath(posixpath.join(source_dir, target)))
    orphans = [n for n in parts if re.fullmatch(r"word/(header\d+|footer\d+)\.xml|word/media/.+", n)
               and n not in targets]
    if not orphans:
        return
    for name in orphans:
        del parts[name]
        parts.pop(_rels_name(name), None)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.get("PartName", "").lstrip("/") in orphans:
            types.remove(override)
    parts["[Content_Types].xml"] = xml_bytes(types)


def _stable_nsids(xml: bytes) -> bytes:
    """Replace docxcompose's random list ids (w:nsid) by ids derived from abstractNumId."""
    def fix(match: re.Match) -> bytes:
        number = int(match.group(1))
        return match.group(0)[: match.start(2) - match.start(0)] + \
            f"{zlib.crc32(f'nsid-{number}'.encode()):08X}".encode() + match.group(0)[match.end(2) - match.start(0):]
    return re.sub(rb'<w:abstractNum [^>]*w:abstractNumId="(\d+)"[^>]*>\s*<w:nsid w:val="([0-9A-Fa-f]+)"', fix, xml)


def _zip(parts: dict[str, bytes], order: list[str]) -> bytes:
    """Return the parts zipped with fixed timestamps, [Content_Types].xml first."""
    names = [n for n in order if n == "[Content_Types].xml"] + [n for n in order if n != "[Content_Types].xml"]
    return zipped((name, parts[name]) for name in names)
