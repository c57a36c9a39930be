"""The follow-up (uppföljning) of a plan, from the plan's own activity records: its description.

    sources/ÅR/uppfoljning-TILLFÄLLE.yaml (status per activity id, budget outcome)
      + the plan's sources (sources.load, checks.run) → follow_up_context → follow_up_document
      → the document stages (documents.stages): templates/uppfoljning.docx, PDF via LibreOffice,
        proofread; the web page from templates/uppfoljning.html
      → build/ÅR/uppfoljning-ÅR-TILLFÄLLE.docx, .pdf, .html

The same qualities as the plan: PDF/A-2b and PDF/UA-1, the same bytes from the same sources, the
PDF proofread against the DOCX before anything is written.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pipeline.checks.run import check
from pipeline.content.context import Markdown, goal_sections
from pipeline.content.figures import FONT, Graph, fitted_figure
from pipeline.content.formatting import counted as counted_noun, kronor, long_date
from pipeline.documents.stages import Document, make, write
from pipeline.docx.templates import FOLLOW_UP, prepare_template
from pipeline.errors import PipelineError
from pipeline.paths import display_path
from pipeline.pdf.libreoffice import LibreOffice
from pipeline.sources import model as m
from pipeline.sources.load import PlanSources
from pipeline.web.html import render_html

TEMPLATE = "uppfoljning.docx"
HTML_TEMPLATE = "uppfoljning.html"
FIGURE = "uppfoljning-status"
# Each status in words and with a symbol (never by colour alone), and its colour in the figure.
# The word for several: "11 genomförda", "2 strukna".
PLURAL = {"genomförd": "genomförda", "pågår": "pågår", "försenad": "försenade", "ej påbörjad": "ej påbörjade",
          "struken": "strukna"}
STATUS = {
    "genomförd": ("✓", "Genomförd", "#1E5631", "white"),
    "pågår": ("→", "Pågår", "#1F4E79", "white"),
    "försenad": ("!", "Försenad", "#7A3E00", "white"),
    "ej påbörjad": ("○", "Ej påbörjad", "#D9D9D9", "black"),
    "struken": ("✕", "Struken", "#F2F2F2", "black"),
}


def output_paths(root: Path, year: int | str, occasion: str, out_dir: Path | None = None) -> tuple[Path, Path, Path]:
    folder = out_dir or root / "build" / str(year)
    stem = f"uppfoljning-{year}-{occasion}"
    return folder / f"{stem}.docx", folder / f"{stem}.pdf", folder / f"{stem}.html"


def status_text(status: str) -> str:
    symbol, word, _, _ = STATUS[status]
    return f"{symbol} {word}"


def _row(activity: m.Activity | m.CommItem, outcomes: dict[str, m.ActivityOutcome]) -> dict[str, Any]:
    outcome = outcomes[activity.id]
    text = activity.activity if isinstance(activity.activity, str) else " ".join(activity.activity)
    return {"aktivitet": Markdown(text), "status": status_text(outcome.status), "statusnamn": outcome.status,
            "kommentar": Markdown(outcome.comment or ""),
            "resultat": Markdown(f"*Resultat:* {outcome.result}") if outcome.result else ""}


def _counts(statuses: list[str], label: str) -> dict[str, Any]:
    counts = {key: statuses.count(key) for key in STATUS}
    return {"område": label, "antal": [counts[key] for key in STATUS], "totalt": len(statuses),
            **{key.replace(" ", "_"): counts[key] for key in STATUS}}


def follow_up_context(s: PlanSources, occasion: str, follow_up: m.FollowUpFile) -> tuple[dict[str, Any], Graph]:
    """Return what the follow-up's templates see, and the summary figure's graph."""
    plan = s.plan
    outcomes = follow_up.activities
    networks = {n.id: n for n in s.networks.networks}
    areas: list[tuple[str, list[str]]] = []
    goals_out: list[dict[str, Any]] = []
    goals = s.content.get("mål")
    if goals is not None:
        for area in goals.focus_areas:
            statuses: list[str] = []

            def collect(goal: m.Goal) -> None:
                statuses.extend(outcomes[a.id].status for a in goal.activities)
                for child in goal.goals:
                    collect(child)
            for goal in area.goals:
                collect(goal)
            areas.append((f"Fokusområde {area.name}", statuses))
        activities = [a for area in goals.focus_areas for a in _activities_of(area.goals)]
        rows = iter([_row(a, outcomes) for a in activities])
        for section in goal_sections(goals, networks, None):
            section["aktiviteter"] = [next(rows) for _ in section["aktiviteter"]]
            goals_out.append(section)
    secretariat = s.content.get("kansliet")
    secretariat_rows = [_row(a, outcomes) for a in secretariat.activities] if secretariat else []
    if secretariat:
        areas.append(("Kansliets uppdrag", [outcomes[a.id].status for a in secretariat.activities]))
    comm = s.content.get("kommunikationsplan")
    comm_rows = [{"nr": item.number, **_row(item, outcomes)} for item in comm.items] if comm else []
    if comm:
        areas.append(("Kommunikation (bilaga 1)", [outcomes[i.id].status for i in comm.items]))
    summary = [_counts(statuses, label) for label, statuses in areas if statuses]
    everything = [status for _, statuses in areas for status in statuses]
    total = _counts(everything, "Totalt")
    occasion_word = follow_up.occasion
    title = f"Uppföljning av {plan.title[:1].lower()}{plan.title[1:]}"
    ctx: dict[str, Any] = {
        "titel": title,
        "undertitel": f"{occasion_word[:1].upper()}{occasion_word[1:]}, {follow_up.period}",
        "planens_titel": plan.title,
        "organisation": plan.organisation,
        "år": plan.year,
        "datum": long_date(follow_up.date),
        "tillfälle": occasion_word,
        "period": follow_up.period,
        "statusar": [{"symbol": v[0], "namn": v[1], "text": f"{v[0]} {v[1]}"} for v in STATUS.values()],
        "sammanfattning": summary,
        "totalt": total,
        "sammanfattning_text": summary_sentence(total),
        "figur": Markdown(f"![Aktiviteternas status per område och totalt, som andelar av varje område]"
                          f"(figur:{FIGURE})", block=True),
        "mål": goals_out,
        "kansliet": secretariat_rows,
        "kommunikationsplan": comm_rows,
        "budget": budget_outcome(s.content.get("budget"), follow_up.budget),
    }
    return ctx, status_graph(summary + [total])


def _activities_of(goals: list[m.Goal]) -> list[m.Activity]:
    out = []
    for goal in goals:
        out += goal.activities
        out += _activities_of(goal.goals)
    return out


def counted(n: int, status: str) -> str:
    """Return "11 genomförda", "1 ej påbörjad"."""
    return f"{n} {status if n == 1 else PLURAL[status]}"


def summary_sentence(total: dict[str, Any]) -> str:
    parts = [counted(total[key.replace(" ", "_")], key) for key in STATUS if total[key.replace(" ", "_")]]
    listed = ", ".join(parts[:-1]) + (" och " if len(parts) > 1 else "") + parts[-1] if parts else "inga"
    return f"Planen har {counted_noun(total['totalt'], 'aktivitet', 'aktiviteter')}: {listed}."


def budget_outcome(budget: m.BudgetFile | None, outcome: m.BudgetOutcome) -> dict[str, Any]:
    if budget is None:
        return {}

    def section(planned: m.BudgetSection, actual: m.OutcomeSection) -> dict[str, Any]:
        by_label = {line.label: line.outcome for line in actual.lines}
        rows = [{"post": line.label, "budget": kronor(line.amount), "utfall": kronor(by_label[line.label]),
                 "avvikelse": deviation(by_label[line.label] - line.amount)} for line in planned.lines]
        spent = sum(by_label[line.label] for line in planned.lines)
        return {"poster": rows, "budget": kronor(planned.total), "utfall": kronor(spent),
                "avvikelse": deviation(spent - planned.total)}
    revenue, costs = section(budget.revenue, outcome.revenue), section(budget.costs, outcome.costs)
    return {"intäkter": revenue, "kostnader": costs}


def deviation(value: int) -> str:
    """Return a deviation with its sign: "+12 500 kr", "−78 600 kr", "0 kr"."""
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return f"{sign}{kronor(abs(value))}"


def status_graph(rows: list[dict[str, Any]]) -> Graph:
    """A bar per area and one for the total, each split by status into its shares; every segment has
    its symbol and number (not colour alone).

    One Graphviz table: a row per area (its name, then its bar), and a legend. The bars are equally
    long (shares, so that the total fits beside the areas); a segment is at least wide enough for "✓ 12".
    """
    length = 300  # points
    table = []
    for row in rows:
        share = length / max(row["totalt"], 1)
        segments = "".join(
            f'<TD BGCOLOR="{fill}" WIDTH="{max(round(share * row[key.replace(" ", "_")]), 26)}" HEIGHT="22">'
            f'<FONT COLOR="{ink}">{html.escape(symbol)} {row[key.replace(" ", "_")]}</FONT></TD>'
            for key, (symbol, _, fill, ink) in STATUS.items() if row[key.replace(" ", "_")])
        table.append(f'<TR><TD ALIGN="RIGHT" WIDTH="160"><B>{html.escape(row["område"])}</B></TD>'
                     f'<TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
                     f'<TR>{segments}</TR></TABLE></TD></TR>')
    legend = "".join(f'<TD BGCOLOR="{fill}"><FONT COLOR="{ink}">{html.escape(symbol)} {html.escape(word)}</FONT></TD>'
                     for symbol, word, fill, ink in STATUS.values())
    table.append(f'<TR><TD></TD><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="4" '
                 f'CELLPADDING="3"><TR>{legend}</TR></TABLE></TD></TR>')
    dot = "\n".join([
        "digraph G {",
        f'  graph [bgcolor=white, fontname="{FONT}", pad=0.1];',
        f'  node [shape=plaintext, fontname="{FONT}", fontsize=11, margin=0];',
        f'  chart [label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="6" CELLPADDING="0">{"".join(table)}</TABLE>>];',
        "}"]) + "\n"
    described = "; ".join(
        f"{row['område']}: " + ", ".join(counted(row[key.replace(' ', '_')], key)
                                         for key in STATUS if row[key.replace(" ", "_")])
        for row in rows)
    return Graph(dot, f"Stapeldiagram över aktiviteternas status per område och totalt. {described}.")


# --- building -----------------------------------------------------------------------------------------

def build_follow_up(root: Path, year: int | str, occasion: str | None = None, soffice_url: str | None = None,
                    out_dir: Path | None = None) -> list[str]:
    """Build the follow-up of `year` (every occasion, or the one named); return Swedish progress lines.

    Every occasion is made before any is written."""
    sources = check(root, year, round_file=False)
    base = display_path(root / "sources" / str(year), root)
    if not sources.follow_ups:
        raise PipelineError(f"{base}: det finns ingen uppföljning (uppfoljning-helar.yaml eller "
                            f"uppfoljning-delar.yaml); se docs/uppfoljning.md.")
    occasions = [occasion] if occasion else sorted(sources.follow_ups)
    unknown = [o for o in occasions if o not in sources.follow_ups]
    if unknown:
        raise PipelineError(f"{base}/uppfoljning-{unknown[0]}.yaml finns inte (finns: "
                            f"{', '.join(f'uppfoljning-{o}.yaml' for o in sorted(sources.follow_ups))}).")
    with LibreOffice(soffice_url) as office:
        made = list(make((follow_up_document(root, sources, name, out_dir) for name in occasions), office))
    return [line for each in made for line in write(each)]


def make_follow_up(root: Path, sources: PlanSources, occasion: str, office) -> tuple[bytes, bytes, bytes]:
    """Return the follow-up's DOCX, proofread PDF and web page (nothing written)."""
    made = next(make([follow_up_document(root, sources, occasion)], office))
    return made.docx, made.pdf, made.page


def follow_up_document(root: Path, sources: PlanSources, occasion: str, out_dir: Path | None = None) -> Document:
    """Return the description of the follow-up `occasion` of checked `sources`: its figure is drawn here."""
    follow_up = sources.follow_ups[occasion]
    cache = root / "build" / ".cache"
    context, graph = follow_up_context(sources, occasion, follow_up)
    figures = {FIGURE: [fitted_figure(graph, cache)]}
    original = root / "templates" / TEMPLATE
    shown = display_path(original, root)
    template = prepare_template(original, cache, shown, spec=FOLLOW_UP)
    properties = {"title": f"{context['titel']} – {context['undertitel']}", "subject": context["titel"],
                  "author": sources.plan.organisation, "date": follow_up.date,
                  "keywords": f"uppföljning; {follow_up.occasion}; verksamhetsplan; {sources.plan.year}",
                  "category": f"Uppföljning {follow_up.occasion}"}
    return Document(root, occasion, template, shown, context, properties, figures,
                    output_paths(root, sources.year, occasion, out_dir),
                    target=display_path(output_paths(root, sources.year, occasion)[1], root),
                    page=lambda: render_html(root, sources, figures, template=HTML_TEMPLATE, context=context))
