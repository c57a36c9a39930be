"""The 2024 sources hold every sentence of chapters 1–6 and Bilaga 1 of the decided plan."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import yaml

from conftest import ROOT
from pipeline.checks.run import check
from pipeline.content.context import Markdown, build_context
import reference

# Sentences the Word template words around source facts (chair, fee, population): their facts
# are in the sources, the wording in templates/verksamhetsplan.docx. test_docx checks them whole.
TEMPLATE_SENTENCES = (
    "ordförande i samarbetskommittén 2024 är",
    "ordförande i ledningsgruppen är",
    "kommunernas avgift för södertörnssamarbetet är",
    "åtagandet bekräftas genom beslut",
    "den 31 december 2023 var invånarantalet",
    # fixed labels and label-plus-data lines of the template
    "kommentar", "intäkter", "summa ", "samarbetskommittén (", "ledningsgruppen (", "bilaga 1 ",
)


def _strings(value) -> list[str]:
    if isinstance(value, Markdown):
        return [value.with_marks()]  # as Word prints it, footnote marks included
    if is_dataclass(value):
        value = asdict(value)
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def source_text() -> str:
    """Return every string of the 2024 sources and of the context formatted from them."""
    texts = []
    for path in sorted((ROOT / "sources").rglob("*")):
        if path.suffix == ".md":
            texts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".yaml":
            texts += _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    texts += _strings(build_context(check(ROOT, 2024)))
    return "\n".join(texts).replace("\\*", "*")


def test_every_sentence_of_chapters_and_bilaga_1_is_in_the_sources():
    haystack = reference.normalise(source_text().replace("*", ""))
    missing = [u for part in ("chapters", "bilaga1") for u in reference.units(part)
               if reference.normalise(u.replace("*", "")) not in haystack
               and not u.startswith(TEMPLATE_SENTENCES)]
    assert missing == []


def test_reference_units_are_many_enough_to_mean_something():
    assert len(reference.units("chapters")) > 100
    assert len(reference.units("bilaga1")) > 60


def test_corrections_from_the_reference_note_are_applied():
    shared = (ROOT / "sources" / "gemensamt")
    agreement = (shared / "samarbetsavtal-2010.md").read_text(encoding="utf-8")
    sup = (shared / "sup-2040.md").read_text(encoding="utf-8")
    assert "Faninge" not in agreement and "Haninge den 10/6 2010" in agreement
    assert "RUF5" not in sup and "RUFS 2050" in sup
    for debris in ("✓", "Handwritten", "Samuelsson", "Sjögren", "Dronk", "de la Cruz"):
        assert debris not in agreement
    assert "\nW\n" not in agreement
    assert agreement.count("Undertecknat") == 8
