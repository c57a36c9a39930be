"""Editing a YAML source file the way a careful person would: only what was changed changes.

The file is read with ruamel.yaml's round trip (comments, key order, quoting, flow lists and blank
lines kept in the document) and written back through it. What ruamel would still write differently
from the file as it is (an indentation it cannot tell, a quirk of its emitter) is not let through:
`merged` puts ruamel's output of the edited document against its output of the unedited one, and
takes from the original file every line the edit did not touch, so that a line not edited stays byte
for byte as it was, whatever ruamel does. Line endings (LF or CRLF) and a byte order mark are kept.

The values are set so that they keep their look: a quoted text stays quoted the same way, a flow
list `[2024, 2025]` stays one, a key's end-of-line comment stays on its line, and a new key goes
where the model has it, after the keys that come before it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, ScalarString

# Indentations tried on reading (mapping, sequence, offset): the one that writes the file back unchanged wins.
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 2), (4, 4, 0), (3, 5, 3), (4, 6, 2))

__all__ = ["Document", "YAMLError", "CommentedMap", "CommentedSeq", "merged", "put_trailer", "quoted", "rearranged",
           "set_value", "take_trailer"]


def _yaml(indent: tuple[int, int, int]) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 30  # never fold a long line
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


class Document:
    """One YAML file's text and its round-trip document."""

    def __init__(self, text: str):
        self.bom = text.startswith("\ufeff")
        body = text.removeprefix("\ufeff")
        self.newline = "\r\n" if "\r\n" in body else "\n"
        self.original = text
        self.text = body.replace("\r\n", "\n")
        best = None
        for indent in INDENTS:
            data = _yaml(indent).load(self.text)  # raises YAMLError for a file that is no YAML
            out = _dump(data, indent)
            if out == self.text:
                best = (indent, data, out)
                break
            changed = sum(1 for line in difflib.ndiff(self.text.splitlines(), out.splitlines()) if line[:1] in "+-")
            if best is None or changed < best[3]:
                best = (indent, data, out, changed)
        self.indent, self.data, self.unedited = best[0], best[1], best[2]

    def dump(self) -> str:
        """The file with the document's changes, as bytes-to-be (its own line endings and BOM)."""
        text = merged(self.unedited, self.text, _dump(self.data, self.indent))
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return ("\ufeff" if self.bom else "") + text


def _dump(data: Any, indent: tuple[int, int, int]) -> str:
    out = io.StringIO()
    _yaml(indent).dump(data, out)
    return out.getvalue()


def merged(base: str, ours: str, theirs: str, strict: bool = False) -> str | None:
    """Three-way merge by lines: `ours` (the file) and `theirs` (the edit) each changed `base` (ruamel's
    writing of the file); where only one changed a line, its version is taken, where both did, the edit's
    (with `strict`: None, unless both made the same change)."""
    if base == ours:
        return theirs
    if base == theirs:
        return ours
    b, o, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    changes = sorted([(*c, "o") for c in _changes(b, o)] + [(*c, "t") for c in _changes(b, t)],
                     key=lambda c: (c[0], c[1]))
    groups: list[list] = []
    for change in changes:
        if groups:
            group = groups[-1]
            start, end = group[0][0], max(c[1] for c in group)
            inserted_here = change[0] == change[1] == end and any(c[0] == c[1] == end for c in group)
            if change[0] < end or inserted_here or change[0] == start == end:
                group.append(change)
                continue
        groups.append([change])
    out: list[str] = []
    at = 0
    for group in groups:
        start, end = group[0][0], max(c[1] for c in group)
        side = "t" if any(c[3] == "t" for c in group) else "o"
        if strict and {c[3] for c in group} == {"o", "t"} and \
                _apply(b, start, end, [c[:3] for c in group if c[3] == "o"]) != \
                _apply(b, start, end, [c[:3] for c in group if c[3] == "t"]):
            return None
        out.extend(b[at:start])
        out.extend(_apply(b, start, end, [c[:3] for c in group if c[3] == side]))
        at = end
    out.extend(b[at:])
    return "".join(out)


def _changes(a: list[str], b: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, new lines) in `a` of each change that makes `b`."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i1, i2, b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _apply(base: list[str], start: int, end: int, changes: list[tuple[int, int, list[str]]]) -> list[str]:
    out, at = [], start
    for c_start, c_end, lines in sorted(changes, key=lambda c: (c[0], c[1])):
        out.extend(base[at:c_start])
        out.extend(lines)
        at = max(at, c_end)
    out.extend(base[at:end])
    return out


# --- setting values so that they keep their look ------------------------------------------------------

def quoted(text: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(text)


def styled(old: Any, new: Any) -> Any:
    """`new` written as `old` was: a quoted text stays quoted the same way."""
    if isinstance(new, (dt.date, int)) and not isinstance(new, bool) and isinstance(old, ScalarString) \
            and type(old).__name__.endswith("QuotedScalarString"):
        return type(old)(new.isoformat() if isinstance(new, dt.date) else str(new))  # '2031-05-05' stays quoted
    if isinstance(new, str) and isinstance(old, LiteralScalarString) and old.endswith("\n") \
            and not new.endswith("\n"):
        new += "\n"  # a form field drops the final line break: `kommentar: |` stays `|`, not `|-`
    if isinstance(new, str) and isinstance(old, ScalarString) and type(old) is not ScalarString and old != "":
        if "\n" not in new or not type(old).__name__.endswith("QuotedScalarString"):
            return type(old)(new)
    return new


def set_value(parent: CommentedMap | CommentedSeq, key: Any, new: Any, order: list | None = None) -> None:
    """Set `parent[key]` to `new`, keeping the old value's style; a list is changed in place (its flow
    style and comments stay). A new key in a mapping goes after the keys `order` has before it."""
    if isinstance(parent, CommentedMap) and key not in parent:
        position = len(parent)
        if order is not None and key in order:
            before = set(order[: order.index(key)])
            position = 0
            for n, existing in enumerate(parent):
                if existing in before:
                    position = n + 1
        gap = take_trailer(parent) if position == len(parent) else None  # the blank line after the last key
        parent.insert(position, key, _fresh(new))
        put_trailer(parent, gap)
        return
    old = parent[key]
    if isinstance(new, list) and isinstance(old, CommentedSeq):
        for n, item in enumerate(new):
            if n < len(old):
                if not _same(old[n], item):
                    old[n] = styled(old[n], _fresh(item))
            else:
                old.append(_fresh(item))
        while len(old) > len(new):
            del old[len(old) - 1]
        return
    new = styled(old, _fresh(new))
    if isinstance(parent, CommentedMap) and isinstance(old, ScalarString) and not isinstance(new, ScalarString):
        # ruamel would keep the old quoting (its __setitem__); an empty '' left by a new item should not stay
        from ruamel.yaml.compat import ordereddict
        ordereddict.__setitem__(parent, key, new)
        parent._ok.add(key)
        return
    parent[key] = new


def _fresh(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, ScalarString) and _needs_quotes(value):
        return DoubleQuotedScalarString(value)  # as the sources quote: "*", "13:00"
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq(_fresh(v) for v in value)
        if value and all(isinstance(v, int) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        return CommentedMap((k, _fresh(v)) for k, v in value.items())
    return value


def _needs_quotes(text: str) -> bool:
    out = io.StringIO()
    _yaml(INDENTS[0]).dump({"k": text}, out)
    written = out.getvalue()
    if not written.startswith("k: " + text.split("\n")[0][:1]) or written.startswith("k: '"):
        return True
    # ruamel writes YAML 1.2, the check reads with PyYAML (YAML 1.1): there "yes", "off" and "12:30" are no texts
    try:
        return pyyaml.safe_load(written) != {"k": text}
    except pyyaml.YAMLError:
        return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (dt.date, int, bool, float)) or isinstance(b, (dt.date, int, bool, float)):
        return type(a) is type(b) and a == b or (str(a) == str(b) and isinstance(a, str) == isinstance(b, str))
    return a == b


# --- the blank lines and comments between list items -------------------------------------------------------

def trailer_slot(node: Any) -> tuple[Any, Any, int] | None:
    """Where ruamel keeps what follows the last line of `node` (blank lines, a comment before the next
    item): (container, key, index into its comment list), or None."""
    if isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not _flow(value):
            return trailer_slot(value)
        return node, key, 2
    if isinstance(node, CommentedSeq) and len(node) and not _flow(node):
        value = node[len(node) - 1]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not _flow(value):
            return trailer_slot(value)
        return node, len(node) - 1, 0
    return None


def _flow(node: Any) -> bool:
    return bool(getattr(node, "fa", None) and node.fa.flow_style())


def take_trailer(node: Any):
    """Remove and return what follows `node`'s last line (None if nothing)."""
    slot = trailer_slot(node)
    if slot is None:
        return None
    container, key, index = slot
    entry = container.ca.items.get(key)
    if not entry or len(entry) <= index or entry[index] is None:
        return None
    token = entry[index]
    value = token.value
    # an end-of-line comment on the last line stays with it; only the lines after it travel
    first, newline, rest = value.partition("\n")
    if first.strip():
        if not rest:
            return None
        token.value = first + newline
        return rest
    entry[index] = None
    return value[len(first) + 1:] if first == "" else value


def put_trailer(node: Any, text: str | None) -> None:
    """Let `text` (from take_trailer) follow `node`'s last line."""
    if not text:
        return
    from ruamel.yaml.tokens import CommentToken
    from ruamel.yaml.error import CommentMark
    slot = trailer_slot(node)
    if slot is None:
        return
    container, key, index = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None] if isinstance(container, CommentedMap)
                                          else [None, None])
    while len(entry) <= index:
        entry.append(None)
    if entry[index] is not None and entry[index].value.strip():
        entry[index].value = entry[index].value.rstrip("\n") + "\n" + text
    else:
        entry[index] = CommentToken("\n" + text, CommentMark(0), None)


def rearranged(seq: CommentedSeq, change) -> None:
    """Run `change(seq)` (add, remove or move items) keeping the blank lines and comments between the
    items where they were: the n-th gap stays the n-th gap, the one after the last stays after the last."""
    n = len(seq)
    gaps = [take_trailer(seq[i]) for i in range(n)]
    change(seq)
    m = len(seq)
    if not m:
        return
    if n:
        last = gaps[-1]
        inner = gaps[:-1]
        for i in range(m - 1):
            gap = inner[i] if i < len(inner) else (inner[-1] if inner else None)
            put_trailer(seq[i], gap)
        put_trailer(seq[m - 1], last)
