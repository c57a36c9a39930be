"""Figures drawn from the plan's data: present, captioned, described in words, reproducible."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf

from conftest import needs_libreoffice, run_cli
from helpers import line_of, problems, replace_in
from pipeline.checks.run import check
from pipeline.documents.plan import make_figures
from pipeline.content.figures import build_graph, figure_names
from pipeline.pdf.libreoffice import vector_figures

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
CAPTIONS = ["Målstrukturen för fokusområde infrastruktur 2024.",
            "Figur 1. Södertörnskommunernas utvecklingsprogram i styrningshierarkin.",
            "Figur 2. Målstruktur för SUP 2040",
            "Figur 3. Södertörnssamverkans organisation.",
            "Figur 4. Koppling mellan mål och organisation."]


def figures_in(path: Path) -> list[tuple[str, str]]:
    """Return (alt text, caption) of every image in a DOCX, in document order."""
    document = docx.Document(str(path))
    body = list(document.element.body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"))
    out = []
    for i, p in enumerate(body):
        for pr in p.iter(f"{WP}docPr"):
            caption = "".join(t.text or "" for t in body[i + 1].iter(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
            out.append((pr.get("descr"), caption))
    return out


def media(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}


def test_five_figures_with_captions_and_alt_text(docx_2024):
    figures = figures_in(docx_2024)
    assert [caption for _, caption in figures] == CAPTIONS
    for alt, _ in figures:
        assert alt and alt.startswith("Figuren visar") and len(alt) > 80
    alts = [alt for alt, _ in figures]
    assert "Heltäckande och god laddinfrastruktur på Södertörn" in alts[0]
    assert "delmål" not in alts[2]  # Figur 2: the programme's goals only
    assert "Nätverket för klimatstrategier" in alts[3] and "Kansliet" in alts[3]
    assert "delmål Heltäckande" not in alts[4]
    assert "Delmål: Heltäckande och god laddinfrastruktur på Södertörn – Nätverket för klimatstrategier" in alts[4]
    assert "Långsiktigt mål: Tillgänglighet – Nätverket för trafikstrategier" in alts[4]


def test_captions_use_the_caption_style(docx_2024):
    document = docx.Document(str(docx_2024))
    captions = [p.text for p in document.paragraphs if p.style.name == "Image Caption"]
    assert captions == CAPTIONS


def test_figures_are_print_sharp():
    sources = check(Path(__file__).resolve().parent.parent, 2024)
    figures = make_figures(sources, Path(__file__).resolve().parent.parent / "build" / ".cache")
    assert sorted(figures) == figure_names()
    for figure in [part for parts in figures.values() for part in parts]:
        data = figure.png()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width_px = int.from_bytes(data[16:20], "big")
        assert width_px / (figure.width_cm / 2.54) >= 299, figure.png_path.name
        assert figure.width_cm <= 16


def _blips(path: Path):
    """Return (PNG part, SVG part or None) of every picture in a DOCX, in document order."""
    document = docx.Document(str(path))
    parts = document.part.related_parts
    out = []
    for blip in document.element.body.iter(f"{A}blip"):
        svgs = list(blip.iter(SVG_BLIP))
        out.append((parts[blip.get(R_EMBED)], parts[svgs[0].get(R_EMBED)] if svgs else None))
    return out


def test_each_figure_carries_its_vector_drawing(docx_2024):
    """As Word 2016 stores SVG: a PNG blip with an svgBlip extension; both the same drawing."""
    blips = _blips(docx_2024)
    assert len(blips) == 5
    for png, svg in blips:
        assert png.content_type == "image/png"
        assert svg is not None and svg.content_type == "image/svg+xml"
        text = svg.blob.decode("utf-8")
        assert text.lstrip().startswith("<?xml") and "<!DOCTYPE" not in text
        assert 'font-family="Carlito, Calibri, sans-serif"' in text and 'font-family="Carlito"' not in text
        # the same layout: the PNG's proportions are the SVG's
        width, height = (float(v) for v in re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ([\d.]+)"', text).groups())
        png_w, png_h = int.from_bytes(png.blob[16:20], "big"), int.from_bytes(png.blob[20:24], "big")
        assert abs(png_w / png_h - width / height) < 0.01
    assert "Södertörn leder Sveriges starka och" in blips[0][1].blob.decode("utf-8")


def test_libreoffice_gets_the_svg_and_other_documents_pass_unchanged(docx_2024):
    data = docx_2024.read_bytes()
    with zipfile.ZipFile(docx_2024) as z:
        document = z.read("word/document.xml").decode("utf-8")
    svg_ids = re.findall(r'svgBlip [^>]*r:embed="(\w+)"', document)
    converted = vector_figures(data)
    with zipfile.ZipFile(io.BytesIO(converted)) as z:
        names_before = z.namelist()
        after = z.read("word/document.xml").decode("utf-8")
    assert "svgBlip" not in after
    assert re.findall(r'<a:blip r:embed="(\w+)"', after) == svg_ids
    assert len(names_before) == len(zipfile.ZipFile(docx_2024).namelist())
    plain = Path(__file__).resolve().parent.parent / "templates" / "verksamhetsplan.docx"
    assert vector_figures(plain.read_bytes()) == plain.read_bytes()


def test_graphs_use_the_documents_typeface():
    sources = check(Path(__file__).resolve().parent.parent, 2024)
    for name in figure_names():
        assert 'fontname="Carlito"' in build_graph(name, sources).dot


def test_renaming_a_goal_changes_the_figure_and_its_alt_text(project, docx_2024, tmp_path):
    replace_in(project, "2024/mal.yaml", "namn: Omställning", "namn: Klimatomställning")
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    before, after = figures_in(docx_2024), figures_in(tmp_path / "verksamhetsplan-2024.docx")
    assert "Långsiktigt mål: Klimatomställning" not in before[0][0]
    assert "Klimatomställning" in after[0][0] and "Klimatomställning" in after[4][0]
    assert before[1] == after[1]  # Figur 1 does not depend on the goals
    old, new = media(docx_2024), media(tmp_path / "verksamhetsplan-2024.docx")
    # chapter 1, Figur 2 and Figur 4 show the goal: their PNG and SVG change; Figur 1 and 3 do not
    assert len(set(old.values()) - set(new.values())) == 6
    assert len(set(new.values()) & set(old.values())) == 4
    assert any("Klimatomställning" in data.decode() for name, data in new.items() if name.endswith(".svg"))


def test_the_same_data_gives_the_same_image_bytes(docx_2024, tmp_path):
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path))
    assert result.returncode == 0
    assert media(tmp_path / "verksamhetsplan-2024.docx") == media(docx_2024)


def test_an_unknown_figure_is_a_source_error(project):
    replace_in(project, "2024/text/1-om-verksamhetsplanen.md", "(figur:malstruktur)", "(figur:malstrukur)")
    line = line_of(project, "2024/text/1-om-verksamhetsplanen.md", "figur:malstrukur")
    assert problems(project) == [f"sources/2024/text/1-om-verksamhetsplanen.md:{line}: figuren "
                                 f"'figur:malstrukur' finns inte (finns: {', '.join(figure_names())})."]


@needs_libreoffice
def test_the_tagged_pdf_has_figure_elements_with_alt_and_their_drawing(build_2024):
    """Each Figure has its alt text and, as its content, the marked content that draws it."""
    _, path = build_2024
    figures: list = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                figures.append(node)
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot)
        assert len(figures) == 5
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for figure in figures:
            assert str(figure.get("/Alt", "")).startswith("Figuren visar")
            mcid = figure.get("/K")
            assert isinstance(mcid, int), "Figure utan innehåll"
            page = pikepdf.Page(figure.Pg)
            assert parents[int(page.obj.StructParents)][mcid].objgen == figure.objgen
            ops = list(pikepdf.parse_content_stream(page))
            start = next(i for i, op in enumerate(ops) if str(op.operator) == "BDC"
                         and isinstance(op.operands[1], pikepdf.Dictionary) and op.operands[1].get("/MCID") == mcid)
            assert ops[start].operands[0] == pikepdf.Name("/Figure")
            depth, painted = 0, set()
            for op in ops[start:]:
                name = str(op.operator)
                depth += name in ("BDC", "BMC")
                depth -= name == "EMC"
                painted.add(name)
                if depth == 0:
                    break
            assert painted & {"f", "f*", "S", "Do"} and "TJ" in painted  # shapes and the labels


@needs_libreoffice
def test_the_pdf_draws_the_figures_as_vectors_with_real_text(build_2024):
    _, path = build_2024
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    assert len(listing.stdout.strip().splitlines()) == 2, listing.stdout  # the header only: no raster image
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Årsredovisning" in text  # a node of Figur 1, not in any running text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Carlito-Bold" in fonts


def test_other_images_in_markdown_are_refused(project):
    replace_in(project, "2024/text/1-om-verksamhetsplanen.md", "enligt nedanstående bild.",
               "enligt nedanstående bild. ![karta](http://example.invalid/karta.png)")
    found = problems(project)
    assert len(found) == 1
    assert found[0].startswith("sources/2024/text/1-om-verksamhetsplanen.md:9: bilden "
                               "'http://example.invalid/karta.png' kan inte användas")


def test_pandoc_finds_the_figures_without_changing_the_process_folder(project, monkeypatch):
    """Several texts convert at once in threads: pandoc must not be started by changing the folder of the
    whole process (pypandoc's cworkdir is os.chdir), or one thread's pandoc starts in another's folder and
    the figures it cannot find become their captions (seen in 2 of 12 clean builds)."""
    from pipeline.documents.plan import make_docx

    def refused(path):
        raise AssertionError(f"os.chdir({path}) mitt i bygget")
    monkeypatch.setattr("os.chdir", refused)
    data = make_docx(project, check(project, 2024, follow_ups=False, round_file=False))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        pictures = [n for n in package.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        body = package.read("word/document.xml").decode("utf-8")
    assert len(pictures) == 5 and body.count("<pic:pic") == 5
