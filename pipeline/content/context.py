"""Context stage: turn the validated sources into the plain data the Word template sees.

Only strings, numbers, lists, dicts and `Markdown` markers: no I/O, no docx objects, so the
context can be dumped and compared in tests. Swedish formatting happens here, through Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.sources import model as m
from pipeline.content.formatting import amount, day_span, kronor, long_date, time_span
from pipeline.sources.load import PlanSources

MAX_HEADING_LEVEL = 6  # the template has a heading style per goal level down to Heading 6
# The names the template can use ({{ titel }}, {%p for kap in kapitel %}); build_context gives each.
CONTEXT_NAMES = ("titel", "organisation", "år", "datum", "status", "markering", "bilagor", "kapitel", "mål",
                 "kansliet", "organisation_uppgifter", "kalendarium", "budget", "kommunikationsplan")
# The follow-up's (templates/uppfoljning.docx and .html; documents/followup.py builds it).
FOLLOW_UP_NAMES = ("titel", "undertitel", "organisation", "år", "datum", "tillfälle", "period", "statusar",
                   "sammanfattning", "totalt", "sammanfattning_text", "figur", "mål", "kansliet",
                   "kommunikationsplan", "budget", "planens_titel")
# The cover letter's (templates/missiv.docx; documents/letter.py builds it).
LETTER_NAMES = ("titel", "organisation", "år", "version", "utkastdatum", "datum", "svar_senast", "svar_till",
                "fråga", "kontakt", "kommuner", "mottagare", "pdf", "tidigare", "ändringar")


@dataclass(frozen=True)
class Markdown:
    """Text to be converted from Markdown: inline (runs in a paragraph) or block (paragraphs)."""

    text: str
    block: bool = False
    marks: tuple[str, ...] = ()  # footnote marks after an inline text ("2)"): text in Word, links on the web

    def with_marks(self) -> str:
        """Return the text as Word prints it, each footnote mark after a space."""
        return self.text + "".join(f" {mark}" for mark in self.marks)


def markdown_blocks(value: Any) -> list[str]:
    """The block Markdown texts of a context, in the order the templates meet them."""
    if isinstance(value, Markdown):
        return [value.text] if value.block else []
    if isinstance(value, dict):
        return [text for item in value.values() for text in markdown_blocks(item)]
    if isinstance(value, list):
        return [text for item in value for text in markdown_blocks(item)]
    return []


def build_context(s: PlanSources) -> dict[str, Any]:
    """Return the template context for the plan in `s`."""
    plan = s.plan
    # The communication plan's number as an appendix, for "Aktiviteten finns med i bilaga N".
    comm_number = next((i + 1 for i, a in enumerate(plan.appendices) if a.content == "kommunikationsplan"), None)
    ctx: dict[str, Any] = {
        "titel": plan.title,
        "organisation": plan.organisation,
        "år": plan.year,
        "datum": long_date(plan.date),
        "status": status_line(plan),
        "markering": draft_marking(plan),
        "bilagor": [{"nr": i + 1, "rubrik": a.title, "innehåll": a.content,
                     "text": Markdown(s.texts[a.text], block=True) if a.text else None}
                    for i, a in enumerate(plan.appendices)],
        "kapitel": [{"nr": i + 1, "rubrik": c.title, "innehåll": c.content,
                     "text": Markdown(s.texts[c.text], block=True) if c.text else None}
                    for i, c in enumerate(plan.chapters)],
        "mål": [], "kansliet": None, "organisation_uppgifter": None, "kalendarium": [],
        "budget": None, "kommunikationsplan": None,
    }
    content = s.content
    networks = {n.id: n for n in s.networks.networks}
    if "mål" in content:
        ctx["mål"] = goal_sections(content["mål"], networks, comm_number)
    if "kansliet" in content:
        ctx["kansliet"] = {"aktiviteter": [activity(a, comm_number) for a in content["kansliet"].activities]}
    if "organisation" in content:
        ctx["organisation_uppgifter"] = organisation(content["organisation"], s.municipalities)
    if "kalendarium" in content:
        ctx["kalendarium"] = calendar(content["kalendarium"])
    if "budget" in content:
        ctx["budget"] = budget(content["budget"])
    if "kommunikationsplan" in content:
        ctx["kommunikationsplan"] = comm_plan(content["kommunikationsplan"])
    return ctx


def status_line(plan: m.Plan) -> str:
    """Return the title page's status: the decision, or the draft version."""
    if plan.status == "beslutad":
        return f"Beslutad av samarbetskommittén {long_date(plan.decided_on)}"
    return f"Utkast, version {plan.version}"


def draft_marking(plan: m.Plan) -> str:
    """Return "UTKAST N – <date>" for a draft, "" for a decided plan."""
    if plan.status == "utkast":
        return f"UTKAST {plan.version} – {long_date(plan.date)}"
    return ""


def goal_sections(goals: m.GoalsFile, networks: dict[str, m.Network],
                  comm_number: int | None) -> list[dict[str, Any]]:
    """Flatten the goal tree into headed sections in reading order (depth → heading level)."""
    sections: list[dict[str, Any]] = []

    def visit(goal: m.Goal, level: int) -> None:
        sections.append({
            "nivå": min(level, MAX_HEADING_LEVEL),
            "rubrik": goal.heading or goal.title,
            "formulering": goal.statement,
            "ansvar": networks[goal.responsible].label if goal.responsible else None,
            "aktiviteter": [activity(a, comm_number) for a in goal.activities],
            "fotnoter": [{"tecken": f.mark, "text": f.text} for f in goal.footnotes],
        })
        for child in goal.goals:
            visit(child, level + 1)

    for area in goals.focus_areas:
        level = 2
        if area.heading:
            sections.append({"nivå": 2, "rubrik": area.heading, "formulering": None, "ansvar": None,
                             "aktiviteter": [], "fotnoter": []})
            level = 3
        for goal in area.goals:
            visit(goal, level)
    return sections


def activity(a: m.Activity, comm_number: int | None) -> dict[str, Any]:
    return {
        "aktivitet": a.activity,
        "fotnot": a.mark,
        "kommentar": list(a.comment),
        "bilaga": (f"Aktiviteten finns med i bilaga {comm_number}"
                   if a.appendix_item is not None and comm_number else None),
    }


def organisation(org: m.OrganisationFile, municipalities: m.MunicipalitiesFile) -> dict[str, str]:
    names = {x.name: x.official_name for x in municipalities.municipalities}
    return {
        "ordförande": names[org.committee.chair],
        "vice_ordförande": names[org.committee.vice_chair],
        "lg_ordförande": org.management.chair.name,
        "lg_kommun": names[org.management.chair.municipality],
    }


def calendar(cal: m.CalendarFile) -> list[dict[str, Any]]:
    bodies = []
    for body in cal.bodies:
        meetings = []
        for meeting in body.meetings:
            parts = [day_span(meeting.date, meeting.end_date)]
            if meeting.description:
                parts.append(meeting.description)
            if (meeting.start or body.start, meeting.end or body.end) != (body.start, body.end):
                parts.append(time_span(meeting.start or body.start, meeting.end or body.end))
            if meeting.place and meeting.place != body.place:
                parts.append(meeting.place)
            text = ", ".join(parts)
            if meeting.note:
                text += f" ({meeting.note})"
            meetings.append(text)
        bodies.append({"namn": body.name, "veckodagar": f"{body.weekday}ar",
                       "tid": time_span(body.start, body.end), "plats": body.place, "möten": meetings})
    return bodies


def budget(b: m.BudgetFile) -> dict[str, Any]:
    def lines(section: m.BudgetSection) -> list[dict[str, Any]]:
        return [{"post": line.label, "fotnot": line.mark, "belopp": kronor(line.amount, line.approximate)}
                for line in section.lines]

    return {
        "avgift": amount(b.fee_per_inhabitant),
        "beslutsorgan": b.fee_decision.body,
        "beslutsdatum": b.fee_decision.date.isoformat(),
        "invånare": amount(b.population.count),
        "invånardatum": long_date(b.population.date),
        "intäkter": lines(b.revenue), "intäkter_summa": kronor(b.revenue.total),
        "kostnader": lines(b.costs), "kostnader_summa": kronor(b.costs.total),
        "fotnoter": [{"tecken": f.mark, "text": f.text} for f in b.footnotes],
    }


def comm_plan(p: m.CommPlanFile) -> dict[str, Any]:
    def md(paragraphs: list[str]) -> list[Markdown]:
        return [Markdown(t) for t in paragraphs]

    return {
        "avsnitt": [{"rubrik": sec.heading, "text": md(sec.text)} for sec in p.sections],
        "kostnad_fotnot": f"{p.cost_footnote})" if p.cost_footnote else "",
        "aktiviteter": [{
            "nr": item.number,
            "aktivitet": md(item.activity[:-1]) + [Markdown(item.activity[-1],
                                                            marks=tuple(f"{n})" for n in item.footnotes))],
            "när": md(item.when),
            "kostnad": md(item.cost),
        } for item in p.items],
        "fotnoter": [{"nr": f"{n.number})", "text": Markdown(n.text)} for n in p.footnotes],
    }
