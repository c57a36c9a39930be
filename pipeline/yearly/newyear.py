"""New-year stage: start next year's sources from this year's, leaving clear to-dos.

Goals, structure and texts are carried over; the plan becomes `utkast`, version 1; Bilaga 1
keeps the activities planned for the new year (renumbered, links and footnotes following);
the plan's date, the calendar's meetings and the budget's population become "ATT GÖRA: ..."
values that `check` reports, one line each, until they are filled, and so does every text that
names the old plan's year or the year before it. Comments in the files are kept
(ruamel.yaml round-trip). Nothing is written unless all of it can be: the new folder is
assembled beside `sources/` and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from ruamel.yaml import YAML

from pipeline.checks.run import check
from pipeline.content.formatting import counted
from pipeline.errors import PipelineError
from pipeline.sources.load import TODO_MARK
from pipeline.paths import year_dir
from pipeline.sources.model import UNFINISHED


def new_year(root: Path, year: int) -> list[str]:
    """Create sources/YEAR from sources/YEAR-1; return Swedish lines saying what to fill in."""
    target = year_dir(root, year)
    if target.exists():
        raise PipelineError(f"sources/{year} finns redan; new-year skriver aldrig över ett befintligt år. "
                            f"Ta bort eller byt namn på mappen om du vill börja om.")
    previous = year - 1
    checked = check(root, previous)  # start only from sources that are themselves in order
    statuses, occasion = _last_follow_up(checked)
    source = year_dir(root, previous)
    work = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=target.parent))
    try:
        shutil.copytree(source, work, dirs_exist_ok=True)
        for follow_up in work.glob("uppfoljning-*.yaml"):  # the previous year's follow-ups stay there
            follow_up.unlink()
        carried = _Carried(statuses, f"{occasion} {previous}")
        renumbered = _bring_forward_appendix(work / "kommunikationsplan.yaml", year, carried)
        _update_plan(work / "plan.yaml", previous, year)
        _clear_calendar(work / "kalendarium.yaml", year)
        _clear_population(work / "budget.yaml", year)
        if (work / "remiss.yaml").exists():
            _clear_round_dates(work / "remiss.yaml", year)
        for name in ("mal.yaml", "kansliet.yaml"):
            _relink_activities(work / name, renumbered)
            _carry_unfinished(work / name, carried)
        marked = _mark_old_year(work, previous, year)
        os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    appendix = checked.content.get("kommunikationsplan")
    bound = sum(1 for item in appendix.items if item.years and year not in item.years) if appendix else 0
    return _summary(previous, year, occasion if statuses else None, marked=marked, unfinished=carried.marked,
                    finished=carried.dropped, bound=bound)


def _summary(previous: int, year: int, occasion: str | None, marked: int, unfinished: int, finished: int,
             bound: int) -> list[str]:
    """Return the lines new-year prints: what was carried over, what was left out and why, what to check."""
    lines = [f"Skapade sources/{year} från {previous} (utkast, version 1)."]
    if occasion is not None:
        one = unfinished == 1
        lines.append(f"Enligt uppföljningen {occasion} {previous}: "
                     f"{counted(unfinished, 'aktivitet', 'aktiviteter')} som inte blev "
                     f"{'klar' if one else 'klara'} är med och {'markerad' if one else 'markerade'} "
                     f"'{TODO_MARK}: behåll eller stryk'; "
                     f"{counted(finished, 'genomförd eller struken', 'genomförda eller strukna')} togs inte med.")
    if bound:
        lines.append(f"{counted(bound, 'rad', 'rader')} i bilaga 1 planerades bara för {previous} (år) och togs "
                     "inte med.")
    lines += [f"{counted(marked, 'ställe', 'ställen')} i texterna nämner {previous} eller {previous - 1} och är "
              f"{'markerat' if marked == 1 else 'markerade'} '{TODO_MARK}: kontrollera årtalet'.",
              f"Fyll i och kontrollera det som står som '{TODO_MARK}' och kör 'make check-{year}'."]
    return lines


YEAR_SET_BY_NEW_YEAR = {("titel",), ("kapitel", "rubrik")}  # their plan year is rewritten above


def _mark_old_year(folder: Path, previous: int, year: int) -> int:
    """Mark every mention of the old plan's time (its year and the year before) for review; return
    how many places were marked.

    A text that names the previous year may still be right ("fortsätter från 2024") or need
    the new year ("under 2024"), and "under 2023 genomfördes" in the old plan is about the year
    before it: a person decides. Each such YAML text value and each such Markdown line gets the
    prefix "ATT GÖRA: kontrollera årtalet ... –" (in a Markdown line after its heading, list or
    table mark, or footnote label, so that the line stays what it is), which `check` lists, one line
    each, until it is removed. Comments only describe the files: their years move on by one.
    """
    old = (previous, previous - 1)
    pattern = re.compile(rf"\b({previous}|{previous - 1})\b")
    marked = 0

    def prefix(text: str, skip: tuple[int, ...] = ()) -> str | None:
        """The mark for a text that names an old year (not those in `skip`), or None."""
        found = [y for y in old if y not in skip and re.search(rf"\b{y}\b", text)]
        if not found or TODO_MARK in text.upper():
            return None
        years = f"årtalet {found[0]}" if len(found) == 1 else f"årtalen {found[0]} och {found[1]}"
        return f"{TODO_MARK}: kontrollera {years} – "

    def mark(value, loc):
        nonlocal marked
        if isinstance(value, str):
            # a title's plan year is already the new one; another year in it is still to check
            skip = (previous,) if tuple(k for k in loc if isinstance(k, str)) in YEAR_SET_BY_NEW_YEAR else ()
            mark_text = prefix(value, skip)
            if mark_text is not None:
                marked += 1
                return mark_text + value
            return value
        if isinstance(value, dict):
            for key in list(value):
                value[key] = mark(value[key], loc + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                value[i] = mark(item, loc + (i,))
        return value

    def moved_on(match: re.Match) -> str:
        return str(int(match.group()) + 1)

    for path in sorted(folder.rglob("*.yaml")):
        _edit(path, lambda data: mark(data, ()))
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(pattern.sub(moved_on, line) if line.lstrip().startswith("#") else line
                                  for line in lines), encoding="utf-8")
    for path in sorted(folder.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            mark_text = prefix(line)
            if mark_text is not None:
                lead = MARKDOWN_LEAD.match(line).group()
                lines[i] = lead + mark_text + line[len(lead):]
                marked += 1
        path.write_text("\n".join(lines), encoding="utf-8")
    return marked


# What begins a Markdown line and makes it a heading, list item, quote, table row or footnote:
# a mark goes after it.
MARKDOWN_LEAD = re.compile(r"^[ \t]*(?:(?:#{1,6}|[-*+]|\d{1,9}[.)]|>|\|)[ \t]+|\[\^[^\]]+\]:[ \t]*)*")


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _edit(path: Path, change) -> object:
    if not path.exists():
        return None
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    result = change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return result


def _update_plan(path: Path, previous: int, year: int) -> None:
    def change(data):
        data["år"] = year
        data["titel"] = re.sub(rf"\b{previous}\b", str(year), data["titel"])
        data["datum"] = f"{TODO_MARK}: ange utkastets datum (ÅÅÅÅ-MM-DD)"
        data["status"] = "utkast"
        if "version" in data:
            data["version"] = 1
        elif "beslutsdatum" in data:
            # Put version where beslutsdatum stood, keeping the comment that follows it.
            position = list(data.keys()).index("beslutsdatum")
            comment = data.ca.items.pop("beslutsdatum", None)
            del data["beslutsdatum"]
            data.insert(position, "version", 1)
            if comment:
                data.ca.items["version"] = comment
        else:
            data.insert(list(data.keys()).index("status") + 1, "version", 1)
        for chapter in data.get("kapitel", []):
            chapter["rubrik"] = re.sub(rf"\b{previous}\b", str(year), chapter["rubrik"])
    _edit(path, change)


def _clear_calendar(path: Path, year: int) -> None:
    def change(data):
        for body in data.get("organ", []):
            body["möten"] = f"{TODO_MARK}: ange mötena {year} för {body['namn']} (datum: ÅÅÅÅ-MM-DD)"
    _edit(path, change)


def _clear_population(path: Path, year: int) -> None:
    def change(data):
        data["invånare"]["antal"] = f"{TODO_MARK}: ange antalet invånare på Södertörn den 31 december {year - 1}"
        data["invånare"]["datum"] = dt.date(year - 1, 12, 31)
    _edit(path, change)


def _clear_round_dates(path: Path, year: int) -> None:
    """Last year's round: the contact and the question stay; it sends draft 1, on dates still to set."""
    def change(data):
        if "utkast" in data:
            data["utkast"] = 1
        else:
            data.insert(0, "utkast", 1)
        if "skickas" in data:
            data["skickas"] = f"{TODO_MARK}: ange dagen då utkastet till {year} skickas ut (ÅÅÅÅ-MM-DD)"
        data["svar_senast"] = f"{TODO_MARK}: ange sista svarsdagen för utkastet till {year} (ÅÅÅÅ-MM-DD)"
    _edit(path, change)


def _last_follow_up(sources) -> tuple[dict[str, str], str]:
    """The statuses (id → status) of the year's last follow-up (the full year's if there is one)."""
    follow_ups = {k: v for k, v in sources.follow_ups.items() if v is not None}
    if not follow_ups:
        return {}, ""
    last = max(follow_ups.values(), key=lambda f: (f.occasion == "helår", f.date))
    return {ident: outcome.status for ident, outcome in last.activities.items()}, last.occasion


class _Carried:
    """What the last follow-up says of each activity: unfinished ones are marked, finished ones left out."""

    def __init__(self, statuses: dict[str, str], occasion: str):
        self.statuses, self.occasion = statuses, occasion
        self.marked = self.dropped = 0

    def keep(self, item, recurring: bool = False) -> bool:
        """False for a finished activity (genomförd, struken); an unfinished one gets its to-do mark.

        A recurring activity (a Bilaga 1 row without years) done this year is planned again."""
        status = self.statuses.get(item.get("id"))
        if status is None or (recurring and status == "genomförd"):
            return True
        if status not in UNFINISHED:
            self.dropped += 1
            return False
        self.marked += 1
        prefix = f"{TODO_MARK}: behåll eller stryk ({status} enligt uppföljningen {self.occasion}) – "
        text = item["aktivitet"]
        if isinstance(text, list):
            text[0] = prefix + text[0]
        else:
            item["aktivitet"] = prefix + text
        return True


def _carry_unfinished(path: Path, carried: _Carried) -> None:
    """Leave finished activities out of the new year's goals and assignments; mark the unfinished."""
    if not carried.statuses:
        return

    def fix(activities):
        if activities:
            activities[:] = [a for a in activities if carried.keep(a)]

    def walk(goals):
        for goal in goals or []:
            fix(goal.get("aktiviteter"))
            if goal.get("fotnoter"):  # a footnote whose activity was left out goes with it
                used = {a.get("fotnot") for a in goal.get("aktiviteter") or []}
                goal["fotnoter"][:] = [f for f in goal["fotnoter"] if f.get("tecken") in used]
            walk(goal.get("mål"))

    def change(data):
        fix(data.get("aktiviteter"))
        if "aktiviteter" in data and not data["aktiviteter"]:  # the secretariat's list may not be empty
            data["aktiviteter"].append({"aktivitet": f"{TODO_MARK}: skriv kansliets uppdrag (alla förra årets "
                                                     f"blev klara)"})
        for area in data.get("fokusområden", []) or []:
            walk(area.get("mål"))
    _edit(path, change)


def _bring_forward_appendix(path: Path, year: int, carried: _Carried | None = None) -> dict[int, int | None]:
    """Keep the activities planned for `year` (or without years) and not finished by the last
    follow-up; return old → new numbers."""
    def change(data):
        kept, mapping = [], {}
        for item in data["aktiviteter"]:
            years = item.get("år")
            if (years and year not in years) or (carried is not None and not carried.keep(item, not years)):
                mapping[item["nr"]] = None
                continue
            mapping[item["nr"]] = len(kept) + 1
            item["nr"] = len(kept) + 1
            kept.append(item)
        data["aktiviteter"][:] = kept
        # The footnotes still used, numbered 1, 2, 3 ... again in the order they are first used
        # (the cost column's first, as the table shows it), references following.
        order = ([data["fotnot_kostnad"]] if data.get("fotnot_kostnad") else []) + \
            [n for item in kept for n in item.get("fotnoter", [])]
        numbers = {old: new for new, old in enumerate(dict.fromkeys(order), start=1)}
        if data.get("fotnot_kostnad"):
            data["fotnot_kostnad"] = numbers[data["fotnot_kostnad"]]
        for item in kept:
            if "fotnoter" in item:
                item["fotnoter"][:] = [numbers[n] for n in item["fotnoter"]]
        if "fotnoter" in data:
            data["fotnoter"][:] = sorted((note for note in data["fotnoter"] if note["nr"] in numbers),
                                         key=lambda note: numbers[note["nr"]])
            for note in data["fotnoter"]:
                note["nr"] = numbers[note["nr"]]
        return mapping
    return _edit(path, change) or {}


def _relink_activities(path: Path, renumbered: dict[int, int | None]) -> None:
    """Point activities' `bilaga1` at the renumbered items; drop links to items not carried over."""
    def fix(activities):
        for activity in activities or []:
            if "bilaga1" in activity and activity["bilaga1"] in renumbered:
                new = renumbered[activity["bilaga1"]]
                if new is None:
                    del activity["bilaga1"]
                else:
                    activity["bilaga1"] = new

    def walk(goals):
        for goal in goals or []:
            fix(goal.get("aktiviteter"))
            walk(goal.get("mål"))

    def change(data):
        fix(data.get("aktiviteter"))
        for area in data.get("fokusområden", []) or []:
            walk(area.get("mål"))
    _edit(path, change)
