"""Any plan comes out right: plans of other shapes built whole, and the build's own proofreading.

`tests/fixtures/stor-form` (2032) has four focus areas, a four-level goal tree with an added
level, goals without activities, 36 activities, a Bilaga 1 of 20 rows, extra budget lines and
meeting bodies, and a fourth appendix of its own Markdown with lists, a table and footnotes;
`tests/fixtures/minimal` (2033) has one goal, no appendix and no figure. The proofreading is
shown to catch faults injected into a real PDF.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest

from conformance.pdfrules import pdf_violations
from conftest import ROOT, copy_project, needs_libreoffice, run_cli
from pipeline.errors import ProofreadError
from pipeline.content.formatting import unbreakable
from pipeline.pdf.marks import document_marks
from pipeline.pdf.tags import kids_of, walk
from pipeline.pdf.proofread import proofread

FIXTURES = Path(__file__).resolve().parent / "fixtures"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _build(tmp_path_factory, fixture: str, year: int) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp(fixture) / "projekt"
    shutil.copytree(FIXTURES / fixture / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    result = run_cli("build", str(year), "--out", str(root / "ut"), root=root)
    assert result.returncode == 0, result.stderr
    return root / "ut" / f"verksamhetsplan-{year}.docx", root / "ut" / f"verksamhetsplan-{year}.pdf"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    from pipeline.pdf.libreoffice import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    return _build(tmp_path_factory, "stor-form", 2032)


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    from pipeline.pdf.libreoffice import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    return _build(tmp_path_factory, "minimal", 2033)


def pages(pdf: Path, layout: bool = False) -> list[str]:
    args = ["pdftotext"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\f")[:-1]


# --- footnotes ---------------------------------------------------------------------------------

FOOTNOTES = ["Utvecklingsprogrammet antogs av samarbetskommittén den 12 januari 2031.",
             "Insatsområdena är årliga och följs upp i december.",
             "Delårsuppföljningen görs i augusti och helårsuppföljningen i januari.",
             "Ledningsgruppen kan begära kompletteringar.",
             "Kostnaden för sammanställningen är en uppskattning."]
REFERRED_FROM = ["utvecklingsprogrammet.", "nytt för i år.", "två gånger per år.", "bereder.", "visar momenten."]


@needs_libreoffice
def test_each_footnote_shows_its_own_text_under_its_own_number_on_the_page_of_its_reference(large):
    text = pages(large[1])
    for number, (note, before) in enumerate(zip(FOOTNOTES, REFERRED_FROM), start=1):
        on = [i for i, page in enumerate(text) if re.search(rf"(?m)^\s*{number}\s*{re.escape(note[:40])}", page)]
        assert len(on) == 1, (number, note)
        flat = re.sub(r"\s+", " ", text[on[0]])
        assert re.search(rf"{re.escape(before)} ?{number}\b", flat), (number, before)


@needs_libreoffice
def test_footnotes_are_numbered_in_document_order_in_the_docx(large):
    with zipfile.ZipFile(large[0]) as z:
        body = z.read("word/document.xml").decode()
        notes = z.read("word/footnotes.xml").decode()
    assert re.findall(r'<w:footnoteReference w:id="(\d+)"', body) == ["1", "2", "3", "4", "5"]
    ids = re.findall(r'<w:footnote w:id="(\d+)"', notes)
    assert ids == ["1", "2", "3", "4", "5"]
    for number, text in enumerate(FOOTNOTES, start=1):
        note = re.search(rf'<w:footnote w:id="{number}">(.*?)</w:footnote>', notes, re.S).group(1)
        assert text in re.sub(r"<[^>]+>", "", note).replace("\u00a0", " ")


# --- figures -----------------------------------------------------------------------------------------

@needs_libreoffice
def test_every_figure_fits_its_page_and_its_text_is_legible(large):
    with pikepdf.open(large[1]) as pdf:
        marks = document_marks(pdf)
        figures = [e for e in walk(pdf.Root.StructTreeRoot) if e.get("/S") == "/Figure"]
        assert len(figures) == 14  # malstruktur, mal-och-organisation, malstruktur-program in 4 parts; 2 whole
        numbers = {p.objgen: i for i, p in enumerate(pdf.pages)}
        for figure in figures:
            page = numbers[figure.Pg.objgen]
            mark = marks[page][int(figure.K)]
            box = [float(v) for v in pdf.pages[page].MediaBox]
            assert box[0] <= mark.box[0] and mark.box[2] <= box[2] and box[1] <= mark.box[1] and mark.box[3] <= box[3]
            assert min(mark.font_sizes) >= 7, (str(figure.Alt)[:60], min(mark.font_sizes))


@needs_libreoffice
def test_a_tree_too_large_for_one_page_is_drawn_in_parts_and_nothing_is_cut(large):
    captions = [p.text for p in docx.Document(str(large[0])).paragraphs if p.style.name == "Image Caption"]
    assert "Målstrukturen 2032 (del 1 av 4: fokusområde transporter)." in captions
    assert "Mål och ansvariga nätverk 2032 (del 4 av 4: fokusområde klimat och energi)." in captions
    text = re.sub(r"\s+", " ", " ".join(pages(large[1])))
    for area in ("transporter", "bostäder och stadsbyggnad", "kompetensförsörjning", "klimat och energi"):
        for goal in (f"Insatsområde A1b för {area}", f"Delmål B1 för {area}"):
            assert text.count(goal) >= 3, goal  # its heading and its box in two figures
    for network in ("Transportnätverket", "Nätverket för bostäder och stadsbyggnad", "Kompetensnätverket",
                    "Energinätverket", "Nätverket för digital samverkan"):
        assert network in text


def test_figure_layouts_prefer_the_whole_figure_when_it_fits():
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_figures
    figures = make_figures(check(ROOT, 2024), ROOT / "build" / ".cache")
    assert all(len(parts) == 1 and parts[0].text_pt == 11 for parts in figures.values())


# --- typography, keeping together, tables, goal levels ------------------------------------------------

def test_amounts_dates_times_and_ranges_cannot_break():
    assert unbreakable("kostat ca 80 000-125 000 kr") == "kostat ca\u00a080\u00a0000\u2011125\u00a0000\u00a0kr"
    assert unbreakable("29–30 augusti") == "29–\u206030\u00a0augusti"
    assert unbreakable("kl 13.00–15.00") == "kl\u00a013.00–\u206015.00"
    assert unbreakable("1 mars-30 juni 2032") == "1\u00a0mars\u201130\u00a0juni\u00a02032"
    assert unbreakable("§ 8 Avgift") == "§\u00a08 Avgift"
    assert unbreakable("transport- och logistikkedjor") == "transport- och logistikkedjor"


@needs_libreoffice
def test_no_amount_or_range_is_broken_across_lines_in_the_pdf(large, build_2024):
    for pdf in (large[1], build_2024[1]):
        lines = [line for page in pages(pdf) for line in page.splitlines()]
        for i, line in enumerate(lines):
            assert not re.search(r"\b\d{1,3}( \d{3})*-$", line.strip()), line   # "80 000-" ending a line
            assert not re.search(r"(^|\s)\d{1,3}$", line.strip()) or not lines[i + 1:i + 2] \
                or not re.match(r"\d{3}\b", lines[i + 1].strip()), (line, lines[i + 1])
    text = " ".join(pages(build_2024[1]))
    assert "80 000-125 000 kr" in text


@needs_libreoffice
def test_a_meeting_bodys_dates_stand_on_the_page_of_its_heading(large):
    text = pages(large[1])
    bodies = {"Samarbetskommittén": ["5 februari", "11 november"], "Ledningsgruppen": ["16 januari", "3 december"],
              "Beredningsgruppen": ["13 januari", "2 november"], "Kommunikatörsnätverket": ["2 februari", "6 december"]}
    for body, (first, last) in bodies.items():
        page = next(p for p in text if re.search(rf"(?m)^{body} \(", p))
        assert first in page and last in page, body


@needs_libreoffice
def test_markdown_tables_have_the_plans_style_and_columns_sized_by_content(large):
    document = docx.Document(str(large[0]))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Nr")
    assert table.style.name == "Plantabell"
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert widths[1] == max(widths) and widths[0] == min(widths)  # "Moment" widest, "Nr" narrowest
    assert widths[1] > 2 * widths[0]
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert [p.style.name for p in table.rows[1].cells[1].paragraphs] == ["Tabelltext"]


@needs_libreoffice
def test_every_goal_level_has_its_own_look(large):
    document = docx.Document(str(large[0]))
    levels = {"Ett starkare Södertörn inom transporter": "Heading 3", "Långsiktigt mål A för transporter": "Heading 4",
              "Delmål A1 för transporter": "Heading 5", "Insatsområde A1a för transporter": "Heading 6"}
    looks = set()
    for paragraph in document.paragraphs:
        for name, style in levels.items():
            if paragraph.text.endswith(name):
                assert paragraph.style.name == style, name
                font = paragraph.style.font
                looks.add((font.size, font.bold, font.italic, str(font.color.rgb if font.color.type else None)))
    assert len(looks) == 4


def test_a_goal_tree_deeper_than_the_heading_levels_is_a_source_error(tmp_path):
    root = tmp_path / "djup"
    shutil.copytree(FIXTURES / "stor-form" / "sources", root / "sources")
    path = root / "sources/2032/mal.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("nivåer:\n- övergripande mål", "nivåer:\n- steg\n- övergripande mål", 1)
    old = "        - nivå: insatsområde\n          namn: Insatsområde A1b för transporter\n"
    assert old in text
    text = text.replace(old, old + "          mål:\n          - nivå: steg\n            namn: Ett steg för djupt\n", 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("check", "2032", root=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"sources/2032/mal\.yaml:\d+: fokusområden\[0\]\.mål\[0\]\.mål\[0\]\.mål\[0\]\.mål\[1\]\.mål\[0\]: "
                     r"målträdet är för djupt", result.stderr), result.stderr


# --- whole plans of other shapes ------------------------------------------------------------------------

@needs_libreoffice
@pytest.mark.parametrize("plan", ["large", "minimal"])
def test_plans_of_other_shapes_pass_every_conformance_rule(plan, request):
    _, pdf = request.getfixturevalue(plan)
    assert [str(v) for v in pdf_violations(pdf)] == []


@needs_libreoffice
@pytest.mark.parametrize("plan", ["large", "minimal"])
def test_the_bookmarks_of_other_shapes_are_their_tagged_headings(plan, request):
    from test_pdf import bookmark_problems, tagged_headings
    _, pdf = request.getfixturevalue(plan)
    assert max(level for level, *_ in tagged_headings(pdf)) >= (6 if plan == "large" else 2)
    assert bookmark_problems(pdf) == []


@needs_libreoffice
def test_the_minimal_plan_has_its_one_goal_and_no_appendix(minimal):
    text = " ".join(pages(minimal[1]))
    assert "Mål: Det enda målet" in text and "Den enda aktiviteten" in text and "Bilaga" not in text
    assert len(pages(minimal[1])) == 3


# --- no stray tail before a page break -------------------------------------------------------------------

FILLER = "Budgeten beskrivs här med några ord om hur kostnaderna har beräknats och fördelats mellan posterna."
NOTE = "Den här fotnoten förklarar en sak om aktiviteten ganska utförligt så att den blir lång"


def _filler(root: Path, chapter: str, sentences: int) -> None:
    """Give the chapter whose content is `chapter` a text of `sentences` sentences (four to a paragraph)."""
    plan = root / "sources/2024/plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        f"    innehåll: {chapter}\n", f"    innehåll: {chapter}\n    text: text/fyllnad.md\n", 1), encoding="utf-8")
    paragraphs = [" ".join([FILLER] * min(4, sentences - n)) for n in range(0, sentences, 4)]
    (root / "sources/2024/text/fyllnad.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _long_notes_and_budget_text(root: Path) -> None:
    """Bilaga 1 with four more notes under its table, and chapter 6 (Budget) with a text before its tables:
    each ends two or three lines into a page of its own before the page break of the next appendix."""
    path = root / "sources/2024/kommunikationsplan.yaml"
    text = path.read_text(encoding="utf-8").replace("    fotnoter: [3]\n", "    fotnoter: [3, 4, 5, 6, 7]\n", 1)
    for number, sentences in zip(range(4, 8), (3, 2, 2, 1)):
        text += f"  - nr: {number}\n    text: " + " ".join(f"{NOTE} (del {n})." for n in range(sentences)) + "\n"
    path.write_text(text, encoding="utf-8")
    _filler(root, "budget", 22)


def _calendar_last(root: Path) -> None:
    """The calendar as the last chapter, its last meeting body with two meetings: heading and two dates."""
    plan = root / "sources/2024/plan.yaml"
    text = plan.read_text(encoding="utf-8")
    calendar, budget = ("  - rubrik: Kalendarium för möten\n    innehåll: kalendarium\n",
                        "  - rubrik: Budget\n    innehåll: budget\n")
    assert calendar in text and budget in text
    plan.write_text(text.replace(calendar, "").replace(budget, budget + calendar), encoding="utf-8")
    path = root / "sources/2024/kalendarium.yaml"
    text = path.read_text(encoding="utf-8")
    for meeting in ("      - datum: 2024-06-14\n        plats: StorSthlms lokaler\n",
                    "      - datum: 2024-08-29\n        slutdatum: 2024-08-30\n        beskrivning: planeringskonferens\n"
                    "        plats: plats ej bestämd\n", "      - datum: 2024-10-04\n      - datum: 2024-12-13\n"):
        assert meeting in text
        text = text.replace(meeting, "")
    path.write_text(text, encoding="utf-8")
    _filler(root, "kalendarium", 24)


TAILS = {"fotnoter och budget": _long_notes_and_budget_text, "kalendariet sist": _calendar_last}


@pytest.fixture(scope="module")
def tails(tmp_path_factory):
    """Each plan of TAILS: (its PDF, the proofreading's lines for the same plan laid out without the tail rule)."""
    from pipeline.docx import layout
    from pipeline.checks.run import check
    from pipeline.documents.plan import build_outputs
    from pipeline.pdf.libreoffice import LibreOffice, libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    made = {}
    with LibreOffice() as office:
        for name, change in TAILS.items():
            root = copy_project(tmp_path_factory.mktemp("rest") / "projekt")
            change(root)
            sources = check(root, 2024)
            pdf = root / "verksamhetsplan-2024.pdf"
            pdf.write_bytes(build_outputs(root, sources, office=office)[1])
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(layout, "_keep_tail", lambda *args: None)
                with pytest.raises(ProofreadError) as caught:
                    build_outputs(root, sources, office=office)
            made[name] = (pdf, caught.value.lines())
    return made


def short_pages(pdf: Path) -> dict[int, list[str]]:
    """The pages between the first and the last with fewer than four lines of text and no figure, with
    their lines as pdftotext reads them: fewer than four lines to pdftotext (running header and footer
    aside) or to the proofreading (which also leaves out a table's repeated header row, an artifact)."""
    from pipeline.pdf.proofread import page_lines
    with pikepdf.open(pdf) as document:
        numbers = {page.objgen: n for n, page in enumerate(document.pages, start=1)}
        with_figure = {numbers[e.Pg.objgen] for e in walk(document.Root.StructTreeRoot)
                       if e.get("/S") == "/Figure" and "/Pg" in e}
        counted = [page_lines(marks) for marks in document_marks(document)]
    found = {}
    texts = pages(pdf, layout=True)
    for number, text in enumerate(texts[1:-1], start=2):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines[1:] if not re.search(r"Sida \d+ av \d+$", line)]  # lines[0]: header
        if counted[number - 1] is not None and (len(body) < 4 or counted[number - 1] < 4) \
                and number not in with_figure:
            found[number] = body
    return found


@needs_libreoffice
@pytest.mark.parametrize("plan", list(TAILS))
def test_the_tail_before_a_page_break_stays_with_the_page_before(tails, plan):
    pdf, _ = tails[plan]
    assert short_pages(pdf) == {}


@needs_libreoffice
@pytest.mark.parametrize("plan", list(TAILS))
def test_the_proofreading_reports_a_page_with_a_stray_tail(tails, plan):
    _, lines = tails[plan]  # laid out without the rule: LibreOffice leaves the tails on pages of their own
    stray = [line for line in lines if re.search(r": Sidan \d+ \(under rubriken '.+'\) har bara (en rad|[23] rader) "
                                                  r"text före sidbrytningen", line)]
    assert stray and len(stray) == len(lines) - 1, lines  # nothing else is wrong with the PDF
    if plan == "fotnoter och budget":
        assert [re.search(r"Sidan \d+ \(under rubriken '([^']+)'", line).group(1) for line in stray] == [
            "Kostnader", "Ansvar, genomförande och uppföljning"]  # the budget's end, Bilaga 1's notes


def test_a_page_s_lines_are_its_text_lines_however_many_cells_and_runs_hold_them():
    from pipeline.pdf.marks import Mark
    from pipeline.pdf.proofread import page_lines
    row = [Mark(1, "/P", "Möten", [71, 700, 120, 712], kinds={"text"}),
           Mark(2, "/P", "ca 100 000 kr", [400, 701, 450, 713], kinds={"text"}),  # the same row, another cell
           Mark(3, "/P", "1", [120, 704, 124, 712], kinds={"text"})]               # a raised footnote number
    assert page_lines({None: Mark(None, "/Artifact", "Sida 2 av 9", [71, 30, 500, 40], kinds={"text"}),
                       **{m.mcid: m for m in row},
                       4: Mark(4, "/P", "Nästa rad", [71, 686, 150, 698], kinds={"text"}),
                       5: Mark(5, "/P", " ", [71, 672, 75, 684], kinds={"text"})}) == 2
    assert page_lines({1: Mark(1, "/Figure", "", [71, 300, 500, 700], kinds={"path"})}) is None


# --- the proofreading catches faults ---------------------------------------------------------------------

def _mutated(pdf_path: Path, change) -> bytes:
    with pikepdf.open(pdf_path) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _elements(pdf, kind):
    return [e for e in walk(pdf.Root.StructTreeRoot) if e.get("/S") == kind]


def _swap_footnotes(pdf):
    first, second = [next(k for k in kids_of(note) if k.get("/S") == "/Footnote") for note in _elements(pdf, "/Note")[:2]]
    first.K, second.K = second.K, first.K


def _drop_paragraph(pdf):
    paragraph = next(e for e in _elements(pdf, "/Text body") if "/K" in e)
    parent = paragraph.P
    parent.K = pikepdf.Array([k for k in kids_of(parent) if not (isinstance(k, pikepdf.Dictionary)
                                                                and k.objgen == paragraph.objgen)])


def _move_figure_off_the_page(pdf):
    figure = _elements(pdf, "/Figure")[0]
    page = pikepdf.Page(figure.Pg)
    ops = list(pikepdf.parse_content_stream(page))
    start = next(i for i, op in enumerate(ops) if str(op.operator) == "BDC" and isinstance(op.operands[1], pikepdf.Dictionary)
                 and op.operands[1].get("/MCID") == int(figure.K))
    inside = next(i for i in range(start, len(ops)) if str(ops[i].operator) == "q")  # the drawing's own state
    ops.insert(inside + 1, pikepdf.ContentStreamInstruction([1, 0, 0, 1, 0, -700], pikepdf.Operator("cm")))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))


def _wrong_contents_page(pdf):
    toc = _elements(pdf, "/TOC")[0]
    item = [k for k in kids_of(toc) if isinstance(k, pikepdf.Dictionary)][3]
    link = next(e for e in walk(item) if e.get("/S") == "/Link")
    number_mcid = [k for k in kids_of(link) if isinstance(k, int)][-1]
    page = pikepdf.Page(link.Pg)
    ops = list(pikepdf.parse_content_stream(page))
    start = next(i for i, op in enumerate(ops) if str(op.operator) == "BDC" and isinstance(op.operands[1], pikepdf.Dictionary)
                 and op.operands[1].get("/MCID") == number_mcid)
    end = next(i for i in range(start, len(ops)) if str(ops[i].operator) == "EMC")
    del ops[start + 1:end]  # the page number is no longer printed: the line names page 0
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))


FAULTS = {
    "fotnoter som bytt text": (_swap_footnotes, r"Fotnot 1 på sidan \d+ visar fel text: 'Insatsområdena"),
    "ett stycke som saknas": (_drop_paragraph, r"Stycket '.+' .*saknas i PDF:en\."),
    "en figur utanför sidan": (_move_figure_off_the_page, r"Figur 1 \('Figuren visar.*'\) på sidan \d+ går utanför sidan\."),
    "fel sidnummer i innehållsförteckningen": (_wrong_contents_page, r"Innehållsförteckningen .*sidan"),
}


@needs_libreoffice
@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_proofreading_catches_a_fault_injected_into_the_pdf(large, fault):
    change, message = FAULTS[fault]
    data = large[0].read_bytes()
    proofread(data, large[1].read_bytes())  # the real PDF passes
    with pytest.raises(ProofreadError) as caught:
        proofread(data, _mutated(large[1], change), "ut/verksamhetsplan-2032.pdf")
    lines = caught.value.lines()
    assert any(re.search(message, line) for line in lines), lines
    assert lines[-1].startswith("Korrekturläsningen av PDF:en fann")


@needs_libreoffice
def test_a_failed_proofreading_writes_nothing(project, monkeypatch):
    """In the real build: the PDF made by LibreOffice is damaged before proofreading; nothing is written."""
    from pipeline.documents import plan
    from pipeline.pdf import normalize
    out = project / "ut"
    out.mkdir()
    (out / "verksamhetsplan-2024.pdf").write_bytes(b"tidigare")
    real = normalize.repair_tags

    def damaged(pdf):  # a layout fault: LibreOffice lost a paragraph
        marks = real(pdf)
        _drop_paragraph(pdf)
        return marks
    monkeypatch.setattr(normalize, "repair_tags", damaged)
    with pytest.raises(ProofreadError):
        list(plan.build(project, [2024], out_dir=out))
    assert sorted(p.name for p in out.iterdir()) == ["verksamhetsplan-2024.pdf"]
    assert (out / "verksamhetsplan-2024.pdf").read_bytes() == b"tidigare"
