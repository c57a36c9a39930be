"""What changed in the plan's content between two versions of its sources, in plain Swedish.

`python -m pipeline changes 2024 --from REV [--to REV]` compares two versions of one year's
sources: each a git revision (a commit, a tag, HEAD~1) or a folder (a project root with sources/,
or a copy of sources/), the working copy when --to is left out. The summary is the list the
secretariat puts in the cover letter of the next draft: activities added, removed, reworded or
moved, goals changed, budget lines with old and new amounts, meetings moved, Bilaga 1 rows added,
removed or changed, and the sentences changed in the chapters' texts.

Items are followed by their identity: an activity or a Bilaga 1 row with the same `id`
(yearly/identities.py) is the same item however much it was reworded or moved, and only an id that is
gone is a removal; a goal is the same goal when it keeps its name or the ids of its activities.
Items without an id are matched by their text: the same text is the same item (moved if its goal
changed); texts that are alike (difflib ratio ≥ SIMILAR) are one item reworded; the rest are
added or removed.
"""

from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.sources import model as m
from pipeline.errors import PipelineError
from pipeline.content.formatting import counted, day_month, kronor, long_date, plain
from pipeline.sources.load import PlanSources, read_plan
from pipeline.infra.writer import write_atomic

SIMILAR = 0.6      # texts at least this alike (difflib ratio on words) are one item reworded
QUOTE = 140        # longest quotation in the summary, in characters


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)


# --- loading a version -------------------------------------------------------------------------

@contextmanager
def version(root: Path, spec: str | None) -> Iterator[tuple[Path, str]]:
    """Yield (project root, label) for a folder, a git revision, or the working copy (None)."""
    if spec is None:
        yield root, "arbetskopian"
        return
    folder = Path(spec)
    if folder.is_dir():
        if (folder / "sources").is_dir():
            yield folder, str(spec)
            return
        if folder.name == "sources" or (folder / "gemensamt").is_dir():
            with tempfile.TemporaryDirectory(prefix="vp-version-") as work:
                shutil.copytree(folder, Path(work) / "sources")
                yield Path(work), str(spec)
            return
        raise PipelineError(f"{spec}: mappen har ingen sources/-mapp (ange projektets mapp eller sources/).")
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PipelineError(f"{spec}: ingen mapp, och git kan inte köras här ({exc}).") from exc
    if commit.returncode != 0:
        raise PipelineError(f"{spec}: varken en mapp eller en version i git (en commit, en tagg, t.ex. HEAD~1).")
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", commit.stdout.strip(), "sources"],
                             capture_output=True, timeout=120)
    if archive.returncode != 0:
        raise PipelineError(f"{spec}: versionen har ingen sources/-mapp i git.")
    with tempfile.TemporaryDirectory(prefix="vp-version-") as work:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(work, filter="data")
        yield Path(work), f"{spec} ({commit.stdout.strip()[:10]})"


def run_changes(root: Path, year: str, old_spec: str, new_spec: str | None, out: Path | None) -> list[str]:
    """Return (and with `out`, write) the summary of what changed in `year` between two versions."""
    with version(root, old_spec) as (old_root, old_label), version(root, new_spec) as (new_root, new_label):
        old, new = read_plan(old_root, year), read_plan(new_root, year)
        for sources, label in ((old, old_label), (new, new_label)):
            if sources.plan is None:
                details = "; ".join(str(p) for p in sources.problems[:3])
                raise PipelineError(f"Planen för {year} i {label} kunde inte läsas: {details}")
        sections = plan_changes(old, new)
    heading = f"Ändringar i verksamhetsplanen {year}: {describe(old)} → {describe(new)}"
    lines = [heading, ""]
    if not any(s.lines for s in sections):
        lines.append("Inga ändringar i innehållet.")
    for section in sections:
        if section.lines:
            lines += [f"## {section.title}", *(f"- {line}" for line in section.lines), ""]
    if out is not None:
        if out.suffix.lower() not in (".md", ".txt"):
            raise PipelineError(f"{out}: utfilen ska sluta på .md eller .txt.")
        write_atomic(out, ("\n".join(lines).rstrip() + "\n").encode("utf-8"))
    return lines


def describe(sources: PlanSources) -> str:
    plan = sources.plan
    if plan.status == "beslutad":
        return f"beslutad {long_date(plan.decided_on)}"
    return f"utkast {plan.version} ({long_date(plan.date)})"


# --- comparing two versions ----------------------------------------------------------------------

def plan_changes(old: PlanSources, new: PlanSources) -> list[Section]:
    """The content changes between two versions, section by section, in the plan's order."""
    sections = [Section("Dokumentet", _document(old.plan, new.plan))]
    sections.append(Section("Texterna", _texts(old, new)))
    parts: list[tuple[str, str, Callable]] = [
        ("mål", "Mål och utvecklingsaktiviteter", _goals),
        ("kansliet", "Kansliets uppdrag", _secretariat),
        ("organisation", "Organisation", _organisation),
        ("kalendarium", "Kalendarium", _calendar),
        ("budget", "Budget", _budget),
        ("kommunikationsplan", "Bilaga 1 (kommunikationsplanen)", _comm_plan),
    ]
    for key, title, compare in parts:
        a, b = old.content.get(key), new.content.get(key)
        if a is None and b is None:
            continue
        if a is None or b is None:
            which = "den gamla" if a is None else "den nya"
            sections.append(Section(title, [f"kunde inte jämföras: {key} saknas eller kunde inte läsas i {which} "
                                            f"versionen"]))
            continue
        sections.append(Section(title, compare(a, b)))
    return sections


def _quote(text: str, limit: int = QUOTE) -> str:
    text = re.sub(r"\s+", " ", plain(text)).strip()
    return f"”{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


# Swedish participles agree with the noun: "aktiviteten tillagd", "uppdraget tillagt".
NEUTER = {"uppdraget", "stycket", "avsnittet", "fokusområdet", "kapitlet"}


def _done(noun: str, participle: str) -> str:
    """"tillagd" for "aktiviteten", "tillagt" for "uppdraget"."""
    if noun not in NEUTER:
        return participle
    return {"tillagd": "tillagt", "borttagen": "borttaget", "omformulerad": "omformulerat",
            "flyttad": "flyttat"}.get(participle, participle)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio()


def _document(old: m.Plan, new: m.Plan) -> list[str]:
    lines = []
    if old.title != new.title:
        lines.append(f"titeln: {_quote(old.title)} → {_quote(new.title)}")
    old_chapters, new_chapters = [c.title for c in old.chapters], [c.title for c in new.chapters]
    old_appendices, new_appendices = [a.title for a in old.appendices], [a.title for a in new.appendices]
    for noun, a, b in (("kapitlet", old_chapters, new_chapters), ("bilagan", old_appendices, new_appendices)):
        lines += _match_sequence(a, b, noun)
    return lines


def _texts(old: PlanSources, new: PlanSources) -> list[str]:
    """Sentences added, removed or reworded in the chapters' and appendices' Markdown texts."""
    lines = []
    names = _text_names(new.plan) | {k: v for k, v in _text_names(old.plan).items() if k not in _text_names(new.plan)}
    for key, name in names.items():
        a, b = old.texts.get(key), new.texts.get(key)
        if a == b:
            continue
        if a is None:
            lines.append(f"{name}: ny text ({counted(len(_sentences(b)), 'mening', 'meningar')})")
            continue
        if b is None:
            lines.append(f"{name}: texten borttagen")
            continue
        for change in _match_sequence(_sentences(a), _sentences(b), "meningen"):
            lines.append(f"{name}: {change}")
    return lines


def _text_names(plan: m.Plan) -> dict[str, str]:
    names = {c.text: f"kapitel {i} {c.title}" for i, c in enumerate(plan.chapters, 1) if c.text}
    names.update({a.text: f"bilaga {i} {a.title}" for i, a in enumerate(plan.appendices, 1) if a.text})
    return names


def _sentences(markdown: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", markdown):
        block = re.sub(r"\s+", " ", block).strip()
        if block:
            out += [s for s in re.split(r"(?<=[.!?:])\s+(?=[A-ZÅÄÖ0-9*\"”(])", block) if s]
    return out


def _match_sequence(a: list[str], b: list[str], noun: str) -> list[str]:
    """Changes between two ordered lists of texts: reworded, added, removed (moves not sought)."""
    lines = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        lines += _pair_up(a[a1:a2], b[b1:b2], noun)
    return lines


def _pair_up(removed: list[str], added: list[str], noun: str) -> list[str]:
    """Pair removed and added texts that are alike as rewordings; the rest are removed or added."""
    lines = []
    pairs = sorted(((_ratio(x, y), i, j) for i, x in enumerate(removed) for j, y in enumerate(added)), reverse=True)
    used_a, used_b, reworded = set(), set(), {}
    for ratio, i, j in pairs:
        if ratio < SIMILAR or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        reworded[j] = i
    for j, text in enumerate(added):
        if j in reworded:
            lines.append(f"{noun} {_quote(removed[reworded[j]])} {_done(noun, 'omformulerad')} till {_quote(text)}")
        else:
            lines.append(f"{noun} {_quote(text)} {_done(noun, 'tillagd')}")
    for i, text in enumerate(removed):
        if i not in used_a:
            lines.append(f"{noun} {_quote(text)} {_done(noun, 'borttagen')}")
    return lines


# Activities ----------------------------------------------------------------------------------------

@dataclass
class _Item:
    where: str          # the goal (or "") it sits under
    text: str
    details: tuple      # what else it carries: comment, appendix row, footnote mark
    ident: str | None = None  # its identity (id), when it has one


def _activity_items(where: str, activities: list[m.Activity]) -> list[_Item]:
    return [_Item(where, a.activity, (tuple(a.comment), a.appendix_item, a.mark), a.id) for a in activities]


def _moved(matched: list[tuple[int, int]]) -> set[int]:
    """The old indices of matched items that changed place in the order (not merely shifted by others)."""
    olds = [i for i, _ in sorted(matched, key=lambda p: p[1])]
    keep = difflib.SequenceMatcher(a=sorted(olds), b=olds, autojunk=False)
    staying = {olds[j] for block in keep.get_matching_blocks() for j in range(block.b, block.b + block.size)}
    return {i for i in olds if i not in staying}


def _match_items(old: list[_Item], new: list[_Item], noun: str, ordered: bool = False) -> list[str]:
    """Added, removed, reworded and moved items; items are the same when their id is (see _pairs)."""
    lines = []
    matched = _pairs(old, new)
    left = sorted(set(range(len(old))) - {i for i, _ in matched})
    right = sorted(set(range(len(new))) - {j for _, j in matched})
    order_moves = _moved(matched) if ordered else set()
    for i, j in sorted(matched, key=lambda p: p[1]):
        a, b = old[i], new[j]
        where = f" ({b.where})" if b.where else ""
        if a.text != b.text:
            lines.append(f"{noun} {_done(noun, 'omformulerad')}{where}: {_quote(a.text)} → {_quote(b.text)}")
        if a.where != b.where:
            lines.append(f"{noun} {_quote(b.text)} {_done(noun, 'flyttad')} från {a.where} till {b.where}")
        elif i in order_moves:
            lines.append(f"{noun} {_quote(b.text)} {_done(noun, 'flyttad')} från plats {i + 1} till plats {j + 1}{where}")
        if a.details != b.details:
            lines += [f"{noun} {_quote(b.text, 60)}: {d}" for d in _detail_changes(a.details, b.details)]
    for j in right:
        where = f" ({new[j].where})" if new[j].where else ""
        lines.append(f"{noun} {_done(noun, 'tillagd')}{where}: {_quote(new[j].text)}")
    for i in left:
        where = f" ({old[i].where})" if old[i].where else ""
        lines.append(f"{noun} {_done(noun, 'borttagen')}{where}: {_quote(old[i].text)}")
    return lines


def _detail_changes(a: tuple, b: tuple) -> list[str]:
    out = []
    if a[0] != b[0]:
        out.append("kommentaren ändrad" if a[0] and b[0] else ("kommentar tillagd" if b[0] else "kommentaren borttagen"))
    if a[1] != b[1]:
        out.append(f"hänvisningen till bilaga 1 ändrad ({a[1] or 'ingen'} → {b[1] or 'ingen'})")
    if a[2] != b[2]:
        out.append(f"fotnoten ändrad ({a[2] or 'ingen'} → {b[2] or 'ingen'})")
    return out


def _walk_goals(goals: m.GoalsFile) -> Iterator[tuple[str, m.Goal]]:
    def visit(goal: m.Goal, area: str):
        yield area, goal
        for child in goal.goals:
            yield from visit(child, area)
    for area in goals.focus_areas:
        for goal in area.goals:
            yield from visit(goal, area.name)


def _goal_label(goal: m.Goal) -> str:
    return goal.title


def _activity_ids(goal: m.Goal) -> set[str]:
    """The identities of the activities under a goal and the goals below it."""
    return {a.id for a in goal.activities if a.id} | {i for child in goal.goals for i in _activity_ids(child)}


def _goals(old: m.GoalsFile, new: m.GoalsFile) -> list[str]:
    lines = []
    if old.vision != new.vision:
        lines.append(f"visionen: {_quote(old.vision)} → {_quote(new.vision)}")
    old_areas, new_areas = [a.name for a in old.focus_areas], [a.name for a in new.focus_areas]
    for change in _match_sequence(old_areas, new_areas, "fokusområdet"):
        lines.append(change)
    old_goals = [(area, g) for area, g in _walk_goals(old)]
    new_goals = [(area, g) for area, g in _walk_goals(new)]
    old_names = {(area, g.level, g.name): g for area, g in old_goals}
    new_names = {(area, g.level, g.name): g for area, g in new_goals}
    renamed: dict[tuple, tuple] = {}
    gone = [k for k in old_names if k not in new_names]
    come = [k for k in new_names if k not in old_names]
    # A goal renamed (or moved to another focus area) is the one of its level that keeps most of its
    # activities' identities; without shared identities, the one whose name is alike.
    for key in list(come):
        shared = lambda k: len(_activity_ids(old_names[k]) & _activity_ids(new_names[key]))  # noqa: E731
        same_level = [k for k in gone if k[1] == key[1]]
        best = max(same_level, key=lambda k: (shared(k), _ratio(k[2], key[2])), default=None)
        if best is not None and (shared(best) or (best[0] == key[0] and _ratio(best[2], key[2]) >= SIMILAR)):
            renamed[key] = best
            gone.remove(best)
            come.remove(key)
    for key, was in renamed.items():
        if was[0] != key[0]:
            lines.append(f"{key[1]} {_quote(key[2])} flyttat från fokusområde {was[0]} till fokusområde {key[0]}")
    for key in come:
        lines.append(f"{key[1]} tillagt (fokusområde {key[0]}): {_quote(key[2])}")
    for key in gone:
        lines.append(f"{key[1]} borttaget (fokusområde {key[0]}): {_quote(key[2])}")
    for key, goal in new_names.items():
        before = old_names.get(renamed.get(key, key))
        if before is None:
            continue
        if before.name != goal.name:
            lines.append(f"{goal.level} omdöpt: {_quote(before.name)} → {_quote(goal.name)}")
        if before.statement != goal.statement:
            lines.append(f"formuleringen av {_goal_label(goal)} ändrad: {_quote(goal.statement or '(ingen)')}")
        if before.responsible != goal.responsible:
            lines.append(f"ansvaret för {_goal_label(goal)}: {before.responsible or 'inget'} → "
                         f"{goal.responsible or 'inget'}")
        if [(f.mark, f.text) for f in before.footnotes] != [(f.mark, f.text) for f in goal.footnotes]:
            lines.append(f"fotnoterna under {_goal_label(goal)} ändrade")
    renamed_back = {old_key: new_key for new_key, old_key in renamed.items()}

    def old_where(area: str, goal: m.Goal) -> str:
        # an old goal under its new name, so that its activities are not reported as moved
        new_key = renamed_back.get((area, goal.level, goal.name))
        return _goal_label(new_names[new_key]) if new_key else _goal_label(goal)
    old_items = [item for area, g in old_goals for item in _activity_items(old_where(area, g), g.activities)]
    new_items = [item for _, g in new_goals for item in _activity_items(_goal_label(g), g.activities)]
    lines += _match_items(old_items, new_items, "aktiviteten")
    return lines


def _secretariat(old: m.SecretariatFile, new: m.SecretariatFile) -> list[str]:
    return _match_items(_activity_items("", old.activities), _activity_items("", new.activities), "uppdraget",
                        ordered=True)


def _organisation(old: m.OrganisationFile, new: m.OrganisationFile) -> list[str]:
    lines = []
    pairs = (("ordförande i samarbetskommittén", old.committee.chair, new.committee.chair),
             ("vice ordförande i samarbetskommittén", old.committee.vice_chair, new.committee.vice_chair),
             ("ordförande i ledningsgruppen", f"{old.management.chair.name} ({old.management.chair.municipality})",
              f"{new.management.chair.name} ({new.management.chair.municipality})"))
    for what, a, b in pairs:
        if a != b:
            lines.append(f"{what}: {a} → {b}")
    return lines


def _meeting_label(meeting: m.Meeting) -> str:
    return day_month(meeting.date) + (f"–{day_month(meeting.end_date)}" if meeting.end_date else "")


def _calendar(old: m.CalendarFile, new: m.CalendarFile) -> list[str]:
    lines = []
    old_bodies = {b.name: b for b in old.bodies}
    new_bodies = {b.name: b for b in new.bodies}
    for name in old_bodies.keys() - new_bodies.keys():
        lines.append(f"{name}: borttaget ur kalendariet")
    for name, body in new_bodies.items():
        before = old_bodies.get(name)
        if before is None:
            lines.append(f"{name}: nytt i kalendariet ({counted(len(body.meetings), 'möte', 'möten')})")
            continue
        for what, a, b in (("veckodag", before.weekday, body.weekday), ("start", before.start, body.start),
                           ("slut", before.end, body.end), ("plats", before.place, body.place)):
            if a != b:
                lines.append(f"{name}: {what} {_show(a)} → {_show(b)}")
        old_dates = {mt.date: mt for mt in before.meetings}
        new_dates = {mt.date: mt for mt in body.meetings}
        gone = [old_dates[d] for d in sorted(old_dates.keys() - new_dates.keys())]
        come = [new_dates[d] for d in sorted(new_dates.keys() - old_dates.keys())]
        moves = min(len(gone), len(come)) if len(gone) == len(come) else 0
        for a, b in zip(gone[:moves], come[:moves]):
            lines.append(f"{name}: mötet {_meeting_label(a)} flyttat till {_meeting_label(b)}")
        for b in come[moves:]:
            lines.append(f"{name}: nytt möte {_meeting_label(b)}")
        for a in gone[moves:]:
            lines.append(f"{name}: mötet {_meeting_label(a)} struket")
        for day in sorted(old_dates.keys() & new_dates.keys()):
            a, b = old_dates[day], new_dates[day]
            for what, x, y in (("beskrivning", a.description, b.description), ("plats", a.place, b.place),
                               ("notering", a.note, b.note), ("tid", (a.start, a.end), (b.start, b.end)),
                               ("slutdatum", a.end_date, b.end_date)):
                if x != y:
                    lines.append(f"{name}, {_meeting_label(b)}: {what} {_show(x)} → {_show(y)}")
    return lines


def _show(value) -> str:
    if value is None or value == (None, None):
        return "(ingen)"
    if isinstance(value, tuple):
        return "–".join(v.strftime("%H.%M") if v else "?" for v in value)
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%H.%M")
    if hasattr(value, "strftime"):
        return day_month(value)
    return _quote(str(value), 80)


def _budget(old: m.BudgetFile, new: m.BudgetFile) -> list[str]:
    lines = []
    if old.fee_per_inhabitant != new.fee_per_inhabitant:
        lines.append(f"avgiften per invånare: {kronor(old.fee_per_inhabitant)} → {kronor(new.fee_per_inhabitant)}")
    if old.population.count != new.population.count:
        lines.append(f"antal invånare: {old.population.count:,} → {new.population.count:,}".replace(",", "\u00a0"))
    for title, a, b in (("intäkter", old.revenue, new.revenue), ("kostnader", old.costs, new.costs)):
        before = {line.label: line for line in a.lines}
        after = {line.label: line for line in b.lines}
        gone = [k for k in before if k not in after]
        come = [k for k in after if k not in before]
        renamed = {}
        for key in list(come):
            best = max(gone, key=lambda k: _ratio(k, key), default=None)
            if best is not None and _ratio(best, key) >= SIMILAR:
                renamed[key] = best
                gone.remove(best)
                come.remove(key)
        for key, line in after.items():
            was = before.get(renamed.get(key, key))
            if was is None:
                continue
            if was.label != line.label:
                lines.append(f"{title}: posten {_quote(was.label)} heter nu {_quote(line.label)}")
            if (was.amount, was.approximate) != (line.amount, line.approximate):
                lines.append(f"{title}: {line.label} {kronor(was.amount, was.approximate)} → "
                             f"{kronor(line.amount, line.approximate)}")
        for key in come:
            lines.append(f"{title}: ny post {key}, {kronor(after[key].amount, after[key].approximate)}")
        for key in gone:
            lines.append(f"{title}: posten {key} ({kronor(before[key].amount, before[key].approximate)}) borttagen")
        if a.total != b.total:
            lines.append(f"{title}: summan {kronor(a.total)} → {kronor(b.total)}")
    if [(f.mark, f.text) for f in old.footnotes] != [(f.mark, f.text) for f in new.footnotes]:
        lines.append("fotnoterna under budgeten ändrade")
    return lines


def _comm_plan(old: m.CommPlanFile, new: m.CommPlanFile) -> list[str]:
    lines = []
    for change in _match_sequence([s.heading for s in old.sections], [s.heading for s in new.sections], "avsnittet"):
        lines.append(change)
    for a in old.sections:
        for b in new.sections:
            if a.heading == b.heading and a.text != b.text:
                lines += [f"avsnittet {_quote(b.heading, 60)}: {c}"
                          for c in _match_sequence(list(a.text), list(b.text), "stycket")]
    text = lambda item: " ".join(item.activity)  # noqa: E731
    before = [_Item("", text(i), (), i.id) for i in old.items]
    after = [_Item("", text(i), (), i.id) for i in new.items]
    matched = _pairs(before, after)
    moved = _moved(matched)
    for i, j in matched:
        a, b = old.items[i], new.items[j]
        row = f"rad {b.number}" + (f" (förut {a.number})" if a.number != b.number else "")
        if i in moved:
            lines.append(f"raden {_quote(text(b), 60)} flyttad från rad {a.number} till rad {b.number}")
        if a.activity != b.activity:
            lines.append(f"{row}: aktiviteten {_quote(text(a))} → {_quote(text(b))}")
        for what, x, y in (("när", a.when, b.when), ("kostnad", a.cost, b.cost)):
            if x != y:
                lines.append(f"{row}: {what} {_quote(' '.join(x))} → {_quote(' '.join(y))}")
        if a.years != b.years:
            lines.append(f"{row}: åren {a.years or 'alla'} → {b.years or 'alla'}")
        if a.footnotes != b.footnotes:
            lines.append(f"{row}: fotnoterna {a.footnotes or 'inga'} → {b.footnotes or 'inga'}")
    for j in sorted(set(range(len(new.items))) - {j for _, j in matched}):
        lines.append(f"ny rad {new.items[j].number}: {_quote(text(new.items[j]))}")
    for i in sorted(set(range(len(old.items))) - {i for i, _ in matched}):
        lines.append(f"rad {old.items[i].number} borttagen: {_quote(text(old.items[i]))}")
    old_notes = {f.number: f.text for f in old.footnotes}
    new_notes = {f.number: f.text for f in new.footnotes}
    for number in sorted(old_notes.keys() | new_notes.keys()):
        a, b = old_notes.get(number), new_notes.get(number)
        if a != b:
            lines.append(f"fotnot {number}: " + ("ny" if a is None else "borttagen" if b is None else "ändrad"))
    return lines


def _pairs(old: list[_Item], new: list[_Item]) -> list[tuple[int, int]]:
    """Index pairs of the same item, in the new order: the same identity; else, when one of the two has
    none, the same text, else a text alike. Two items with different identities are never one."""
    by_id = {item.ident: j for j, item in enumerate(new) if item.ident}
    matched = [(i, by_id[item.ident]) for i, item in enumerate(old) if item.ident in by_id]
    left = [i for i in range(len(old)) if i not in {a for a, _ in matched}]
    right = [j for j in range(len(new)) if j not in {b for _, b in matched}]
    unknown = lambda i, j: not (old[i].ident and new[j].ident)  # noqa: E731
    for j in list(right):
        for i in left:
            if unknown(i, j) and old[i].text == new[j].text:
                matched.append((i, j))
                left.remove(i)
                right.remove(j)
                break
    for ratio, i, j in sorted(((_ratio(old[i].text, new[j].text), i, j) for i in left for j in right
                               if unknown(i, j)), reverse=True):
        if ratio >= SIMILAR and i in left and j in right:
            matched.append((i, j))
            left.remove(i)
            right.remove(j)
    return sorted(matched, key=lambda p: p[1])
