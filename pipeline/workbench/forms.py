"""Forms built from the model: one control per field of a source file, named by its key path.

`build` walks a file's model (pipeline/sources/model.py) and its round-trip document together and returns
a tree of groups (a mapping, a list, a list's item) and controls. Every control's `name` is the key
path as `check` prints it (`kostnader.poster[1].belopp`), so that a problem and its field find each
other (`mark`). The control follows the field's type: a date field for dates, a time for times, a
text field with the Swedish grouping for amounts, a choice for the choices the model or the year's
sources have (networks, municipalities, goal levels, statuses), a box for yes or no, and a text area
for paragraphs (a blank line between two).

`apply` writes what the form sent into the document: only values that differ from what the file
holds are set (so an untouched field leaves its line as it was), a value that cannot be read as its
type is written as typed, for the checks to name it, and an emptied optional field loses its key.
`act` adds, removes and moves items.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from . import steps
from .yamledit import CommentedMap, CommentedSeq, put_trailer, quoted, rearranged, set_value, take_trailer

Loc = tuple

AMOUNT_FIELDS = {"belopp", "summa", "utfall", "avgift_per_invånare", "antal"}
LONG_TEXTS = {"aktivitet", "kommentar", "formulering", "text", "resultat", "vision", "när", "kostnad", "fråga",
              "beskrivning", "ansvarar_for"}
LINE_LISTS = {"nivåer", "årsnivåer"}  # short items: one per line
SUMMARY_KEYS = ("namn", "post", "rubrik", "aktivitet", "datum", "tecken", "nr", "id")
NOUNS = {"aktiviteter": "aktivitet", "poster": "post", "möten": "möte", "organ": "organ", "mål": "mål",
         "fotnoter": "fotnot", "fokusområden": "fokusområde", "kapitel": "kapitel", "bilagor": "bilaga",
         "avsnitt": "avsnitt", "kommuner": "kommun", "natverk": "nätverk", "styrdokument": "styrdokument",
         "mottagare": "mottagare"}
NEUTER = {"möte", "organ", "mål", "fokusområde", "kapitel", "avsnitt", "nätverk", "styrdokument"}  # ett möte


def format_loc(loc: Loc) -> str:
    """A key path as `check` prints it: `kostnader.poster[1].belopp`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def slug(name: str) -> str:
    return re.sub(r"[^\w-]", "-", name)


@dataclass
class Control:
    loc: Loc
    label: str
    kind: str                   # text, textarea, date, time, amount, number, checkbox, select, paragraphs, lines, numbers
    value: str = ""
    checked: bool = False
    choices: list[str] = field(default_factory=list)
    required: bool = False
    help: str = ""
    errors: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # the keys of the mapping it is in, in the model's order
    readonly: bool = False      # an activity's identity: the follow-up knows it by it

    @property
    def name(self) -> str:
        return format_loc(self.loc)

    @property
    def id(self) -> str:
        return "falt-" + slug(self.name)

    @property
    def group(self) -> bool:
        return False


@dataclass
class Group:
    loc: Loc
    label: str
    kind: str                   # object, list, item, map, entry
    children: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    help: str = ""
    actions: list[tuple[str, str]] = field(default_factory=list)  # (value of the button, its label)
    adds: list[tuple[str, str]] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)              # a map's keys that can be added
    new_key_labels: dict[str, str] = field(default_factory=dict)   # each new key's text (an activity's wording)

    @property
    def name(self) -> str:
        return format_loc(self.loc)

    @property
    def id(self) -> str:
        return "grupp-" + (slug(self.name) or "filen")

    @property
    def group(self) -> bool:
        return True


@dataclass
class Context:
    """What the choices are, and the help texts of the file's header comment."""

    filename: str
    choices: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    help: dict[tuple[str, str], str] = field(default_factory=dict)
    taken_ids: set[str] = field(default_factory=set)
    year: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # a choice's text beside its value (an activity's id)


# --- the model's types ---------------------------------------------------------------------------------

def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type without Annotated and Optional, whether None is allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = typing.get_args(annotation)
            optional = optional or type(None) in args
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation, optional


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _fields(cls: type[BaseModel]):
    for info in cls.model_fields.values():
        t, optional = _unwrap(info.annotation)
        yield info.alias, t, optional or not info.is_required(), info


# --- building the tree ------------------------------------------------------------------------------------

def build(cls: type[BaseModel], data: Any, context: Context) -> Group:
    root = Group((), context.filename, "object")
    root.children = _object(cls, data if isinstance(data, dict) else {}, (), context)
    return root


def _object(cls: type[BaseModel], data: dict, loc: Loc, context: Context) -> list:
    order = [alias for alias, *_ in _fields(cls)]
    out = []
    for alias, t, optional, info in _fields(cls):
        here = loc + (alias,)
        value = data.get(alias) if isinstance(data, dict) else None
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        help_text = context.help.get((cls.__name__, alias), "")
        if _is_model(t):
            group = Group(here, alias, "object", help=help_text)
            group.children = _object(t, value if isinstance(value, dict) else {}, here, context)
            out.append(group)
        elif origin is list and args and _is_model(_unwrap(args[0])[0]):
            out.append(_list(_unwrap(args[0])[0], value, here, alias, context, help_text, cls))
        elif origin is dict:
            out.append(_map(_unwrap(args[1])[0], value, here, alias, context, help_text))
        else:
            out.append(_control(cls, alias, t, optional, value, here, context, help_text, order))
    return out


def _summary(item: Any) -> str:
    if isinstance(item, dict):
        for key in SUMMARY_KEYS:
            value = item.get(key)
            if isinstance(value, list) and value:
                value = value[0]
            if value not in (None, ""):
                text = str(value)
                return text if len(text) <= 60 else text[:59].rstrip() + "…"
    return ""


def _list(item_cls, value, loc: Loc, alias: str, context: Context, help_text: str, owner) -> Group:
    noun = NOUNS.get(alias, alias)
    group = Group(loc, alias, "list", help=help_text)
    items = value if isinstance(value, list) else []
    for i, item in enumerate(items):
        here = loc + (i,)
        summary = _summary(item)
        entry = Group(here, f"{noun.capitalize()} {i + 1}" + (f": {summary}" if summary else ""), "item")
        entry.children = _object(item_cls, item if isinstance(item, dict) else {}, here, context)
        if i > 0:
            entry.actions.append((f"upp|{format_loc(here)}", f"Flytta upp {noun} {i + 1}"))
        if i < len(items) - 1:
            entry.actions.append((f"ner|{format_loc(here)}", f"Flytta ner {noun} {i + 1}"))
        entry.actions.append((f"bort|{format_loc(here)}", f"Ta bort {noun} {i + 1}"))
        if item_cls is steps.models.Goal and isinstance(item, dict):
            levels = context.choices.get(("Goal", "nivå"), [])
            level = item.get("nivå")
            if level in levels and levels.index(level) + 1 < len(levels):
                entry.adds.append((f"ny|{format_loc(here + ('mål',))}",
                                   f"Lägg till {levels[levels.index(level) + 1]} under mål {i + 1}"))
        group.children.append(entry)
    if item_cls is not steps.models.Goal or owner is steps.models.FocusArea:
        group.adds.append((f"ny|{format_loc(loc)}", f"Lägg till {noun}"))
    return group


def _map(value_type, value, loc: Loc, alias: str, context: Context, help_text: str) -> Group:
    noun = NOUNS.get(alias, alias)
    group = Group(loc, alias, "map", help=help_text)
    entries = value if isinstance(value, dict) else {}
    for key, item in entries.items():
        here = loc + (key,)
        if _is_model(value_type):
            entry = Group(here, str(key), "entry")
            entry.children = _object(value_type, item if isinstance(item, dict) else {}, here, context)
            entry.actions.append((f"bort|{format_loc(here)}", f"Ta bort {key}"))
            group.children.append(entry)
        else:
            control = _control(None, key, str, False, item, here, context, "", [])
            control.label = str(key)
            group.children.append(control)
    keys = context.choices.get(("map", alias), [])
    group.new_keys = [k for k in keys if k not in entries]
    group.new_key_labels = {k: context.labels.get(k, "") for k in group.new_keys}
    if group.new_keys:
        group.adds.append((f"nyckel|{format_loc(loc)}", f"Lägg till {noun}"))
    return group


def _control(cls, alias: str, t: Any, optional: bool, value: Any, loc: Loc, context: Context, help_text: str,
             order: list[str]) -> Control:
    c = Control(loc, alias, "text", required=not optional, help=help_text, order=order)
    origin = typing.get_origin(t)
    owner = cls.__name__ if cls is not None else ""
    if origin is Literal:
        c.kind, c.choices = "select", [str(a) for a in typing.get_args(t)]
    elif t is bool:
        c.kind, c.checked = "checkbox", value is True
        # the header comment speaks of the file ("true skriver ..."); beside a checkbox it is the box
        c.help = re.sub(r"^true\b\s*", "Ikryssad: ", c.help or "")
    elif t is dt.date:
        c.kind = "date"
    elif t is dt.time:
        c.kind = "time"
    elif t is int:
        c.kind = "amount" if alias in AMOUNT_FIELDS else "number"
    elif origin is list:
        inner = _unwrap(typing.get_args(t)[0])[0] if typing.get_args(t) else str
        c.kind = "numbers" if inner is int else ("lines" if alias in LINE_LISTS else "paragraphs")
    else:
        c.kind = "textarea" if alias in LONG_TEXTS or (isinstance(value, str) and len(value) > 70) else "text"
        choices = context.choices.get((owner, alias))
        if choices:
            c.kind, c.choices = "select", list(choices)
    c.value = shown(c.kind, value)
    if alias == "id" and owner in ("Activity", "CommItem") and c.value:
        c.readonly = True
        c.help = (c.help + " " if c.help else "") + "Ändras inte: uppföljningen känner igen aktiviteten på den."
    if c.kind == "select" and c.value and c.value not in c.choices:
        c.choices = [c.value] + c.choices  # kept as written, so that nothing is lost; the check names it
    return c


def shown(kind: str, value: Any) -> str:
    """A value as its control shows it."""
    if value is None:
        return ""
    if kind == "amount" and isinstance(value, int) and not isinstance(value, bool):
        return steps.amount(value).replace("\u00a0", " ")
    if kind == "time":
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return f"{value // 60:02d}:{value % 60:02d}"
        text = str(value).strip().replace(".", ":")
        return f"0{text}" if re.fullmatch(r"\d:\d\d", text) else text
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if kind in ("paragraphs", "lines"):
        items = value if isinstance(value, list) else [value]
        return ("\n" if kind == "lines" else "\n\n").join(str(v) for v in items)
    if kind == "numbers":
        items = value if isinstance(value, list) else [value]
        return ", ".join(str(v) for v in items)
    return str(value)


def walk(group: Group):
    """Every control and group of the tree, depth first."""
    for child in group.children:
        yield child
        if child.group:
            yield from walk(child)


# --- problems on their fields -------------------------------------------------------------------------------

def mark(tree: Group, problems: list[tuple[str, str]]) -> list[tuple[str, str, str | None]]:
    """Put each (key path, message) on its control, or on the group it is in; return (key, message, the id
    of the field or group it was put on, or None) for the error summary."""
    every = [tree] + list(walk(tree))
    by_name = {node.name: node for node in every}
    anchors = {node.id for node in every}
    out = []
    for key, message in problems:
        node = by_name.get(key)
        probe = key
        while node is None and probe:
            probe = re.sub(r"(\[[^\]]*\]|\.[^.\[]*|^[^.\[]*)$", "", probe)
            node = by_name.get(probe)
        if node is None:
            node = tree
        anchor = "falt-" + slug(key) if key else ""
        if anchor in anchors:
            anchor = ""
        anchors.add(anchor)
        node.errors.append((f"{key}: {message}" if key and node.name != key else message, anchor))
        out.append((key, message, node.id if node is not tree else None))
    return out


# --- the form's values into the document ----------------------------------------------------------------------

def apply(tree: Group, data: CommentedMap, form) -> None:
    """Set every value the form sent that differs from the document's."""
    for node in walk(tree):
        if node.group or node.readonly:
            continue  # a read-only identity is never taken from what was sent (a forged field included)
        values = form.getlist(node.name)
        if not values and node.kind != "checkbox":
            continue
        if node.kind == "checkbox":
            if not values:
                continue  # not in the form at all
            new = values[-1] == "true"
        else:
            new = parsed(node.kind, str(values[-1]))
        _put(data, node, new)


def parsed(kind: str, raw: str) -> Any:
    """The typed value of a control's text; what cannot be read as its type stays the text typed."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = raw.strip()
    if kind in ("paragraphs", "lines"):
        parts = re.split(r"\n\s*\n" if kind == "paragraphs" else r"\n", text)
        return [" ".join(p.split()) if kind == "lines" else p.strip() for p in parts if p.strip()]
    if kind == "numbers":
        items = [p.strip() for p in re.split(r"[,;\s]+", text) if p.strip()]
        return [int(p) if re.fullmatch(r"\d+", p) else p for p in items]
    if not text:
        return None
    if kind == "amount":
        plain = re.sub(r"[\s\u00a0\u202f]", "", text).removesuffix("kr").removesuffix(":-")
        return int(plain) if re.fullmatch(r"\d+", plain) else text
    if kind == "number":
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "time":
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text)
        return f"{int(match.group(1)):02d}:{match.group(2)}" if match else text
    return raw.strip() if kind != "textarea" else text


def _equal(kind: str, old: Any, new: Any) -> bool:
    if kind in ("paragraphs", "lines", "numbers"):
        olds = old if isinstance(old, list) else ([] if old is None else [old])
        return [str(v).strip() for v in olds] == [str(v).strip() for v in new] and \
            all(type(a) is type(b) or kind != "numbers" for a, b in zip(olds, new))
    if kind == "time":
        return new == shown("time", old) if new is not None else old is None
    if kind == "checkbox":
        return bool(old is True) == new
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, (int, dt.date)) and not isinstance(new, str):
        return type(old) is type(new) and old == new
    if isinstance(old, str) and isinstance(new, (int, dt.date)):
        # a date or number the file quotes ('2031-05-05', "4") is the same value: saved unchanged, it stays
        return old.strip() == (new.isoformat() if isinstance(new, dt.date) else str(new))
    return str(old).strip() == str(new).strip() and isinstance(old, str) == isinstance(new, str)


def _container(data: CommentedMap, loc: Loc, create: bool):
    parent = data
    for part in loc[:-1]:
        try:
            child = parent[part]
        except (KeyError, IndexError, TypeError):
            child = None
        if child is None:
            if not create or not isinstance(parent, dict):
                return None
            child = CommentedMap()
            parent[part] = child
        parent = child
    return parent


def _put(data: CommentedMap, control: Control, new: Any) -> None:
    parent = _container(data, control.loc, create=False)
    key = control.loc[-1]
    old = None
    if isinstance(parent, dict):
        old = parent.get(key)
    elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        old = parent[key]
    present = isinstance(parent, dict) and key in parent or isinstance(parent, list)
    if _equal(control.kind, old, new):
        return
    if control.kind == "checkbox" and not new and not present:
        return
    empty = new is None or new == [] or (control.kind == "checkbox" and not new and not control.required)
    if empty and not control.required:
        if isinstance(parent, dict) and key in parent:
            gap = take_trailer(parent) if list(parent)[-1] == key and len(parent) > 1 else None
            del parent[key]
            put_trailer(parent, gap)  # the blank line after the item stays after it
        return
    if parent is None:
        parent = _container(data, control.loc, create=True)
    if control.kind == "time" and isinstance(new, str):
        new = quoted(new)
    if control.kind in ("paragraphs",) and isinstance(old, str) and len(new) == 1:
        new = new[0]
    if control.kind == "paragraphs" and not new:
        new = None
    set_value(parent, key, new, control.order or None)


# --- adding, removing and moving items ------------------------------------------------------------------------

def act(tree: Group, data: CommentedMap, action: str, form, context: Context, cls) -> tuple[str, str] | None:
    """Do the action of the button pressed (`ny|LOC`, `bort|LOC`, `upp|LOC`, `ner|LOC`, `nyckel|LOC`);
    return a Swedish sentence saying what was done and where the keyboard goes next (`i|ITEM`: its first
    field, `g|LIST`: the list), or None when there was no such action."""
    verb, _, name = action.partition("|")
    nodes = {node.name: node for node in [tree] + list(walk(tree))}
    node = nodes.get(name)
    if verb == "ny" and name and (node is not None and node.kind == "list" or name.endswith(".mål")):
        loc = node.loc if node is not None else _loc_of(name, nodes)
        if loc is None:
            return None
        parent = _container(data, loc, create=True)
        key = loc[-1]
        seq = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
            set_value(parent, key, seq, _order_at(cls, loc))
            seq = parent[key]
        item_cls = _item_class(cls, loc)
        item = new_item(item_cls, loc, seq, data, context)
        rearranged(seq, lambda s: s.append(item))
        noun = NOUNS.get(key, key)
        article = "Ett nytt" if noun in NEUTER else "En ny"
        return (f"{article} {noun} lades till sist (nr {len(seq)}). Fyll i {'det' if noun in NEUTER else 'den'} och spara.",
                "i|" + format_loc(loc + (len(seq) - 1,)))
    if verb in ("bort", "upp", "ner") and node is not None and node.kind in ("item", "entry"):
        parent = _container(data, node.loc, create=False)
        key = node.loc[-1]
        if node.kind == "entry":
            if isinstance(parent, dict) and key in parent:
                gap = take_trailer(parent) if list(parent)[-1] == key and len(parent) > 1 else None
                del parent[key]
                put_trailer(parent, gap)
                return f"{key} togs bort. Spara för att skriva filen.", "g|" + format_loc(node.loc[:-1])
            return None
        if not isinstance(parent, CommentedSeq) or key >= len(parent):
            return None
        noun = NOUNS.get(node.loc[-2], "punkt") if len(node.loc) > 1 else "punkt"
        if verb == "bort":
            rearranged(parent, lambda s: s.pop(key))
            return f"{noun.capitalize()} {key + 1} togs bort. Spara för att skriva filen.", "g|" + format_loc(node.loc[:-1])
        other = key - 1 if verb == "upp" else key + 1
        if not 0 <= other < len(parent):
            return None

        def swap(s):
            s[key], s[other] = s[other], s[key]
        rearranged(parent, swap)
        return (f"{noun.capitalize()} {key + 1} flyttades {'upp' if verb == 'upp' else 'ner'}. Spara för att skriva "
                "filen.", f"b|{verb}|" + format_loc(node.loc[:-1] + (other,)))
    if verb == "nyckel" and node is not None and node.kind == "map":
        new_key = str(form.get(f"_ny-nyckel|{name}") or "")
        if new_key not in node.new_keys:
            return None
        parent = _container(data, node.loc, create=True)
        mapping = parent.get(node.loc[-1]) if isinstance(parent, dict) else None
        if not isinstance(mapping, CommentedMap):
            mapping = CommentedMap()
            set_value(parent, node.loc[-1], mapping, _order_at(cls, node.loc))
            mapping = parent[node.loc[-1]]
        value_cls = _item_class(cls, node.loc)
        gap = take_trailer(mapping) if len(mapping) else None
        mapping[new_key] = new_item(value_cls, node.loc, None, data, context) if _is_model(value_cls) else ""
        put_trailer(mapping, gap)
        return f"{new_key} lades till sist. Fyll i och spara.", "i|" + format_loc(node.loc + (new_key,))
    return None


def _loc_of(name: str, nodes: dict) -> Loc | None:
    parent = nodes.get(name.removesuffix(".mål"))
    return parent.loc + ("mål",) if parent is not None else None


def _type_at(cls, loc: Loc):
    t: Any = cls
    for part in loc:
        t = _unwrap(t)[0]
        if _is_model(t):
            info = next((f for f in t.model_fields.values() if f.alias == part), None)
            if info is None:
                return None
            t = info.annotation
        elif typing.get_origin(t) is list:
            t = typing.get_args(t)[0]
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        else:
            return None
    return _unwrap(t)[0]


def _item_class(cls, loc: Loc):
    t = _type_at(cls, loc)
    args = typing.get_args(t)
    return _unwrap(args[-1])[0] if args else None


def _order_at(cls, loc: Loc) -> list[str]:
    owner = _type_at(cls, loc[:-1])
    return [alias for alias, *_ in _fields(owner)] if _is_model(owner) else []


def new_item(item_cls, loc: Loc, seq, data, context: Context) -> CommentedMap:
    """A new item of `item_cls` with its required keys (an activity with its new id, a row with the next
    number, a goal with the level below its parent's)."""
    item = CommentedMap()
    models = steps.models
    for alias, t, optional, info in _fields(item_cls):
        if alias == "id" and item_cls in (models.Activity, models.CommItem):
            ident = steps.new_identity(context.filename, f"{context.year}/{context.filename}\0{dt.datetime.now()}"
                                       f"\0{len(context.taken_ids)}", context.taken_ids)
            if ident:
                item[alias] = ident
            continue
        if optional:
            continue
        if alias == "nr":
            numbers = [x.get("nr") for x in (seq or []) if isinstance(x, dict) and isinstance(x.get("nr"), int)]
            item[alias] = max(numbers, default=0) + 1
        elif alias == "nivå":
            levels = context.choices.get(("Goal", "nivå"), [])
            depth = sum(1 for part in loc if part == "mål") - 1
            item[alias] = levels[min(depth, len(levels) - 1)] if levels else ""
        elif typing.get_origin(t) is Literal:
            choices = typing.get_args(t)
            item[alias] = "ej påbörjad" if "ej påbörjad" in choices else choices[0]
        elif _is_model(t):
            item[alias] = new_item(t, loc + (alias,), None, data, context)
        elif typing.get_origin(t) is list:
            inner = _unwrap(typing.get_args(t)[0])[0]
            item[alias] = CommentedSeq([new_item(inner, loc, None, data, context)]) if _is_model(inner) else ""
        elif t is bool:
            item[alias] = False
        elif t in (int, dt.date, dt.time):
            item[alias] = None
        else:
            item[alias] = ""
    return item


# --- the help texts of the header comment ----------------------------------------------------------------------

def header_comment(text: str) -> str:
    """The comment lines the file begins with, without their '#'."""
    lines = []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.startswith("#"):
            lines.append(line[1:].removeprefix(" "))
        elif line.strip() == "" and lines:
            break
        elif line.strip():
            break
    return "\n".join(lines).strip("\n")


def help_texts(header: str, cls) -> dict[tuple[str, str], str]:
    """(model class name, alias) → the explanation the header comment gives ('belopp:   heltal i kronor').

    A line at the comment's left edge explains a key of the file's top level (or, if there is none of
    that name, the least deep one); an indented line explains a key of the items further in: of the
    models that have that key, the deepest."""
    depth = class_depths(cls)
    out: dict[tuple[str, str], str] = {}
    current: list[tuple[str, str]] = []
    for line in header.splitlines():
        match = re.match(r"^(\s*)([\wåäöÅÄÖ_, -]+?):\s+(\S.*)$", line)
        named = [k.strip() for k in match.group(2).split(",")] if match else []
        owners = {k: [c for c in depth if k in {a for a, *_ in _fields(c)}] for k in named}
        if match and named and all(owners[k] for k in named):
            indented = bool(match.group(1))
            current = []
            for k in named:
                classes = sorted(owners[k], key=lambda c: depth[c])
                if indented:
                    deepest = depth[classes[-1]]
                    chosen = [c for c in classes if depth[c] == deepest]
                else:
                    chosen = [cls] if cls in classes else classes[:1]
                for c in chosen:
                    out[(c.__name__, k)] = match.group(3).strip()
                    current.append((c.__name__, k))
        elif current and line.startswith("  ") and line.strip() and not re.match(r"^\s*[\w_]+:\s", line):
            for place in current:
                out[place] += " " + line.strip()
        else:
            current = []
    return out


def class_depths(cls) -> dict:
    """Each model class in the file's model, with the least depth it is found at."""
    depth: dict = {}
    todo = [(cls, 0)]
    while todo:
        c, d = todo.pop(0)
        if c in depth:
            continue
        depth[c] = d
        for _, t, _, _ in _fields(c):
            for inner in [t, *typing.get_args(t)]:
                inner = _unwrap(inner)[0]
                if _is_model(inner):
                    todo.append((inner, d + 1))
    return depth


def focus_target(tree: Group, focus: str) -> str:
    """The name of the control, or the value of the button, to give the keyboard's focus for `focus` (from act)."""
    kind, _, name = focus.partition("|")
    nodes = [tree] + list(walk(tree))
    if kind == "b":  # the same button of the moved item, or the other one
        buttons = [value for node in nodes if node.group for value, _ in node.actions]
        verb, _, item = name.partition("|")
        for wanted in (f"{verb}|{item}", f"{'ner' if verb == 'upp' else 'upp'}|{item}"):
            if wanted in buttons:
                return wanted
        return ""
    if kind == "i":
        for node in nodes:
            if not node.group and not node.readonly and (node.name.startswith(name + ".") or node.name == name):
                return node.name
    if kind == "g":
        for node in nodes:
            if node.group and node.name == name and node.adds:
                return node.adds[0][0]
    return ""
