"""Yearly step: give every activity a stable identity (`id:`), for the follow-up (uppföljning).

An activity is every item of an `aktiviteter:` list that has an `aktivitet:` key: the development
activities under the goals (mal.yaml), the secretariat's assignments (kansliet.yaml) and Bilaga 1's
rows (kommunikationsplan.yaml). Its identity is written once, as the item's first key, and never
changes: it survives rewording, reordering and `new-year` (which copies the files).

The files are edited as text, not rewritten by a YAML library: the only change is one inserted
`id: …` line per activity (or `id: …, ` in a `{ … }` item); comments, order, quoting and line
breaks stay exactly as they were.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from pipeline.errors import PipelineError, Problem, SourceErrors
from pipeline.content.formatting import counted
from pipeline.paths import display_path, year_dir
from pipeline.sources.reading import read_yaml
from pipeline.infra.writer import write_atomic

# The files that hold activities, and the prefix of their identities.
ACTIVITY_FILES = {"mal.yaml": "m", "kansliet.yaml": "k", "kommunikationsplan.yaml": "b"}
LENGTH = 6  # hex digits after the prefix; more when two activities would share one


def add_identities(root: Path, year: int | str) -> list[str]:
    """Give every activity of `year` that has none an identity; return Swedish lines saying where."""
    base = year_dir(root, year)
    if not base.is_dir():
        raise PipelineError(f"{display_path(base, root)}: mappen saknas: det finns inga källfiler för {year}.")
    problems: list[Problem] = []
    texts: dict[Path, str] = {}
    for name in ACTIVITY_FILES:
        path = base / name
        if path.exists() and read_yaml(path, display_path(path, root), problems) is not None:
            texts[path] = path.read_text(encoding="utf-8")
    if problems:
        raise SourceErrors(problems)  # a file YAML cannot read is left as it is: say why
    taken = {ident for text in texts.values() for ident, _ in _activities(text) if ident}
    lines, changed = [], {}
    for path, text in texts.items():
        new, added = _with_identities(text, ACTIVITY_FILES[path.name], f"{year}/{path.name}", taken)
        if added:
            changed[path] = new
            lines.append(f"{display_path(path, root)}: {counted(added, 'aktivitet', 'aktiviteter')} fick en "
                         "identitet (id).")
    for path, text in changed.items():
        write_atomic(path, text.encode("utf-8"))
    if not changed:
        lines.append(f"Alla aktiviteter i {display_path(base, root)} har redan en identitet; inget ändrades.")
    return lines


def _activities(text: str) -> list[tuple[str | None, yaml.MappingNode]]:
    """(id or None, the item's node) of every activity in a YAML text, in file order."""
    out = []

    def visit(node, key: str | None) -> None:
        if isinstance(node, yaml.MappingNode):
            keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            if key == "aktiviteter" and "aktivitet" in keys:
                ident = keys.get("id")
                out.append((ident.value if isinstance(ident, yaml.ScalarNode) else None, node))
            for k, v in node.value:
                visit(v, k.value if isinstance(k, yaml.ScalarNode) else None)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item, key)
    visit(yaml.compose(text, Loader=yaml.SafeLoader), None)
    return out


def _with_identities(text: str, prefix: str, seed: str, taken: set[str]) -> tuple[str, int]:
    """Return the text with an `id:` inserted before the first key of each activity without one."""
    inserts = []
    newline = "\r\n" if "\r\n" in text else "\n"
    for ident, node in _activities(text):
        if ident is not None:
            continue
        first_key = node.value[0][0]
        activity = next(v for k, v in node.value if k.value == "aktivitet")
        wording = activity.value if isinstance(activity, yaml.ScalarNode) else str(activity.start_mark.index)
        new = new_identity(prefix, f"{seed}\0{first_key.start_mark.line}\0{wording}", taken)
        mark = first_key.start_mark
        if node.flow_style:
            inserts.append((mark.index, f"id: {new}, "))
        else:
            inserts.append((mark.index, f"id: {new}{newline}{' ' * mark.column}"))
    for index, insert in sorted(inserts, reverse=True):
        text = text[:index] + insert + text[index:]
    return text, len(inserts)


def new_identity(prefix: str, seed: str, taken: set[str]) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    for length in range(LENGTH, len(digest) + 1):
        candidate = f"{prefix}-{digest[:length]}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise AssertionError("unreachable: a SHA-256 prefix is unique within its own digest")
