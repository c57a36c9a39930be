"""Orchestrator: load and check everything first, then render, convert and write.

    sources → load → checks → context → render (DOCX) → pdf (LibreOffice) → normalize → writer
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .checks import check_plan
from .errors import ConversionError, SourceErrors
from .context import build_context
from .figures import Figure, build_graph, referenced_figures, render_figure
from .load import PlanSources, load_plan
from .render import render_docx
from .templates import lint_template
from .uptodate import remember
from .writer import write_atomic


def check(root: Path, year: int | str) -> PlanSources:
    """Return the validated sources of `year`; raise SourceErrors listing every problem."""
    sources = load_plan(root, year)
    check_plan(sources)
    return sources


def output_paths(root: Path, year: int | str, out_dir: Path | None = None) -> tuple[Path, Path]:
    folder = out_dir or root / "build" / str(year)
    return folder / f"verksamhetsplan-{year}.docx", folder / f"verksamhetsplan-{year}.pdf"


def make_docx(root: Path, sources: PlanSources, template: Path | None = None) -> bytes:
    """Return the plan's DOCX bytes."""
    template = template or root / "templates" / "verksamhetsplan.docx"
    lint_template(template)
    plan = sources.plan
    properties = {"title": plan.title, "subject": f"Verksamhetsplan och budget {plan.year}",
                  "author": plan.organisation, "date": plan.date,
                  "keywords": f"verksamhetsplan; budget; Södertörn; {plan.year}",
                  "category": "Beslutad" if plan.status == "beslutad" else f"Utkast {plan.version}"}
    cache = root / "build" / ".cache"
    return render_docx(build_context(sources), template, properties, cache,
                       make_figures(sources, cache))


def make_figures(sources: PlanSources, cache: Path) -> dict[str, Figure]:
    """Return every figure the plan's texts refer to, rendered."""
    names = {name for text in sources.texts.values() for _, name in referenced_figures(text)}
    return {name: render_figure(build_graph(name, sources), cache) for name in sorted(names)}


def build_outputs(root: Path, year: int | str, soffice_url: str | None = None) -> tuple[PlanSources, bytes, bytes]:
    """Return the checked sources, the DOCX and the normalised PDF of `year` (nothing written)."""
    from .normalize import normalise_pdf
    from .pdf import LibreOffice
    sources = check(root, year)
    with LibreOffice(soffice_url) as office:  # boots while the DOCX is rendered
        data = make_docx(root, sources)
        return sources, data, normalise_pdf(office.convert(data), sources.plan)


def build(root: Path, years: list[int | str] | int | str, out_dir: Path | None = None,
          docx_only: bool = False, soffice_url: str | None = None, office=None) -> Iterator[str]:
    """Build the plans of `years`; yield one Swedish progress line per written file.

    All years are checked before anything is written. One LibreOffice session serves every
    PDF of the run: it boots while the first DOCX is rendered, and converts each document
    while the next one is rendered. `office` is a session (or the reason there is none)
    that the caller opened early and closes itself.
    """
    from .normalize import normalise_pdf
    from .pdf import LibreOffice, LibreOfficeMissing
    years = list(years) if isinstance(years, (list, tuple)) else [years]
    own = office is None and not docx_only
    if own:
        try:
            office = LibreOffice(soffice_url)
        except LibreOfficeMissing as exc:
            office = exc
    try:
        checked = _check_all(root, years)
        pending = None  # (sources, docx bytes, waiting function) of the document in LibreOffice
        for sources in checked + [None]:
            data = make_docx(root, sources) if sources is not None else None
            if pending is not None:
                yield from _finish(root, pending, out_dir if len(years) == 1 else None, normalise_pdf)
                pending = None
            if sources is None:
                break
            docx_path, _ = output_paths(root, sources.year, out_dir if len(years) == 1 else None)
            if docx_only:
                write_atomic(docx_path, data)
                remember(root, sources.year, [docx_path])
                yield f"Skrev {_show(docx_path, root)}"
                continue
            if isinstance(office, Exception):
                write_atomic(docx_path, data)
                raise ConversionError(f"Skrev {_show(docx_path, root)}, men ingen ny PDF: {office}")
            pending = (sources, data, _submit(root, office, data, docx_path))
    finally:
        if own and isinstance(office, LibreOffice):
            office.close()


def _submit(root: Path, office, data: bytes, docx_path: Path):
    """Hand a DOCX to LibreOffice; return the function that waits for its PDF."""
    try:
        return office.submit(data)
    except ConversionError as exc:
        write_atomic(docx_path, data)
        raise ConversionError(f"Skrev {_show(docx_path, root)}, men ingen ny PDF: {exc}") from exc


def _finish(root: Path, pending, out_dir: Path | None, normalise_pdf) -> Iterator[str]:
    """Wait for a submitted document's PDF, then write its DOCX and PDF."""
    sources, data, wait = pending
    docx_path, pdf_path = output_paths(root, sources.year, out_dir)
    try:
        pdf = normalise_pdf(wait(), sources.plan)
    except ConversionError as exc:
        # The DOCX is complete and valid: keep it, say plainly that the PDF is not updated.
        write_atomic(docx_path, data)
        raise ConversionError(f"Skrev {_show(docx_path, root)}, men ingen ny PDF: {exc}") from exc
    write_atomic(docx_path, data)
    write_atomic(pdf_path, pdf)
    remember(root, sources.year, [docx_path, pdf_path])
    yield f"Skrev {_show(docx_path, root)}"
    yield f"Skrev {_show(pdf_path, root)}"


def _check_all(root: Path, years: list[int | str]) -> list[PlanSources]:
    """Return the checked sources of every year, or raise with the problems of all of them."""
    checked, problems = [], []
    for year in years:
        try:
            checked.append(check(root, year))
        except SourceErrors as exc:
            problems += exc.problems
    if problems:
        raise SourceErrors(problems)
    return checked


def _show(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
