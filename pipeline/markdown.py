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
from xml.sax.saxutils import escape as xml_escape

import pypandoc
from docxtpl import RichText
from markdown_it import MarkdownIt

from .errors import PipelineError
from .figures import FIGURE_REF, Figure
from .writer import write_cache

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
    (the DOCX `descr`) is the figure's description in words rather than its caption.
    """
    figures = figures or {}
    alts: dict[str, str] = {}

    def substitute(match: re.Match) -> str:
        figure = figures[match.group("name")]
        alts[figure.path.name] = figure.alt
        # Relative to pandoc's working folder (the cache) when the figure is there, so that no
        # absolute path reaches the DOCX; absolute otherwise.
        where = figure.path.name if figure.path.parent.resolve() == cache_dir.resolve() else str(figure.path.resolve())
        return f"![{match.group('caption')}]({where}){{width={figure.width_cm}cm}}"

    text = FIGURE_REF.sub(substitute, text)
    key = hashlib.sha256(f"{pypandoc.get_pandoc_version()}\0{reference.name}\0{shift_headings}\0"
                         f"{PANDOC_FORMAT}\0{text}\0{sorted(alts.items())}".encode()).hexdigest()[:24]
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
        if alts:
            _set_alt_texts(Path(tmp), alts)
        os.replace(tmp, target)
    except (RuntimeError, OSError) as exc:
        raise PipelineError(f"pandoc kunde inte konvertera en Markdown-text: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _set_alt_texts(path: Path, alts: dict[str, str]) -> None:
    """Set each figure's DOCX alt text (wp:docPr and pic:cNvPr descr) to its description."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "word/document.xml":
                xml = blob.decode("utf-8")
                xml = re.sub(r'(<wp:docPr [^>]*?)descr="[^"]*"(.*?<pic:cNvPr [^>]*?)descr="([^"]*?)"',
                             lambda match: _replace_alt(match, alts), xml, flags=re.S)
                blob = xml.encode("utf-8")
            dst.writestr(info, blob)
    path.write_bytes(buffer.getvalue())


def _replace_alt(match: re.Match, alts: dict[str, str]) -> str:
    name = Path(match.group(3)).name
    alt = xml_escape(alts.get(name, ""), {'"': "&quot;"})
    return f'{match.group(1)}descr="{alt}"{match.group(2)}descr="{alt}"'

