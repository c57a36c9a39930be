"""A DOCX as Word reads it: schema-valid parts (ISO/IEC 29500 Transitional) and a sound package.

`docx_problems(path)` returns every violation found, as readable lines ([] for a clean file):

- each XML part, after Markup Compatibility processing (ECMA-376 Part 3: extensions in ignorable
  namespaces removed, the understood branch of mc:AlternateContent kept), is validated by jing
  against `ooxml/docx.rnc` (the Transitional schemas and the OPC schemas of Part 2);
- the package rules that Word enforces beyond the schemas, each of which makes Word offer to
  "recover the contents": content types for every part, relationship ids unique and resolvable,
  every r:id used in a part defined in its relationships (and no relationship left that nothing
  uses), bookmark ids unique and closed, drawing ids (wp:docPr) unique, style, numbering,
  footnote and comment references that resolve.

A part whose root element no schema here describes (Word's own extension parts such as
commentsExtended.xml) is reported as not covered, so a caller sees what was not looked at.
"""

from __future__ import annotations

import collections
import posixpath
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).with_name("ooxml") / "docx.rnc"

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"

# The namespaces of ISO/IEC 29500 Transitional that the schemas describe: a consumer of the
# standard "understands" these and nothing else (no w14, w15, wp14, ...).
UNDERSTOOD = {
    W, R, WP,
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram",
    "http://schemas.openxmlformats.org/drawingml/2006/lockedCanvas",
    "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/", "http://purl.org/dc/dcmitype/",
    "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/XML/1998/namespace",
    "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:office",
    "urn:schemas-microsoft-com:office:word", "urn:schemas-microsoft-com:office:excel",
    "urn:schemas-microsoft-com:office:powerpoint",
    PKG_REL, CT,
}

# Root elements the schema has a start for.
VALIDATED_ROOTS = {
    f"{{{W}}}{name}" for name in ("document", "styles", "numbering", "settings", "webSettings", "fonts",
                                  "footnotes", "endnotes", "comments", "hdr", "ftr")
} | {
    "{http://schemas.openxmlformats.org/drawingml/2006/main}theme",
    "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Properties",
    "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}Properties",
    f"{{{CT}}}Types", f"{{{PKG_REL}}}Relationships",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}coreProperties",
}

# Relationship types that are found by type, not referenced by r:id in the source part.
IMPLICIT = {"styles", "numbering", "settings", "webSettings", "fontTable", "theme", "footnotes", "endnotes",
            "comments", "commentsExtended", "commentsIds", "commentsExtensible", "people", "glossaryDocument",
            "stylesWithEffects", "customXml", "officeDocument", "core-properties", "extended-properties",
            "custom-properties", "metadata/core-properties", "thumbnail", "customXmlProps", "vbaProject",
            "keyMapCustomizations", "attachedTemplate"}


def jing_available() -> bool:
    return shutil.which("jing") is not None


def docx_problems(path: Path) -> list[str]:
    """Return every schema violation and package fault of the DOCX at `path`."""
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist() if not name.endswith("/")}
    problems = package_problems(parts)
    problems += schema_problems(parts)
    return problems


def uncovered_parts(path: Path) -> list[str]:
    """Return the XML parts of the DOCX that no schema here describes."""
    with zipfile.ZipFile(path) as package:
        names = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
        return [n for n in names if etree.fromstring(package.read(n)).tag not in VALIDATED_ROOTS]


# --- schema validation ------------------------------------------------------------------

def schema_problems(parts: dict[str, bytes]) -> list[str]:
    """Validate every XML part whose root the schemas describe, in one run of jing."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ooxml-") as work:
        files: dict[str, str] = {}
        for i, (name, data) in enumerate(sorted(parts.items())):
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                root = etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: ogiltig XML ({exc})")
                continue
            if root.tag not in VALIDATED_ROOTS:
                continue
            try:
                process_markup_compatibility(root)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
                continue
            target = Path(work) / f"{i:03d}.xml"
            target.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
            files[str(target)] = name
        if not files:
            return problems
        result = subprocess.run(["jing", "-c", str(SCHEMA), *files], capture_output=True, text=True, timeout=600)
        for line in (result.stdout + result.stderr).splitlines():
            if line.startswith("[warning]") or not line.strip():
                continue
            for temp, name in files.items():
                line = line.replace(temp, name)
            problems.append(line)
        if result.returncode not in (0, 1) and not problems:
            problems.append(f"jing avslutades med kod {result.returncode}")
    return problems


def process_markup_compatibility(root: etree._Element) -> None:
    """Apply ECMA-376 Part 3 as a consumer that understands only the Transitional namespaces."""
    _process(root, frozenset())


def _process(element: etree._Element, ignorable: frozenset) -> None:
    declared = element.get(f"{{{MC}}}Ignorable")
    if declared:
        ignorable = ignorable | {element.nsmap.get(prefix) for prefix in declared.split()}
    must = element.get(f"{{{MC}}}MustUnderstand")
    if must:
        for prefix in must.split():
            if element.nsmap.get(prefix) not in UNDERSTOOD:
                raise ValueError(f"mc:MustUnderstand kräver namnrymden {element.nsmap.get(prefix)}")
    for name in list(element.attrib):
        namespace = etree.QName(name).namespace
        if namespace == MC or (namespace in ignorable and namespace not in UNDERSTOOD):
            del element.attrib[name]
    for child in list(element):
        if not isinstance(child.tag, str):
            continue
        namespace = etree.QName(child).namespace
        if child.tag == f"{{{MC}}}AlternateContent":
            chosen = _chosen_branch(child)
            index = element.index(child)
            element.remove(child)
            for kid in reversed(list(chosen) if chosen is not None else []):
                element.insert(index, kid)
        elif namespace in ignorable and namespace not in UNDERSTOOD:
            element.remove(child)
    for child in element:
        if isinstance(child.tag, str):
            _process(child, ignorable)


def _chosen_branch(alternate: etree._Element):
    for branch in alternate:
        if branch.tag == f"{{{MC}}}Choice":
            required = [branch.nsmap.get(p) for p in branch.get("Requires", "").split()]
            if all(r in UNDERSTOOD for r in required):
                return branch
        elif branch.tag == f"{{{MC}}}Fallback":
            return branch
    return None


# --- package rules ----------------------------------------------------------------------

def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(parts: dict[str, bytes], part: str) -> list[etree._Element]:
    data = parts.get(_rels_name(part))
    return list(etree.fromstring(data)) if data else []


def _target(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def package_problems(parts: dict[str, bytes]) -> list[str]:
    """Return the package faults that make Word offer to repair the file."""
    problems: list[str] = []
    if "[Content_Types].xml" not in parts:
        return ["[Content_Types].xml saknas"]
    types = etree.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{{{CT}}}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{{{CT}}}Override")}
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        if name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            problems.append(f"{name}: delen har ingen innehållstyp i [Content_Types].xml")
    for name in sorted(overrides - set(parts)):
        problems.append(f"[Content_Types].xml: Override för {name}, som inte finns")
    xml_parts = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            try:
                xml_parts[name] = etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: ogiltig XML ({exc})")
    for name in sorted(p for p in parts if p.endswith(".rels")):
        source = _source_of(name)
        if source and source not in parts:
            problems.append(f"{name}: relationer för {source}, som inte finns")
        ids = collections.Counter(r.get("Id") for r in xml_parts.get(name, []))
        for rid, count in ids.items():
            if count > 1:
                problems.append(f"{name}: relations-id {rid} förekommer {count} gånger")
        for rel in xml_parts.get(name, []):
            if rel.get("TargetMode") != "External" and _target(source or "", rel.get("Target")) not in parts:
                problems.append(f"{name}: {rel.get('Id')} pekar på {rel.get('Target')}, som inte finns")
    for name, root in xml_parts.items():
        if name.endswith(".rels"):
            continue
        problems += _reference_problems(name, root, _relationships(parts, name))
    problems += _story_problems(xml_parts)
    return problems


def _source_of(rels: str) -> str | None:
    folder, name = posixpath.split(rels)
    if posixpath.basename(folder) != "_rels":
        return None
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels")).lstrip("/")


def _reference_problems(name: str, root: etree._Element, relationships: list) -> list[str]:
    """r:id attributes that name no relationship, and relationships that nothing names."""
    problems = []
    defined = {r.get("Id"): r for r in relationships}
    used = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).namespace == R:
                used.add(value)
                if value not in defined:
                    problems.append(f"{name}: {etree.QName(element).localname} hänvisar till relationen {value}, "
                                    "som inte finns")
    for rid, rel in defined.items():
        kind = rel.get("Type").rsplit("/", 1)[-1]
        if rid not in used and kind not in IMPLICIT and not rel.get("Type").endswith("/metadata/core-properties"):
            problems.append(f"{_rels_name(name)}: relationen {rid} ({kind} → {rel.get('Target')}) används inte")
    return problems


def _story_problems(xml: dict[str, etree._Element]) -> list[str]:
    """Bookmarks, drawing ids, styles, numbering, footnote and comment references."""
    problems = []
    w = f"{{{W}}}"
    stories = {n: r for n, r in xml.items() if r.tag in (f"{w}document", f"{w}hdr", f"{w}ftr", f"{w}footnotes",
                                                          f"{w}endnotes", f"{w}comments")}
    drawing_ids = collections.Counter()
    for name, root in stories.items():
        opened: dict[str, int] = {}
        seen = collections.Counter()
        for element in root.iter(f"{w}bookmarkStart", f"{w}bookmarkEnd"):
            bid = element.get(f"{w}id")
            if element.tag == f"{w}bookmarkStart":
                seen[bid] += 1
                opened[bid] = opened.get(bid, 0) + 1
            elif opened.get(bid):
                opened[bid] -= 1
            else:
                problems.append(f"{name}: bokmärkesslut {bid} utan början")
        problems += [f"{name}: bokmärkes-id {bid} förekommer {n} gånger" for bid, n in seen.items() if n > 1]
        problems += [f"{name}: bokmärke {bid} avslutas aldrig" for bid, n in opened.items() if n > 0]
        drawing_ids.update(e.get("id") for e in root.iter(f"{{{WP}}}docPr"))
    problems += [f"ritobjekt-id (wp:docPr) {i} förekommer {n} gånger" for i, n in drawing_ids.items() if n > 1]

    styles_root = next((r for r in xml.values() if r.tag == f"{w}styles"), None)
    styles = {}
    if styles_root is not None:
        for style in styles_root.iter(f"{w}style"):
            sid = style.get(f"{w}styleId")
            if sid in styles:
                problems.append(f"formatmallens id {sid} förekommer två gånger")
            styles[sid] = style
        defaults = collections.Counter(s.get(f"{w}type") for s in styles.values() if s.get(f"{w}default") in ("1", "true"))
        problems += [f"{n} standardformatmallar av typen {t}" for t, n in defaults.items() if n > 1]
        for sid, style in styles.items():
            for key in ("basedOn", "next", "link"):
                ref = style.find(f"{w}{key}")
                if ref is not None and ref.get(f"{w}val") not in styles:
                    problems.append(f"formatmallen {sid}: {key} {ref.get(f'{w}val')} finns inte")
        for name, root in stories.items():
            for key in ("pStyle", "rStyle", "tblStyle"):
                for ref in root.iter(f"{w}{key}"):
                    if ref.get(f"{w}val") not in styles:
                        problems.append(f"{name}: {key} {ref.get(f'{w}val')} finns inte i styles.xml")

    numbering = next((r for r in xml.values() if r.tag == f"{w}numbering"), None)
    nums = {n.get(f"{w}numId") for n in numbering.iter(f"{w}num")} if numbering is not None else set()
    if numbering is not None:
        abstract = {a.get(f"{w}abstractNumId") for a in numbering.iter(f"{w}abstractNum")}
        for num in numbering.iter(f"{w}num"):
            ref = num.find(f"{w}abstractNumId")
            if ref is None or ref.get(f"{w}val") not in abstract:
                problems.append(f"numbering.xml: num {num.get(f'{w}numId')} pekar på en abstractNum som inte finns")
    for name, root in list(stories.items()) + ([("styles.xml", styles_root)] if styles_root is not None else []):
        for ref in root.iter(f"{w}numId"):
            if ref.get(f"{w}val") not in nums | {"0"}:
                problems.append(f"{name}: numId {ref.get(f'{w}val')} finns inte i numbering.xml")

    for kind, part_tag, item in (("footnote", "footnotes", "footnote"), ("endnote", "endnotes", "endnote"),
                                 ("comment", "comments", "comment")):
        target = next((r for r in xml.values() if r.tag == f"{w}{part_tag}"), None)
        defined = {e.get(f"{w}id") for e in target.iter(f"{w}{item}")} if target is not None else set()
        for name, root in stories.items():
            for ref in root.iter(f"{w}{kind}Reference"):
                if ref.get(f"{w}id") not in defined:
                    problems.append(f"{name}: {kind}Reference {ref.get(f'{w}id')} finns inte i {part_tag}.xml")
    return problems
