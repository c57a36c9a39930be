"""The plan: its description for the document pipeline, and `build`, which makes the plans of a run.

    sources → checks.run (every problem at once) → plan_document → stages: render → convert → normalise
    → proofread → write (documents.stages)
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from pipeline.checks.run import check_all
from pipeline.content.context import build_context
from pipeline.content.figures import Figure, make_figure
from pipeline.content.markdown_tree import figure_names
from pipeline.docx.contents import fill_contents
from pipeline.docx.templates import prepare_template
from pipeline.documents.stages import Document, make, render, with_pictures, write
from pipeline.infra.uptodate import inputs_digest, remember
from pipeline.infra.writer import write_atomic
from pipeline.paths import display_path, html_path, output_paths
from pipeline.pdf.libreoffice import LibreOffice, Unavailable, open_session
from pipeline.sources.load import PlanSources
from pipeline.web.html import render_html

WORKERS = 4  # Graphviz and pandoc processes run at once


def plan_document(root: Path, sources: PlanSources, out_dir: Path | None = None, template: Path | None = None,
                  web_page: bool = True) -> Document:
    """Return the description of the plan of checked `sources`: its figures are drawn here."""
    original = template or root / "templates" / "verksamhetsplan.docx"
    cache = root / "build" / ".cache"
    shown = display_path(original, root)
    prepared = prepare_template(original, cache, shown)  # styles found by name, settings set, placeholders checked
    plan = sources.plan
    properties = {"title": plan.title, "subject": f"Verksamhetsplan och budget {plan.year}",
                  "author": plan.organisation, "date": plan.date,
                  "keywords": f"verksamhetsplan; budget; Södertörn; {plan.year}",
                  "category": "Beslutad" if plan.status == "beslutad" else f"Utkast {plan.version}"}
    figures = make_figures(sources, cache)
    docx_path, pdf_path = output_paths(root, sources.year, out_dir)
    outputs = (docx_path, pdf_path, html_path(root, sources.year, out_dir)) if web_page else (docx_path, pdf_path)
    return Document(root, str(sources.year), prepared, shown, build_context(sources), properties, figures, outputs,
                    target=display_path(pdf_path, root),
                    page=(lambda: make_html(root, sources, figures)) if web_page else None, contents=True)


def make_figures(sources: PlanSources, cache: Path) -> dict[str, list[Figure]]:
    """Return every figure the plan's texts refer to, rendered (one Figure per part).

    Graphviz runs for several figures at once (threads waiting on processes): a clean build
    renders all of them while LibreOffice starts.
    """
    names = sorted({name for text in sources.texts.values() for name in figure_names(text, cache)})
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return dict(zip(names, pool.map(lambda name: make_figure(name, sources, cache), names)))


def make_docx(root: Path, sources: PlanSources, template: Path | None = None) -> bytes:
    """Return the plan's DOCX bytes (its contents list without page numbers: no PDF was laid out)."""
    document = plan_document(root, sources, template=template, web_page=False)
    return fill_contents(with_pictures(document, render(document)))


def make_html(root: Path, sources: PlanSources, figures: dict[str, list[Figure]] | None = None) -> bytes:
    """Return the plan's web page (web.html): the same context, its own template, figures inline
    (those the plan's description drew, or drawn here)."""
    if figures is None:
        figures = make_figures(sources, root / "build" / ".cache")
    return render_html(root, sources, figures)


def build_outputs(root: Path, sources: PlanSources, soffice_url: str | None = None,
                  office=None) -> tuple[bytes, bytes]:
    """Return the DOCX and the normalised, proofread PDF of checked `sources` (nothing written).

    `office` is a LibreOffice session the caller holds; without one, one is started here (it boots
    while the DOCX is rendered).
    """
    with nullcontext(office) if office is not None else LibreOffice(soffice_url) as session:
        made = next(make([plan_document(root, sources, web_page=False)], session))
    return made.docx, made.pdf


def build(root: Path, years: list[int | str], out_dir: Path | None = None, docx_only: bool = False,
          soffice_url: str | None = None, office=None, digests: dict | None = None) -> Iterator[str]:
    """Build the plans of `years`; yield one Swedish progress line per written file.

    All years are checked before anything is written. One LibreOffice session serves every
    PDF of the run: it boots while the first DOCX is rendered, and converts each document
    while the next one is rendered and the previous one is normalised and written. `office`
    is a session (or the reason there is none) that the caller opened early and closes itself.
    `digests` are the inputs' digests taken before the build (see uptodate); they are recorded
    with the outputs.
    """
    own = office is None and not docx_only
    if own:
        office = open_session(soffice_url)
    out_dir = out_dir if len(years) == 1 else None
    try:
        digests = digests or {str(year): inputs_digest(root, year) for year in years}
        checked = check_all(root, years, follow_ups=False, round_file=False)
        if docx_only:
            yield from _docx_only(root, checked, out_dir, digests)
            return
        session = Unavailable(office) if isinstance(office, Exception) else office
        documents = (plan_document(root, sources, out_dir) for sources in checked)
        for made in make(documents, session, keep_docx=True):
            lines = write(made)
            remember(made.document.key, list(made.document.outputs), digests[made.document.key])
            yield from lines
    finally:
        if own and not isinstance(office, Exception):
            office.close()


def _docx_only(root: Path, checked: list[PlanSources], out_dir: Path | None, digests: dict) -> Iterator[str]:
    """Write each plan's DOCX alone (its contents list without page numbers)."""
    for sources in checked:
        docx_path, _ = output_paths(root, sources.year, out_dir)
        write_atomic(docx_path, make_docx(root, sources))
        remember(sources.year, [docx_path], digests[str(sources.year)])
        yield f"Skrev {display_path(docx_path, root)}"
