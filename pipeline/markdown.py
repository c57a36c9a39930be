"""Markdown stage: prose to Word, through pandoc (blocks) and markdown-it (inline runs).

Block Markdown (chapter texts, Bilaga 2 and 3) becomes a DOCX made by pandoc with a reference
document cut from the plan's own template, so its paragraphs carry the plan's styles. The
results are cached by content, so an unchanged text costs no pandoc run.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pypandoc
from docxtpl import RichText
from markdown_it import MarkdownIt

from .errors import PipelineError
from .figures import FIGURE_REF, Figure
from .writer import write_cache

FIGURE_PACKAGING = "svgblip-v1"  # part of the cache key: change it when _finish_figures changes
SVG_BLIP_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
NS = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "asvg": "http://schemas.microsoft.com/office/drawing/2016/SVG/main",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}

# Raw HTML and TeX are read as text: a "<" in a source must come out as written.
PANDOC_FORMAT = "markdown-raw_html-raw_tex-raw_attribute-citations-smart"

_inline = MarkdownIt("commonmark", {"html": False, "typographer": False})


def inline_richtext(text: str) -> RichText:
    """Return `text` with *emphasis* and **strong** as runs in the template's character styles."""
    rt = RichText()
    styles: list[str] = []
    for token in _walk_inline(text):
        kind = token.type
        if kind in ("em_open", "strong_open"):
            styles.append("Emphasis" if kind == "em_open" else "Strong")
        elif kind in ("em_close", "strong_close"):
            styles.pop()
        elif kind in ("text", "code_inline", "html_inline"):
            _add(rt, token.content, styles)
        elif kind in ("softbreak", "hardbreak"):
            _add(rt, " ", styles)
    return rt


def _walk_inline(text: str):
    for block in _inline.parseInline(text):
        yield from block.children or []


def _add(rt: RichText, text: str, styles: list[str]) -> None:
    if not text:
        return
    # One character style per run; emphasis inside strong keeps the inner one.
    rt.add(text, style=styles[-1] if styles else None)


def reference_doc(template: Path, cache_dir: Path) -> Path:
    """Return a pandoc reference document: the template's styles with an empty body."""
    data = template.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    target = cache_dir / f"reference-{digest}.docx"
    if target.exists():
        return target
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "word/document.xml":
                xml = blob.decode("utf-8")
                head = xml[: xml.index("<w:body>")]
                sect = re.search(r"<w:sectPr.*?</w:sectPr>", xml, re.S).group(0)
                sect = re.sub(r"<w:(header|footer)Reference [^>]*/>", "", sect)
                blob = (head + "<w:body>" + sect + "</w:body></w:document>").encode("utf-8")
            dst.writestr(info, blob)
    write_cache(target, buffer.getvalue())
    return target


def markdown_to_docx(text: str, reference: Path, cache_dir: Path, shift_headings: int = 1,
                     figures: dict[str, Figure] | None = None) -> Path:
    """Return the path of a DOCX made by pandoc from `text` (cached by content).

    `![Figurtext](figur:NAMN)` references are replaced by the rendered figure, whose alt text
    (the DOCX `descr`) is the figure's description in words rather than its caption, and
    whose SVG goes with its PNG (see `_finish_figures`).
    """
    figures = figures or {}
    used: dict[str, Figure] = {}

    def substitute(match: re.Match) -> str:
        figure = figures[match.group("name")]
        used[figure.path.name] = figure
        # Relative to pandoc's working folder (the cache) when the figure is there, so that no
        # absolute path reaches the DOCX; absolute otherwise.
        where = figure.path.name if figure.path.parent.resolve() == cache_dir.resolve() else str(figure.path.resolve())
        return f"![{match.group('caption')}]({where}){{width={figure.width_cm}cm}}"

    text = FIGURE_REF.sub(substitute, text)
    key = hashlib.sha256(f"{pypandoc.get_pandoc_version()}\0{reference.name}\0{shift_headings}\0"
                         f"{PANDOC_FORMAT}\0{FIGURE_PACKAGING}\0{text}\0"
                         f"{sorted((name, f.svg.name, f.alt) for name, f in used.items())}".encode()).hexdigest()[:24]
    target = cache_dir / f"md-{key}.docx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".docx", dir=cache_dir)
    os.close(fd)
    try:
        pypandoc.convert_text(text, "docx", format=PANDOC_FORMAT, outputfile=tmp, cworkdir=str(cache_dir),
                              extra_args=["--reference-doc", str(reference.resolve()),
                                          f"--shift-heading-level-by={shift_headings}"])
        if used:
            _finish_figures(Path(tmp), used)
        os.replace(tmp, target)
    except (RuntimeError, OSError) as exc:
        raise PipelineError(f"pandoc kunde inte konvertera en Markdown-text: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _finish_figures(path: Path, figures: dict[str, Figure]) -> None:
    """Give each figure pandoc placed its alt text and its vector drawing.

    The alt text (wp:docPr and pic:cNvPr descr, where pandoc wrote the file name) becomes the
    figure's description. The SVG is added the way Word 2016 and later store SVG pictures
    (MS-ODRAWXML svgBlip): an `asvg:svgBlip` extension of the blip, whose own `r:embed` stays
    the PNG for programs that do not read SVG.
    """
    from lxml import etree

    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info.filename) for info in src.infolist()}
        infos = src.infolist()
    document = etree.fromstring(parts["word/document.xml"])
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    for pic in document.iter(f"{{{NS['pic']}}}pic"):
        c_nv_pr = pic.find(f"{{{NS['pic']}}}nvPicPr/{{{NS['pic']}}}cNvPr")
        figure = figures.get(Path(c_nv_pr.get("descr", "")).name)
        if figure is None:
            continue
        inline = next(a for a in pic.iterancestors() if a.tag in (f"{{{NS['wp']}}}inline", f"{{{NS['wp']}}}anchor"))
        for element in (c_nv_pr, inline.find(f"{{{NS['wp']}}}docPr")):
            element.set("descr", figure.alt)
        rid = f"rIdSvg{len(rels)}"
        target = f"media/{figure.svg.name}"
        etree.SubElement(rels, f"{{{NS['rel']}}}Relationship", Id=rid, Target=target,
                         Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image")
        parts[f"word/{target}"] = figure.svg.read_bytes()
        blip = pic.find(f"{{{NS['pic']}}}blipFill/{{{NS['a']}}}blip")
        ext_list = blip.find(f"{{{NS['a']}}}extLst")
        if ext_list is None:
            ext_list = etree.SubElement(blip, f"{{{NS['a']}}}extLst")
        ext = etree.SubElement(ext_list, f"{{{NS['a']}}}ext", uri=SVG_BLIP_EXTENSION)
        etree.SubElement(ext, f"{{{NS['asvg']}}}svgBlip", nsmap={"asvg": NS["asvg"]}).set(f"{{{NS['r']}}}embed", rid)
    parts["word/document.xml"] = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                           standalone=True)
    types = parts["[Content_Types].xml"]
    if b'Extension="svg"' not in types:
        parts["[Content_Types].xml"] = types.replace(
            b"</Types>", b'<Default Extension="svg" ContentType="image/svg+xml"/></Types>')
    names = [info.filename for info in infos]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names + sorted(set(parts) - set(names)):
            dst.writestr(name, parts[name])
    path.write_bytes(buffer.getvalue())
