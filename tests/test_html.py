"""The web page: self-contained, whole, accessible in a real browser, valid, and the same words as the PDF."""

from __future__ import annotations

import collections
import copy
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from conftest import ROOT, needs_libreoffice

BROWSER = ROOT / "tests" / "browser"
SCREENSHOTS = ROOT / "build" / "skärmbilder"
FIXTURES = ROOT / "tests" / "fixtures"
HEADER_WORDS = {"aktivitet", "kommentar", "nr", "när", "kostnad", "post", "belopp"}  # repeated on a new page

needs_browser = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("node") and (BROWSER / "node_modules" / "axe-core").is_dir()),
    reason="Chromium, Node.js eller npm-paketen saknas (make test installerar dem)")
needs_java = pytest.mark.skipif(
    not (shutil.which("java") and (BROWSER / "node_modules" / "vnu-jar").is_dir()),
    reason="Java eller vnu-jar saknas (make test installerar dem)")


def html_of(pdf: Path) -> Path:
    return pdf.with_suffix(".html")


def page(path: Path):
    return lxml.html.parse(str(path)).getroot()


def words(text: str) -> collections.Counter:
    return collections.Counter(re.findall(r"[^\W\d_]+", text.lower()))


# --- what the file is -------------------------------------------------------------------------------

@needs_libreoffice
def test_the_build_writes_one_self_contained_page(build_2024):
    path = html_of(build_2024[1])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"sv\">")
    doc = page(path)
    assert not doc.xpath("//script | //link | //iframe | //object | //embed | //img | //*[@src] | //*[@srcset]")
    assert "url(" not in text and "@import" not in text
    ids = {e.get("id") for e in doc.iter() if e.get("id")}
    for link in doc.xpath("//a[@href]"):
        href = link.get("href")
        assert href.startswith(("#", "https://", "http://", "mailto:")), href  # links, never loads
        if href.startswith("#"):
            assert href[1:] in ids, href


@needs_libreoffice
def test_the_page_holds_the_whole_plan_with_a_contents_list_to_every_heading(build_2024):
    doc = page(html_of(build_2024[1]))
    assert len(doc.xpath("//h1")) == 1 and doc.xpath("//h1")[0].text_content() == "Verksamhetsplan och budget 2024"
    assert "Beslutad av samarbetskommittén 16\u00a0januari\u00a02024" in doc.xpath("//header")[0].text_content()
    assert doc.xpath("//a[@class='hopplank endast-webb'][@href='#huvudinnehall']")
    assert len(doc.xpath("//main")) == 1 and doc.xpath("//nav") and doc.xpath("//footer")
    headings = [h for h in doc.xpath("//main//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or "
                                     "@role='heading']") if "ej-i-innehallsforteckningen" not in (h.get("class") or "")]
    linked = {a.get("href")[1:] for a in doc.xpath("//nav//a")}
    assert headings and all(h.get("id") in linked for h in headings)
    levels = [int(h.get("aria-level") or h.tag[1]) for h in doc.xpath("//*[self::h1 or self::h2 or self::h3 or "
                                                                     "self::h4 or self::h5 or self::h6 or @role='heading']")]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels  # no skipped level
    titles = [" ".join(h.text_content().split()) for h in doc.xpath("//main//h2")
              if "ej-i-innehallsforteckningen" not in h.get("class", "")]
    assert titles[:6] == ["1. Om verksamhetsplanen 2024", "2. Utvecklingsaktiviteter", "3. Kansliets uppdrag",
                          "4. Organisation", "5. Kalendarium för möten", "6. Budget"]
    assert [t.split(" ", 2)[:2] for t in titles[6:]] == [["Bilaga", "1"], ["Bilaga", "2"], ["Bilaga", "3"]]
    # every table has header cells and a caption
    for table in doc.xpath("//table"):
        assert table.xpath(".//th") and table.xpath("./caption"), lxml.html.tostring(table)[:200]


@needs_libreoffice
def test_figures_are_inline_svg_with_the_pdf_s_text_alternatives(build_2024):
    doc = page(html_of(build_2024[1]))
    svgs = doc.xpath("//svg")
    with zipfile.ZipFile(build_2024[0]) as z:
        document = etree.fromstring(z.read("word/document.xml"))
    alts = [d.get("descr") for d in document.iter("{http://schemas.openxmlformats.org/drawingml/2006/"
                                                  "wordprocessingDrawing}docPr")]
    assert len(svgs) == len(alts) >= 3
    ids = [e.get("id") for e in doc.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # the figures' own ids do not collide
    for svg in svgs:
        assert svg.get("role") == "img"
        title = doc.xpath(f"//*[@id='{svg.get('aria-labelledby')}']")[0]
        assert title.text_content() in alts
        assert svg.getparent().tag == "figure" and svg.getparent().xpath("./figcaption")


@needs_libreoffice
@pytest.mark.parametrize("which", ["plan 2024", "utkast 2024", "annan form 2031"])
def test_the_page_and_the_pdf_have_the_same_words(request, which):
    pdf = request.getfixturevalue({"plan 2024": "build_2024", "utkast 2024": "draft_2024",
                                   "annan form 2031": "other_shape_build"}[which])[1]
    doc = page(html_of(pdf))
    title = doc.xpath("//h1")[0].text_content()
    organisation = doc.xpath("//header/p[@class='organisation']")[0].text_content()
    # what only the web has (skip link, captions, backlinks), and what the PDF has on every page or
    # in its contents list (header, footer, title page, contents), is compared apart
    for element in doc.xpath('//*[contains(concat(" ", @class, " "), " endast-webb ")] | //nav | //header | '
                             '//footer | //style | //title | //a[@role="doc-backlink"] | '
                             '//section[contains(@class, "bilageforteckning")]'):
        element.drop_tree()
    on_page = words(" ".join(doc.itertext()))
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    body = [p for p in pages if "Innehållsförteckning" not in p][1:]
    running = {title, organisation} | {line.strip() for p in body for line in p.split("\n") if "UTKAST" in line}
    in_pdf = words("\n".join(line for p in body for line in p.split("\n")
                             if line.strip() and line.strip() not in running
                             and not re.fullmatch(r"Sida \d+ av \d+", line.strip())))
    assert sum(in_pdf.values()) > 500
    assert on_page - in_pdf == collections.Counter()
    assert set(in_pdf - on_page) <= HEADER_WORDS, in_pdf - on_page


@needs_libreoffice
def test_a_draft_page_carries_its_draft_marking(draft_2024):
    doc = page(html_of(draft_2024[1]))
    assert doc.xpath("//header/p[@class='utkastmarkering']")[0].text_content() == "UTKAST 2 – 16\u00a0januari\u00a02024"


def test_footnotes_are_numbered_through_the_page_and_linked_both_ways(tmp_path):
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_html
    root = tmp_path / "projekt"
    shutil.copytree(FIXTURES / "stor-form" / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    sources = check(root, 2032)
    doc = lxml.html.document_fromstring(make_html(root, sources).decode("utf-8"))
    refs = doc.xpath("//a[@role='doc-noteref'][@class='footnote-ref']")  # Markdown's (pandoc's); tables': below
    definitions = sum(len(re.findall(r"^\[\^[^\]]+\]:", t, re.M)) for t in sources.texts.values())
    assert len(refs) == definitions >= 3
    assert [r.text_content() for r in refs] == [str(n) for n in range(1, len(refs) + 1)]
    for ref in refs:
        note = doc.get_element_by_id(ref.get("href")[1:])
        assert note.tag == "li"
        back = note.xpath(".//a[@role='doc-backlink']")[0]
        assert back.get("href") == f"#{ref.get('id')}"
    # each list of notes starts where the previous one ended
    starts = [int(ol.get("start", "1")) for ol in doc.xpath("//section[contains(@class, 'footnotes')]/ol")]
    assert starts[0] == 1 and starts == sorted(starts)


def _table_notes(sources) -> list[tuple[str, str, int]]:
    """(mark, text, number of marks that refer to it) of every footnote the sources write under a table."""
    from pipeline.content.formatting import plain
    content, notes = sources.content, []

    def goals(items):
        for goal in items:
            notes.extend((f.mark, f.text, sum(a.mark == f.mark for a in goal.activities)) for f in goal.footnotes)
            goals(goal.goals)
    if "mål" in content:
        for area in content["mål"].focus_areas:
            goals(area.goals)
    if "budget" in content:
        lines = content["budget"].revenue.lines + content["budget"].costs.lines
        notes += [(f.mark, f.text, sum(line.mark == f.mark for line in lines)) for f in content["budget"].footnotes]
    if "kommunikationsplan" in content:
        plan = content["kommunikationsplan"]
        notes += [(f"{f.number})", f.text, sum(f.number in item.footnotes for item in plan.items)
                   + (plan.cost_footnote == f.number)) for f in plan.footnotes]
    return sorted((mark, plain(re.sub(r"[*_]", "", text)), count) for mark, text, count in notes)


@pytest.mark.parametrize("fixture, year", [(None, 2024), ("stor-form", 2032)])
def test_every_table_footnote_is_linked_both_ways_and_announced_as_a_footnote(tmp_path, fixture, year):
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_html
    from pipeline.content.formatting import plain
    root = ROOT
    if fixture:
        root = tmp_path / "projekt"
        shutil.copytree(FIXTURES / fixture / "sources", root / "sources")
        shutil.copytree(ROOT / "templates", root / "templates")
    sources = check(root, year)
    doc = lxml.html.document_fromstring(make_html(root, sources).decode("utf-8"))
    expected = _table_notes(sources)
    assert len(expected) >= (5 if year == 2024 else 4)  # 2024: RUFS, budget, and Bilaga 1's 1), 2), 3)
    ids = [e.get("id") for e in doc.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    notes = [n for n in doc.xpath("//*[@role='doc-footnote']") if "tabellfotnot" in n.get("class", "")]
    assert not doc.xpath("//*[contains(@class, 'tabellfotnot')][not(@role='doc-footnote')][not(self::a)]")
    shown = []
    for note in notes:
        backs = note.xpath(".//a[@role='doc-backlink']")
        words_only = copy.deepcopy(note)
        for back in words_only.xpath(".//a[@role='doc-backlink']"):
            back.drop_tree()
        mark, body = " ".join(plain(words_only.text_content()).split()).split(" ", 1)
        refs = doc.xpath(f"//a[@role='doc-noteref'][@href='#{note.get('id')}']")
        shown.append((mark, body, len(refs)))
        for ref in refs:  # mark → note: the mark itself, in its table, keyboard-reachable, named a footnote
            assert ref.text_content() == mark and ref.xpath("ancestor::table")
            assert ref.get("id") and ref.get("tabindex") is None and "otnot" in ref.get("aria-label", "")
        # note → back to each mark
        assert [b.get("href") for b in backs] == [f"#{r.get('id')}" for r in refs]
        assert all("Tillbaka till" in b.get("aria-label", "") for b in backs)
    assert sorted(shown) == expected  # every note, and as many marks linked to it as the sources have


def test_the_same_sources_give_the_same_page(tmp_path):
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_html
    first = make_html(ROOT, check(ROOT, 2024))
    root = tmp_path / "projekt"  # another folder, an empty cache: nothing may depend on either
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    assert make_html(root, check(root, 2024)) == first == make_html(ROOT, check(ROOT, 2024))


def test_the_look_is_the_template_s(tmp_path):
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_html
    root = tmp_path / "projekt"
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    css = root / "templates" / "verksamhetsplan.css"
    css.write_text(css.read_text(encoding="utf-8").replace("--rubrik: #1f4e79;", "--rubrik: #5b1f79;"),
                   encoding="utf-8")
    html = root / "templates" / "verksamhetsplan.html"
    html.write_text(html.read_text(encoding="utf-8").replace("<footer>\n", "<footer>\n<p>Publicerad på webben</p>\n"),
                    encoding="utf-8")
    page_text = make_html(root, check(root, 2024)).decode("utf-8")
    assert "--rubrik: #5b1f79;" in page_text and "<p>Publicerad på webben</p>" in page_text


# --- in a real browser ------------------------------------------------------------------------------

def _page_of(request, which: str, tmp_path: Path) -> Path:
    """The web page of a built plan, or (the large fixture: footnotes, Markdown tables, four levels)
    one rendered here without LibreOffice."""
    if which == "stor form 2032":
        from pipeline.checks.run import check
        from pipeline.documents.plan import make_html
        root = tmp_path / "projekt"
        shutil.copytree(FIXTURES / "stor-form" / "sources", root / "sources")
        shutil.copytree(ROOT / "templates", root / "templates")
        path = tmp_path / "verksamhetsplan-2032.html"
        path.write_bytes(make_html(root, check(root, 2032)))
        return path
    return html_of(request.getfixturevalue({"plan 2024": "build_2024", "utkast 2024": "draft_2024",
                                            "annan form 2031": "other_shape_build"}[which])[1])


@needs_libreoffice
@needs_browser
@pytest.mark.parametrize("which", ["plan 2024", "stor form 2032"])  # a draft differs by one marked line
def test_axe_finds_nothing_and_the_page_reflows_at_320_px(request, which, tmp_path):
    path = _page_of(request, which, tmp_path)
    shots = SCREENSHOTS / which.replace(" ", "-")
    shots.mkdir(parents=True, exist_ok=True)
    pictures = which == "plan 2024"  # screenshots and a print of the plan; the others are checked only
    run = subprocess.run(["node", str(BROWSER / "prova.mjs"), str(path), str(shots)]
                         + ([] if pictures else ["--utan-bilder"]), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["requests"] == []                       # nothing outside the file is asked for
    for width, seen in result["widths"].items():
        assert seen["axe"] == [], (width, seen["axe"])     # WCAG 2.0/2.1 A and AA, best practices
    notes = result["footnotes"]  # every note reference and back link: in the tab order, Enter follows it
    assert notes["links"] >= 10 and notes["unreached"] == [] and notes["wrong"] == [], notes
    narrow = result["widths"]["320"]
    assert narrow["scrollWidth"] <= narrow["clientWidth"] == 320 and narrow["wide"] == []
    if pictures:
        assert set(result["print"]["hidden"]) == {"nav", ".hopplank"}
        for name in ("webbsida-320px.png", "webbsida-1280px.png", "utskrift.pdf"):
            assert (shots / name).stat().st_size > 10_000
        printed = subprocess.run(["pdfinfo", str(shots / "utskrift.pdf")], capture_output=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", printed).group(1)) >= 10


@needs_libreoffice
@needs_java
@pytest.mark.parametrize("which", ["plan 2024", "annan form 2031", "stor form 2032"])
def test_the_nu_html_checker_finds_no_error(request, which, tmp_path):
    path = _page_of(request, which, tmp_path)
    run = subprocess.run(["java", "-jar", str(BROWSER / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"),
                          "--errors-only", "--format", "json", str(path)],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert messages == [], messages[:5]
