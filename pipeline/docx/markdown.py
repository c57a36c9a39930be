"""Markdown stage: prose to Word, through pandoc (blocks) and markdown-it (inline runs).

Block Markdown (chapter texts, Bilaga 2 and 3) becomes a DOCX made by pandoc with a reference
document cut from the plan's own template, so its paragraphs carry the plan's styles. The
results are cached by content, so an unchanged text costs no pandoc run.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path

import pypandoc
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from lxml import etree

from pipeline.errors import PipelineError
from pipeline.content.figures import Figure
from pipeline.content.markdown_tree import PANDOC_FORMAT, with_figures, words
from pipeline.docx.wordlib import RichText
from pipeline.docx.ooxml import IMAGE_RELATIONSHIP, NS, SVG_BLIP_EXTENSION, W, q, read_part, replace_parts, xml_bytes
from pipeline.infra.writer import write_cache

PACKAGING = "svgblip-v2+unicode-bullets-v1"  # part of the cache key: change it when _finish_* changes

# Pandoc's bullets are Symbol, Courier New and Wingdings characters. A PDF maps the Symbol bullet to
# U+F0B7 (private use), which a screen reader reads as an unknown character; these are the same
# marks as Unicode characters in the paragraph's own typeface (Carlito and Calibri have them).
BULLETS = {("Symbol", "\uf0b7"): "\u2022", ("Courier New", "o"): "\u25e6", ("Wingdings", "\uf0a7"): "\u25aa"}

_inline = MarkdownIt("commonmark", {"html": False, "typographer": False})


def _image_as_words(self, tokens, idx, options, env) -> str:
    """An image in a short text prints as its description: no file or address reaches the web page."""
    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


_inline.add_render_rule("image", _image_as_words)


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
        elif kind == "image":  # its description, as on the web page (see _image_as_words)
            _add(rt, "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline")), styles)
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
    xml = read_part(data, "word/document.xml").decode("utf-8")
    head = xml[: xml.index("<w:body>")]
    sect = re.search(r"<w:sectPr.*?</w:sectPr>", xml, re.S).group(0)
    sect = re.sub(r"<w:(header|footer)Reference [^>]*/>", "", sect)
    body = (head + "<w:body>" + sect + "</w:body></w:document>").encode("utf-8")
    return write_cache(target, replace_parts(data, {"word/document.xml": body}))


def markdown_to_docx(text: str, reference: Path, cache_dir: Path, shift_headings: int = 1,
                     figures: dict[str, list[Figure]] | None = None) -> Path:
    """Return the path of a DOCX made by pandoc from `text` (cached by content).

    `![Figurtext](figur:NAMN)` references are replaced by the rendered figure, whose alt text
    (the DOCX `descr`) is the figure's description in words rather than its caption, and
    whose SVG goes with its PNG (see `_finish_figures`). A figure drawn in parts becomes one
    picture per part, each captioned "Figurtext (del 2 av 4: ...)".
    """
    figures = figures or {}
    used: dict[str, Figure] = {}

    def substitute(name: str, block: dict) -> list[dict] | None:
        if name not in figures:
            return None
        pictures = []
        caption = block["c"][1][1][0]["c"] if block["c"][1][1] else []
        for figure in figures[name]:
            stand_in = figure.placeholder  # the PNG comes later (figures.add_pictures)
            used[stand_in.name] = figure
            # Relative to pandoc's working folder (the cache) when the figure is there, so that no
            # absolute path reaches the DOCX; absolute otherwise.
            where = stand_in.name if stand_in.parent.resolve() == cache_dir.resolve() else str(stand_in.resolve())
            shown = _caption(caption, figure.part)
            image = {"t": "Image", "c": [["", [], [["width", f"{figure.width_cm}cm"], ["height", f"{figure.height_cm}cm"]]],
                                         shown, [where, ""]]}
            attr = block["c"][0] if not pictures else ["", [], []]  # an id names the first part only
            pictures.append({"t": "Figure", "c": [attr, [None, [{"t": "Plain", "c": shown}]],
                                                  [{"t": "Plain", "c": [image]}]]})
        return pictures

    document = json.dumps(with_figures(text, cache_dir, substitute), ensure_ascii=False, sort_keys=True)
    key = hashlib.sha256(f"{pypandoc.get_pandoc_version()}\0{reference.name}\0{shift_headings}\0"
                         f"{PANDOC_FORMAT}\0{PACKAGING}\0{document}\0"
                         f"{sorted((name, f.svg.name, f.alt) for name, f in used.items())}".encode()).hexdigest()[:24]
    target = cache_dir / f"md-{key}.docx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as work:  # pandoc writes DOCX only to a file
        output = Path(work) / "pandoc.docx"
        try:
            # pandoc finds the figures' stand-ins through --resource-path, not pypandoc's cworkdir: that is
            # os.chdir for the whole process, and several texts convert at once in threads, so one thread's
            # pandoc could start in another's folder and lose its figures (replaced by their captions).
            pypandoc.convert_text(document, "docx", format="json", outputfile=str(output),
                                  extra_args=["--reference-doc", str(reference.resolve()),
                                              f"--resource-path={cache_dir.resolve()}",
                                              f"--shift-heading-level-by={shift_headings}"])
            data = output.read_bytes()
        except (RuntimeError, OSError) as exc:
            raise PipelineError(f"pandoc kunde inte konvertera en Markdown-text: {exc}") from exc
    data = _unicode_bullets(data)
    return write_cache(target, _finish_figures(data, used) if used else data)


def _caption(caption: list[dict], part: str) -> list[dict]:
    """The figure's caption, with "(del 2 av 4: ...)." after it for a figure drawn in parts."""
    if not part:
        return caption
    shown = list(caption)
    if shown and shown[-1].get("t") == "Str" and shown[-1]["c"].endswith("."):
        last = shown[-1]["c"].rstrip(".")
        shown[-1:] = [{"t": "Str", "c": last}] if last else []
    return shown + [{"t": "Space"}] + words(f"({part}).")


def _unicode_bullets(package: bytes) -> bytes:
    """Return pandoc's DOCX with its symbol-font bullets as Unicode bullets (see BULLETS)."""
    try:
        numbering = etree.fromstring(read_part(package, "word/numbering.xml"))
    except KeyError:
        return package
    w = W
    changed = False
    for level in numbering.iter(f"{w}lvl"):
        text, fonts = level.find(f"{w}lvlText"), level.find(f"{w}rPr/{w}rFonts")
        if text is None or fonts is None:
            continue
        bullet = BULLETS.get((fonts.get(f"{w}ascii"), text.get(f"{w}val")))
        if bullet:
            text.set(f"{w}val", bullet)
            fonts.getparent().remove(fonts)
            changed = True
    return replace_parts(package, {"word/numbering.xml": xml_bytes(numbering)}) if changed else package


def _finish_figures(package: bytes, figures: dict[str, Figure]) -> bytes:
    """Return pandoc's DOCX with each figure's alt text and vector drawing.

    The alt text (wp:docPr and pic:cNvPr descr, where pandoc wrote the PNG's file name) becomes
    the figure's description. The SVG is added the way Word 2016 and later store SVG pictures
    (MS-ODRAWXML svgBlip): an `asvg:svgBlip` extension of the blip, whose own `r:embed` stays
    the PNG for programs that do not read SVG (a stand-in here, see figures.add_pictures).
    """
    document = etree.fromstring(read_part(package, "word/document.xml"))
    rels = etree.fromstring(read_part(package, "word/_rels/document.xml.rels"))
    parts: dict[str, bytes] = {}
    for pic in document.iter(q("pic", "pic")):
        c_nv_pr = pic.find(f"{q('pic', 'nvPicPr')}/{q('pic', 'cNvPr')}")
        figure = figures.get(Path(c_nv_pr.get("descr", "")).name)
        if figure is None:
            continue
        drawing = next(a for a in pic.iterancestors() if a.tag in (q("wp", "inline"), q("wp", "anchor")))
        for element in (c_nv_pr, drawing.find(q("wp", "docPr"))):
            element.set("descr", figure.alt)
        rid = f"rIdSvg{len(rels)}"
        target = f"media/{figure.svg.name}"
        etree.SubElement(rels, q("rel", "Relationship"), Id=rid, Target=target, Type=IMAGE_RELATIONSHIP)
        parts[f"word/{target}"] = figure.svg.read_bytes()
        blip = pic.find(f"{q('pic', 'blipFill')}/{q('a', 'blip')}")
        ext_list = blip.find(q("a", "extLst"))
        if ext_list is None:
            ext_list = etree.SubElement(blip, q("a", "extLst"))
        ext = etree.SubElement(ext_list, q("a", "ext"), uri=SVG_BLIP_EXTENSION)
        etree.SubElement(ext, q("asvg", "svgBlip"), nsmap={"asvg": NS["asvg"]}).set(q("r", "embed"), rid)
    parts["word/document.xml"] = xml_bytes(document)
    parts["word/_rels/document.xml.rels"] = xml_bytes(rels)
    types = read_part(package, "[Content_Types].xml")
    if b'Extension="svg"' not in types:
        parts["[Content_Types].xml"] = types.replace(
            b"</Types>", b'<Default Extension="svg" ContentType="image/svg+xml"/></Types>')
    return replace_parts(package, parts)
