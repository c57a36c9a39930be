"""Figure stage: diagrams drawn by Graphviz from the plan's own data, with alt text in words.

A figure is named in Markdown as `![Figurtext](figur:NAMN)`. Each is described as a Graphviz
graph built from the sources (goal tree, networks, organisation), rendered in the document's
typeface twice from the same layout: as SVG (the vector drawing, which Word 2016 and later
show and the PDF is made from) and as PNG at 300 dpi (the picture older Word versions and
LibreOffice 7.4 show, see docx/markdown.py and pdf/libreoffice.py). Both are cached by the graph's text: the
same data gives the same bytes.

A figure always fits its page, width and height, and its text never prints smaller than
MIN_TEXT_PT. Each figure has layouts in order of preference (the whole graph top-down, the
whole graph left to right, then in parts: one per focus area, one per goal); the first whose
every part fits legibly is drawn. A large goal tree thus becomes one figure per focus area
rather than a shrunken or cut one.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import struct
import subprocess
import textwrap
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from pipeline.sources import model as m
from pipeline.errors import PipelineError
from pipeline.sources.load import PlanSources
from pipeline.infra.writer import write_cache
from pipeline.infra.uptodate import program_stamp

DPI = 300
RENDERING = "png-rgb-300dpi+svg-v6"  # part of the cache key: change it when rendering changes
MAX_WIDTH_CM = 16.0       # the text width of an A4 page with 2.5 cm margins
MAX_HEIGHT_CM = 20.5      # the text height, less room for the caption and a heading above
FONT_PT = 11              # the size Graphviz lays the labels out in
MIN_TEXT_PT = 7.0         # the smallest text a figure may print
FONT = "Carlito"  # metric twin of Calibri, the template's typeface; what LibreOffice embeds
# In the SVG: Carlito where it is installed (LibreOffice), else its metric twin Calibri (Word
# on Windows), so that text drawn at Graphviz's positions keeps the widths it was laid out for.
SVG_FONTS = "Carlito, Calibri, sans-serif"
FILLS = ["#1F4E79", "#2E75B6", "#9DC3E6", "#DEEAF6", "#F2F2F2"]
INK = ["white", "white", "black", "black", "black"]


@dataclass(frozen=True)
class Figure:
    """A rendered figure (or part of one): its SVG, the words that describe it, its size.

    The PNG that older Word versions show is rendered on demand (`png()`); until then the
    document carries a one-pixel stand-in (`placeholder`), so that LibreOffice, which draws the
    SVG, can start converting while the pictures are still being rendered (see documents/plan.py).
    """

    svg: Path
    alt: str
    width_cm: float
    height_cm: float
    dot: str = field(repr=False, default="")
    dpi: float = DPI
    part: str = ""            # "del 2 av 4: fokusområde bostäder" when the figure is drawn in parts
    text_pt: float = FONT_PT  # the size its labels print at

    @property
    def placeholder(self) -> Path:
        return self.svg.with_name(f"{self.svg.stem}-{self.dpi:.1f}-platshallare.png")

    @property
    def png_path(self) -> Path:
        return self.svg.with_name(f"{self.svg.stem}-{self.dpi:.1f}.png")

    def png(self) -> bytes:
        """Return the PNG, rendered at exactly 300 dpi for the size it is shown at (cached).

        Graphviz writes it without an alpha channel, the background being white: sharp in
        print where the vector drawing cannot be shown.
        """
        if not self.png_path.exists():
            write_cache(self.png_path, _dot(self.dot, "png", self.dpi))
        return self.png_path.read_bytes()

    def placeholder_bytes(self) -> bytes:
        """Return the stand-in: a white pixel that names its figure (so each is unique)."""
        if not self.placeholder.exists():
            write_cache(self.placeholder, placeholder_png(self.svg.stem + f"-{self.dpi:.1f}"))
        return self.placeholder.read_bytes()


@dataclass(frozen=True)
class Graph:
    """A figure (or part of one) before rendering: Graphviz source and alt text."""

    dot: str
    alt: str
    part: str = ""


Layout = list[Graph]  # a figure drawn whole (one graph) or in parts
WRAPS = (34, 22)      # characters per line in a goal's box: wide first, then narrow for wide trees

def figure_names() -> list[str]:
    return sorted(LAYOUTS)


def build_graph(name: str, s: PlanSources) -> Graph:
    """Return the figure as one graph, in its preferred layout."""
    return next(iter(LAYOUTS[name](s)))[0]


def make_figure(name: str, s: PlanSources, cache_dir: Path) -> list[Figure]:
    """Return the figure, rendered in the first layout whose every part fits a page legibly."""
    for layout in LAYOUTS[name](s):
        sizes = [_natural_size(graph, cache_dir) for graph in layout]
        if all(_scale(w, h) * FONT_PT >= MIN_TEXT_PT for w, h in sizes):
            return [render_figure(graph, cache_dir, _scale(w, h), i, len(layout))
                    for i, (graph, (w, h)) in enumerate(zip(layout, sizes), start=1)]
    raise PipelineError(f"figuren '{name}' ryms inte läsbart på en sida ens när den delas upp "
                        f"(texten skulle bli mindre än {MIN_TEXT_PT:g} punkter); dela upp målen eller "
                        "korta namnen.")


def fitted_figure(graph: Graph, cache_dir: Path) -> Figure:
    """Return one graph rendered at the scale that fits it in the text area (a figure of one part)."""
    return render_figure(graph, cache_dir, _scale(*_natural_size(graph, cache_dir)))


def _scale(width_cm: float, height_cm: float) -> float:
    """The factor a drawing of this natural size is shown at: at most 1, within the text area."""
    return min(1.0, MAX_WIDTH_CM / width_cm, MAX_HEIGHT_CM / height_cm)


def _natural_size(graph: Graph, cache_dir: Path) -> tuple[float, float]:
    """Return the graph's natural width and height in cm (from its SVG, rendered and cached)."""
    svg = _svg_path(graph, cache_dir)
    if not svg.exists():
        write_cache(svg, _office_svg(_dot(graph.dot, "svg")))
    head = svg.read_bytes()[:2000].decode("utf-8", "replace")
    width, height = (float(v) for v in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', head).groups())
    return width / 72 * 2.54, height / 72 * 2.54


def _svg_path(graph: Graph, cache_dir: Path) -> Path:
    # keyed by the Graphviz that draws it too: an upgraded Graphviz draws every figure again
    digest = hashlib.sha256(f"{RENDERING}\0{graphviz_version(cache_dir)}\0{graph.dot}".encode("utf-8")).hexdigest()[:16]
    return cache_dir / f"figur-{digest}.svg"


_versions: dict[str, str] = {}


def graphviz_version(cache_dir: Path) -> str:
    """Return what `dot -V` says ("dot - graphviz version 2.43.0 (0)"), or "" without Graphviz.

    Asked once per installed dot: the answer is kept, in memory and in the cache, under the
    program's file, mtime and size (uptodate.program_stamp), so a build with every figure in
    the cache starts no program to ask.
    """

    stamp = program_stamp("dot")
    if stamp in _versions:
        return _versions[stamp]
    record = cache_dir / f"graphviz-{hashlib.sha256(stamp.encode('utf-8')).hexdigest()[:16]}.txt"
    try:
        version = record.read_text(encoding="utf-8")
    except OSError:
        try:
            result = subprocess.run(["dot", "-V"], capture_output=True, timeout=60)
            version = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        except (OSError, subprocess.TimeoutExpired):
            version = ""  # no Graphviz: drawing says so (see _dot)
        if version:
            write_cache(record, version.encode("utf-8"))
    _versions[stamp] = version
    return version


def render_figure(graph: Graph, cache_dir: Path, scale: float = 1.0, number: int = 1, parts: int = 1) -> Figure:
    """Return the graph rendered to SVG (cached by its Graphviz source), shown at `scale`."""
    svg_target = _svg_path(graph, cache_dir)
    width_cm, height_cm = _natural_size(graph, cache_dir)
    part = f"del {number} av {parts}: {graph.part}" if parts > 1 else ""
    figure = Figure(svg_target, graph.alt, round(width_cm * scale, 2), round(height_cm * scale, 2), graph.dot,
                    round(DPI * scale, 1), part, round(FONT_PT * scale, 1))
    figure.placeholder_bytes()
    return figure


def placeholder_png(name: str) -> bytes:
    """Return a 1×1 white PNG with a text chunk naming it (no two figures share a stand-in)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"tEXt", b"Comment\x00vp-figur " + name.encode("ascii"))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


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


# A selection of the goal tree: (focus area index, indices of its top-level goals or None for all).
Selection = list[tuple[int, list[int] | None]]


def _selections(goals: m.GoalsFile) -> Iterator[tuple[Selection, str]]:
    """Yield the ways to draw the goal tree in parts: per focus area, then per top-level goal."""
    areas = goals.focus_areas
    yield from (([(f, None)], f"fokusområde {area.name}") for f, area in enumerate(areas))
    for f, area in enumerate(areas):
        for g, goal in enumerate(area.goals):
            label = f"{goal.title}" if len(areas) == 1 else f"fokusområde {area.name}, {goal.title}"
            yield [(f, [g])], label


def _goal_layouts(s: PlanSources, build: Callable[..., Graph], rankdirs: tuple[str, str]) -> Iterator[Layout]:
    """Whole, then one part per focus area, then one part per top-level goal; each in both
    directions, with the labels wrapped wide and then narrow."""
    goals = _goals(s)
    parts = list(_selections(goals))
    groups = [[([(f, None) for f in range(len(goals.focus_areas))], "")]]
    groups.append([(sel, label) for sel, label in parts if sel[0][1] is None])
    per_goal = [(sel, label) for sel, label in parts if sel[0][1] is not None]
    if len(per_goal) > len(goals.focus_areas):  # else the same parts as per focus area
        groups.append(per_goal)
    for group in groups:
        if not group or (len(group) == 1 and group is not groups[0]):
            continue
        for rankdir in rankdirs:
            for wrap in WRAPS:
                yield [build(s, sel, rankdir, part=label, wrap=wrap) for sel, label in group]


def _goal_structure(s: PlanSources, selection: Selection, rankdir: str, skip_yearly: bool,
                    part: str = "", wrap: int = 34) -> Graph:
    goals = _goals(s)
    skip = set(goals.yearly_levels) if skip_yearly else set()
    body = [_node("vision", _label("Vision", goals.vision, 40), 0)]
    described = []
    depth_of = {"vision": 0}
    for f, chosen in selection:
        area = goals.focus_areas[f]
        root = "vision"
        if len(goals.focus_areas) > 1 or area.heading:
            root = f"f{f}"
            depth_of[root] = 1
            body += [_node(root, _label(f"Fokusområde: {area.name}"), 1), f"vision -> {root};"]
        top = [g for i, g in enumerate(area.goals) if chosen is None or i in chosen]
        for node_id, parent, goal in _walk(top, root, skip):
            depth_of[node_id] = depth_of[parent] + 1
            body += [_node(node_id, _label(goal.title, goal.statement, wrap), depth_of[node_id]),
                     f"{parent} -> {node_id};"]
            described.append(goal)
    parts = [f"visionen \u201d{goals.vision}\u201d"]
    if part and len(goals.focus_areas) > 1:
        parts.append(f"fokusområdet {goals.focus_areas[selection[0][0]].name}")
    for goal in described:
        statement = f" (\u201d{goal.statement}\u201d)" if goal.statement else ""
        parts.append(f"{goal.level} {goal.name}{statement}")
    direction = "uppifrån och ned" if rankdir == "TB" else "från vänster till höger"
    what = "målstrukturen" if not part else f"en del av målstrukturen ({part})"
    alt = (f"Figuren visar {what} som ett träd, {direction}: " + "; under den ".join(parts[:2])
           + ("; därunder " + "; ".join(parts[2:]) if parts[2:] else "") + ".")
    return Graph(_graph(body, rankdir), alt, part)


def goal_structure(s: PlanSources) -> Iterator[Layout]:
    """Vision → övergripande mål → långsiktiga mål → delmål, as in chapter 1."""
    return _goal_layouts(s, functools.partial(_goal_structure, skip_yearly=False), ("TB", "LR"))


def programme_goal_structure(s: PlanSources) -> Iterator[Layout]:
    """The programme's goals only (no yearly levels such as delmål): Figur 2 of SUP 2040."""
    return _goal_layouts(s, functools.partial(_goal_structure, skip_yearly=True), ("TB", "LR"))


def governance(s: PlanSources) -> Iterator[Layout]:
    """The governing documents, the superior first: Figur 1 of SUP 2040."""
    docs = s.collaboration.documents
    body = []
    for i, doc in enumerate(docs):
        body.append(_node(f"d{i}", _label(doc.name, doc.description, 36), min(i, 3)))
        if i:
            body.append(f"d{i - 1} -> d{i};")
    alt = ("Figuren visar styrningshierarkin uppifrån och ned: "
           + ", därunder ".join(f"{d.name}" + (f" ({d.description})" if d.description else "") for d in docs) + ".")
    yield [Graph(_graph(body), alt)]
    yield [Graph(_graph(body, "LR"), alt.replace("uppifrån och ned", "från vänster till höger"))]


def organisation(s: PlanSources) -> Iterator[Layout]:
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
    yield [Graph(_graph(body), alt)]
    yield [Graph(_graph(body, "LR"), alt)]


def _goals_and_networks(s: PlanSources, selection: Selection, rankdir: str, part: str = "",
                        wrap: int = 28) -> Graph:
    goals = _goals(s)
    networks = {n.id: (f"n{i}", n) for i, n in enumerate(s.networks.networks)}
    body = ["subgraph cluster_goals { label=<<B>Mål</B>>; style=invis; "]
    links = []
    edges = []
    shown = set()
    for f, chosen in selection:
        area = goals.focus_areas[f]
        top = [g for i, g in enumerate(area.goals) if chosen is None or i in chosen]
        for node_id, _, goal in _walk(top, f"g{f}", set()):
            body.append("  " + _node(node_id, _label(goal.title, None, wrap), 2))
            if goal.responsible in networks:
                edges.append(f"{node_id} -> {networks[goal.responsible][0]};")
                links.append(f"{goal.title} – {networks[goal.responsible][1].label}")
                shown.add(goal.responsible)
            else:
                links.append(f"{goal.title} – inget eget nätverk")
    body.append("}")
    body.append("subgraph cluster_networks { style=invis; ")
    for network_id, (node_id, n) in networks.items():
        if not part or network_id in shown:  # a part shows the networks its goals point at
            body.append("  " + _node(node_id, _label(n.label, None, 26), 1))
    body.append("}")
    what = "vilket nätverk som ansvarar för vilket mål" + (f" ({part})" if part else "")
    alt = (f"Figuren visar {what}: " + "; ".join(links) + "."
           if edges else "Figuren visar målen och nätverken; inget mål har ett ansvarigt nätverk.")
    return Graph(_graph(body + edges, rankdir=rankdir), alt, part)


def goals_and_networks(s: PlanSources) -> Iterator[Layout]:
    """Which network answers for which goal: Figur 4 of SUP 2040."""
    return _goal_layouts(s, _goals_and_networks, ("LR", "TB"))


# Figures drawn from the goal tree: they need a chapter with `innehåll: mål`.
GOAL_FIGURES = frozenset({"malstruktur", "malstruktur-program", "mal-och-organisation"})

# Each figure's layouts, the preferred first (see make_figure).
LAYOUTS: dict[str, Callable[[PlanSources], Iterator[Layout]]] = {
    "malstruktur": goal_structure,
    "malstruktur-program": programme_goal_structure,
    "styrning": governance,
    "organisation": organisation,
    "mal-och-organisation": goals_and_networks,
}
