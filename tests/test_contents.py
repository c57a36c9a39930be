"""The DOCX's contents list: complete with page numbers when opened, no prompt, still a Word field.

A reader who opens the draft in a program that does not update fields (Word on the web, a phone,
Word when the reader says no, LibreOffice converting it as it is) sees the whole list, with the
page numbers LibreOffice laid out for the PDF.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from conftest import needs_libreoffice
from pipeline.docx.contents import contents_headings, contents_pages


def _part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _listed(pdf: Path, first: int = 2, last: int = 3) -> dict[str, int]:
    """heading → page as a PDF's contents list prints them ("1. Om ...........3")."""
    text = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    out = {}
    for line in text.splitlines():
        match = re.fullmatch(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*", line)
        if match:
            out[" ".join(match.group(1).split())] = int(match.group(2))
    return out


def _folded(mapping: dict[str, int]) -> dict[str, int]:
    return {re.sub(r"\s+", "", k.replace("\u2011", "-").replace("\u2060", "")): v for k, v in mapping.items()}


@needs_libreoffice
def test_the_docx_opens_without_a_prompt_and_lists_every_heading_with_its_page(build_2024):
    docx_path, pdf_path = build_2024
    assert "updateFields" not in _part(docx_path, "word/settings.xml")
    document = _part(docx_path, "word/document.xml")
    assert 'w:dirty="' not in document
    assert re.search(r"<w:instrText[^>]*> TOC \\o \"1-3\"", document)  # still a field Word can update
    pages = contents_pages(docx_path.read_bytes())
    headings = contents_headings(docx_path.read_bytes())
    assert len(pages) == len({text for _, text in headings}) >= 40
    assert _folded(pages) == _folded(_listed(pdf_path))  # the PDF's page numbers
    assert pages["1. Om verksamhetsplanen 2024"] == 3


@needs_libreoffice
def test_a_program_that_does_not_update_fields_shows_the_list(build_2024, tmp_path):
    docx_path, pdf_path = build_2024
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profil", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx_path)], capture_output=True, check=True, timeout=300)
    shown = _listed(tmp_path / docx_path.with_suffix(".pdf").name)
    assert _folded(shown) == _folded(_listed(pdf_path))


@needs_libreoffice
def test_a_draft_too(draft_2024):
    docx_path, pdf_path = draft_2024
    assert "updateFields" not in _part(docx_path, "word/settings.xml")
    assert _folded(contents_pages(docx_path.read_bytes())) == _folded(_listed(pdf_path))


def test_a_docx_only_build_lists_the_headings_without_page_numbers(docx_2024):
    document = _part(docx_2024, "word/document.xml")
    assert "Innehållsförteckningen uppdateras" not in document
    assert contents_pages(docx_2024.read_bytes()) == {}
    entries = re.findall(r'<w:pStyle w:val="TOC(\d)"/>', document)
    assert len(entries) == len(contents_headings(docx_2024.read_bytes()))
    assert "updateFields" not in _part(docx_2024, "word/settings.xml")
