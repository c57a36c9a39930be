"""Figure stage: diagrams drawn by Graphviz from the plan's own data, with alt text in words.

A figure is named in Markdown as `![Figurtext](figur:NAMN)`. Each is described as a Graphviz
graph built from the sources (goal tree, networks, organisation), rendered in the document's
typeface twice from the same layout: as SVG (the vector drawing, which Word 2016 and later
show and the PDF is made from) and as PNG at 300 dpi (the picture older Word versions and
LibreOffice 7.4 show, see markdown.py and pdf.py). Both are cached by the graph's text: the
same data gives the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import struct
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from . import model as m
from .errors import PipelineError
from .load import PlanSources
from .writer import write_cache

FIGURE_REF = re.compile(r"!\[(?P<caption>[^\]]*)\]\(figur:(?P<name>[^)\s]+)\)")
DPI = 300
RENDERING = "png-rgb-300dpi+svg-v3"  # part of the cache key: change it when rendering changes
MAX_WIDTH_CM = 16.0
FONT = "Carlito"  # metric twin of Calibri, the template's typeface; what LibreOffice embeds
# In the SVG: Carlito where it is installed (LibreOffice), else its metric twin Calibri (Word
# on Windows), so that text drawn at Graphviz's positions keeps the widths it was laid out for.
SVG_FONTS = "Carlito, Calibri, sans-serif"
FILLS = ["#1F4E79", "#2E75B6", "#9DC3E6", "#DEEAF6", "#F2F2F2"]
INK = ["white", "white", "black", "black", "black"]


@dataclass(frozen=True)
class Figure:
    """A rendered figure: its PNG and SVG files, the words that describe it, its width in the document."""

    png: Path
    svg: Path
    alt: str
    width_cm: float


@dataclass(frozen=True)
class Graph:
    """A figure before rendering: Graphviz source and alt text."""

    dot: str
    alt: str


def figure_names() -> list[str]:
    return sorted(BUILDERS)


def referenced_figures(text: str) -> list[tuple[int, str]]:
    """Return (line, name) of every figure reference in a Markdown text."""
    return [(text[: match.start()].count("\n") + 1, match.group("name")) for match in FIGURE_REF.finditer(text)]


def build_graph(name: str, s: PlanSources) -> Graph:
    return BUILDERS[name](s)


def render_figure(graph: Graph, cache_dir: Path) -> Figure:
    """Return the figure rendered to SVG and PNG (cached by its Graphviz source).

    The PNG is rendered at exactly 300 dpi for the width it is shown at (at most 16 cm),
    without an alpha channel: sharp in print where the vector drawing cannot be shown.
    """
    digest = hashlib.sha256(f"{RENDERING}\0{graph.dot}".encode("utf-8")).hexdigest()[:16]
    target = cache_dir / f"figur-{digest}.png"
    svg_target = target.with_suffix(".svg")
    if not svg_target.exists():
        write_cache(svg_target, _office_svg(_dot(graph.dot, "svg")))
    if not target.exists():
        png = _dot(graph.dot, "png", DPI)
        natural_cm = _png_width(png) / DPI * 2.54
        if natural_cm > MAX_WIDTH_CM:  # shown narrower: render again, 300 dpi at the shown width
            png = _dot(graph.dot, "png", DPI * MAX_WIDTH_CM / natural_cm)
        with Image.open(io.BytesIO(png)) as image:
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.convert("RGBA").getchannel("A"))
            out = io.BytesIO()
            flat.save(out, format="PNG", dpi=(DPI, DPI))
        write_cache(target, out.getvalue())
    width_px = _png_width(target.read_bytes())
    return Figure(target, svg_target, graph.alt, round(min(MAX_WIDTH_CM, width_px / DPI * 2.54), 2))


def _png_width(data: bytes) -> int:
    return struct.unpack(">I", data[16:20])[0]


def _office_svg(svg: bytes) -> bytes:
    """Return Graphviz's SVG as Word and LibreOffice read it best.

    Without the DOCTYPE (an external DTD reference that nothing needs) and with a font list
    instead of the one family name Graphviz writes.
    """
    text = svg.decode("utf-8")
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, count=1)
    text = text.replace(f'font-family="{FONT}"', f'font-family="{SVG_FONTS}"')
    return text.encode("utf-8")


def _dot(source: str, output: str, dpi: float | None = None) -> bytes:
    """Return Graphviz's rendering of `source` as `output` (png at `dpi`, or svg)."""
    args = ["dot", f"-T{output}"] + ([f"-Gdpi={dpi:.3f}"] if dpi else [])
    try:
        result = subprocess.run(args, input=source.encode("utf-8"), capture_output=True, timeout=60)
    except FileNotFoundError as exc:
        raise PipelineError("Graphviz (dot) saknas; installera det med 'make system-deps' "
                            "eller 'sudo apt-get install graphviz'.") from exc
    if result.returncode != 0:
        raise PipelineError(f"Graphviz kunde inte rita en figur: {result.stderr.decode(errors='replace')}")
    return result.stdout


# --- graph builders -------------------------------------------------------------------

def _label(title: str, text: str | None = None, width: int = 30) -> str:
    """Return an HTML-like Graphviz label: a bold title and wrapped text, escaped."""
    lines = [f"<B>{html.escape(line)}</B>" for line in textwrap.wrap(title, width)]
    if text:
        lines += [html.escape(line) for line in textwrap.wrap(text, width)]
    return "<" + "<BR/>".join(lines) + ">"


def _graph(body: list[str], rankdir: str = "TB") -> str:
    head = ['digraph G {', f'  graph [rankdir={rankdir}, nodesep=0.3, ranksep=0.45, bgcolor=white, '
            f'fontname="{FONT}", pad=0.1];',
            f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=11, margin="0.15,0.08", '
            f'penwidth=0];',
            '  edge [color="#595959", arrowsize=0.7];']
    return "\n".join(head + ["  " + line for line in body] + ["}"]) + "\n"


def _node(node_id: str, label: str, depth: int) -> str:
    depth = min(depth, len(FILLS) - 1)
    return f'{node_id} [label={label}, fillcolor="{FILLS[depth]}", fontcolor="{INK[depth]}"];'


def _goals(s: PlanSources) -> m.GoalsFile:
    goals = s.content.get("mål")
    if goals is None:
        raise PipelineError("figurerna över målen kräver att planen har ett kapitel med 'innehåll: mål'.")
    return goals


def _walk(goals: list[m.Goal], parent: str, skip: set[str]):
    for i, goal in enumerate(goals):
        if goal.level in skip:
            continue
        node_id = f"{parent}_{i}"
        yield node_id, parent, goal
        yield from _walk(goal.goals, node_id, skip)


def _goal_structure(s: PlanSources, skip_yearly: bool) -> Graph:
    goals = _goals(s)
    skip = set(goals.yearly_levels) if skip_yearly else set()
    body = [_node("vision", _label("Vision", goals.vision, 40), 0)]
    described = []
    depth_of = {"vision": 0}
    for f, area in enumerate(goals.focus_areas):
        root = "vision"
        if len(goals.focus_areas) > 1 or area.heading:
            root = f"f{f}"
            depth_of[root] = 1
            body += [_node(root, _label(f"Fokusområde: {area.name}"), 1), f"vision -> {root};"]
        for node_id, parent, goal in _walk(area.goals, root, skip):
            depth_of[node_id] = depth_of[parent] + 1
            body += [_node(node_id, _label(goal.title, goal.statement, 34), depth_of[node_id]),
                     f"{parent} -> {node_id};"]
            described.append(goal)
    parts = [f"visionen \u201d{goals.vision}\u201d"]
    for goal in described:
        statement = f" (\u201d{goal.statement}\u201d)" if goal.statement else ""
        parts.append(f"{goal.level} {goal.name}{statement}")
    alt = ("Figuren visar målstrukturen som ett träd, uppifrån och ned: " + "; under den ".join(parts[:2])
           + ("; därunder " + "; ".join(parts[2:]) if parts[2:] else "") + ".")
    return Graph(_graph(body), alt)


def goal_structure(s: PlanSources) -> Graph:
    """Vision → övergripande mål → långsiktiga mål → delmål, as in chapter 1."""
    return _goal_structure(s, skip_yearly=False)


def programme_goal_structure(s: PlanSources) -> Graph:
    """The programme's goals only (no yearly levels such as delmål): Figur 2 of SUP 2040."""
    return _goal_structure(s, skip_yearly=True)


def governance(s: PlanSources) -> Graph:
    """The governing documents, the superior first: Figur 1 of SUP 2040."""
    docs = s.collaboration.documents
    body = []
    for i, doc in enumerate(docs):
        body.append(_node(f"d{i}", _label(doc.name, doc.description, 36), min(i, 3)))
        if i:
            body.append(f"d{i - 1} -> d{i};")
    alt = ("Figuren visar styrningshierarkin uppifrån och ned: "
           + ", därunder ".join(f"{d.name}" + (f" ({d.description})" if d.description else "") for d in docs) + ".")
    return Graph(_graph(body), alt)


def organisation(s: PlanSources) -> Graph:
    """The organisation: bodies, support functions and the networks: Figur 3 of SUP 2040."""
    c = s.collaboration
    ids = {b.name: f"o{i}" for i, b in enumerate(c.bodies)}
    depth: dict[str, int] = {}
    body: list[str] = []
    for b in c.bodies:
        depth[b.name] = depth.get(b.reports_to, -1) + 1 if b.reports_to else 0
        body.append(_node(ids[b.name], _label(b.name, b.description, 24), depth[b.name] if not b.support else 4))
        if b.reports_to in ids:
            style = ' [style=dashed, dir=none]' if b.support else ""
            body.append(f"{ids[b.reports_to]} -> {ids[b.name]}{style};")
            if b.support:
                body.append(f"{{rank=same; {ids[b.reports_to]}; {ids[b.name]};}}")
    parent = ids.get(c.networks_report_to)
    nets = s.networks.networks
    for i, n in enumerate(nets):
        body.append(_node(f"n{i}", _label(n.label, None, 24), depth.get(c.networks_report_to, 0) + 1))
        if parent:
            body.append(f"{parent} -> n{i};")
    alt = "Figuren visar Södertörnssamverkans organisation: " + "; ".join(
        f"{b.name}" + (f" ({b.description})" if b.description else "")
        + (f", som {'stöder' if b.support else 'svarar mot'} {b.reports_to}" if b.reports_to else "")
        for b in c.bodies) + f"; under {c.networks_report_to} finns {len(nets)} nätverk: " \
        + ", ".join(n.label for n in nets) + "."
    return Graph(_graph(body), alt)


def goals_and_networks(s: PlanSources) -> Graph:
    """Which network answers for which goal: Figur 4 of SUP 2040."""
    goals = _goals(s)
    networks = {n.id: (f"n{i}", n) for i, n in enumerate(s.networks.networks)}
    body = ["subgraph cluster_goals { label=<<B>Mål</B>>; style=invis; "]
    links = []
    edges = []
    for f, area in enumerate(goals.focus_areas):
        for node_id, _, goal in _walk(area.goals, f"g{f}", set()):
            body.append("  " + _node(node_id, _label(goal.title, None, 28), 2))
            if goal.responsible in networks:
                edges.append(f"{node_id} -> {networks[goal.responsible][0]};")
                links.append(f"{goal.title} – {networks[goal.responsible][1].label}")
            else:
                links.append(f"{goal.title} – inget eget nätverk")
    body.append("}")
    body.append("subgraph cluster_networks { style=invis; ")
    for node_id, n in networks.values():
        body.append("  " + _node(node_id, _label(n.label, None, 26), 1))
    body.append("}")
    alt = ("Figuren visar vilket nätverk som ansvarar för vilket mål: " + "; ".join(links) + "."
           if edges else "Figuren visar målen och nätverken; inget mål har ett ansvarigt nätverk.")
    return Graph(_graph(body + edges, rankdir="LR"), alt)


# Figures drawn from the goal tree: they need a chapter with `innehåll: mål`.
GOAL_FIGURES = frozenset({"malstruktur", "malstruktur-program", "mal-och-organisation"})

BUILDERS: dict[str, Callable[[PlanSources], Graph]] = {
    "malstruktur": goal_structure,
    "malstruktur-program": programme_goal_structure,
    "styrning": governance,
    "organisation": organisation,
    "mal-och-organisation": goals_and_networks,
}
