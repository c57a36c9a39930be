"""Render stage: the Word template filled with the context, appendices appended, properties set.

Returns the DOCX as bytes; the writer stage is the only code that touches the output folder.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError as JinjaTemplateError

from .context import Markdown
from .figures import Figure
from .errors import TemplateError
from .markdown import inline_richtext, markdown_to_docx, reference_doc

# Fixed zip timestamp: two builds of the same sources give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def render_docx(context: dict[str, Any], template: Path, properties: dict[str, Any], cache_dir: Path,
                figures: dict[str, Figure]) -> bytes:
    """Return the finished DOCX: the template rendered with the context, properties set.

    Markdown texts (chapter texts, Bilaga 2 and 3) are converted by pandoc and inserted as
    docxtpl subdocuments, which docxcompose merges (styles, numbering, images) in place.
    """
    reference = reference_doc(template, cache_dir)
    tpl = DocxTemplate(str(template))
    resolved = _resolve_markdown(context, tpl, reference, cache_dir, figures)
    try:
        tpl.render(resolved, autoescape=True)
    except JinjaTemplateError as exc:
        where = getattr(exc, "docx_context", None)
        hint = f" Omgivande malltext: {' '.join(where)}" if where else ""
        raise TemplateError(template, f"mallen kunde inte fyllas i: {exc}.{hint}") from exc
    document = tpl.docx
    _set_properties(document, properties)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue())


def _resolve_markdown(value: Any, tpl: DocxTemplate, reference: Path, cache_dir: Path,
                      figures: dict[str, Figure]) -> Any:
    """Return a copy of the context with Markdown markers turned into RichText and Subdocs."""
    if isinstance(value, Markdown):
        if value.block:
            return tpl.new_subdoc(str(markdown_to_docx(value.text, reference, cache_dir, figures=figures)))
        return inline_richtext(value.text)
    if isinstance(value, dict):
        return {k: _resolve_markdown(v, tpl, reference, cache_dir, figures) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_markdown(v, tpl, reference, cache_dir, figures) for v in value]
    return value


def _set_properties(document: Any, props: dict[str, Any]) -> None:
    core = document.core_properties
    core.title = props["title"]
    core.subject = props["subject"]
    core.author = props["author"]
    core.last_modified_by = props["author"]
    core.language = "sv-SE"
    core.keywords = props.get("keywords", "")
    core.comments = ""
    core.category = props.get("category", "")
    core.revision = 1
    stamp = dt.datetime.combine(props["date"], dt.time(0, 0))
    core.created = stamp
    core.modified = stamp
    core.last_printed = stamp


def _stable_nsids(xml: bytes) -> bytes:
    """Replace docxcompose's random list ids (w:nsid) by ids derived from abstractNumId."""
    def fix(match: re.Match) -> bytes:
        number = int(match.group(1))
        return match.group(0)[: match.start(2) - match.start(0)] + \
            f"{zlib.crc32(f'nsid-{number}'.encode()):08X}".encode() + match.group(0)[match.end(2) - match.start(0):]
    return re.sub(rb'<w:abstractNum [^>]*w:abstractNumId="(\d+)"[^>]*>\s*<w:nsid w:val="([0-9A-Fa-f]+)"', fix, xml)


def normalise_zip(data: bytes) -> bytes:
    """Return the DOCX re-zipped with fixed timestamps, member order and list ids."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in names if n == "[Content_Types].xml"]
        for name in first + [n for n in names if n != "[Content_Types].xml"]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            blob = src.read(name)
            if name == "word/numbering.xml":
                blob = _stable_nsids(blob)
            dst.writestr(info, blob)
    return out.getvalue()
