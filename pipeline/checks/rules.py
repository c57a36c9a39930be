"""Check stage: consistency rules a human would otherwise verify by hand.

Each check returns problems located at a key of a source file; `plan_problems`, `follow_up_problems`
and `round_problems` run them, and checks.run raises them all at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Iterator

from pipeline.sources import model as m
from pipeline.errors import Problem
from pipeline.content.formatting import amount, counted, weekday_name
from pipeline.sources.load import PlanSources, TODO_MARK
from pipeline.content.figures import figure_names, GOAL_FIGURES
from pipeline.content.markdown_tree import footnote_problems, images, read_all
from pipeline.content.context import MAX_HEADING_LEVEL


def plan_problems(sources: PlanSources) -> list[Problem]:
    """Return every inconsistency in `sources`, checking each rule whose files could be read.

    `sources` may be incomplete (see load.read_plan): a rule that needs a file that could not be
    read is left out, every other rule still runs, so that one run reports everything.
    """
    problems = [*check_shared(sources), *check_collaboration(sources), *check_contents_shown(sources)]
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
    lines = text.split("\n")
    return line is not None and 0 < line <= len(lines) and TODO_MARK in lines[line - 1].upper()


def check_contents_shown(s: PlanSources) -> Iterator[Problem]:
    """Yield a chapter or appendix whose `innehåll` another one already shows (each is shown once)."""
    if s.plan is None:
        return
    seen: dict[str, tuple] = {}
    parts = [(("kapitel", i), c.content) for i, c in enumerate(s.plan.chapters)]
    parts += [(("bilagor", i), a.content) for i, a in enumerate(s.plan.appendices)]
    for loc, content in parts:
        if content is None or not s.known("plan", loc + ("innehåll",)):
            continue
        if content in seen:
            first = s.files["plan"].line_of(s.files["plan"].original(seen[content] + ("innehåll",)))
            yield s.problem("plan", loc + ("innehåll",), f"innehåll: {content} visas redan (rad {first}); varje "
                                                        "innehåll visas en gång. Ta bort det ena.")
        seen.setdefault(content, loc)


def check_shared(s: PlanSources) -> Iterator[Problem]:
    """Yield duplicate municipality names and network ids."""
    for name, key, items, attr in (("kommuner", "kommuner", s.municipalities and s.municipalities.municipalities, "name"),
                                   ("natverk", "natverk", s.networks and s.networks.networks, "id")):
        if items is None:
            continue
        seen: set[str] = set()
        for i, item in enumerate(items):
            loc = (key, i, "namn" if attr == "name" else "id")
            if not s.known(name, loc):
                continue
            value = getattr(item, attr)
            if value in seen:
                yield s.problem(name, loc, f"'{value}' förekommer mer än en gång.")
            seen.add(value)


def check_collaboration(s: PlanSources) -> Iterator[Problem]:
    """Yield bodies of samverkan.yaml that stand under a body not listed before them, and a
    `natverk_under` that names no body (the organisation figure draws from them)."""
    c = s.collaboration
    if c is None:
        return
    names = [b.name if s.known("samverkan", ("organ", i, "namn")) else None for i, b in enumerate(c.bodies)]
    for i, name in enumerate(names):
        if name is not None and name in names[:i]:
            yield s.problem("samverkan", ("organ", i, "namn"), f"'{name}' förekommer mer än en gång.")
    if None in names:
        return  # a body's name is wrong: which one a reference means is not known
    for i, body in enumerate(c.bodies):
        if body.reports_to is None or body.reports_to in names[:i] or not s.known("samverkan", ("organ", i, "under")):
            continue
        if body.reports_to in names:
            yield s.problem("samverkan", ("organ", i, "under"),
                            f"'{body.reports_to}' står efter {body.name} i listan; ett organ står under ett organ "
                            "som kommer före det. Flytta det ena.")
            continue
        close = difflib.get_close_matches(body.reports_to, names[:i], n=1)
        hint = f" Menade du '{close[0]}'?" if close else ""
        yield s.problem("samverkan", ("organ", i, "under"),
                        f"'{body.reports_to}' är inget av organen före det i listan "
                        f"({', '.join(names[:i]) or 'det står först'}).{hint}")
    if s.known("samverkan", ("natverk_under",)) and c.networks_report_to not in names:
        close = difflib.get_close_matches(c.networks_report_to, names, n=1)
        hint = f" Menade du '{close[0]}'?" if close else ""
        yield s.problem("samverkan", ("natverk_under",),
                        f"'{c.networks_report_to}' är inget av organen ({', '.join(names)}).{hint}")



def check_identities(s: PlanSources) -> Iterator[Problem]:
    """Yield an activity identity (id) used twice in the year's files."""
    seen: dict[str, str] = {}
    for name, loc, activity in [(n, loc + ("id",), a) for n, loc, a in plan_activities(s)]:
        if activity.id is None or not s.known(name, loc):
            continue
        where = s.files[name].display
        if activity.id in seen:
            yield s.problem(name, loc, f"identiteten '{activity.id}' används redan i {seen[activity.id]}; varje "
                                       f"aktivitet har sin egen (ta bort raden och kör 'python -m pipeline ids "
                                       f"{s.year}' för att ge den en ny).")
        else:
            seen[activity.id] = where



def follow_up_problems(sources: PlanSources) -> list[Problem]:
    """Every problem of the year's follow-ups (uppfoljning-*.yaml): reading them and their rules.

    They are checked against whatever of the plan could be read, so that a mistake in the plan
    does not hide one in a follow-up."""
    problems = list(sources.follow_up_problems)
    readable = [(f"uppfoljning-{occasion}", f) for occasion, f in sources.follow_ups.items() if f is not None]
    # An activity whose id was lost and a follow-up entry that matches no activity are one mistake.
    lacking = [(key, loc) for key, loc, a in plan_activities(sources) if a.id is None and sources.known(key, loc + ("id",))]
    lost = {ident: name for name, f in readable for ident, meant in _orphans(sources, f).items() if meant is None}
    if len(lacking) == 1 and len(lost) == 1:
        (key, loc), (ident, name) = lacking[0], next(iter(lost.items()))
        at = sources.files[name].line_of(("aktiviteter", ident))
        problems.append(sources.problem(key, loc, f"aktiviteten har ingen identitet (id), så uppföljningen kan inte "
                                                  f"ange dess status. {sources.files[name].display} (rad {at}) har "
                                                  f"'{ident}', som ingen aktivitet i planen har: är det den, skriv "
                                                  f"'id: {ident}' här; annars kör 'python -m pipeline ids "
                                                  f"{sources.year}'."))
    elif sources.follow_ups:
        problems += without_identity(sources)
        lost = {}
    for name, follow_up in readable:
        problems += check_follow_up(sources, name, follow_up, told=set(lost))
    return problems


def without_identity(s: PlanSources) -> Iterator[Problem]:
    """Yield, once for all follow-ups, the plan's activities that have no identity (id) to follow up."""
    for key, loc, activity in plan_activities(s):
        if activity.id is None and s.known(key, loc + ("id",)):
            yield s.problem(key, loc, f"aktiviteten har ingen identitet (id), så uppföljningen kan inte ange dess "
                                      f"status; kör 'python -m pipeline ids {s.year}'.")



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


def check_follow_up(s: PlanSources, name: str, follow_up: m.FollowUpFile, told: set[str] = frozenset()) \
        -> Iterator[Problem]:
    """Yield plan activities without a status, unknown identities, and budget outcomes that name no
    budget line, miss one, or do not add up to their stated sum.

    A misspelt identity or line is one mistake: it is reported once, with the one it was meant to
    be, and that one is not also reported as missing."""
    activities = plan_activities(s)
    ids = {a.id for key, loc, a in activities if a.id and s.known(key, loc + ("id",))}
    meant = {ident: close for ident, close in _orphans(s, follow_up).items() if ident not in told}
    listed = s.known(name, ("aktiviteter",), inside=False)
    missing = [(key, activity) for key, loc, activity in activities
               if listed and activity.id in ids and activity.id not in follow_up.activities]
    for key, activity in missing:
        if activity.id in meant.values():
            continue  # its identity is misspelt in the follow-up: reported there
        text = activity.activity if isinstance(activity.activity, str) else activity.activity[0]
        shown = text if len(text) <= 60 else text[:59].rstrip() + "…"
        yield s.problem(name, ("aktiviteter",), f"aktiviteten {activity.id} (”{shown}”, "
                                                f"{s.files[key].display}) saknar status; lägg till "
                                                f"'{activity.id}: {{status: …}}'.")
    for ident in meant:
        hint = f" Menade du '{meant[ident]}'?" if meant[ident] else ""
        yield s.problem(name, ("aktiviteter", ident), f"'{ident}' är ingen aktivitet i planen för "
                                                     f"{s.year}.{hint}")
    budget = s.content.get("budget")
    if budget is None:
        return
    for key, section, outcome in (("intäkter", budget.revenue, follow_up.budget.revenue),
                                  ("kostnader", budget.costs, follow_up.budget.costs)):
        if not s.known("budget", *((key, "poster", i, "post") for i in range(len(section.lines)))) \
                or not s.known(name, ("budget", key, "poster"), inside=False):
            continue
        planned = [line.label for line in section.lines]
        labels = [(i, line.label) for i, line in enumerate(outcome.lines)
                  if s.known(name, ("budget", key, "poster", i, "post"))]
        given = {label for _, label in labels}
        missing_lines = [label for label in planned if label not in given]
        for i, label in labels:
            if label not in planned:
                close = difflib.get_close_matches(label, planned, n=1)
                hint = f" Menade du '{close[0]}'?" if close else f" Posterna i budgeten: {', '.join(planned)}."
                if close and close[0] in missing_lines:
                    missing_lines.remove(close[0])  # the line's name written wrong: not also missing
                yield s.problem(name, ("budget", key, "poster", i, "post"),
                                f"'{label}' är ingen post under {key} i budgeten.{hint}")
        if len(labels) == len(outcome.lines):
            for label in missing_lines:
                yield s.problem(name, ("budget", key, "poster"), f"utfallet för '{label}' saknas.")
        total = sum(line.outcome for line in outcome.lines)
        if outcome.total is not None and outcome.total != total and s.known(
                name, ("budget", key, "summa"), *(("budget", key, "poster", i, "utfall") for i in range(len(outcome.lines)))):
            yield s.problem(name, ("budget", key, "summa"),
                            f"summan {amount(outcome.total)} stämmer inte med posterna, som blir {amount(total)}.")


ACTIVITY_FILE = {"mål": "mal", "kansliet": "kansliet", "kommunikationsplan": "kommunikationsplan"}


def _orphans(s: PlanSources, follow_up: m.FollowUpFile) -> dict[str, str | None]:
    """The follow-up's identities that no activity of the plan has, each with the one it most likely
    means (or None)."""
    ids = {a.id for key, loc, a in plan_activities(s) if a.id and s.known(key, loc + ("id",))}
    # the identities as written, also of activities whose other values are wrong
    written = ids | {i for key in ACTIVITY_FILE.values() if key in s.files for i in identities_written(s.files[key].data)}
    # an activity file that could not be read has its own problem: its ids are not unknown
    if not all(s.files.get(ACTIVITY_FILE[key]) is not None for key in ACTIVITY_FILE if key in s.content):
        return {}
    return {ident: (difflib.get_close_matches(ident, sorted(ids), n=1) or [None])[0]
            for ident in follow_up.activities if ident not in written}


def identities_written(data: object) -> Iterator[str]:
    """Yield every activity identity (`id:`) in a source file's data as written."""
    for identity, _ in activities_written(data):
        yield identity


def activities_written(data: object) -> Iterator[tuple[str, str]]:
    """Yield (identity, what the activity says) for every activity with an `id:` in a source file's data."""
    if isinstance(data, dict):
        if isinstance(data.get("id"), str) and ("aktivitet" in data or "nr" in data):
            yield data["id"], str(data.get("aktivitet") or "")
        for value in data.values():
            yield from activities_written(value)
    elif isinstance(data, list):
        for value in data:
            yield from activities_written(value)



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
    """Yield mismatches between fee × population, the lines and the stated totals.

    One mistake gives one message, with what follows from it: a fee line that does not match the
    population also changes the revenue total, and then the costs must follow to balance. Each
    message says what to write, and by how much."""
    file = s.files["budget"]

    def known(*locs, inside: bool = True) -> bool:
        return s.known("budget", *locs, inside=inside)

    def line(loc) -> int | None:
        return file.line_of(file.original(loc))

    revenue, costs = budget.revenue, budget.costs
    fees = budget.fee_per_inhabitant * budget.population.count
    fee_lines = [i for i, item in enumerate(revenue.lines) if item.from_fees]
    if not fee_lines and known(*(("intäkter", "poster", i, "avgifter") for i in range(len(revenue.lines)))) \
            and known(("intäkter", "poster"), inside=False):
        yield s.problem("budget", ("intäkter", "poster"),
                        "ingen post har 'avgifter: true' (intäkten från kommunernas avgifter).")
    corrections: dict[int, int] = {}  # fee line → what it must change by
    if known(("avgift_per_invånare",), ("invånare", "antal")):
        corrections = {i: fees - revenue.lines[i].amount for i in fee_lines
                       if known(("intäkter", "poster", i, "belopp")) and revenue.lines[i].amount != fees}

    def sum_of(key: str, section: m.BudgetSection) -> int | None:
        if not known(*((key, "poster", i, "belopp") for i in range(len(section.lines)))):
            return None
        return sum(item.amount for item in section.lines)

    revenue_sum, costs_sum = sum_of("intäkter", revenue), sum_of("kostnader", costs)
    revenue_total = revenue.total if known(("intäkter", "summa")) else None
    costs_total = costs.total if known(("kostnader", "summa")) else None
    # what the revenue and the costs are once the lines are right
    right_revenue = revenue_sum + sum(corrections.values()) if revenue_sum is not None else revenue_total
    right_costs = costs_sum if costs_sum is not None else costs_total
    balanced = revenue_total is not None and revenue_total == costs_total
    # a budget balanced as written, whose revenue changes by a correction: the costs must follow
    costs_follow = (balanced and None not in (right_revenue, right_costs) and right_revenue != revenue_total
                    and right_costs == costs_total)
    follow = (f"För att kostnaderna ska vara lika med intäkterna behöver också de bli {_kr(right_revenue)}: "
              f"{'höj' if (right_revenue or 0) > (right_costs or 0) else 'sänk'} en eller flera kostnadsposter med "
              f"sammanlagt {_kr(abs((right_revenue or 0) - (right_costs or 0)))} och ändra kostnadernas summa "
              f"(rad {line(('kostnader', 'summa'))}) till {_kr(right_revenue)}." if costs_follow else "")
    total_follows = bool(corrections) and revenue_total is not None and revenue_total == revenue_sum
    for n, (i, change) in enumerate(corrections.items()):
        item = revenue.lines[i]
        message = (f"avgiften {budget.fee_per_inhabitant} kr × {amount(budget.population.count)} invånare = "
                   f"{_kr(fees)}, men posten är {_kr(item.amount)}. Ändra den till {_kr(fees)} "
                   f"({_difference(change)}).")
        if n == 0 and total_follows:
            message += (f" Då blir intäkternas summa {_kr(right_revenue)}: ändra summan (rad "
                        f"{line(('intäkter', 'summa'))}).")
        if n == 0 and follow:
            message, follow = f"{message} {follow}", ""
        yield s.problem("budget", ("intäkter", "poster", i, "belopp"), message)
    if revenue_total is not None and revenue_sum is not None and revenue_total not in (revenue_sum, right_revenue):
        message = f"posterna summerar till {_kr(revenue_sum)}, men summan anges som {_kr(revenue_total)}."
        if corrections:
            message += f" Med avgiftsposten rättad blir den {_kr(right_revenue)}."
        message += f" Ändra summan till {_kr(right_revenue)}."
        if follow:
            message, follow = f"{message} {follow}", ""
        yield s.problem("budget", ("intäkter", "summa"), message)
    balance_told = costs_follow
    if costs_total is not None and costs_sum is not None and costs_total != costs_sum:
        message = f"posterna summerar till {_kr(costs_sum)}, men summan anges som {_kr(costs_total)}."
        if right_revenue is not None and costs_total == right_revenue:
            # the total agrees with the revenue: a line is likely off, or both totals must change
            message += (f" Summan är lika med intäkterna: {'sänk' if costs_sum > costs_total else 'höj'} en eller "
                        f"flera poster med sammanlagt {_kr(abs(costs_sum - costs_total))}, eller ändra summan till "
                        f"{_kr(costs_sum)} och intäkterna lika mycket.")
            balance_told = True
        else:
            message += f" Ändra summan till {_kr(costs_sum)}."
        yield s.problem("budget", ("kostnader", "summa"), message)
    if None not in (right_revenue, right_costs) and right_revenue != right_costs and not balance_told:
        yield s.problem("budget", ("kostnader", "summa"),
                        f"kostnaderna ({_kr(right_costs)}) är inte lika med intäkterna "
                        f"({_kr(right_revenue)}). Skillnaden är {_kr(abs(right_revenue - right_costs))}: "
                        "ändra en eller flera poster så att budgeten går jämnt ut.")
    lines = [(("intäkter", "poster", i), item) for i, item in enumerate(revenue.lines)]
    lines += [(("kostnader", "poster", i), item) for i, item in enumerate(costs.lines)]
    yield from _check_marks(s, "budget", [(loc + ("fotnot",), item.mark) for loc, item in lines],
                            budget.footnotes, ("fotnoter",))


def _kr(value: int) -> str:
    """Return an amount as the messages write it: "2 083 296 kr"."""
    return f"{amount(value)} kr"


def _difference(change: int) -> str:
    """Return "40 000 kr mer" or "1 000 kr mindre"."""
    return f"{_kr(abs(change))} {'mer' if change > 0 else 'mindre'}"



def check_calendar(s: PlanSources, calendar: m.CalendarFile) -> Iterator[Problem]:
    """Yield meetings outside the plan year, on a weekend or holiday, on an unusual weekday without
    a note, or out of order.

    A meeting on a Saturday, Sunday or Swedish holiday (helgdag, and the de facto ones: julafton,
    midsommarafton, nyårsafton) is always reported, note or not: the bodies meet on working days,
    and such a date is nearly always a typing mistake. A date in another year is one mistake: it is
    reported once, with what the date would be in the plan's year, and not also as a weekend or out
    of order. A meeting out of order is the one that stands out of place (not every one after it).
    """
    import holidays  # 0.08 s to load: only the calendar's rule needs it

    year = s.year
    days_off = holidays.Sweden(years=range(year - 1, year + 2), language="sv", include_sundays=False,
                               categories=("public", "de_facto"))

    def known(*locs, inside: bool = True) -> bool:
        return s.known("kalendarium", *locs, inside=inside)

    def off(day: dt.date) -> str | None:
        """What makes `day` no working day ("en lördag", "Kristi himmelsfärdsdag"), or None."""
        if day in days_off:
            return holiday_name(days_off.get(day))
        return f"en {weekday_name(day)}" if day.weekday() >= 5 else None

    for b, body in enumerate(calendar.bodies):
        here = ("organ", b)
        if known(here + ("start",), here + ("slut",)) and body.end <= body.start:
            yield s.problem("kalendarium", here + ("slut",), "sluttiden ska vara efter starttiden.")
        if not known(here + ("möten",), inside=False):
            continue
        weekday_known = known(here + ("veckodag",))
        dated: list[tuple[int, dt.date, dt.date]] = []  # (meeting, first day, last day) for the order
        other_day: list[tuple[tuple, m.Meeting]] = []   # meetings on another weekday than the body's, no note
        usual_day = 0                                   # meetings on the body's weekday
        for i, meeting in enumerate(body.meetings):
            loc = here + ("möten", i)
            # a meeting's own times (the body's are checked above, once)
            if (meeting.start or meeting.end) and known(loc + ("start",), loc + ("slut",)) \
                    and (meeting.start or known(here + ("start",))) and (meeting.end or known(here + ("slut",))):
                if (meeting.end or body.end) <= (meeting.start or body.start):
                    yield s.problem("kalendarium", loc + ("slut",), "sluttiden ska vara efter starttiden.")
            if not known(loc + ("datum",)):
                continue
            end_date = meeting.end_date if known(loc + ("slutdatum",)) else None
            elsewhere = [(key, day) for key, day in (("datum", meeting.date), ("slutdatum", end_date))
                         if day is not None and day.year != year]
            if elsewhere:
                for key, day in elsewhere:
                    yield s.problem("kalendarium", loc + (key,), f"{day.isoformat()} ligger inte i planens år {year}."
                                    + _in_plan_year(day, year, body if weekday_known else None, meeting.note, off))
                first, last = _moved(meeting.date, year), _moved(end_date or meeting.date, year)
                if first is not None and last is not None:
                    dated.append((i, first, max(first, last)))
                continue
            span_known = known(loc + ("slutdatum",))  # which days the meeting takes
            if end_date is not None and end_date <= meeting.date:
                yield s.problem("kalendarium", loc + ("slutdatum",), "slutdatum ska vara efter datum.")
                end_date, span_known = None, False
            last = end_date or meeting.date
            days = [dt.date.fromordinal(d) for d in range(meeting.date.toordinal(), last.toordinal() + 1)]
            weekdays = {m.WEEKDAYS[d.weekday()] for d in days}
            free = next((d for d in days if off(d)), None)
            if free is not None:
                key = "datum" if free == meeting.date else "slutdatum"
                yield s.problem("kalendarium", loc + (key,),
                                f"{free.isoformat()} är {off(free)}; samarbetets möten hålls på vardagar. "
                                f"Kontrollera datumet (en notering godtas inte för helger och helgdagar).")
            elif weekday_known and span_known and body.weekday not in weekdays and meeting.note is None \
                    and known(loc + ("notering",)):
                other_day.append((loc, meeting))
            elif weekday_known and body.weekday in weekdays:
                usual_day += 1
            dated.append((i, meeting.date, last))
        yield from _other_weekdays(s, here, body, other_day, usual_day)
        yield from _out_of_order(s, here, dated)


# Holidays whose name holds a proper name keep its capital (Kristi himmelsfärdsdag, Marie
# bebådelsedag); all others are written in lower case in running text (juldagen, midsommarafton).
PROPER_NAMES_IN_HOLIDAYS = ("Kristi", "Marie", "Johannes")


def holiday_name(names: str) -> str:
    """Return a holiday's name as Swedish writes it in a sentence: "juldagen", "Kristi himmelsfärdsdag"."""
    def one(name: str) -> str:
        name = name.strip()
        return name if name.split(" ")[0] in PROPER_NAMES_IN_HOLIDAYS else name[:1].lower() + name[1:]
    return " och ".join(one(name) for name in names.split(";"))


def _moved(day: dt.date, year: int) -> dt.date | None:
    """Return `day` in `year` (None for 29 February in a year without it)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return None


def _in_plan_year(day: dt.date, year: int, body: m.Body | None, note: str | None, off) -> str:
    """Return what the date would be in the plan's year, if that tells more: a weekend, another weekday."""
    moved = _moved(day, year)
    if moved is None:
        return ""
    if off(moved):
        return f" Med rätt år är det {moved.isoformat()}, {off(moved)}: välj också en vardag."
    if body is not None and m.WEEKDAYS[moved.weekday()] != body.weekday and note is None:
        return (f" Med rätt år är {moved.isoformat()} en {weekday_name(moved)}, men {body.name} möts på "
                f"{body.weekday}ar: kontrollera också dagen, eller ange en notering.")
    return f" Menade du {moved.isoformat()} (en {weekday_name(moved)})?"


def _other_weekdays(s: PlanSources, here: tuple, body: m.Body, other_day: list[tuple[tuple, m.Meeting]],
                    usual_day: int) -> Iterator[Problem]:
    """Yield meetings on another weekday than their body's and without a note; when none of the
    body's meetings is on its weekday, the weekday is what is wrong: one message there."""
    days = Counter(weekday_name(meeting.date) for _, meeting in other_day)
    if len(other_day) >= 2 and not usual_day:
        (day, n), = days.most_common(1)
        remedy = f"skriv veckodag: {day}" if n == len(other_day) else "ändra veckodag"
        counts = ", ".join(counted(k, name, name + "ar") for name, k in days.most_common())
        yield s.problem("kalendarium", here + ("veckodag",),
                        f"{body.name} möts på {body.weekday}ar, men inget av dess möten är en {body.weekday} "
                        f"({counts}): {remedy}, eller ange en notering vid de möten som är avsiktliga.")
        return
    for loc, meeting in other_day:
        yield s.problem("kalendarium", loc + ("datum",),
                        f"{meeting.date.isoformat()} är en {weekday_name(meeting.date)}, men "
                        f"{body.name} möts på {body.weekday}ar; ange en notering "
                        f"(t.ex. \"Obs {weekday_name(meeting.date)}\") om dagen är avsiktlig.")


def _out_of_order(s: PlanSources, here: tuple, dated: list[tuple[int, dt.date, dt.date]]) -> Iterator[Problem]:
    """Yield the meetings that stand out of date order: those outside the longest run in order."""
    if len(dated) < 2:
        return
    # longest chain in which each meeting begins after the one before it has ended
    best = [1] * len(dated)
    before: list[int | None] = [None] * len(dated)
    for j in range(len(dated)):
        for i in range(j):
            if dated[i][2] < dated[j][1] and best[i] + 1 > best[j]:
                best[j], before[j] = best[i] + 1, i
    end = max(range(len(dated)), key=lambda j: (best[j], -j))
    chain = set()
    while end is not None:
        chain.add(end)
        end = before[end]
    file = s.files["kalendarium"]
    for j, (i, first, _) in enumerate(dated):
        if j in chain:
            continue
        same = next((d for k, d in enumerate(dated) if k in chain and d[1] <= first <= d[2]), None)
        if same is not None:
            yield s.problem("kalendarium", here + ("möten", i, "datum"),
                            f"mötena ska stå i datumordning, en dag per möte, men {first.isoformat()} är samma dag "
                            f"som mötet på rad {file.line_of(file.original(here + ('möten', same[0], 'datum')))}; "
                            "ta bort det ena eller ändra datumet.")
            continue
        if j > 0 and dated[j - 1][1] >= first:
            wrong = f"står efter {dated[j - 1][1].isoformat()}"
        else:
            wrong = f"står före {dated[j + 1][1].isoformat()}" if j + 1 < len(dated) else "står sist"
        after = [d for k, d in enumerate(dated) if k in chain and d[2] < first]
        place = f"efter mötet {after[-1][1].isoformat()}" if after else "först i listan"
        yield s.problem("kalendarium", here + ("möten", i, "datum"),
                        f"mötena ska stå i datumordning, men mötet {first.isoformat()} {wrong}; flytta det {place}.")



def check_organisation(s: PlanSources, org: m.OrganisationFile) -> Iterator[Problem]:
    """Yield chairs that are not member municipalities."""
    if not s.known("kommuner", ("kommuner",), inside=False) or not s.known(
            "kommuner", *(("kommuner", i, "namn") for i in range(len(s.municipalities.municipalities)))):
        return  # a municipality's name is wrong: which one a chair means is not known
    names = {x.name for x in s.municipalities.municipalities}
    known = ", ".join(sorted(names))
    for loc, value in ((("samarbetskommittén", "ordförande"), org.committee.chair),
                       (("samarbetskommittén", "vice_ordförande"), org.committee.vice_chair),
                       (("ledningsgruppen", "ordförande", "kommun"), org.management.chair.municipality)):
        if value not in names and s.known("organisation", loc):
            close = difflib.get_close_matches(value, sorted(names), n=1)
            hint = f" Menade du '{close[0]}'?" if close else ""
            yield s.problem("organisation", loc, f"'{value}' är ingen av medlemskommunerna ({known}).{hint}")
    if org.committee.chair == org.committee.vice_chair and s.known("organisation", ("samarbetskommittén",)):
        yield s.problem("organisation", ("samarbetskommittén", "vice_ordförande"),
                        "ordförande och vice ordförande kan inte vara samma kommun.")



def check_goals(s: PlanSources, goals: m.GoalsFile) -> Iterator[Problem]:
    """Yield goals with an unknown level or network, broken Bilaga 1 links and footnote marks.

    A level (in `nivåer`) or a network id (in natverk.yaml) misspelt where it is defined is one
    mistake, however many goals name it: one message there, not one per goal."""
    walked = [(loc, goal) for f, area in enumerate(goals.focus_areas)
              for loc, goal in _walk_goals(area.goals, ("fokusområden", f))]
    levels = goals.levels if s.known("mal", ("nivåer",)) else None
    level_refs = [(loc + ("nivå",), goal.level) for loc, goal in walked if s.known("mal", loc + ("nivå",))]
    level_refs += [(("årsnivåer", i), level) for i, level in enumerate(goals.yearly_levels)
                   if s.known("mal", ("årsnivåer", i))]
    misspelt_levels = {} if levels is None else dict(_misspelt(
        s, "mal", [(("nivåer", i), level) for i, level in enumerate(levels)], "mal", level_refs,
        lambda defined, used, n, lines: f"nivån '{defined}' används inte av något mål, men {n} har nivån "
                                        f"'{used}' ({lines}). Menade du '{used}'?"))
    yield from misspelt_levels.values()
    networks, networks_told = None, set()
    if s.networks is not None and s.known("natverk", ("natverk",)):
        networks = {n.id for n in s.networks.networks}
        network_refs = [(loc + ("ansvar",), goal.responsible) for loc, goal in walked
                        if goal.responsible is not None and s.known("mal", loc + ("ansvar",))]
        misspelt_networks = dict(_misspelt(
            s, "natverk", [(("natverk", i, "id"), n.id) for i, n in enumerate(s.networks.networks)], "mal",
            network_refs, lambda defined, used, n, lines: f"nätverket '{defined}' ansvarar inte för något mål, men "
                                                          f"{n} har ansvar: {used} ({lines}). Menade du '{used}'?"))
        yield from misspelt_networks.values()
        networks_told = set(misspelt_networks)
    for f, area in enumerate(goals.focus_areas):
        first = 3 if area.heading else 2  # the heading level of the area's top goals
        for loc, goal in _walk_goals(area.goals, ("fokusområden", f)):
            level = first + loc[2:].count("mål") - 1
            if level == MAX_HEADING_LEVEL + 1:
                yield s.problem("mal", loc, f"målträdet är för djupt: planen har rubriker för "
                                f"{counted(MAX_HEADING_LEVEL - first + 1, 'målnivå', 'målnivåer')} under "
                                f"{'ett fokusområde med rubrik' if area.heading else 'ett fokusområde'}, "
                                f"och det här målet ligger på nivå {level - first + 1}. Flytta upp målet "
                                "eller slå ihop två nivåer.")
            if levels is not None and goal.level not in levels and goal.level not in misspelt_levels \
                    and s.known("mal", loc + ("nivå",)):
                yield s.problem("mal", loc + ("nivå",), f"'{goal.level}' är ingen av nivåerna "
                                f"({', '.join(levels)}).")
            if goal.responsible is not None and networks is not None and goal.responsible not in networks \
                    and goal.responsible not in networks_told and s.known("mal", loc + ("ansvar",)):
                yield s.problem("mal", loc + ("ansvar",), f"nätverket '{goal.responsible}' finns inte i "
                                f"{s.files['natverk'].display} (finns: {', '.join(sorted(networks))}).")
            yield from check_activity_links(s, "mal", loc + ("aktiviteter",), goal.activities)
            yield from _check_marks(s, "mal", [(loc + ("aktiviteter", i, "fotnot"), a.mark)
                                               for i, a in enumerate(goal.activities)],
                                    goal.footnotes, loc + ("fotnoter",))
    if levels is not None:
        for i, level in enumerate(goals.yearly_levels):
            if level not in levels and level not in misspelt_levels and s.known("mal", ("årsnivåer", i)):
                yield s.problem("mal", ("årsnivåer", i), f"'{level}' är ingen av nivåerna ({', '.join(levels)}).")


def _misspelt(s: PlanSources, name: str, defined: list[tuple[tuple, str]], refs_name: str,
              refs: list[tuple[tuple, str]], message) -> Iterator[tuple[str, Problem]]:
    """Yield (the name used, the problem) for each definition that looks misspelt: no reference uses
    it, and a name close to it is used by two or more references but defined nowhere."""
    names = {value for _, value in defined}
    used = {value for _, value in refs}
    unused = [(loc, value) for loc, value in defined if value not in used]
    undefined: dict[str, list[tuple]] = {}
    for loc, value in refs:
        if value not in names:
            undefined.setdefault(value, []).append(loc)
    file = s.files[refs_name]
    for loc, value in unused:
        close = difflib.get_close_matches(value, list(undefined), n=1)
        if close and len(undefined[close[0]]) >= 2 and \
                difflib.get_close_matches(close[0], [v for _, v in unused], n=1) == [value]:
            where = undefined.pop(close[0])
            goals = sum(1 for place in where if place[0] != "årsnivåer")
            who = " och ".join(part for part in (counted(goals, "mål", "mål") if goals else "",
                                                  "årsnivåer" if len(where) > goals else "") if part)
            lines = f"{file.display} rad " + ", ".join(str(file.line_of(file.original(place))) for place in where)
            yield close[0], s.problem(name, loc, message(value, close[0], who, lines))



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
    if plan_items and not s.known("kommunikationsplan", ("aktiviteter",), inside=False):
        return
    numbers = _appendix_numbers(s, plan_items) if plan_items else set()
    for i, activity in enumerate(activities):
        if activity.appendix_item is not None and activity.appendix_item not in numbers \
                and s.known(name, loc + (i, "bilaga1")):
            where = "bilaga 1" if plan_items else "planen (den har ingen bilaga med kommunikationsplan)"
            yield s.problem(name, loc + (i, "bilaga1"),
                            f"aktivitet nr {activity.appendix_item} finns inte i {where}.")


def _appendix_numbers(s: PlanSources, plan: m.CommPlanFile) -> set[int]:
    """The numbers of Bilaga 1's rows. A row whose number cannot be read, or is mistyped (alone out of
    the sequence, not the start of a shift), counts as the number it should have: a link to that
    number is not a second mistake."""
    numbers = {item.number for i, item in enumerate(plan.items)
               if s.known("kommunikationsplan", ("aktiviteter", i, "nr"))}
    numbers |= {i + 1 for i in range(len(plan.items)) if not s.known("kommunikationsplan", ("aktiviteter", i, "nr"))}
    return numbers | {run[0] + 1 for _, run in _numbering_runs(s, plan) if len(run) == 1}



def check_comm_plan(s: PlanSources, plan: m.CommPlanFile) -> Iterator[Problem]:
    """Yield Bilaga 1 numbering gaps, duplicates and dangling footnote references.

    A row left out or put in without renumbering the rest is one mistake: one message at the first
    row numbered wrong, with the renumbering of the rows after it and of the links to them."""
    def known(*locs, inside: bool = True) -> bool:
        return s.known("kommunikationsplan", *locs, inside=inside)

    for start, run in _numbering_runs(s, plan):
        item = plan.items[start]
        message = (f"numret ska vara {start + 1} (aktiviteterna numreras 1, 2, 3 ... i följd), "
                   f"inte {item.number}.")
        renumbered = {plan.items[i].number: i + 1 for i in run}
        if len(run) > 1:
            message += " Numrera också om de följande raderna: " + ", ".join(
                f"{plan.items[i].number} → {i + 1}" for i in run[1:]) + "."
        numbers = Counter(x.number for x in plan.items)
        links = [f"bilaga1: {a.appendix_item} → {renumbered[a.appendix_item]} i {s.files[key].display} "
                 f"(rad {s.files[key].line_of(s.files[key].original(loc + ('bilaga1',)))})"
                 for key, loc, a in _linking_activities(s)
                 if a.appendix_item in renumbered and numbers[a.appendix_item] == 1]
        if links:
            message += " Ändra också " + ", ".join(links) + "."
        yield s.problem("kommunikationsplan", ("aktiviteter", start, "nr"), message)
    notes = Counter(n.number for i, n in enumerate(plan.footnotes) if known(("fotnoter", i, "nr")))
    for i, note in enumerate(plan.footnotes):
        if notes[note.number] > 1 and known(("fotnoter", i, "nr")):
            yield s.problem("kommunikationsplan", ("fotnoter", i, "nr"),
                            f"fotnot {note.number} förekommer mer än en gång.")
    refs = [(("fotnot_kostnad",), plan.cost_footnote)] if plan.cost_footnote else []
    refs += [(("aktiviteter", i, "fotnoter", j), ref) for i, item in enumerate(plan.items)
             for j, ref in enumerate(item.footnotes)]
    every_ref = len(refs) + (0 if known(("fotnot_kostnad",)) else 1)
    refs = [(loc, ref) for loc, ref in refs if known(loc)]
    used = {ref for _, ref in refs}
    unused = [(i, note) for i, note in enumerate(plan.footnotes)
              if note.number not in used and known(("fotnoter", i, "nr"))]
    undefined = {ref for _, ref in refs if ref not in notes}
    paired = unused[0] if len(undefined) == 1 and len(unused) == 1 and known(("fotnoter",)) else None
    for loc, ref in refs:
        if ref in notes:
            continue
        where = "." if loc == ("fotnot_kostnad",) else " under 'fotnoter'."
        if paired is not None:
            at = s.files["kommunikationsplan"].line_of(s.files["kommunikationsplan"].original(("fotnoter", paired[0])))
            where = (f" under 'fotnoter'. Där står fotnot {paired[1].number} (rad {at}), som ingen aktivitet "
                     f"hänvisar till. Menade du {paired[1].number}?")
        yield s.problem("kommunikationsplan", loc, f"fotnot {ref} finns inte{where}")
    if paired is None and len(refs) == every_ref:
        for i, note in unused:
            yield s.problem("kommunikationsplan", ("fotnoter", i, "nr"),
                            f"fotnot {note.number} hänvisas inte till från någon aktivitet.")


def _numbering_runs(s: PlanSources, plan: m.CommPlanFile) -> Iterator[tuple[int, list[int]]]:
    """Yield (first row, rows) of each run of Bilaga 1 rows numbered off by the same amount."""
    run: list[int] = []
    offset = 0
    for i, item in enumerate(plan.items):
        here = item.number - (i + 1) if s.known("kommunikationsplan", ("aktiviteter", i, "nr")) else 0
        if run and here != offset:
            yield run[0], run
            run = []
        if here:
            run, offset = run + [i], here
    if run:
        yield run[0], run


def _linking_activities(s: PlanSources) -> list[tuple[str, tuple, m.Activity]]:
    """(file key, key path, activity) of the goals' and secretariat's activities that link to Bilaga 1."""
    return [(key, loc, a) for key, loc, a in plan_activities(s)
            if key != "kommunikationsplan" and getattr(a, "appendix_item", None) is not None
            and s.known(key, loc + ("bilaga1",))]



def _check_marks(s: PlanSources, name: str, marks: list[tuple[tuple, str | None]],
                 footnotes: list[m.Footnote], notes_loc: tuple) -> Iterator[Problem]:
    """Yield footnote marks without a footnote and footnotes that no mark points at.

    One mark and one footnote that do not match are one mistake (the sign written differently in
    the two places): one message, at the mark, naming the footnote."""
    every_mark = len(marks)
    marks = [(loc, mark) for loc, mark in marks if s.known(name, loc)]
    notes = [(i, note) for i, note in enumerate(footnotes) if s.known(name, notes_loc + (i, "tecken"))]
    defined = {n.mark for _, n in notes}
    used = {mark for _, mark in marks if mark}
    unused = [(i, note) for i, note in notes if note.mark not in used]
    undefined = {mark for _, mark in marks if mark and mark not in defined}
    paired = unused[0] if len(undefined) == 1 and len(unused) == 1 and len(notes) == len(footnotes) else None
    for loc, mark in marks:
        if mark and mark not in defined:
            if paired is None:
                yield s.problem(name, loc, f"fotnoten '{mark}' finns inte under 'fotnoter'.")
            else:
                at = s.files[name].line_of(s.files[name].original(notes_loc + (paired[0], "tecken")))
                yield s.problem(name, loc, f"fotnoten '{mark}' finns inte under 'fotnoter'. Där står '{paired[1].mark}' "
                                           f"(rad {at}), som ingen post hänvisar till: skriv samma tecken på båda "
                                           "ställena.")
    if len(marks) < every_mark or paired is not None:
        return  # a mark that is wrong may be the one that points at the footnote
    for i, note in unused:
        yield s.problem(name, notes_loc + (i, "tecken"),
                        f"fotnoten '{note.mark}' hänvisas inte till från någon post.")



def check_markdown_footnotes(s: PlanSources) -> Iterator[Problem]:
    """Yield footnotes that pandoc cannot print as written: a reference ([^namn]) without a text,
    a text no reference uses or defined twice, a reference inside another footnote's text."""
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
    for key, text in s.texts.items():
        for number, line in enumerate(text.split("\n"), start=1):
            if TODO_MARK in line.upper():
                rest = line[line.upper().index(TODO_MARK) + len(TODO_MARK):].lstrip(" :–-")
                what, _, context = rest.partition(" – ")
                shown = context.strip() or rest
                shown = shown if len(shown) <= 70 else shown[:69] + "…"
                yield Problem(s.text_paths[key], f"att göra: {what.strip() or 'fyll i'} i \"{shown}\"; "
                              f"ta bort markeringen '{TODO_MARK}: ... –' när raden stämmer.", line=number)
