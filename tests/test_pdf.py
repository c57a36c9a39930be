"""The PDF made by the real LibreOffice: TOC page numbers, PDF/A and PDF/UA, fonts, text."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

import reference
from conftest import ROOT, needs_libreoffice, run_cli
from pipeline.content.formatting import plain
from test_docx import paragraphs

pytestmark = needs_libreoffice


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def toc_entries(pages: list[str]) -> list[tuple[str, int]]:
    """Return (heading, page) from the table of contents (its dotted lines)."""
    entries = []
    for page in pages[:4]:
        pending = ""
        for line in page.splitlines():
            line = line.strip()
            match = re.match(r"^(.+?)\.{3,}\s*(\d+)$", line)
            if match:
                entries.append(((pending + " " + match.group(1)).strip(), int(match.group(2))))
                pending = ""
            elif line and line != "Innehållsförteckning":
                pending = line  # an entry too long for one line continues on the next
            else:
                pending = ""
    return entries


def stands_on(page: str, heading: str) -> bool:
    """Return whether `heading` is a line of `page`, or two consecutive lines of it."""
    lines = [line.strip() for line in page.splitlines()]
    joined = [f"{a}{b}" if a.endswith("-") else f"{a} {b}" for a, b in zip(lines, lines[1:])]
    return heading in lines or heading in joined


def bookmarks(path: Path) -> list[tuple[str, int]]:
    """Return (title, page number) of every bookmark, in document order.

    LibreOffice points each heading's bookmark at the place where it lays the heading out when it
    exports, independently of the table of contents field.
    """
    out: list[tuple[str, int]] = []
    with pikepdf.open(path) as pdf:
        numbers = {page.objgen: i for i, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as outline:
            def walk(items):
                for item in items:
                    out.append((item.title, numbers[item.destination[0].objgen]))
                    walk(item.children)
            walk(outline.root)
    return out


def test_toc_page_numbers_are_where_the_headings_stand(build_2024):
    _, pdf = build_2024
    pages = pdf_pages(pdf)
    entries = toc_entries(pages)
    assert len(entries) >= 40

    def key(text):
        return re.sub(r"\s+", "", text)
    unused = bookmarks(pdf)
    for heading, number in entries:
        # the heading's own place: the first bookmark with its title not taken by an earlier entry
        match = next((i for i, (title, _) in enumerate(unused) if key(title) == key(heading)), None)
        assert match is not None, f"{heading!r} har inget bokmärke"
        _, page = unused.pop(match)
        # text in figures can repeat a heading; the bookmark says which occurrence is the heading
        assert stands_on(pages[page - 1], heading), f"{heading!r} står inte på sidan {page}"
        assert number == page, f"{heading!r}: innehållsförteckningen säger {number}, står på {page}"


def test_toc_lists_every_heading_1(build_2024):
    docx_path, pdf = build_2024
    listed = {reference.normalise(h) for h, _ in toc_entries(pdf_pages(pdf))}
    for style, text in paragraphs(docx_path):
        if style == "Heading 1":
            assert reference.normalise(text) in listed


def test_page_x_of_y_on_every_page_after_the_title(build_2024):
    _, pdf = build_2024
    pages = pdf_pages(pdf)
    total = len(pages)
    assert total > 10
    for number, page in enumerate(pages[1:], start=2):
        assert f"Sida {number} av {total}" in page, f"sidan {number}"


def test_pdfa_pdfua_metadata_and_tagging(build_2024):
    _, path = build_2024
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "sv-SE"
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        info = pdf.docinfo
        assert str(info.Title) == "Verksamhetsplan och budget 2024"
        assert str(info.Author) == "Södertörnskommunernas samarbetskommitté"
        assert str(info.Subject) == "Verksamhetsplan och budget 2024"
        assert str(info.CreationDate).startswith("D:20240116")
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == "Verksamhetsplan och budget 2024"
        assert meta["xmp:CreateDate"].startswith("2024-01-16")
        assert "/OutputIntents" in pdf.Root


def test_a_bookmark_for_every_heading(build_2024):
    docx_path, path = build_2024
    # bookmarks are plain text: no no-break spaces or hyphens (formatting.plain)
    headings = [plain(t) for s, t in paragraphs(docx_path) if re.fullmatch(r"Heading [1-3]", s)]
    titles = [title for title, _ in bookmarks(path)]
    assert len(titles) >= len(headings)
    for heading in headings:
        assert heading in titles


def tagged_headings(path: Path) -> list[tuple[int, str, int, list[float] | None]]:
    """Return (level, text, page, box of its first line) of every H1–H6 of the structure tree, in order.

    The text is what a screen reader reads: the element's marked content, children included.
    """
    from pipeline.pdf.marks import document_marks
    from pipeline.pdf.tags import kids_of, walk

    out = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root.StructTreeRoot
        role_map = {str(k): str(v) for k, v in root.get("/RoleMap", {}).items()}
        numbers = {page.objgen: i for i, page in enumerate(pdf.pages, start=1)}
        marks = document_marks(pdf)

        def standard(element) -> str:
            name = str(element.get("/S"))
            while name in role_map and role_map[name] != name:
                name = role_map[name]
            return name

        def content(element, page) -> list[tuple[int, object]]:
            page = numbers[element.Pg.objgen] if "/Pg" in element else page
            found = []
            for kid in kids_of(element):
                if isinstance(kid, int):
                    found.append((page, marks[page - 1].get(int(kid))))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    on = numbers[kid.Pg.objgen] if "/Pg" in kid else page
                    found.append((on, marks[on - 1].get(int(kid.MCID))))
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    found += content(kid, page)
            return [(p, m) for p, m in found if m is not None]

        for element in walk(root):
            kind = standard(element)
            if re.fullmatch(r"/H[1-6]", kind):
                pieces = content(element, None)
                text = plain(" ".join("".join(m.text for _, m in pieces).split()))
                page, first = pieces[0] if pieces else (None, None)
                out.append((int(kind[2]), text, page, first.box if first is not None else None))
    return out


def outline(path: Path) -> list[tuple[int, str, int, float | None]]:
    """Return (depth, title, page, top of the view) of every bookmark, in order."""
    out = []
    with pikepdf.open(path) as pdf:
        numbers = {page.objgen: i for i, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as tree:
            def visit(items, depth):
                for item in items:
                    destination = item.destination
                    assert isinstance(destination, pikepdf.Array), f"{item.title!r} pekar inte på en sida"
                    top = float(destination[3]) if len(destination) > 3 and destination[1] == "/XYZ" else None
                    out.append((depth, item.title, numbers[destination[0].objgen], top))
                    visit(item.children, depth + 1)
            visit(tree.root, 1)
    return out


def _written_pdf(request, which: str) -> Path:
    if which == "uppföljning":
        return request.getfixturevalue("follow_up_2024")[1]
    if which in ("missiv", "remissutkast"):
        name = "missiv-2024-utkast-2.pdf" if which == "missiv" else "verksamhetsplan-2024-utkast-2.pdf"
        return request.getfixturevalue("round_2024") / "build/2024/remiss-utkast-2" / name
    return request.getfixturevalue({"plan 2024": "build_2024", "utkast 2024": "draft_2024",
                                    "annan form 2031": "other_shape_build"}[which])[1]


def bookmark_problems(path: Path) -> list[str]:
    """How the bookmarks differ from the headings the structure tree tags: order, text, level, page."""
    headings = tagged_headings(path)
    marks = outline(path)
    problems = []
    levels: list[int] = []  # the open headings' levels: a heading's bookmark is a child of the last lower one
    for index, (level, text, page, box) in enumerate(headings):
        while levels and levels[-1] >= level:
            levels.pop()
        levels.append(level)
        if index >= len(marks):
            problems.append(f"rubriken {text!r} (H{level}, sidan {page}) har inget bokmärke")
            continue
        depth, title, mark_page, top = marks[index]
        if (title, depth, mark_page) != (text, len(levels), page):
            problems.append(f"bokmärke {index + 1}: {(title, depth, mark_page)} men rubriken är "
                            f"{(text, len(levels), page)}")
        elif box is not None and not (top is not None and box[1] <= top <= box[3] + 24):
            problems.append(f"bokmärket {title!r} visar sidan {page} från y={top}, rubriken står vid "
                            f"{box[1]:.0f}–{box[3]:.0f}")
    problems += [f"bokmärket {title!r} (sidan {page}) är ingen taggad rubrik"
                 for _, title, page, _ in marks[len(headings):]]
    return problems


@pytest.mark.parametrize("which", ["plan 2024", "utkast 2024", "annan form 2031", "remissutkast", "missiv",
                                   "uppföljning"])
def test_the_bookmarks_are_the_tagged_headings(request, which):
    path = _written_pdf(request, which)
    headings = tagged_headings(path)
    assert headings and headings[0][0] == 1  # the title: where both outlines start
    assert bookmark_problems(path) == []


def test_every_font_is_embedded(build_2024):
    _, pdf = build_2024
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        assert row.split()[-5] == "yes", row


def test_reference_text_is_in_the_pdf(build_2024):
    _, pdf = build_2024
    text = "\n".join(pdf_pages(pdf))
    text = re.sub(r"-\n(?=[a-zåäö])", "", text)  # words hyphenated at a line end
    parts = ["chapters", "bilaga1", "bilaga2", "bilaga3"]
    units = [u for p in parts for u in reference.units(p)]
    missing = reference.missing_units(text, parts)
    # Table cells wrap inside the cell, so pdftotext interleaves columns: sentences that span
    # a cell's lines may be split. Words must all be there; whole units nearly all.
    assert len(missing) / len(units) < 0.1, missing
    words = set(re.findall(r"\w+", reference.normalise(text)))
    ref_words = [w for u in units for w in re.findall(r"\w+", u)]
    assert sum(w in words for w in ref_words) / len(ref_words) > 0.99


def test_two_builds_are_byte_identical(build_2024, tmp_path):
    _, pdf = build_2024
    result = run_cli("build", "2024", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "verksamhetsplan-2024.pdf").read_bytes() == pdf.read_bytes()


def test_two_builds_at_the_same_time(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "build", "2024", "--out", str(tmp_path / str(i))],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    first, second = (tmp_path / str(i) / "verksamhetsplan-2024.pdf" for i in range(2))
    assert first.read_bytes() == second.read_bytes()


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_a_crash_is_retried_once(tmp_path):
    real = shutil.which("soffice")
    counter = tmp_path / "starter"
    fake = _fake_soffice(tmp_path, f'echo x >> {counter}\n'
                                   f'if [ "$(wc -l < {counter})" -eq 1 ]; then exit 134; fi\n'
                                   f'exec {real} "$@"')
    result = run_cli("build", "2024", "--out", str(tmp_path / "ut"), env={"VP_SOFFICE": str(fake)})
    assert result.returncode == 0, result.stderr
    assert counter.read_text().count("x") == 2
    assert (tmp_path / "ut" / "verksamhetsplan-2024.pdf").exists()


def test_a_crash_twice_is_a_clear_error_and_the_docx_is_kept(tmp_path):
    fake = _fake_soffice(tmp_path, "exit 134")
    result = run_cli("build", "2024", "--out", str(tmp_path / "ut"), env={"VP_SOFFICE": str(fake)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "LibreOffice kunde inte skapa PDF (två försök)" in result.stderr
    assert (tmp_path / "ut" / "verksamhetsplan-2024.docx").exists()
    assert not (tmp_path / "ut" / "verksamhetsplan-2024.pdf").exists()


def test_a_hanging_libreoffice_is_killed_after_the_timeout(tmp_path):
    fake = _fake_soffice(tmp_path, "sleep 600")
    started = time.monotonic()
    result = run_cli("build", "2024", "--out", str(tmp_path / "ut"),
                     env={"VP_SOFFICE": str(fake), "VP_LO_TIMEOUT": "5"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "svarade inte inom 5 sekunder och stoppades" in result.stderr
    assert time.monotonic() - started < 60
    leftover = subprocess.run(["pgrep", "-f", f"{tmp_path}/soffice"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_missing_libreoffice_still_builds_the_docx(tmp_path):
    result = run_cli("build", "2024", "--out", str(tmp_path), env={"VP_SOFFICE": str(tmp_path / "saknas")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ingen ny PDF" in result.stderr and "apt-get install" in result.stderr
    assert (tmp_path / "verksamhetsplan-2024.docx").exists()


def test_a_running_libreoffice_is_used_when_pointed_at(tmp_path):
    port = 20000 + (int(time.time() * 1000) % 20000)
    server = subprocess.Popen([shutil.which("soffice"), "--headless", "--norestore", "--nologo",
                               f"-env:UserInstallation=file://{tmp_path}/serverprofil",
                               f"--accept=socket,host=127.0.0.1,port={port};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = run_cli("build", "2024", "--out", str(tmp_path / "ut"),
                         "--soffice-url", f"socket,host=127.0.0.1,port={port}")
        assert result.returncode == 0, result.stderr
        assert server.poll() is None  # still running: the pipeline does not stop a server it did not start
        with pikepdf.open(tmp_path / "ut" / "verksamhetsplan-2024.pdf") as pdf:
            assert str(pdf.Root.Lang) == "sv-SE"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_signatures_of_bilaga_2_stand_together_on_one_page(build_2024):
    docx_path, pdf = build_2024
    assert [s for s, t in paragraphs(docx_path) if t.endswith("Undertecknat")] == ["Underskrift"] * 8
    pages = pdf_pages(pdf)
    with_signatures = [page for page in pages if "Undertecknat" in page]
    assert len(with_signatures) == 1 and with_signatures[0].count("Undertecknat") == 8
