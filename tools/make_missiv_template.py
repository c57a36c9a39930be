"""Create templates/missiv.docx, the Word template of a draft round's cover letter (run once).

Like tools/make_template.py for the plan: the template is the communicator's file from then on
(restyle and reword it in Word); re-running this script overwrites changes made in Word. It
starts from templates/verksamhetsplan.docx, so that the letter has the plan's styles, page,
header and footer, and replaces the body and the header with the letter's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_template import DOC_NS, W_NS, cell, derive, para, row, run, table, tag, tag_row  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "missiv.docx"
BREAK = "<w:r><w:br/></w:r>"
KEEP = "<w:keepNext/>"  # "Håll ihop med nästa": the letter's end never stands alone on its last page
BULLETS = 2000         # the numbering of the style List Bullet (Punktlista)


def body_xml(sect: str) -> str:
    parts = [
        para("Title", "Remiss: {{ titel }}, utkast {{ version }}"),
        para("BodyText", run("Från: {{ organisation }}, Södertörns kansli"), BREAK, run("Till: {{ mottagare }}"),
             BREAK, run("Datum: {{ datum }} (utkastet är daterat {{ utkastdatum }})")),
        para("Heading2", "Vad vi frågar"),
        tag("{%p for f in fråga %}"),
        para("BodyText", "{{ f }}"),
        tag("{%p endfor %}"),
        para("Heading2", "Svar senast den {{ svar_senast }}"),
        para("BodyText", "Skicka kommunens svar senast den {{ svar_senast }} till {{ svar_till }}. "
                         "Har kommunen inga synpunkter, svara ändå med ett kort e-brev, så att vi vet att "
                         "utkastet är läst."),
        # a later draft: what changed since the one sent before it (round.changes_since)
        tag("{%p if tidigare %}"),
        para("Heading2", "Ändringar sedan {{ tidigare }}"),
        tag("{%p if ändringar %}"),
        para("BodyText", "Det här har ändrats i planens innehåll sedan {{ tidigare }}, som kommunerna fick "
                         "förra gången:"),
        tag("{%p for del in ändringar %}"),
        para("Heading3", "{{ del.rubrik }}"),
        tag("{%p for rad in del.rader %}"),
        para("ListBullet", "{{ rad }}"),
        tag("{%p endfor %}"),
        tag("{%p endfor %}"),
        tag("{%p else %}"),
        para("BodyText", "Planens innehåll är detsamma som i {{ tidigare }}."),
        tag("{%p endif %}"),
        tag("{%p endif %}"),
        para("Heading2", "Så lämnar ni synpunkter"),
        para("BodyText", "1. Öppna kommunens eget exemplar av utkastet: filen med kommunens namn i tabellen "
                         "nedan."),
        para("BodyText", "2. Skriv synpunkterna som kommentarer i Word (fliken Granska, Ny kommentar) vid den "
                         "text de gäller. Vill ni föreslå en annan formulering, slå på Spåra ändringar "
                         "(fliken Granska) och skriv in den."),
        para("BodyText", "3. Spara filen som Word-dokument (.docx) och behåll filnamnet. Samla gärna "
                         "kommunens synpunkter i en och samma fil och skicka den som bifogad fil."),
        para("Heading2", "Utkastets filer"),
        table([3200, 5872], ["Kommun", "Fil att kommentera"], [
            tag_row("{%tr for k in kommuner %}", 2),
            row(cell(3200, para("Tabelltext", "{{ k.kommunnamn }}")), cell(5872, para("Tabelltext", "{{ k.fil }}"))),
            tag_row("{%tr endfor %}", 2),
        ]),
        para("BodyText", "Utkastet finns också som PDF för den som vill läsa det på skärm eller i telefonen: "
                         "{{ pdf }}. Synpunkter skrivs i Word-filen.", extra_ppr=KEEP),
        para("Heading2", "Frågor"),
        para("BodyText", run("{{ kontakt.namn }}{% if kontakt.titel %}, {{ kontakt.titel }}{% endif %}, "
                             "{{ organisation }}"), BREAK,
             run("E-post: {{ kontakt.epost }}{% if kontakt.telefon %}, telefon {{ kontakt.telefon }}{% endif %}")),
    ]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {DOC_NS}><w:body>'
            + "".join(parts) + sect + '</w:body></w:document>')


def header_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr {W_NS}>'
            + para("Header", "Remiss: {{ titel }}, utkast {{ version }}", '<w:r><w:tab/></w:r>',
                   "Svar senast {{ svar_senast }}")
            + '</w:hdr>')


LIST_BULLET = (f'<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/>'
               f'<w:basedOn w:val="BodyText"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr>'
               f'<w:numPr><w:numId w:val="{BULLETS}"/></w:numPr><w:spacing w:before="40" w:after="40"/>'
               f'<w:ind w:left="360" w:hanging="360"/></w:pPr></w:style>')
BULLET_NUMBERING = (f'<w:abstractNum w:abstractNumId="{BULLETS}"><w:multiLevelType w:val="singleLevel"/>'
                    f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/>'
                    f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr></w:lvl>'
                    f'</w:abstractNum>')


def with_bullets(parts: dict[str, bytes]) -> None:
    """Add the style List Bullet (Punktlista) and its bullet numbering, for the list of changes."""
    styles = parts["word/styles.xml"].decode()
    parts["word/styles.xml"] = styles.replace("</w:styles>", LIST_BULLET + "</w:styles>").encode()
    numbering = parts["word/numbering.xml"].decode()
    # abstract numberings come before the numberings that use them
    numbering = numbering.replace("<w:num ", BULLET_NUMBERING + "<w:num ", 1)
    parts["word/numbering.xml"] = numbering.replace(
        "</w:numbering>", f'<w:num w:numId="{BULLETS}"><w:abstractNumId w:val="{BULLETS}"/></w:num></w:numbering>'
    ).encode()


def main() -> int:
    return derive(OUT, body_xml, header_xml(), "Missiv till en remiss", parts=with_bullets)


if __name__ == "__main__":
    sys.exit(main())
