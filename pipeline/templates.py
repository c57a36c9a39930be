"""Template lint: the Word template must hold every style and placeholder the code relies on."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .errors import TemplateError

# Paragraph, character and table styles the rendering code, pandoc output and the
# Markdown texts (custom-style) refer to (style ids).
REQUIRED_STYLES = {
    "Title": "Titel", "Heading1": "Rubrik 1", "Heading2": "Rubrik 2", "Heading3": "Rubrik 3",
    "Heading4": "Rubrik 4", "Heading5": "Rubrik 5", "Heading6": "Rubrik 6", "BodyText": "Brödtext", "FirstParagraph": "First Paragraph",
    "Compact": "Compact", "TOCHeading": "Innehållsförteckningsrubrik", "TOC1": "Innehåll 1",
    "TOC2": "Innehåll 2", "TOC3": "Innehåll 3", "Header": "Sidhuvud", "Footer": "Sidfot",
    "Emphasis": "Betoning", "Strong": "Stark", "Plantabell": "Plantabell",
    "Tabellrubrik": "Tabellrubrik", "Tabelltext": "Tabelltext", "Tabellfotnot": "Tabellfotnot",
    "Malformulering": "Målformulering", "Ansvar": "Ansvar", "Kalenderorgan": "Kalender organ",
    "Kalenderpost": "Kalender post", "Caption": "Beskrivning",
    "Underskrift": "Underskrift",  # custom-style of the signature block in the appendix texts
}

# Placeholders that must appear in the template (document body, header or footer).
REQUIRED_PLACEHOLDERS = [
    "{{ titel }}", "{{ organisation }}", "{{ datum }}", "{{ status }}", "{{ markering }}",
    "for kap in kapitel", "{{p kap.text }}", "for s in mål", "kansliet.aktiviteter",
    "for o in kalendarium", "budget.intäkter", "budget.kostnader", "kommunikationsplan.aktiviteter",
    "for b in bilagor", "{{p b.text }}",
]


def lint_template(path: Path) -> Path:
    """Return `path` if the template is complete; raise TemplateError naming what is missing."""
    if not path.is_file():
        raise TemplateError(path, "mallen saknas.")
    try:
        with zipfile.ZipFile(path) as z:
            styles = z.read("word/styles.xml").decode("utf-8")
            parts = [z.read(n).decode("utf-8") for n in z.namelist()
                     if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
            settings = z.read("word/settings.xml").decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise TemplateError(path, f"mallen är ingen giltig Word-fil ({exc}).") from exc
    text = re.sub(r"<[^>]+>", "", "".join(parts))
    problems = [f"formatmallen '{name}' (id {sid}) saknas" for sid, name in REQUIRED_STYLES.items()
                if f'w:styleId="{sid}"' not in styles]
    problems += [f"platshållaren {p} saknas" for p in REQUIRED_PLACEHOLDERS if p not in text]
    body = "".join(parts)
    if 'TOC \\o' not in body:
        problems.append("innehållsförteckningsfältet (TOC) saknas")
    if "PAGE" not in body or "NUMPAGES" not in body:
        problems.append("sidfotens fält PAGE och NUMPAGES (\"Sida X av Y\") saknas")
    if 'w:val="sv-SE"' not in styles:
        problems.append("språket sv-SE är inte satt i formatmallarna")
    if "<w:updateFields" not in settings:
        problems.append("inställningen att Word uppdaterar fälten vid öppning (w:updateFields) saknas")
    if "<w:tblHeader" not in body:
        problems.append("tabellerna saknar upprepad rubrikrad (w:tblHeader)")
    if problems:
        raise TemplateError(path, "; ".join(problems) + ". Se templates/README.md.")
    return path
