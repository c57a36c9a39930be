"""Where things are: a year's sources, a year's outputs, and paths as users see them.

Stdlib only: the command line uses it before anything heavy is imported.
"""

from __future__ import annotations

from pathlib import Path


def year_dir(root: Path, year: int | str) -> Path:
    """Return the folder of a year's sources."""
    return root / "sources" / str(year)


def output_paths(root: Path, year: int | str, out_dir: Path | None = None) -> tuple[Path, Path]:
    """Return the DOCX and PDF paths of a year's plan (in build/ÅR unless `out_dir` is given)."""
    folder = out_dir or root / "build" / str(year)
    return folder / f"verksamhetsplan-{year}.docx", folder / f"verksamhetsplan-{year}.pdf"


def html_path(root: Path, year: int | str, out_dir: Path | None = None) -> Path:
    """Return the path of a year's web page (beside the DOCX and PDF)."""
    return (out_dir or root / "build" / str(year)) / f"verksamhetsplan-{year}.html"


def display_path(path: Path, root: Path) -> str:
    """Return `path` relative to the project root when possible (as users see it)."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
