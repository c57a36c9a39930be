"""Helpers for tests that edit a copy of the sources and look at the problems reported."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.checks.run import check
from pipeline.errors import SourceErrors


def problems(root: Path, year: int = 2024) -> list[str]:
    """Return the problem lines of `check` for the project at `root` ([] when it passes)."""
    try:
        check(root, year)
    except SourceErrors as exc:
        return [str(p) for p in exc.problems]
    return []


def edit_yaml(root: Path, name: str, change) -> None:
    """Load sources/2024/NAME (or gemensamt/NAME), let `change` edit the data, write it back."""
    path = root / "sources" / ("gemensamt" if name in ("kommuner.yaml", "natverk.yaml") else "2024") / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def replace_in(root: Path, relative: str, old: str, new: str) -> Path:
    """Replace one occurrence of `old` in a source file (keeping its layout and comments)."""
    path = root / "sources" / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} finns inte i {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(root: Path, relative: str, needle: str) -> int:
    text = (root / "sources" / relative).read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1
