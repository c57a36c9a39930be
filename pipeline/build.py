"""Orchestrator: load and check everything first, then render, convert and write.

    sources → load → checks → context → render (DOCX) → pdf (LibreOffice) → normalize → writer
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .checks import check_plan
from .errors import ConversionError
from .context import build_context
from .figures import Figure, build_graph, referenced_figures, render_figure
from .load import PlanSources, load_plan
from .render import render_docx
from .templates import lint_template
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
    from .pdf import convert_to_pdf
    sources = check(root, year)
    data = make_docx(root, sources)
    return sources, data, normalise_pdf(convert_to_pdf(data, soffice_url=soffice_url), sources.plan)


def build(root: Path, year: int | str, out_dir: Path | None = None, docx_only: bool = False,
          soffice_url: str | None = None) -> Iterator[str]:
    """Build the plan of `year`; yield one Swedish progress line per written file."""
    sources = check(root, year)
    docx_path, pdf_path = output_paths(root, year, out_dir)
    data = make_docx(root, sources)
    if docx_only:
        write_atomic(docx_path, data)
        yield f"Skrev {_show(docx_path, root)}"
        return
    from .normalize import normalise_pdf
    from .pdf import convert_to_pdf
    try:
        pdf = normalise_pdf(convert_to_pdf(data, soffice_url=soffice_url), sources.plan)
    except ConversionError as exc:
        # The DOCX is complete and valid: keep it, say plainly that the PDF is not updated.
        write_atomic(docx_path, data)
        raise ConversionError(f"Skrev {_show(docx_path, root)}, men ingen ny PDF: {exc}") from exc
    write_atomic(docx_path, data)
    write_atomic(pdf_path, pdf)
    yield f"Skrev {_show(docx_path, root)}"
    yield f"Skrev {_show(pdf_path, root)}"


def _show(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
