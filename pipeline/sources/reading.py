"""Read stage: turn source files into plain data, remembering the line of every key.

Every failure here becomes a `Problem` (file, line, Swedish message); nothing raises
past `read_yaml`/`read_text` for bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Problem
from pipeline.sources.model import illegal_character, illegal_character_message

MAX_SOURCE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 60

Loc = tuple[str | int, ...]


@dataclass
class SourceFile:
    """Parsed YAML with a line number for every key path (1-based)."""

    display: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    # After items that did not validate were left out (load.validate): for each list path, the
    # original indices of the items kept, so that a rule's key path points into the file as written.
    kept: dict[Loc, list[int]] = field(default_factory=dict)
    # Key paths (of the file as written) whose value had an error and stands in the model only as a
    # placeholder (load.validate): the rules leave them to their own message (PlanSources.known).
    unknown: set[Loc] = field(default_factory=set)
    # A misspelt key read as the key it was meant to be (load.validate): meant → as written.
    renamed: dict[Loc, Loc] = field(default_factory=dict)

    def original(self, loc: Loc) -> Loc:
        """Return a key path of the validated (possibly pruned) data as a key path of the file."""
        out: list = []
        for part in loc:
            if isinstance(part, int) and tuple(out) in self.kept:
                indices = self.kept[tuple(out)]
                part = indices[part] if part < len(indices) else part
            out.append(part)
        return tuple(out)

    def line_of(self, loc: Loc) -> int | None:
        """Return the line of the deepest part of `loc` that exists in the file."""
        loc = next((old + tuple(loc[len(new):]) for new, old in self.renamed.items()
                    if tuple(loc[: len(new)]) == new), loc)
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def format_loc(loc: Loc) -> str:
    """Return a key path as users write it: `kostnader[2].belopp`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = shown_key(part)
            out += f".{part}" if out else part
    return out


def shown_key(key: object) -> str:
    """Return a key as a message can show it: a blank or invisible key as its escaped form in quotes."""
    text = str(key)
    if text.strip() == text and text and text.isprintable():
        return text
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def read_text(path: Path, display: str, problems: list[Problem]) -> str | None:
    """Return the UTF-8 text of a file, or None after recording why it cannot be read."""
    if not path.exists():
        problems.append(Problem(display, "filen saknas."))
        return None
    if path.is_dir():
        problems.append(Problem(display, "är en mapp, men här ska det vara en fil."))
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(display, f"filen kan inte läsas ({exc.strerror})."))
        return None
    if len(raw) > MAX_SOURCE_BYTES:
        problems.append(Problem(display, f"filen är för stor ({len(raw)} byte, högst {MAX_SOURCE_BYTES})."))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(display, "filen är inte sparad som UTF-8 (ogiltig byte "
                                f"0x{raw[exc.start]:02x}); spara den som UTF-8.", line=line))
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        problems.append(Problem(display, "filen är tom."))
        return None
    bad = illegal_character(text)
    if bad:
        problems.append(Problem(display, f"{illegal_character_message(bad.group())}.",
                                line=text[: bad.start()].count("\n") + 1))
        return None
    return text


def read_yaml(path: Path, display: str, problems: list[Problem]) -> SourceFile | None:
    """Return the parsed YAML file, or None after recording every problem found."""
    text = read_text(path, display, problems)
    if text is None:
        return None
    loader = None
    try:
        loader = _Loader(text)  # refuses characters YAML cannot carry (ReaderError)
        node = loader.get_single_node()
        if node is None:
            problems.append(Problem(display, "filen innehåller inga uppgifter."))
            return None
        lines: dict[Loc, int] = {}
        own = len(problems)
        _index_node(node, (), lines, display, problems, [0])
        if len(problems) > own:
            return None
        try:
            data = loader.construct_document(node)
        except (ValueError, TypeError, OverflowError):
            # e.g. 2024-02-30: YAML reads it as a date, and no such day exists
            found = list(_unconstructible(node, ()))
            for bad, loc in found:
                what = ("är inget giltigt datum (finns dagen i den månaden?); skriv ÅÅÅÅ-MM-DD"
                        if bad.tag.endswith(":timestamp") else "kan inte läsas som ett värde")
                problems.append(Problem(display, f"'{bad.value}' {what}.", line=bad.start_mark.line + 1,
                                        key=format_loc(loc)))
            if not found:
                problems.append(Problem(display, "ett värde kan inte läsas."))
            return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.append(Problem(display, f"YAML-syntaxfel: {_swedish_yaml_problem(exc, text)}",
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None))
        return None
    except yaml.reader.ReaderError as exc:
        problems.append(Problem(display, f"{illegal_character_message(chr(exc.character))}.",
                                line=text[: exc.position].count("\n") + 1))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display, f"YAML-syntaxfel: {exc}"))
        return None
    except RecursionError:
        problems.append(Problem(display, "strukturen är för djupt nästlad."))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return SourceFile(display, data, lines)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (2025-02-30) as its text.

    The model then reports it at its key path as a date written wrong, and the rest of the
    file is still checked, instead of the whole file failing to load.
    """

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _unconstructible(node: yaml.Node, loc: Loc):
    """Yield (scalar, key path) of every value SafeLoader cannot construct (e.g. 2025-02-30)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.SafeLoader("").construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            yield node, loc
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            yield from _unconstructible(child, loc + (i,))
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _unconstructible(value, loc + (key.value if isinstance(key, yaml.ScalarNode) else "?",))


def _index_node(node: yaml.Node, loc: Loc, lines: dict[Loc, int], display: str,
                problems: list[Problem], count: list[int]) -> None:
    """Record the line of every key path below `node`; flag duplicates and explosions."""
    count[0] += 1
    if count[0] > MAX_NODES or len(loc) > MAX_DEPTH:
        if count[0] == MAX_NODES + 1 or len(loc) == MAX_DEPTH + 1:
            problems.append(Problem(display, "strukturen är för stor eller för djupt nästlad "
                                    "(kontrollera alias och ankare, & och *).",
                                    line=node.start_mark.line + 1, key=format_loc(loc)))
        count[0] = MAX_NODES + 2
        return
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(display, "en nyckel måste vara en enkel text.",
                                        line=key_node.start_mark.line + 1, key=format_loc(loc)))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(Problem(display, "sammanslagning med '<<' stöds inte; skriv ut nycklarna.",
                                        line=key_node.start_mark.line + 1, key=format_loc(loc)))
                continue
            if key in seen:
                problems.append(Problem(display, f"nyckeln '{key}' förekommer två gånger "
                                        f"(första gången på rad {seen[key]}).",
                                        line=key_node.start_mark.line + 1, key=format_loc(loc + (key,))))
                continue
            seen[key] = key_node.start_mark.line + 1
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _index_node(value_node, loc + (key,), lines, display, problems, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_node(item, loc + (i,), lines, display, problems, count)


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "kolon på fel ställe (sätt texten inom citattecken om den innehåller ': ')",
    "could not find expected ':'": "kolon saknas efter nyckeln",
    "found character '\\t' that cannot start any token": "tabbtecken i indraget; dra in med mellanslag",
    "found undefined alias": "aliaset (*namn) saknar motsvarande ankare (&namn)",
    "expected <block end>, but found '-'": "listpunkten har fel indrag",
    "did not find expected key": "indraget stämmer inte (en nyckel eller listpunkt står fel)",
    "found unexpected end of stream": "filen tar slut mitt i ett värde (saknas ett citattecken?)",
    "expected a single document in the stream": "filen får bara innehålla ett dokument (ta bort '---')",
    "expected the node content, but found '<stream end>'":
        "filen tar slut mitt i ett värde (saknas en avslutande hakparentes, klammerparentes eller ett citattecken?)",
    "expected ',' or ']'": "en lista inom hakparenteser [ ] är inte avslutad, eller har ett kolon eller en "
                           "parentes inuti; sätt texten inom citattecken",
    "expected ',' or '}'": "en samling inom klammerparenteser { } är inte avslutad; sätt texten inom citattecken",
    "found unknown escape character": "okänd kombination med \\ inom dubbla citattecken; använd enkla "
                                      "citattecken runt texten",
    "found character that cannot start any token": "tecknet kan inte inleda ett värde (t.ex. @, ` eller %); "
                                                   "sätt texten inom citattecken",
    "expected <block end>, but found": "indraget stämmer inte (en rad står för långt in eller ut)",
    "did not find expected '-' indicator": "listpunkten har fel indrag",
    "found undefined tag handle": "ett utropstecken (!) inleder värdet; sätt texten inom citattecken",
    "could not determine a constructor": "ett utropstecken (!) inleder värdet; sätt texten inom citattecken",
    "found duplicate anchor": "samma ankare (&namn) förekommer två gånger",
    "found unexpected ':'": "kolon på fel ställe (sätt texten inom citattecken om den innehåller ': ')",
    "expected alphabetic or numeric character": "ett ankare eller alias (& eller *) saknar namn; sätt texten "
                                                "inom citattecken",
    "found a tab character": "tabbtecken i indraget; dra in med mellanslag",
}


def _swedish_yaml_problem(exc: yaml.MarkedYAMLError, text: str = "") -> str:
    """Return a Swedish description of a YAML syntax error, keeping the original as a hint."""
    problem = (exc.problem or exc.context or "okänt fel").strip()
    mark = exc.problem_mark
    if problem.startswith("found character '\\t'") and mark is not None:
        line = text.split("\n")[mark.line] if mark.line < text.count("\n") + 1 else ""
        if line[: mark.column].strip():  # something stands before the tab: it is not indentation
            return ("tabbtecken i ett värde eller efter ett kolon; byt tabben mot ett mellanslag "
                    "(eller sätt texten inom citattecken om tabben ska vara kvar)")
    for english, swedish in _YAML_PROBLEMS.items():
        if problem.startswith(english):
            return swedish
    character = re.match(r"found character '(.+)' that cannot start any token", problem)
    if character:
        return f"tecknet {character.group(1)} kan inte inleda ett värde; sätt texten inom citattecken"
    return ("raden kan inte läsas; kontrollera den och raden före: indrag med mellanslag, citattecken runt "
            "en text som innehåller kolon eller börjar med ett specialtecken, hakparenteser som stängs")
