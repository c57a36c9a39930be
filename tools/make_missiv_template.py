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
from make_template import DOC_NS, W_NS, cell, derive, para, row, table, tag, tag_row  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "missiv.docx"


def body_xml(sect: str) -> str:
    parts = [
        para("Title", "Remiss: {{ titel }}, utkast {{ version }}"),
        para("BodyText", "Från: {{ organisation }}, Södertörns kansli"),
        para("BodyText", "Till: {{ mottagare }}"),
        para("BodyText", "Datum: {{ datum }} (utkastet är daterat {{ utkastdatum }})"),
        para("Heading2", "Vad vi frågar"),
        tag("{%p for f in fråga %}"),
        para("BodyText", "{{ f }}"),
        tag("{%p endfor %}"),
        para("Heading2", "Svar senast den {{ svar_senast }}"),
        para("BodyText", "Skicka kommunens svar senast den {{ svar_senast }} till {{ svar_till }}. "
                         "Har kommunen inga synpunkter, svara ändå med ett kort e-brev, så att vi vet att "
                         "utkastet är läst."),
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
                         "{{ pdf }}. Synpunkter skrivs i Word-filen."),
        para("Heading2", "Frågor"),
        para("BodyText", "{{ kontakt.namn }}{% if kontakt.titel %}, {{ kontakt.titel }}{% endif %}, "
                         "{{ organisation }}"),
        para("BodyText", "E-post: {{ kontakt.epost }}{% if kontakt.telefon %}, telefon {{ kontakt.telefon }}"
                         "{% endif %}"),
    ]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {DOC_NS}><w:body>'
            + "".join(parts) + sect + '</w:body></w:document>')


def header_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr {W_NS}>'
            + para("Header", "Remiss: {{ titel }}, utkast {{ version }}", '<w:r><w:tab/></w:r>',
                   "Svar senast {{ svar_senast }}")
            + '</w:hdr>')


def main() -> int:
    return derive(OUT, body_xml, header_xml(), "Missiv till en remiss")


if __name__ == "__main__":
    sys.exit(main())
