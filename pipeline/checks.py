"""Check stage: consistency rules a human would otherwise verify by hand.

Each check returns problems located at a key of a source file; `check_plan` runs them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

from . import model as m
from .errors import Problem, SourceErrors
from .formatting import amount, weekday_name
from .load import PlanSources


def check_plan(sources: PlanSources) -> None:
    """Raise SourceErrors with every inconsistency found in `sources`."""
    problems = plan_problems(sources)
    if problems:
        raise SourceErrors(problems)


def plan_problems(sources: PlanSources) -> list[Problem]:
    """Return every inconsistency in `sources`, checking each rule whose files could be read.

    `sources` may be incomplete (see load.read_plan): a rule that needs a file that could not be
    read is left out, every other rule still runs, so that one run reports everything.
    """
    problems = [*check_shared(sources)]
    content = sources.content
    if content.get("budget") is not None:
        problems += check_budget(sources, content["budget"])
    if content.get("kalendarium") is not None:
        problems += check_calendar(sources, content["kalendarium"])
    if content.get("organisation") is not None and sources.municipalities is not None:
        problems += check_organisation(sources, content["organisation"])
    if content.get("mål") is not None:
        problems += check_goals(sources, content["mål"])
    if content.get("kansliet") is not None:
        problems += check_activity_links(sources, "kansliet", ("aktiviteter",),
                                          content["kansliet"].activities)
    if content.get("kommunikationsplan") is not None:
        problems += check_comm_plan(sources, content["kommunikationsplan"])
    problems += check_identities(sources)
    problems += check_figures(sources)
    problems += check_markdown_footnotes(sources)
    problems += check_markdown_todos(sources)
    return problems


def check_figures(s: PlanSources) -> Iterator[Problem]:
    """Yield images in the Markdown texts that are no known figure, as pandoc reads them.

    Any image but `figur:NAMN`, in any syntax (inline, by reference, in a link, a table, a
    footnote), would make pandoc read a file or fetch an address named in a source text.
    """
    from .figures import GOAL_FIGURES, figure_names
    from .markdown_tree import images, read_all
    known = figure_names()
    cache = s.root / "build" / ".cache"
    read_all(s.texts.values(), cache, store=False)  # a check writes nothing
    for key, text in s.texts.items():
        where = s.text_paths[key]
        for image in dict.fromkeys(images(text, cache, store=False)):
            name = image.figure
            if name is None:
                yield Problem(where, f"bilden '{image.url}' kan inte användas; figurer läggs in "
                              f"som ![Figurtext](figur:NAMN) (finns: {', '.join(known)}).", line=image.line)
            elif name not in known:
                yield Problem(where, f"figuren 'figur:{name}' finns inte (finns: {', '.join(known)}).",
                              line=image.line)
            elif not image.captioned:
                yield Problem(where, f"figuren 'figur:{name}' saknar figurtext; skriv den inom hakparenteserna: "
                              f"![Figurtext](figur:{name}).", line=image.line)
            elif not image.alone and not _marked_todo(text, image.line):  # new-year's mark goes first
                yield Problem(where, f"figuren 'figur:{name}' står inte ensam i ett eget stycke; skriv den på en egen "
                              "rad utan indrag, med en tom rad före och efter, utanför listor, tabeller och fotnoter: "
                              f"![Figurtext](figur:{name}).", line=image.line)
            elif name in GOAL_FIGURES and s.plan is not None and "mål" not in s.content:
                yield Problem(where, f"figuren 'figur:{name}' ritas från målen, men planen "
                              "har inget kapitel med 'innehåll: mål'.", line=image.line)


def _marked_todo(text: str, line: int | None) -> bool:
    """Whether the line still carries new-year's "ATT GÖRA" mark (check_markdown_todos reports it)."""
    from .load import TODO_MARK
    lines = text.split("\n")
    return line is not None and 0 < line <= len(lines) and TODO_MARK in lines[line - 1].upper()


def check_shared(s: PlanSources) -> Iterator[Problem]:
    """Yield duplicate municipality names and network ids."""
    for name, key, items, attr in (("kommuner", "kommuner", s.municipalities and s.municipalities.municipalities, "name"),
                                   ("natverk", "natverk", s.networks and s.networks.networks, "id")):
        if items is None:
            continue
        seen: set[str] = set()
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                yield s.problem(name, (key, i, "namn" if attr == "name" else "id"),
                                f"'{value}' förekommer mer än en gång.")
            seen.add(value)


def check_identities(s: PlanSources) -> Iterator[Problem]:
    """Yield an activity identity (id) used twice in the year's files."""
    seen: dict[str, str] = {}
    for name, loc, activity in [(n, loc + ("id",), a) for n, loc, a in plan_activities(s)]:
        if activity.id is None:
            continue
        where = s.files[name].display
        if activity.id in seen:
            yield s.problem(name, loc, f"identiteten '{activity.id}' används redan i {seen[activity.id]}; varje "
                                       f"aktivitet har sin egen (ta bort raden och kör 'python -m pipeline ids "
                                       f"{s.year}' för att ge den en ny).")
        else:
            seen[activity.id] = where


def follow_up_problems(sources: PlanSources) -> list[Problem]:
    """Every problem of the year's follow-ups (uppfoljning-*.yaml): reading them and their rules."""
    problems = list(sources.follow_up_problems)
    for occasion, follow_up in sources.follow_ups.items():
        if follow_up is not None:
            problems += check_follow_up(sources, f"uppfoljning-{occasion}", follow_up)
    return problems


def plan_activities(s: PlanSources) -> list[tuple[str, tuple, m.Activity | m.CommItem]]:
    """(file key, key path, activity) of every activity of the plan: goals, secretariat, Bilaga 1."""
    places: list = []
    if s.content.get("mål") is not None:
        places += [("mal", loc + ("aktiviteter", i), a) for loc, goal in _walk_goals_of(s.content["mål"])
                   for i, a in enumerate(goal.activities)]
    if s.content.get("kansliet") is not None:
        places += [("kansliet", ("aktiviteter", i), a) for i, a in enumerate(s.content["kansliet"].activities)]
    if s.content.get("kommunikationsplan") is not None:
        places += [("kommunikationsplan", ("aktiviteter", i), a)
                   for i, a in enumerate(s.content["kommunikationsplan"].items)]
    return places


def check_follow_up(s: PlanSources, name: str, follow_up: m.FollowUpFile) -> Iterator[Problem]:
    """Yield plan activities without a status (or an identity), unknown identities, and budget outcomes
    that name no budget line, miss one, or do not add up to their stated sum."""
    import difflib

    activities = plan_activities(s)
    known = {a.id for _, _, a in activities if a.id}
    without = [(key, loc) for key, loc, a in activities if not a.id]
    for key, loc in without:
        yield s.problem(key, loc, f"aktiviteten har ingen identitet (id), så uppföljningen kan inte ange dess "
                                  f"status; kör 'python -m pipeline ids {s.year}'.")
    for key, loc, activity in activities:
        if activity.id and activity.id not in follow_up.activities:
            text = activity.activity if isinstance(activity.activity, str) else activity.activity[0]
            shown = text if len(text) <= 60 else text[:59].rstrip() + "…"
            yield s.problem(name, ("aktiviteter",), f"aktiviteten {activity.id} (”{shown}”, "
                                                    f"{s.files[key].display}) saknar status; lägg till "
                                                    f"'{activity.id}: {{status: …}}'.")
    # an activity file that could not be read has its own problem: its ids are not unknown
    complete = all(s.content.get(key) is not None for key in ("mål", "kansliet", "kommunikationsplan")
                   if key in s.content)
    for ident in follow_up.activities if complete else []:
        if ident not in known:
            close = difflib.get_close_matches(ident, sorted(known), n=1)
            hint = f" Menade du '{close[0]}'?" if close else ""
            yield s.problem(name, ("aktiviteter", ident), f"'{ident}' är ingen aktivitet i planen för "
                                                         f"{s.year}.{hint}")
    budget = s.content.get("budget")
    if budget is None:
        return
    for key, section, outcome in (("intäkter", budget.revenue, follow_up.budget.revenue),
                                  ("kostnader", budget.costs, follow_up.budget.costs)):
        planned = [line.label for line in section.lines]
        for i, line in enumerate(outcome.lines):
            if line.label not in planned:
                close = difflib.get_close_matches(line.label, planned, n=1)
                hint = f" Menade du '{close[0]}'?" if close else f" Posterna i budgeten: {', '.join(planned)}."
                yield s.problem(name, ("budget", key, "poster", i, "post"),
                                f"'{line.label}' är ingen post under {key} i budgeten.{hint}")
        given = {line.label for line in outcome.lines}
        for label in planned:
            if label not in given:
                yield s.problem(name, ("budget", key, "poster"), f"utfallet för '{label}' saknas.")
        total = sum(line.outcome for line in outcome.lines)
        if outcome.total is not None and outcome.total != total:
            yield s.problem(name, ("budget", key, "summa"),
                            f"summan {amount(outcome.total)} stämmer inte med posterna, som blir {amount(total)}.")


def _walk_goals_of(goals: m.GoalsFile) -> Iterator[tuple[tuple, m.Goal]]:
    for a, area in enumerate(goals.focus_areas):
        yield from _walk_goals(area.goals, ("fokusområden", a))


def round_problems(sources: PlanSources) -> list[Problem]:
    """Every problem of the year's round file (remiss.yaml): reading it and its rules.

    Kept apart from the plan's problems, like the follow-ups': `check` and `round` report them, but
    the plan is built without the round (a decided plan may keep its last round file)."""
    problems = list(sources.round_problems)
    if "remiss" in sources.files:
        problems += check_round(sources, sources.round)
    return problems


def check_round(s: PlanSources, round_file: m.RoundFile | None) -> Iterator[Problem]:
    """Yield recipients that are no member municipality, a round file of another draft than the plan's,
    and dates that do not fit the draft: sent before its date, answered before it is sent, on a weekend.

    `round_file` is None when a field of the file is broken: the rules then run on the fields
    that are valid on their own, so that one run reports every mistake of the file.
    """
    import difflib

    data = s.files["remiss"].data
    if not isinstance(data, dict):
        return  # reported by load.validate: the file is no set of keys
    fields = dict(round_file) if round_file is not None else m.RoundFile.readable_fields(data)
    recipients = data.get("mottagare")
    if s.municipalities is not None and isinstance(recipients, dict):
        names = [x.name for x in s.municipalities.municipalities]
        for name in map(str, recipients):
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" Menade du '{close[0]}'?" if close else f" Medlemskommunerna: {', '.join(names)}."
                yield s.problem("remiss", ("mottagare", name),
                                f"'{name}' är ingen av medlemskommunerna i kommuner.yaml.{hint}")
    draft = s.plan if s.plan is not None and s.plan.status == "utkast" else None  # a decided plan's round is over
    sent_on, answer_by = fields.get("sent_on"), fields.get("answer_by")
    if draft is not None and "utkast" not in data:
        yield s.problem("remiss", ("utkast",), f"ange vilket utkast remissen skickar ut: skriv utkast: "
                                               f"{draft.version} (versionen i plan.yaml) överst i filen.")
    elif draft is not None and fields.get("draft") not in (None, draft.version):
        # The file of the draft sent before: its dates are that draft's, so this is the one mistake to tell.
        dates = ", ".join(f"{what} {day.isoformat()}" for what, day in (("skickas", sent_on),
                                                                         ("svar senast", answer_by)) if day)
        yield s.problem("remiss", ("utkast",),
                        f"filen gäller utkast {fields['draft']}{f' ({dates})' if dates else ''}, men planen är nu "
                        f"utkast {draft.version} (version i plan.yaml). Skriv utkast: {draft.version} och datumen "
                        f"för det nya utskicket: skickas (tidigast utkastets datum, {draft.date.isoformat()}) och "
                        f"svar_senast (en vardag efter skickas).")
        return
    if draft is not None and sent_on is not None and sent_on < draft.date:
        yield s.problem("remiss", ("skickas",),
                        f"utkastet skickas {sent_on.isoformat()}, före sitt eget datum {draft.date.isoformat()} "
                        f"(datum i plan.yaml). Skriv skickas: {draft.date.isoformat()} eller senare, eller ta bort "
                        f"raden (då gäller utkastets datum).")
    if answer_by is None:
        return
    sent = sent_on or (draft.date if draft is not None else None)
    if sent is not None and answer_by <= sent:
        what = "skickas" if sent_on else "utkastets datum i plan.yaml"
        yield s.problem("remiss", ("svar_senast",),
                        f"svarsdagen {answer_by.isoformat()} ska komma efter {what} ({sent.isoformat()}).")
    if answer_by.weekday() >= 5:
        day = m.WEEKDAYS[answer_by.weekday()]
        yield s.problem("remiss", ("svar_senast",),
                        f"svarsdagen {answer_by.isoformat()} är en {day}; välj en vardag.")


def check_round_sending(s: PlanSources, round_file: m.RoundFile, today: dt.date) -> Iterator[Problem]:
    """Yield an answer date that has passed, or is `today`, on the day the draft is sent.

    Not a mistake in the sources (`check` does not report it): the round file of a draft sent
    last month is right, but a new round cannot be sent with it."""
    if round_file.answer_by <= today:
        when = "är i dag" if round_file.answer_by == today else "har redan passerat"
        yield s.problem("remiss", ("svar_senast",),
                        f"svarsdagen {round_file.answer_by.isoformat()} {when} (i dag är {today.isoformat()}); "
                        f"skriv en ny svarsdag, en vardag efter skickas, innan utkastet skickas.")


def check_budget(s: PlanSources, budget: m.BudgetFile) -> Iterator[Problem]:
    """Yield mismatches between fee × population, the lines and the stated totals."""
    fees = budget.fee_per_inhabitant * budget.population.count
    fee_lines = [i for i, line in enumerate(budget.revenue.lines) if line.from_fees]
    for i in fee_lines:
        line = budget.revenue.lines[i]
        if line.amount != fees:
            yield s.problem("budget", ("intäkter", "poster", i, "belopp"),
                            f"avgiften {budget.fee_per_inhabitant} kr × {amount(budget.population.count)} "
                            f"invånare = {amount(fees)} kr, men posten är {amount(line.amount)} kr.")
    if not fee_lines:
        yield s.problem("budget", ("intäkter", "poster"),
                        "ingen post har 'avgifter: true' (intäkten från kommunernas avgifter).")
    for key, section in (("intäkter", budget.revenue), ("kostnader", budget.costs)):
        total = sum(line.amount for line in section.lines)
        if total != section.total:
            yield s.problem("budget", (key, "summa"),
                            f"posterna summerar till {amount(total)} kr, men summan anges som "
                            f"{amount(section.total)} kr.")
    if budget.revenue.total != budget.costs.total:
        yield s.problem("budget", ("kostnader", "summa"),
                        f"kostnaderna ({amount(budget.costs.total)} kr) är inte lika med intäkterna "
                        f"({amount(budget.revenue.total)} kr).")
    lines = [(("intäkter", "poster", i), line) for i, line in enumerate(budget.revenue.lines)]
    lines += [(("kostnader", "poster", i), line) for i, line in enumerate(budget.costs.lines)]
    yield from _check_marks(s, "budget", [(loc + ("fotnot",), line.mark) for loc, line in lines],
                            budget.footnotes, ("fotnoter",))


def check_calendar(s: PlanSources, calendar: m.CalendarFile) -> Iterator[Problem]:
    """Yield meetings outside the plan year, on a weekend or holiday, on an unusual weekday without
    a note, or out of order.

    A meeting on a Saturday, Sunday or Swedish holiday (helgdag, and the de facto ones: julafton,
    midsommarafton, nyårsafton) is always reported, note or not: the bodies meet on working days,
    and such a date is nearly always a typing mistake.
    """
    import holidays

    year = s.year
    days_off = holidays.Sweden(years=range(year - 1, year + 2), language="sv", include_sundays=False,
                               categories=("public", "de_facto"))
    for b, body in enumerate(calendar.bodies):
        if body.end <= body.start:
            yield s.problem("kalendarium", ("organ", b, "slut"), "sluttiden ska vara efter starttiden.")
        previous = None
        for i, meeting in enumerate(body.meetings):
            loc = ("organ", b, "möten", i)
            last = meeting.end_date or meeting.date
            for key, day in (("datum", meeting.date), ("slutdatum", meeting.end_date)):
                if day is not None and day.year != year:
                    yield s.problem("kalendarium", loc + (key,),
                                    f"{day.isoformat()} ligger inte i planens år {year}.")
            if meeting.end_date is not None and meeting.end_date <= meeting.date:
                yield s.problem("kalendarium", loc + ("slutdatum",), "slutdatum ska vara efter datum.")
            start, end = meeting.start or body.start, meeting.end or body.end
            if end <= start:
                yield s.problem("kalendarium", loc + ("slut",), "sluttiden ska vara efter starttiden.")
            days = [dt.date.fromordinal(d) for d in range(meeting.date.toordinal(), last.toordinal() + 1)]
            weekdays = {m.WEEKDAYS[d.weekday()] for d in days}
            free = next((d for d in days if d.weekday() >= 5 or d in days_off), None)
            if free is not None:
                what = days_off.get(free) or weekday_name(free)
                key = "datum" if free == meeting.date else "slutdatum"
                yield s.problem("kalendarium", loc + (key,),
                                f"{free.isoformat()} är {what.lower() if free in days_off else 'en ' + what}; "
                                f"samarbetets möten hålls på vardagar. Kontrollera datumet (en notering "
                                f"godtas inte för helger och helgdagar).")
            elif body.weekday not in weekdays and meeting.note is None:
                yield s.problem("kalendarium", loc + ("datum",),
                                f"{meeting.date.isoformat()} är en {weekday_name(meeting.date)}, men "
                                f"{body.name} möts på {body.weekday}ar; ange en notering "
                                f"(t.ex. \"Obs {weekday_name(meeting.date)}\") om dagen är avsiktlig.")
            if previous is not None and meeting.date <= previous:
                yield s.problem("kalendarium", loc + ("datum",),
                                "mötena ska stå i datumordning (detta möte kommer före eller "
                                "samma dag som det föregående).")
            previous = last


def check_organisation(s: PlanSources, org: m.OrganisationFile) -> Iterator[Problem]:
    """Yield chairs that are not member municipalities."""
    names = {x.name for x in s.municipalities.municipalities}
    known = ", ".join(sorted(names))
    for loc, value in ((("samarbetskommittén", "ordförande"), org.committee.chair),
                       (("samarbetskommittén", "vice_ordförande"), org.committee.vice_chair),
                       (("ledningsgruppen", "ordförande", "kommun"), org.management.chair.municipality)):
        if value not in names:
            yield s.problem("organisation", loc, f"'{value}' är ingen av medlemskommunerna ({known}).")
    if org.committee.chair == org.committee.vice_chair:
        yield s.problem("organisation", ("samarbetskommittén", "vice_ordförande"),
                        "ordförande och vice ordförande kan inte vara samma kommun.")


def check_goals(s: PlanSources, goals: m.GoalsFile) -> Iterator[Problem]:
    """Yield goals with an unknown level or network, broken Bilaga 1 links and footnote marks."""
    from .context import MAX_HEADING_LEVEL
    networks = {n.id for n in s.networks.networks} if s.networks is not None else None
    for f, area in enumerate(goals.focus_areas):
        first = 3 if area.heading else 2  # the heading level of the area's top goals
        for loc, goal in _walk_goals(area.goals, ("fokusområden", f)):
            level = first + loc[2:].count("mål") - 1
            if level == MAX_HEADING_LEVEL + 1:
                yield s.problem("mal", loc, f"målträdet är för djupt: planen har rubriker för "
                                f"{MAX_HEADING_LEVEL - first + 1} målnivåer under "
                                f"{'ett fokusområde med rubrik' if area.heading else 'ett fokusområde'}, "
                                f"och det här målet ligger på nivå {level - first + 1}. Flytta upp målet "
                                "eller slå ihop två nivåer.")
            if goal.level not in goals.levels:
                yield s.problem("mal", loc + ("nivå",), f"'{goal.level}' är ingen av nivåerna "
                                f"({', '.join(goals.levels)}).")
            if goal.responsible is not None and networks is not None and goal.responsible not in networks:
                yield s.problem("mal", loc + ("ansvar",), f"nätverket '{goal.responsible}' finns inte i "
                                f"{s.files['natverk'].display} (finns: {', '.join(sorted(networks))}).")
            yield from check_activity_links(s, "mal", loc + ("aktiviteter",), goal.activities)
            yield from _check_marks(s, "mal", [(loc + ("aktiviteter", i, "fotnot"), a.mark)
                                               for i, a in enumerate(goal.activities)],
                                    goal.footnotes, loc + ("fotnoter",))


def _walk_goals(goals: list[m.Goal], loc: tuple) -> Iterator[tuple[tuple, m.Goal]]:
    for i, goal in enumerate(goals):
        here = loc + ("mål", i)
        yield here, goal
        yield from _walk_goals(goal.goals, here)


def check_activity_links(s: PlanSources, name: str, loc: tuple,
                         activities: list[m.Activity]) -> Iterator[Problem]:
    """Yield activities that point at a Bilaga 1 item that does not exist."""
    if "kommunikationsplan" in s.content and s.content["kommunikationsplan"] is None:
        return  # Bilaga 1 could not be read: its numbers are unknown
    plan_items = s.content.get("kommunikationsplan")
    numbers = {item.number for item in plan_items.items} if plan_items else set()
    for i, activity in enumerate(activities):
        if activity.appendix_item is not None and activity.appendix_item not in numbers:
            where = "bilaga 1" if plan_items else "planen (den har ingen bilaga med kommunikationsplan)"
            yield s.problem(name, loc + (i, "bilaga1"),
                            f"aktivitet nr {activity.appendix_item} finns inte i {where}.")


def check_comm_plan(s: PlanSources, plan: m.CommPlanFile) -> Iterator[Problem]:
    """Yield Bilaga 1 numbering gaps, duplicates and dangling footnote references."""
    for i, item in enumerate(plan.items):
        if item.number != i + 1:
            yield s.problem("kommunikationsplan", ("aktiviteter", i, "nr"),
                            f"numret ska vara {i + 1} (aktiviteterna numreras 1, 2, 3 ... i följd), "
                            f"inte {item.number}.")
    notes = Counter(n.number for n in plan.footnotes)
    for i, note in enumerate(plan.footnotes):
        if notes[note.number] > 1:
            yield s.problem("kommunikationsplan", ("fotnoter", i, "nr"),
                            f"fotnot {note.number} förekommer mer än en gång.")
    used = {plan.cost_footnote} if plan.cost_footnote else set()
    if plan.cost_footnote and plan.cost_footnote not in notes:
        yield s.problem("kommunikationsplan", ("fotnot_kostnad",), f"fotnot {plan.cost_footnote} finns inte.")
    for i, item in enumerate(plan.items):
        for j, ref in enumerate(item.footnotes):
            used.add(ref)
            if ref not in notes:
                yield s.problem("kommunikationsplan", ("aktiviteter", i, "fotnoter", j),
                                f"fotnot {ref} finns inte under 'fotnoter'.")
    for i, note in enumerate(plan.footnotes):
        if note.number not in used:
            yield s.problem("kommunikationsplan", ("fotnoter", i, "nr"),
                            f"fotnot {note.number} hänvisas inte till från någon aktivitet.")


def _check_marks(s: PlanSources, name: str, marks: list[tuple[tuple, str | None]],
                 footnotes: list[m.Footnote], notes_loc: tuple) -> Iterator[Problem]:
    """Yield footnote marks without a footnote and footnotes that no mark points at."""
    defined = {n.mark for n in footnotes}
    used = {mark for _, mark in marks if mark}
    for loc, mark in marks:
        if mark and mark not in defined:
            yield s.problem(name, loc, f"fotnoten '{mark}' finns inte under 'fotnoter'.")
    for i, note in enumerate(footnotes):
        if note.mark not in used:
            yield s.problem(name, notes_loc + (i, "tecken"),
                            f"fotnoten '{note.mark}' hänvisas inte till från någon post.")


def check_markdown_footnotes(s: PlanSources) -> Iterator[Problem]:
    """Yield footnotes that pandoc cannot print as written: a reference ([^namn]) without a text,
    a text no reference uses or defined twice, a reference inside another footnote's text."""
    from .markdown_tree import footnote_problems
    cache = s.root / "build" / ".cache"
    for key, text in s.texts.items():
        where = s.text_paths[key]
        for note in dict.fromkeys(footnote_problems(text, cache, store=False)):
            name = note.label
            if note.kind == "ingen-text":
                message = (f"fotnoten [^{name}] har ingen text; skriv den på en egen rad efter stycket: "
                           f"[^{name}]: Fotnotens text.")
            elif note.kind == "oanvänd":
                message = (f"fotnoten [^{name}] hänvisas inte till i texten; skriv [^{name}] där fotnotssiffran "
                           "ska stå, eller ta bort fotnoten.")
            elif note.kind == "dubbel":
                first = f" (första gången på rad {note.first_line})" if note.first_line else ""
                message = (f"fotnoten [^{name}] definieras två gånger{first}; ta bort eller byt namn på den ena.")
            elif note.kind == "läses-inte":
                message = (f"texten till fotnoten [^{name}] läses som en del av stycket ovanför, inte som en "
                           f"fotnot; lämna en tom rad före raden [^{name}]: Fotnotens text.")
            else:  # "i-fotnot"
                message = (f"hänvisningen [^{name}] står i texten till en annan fotnot, och en fotnot kan inte "
                           "ha en egen fotnot; skriv hänvisningen i löptexten eller texten i samma fotnot.")
            yield Problem(where, message, line=note.line)


def check_markdown_todos(s: PlanSources) -> Iterator[Problem]:
    """Yield every line of a Markdown text still marked "ATT GÖRA" (left by new-year)."""
    from .load import TODO_MARK
    for key, text in s.texts.items():
        for number, line in enumerate(text.split("\n"), start=1):
            if TODO_MARK in line.upper():
                rest = line[line.upper().index(TODO_MARK) + len(TODO_MARK):].lstrip(" :–-")
                what, _, context = rest.partition(" – ")
                shown = context.strip() or rest
                shown = shown if len(shown) <= 70 else shown[:69] + "…"
                yield Problem(s.text_paths[key], f"att göra: {what.strip() or 'fyll i'} i \"{shown}\"; "
                              f"ta bort markeringen '{TODO_MARK}: ... –' när raden stämmer.", line=number)
