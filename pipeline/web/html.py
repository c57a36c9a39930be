"""Web page output: the plan as one self-contained, accessible HTML file.

    context (content/context.py, the same data the Word template sees)
        → templates/verksamhetsplan.html (Jinja, autoescaped) + templates/verksamhetsplan.css (inlined)
        → Markdown texts by pandoc (the parser the DOCX uses), figures as inline SVG
        → contents list from the page's own headings, footnotes numbered through the page

No scripts, no files beside it, no requests: a communicator uploads the file or pastes it into
the website's editor. The same sources give the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import lxml.html
from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError
from jinja2 import TemplateError as JinjaError
from lxml import etree
from markupsafe import Markup, escape

from pipeline.content.context import build_context, Markdown, markdown_blocks
from pipeline.errors import PipelineError, TemplateError
from pipeline.content.figures import Figure
from pipeline.sources.load import PlanSources
from pipeline.paths import display_path
from pipeline.content.markdown_tree import with_figures
from pipeline.infra.writer import write_cache
from pipeline.docx.markdown import _inline
from pipeline.content.formatting import unbreakable

HTML_TEMPLATE = "verksamhetsplan.html"
STYLESHEET = "verksamhetsplan.css"
SVG_NS = "http://www.w3.org/2000/svg"
FIGURE_MARK = "vp-figur:"  # what a figure reference becomes for pandoc, replaced by the SVG after


def render_html(root: Path, sources: PlanSources, figures: dict[str, list[Figure]],
                template: str = HTML_TEMPLATE, context: dict[str, Any] | None = None) -> bytes:
    """Return the plan's web page (UTF-8 bytes); another document's with its `template` and `context`."""
    folder = root / "templates"
    for name in (template, STYLESHEET):
        if not (folder / name).is_file():
            raise TemplateError(display_path(folder / name, root), "mallen för webbsidan saknas.")
    converter = _Converter(root / "build" / ".cache", figures)
    context = build_context(sources) if context is None else context
    converter.prepare(context)
    context = _as_html(context, converter)
    context["stilmall"] = Markup((folder / STYLESHEET).read_text(encoding="utf-8"))
    env = _environment(str(folder))
    shown = display_path(folder / template, root)
    try:
        page = env.get_template(template).render(context)
    except UndefinedError as exc:
        raise TemplateError(shown, f"en platshållare pekar på något som inte finns i planens data ({exc}).") from exc
    except JinjaError as exc:
        raise TemplateError(shown, f"mallen kunde inte fyllas i ({exc}).") from exc
    return _finish(page, shown)


@functools.lru_cache(maxsize=8)
def _environment(folder: str):
    """The Jinja environment of a templates folder, kept: it compiles each template once and again only
    when the file changes (a process that renders many pages, such as the workbench, pays once)."""
    env = Environment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["fotnot"] = note_mark
    return env


class _Converter:
    """Markdown to HTML: block texts through pandoc (cached), inline texts through markdown-it."""

    def __init__(self, cache: Path, figures: dict[str, list[Figure]]):
        self.cache = cache
        self.figures = figures
        self.texts = 0

    def prepare(self, context: Any) -> None:
        """Run pandoc for every block text not yet in the cache, several at once (as docx/render.py does)."""
        blocks = markdown_blocks(context)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: self._pandoc(*job), [(text, f"t{n}-") for n, text in enumerate(blocks, 1)]))

    def _pandoc(self, text: str, prefix: str) -> str:
        """pandoc's HTML of a block text, its ids prefixed (cached by content and prefix)."""
        import pypandoc  # 0.1 s to load: paid only when a text is not in the cache



        def mark(name: str, block: dict) -> list[dict]:  # the figure's image points at its SVG-to-be
            image = block["c"][2][0]["c"][0]
            return [{**block, "c": [*block["c"][:2], [{"t": "Plain", "c": [
                {**image, "c": [*image["c"][:2], [f"{FIGURE_MARK}{name}", ""]]}]}]]}]

        marked = json.dumps(with_figures(text, self.cache, mark), ensure_ascii=False, sort_keys=True)
        key = hashlib.sha256(f"{pypandoc.get_pandoc_version()}\0html\0{prefix}\0{marked}".encode()).hexdigest()[:24]
        target = self.cache / f"md-{key}.html"
        if target.exists():
            return target.read_text(encoding="utf-8")
        try:
            html = pypandoc.convert_text(marked, "html5", format="json",
                                         extra_args=["--shift-heading-level-by=2", f"--id-prefix={prefix}",
                                                     "--wrap=none", "--section-divs=false"])
        except (RuntimeError, OSError) as exc:
            raise PipelineError(f"pandoc kunde inte konvertera en Markdown-text till HTML: {exc}") from exc
        write_cache(target, html.encode("utf-8"))
        return html

    def block(self, text: str) -> str:
        self.texts += 1
        html = self._pandoc(text, f"t{self.texts}-")
        return re.sub(r'<figure>\s*<img src="' + re.escape(FIGURE_MARK) + r'([^"]+)"[^>]*>\s*'
                      r'<figcaption[^>]*>(.*?)</figcaption>\s*</figure>',
                      lambda m: self._figure(m.group(1), m.group(2)), html, flags=re.S)

    def _figure(self, name: str, caption: str) -> str:
        parts = []
        for n, figure in enumerate(self.figures[name], 1):
            shown = caption
            if figure.part:
                shown = f"{caption.rstrip('.')} ({figure.part})."
            parts.append(f'<figure class="figur">{inline_svg(figure, f"{name}-{n}")}'
                         f"<figcaption>{shown}</figcaption></figure>")
        return "\n".join(parts)

    @staticmethod
    def inline(text: str) -> str:
        return _inline.renderInline(text).strip()


def _as_html(value: Any, converter: _Converter) -> Any:
    """The context with each Markdown marker as HTML markup (autoescaping leaves it as it is)."""
    if isinstance(value, Markdown):
        if value.block:
            return Markup(converter.block(value.text))
        return Markup(converter.inline(value.text) + "".join(f" {note_mark(mark)}" for mark in value.marks))
    if isinstance(value, dict):
        return {k: _as_html(v, converter) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_html(v, converter) for v in value]
    return value


def note_mark(mark: str) -> str:
    """A table footnote's mark ("*", "2)") as the page shows it; `_link_table_notes` links it to its note.

    The templates write it with the filter `fotnot` ({{ r.fotnot | fotnot }}) and the note as
    <p class="tabellfotnot" data-fotnot="MARK">; a Markdown text's marks (Markdown.marks) come here.
    """
    return Markup('<a class="tabellfotnot-ref" data-fotnot="{0}">{0}</a>').format(escape(mark))


def inline_svg(figure: Figure, key: str) -> str:
    """The figure's SVG for an HTML page: one image with the figure's description as its name.

    Graphviz's own <title>s and comments go (a reader would meet every box's internal name), its
    ids get the figure's prefix (two figures on one page must not share an id), and the size
    follows the page's width (CSS).
    """
    svg = etree.fromstring(figure.svg.read_bytes(), etree.XMLParser(remove_comments=True, resolve_entities=False))
    for title in list(svg.iter(f"{{{SVG_NS}}}title")):
        title.getparent().remove(title)
    for element in svg.iter():
        if element.get("id"):
            element.set("id", f"{key}-{element.get('id')}")
    title_id = f"figur-{key}"
    title = etree.Element(f"{{{SVG_NS}}}title", id=title_id)
    title.text = figure.alt
    svg.insert(0, title)
    svg.set("role", "img")
    svg.set("aria-labelledby", title_id)
    svg.set("class", "figur-bild")
    width, height = svg.get("width", ""), svg.get("height", "")
    if width.endswith("pt") and height.endswith("pt"):  # the printed size, as CSS reads it
        svg.set("width", f"{float(width[:-2]) * 4 / 3:.0f}")
        svg.set("height", f"{float(height[:-2]) * 4 / 3:.0f}")
    text = etree.tostring(svg, encoding="unicode")
    return re.sub(r'\sxmlns:xlink="[^"]*"', "", text)


def _finish(page: str, shown: str) -> bytes:
    """Return the rendered page repaired (each repair a function of its own, in this order) and its
    contents list filled from the page's headings."""
    document = lxml.html.document_fromstring(page)
    for repair in (_number_footnotes, _link_table_notes, _keep_on_one_line, _caption_tables, _wrap_tables,
                   _ascii_ids, _name_table_regions):
        repair(document)
    _fill_contents(document, shown)
    html = lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")
    return (html.rstrip("\n") + "\n").encode("utf-8")


def _number_footnotes(document) -> None:
    """Number the footnotes through the page (pandoc numbers each text's from 1)."""
    number = 0
    for section in document.xpath('//section[contains(@class, "footnotes")]'):
        notes = section.find("ol")
        if notes is not None and number:
            notes.set("start", str(number + 1))
        section_refs = len(section.xpath("./ol/li"))
        for ref in document.xpath(f'//a[@role="doc-noteref"][starts-with(@href, "#{_prefix_of(section)}")]'):
            sup = ref.find("sup")
            target = sup if sup is not None else ref
            target.text = str(number + int(target.text))
            ref.set("aria-label", f"Fotnot {target.text}")  # named as the table footnotes' marks are
        for n, item in enumerate(section.xpath("./ol/li"), number + 1):
            for back in item.xpath('.//a[@role="doc-backlink"]'):
                back.set("aria-label", f"Tillbaka till hänvisningen till fotnot {n}")
        number += section_refs


def _keep_on_one_line(document) -> None:
    """Amounts, dates and times stay on one line, as in the PDF (not in styles, figures or code)."""
    for element in document.iter():
        if not isinstance(element.tag, str) or element.tag in ("style", "svg", "code", "pre") \
                or any(a.tag in ("svg", "code", "pre") for a in element.iterancestors()):
            continue
        if element.text:
            element.text = unbreakable(element.text)
        if element.tail and element.getparent() is not None and element.getparent().tag not in ("svg",):
            element.tail = unbreakable(element.tail)


def _caption_tables(document) -> None:
    """A Markdown table without a caption is named by the heading it stands under."""
    heading = ""
    for element in document.iter("h1", "h2", "h3", "h4", "h5", "h6", "table"):
        if element.tag != "table":
            heading = " ".join(element.text_content().split())
        elif element.find("caption") is None:  # a Markdown table: named by the heading it stands under
            caption = etree.Element("caption", {"class": "endast-webb visuellt-dold"})
            caption.text = f"Tabell under rubriken {heading}" if heading else "Tabell"
            element.insert(0, caption)


def _wrap_tables(document) -> None:
    """Every table in a wrapper that may scroll sideways (pandoc's tables too)."""
    for table in document.iter("table"):
        parent = table.getparent()
        if "tabell" not in (parent.get("class") or "").split():  # pandoc's tables scroll in a wrapper too
            wrapper = etree.Element("div", {"class": "tabell"})
            parent.replace(table, wrapper)
            wrapper.append(table)


def _ascii_ids(document) -> None:
    """Ids in ASCII, links following them: pandoc keeps å, ä, ö in ids, and a link to them would be %-escaped."""
    renamed = {}
    used_ids = {e.get("id") for e in document.iter() if e.get("id") and e.get("id").isascii()}
    for element in document.iter():
        old = element.get("id")
        if old and not old.isascii():  # pandoc keeps å, ä, ö in ids; a link to them would be %-escaped
            renamed[old] = _unique(_slug(old), used_ids)
            element.set("id", renamed[old])
    for link in document.iter("a"):
        href = link.get("href") or ""
        if href.startswith("#") and href[1:] in renamed:
            link.set("href", "#" + renamed[href[1:]])


def _name_table_regions(document) -> None:
    """A table that may scroll sideways on a narrow screen: reachable by keyboard, named by its caption."""
    for n, wrapper in enumerate(document.xpath('//div[contains(concat(" ", @class, " "), " tabell ")]'), 1):
        caption = wrapper.find(".//caption")
        wrapper.set("role", "region")
        wrapper.set("tabindex", "0")
        if caption is not None:
            if not caption.get("id"):
                caption.set("id", f"tabell-{n}")
            wrapper.set("aria-labelledby", caption.get("id"))


def _fill_contents(document, shown: str) -> None:
    """Fill the contents list (id="innehallsforteckning") from the headings of <main>."""
    nav = document.xpath('//*[@id="innehallsforteckning"]')
    if not nav:
        raise TemplateError(shown, "innehållsförteckningen (ett element med id=\"innehallsforteckning\") saknas.")
    main = document.xpath("//main")
    if not main:
        raise TemplateError(shown, "sidans huvudinnehåll (<main>) saknas.")
    headings = [h for h in main[0].iter("h2", "h3", "h4", "h5", "h6", "p")
                if (h.tag != "p" or h.get("role") == "heading")
                and "ej-i-innehallsforteckningen" not in (h.get("class") or "")]
    used: set[str] = {e.get("id") for e in document.iter() if e.get("id")}
    root_list = etree.SubElement(nav[0], "ol")
    stack = [(1, root_list)]  # (heading level, the list its subheadings go in)
    for heading in headings:
        level = int(heading.get("aria-level") or 0) if heading.tag == "p" else int(heading.tag[1])
        if not heading.get("id"):
            heading.set("id", _unique(_slug(heading.text_content()), used))
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        item = etree.SubElement(stack[-1][1], "li")
        link = etree.SubElement(item, "a", href=f"#{heading.get('id')}")
        link.text = " ".join(heading.text_content().split())
        stack.append((level, etree.SubElement(item, "ol")))
    for empty in [ol for ol in nav[0].iter("ol") if len(ol) == 0 and ol is not root_list]:
        empty.getparent().remove(empty)


def _link_table_notes(document) -> None:
    """Link each table footnote's marks and its note both ways, as pandoc links Markdown footnotes.

    A mark refers to the first note with the same mark after it (a note stands under its table;
    two tables can share a "*"): the mark becomes a note reference to the note, the note a
    footnote with a link back to each of its marks. A screen reader announces both as footnote
    parts (DPUB-ARIA roles) and the names say so; a mark without a note stays plain text.
    """
    used = {e.get("id") for e in document.iter() if e.get("id")}
    waiting: dict[str, list] = {}  # mark → the references not yet given a note
    number = 0
    for element in document.xpath("//*[@data-fotnot]"):
        mark = element.attrib.pop("data-fotnot")
        if element.tag == "a":
            waiting.setdefault(mark, []).append(element)
            continue
        number += 1
        note = _unique(f"tabellfotnot-{number}", used)
        element.set("id", note)
        element.set("role", "doc-footnote")
        references = waiting.pop(mark, [])
        spoken = mark.rstrip(")") or mark  # "Fotnot 2", "Fotnot *"
        for n, reference in enumerate(references, 1):
            reference.set("id", _unique(f"{note}-ref{n}", used))
            reference.set("href", f"#{note}")
            reference.set("role", "doc-noteref")
            reference.set("aria-label", f"Fotnot {spoken}")
            back = etree.SubElement(element, "a", {"href": f"#{reference.get('id')}", "class": "footnote-back",
                                                   "role": "doc-backlink"})
            back.set("aria-label", f"Tillbaka till hänvisningen till fotnot {spoken}" if len(references) == 1
                     else f"Tillbaka till hänvisning {n} av {len(references)} till fotnot {spoken}")
            back.text = "↩︎"
            previous = back.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + " "
            else:
                element.text = (element.text or "") + " "
    for references in waiting.values():
        for reference in references:
            reference.drop_tag()


def _prefix_of(section) -> str:
    """The id prefix of a footnote section's text (pandoc's --id-prefix), from its first note."""
    first = section.find(".//li")
    return (first.get("id") or "").split("fn")[0] if first is not None else "\0"


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug[:60].rstrip("-") or "rubrik"


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate
