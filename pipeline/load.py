"""Load stage: read every source file of a plan year and validate it against the model.

Returns a `PlanSources` bundle, or raises `SourceErrors` with every problem at once.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import model as m
from .errors import Problem, SourceErrors
from .paths import display_path, year_dir
from .sources import Loc, SourceFile, format_loc, read_text, read_yaml

SHARED_DIR = "gemensamt"

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
    """Everything one plan is made of, validated, with the files for line look-ups."""

    year: int
    root: Path
    plan: m.Plan
    municipalities: m.MunicipalitiesFile
    networks: m.NetworksFile
    collaboration: m.CollaborationFile
    content: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    files: dict[str, SourceFile] = field(default_factory=dict)
    text_paths: dict[str, str] = field(default_factory=dict)  # text key → path as users see it

    def problem(self, name: str, loc: Loc, message: str) -> Problem:
        """Return a problem located at `loc` in the source file keyed `name`."""
        source = self.files[name]
        return Problem(source.display, message, line=source.line_of(loc), key=format_loc(loc))


def load_plan(root: Path, year: int | str) -> PlanSources:
    """Read and validate all sources of `year`; raise SourceErrors listing every problem."""
    problems: list[Problem] = []
    base = year_dir(root, year)
    shared = root / "sources" / SHARED_DIR
    if not base.is_dir():
        raise SourceErrors([Problem(display_path(base, root),
                                    f"mappen saknas: det finns inga källfiler för {year}.")])
    files: dict[str, SourceFile] = {}

    def load(name: str, path: Path, cls: type[m.Model]) -> Any:
        source = read_yaml(path, display_path(path, root), problems)
        if source is None:
            return None
        files[name] = source
        return validate(source, cls, problems)

    def shared_file(name: str) -> Path:
        # A year may carry its own version of shared data (a new programme, new networks).
        return base / name if (base / name).exists() else shared / name

    plan = load("plan", base / "plan.yaml", m.Plan)
    municipalities = load("kommuner", shared_file("kommuner.yaml"), m.MunicipalitiesFile)
    networks = load("natverk", shared_file("natverk.yaml"), m.NetworksFile)
    collaboration = load("samverkan", shared_file("samverkan.yaml"), m.CollaborationFile)

    content: dict[str, Any] = {}
    texts: dict[str, str] = {}
    text_paths: dict[str, str] = {}
    if plan is not None:
        if str(plan.year) != str(year):
            problems.append(Problem(files["plan"].display, f"året {plan.year} stämmer inte med "
                                    f"mappen {year}.", line=files["plan"].line_of(("år",)), key="år"))
        wanted = [c.content for c in plan.chapters] + [a.content for a in plan.appendices]
        for key in dict.fromkeys(w for w in wanted if w):
            filename, cls = CONTENT_FILES[key]
            content[key] = load(filename.removesuffix(".yaml"), base / filename, cls)
        for i, chapter in enumerate(plan.chapters):
            if chapter.text:
                texts[chapter.text] = _load_markdown(root, base, chapter.text, files["plan"],
                                                     ("kapitel", i, "text"), problems)
                text_paths[chapter.text] = display_path(base / chapter.text, root)
        for i, appendix in enumerate(plan.appendices):
            if appendix.text:
                texts[appendix.text] = _load_markdown(root, root / "sources", appendix.text,
                                                      files["plan"], ("bilagor", i, "text"), problems)
                text_paths[appendix.text] = display_path(root / "sources" / appendix.text, root)
    if plan is None:
        # plan.yaml is broken: still validate every content file present, so that all
        # problems are reported in one run.
        for filename, cls in CONTENT_FILES.values():
            if (base / filename).exists():
                load(filename.removesuffix(".yaml"), base / filename, cls)
    if problems or plan is None or municipalities is None or networks is None or collaboration is None \
            or any(v is None for v in content.values()):
        raise SourceErrors(problems)
    return PlanSources(int(year), root, plan, municipalities, networks, collaboration, content, texts, files,
                       text_paths)


def _load_markdown(root: Path, base: Path, relative: str, plan_file: SourceFile, loc: Loc,
                   problems: list[Problem]) -> str:
    """Return the text of a Markdown file named in plan.yaml (relative to `base`)."""
    path = (base / relative)
    if not path.resolve().is_relative_to((root / "sources").resolve()):
        problems.append(Problem(plan_file.display, "filen måste ligga under mappen sources/.",
                                line=plan_file.line_of(loc), key=format_loc(loc)))
        return ""
    if not path.exists():
        problems.append(Problem(plan_file.display, f"filen {display_path(path, root)} finns inte.",
                                line=plan_file.line_of(loc), key=format_loc(loc)))
        return ""
    return read_text(path, display_path(path, root), problems) or ""


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


def validate(source: SourceFile, cls: type[m.Model], problems: list[Problem]) -> Any:
    """Return `source.data` as a `cls` instance, or None after recording each error.

    A value "ATT GÖRA: ..." (left by `new-year`) is reported once as a to-do, not as a type error.
    """
    todos = todo_locations(source.data)
    for loc, what in todos:
        problems.append(Problem(source.display, f"att göra: {what}", line=source.line_of(loc),
                                key=format_loc(loc)))
    try:
        model = cls.model_validate(source.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if any(loc[: len(t)] == t for t, _ in todos):
                continue
            problems.append(Problem(source.display, _swedish_message(error, cls),
                                    line=source.line_of(loc), key=format_loc(loc)))
        return None
    return None if todos else model


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
        return f"okänd nyckel '{loc[-1]}'.{hint}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"ska vara ett heltal (skrivet utan mellanslag, t.ex. 1000), inte {_show(value)}."
    if kind in ("bool_parsing", "bool_type"):
        return f"ska vara true eller false, inte {_show(value)}."
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"ska vara ett datum skrivet ÅÅÅÅ-MM-DD, inte {_show(value)}."
    if kind.startswith("time"):
        return f"ska vara en tid skriven \"13:00\", inte {_show(value)}."
    if kind in ("string_type", "string_too_short"):
        return f"ska vara en text, inte {_show(value)}."
    if kind in ("list_type", "tuple_type"):
        return f"ska vara en lista (rader som börjar med '- '), inte {_show(value)}."
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"ska vara en samling nycklar (nyckel: värde), inte {_show(value)}."
    if kind == "literal_error":
        return f"ska vara ett av {ctx.get('expected', '')}, inte {_show(value)}."
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
    return f"ogiltigt värde {_show(value)} ({kind})."


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
