"""Markdown is read by pandoc, the program that prints it: footnotes, images and figures as pandoc sees them.

`check` reports a footnote reference exactly when pandoc reads one (a colon after it, a heading,
a table, a list, a block quote, an inline note), never what stands in code, and names every
footnote pandoc would print as text, at its line. No image but `figur:NAMN` reaches the DOCX or
the web page, in any Markdown syntax for images; a figure marker in code stays code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
from helpers import problems
from pipeline.content.figures import figure_names

TEXT = "2024/text/3-kansliets-uppdrag.md"
SHOWN = f"sources/{TEXT}"
KNOWN = ", ".join(figure_names())


def _no_text(name: str) -> str:
    return f"fotnoten [^{name}] har ingen text; skriv den på en egen rad efter stycket: [^{name}]: Fotnotens text."


def _unused(name: str) -> str:
    return (f"fotnoten [^{name}] hänvisas inte till i texten; skriv [^{name}] där fotnotssiffran ska stå, "
            "eller ta bort fotnoten.")


def _not_alone(name: str) -> str:
    return (f"figuren 'figur:{name}' står inte ensam i ett eget stycke; skriv den på en egen rad utan indrag, med "
            f"en tom rad före och efter, utanför listor, tabeller och fotnoter: ![Figurtext](figur:{name}).")


def _image(url: str) -> str:
    return f"bilden '{url}' kan inte användas; figurer läggs in som ![Figurtext](figur:NAMN) (finns: {KNOWN})."


# (Markdown text of chapter 3, [(line, message)] that check must report, exactly)
CASES = [
    # what pandoc reads as a footnote reference is one
    pytest.param("Planen har fyra fokusområden[^1]:\n\n[^1]: Första.\n", [], id="reference-before-a-colon"),
    pytest.param("# Rubrik[^1]\n\nText.\n\n[^1]: I en rubrik.\n", [], id="reference-in-a-heading"),
    pytest.param("| Kol 1 | Kol 2 |\n|---|---|\n| x[^1] | y |\n\n[^1]: I en tabell.\n", [], id="reference-in-a-table"),
    pytest.param("- punkt[^1]\n- punkt två[^2]\n\n[^1]: Ett.\n[^2]: Två.\n", [], id="references-in-a-list"),
    pytest.param("> citat[^1]\n>\n> [^2]: Definierad i citatet.\n\nText[^2].\n\n[^1]: Ett.\n", [],
                 id="definition-in-a-block-quote"),
    pytest.param("Text^[en egen fotnot med [^1] i] slut.\n\n[^1]: Ett.\n", [], id="reference-in-an-inline-note"),
    pytest.param("Text[^1].\n\n[^1]: Första stycket.\n\n    Andra stycket i samma fotnot.\n", [],
                 id="definition-with-an-indented-continuation"),
    pytest.param("A[^1] och B[^1].\n\n[^1]: Samma fotnot två gånger.\n", [], id="one-note-referred-to-twice"),
    # what stands in code, or is escaped, is no reference
    pytest.param("Skriv `[^2]` för en fotnot.\n\n```\n[^3]\n```\n\n    [^4] indraget är kod\n", [],
                 id="references-in-code-are-code"),
    pytest.param("Skriv \\[^1] för en fotnot.\n", [], id="an-escaped-bracket-is-text"),
    # what pandoc would print as text
    pytest.param("En\ntvå [^x] och\n\ntre [^x]\n", [(2, _no_text("x")), (4, _no_text("x"))],
                 id="reference-without-definition"),
    pytest.param("Ref[^3].\n\n```\n[^3]: I ett kodblock.\n```\n", [(1, _no_text("3"))],
                 id="definition-in-code-is-no-definition"),
    pytest.param("Text.\n\n[^1]: Ingen hänvisar hit.\n", [(3, _unused("1"))], id="unused-definition"),
    pytest.param("Text[^1] och `[^2]`.\n\n[^1]: Ett.\n[^2]: Bara i kod.\n", [(4, _unused("2"))],
                 id="a-reference-in-code-uses-nothing"),
    pytest.param("A[^1].\n\n[^1]: Ett.\n\n[^1]: Två.\n",
                 [(5, "fotnoten [^1] definieras två gånger (första gången på rad 3); ta bort eller byt namn på den ena.")],
                 id="defined-twice"),
    pytest.param("Text[^1].\n\n[^1]: Första.\n\n    Med [^2] inuti.\n\n[^2]: Två.\n",
                 [(5, "hänvisningen [^2] står i texten till en annan fotnot, och en fotnot kan inte ha en egen "
                      "fotnot; skriv hänvisningen i löptexten eller texten i samma fotnot.")],
                 id="reference-inside-a-footnote"),
    pytest.param("Stycke rad ett\n[^1]: Direkt under stycket.\n\nRef[^1].\n",
                 [(2, "texten till fotnoten [^1] läses som en del av stycket ovanför, inte som en fotnot; lämna en "
                      "tom rad före raden [^1]: Fotnotens text.")],
                 id="definition-without-a-blank-line-before"),
    pytest.param("Text[^Ab].\n\n[^AB]: Annan stavning.\n", [(1, _no_text("Ab")), (3, _unused("AB"))],
                 id="labels-are-case-sensitive-as-in-pandoc"),
    # images: only figur:NAMN, in any syntax
    pytest.param("Se bilden.\n\n![x][r]\n\n[r]: /some/path.png\n", [(3, _image("/some/path.png"))],
                 id="reference-style-image"),
    pytest.param("![R][] och ![r]\n\n[R]: /bild.png\n", [(1, _image("/bild.png"))],
                 id="collapsed-and-shortcut-references-any-case"),
    pytest.param("[![x](file:///etc/passwd)](http://example.org)\n", [(1, _image("file:///etc/passwd"))],
                 id="image-in-a-link"),
    pytest.param("| Kol |\n|---|\n| ![t][b] |\n\n[b]: /tabell.png\n", [(3, _image("/tabell.png"))],
                 id="image-in-a-table"),
    pytest.param("Text[^1].\n\n[^1]: Se ![x][b].\n\n[b]: /fotnot.png\n", [(3, _image("/fotnot.png"))],
                 id="image-in-a-footnote"),
    pytest.param("Text^[se ![x](/not.png)].\n", [(1, _image("/not.png"))], id="image-in-an-inline-note"),
    pytest.param("- ![x][BILD]\n\n[bild]: data:image/png;base64,AAAA\n", [(1, _image("data:image/png;base64,AAAA"))],
                 id="data-address-by-reference-in-a-list"),
    pytest.param("![x](/bild.png \"Titel\")\n", [(1, _image("/bild.png"))], id="image-with-a-title"),
    pytest.param("<img src=\"/etc/passwd\">\n", [], id="html-is-text"),
    pytest.param("Text.\n\n---\ntitle: \"![x](/meta.png)\"\n---\n\nMer.\n", [(4, _image("/meta.png"))],
                 id="image-in-a-metadata-block"),
    pytest.param("Term\n:   Med ![x](/d.png).\n", [(2, _image("/d.png"))], id="image-in-a-definition-list"),
    pytest.param("| Rad ett ![x](/rad.png)\n| Rad två\n", [(1, _image("/rad.png"))], id="image-in-a-line-block"),
    # figures
    pytest.param("![Figuren.](figur:organisation \"Titel\")\n", [], id="figure-with-a-title"),
    pytest.param("![Figuren.](<figur:organisation>)\n", [], id="figure-in-angle-brackets"),
    pytest.param("![Figuren.][org]\n\n[ORG]: figur:organisation\n", [], id="figure-by-reference"),
    pytest.param("Skriv `![Figur](figur:okand)` i texten.\n\n```\n![x](figur:okand2)\n```\n", [],
                 id="figure-markers-in-code-are-code"),
    pytest.param("![F][u]\n\n[u]: figur:okänd\n", [(1, f"figuren 'figur:okänd' finns inte (finns: {KNOWN}).")],
                 id="unknown-figure-by-reference"),
    pytest.param("Text ![Figuren](figur:organisation) mitt i.\n",
                 [(1, _not_alone("organisation"))],
                 id="figure-inside-a-paragraph"),
    pytest.param("![Figuren.][r]\n\n[r]: /a.png\n[r]: figur:organisation\n", [],
                 id="of-two-link-definitions-pandoc-takes-the-last"),
    pytest.param("- punkt\n\n    ![Figur i en lista.](figur:styrning)\n\n- två\n", [(3, _not_alone("styrning"))],
                 id="figure-in-a-list-item"),
    pytest.param("Text[^1].\n\n[^1]: ![Figur i en fotnot.](figur:styrning)\n", [(3, _not_alone("styrning"))],
                 id="figure-in-a-footnote"),
    pytest.param("> ![Figur i ett citat.](figur:styrning)\n\n::: ruta\n![Figur i en ruta.](figur:organisation)\n:::\n",
                 [], id="figures-in-a-block-quote-and-a-div"),
    pytest.param("# Rubrik ![Figuren](figur:styrning)\n",
                 [(1, _not_alone("styrning"))],
                 id="figure-in-a-heading"),
    pytest.param("ATT GÖRA: kontrollera årtalet 2024 – ![Organisationen 2024.](figur:organisation)\n",
                 [(1, "att göra: kontrollera årtalet 2024 i \"![Organisationen 2024.](figur:organisation)\"; ta bort "
                      "markeringen 'ATT GÖRA: ... –' när raden stämmer.")],
                 id="a-figure-marked-by-new-year-is-one-thing-to-do"),
    pytest.param("![](figur:organisation)\n",
                 [(1, "figuren 'figur:organisation' saknar figurtext; skriv den inom hakparenteserna: "
                      "![Figurtext](figur:organisation).")],
                 id="figure-without-a-caption"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_check_reads_markdown_as_pandoc_does(project, text, expected):
    (project / "sources" / TEXT).write_text(text, encoding="utf-8")
    assert problems(project) == [f"{SHOWN}:{line}: {message}" for line, message in expected]
    assert not (project / "build").exists()  # a check writes nothing, not even a cache


def _media(docx: Path) -> list[str]:
    with zipfile.ZipFile(docx) as z:
        return [n for n in z.namelist() if n.startswith("word/media/")]


def test_no_local_file_reaches_the_docx_or_the_web_page(tmp_path):
    """Even past the check (which refuses it), a reference-style image pulls no file into a document."""
    from pipeline.web.html import _Converter
    from pipeline.docx.markdown import markdown_to_docx, reference_doc
    from conftest import ROOT
    from PIL import Image as Picture

    secret = tmp_path / "hemlig.png"
    Picture.new("RGB", (40, 40), "red").save(secret)
    text = (f"Bilden ![här][r] och ![där](<{secret}>).\n\n![Ensam][r]\n\nText[^1].\n\n"
            f"[r]: {secret}\n[^1]: Med ![en bild](file://{secret}).\n")
    cache = tmp_path / "cache"
    docx = markdown_to_docx(text, reference_doc(ROOT / "templates" / "verksamhetsplan.docx", cache), cache)
    assert _media(docx) == []
    with zipfile.ZipFile(docx) as z:
        document = z.read("word/document.xml").decode("utf-8")
    assert "Bilden" in document and "här" in document and "Ensam" in document  # the words stay
    page = _Converter(cache, {}).block(text)
    assert "<img" not in page and "hemlig" not in page and "Ensam" in page


FIGURES_TEXT = """Kansliet har fyra uppgifter[^1]:

![Organisationen, med titel.](figur:organisation "Titel")

![Styrningen, i vinkelparenteser.](<figur:styrning>)

![Organisationen, genom en referens.][org]

Skriv `![Figurtext](figur:organisation)` där en figur ska stå.

```
![Figurtext](figur:styrning)
```

[org]: figur:organisation
[^1]: Samordna, planera, följa upp och kommunicera.
"""


def test_figures_in_every_syntax_are_drawn_and_code_stays_code(project, tmp_path):
    import docx as python_docx
    from test_figures import figures_in

    (project / "sources" / TEXT).write_text(FIGURES_TEXT, encoding="utf-8")
    out = tmp_path / "ut"
    result = run_cli("build", "2024", "--docx-only", "--out", str(out), root=project)
    assert result.returncode == 0, result.stderr
    built = out / "verksamhetsplan-2024.docx"
    captions = [caption for _, caption in figures_in(built)]
    for caption in ("Organisationen, med titel.", "Styrningen, i vinkelparenteser.",
                    "Organisationen, genom en referens."):
        assert caption in captions, captions
    text = "\n".join(p.text for p in python_docx.Document(str(built)).paragraphs)
    assert "Skriv ![Figurtext](figur:organisation) där en figur ska stå." in text
    assert "![Figurtext](figur:styrning)" in text
    assert "Kansliet har fyra uppgifter:" in text  # the reference is a footnote, the colon stays
    with zipfile.ZipFile(built) as z:
        assert "Samordna, planera, följa upp och kommunicera." in z.read("word/footnotes.xml").decode("utf-8")

    from pipeline.checks.run import check
    from pipeline.documents.plan import make_figures
    from pipeline.web.html import render_html
    sources = check(project, 2024)
    page = render_html(project, sources, make_figures(sources, project / "build" / ".cache")).decode("utf-8")
    chapter = page[page.index("Kansliet har fyra uppgifter"):]
    chapter = chapter[: chapter.index("</section>")] if "</section>" in chapter else chapter
    assert chapter.count('<figure class="figur">') == 3
    assert "<code>![Figurtext](figur:organisation)</code>" in chapter
    assert "![Figurtext](figur:styrning)" in chapter and "vp-figur:" not in page
    assert 'role="doc-noteref"' in chapter


def test_an_image_in_a_text_of_a_data_file_prints_as_its_words(project, tmp_path):
    """The short texts of the YAML files are Markdown too (markdown-it): an image there brings no
    file or address into the DOCX or the web page, only its description."""
    import docx as python_docx
    from helpers import replace_in
    from pipeline.checks.run import check
    from pipeline.documents.plan import make_figures
    from pipeline.web.html import render_html

    replace_in(project, "2024/kommunikationsplan.yaml", "text: Målgruppen är främst staten",
               "text: Se ![kartan över *Södertörn*](/etc/passwd \"titel\") och ![en logga](http://example.org/l.png). "
               "Målgruppen är främst staten")
    out = tmp_path / "ut"
    result = run_cli("build", "2024", "--docx-only", "--out", str(out), root=project)
    assert result.returncode == 0, result.stderr
    built = out / "verksamhetsplan-2024.docx"
    text = "\n".join(p.text for p in python_docx.Document(str(built)).paragraphs)
    assert "Se kartan över Södertörn och en logga. Målgruppen är främst staten" in text
    sources = check(project, 2024)
    page = render_html(project, sources, make_figures(sources, project / "build" / ".cache")).decode("utf-8")
    assert "Se kartan över Södertörn och en logga. Målgruppen" in " ".join(page.split())
    assert "/etc/passwd" not in page and "example.org" not in page
