"""Load stage: read every source file of a plan year and validate it against the model.

Returns a `PlanSources` bundle, or raises `SourceErrors` with every problem at once.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.sources import model as m
from pipeline.errors import Problem, SourceErrors
from pipeline.paths import display_path, year_dir
from pipeline.sources.reading import Loc, SourceFile, format_loc, read_text, read_yaml, shown_key

SHARED_DIR = "gemensamt"
ROUND_FILE = "remiss.yaml"  # optional: the year's draft round (yearly/round.py)
FOLLOW_UP_PREFIX = "uppfoljning-"  # optional: uppfoljning-helar.yaml, uppfoljning-delar.yaml (documents/followup.py)

# Which file holds the data that a chapter's or appendix's `innehåll` refers to.
CONTENT_FILES: dict[str, tuple[str, type[m.Model]]] = {
    "mål": ("mal.yaml", m.GoalsFile),
    "kansliet": ("kansliet.yaml", m.SecretariatFile),
    "organisation": ("organisation.yaml", m.OrganisationFile),
    "kalendarium": ("kalendarium.yaml", m.CalendarFile),
    "budget": ("budget.yaml", m.BudgetFile),
    "kommunikationsplan": ("kommunikationsplan.yaml", m.CommPlanFile),
}


@dataclass
class PlanSources:
    """Everything one plan is made of, validated, with the files for line look-ups.

    From `read_plan`, a part that could not be read or validated is None (its problems are in
    `problems`), so that the checks can still look at everything else; once checks.run.check has
    passed, every part is there.
    """

    year: int
    root: Path
    plan: m.Plan | None
    municipalities: m.MunicipalitiesFile | None
    networks: m.NetworksFile | None
    collaboration: m.CollaborationFile | None
    content: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    files: dict[str, SourceFile] = field(default_factory=dict)
    text_paths: dict[str, str] = field(default_factory=dict)  # text key → path as users see it
    problems: list[Problem] = field(default_factory=list)
    round: m.RoundFile | None = None  # remiss.yaml, when the year has a draft round (see yearly/round.py)
    # uppfoljning-*.yaml: follow-up occasion ("helar" of uppfoljning-helar.yaml) → its data (documents/followup.py)
    follow_ups: dict[str, m.FollowUpFile | None] = field(default_factory=dict)
    follow_up_problems: list[Problem] = field(default_factory=list)  # apart: the plan builds without them
    round_problems: list[Problem] = field(default_factory=list)  # reading remiss.yaml; apart, like the follow-ups'

    def problem(self, name: str, loc: Loc, message: str) -> Problem:
        """Return a problem located at `loc` in the source file keyed `name`."""
        source = self.files[name]
        loc = source.original(loc)
        return Problem(source.display, message, line=source.line_of(loc), key=format_loc(loc))

    def known(self, name: str, *locs: Loc, inside: bool = True) -> bool:
        """Return whether the values at `locs` of the file keyed `name` can be used by a rule.

        A value that had an error (or is still a to-do) stands in the model as a placeholder and has
        its own message; a rule that needs it says nothing. With `inside`, a value is unknown too when
        anything within it is (a list whose one amount is wrong has no known sum)."""
        source = self.files.get(name)
        if source is None or not source.unknown:
            return True
        for loc in locs:
            loc = source.original(loc)
            for wrong in source.unknown:
                if loc[: len(wrong)] == wrong or inside and wrong[: len(loc)] == loc:
                    return False
        return True

    @property
    def complete(self) -> bool:
        return not self.problems and None not in (self.plan, self.municipalities, self.networks,
                                                  self.collaboration) and None not in self.content.values()


def read_plan(root: Path, year: int | str) -> PlanSources:
    """Read and validate every source of `year`, each as far as it can be; never raise for bad input.

    A file that cannot be parsed is one problem and None; every other file is still read, so
    that `check` can report every problem of every file in one run.
    """
    problems: list[Problem] = []
    base = year_dir(root, year)
    shared = root / "sources" / SHARED_DIR
    number = int(year) if str(year).isdigit() else 0
    if not base.is_dir():
        problems.append(Problem(display_path(base, root), f"mappen saknas: det finns inga källfiler för {year}."))
        return PlanSources(number, root, None, None, None, None, problems=problems)
    files: dict[str, SourceFile] = {}

    def load(name: str, path: Path, cls: type[m.Model], partial: bool = True) -> Any:
        source = read_yaml(path, display_path(path, root), problems)
        if source is None:
            return None
        files[name] = source
        return validate(source, cls, problems, partial)

    def shared_file(name: str) -> Path:
        # A year may carry its own version of shared data (a new programme, new networks).
        return base / name if (base / name).exists() else shared / name

    plan = load("plan", base / "plan.yaml", m.Plan)
    # A mistake in plan.yaml (a chapter's `innehåll` misspelt) must not hide the files it would show.
    plan_has_problems = plan is None or any(p.file == files["plan"].display for p in problems)
    municipalities = load("kommuner", shared_file("kommuner.yaml"), m.MunicipalitiesFile)
    networks = load("natverk", shared_file("natverk.yaml"), m.NetworksFile)
    collaboration = load("samverkan", shared_file("samverkan.yaml"), m.CollaborationFile)

    content: dict[str, Any] = {}
    texts: dict[str, str] = {}
    text_paths: dict[str, str] = {}
    if plan is not None:
        if str(plan.year) != str(year) and not files["plan"].unknown & {("år",)}:
            problems.append(Problem(files["plan"].display, f"året {plan.year} stämmer inte med "
                                    f"mappen {year}; skriv år: {year} eller flytta filerna till "
                                    f"sources/{plan.year}/.", line=files["plan"].line_of(("år",)), key="år"))
        wanted = [c.content for c in plan.chapters] + [a.content for a in plan.appendices]
        if plan_has_problems:
            wanted += [key for key, (filename, _) in CONTENT_FILES.items() if (base / filename).exists()]
        for key in dict.fromkeys(w for w in wanted if w):
            filename, cls = CONTENT_FILES[key]
            content[key] = load(filename.removesuffix(".yaml"), base / filename, cls)
        named = [(("kapitel", i, "text"), c.text) for i, c in enumerate(plan.chapters) if c.text]
        named += [(("bilagor", i, "text"), a.text) for i, a in enumerate(plan.appendices) if a.text]
        named = [(files["plan"].original(loc), relative) for loc, relative in named]
        if plan_has_problems:  # also the texts of chapters and appendices that did not validate
            named += [(loc, relative) for loc, relative in _texts_written(files["plan"].data)
                      if relative not in {r for _, r in named}]
        for loc, relative in named:
            text = _load_markdown(root, base, relative, files["plan"], loc, problems)
            if text is not None:
                texts[relative] = text
                text_paths[relative] = display_path(base / relative, root)
        raw = files["plan"].data
        if plan_has_problems and not (isinstance(raw.get("kapitel"), list) and isinstance(raw.get("bilagor", []), list)):
            _read_every_text(root, base, texts, text_paths, problems)  # which texts it names cannot be told
    else:
        # plan.yaml is broken: still validate every content file present, and look at every
        # Markdown text of the year, so that all problems are reported in one run.
        for key, (filename, cls) in CONTENT_FILES.items():
            if (base / filename).exists():
                content[key] = load(filename.removesuffix(".yaml"), base / filename, cls)
        _read_every_text(root, base, texts, text_paths, problems)
    # The round's and the follow-ups' problems are kept apart: `check` reports them, but the plan
    # does not need either, so they do not stop its build.
    plan_problems = problems[:]
    round_file = load("remiss", base / ROUND_FILE, m.RoundFile, partial=False) if (base / ROUND_FILE).exists() \
        else None
    round_problems = problems[len(plan_problems):]
    del problems[len(plan_problems):]
    follow_ups = {path.stem.removeprefix(FOLLOW_UP_PREFIX): load(path.stem, path, m.FollowUpFile)
                  for path in sorted(base.glob(f"{FOLLOW_UP_PREFIX}*.yaml"))}
    follow_up_problems = problems[len(plan_problems):]
    return PlanSources(number, root, plan, municipalities, networks, collaboration, content, texts, files,
                       text_paths, plan_problems, round_file, follow_ups, follow_up_problems, round_problems)


def _read_every_text(root: Path, base: Path, texts: dict[str, str], text_paths: dict[str, str],
                     problems: list[Problem]) -> None:
    """Read every Markdown text of the year's folder not read yet."""
    for path in sorted(base.rglob("*.md")):
        relative = path.relative_to(base).as_posix()
        if relative in texts or display_path(path, root) in text_paths.values():
            continue
        text = read_text(path, display_path(path, root), problems)
        if text is not None:
            texts[relative], text_paths[relative] = text, display_path(path, root)


def _texts_written(data: Any) -> list[tuple[Loc, str]]:
    """(key path, path) of every `text:` of a chapter or appendix as plan.yaml writes it, valid or not."""
    found = []
    for section in ("kapitel", "bilagor"):
        items = data.get(section) if isinstance(data, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            text = item.get("text") if isinstance(item, dict) else None
            if isinstance(text, str) and text.strip() and not text.strip().upper().startswith(TODO_MARK):
                found.append(((section, i, "text"), text.strip()))
    return found


def _load_markdown(root: Path, base: Path, relative: str, plan_file: SourceFile, loc: Loc,
                   problems: list[Problem]) -> str | None:
    """Return the text of a Markdown file named in plan.yaml (relative to the year's folder), or None."""
    path = base / relative
    line, key = plan_file.line_of(loc), format_loc(loc)
    try:
        inside = path.resolve().is_relative_to((root / "sources").resolve())
        exists = path.exists()
    except (OSError, ValueError) as exc:  # a name too long, or with a NUL in it
        problems.append(Problem(plan_file.display, f"'{relative[:40]}…' kan inte vara ett filnamn "
                                f"({getattr(exc, 'strerror', None) or exc}); skriv sökvägen till en Markdown-fil.",
                                line=line, key=key))
        return None
    if not inside:
        problems.append(Problem(plan_file.display, "filen måste ligga under mappen sources/.", line=line, key=key))
        return None
    if not exists:
        hint = ""
        if (root / "sources" / relative).is_file():  # the rule before 2026-11: appendices counted from sources/
            hint = (f" Sökvägar i plan.yaml räknas från årets mapp ({display_path(base, root)}/); "
                    f"skriv '../{relative}'.")
        elif path.parent.is_dir():
            near = difflib.get_close_matches(path.name, [p.name for p in path.parent.iterdir()], n=1)
            hint = f" Menade du '{(Path(relative).parent / near[0]).as_posix()}'?" if near else ""
        problems.append(Problem(plan_file.display, f"filen {display_path(path, root)} finns inte.{hint}",
                                line=line, key=key))
        return None
    return read_text(path, display_path(path, root), problems)


TODO_MARK = "ATT GÖRA"


def todo_locations(data: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Return (key path, what to do) of every "ATT GÖRA: ..." value left in a source file."""
    if isinstance(data, str) and data.strip().upper().startswith(TODO_MARK):
        return [(loc, data.strip()[len(TODO_MARK):].lstrip(" :–-") or "värdet saknas")]
    if isinstance(data, dict):
        return [t for k, v in data.items() for t in todo_locations(v, loc + (k,))]
    if isinstance(data, list):
        return [t for i, v in enumerate(data) for t in todo_locations(v, loc + (i,))]
    return []


def todo_message(what: str) -> str:
    """Return the message for an "ATT GÖRA: ..." value: what to do, and the text it concerns."""
    task, dash, text = what.partition(" – ")
    if not dash:
        return f"att göra: {what}"
    shown = text if len(text) <= 70 else text[:69] + "…"
    return (f"att göra: {task} i \"{shown}\"; ta bort markeringen '{TODO_MARK}: ... –' när "
            "texten stämmer.")


def validate(source: SourceFile, cls: type[m.Model], problems: list[Problem], partial: bool = True) -> Any:
    """Return `source.data` as a `cls` instance, after recording each error; None if it cannot be one.

    A value "ATT GÖRA: ..." (left by `new-year`) is reported once as a to-do, not as a type error.
    When some values are wrong, the rest is still validated and checked: an unknown key is left out,
    and a wrong or missing value (or a to-do) stands in the model as a placeholder, its key path in
    `source.unknown`, so that the item around it (a body and its meetings, a goal and its activities)
    still goes through every rule that does not need that value (see PlanSources.known). Without
    `partial`, or where no placeholder fits, the innermost list item around the error is left out
    instead (`source.kept` maps the positions back). The caller must not build from such a model:
    its problems are in `problems`.
    """
    todos = todo_locations(source.data)
    for loc, what in todos:
        problems.append(Problem(source.display, todo_message(what), line=source.line_of(loc), key=format_loc(loc)))
    try:
        if not todos:
            return cls.model_validate(source.data)
        errors = []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    if () in [loc for loc, _ in todos]:
        return None  # the whole file is a to-do: nothing to validate
    data = copy.deepcopy(source.data)
    unknown: set[Loc] = set()
    drop: list[Loc | None] = []
    item_maps = getattr(cls, "ITEM_MAPS", ())
    tries: dict[Loc, int] = {}

    def settle(loc: Loc, kind: str) -> None:
        """Make the value at `loc` one the model accepts, or mark its item to be left out.

        A wrong optional value is first left out, then (if the model still refuses: a draft needs
        its version) replaced by a placeholder; what still fails leaves its item out."""
        tries[loc] = tries.get(loc, 0) + 1
        if kind == "extra_forbidden":
            _delete(data, loc)
        elif not partial and kind == "todo":
            drop.append(loc)
        elif not (partial and tries[loc] <= 2 and _stand_in(data, cls, loc, kind, unknown, tries[loc] == 2)):
            drop.append(_innermost_item(loc, item_maps))

    for loc, _ in todos:
        settle(loc, "todo")
    # A misspelt key ('veckodg:') is one mistake: its value is read as the key it was meant to be,
    # which is then not also missing, and a mistake in that value is reported in the same run.
    renamed = _rename_misspelt_keys(data, cls, errors) if partial else {}
    source.renamed = renamed
    if renamed:
        errors = [e for e in errors if e["type"] != "missing" or _as_written(cls, tuple(e["loc"])) not in renamed]
        try:
            cls.model_validate(data)
        except ValidationError as exc:
            errors += [e for e in exc.errors(include_url=False)
                       if any(_as_written(cls, tuple(e["loc"]))[: len(new)] == new for new in renamed)]
    for error in errors:
        loc = _as_written(cls, tuple(error["loc"]))
        if any(loc[: len(t)] == t for t, _ in todos):
            continue
        problems.append(Problem(source.display, _swedish_message(error, cls),
                                line=source.line_of(_reported_at(cls, source, loc)), key=format_loc(loc)))
        settle(loc, error["type"])
    # A placeholder can make a rule between fields fail (a status whose version is gone): settle those
    # too, unreported, and try again; an item that still does not validate is left out.
    for _ in range(4 if partial else 1):
        if None in drop:
            return None
        pruned, kept = _without(data, drop)
        try:
            model = cls.model_validate(pruned)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                settle(SourceFile("", None, kept=kept).original(_as_written(cls, tuple(error["loc"]))),
                       error["type"])
            continue
        source.kept, source.unknown = kept, unknown | {loc for loc in drop if loc is not None}
        return model
    return None  # what is left still does not validate: leave this file to its reported errors


def _rename_misspelt_keys(data: Any, cls: type[BaseModel], errors: list[dict]) -> dict[Loc, Loc]:
    """Move the value of each unknown key that is close to a key the item lacks ('veckodg' for
    'veckodag') to that key; return new key path → key path as written."""
    renamed: dict[Loc, Loc] = {}
    for error in errors:
        if error["type"] != "extra_forbidden":
            continue
        loc = tuple(error["loc"])
        parent = _parent_of(data, loc)
        if not isinstance(parent, dict) or loc[-1] not in parent:
            continue
        close = difflib.get_close_matches(str(loc[-1]), _known_keys(cls, _as_written(cls, loc[:-1])), n=1, cutoff=0.6)
        if close and close[0] not in parent:
            parent[close[0]] = parent.pop(loc[-1])
            renamed[_as_written(cls, loc[:-1]) + (close[0],)] = loc
    return renamed


def _as_written(cls: type[BaseModel], loc: Loc) -> Loc:
    """Return pydantic's key path with the keys as the file writes them (a default that failed its
    check is located by the field's English name)."""
    out: list = []
    current: Any = cls
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            found = current.model_fields.get(part) if part not in {f.alias for f in current.model_fields.values()} \
                else next(f for f in current.model_fields.values() if f.alias == part)
            if found is not None:
                part, current = found.alias or part, found.annotation
            else:
                current = None
        elif typing.get_origin(current) in (list, dict):
            current = (typing.get_args(current) or (None,))[-1]
        else:
            current = None
        out.append(part)
    return tuple(out)


def _reported_at(cls: type[m.Model], source: SourceFile, loc: Loc) -> Loc:
    """Return where a problem at `loc` is shown: a missing key that the model places next to another
    (Plan.ABSENT_AT: a draft's version, at its status) at that key, anything else at `loc`."""
    placed = getattr(cls, "ABSENT_AT", {})
    if len(loc) == 1 and loc not in source.lines and loc not in source.renamed and loc[0] in placed:
        return (placed[loc[0]],)
    return loc


def _delete(data: Any, loc: Loc) -> None:
    """Remove the key or list item at `loc` from `data`, if it is there."""
    parent = _parent_of(data, loc)
    if isinstance(parent, dict):
        parent.pop(loc[-1], None)


def _parent_of(data: Any, loc: Loc) -> Any:
    """Return the container holding `loc` in `data`, or None if the path does not lead there."""
    if not loc:
        return None
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return None
    return parent if isinstance(parent, (dict, list)) else None


class _NoPlaceholder(Exception):
    """No value of the field's type can stand in for a wrong one."""


def _stand_in(data: Any, cls: type[m.Model], loc: Loc, kind: str, unknown: set[Loc], value: bool = False) -> bool:
    """Put a placeholder (or, for a field that may be left out and unless `value`, nothing) where `loc` is wrong.

    Return False when that cannot be done: the error is about an item as a whole (a rule between
    its fields), or no placeholder fits its type; the caller then leaves the item out.
    """
    if loc and loc[-1] == "[key]":  # a mapping's key that is no text: that entry is left out
        loc = loc[:-1]
        parent = _parent_of(data, loc)
        if not isinstance(parent, dict) or loc[-1] not in parent:
            return False
        del parent[loc[-1]]
        unknown.add(loc)
        return True
    parent = _parent_of(data, loc)
    place = _field_at(cls, loc)
    if parent is None or place is None:
        return False
    annotation, info, is_field = place
    if kind in ("value_error", "assertion_error") and isinstance(_unwrap(annotation), type) \
            and issubclass(_unwrap(annotation), BaseModel):
        return False  # the item's own rule failed: no single value to replace
    key = loc[-1]
    if is_field and isinstance(parent, dict) and info is not None and not info.is_required() and not value:
        parent.pop(key, None)  # an optional key: as if it were not written
    else:
        try:
            stand_in = _placeholder(annotation, list(info.metadata) if info is not None else [], value)
        except _NoPlaceholder:
            return False
        if isinstance(parent, dict):
            parent[key] = stand_in
        elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
            parent[key] = stand_in
        else:
            return False
    unknown.add(loc)
    return True


def _field_at(cls: type[BaseModel], loc: Loc) -> tuple[Any, Any, bool] | None:
    """Return (type, field info or None, whether it is a model's field) of the value at `loc`."""
    current: Any = cls
    info, is_field = None, False
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            found = next((f for f in current.model_fields.values() if f.alias == part), None)
            if found is None:
                return None
            current, info, is_field = found.annotation, found, True
        elif origin is list and isinstance(part, int):
            current, info, is_field = (typing.get_args(current) or (Any,))[0], None, False
        elif origin is dict:
            current, info, is_field = (typing.get_args(current) or (Any, Any))[-1], None, False
        else:
            return None
    return current, info, is_field


def _placeholder(annotation: Any, metadata: list, value: bool = False) -> Any:
    """Return a value of the type `annotation` (within the bounds in `metadata`) to stand in for a wrong one:
    None where None is allowed, unless `value`."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata = metadata + [x for e in extra for x in ([e] + list(getattr(e, "metadata", [])))]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) < len(typing.get_args(annotation)) and not value or not options:
            return None
        return _placeholder(options[0], metadata, value)
    bounds = [getattr(x, "ge", None) for x in metadata] + [
        getattr(x, "gt", None) + 1 if getattr(x, "gt", None) is not None else None for x in metadata]
    at_least = max([b for b in bounds if b is not None], default=1)
    length = max([getattr(x, "min_length", 0) or 0 for x in metadata], default=0)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if annotation is bool:
        return False
    if annotation is int:
        return at_least
    if annotation is str:
        return "?"
    if annotation is dt.date:
        return dt.date(1900, 1, 1)
    if annotation is dt.time:
        return dt.time(0, 0)
    if origin is list:
        element = (typing.get_args(annotation) or (str,))[0]
        return [_placeholder(element, []) for _ in range(length)]
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {f.alias: _placeholder(f.annotation, list(f.metadata))
                for f in annotation.model_fields.values() if f.is_required()}
    raise _NoPlaceholder(annotation)


def _quoted_key(key: object) -> str:
    shown = shown_key(key)
    return shown if shown.startswith('"') else f"'{shown}'"


def _innermost_item(loc: Loc, item_maps: tuple = ()) -> Loc | None:
    """Return the path of the innermost list item that contains `loc`, or None if there is none.

    `item_maps` are the paths of mappings whose entries are items too (a follow-up's activities,
    keyed by identity): an entry there is left out like a list item.
    """
    for end in range(len(loc), 0, -1):
        if isinstance(loc[end - 1], int) or (end >= 2 and tuple(loc[: end - 1]) in item_maps):
            return tuple(loc[:end])
    return None


def _without(data: Any, drop: list[Loc]) -> tuple[Any, dict[Loc, list[int]]]:
    """Return a copy of `data` without the keys and list items at `drop`, and the indices kept per list."""
    data = copy.deepcopy(data)
    kept: dict[Loc, list[int]] = {}
    # Deepest first, and within a list from the end, so that earlier paths stay valid.
    for loc in sorted(set(drop), key=lambda l: (len(l), l[-1] if l and isinstance(l[-1], int) else -1),
                      reverse=True):
        parent = data
        try:
            for part in loc[:-1]:
                parent = parent[part]
        except (KeyError, IndexError, TypeError):
            continue
        last = loc[-1]
        if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            indices = kept.setdefault(loc[:-1], list(range(len(parent))))
            del parent[last]
            del indices[last]
        elif isinstance(parent, dict) and last in parent:
            del parent[last]
    return data, kept


def _swedish_message(error: dict, cls: type[BaseModel]) -> str:
    """Return a Swedish message for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "missing":
        return "obligatorisk nyckel saknas."
    if kind == "extra_forbidden":
        known = _known_keys(cls, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f" Menade du '{close[0]}'?" if close else (
            f" Tillåtna nycklar: {', '.join(known)}." if known else "")
        return f"okänd nyckel {_quoted_key(loc[-1])}.{hint}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"ska vara ett heltal (skrivet utan mellanslag, t.ex. 1000), inte {_show(value)}."
    if kind in ("bool_parsing", "bool_type"):
        return f"ska vara true eller false, inte {_show(value)}."
    if kind.startswith("date") or kind.startswith("datetime"):
        suggestion = _iso_date(value)
        hint = f" Skriv {suggestion}." if suggestion else " Skriv till exempel 2025-03-15."
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            hint = " Den dagen finns inte; kontrollera dag och månad."
        return f"ska vara ett datum skrivet ÅÅÅÅ-MM-DD, inte {_show(value)}.{hint}"
    if kind.startswith("time"):
        return f"ska vara en tid skriven \"13:00\", inte {_show(value)}."
    if kind in ("string_type", "string_too_short"):
        if isinstance(value, dict) and len(value) == 1:
            key, item = next(iter(value.items()))
            return (f"ska vara en text, men YAML läste '{key}: {item}' som en nyckel och ett värde (ett kolon "
                    f"följt av mellanslag). Sätt citattecken runt texten: \"{key}: {item}\".")
        return f"ska vara en text, inte {_show(value)}."
    if kind in ("list_type", "tuple_type"):
        return f"ska vara en lista (rader som börjar med '- '), inte {_show(value)}."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"ska vara en samling nycklar (nyckel: värde), inte {_show(value)}."
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6) if isinstance(value, str) else []
        hint = f" Menade du '{close[0]}'?" if close else ""
        return f"ska vara {_swedish_choices(str(ctx.get('expected', '')))}, inte {_show(value)}.{hint}"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        return f"ska vara {'större än' if kind == 'greater_than' else 'minst'} {bound}, inte {_show(value)}."
    if kind in ("less_than", "less_than_equal"):
        bound = ctx.get("lt", ctx.get("le"))
        return f"ska vara {'mindre än' if kind == 'less_than' else 'högst'} {bound}, inte {_show(value)}."
    if kind == "too_short":
        return "listan får inte vara tom."
    if kind == "value_error":
        return f"{ctx.get('error', error.get('msg'))}."
    if kind == "frozen_set_type" or kind == "set_type":
        return "ska vara en lista."
    return f"värdet {_show(value)} kan inte användas här; se kommentaren överst i filen."


def _swedish_choices(expected: str) -> str:
    """Return pydantic's "'a', 'b' or 'c'" as Swedish: "a, b eller c"."""
    items = re.findall(r"'([^']*)'", expected)
    if not items:
        return expected
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " eller " + items[-1]


MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december"]


def _iso_date(value: object) -> str | None:
    """Return "2025-03-15" for a date written the Swedish way ("15 mars 2025", "15/3 2025"), if it is one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    match = re.fullmatch(r"(\d{1,2})\s+([a-zåäö]+)\s+(\d{4})", text)
    if match and match.group(2) in MONTHS:
        day, month, year = int(match.group(1)), MONTHS.index(match.group(2)) + 1, int(match.group(3))
    else:
        match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/. ]\s*(\d{4})", text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _show(value: object) -> str:
    """Return a short, readable rendering of a wrong value for a message."""
    if value is None:
        return "ett tomt värde"
    if isinstance(value, dict):
        return "en samling nycklar"
    if isinstance(value, list):
        return "en lista"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _known_keys(cls: type[BaseModel], loc: Loc) -> list[str]:
    """Return the Swedish keys allowed at `loc` inside `cls`, or [] if unknown."""
    current: Any = cls
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if typing.get_origin(current) is list and args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            current = next((f.annotation for f in current.model_fields.values()
                            if f.alias == part), None)
        else:
            return []
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias for f in current.model_fields.values() if f.alias]
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional so that a model or a list type remains."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0] if options else None
        else:
            return annotation


def load_shared_municipalities(root: Path) -> list[str]:
    """Return the member municipalities' names from sources/gemensamt/kommuner.yaml."""
    problems: list[Problem] = []
    path = root / "sources" / SHARED_DIR / "kommuner.yaml"
    source = read_yaml(path, display_path(path, root), problems)
    data = validate(source, m.MunicipalitiesFile, problems) if source else None
    if data is None:
        raise SourceErrors(problems)
    return [x.name for x in data.municipalities]
