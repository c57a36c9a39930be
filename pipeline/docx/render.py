"""Render stage: the Word template filled with the context, appendices appended, properties set.

Returns the DOCX as bytes; the writer stage is the only code that touches the output folder.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from jinja2 import Environment, StrictUndefined, UndefinedError
from jinja2 import TemplateError as JinjaTemplateError

from pipeline.content.context import Markdown, markdown_blocks
from pipeline.content.figures import Figure
from pipeline.errors import TemplateError
from pipeline.docx.layout import lay_out
from pipeline.docx.markdown import inline_richtext, markdown_to_docx, reference_doc
from pipeline.docx.ooxml import replace_parts
from pipeline.docx.package import finish_docx
from pipeline.docx.wordlib import DocxTemplate, Subdoc, SubdocComposer
from pipeline.docx.templates import placeholder_location


def render_docx(context: dict[str, Any], template: Path, properties: dict[str, Any], cache_dir: Path,
                figures: dict[str, list[Figure]], shown: Path | str | None = None) -> bytes:
    """Return the finished DOCX: the template rendered with the context, properties set.

    Markdown texts (chapter texts, Bilaga 2 and 3) are converted by pandoc and inserted as
    docxtpl subdocuments, which docxcompose merges (styles, numbering, images) in place.
    """
    reference = reference_doc(template, cache_dir)
    _convert_markdown_at_once(context, reference, cache_dir, figures)
    tpl = DocxTemplate(str(template))
    resolved = _resolve_markdown(context, tpl, reference, cache_dir, figures)
    try:
        # StrictUndefined: a misspelt placeholder ({{ titl }}) is an error, not an empty text.
        tpl.render(resolved, jinja_env=Environment(undefined=StrictUndefined), autoescape=True)
    except UndefinedError as exc:
        raise TemplateError(shown or template, _undefined_message(template, str(exc), context)) from exc
    except JinjaTemplateError as exc:
        where = " ".join(getattr(exc, "docx_context", None) or [])
        hint = f" Malltexten där: {' '.join(where.split())[:200]}" if where.strip() else ""
        raise TemplateError(shown or template, f"mallen kunde inte fyllas i ({exc}).{hint} Se templates/README.md.") from exc
    document = tpl.docx
    _set_properties(document, properties)
    buffer = io.BytesIO()
    document.save(buffer)
    return finish_docx(lay_out(buffer.getvalue()))


def _undefined_message(template: Path, error: str, context: dict[str, Any]) -> str:
    """Swedish for Jinja's "'titl' is undefined" / "'dict object' has no attribute 'x'"."""
    name = re.search(r"'([^']+)' is undefined", error) or re.search(r"has no attribute '([^']+)'", error)
    if not name:
        return f"en platshållare i mallen pekar på något som inte finns ({error}). Se templates/README.md."
    where = placeholder_location(template, name.group(1))
    known = ", ".join(sorted(k for k in context if not k.startswith("_")))
    return (f"platshållaren {where or name.group(1)} pekar på '{name.group(1)}', som inte finns i planens data "
            f"(det som finns: {known}). Rätta stavningen i mallen; se templates/README.md.")


def _convert_markdown_at_once(context: dict[str, Any], reference: Path, cache_dir: Path,
                              figures: dict[str, list[Figure]]) -> None:
    """Run pandoc for every block text not yet in the cache, several at once (see markdown_to_docx)."""
    blocks = markdown_blocks(context)
    if len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda text: markdown_to_docx(text, reference, cache_dir, figures=figures), blocks))


def _resolve_markdown(value: Any, tpl: DocxTemplate, reference: Path, cache_dir: Path,
                      figures: dict[str, list[Figure]]) -> Any:
    """Return a copy of the context with Markdown markers turned into RichText and Subdocs."""
    if isinstance(value, Markdown):
        if value.block:
            return _Subdoc(tpl, markdown_to_docx(value.text, reference, cache_dir, figures=figures))
        return inline_richtext(value.with_marks())
    if isinstance(value, dict):
        return {k: _resolve_markdown(v, tpl, reference, cache_dir, figures) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_markdown(v, tpl, reference, cache_dir, figures) for v in value]
    return value


class _Composer(SubdocComposer):
    """docxtpl's subdocument composer, adding the subdocument's styles in one pass.

    docxcompose looks for missing styles block by block and, for every block, lists all of the
    plan's styles as python-docx objects twice: about 0.3 s of a 0.55 s render. One pass over the
    whole body, at the first block, adds the same styles in the same order (that of first use),
    maps the same lists and renames the same style references; the built DOCX is byte-identical.
    """

    def attach_parts(self, doc, remove_property_fields=True):
        self._styles_pending = True
        super().attach_parts(doc, remove_property_fields)

    def add_styles(self, doc, element):
        parent = element.getparent()
        if parent is None or parent.tag != qn("w:body"):
            super().add_styles(doc, element)  # headers, footnotes, comments: as docxcompose does
        elif self._styles_pending:
            self._styles_pending = False
            super().add_styles(doc, parent)


class _Subdoc(Subdoc):
    """docxtpl's subdocument (what tpl.new_subdoc(path) makes), attached by `_Composer`."""

    def __init__(self, tpl: DocxTemplate, path: Path):
        # Not super().__init__: it would attach the document with docxtpl's own composer.
        self.tpl = tpl
        self.docx = tpl.get_docx()
        self.subdocx = Document(str(path))
        _Composer(self.docx).attach_parts(self.subdocx)


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


def add_pictures(docx: bytes, figures: list[Figure]) -> bytes:
    """Return the DOCX with each figure's stand-in replaced by its PNG (rendered several at once)."""
    stand_ins = {f.placeholder_bytes(): f for f in figures}
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        found = {name: stand_ins[package.read(name)] for name in package.namelist()
                 if name.startswith("word/media/") and name.endswith(".png") and package.getinfo(name).file_size < 512
                 and package.read(name) in stand_ins}
    if not found:
        return docx
    with ThreadPoolExecutor(max_workers=4) as pool:
        pictures = dict(zip(found, pool.map(lambda f: f.png(), found.values())))
    return replace_parts(docx, pictures)
