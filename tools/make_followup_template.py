"""Create templates/uppfoljning.docx, the Word template of the follow-up (run once).

Like tools/make_missiv_template.py: it starts from templates/verksamhetsplan.docx (the plan's
styles, page, header and footer) and replaces the body and the header. From then on the template
is the communicator's file; re-running this script overwrites changes made in Word.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_template import DOC_NS, W_NS, cell, derive, para, row, table, tag, tag_row  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "uppfoljning.docx"
TEXT_WIDTH = 9072  # twips: A4 with 2.5 cm margins


def activity_table(var: str, number: bool = False) -> str:
    """Aktivitet | Status | Kommentar over `var` (rows from followup._row)."""
    widths = [600, 3800, 1500, 3172] if number else [4100, 1600, 3372]
    cells = []
    if number:
        cells.append(cell(widths[0], para("Tabelltext", "{{ a.nr }}")))
    w = widths[-3:]
    cells += [cell(w[0], para("Tabelltext", "{{r a.aktivitet }}")),
              cell(w[1], para("Tabelltext", "{{ a.status }}")),
              cell(w[2], para("Tabelltext", "{{r a.kommentar }}"),  # always a paragraph: a cell needs one
                   tag("{%p if a.resultat %}"), para("Tabelltext", "{{r a.resultat }}"), tag("{%p endif %}"))]
    header = (["Nr"] if number else []) + ["Aktivitet", "Status", "Kommentar"]
    return table(widths, header, [tag_row(f"{{%tr for a in {var} %}}", len(widths)), row(*cells),
                                  tag_row("{%tr endfor %}", len(widths))])


def budget_table(var: str) -> str:
    widths = [3672, 1800, 1800, 1800]
    return table(widths, ["Post", "Budget", "Utfall", "Avvikelse"], [
        tag_row(f"{{%tr for r in budget.{var}.poster %}}", 4),
        row(cell(widths[0], para("Tabelltext", "{{ r.post }}")),
            *(cell(w, para("Tabellbelopp", f"{{{{ r.{k} }}}}")) for w, k in zip(widths[1:], ["budget", "utfall", "avvikelse"]))),
        tag_row("{%tr endfor %}", 4),
        row(cell(widths[0], para("Tabellsumma", "Summa")),
            *(cell(w, para("Tabellsummabelopp", f"{{{{ budget.{var}.{k} }}}}"))
              for w, k in zip(widths[1:], ["budget", "utfall", "avvikelse"]))),
    ])


def summary_table() -> str:
    widths = [1872, 1240, 1240, 1240, 1240, 1240, 1000]
    # symbol and word on two lines: a narrow column holds each
    header = ["Område", *(("{{ statusar[%d].symbol }}" % n, '<w:r><w:br/></w:r>', "{{ statusar[%d].namn }}" % n)
                          for n in range(5)), "Totalt"]
    keys = ["genomförd", "pågår", "försenad", "ej_påbörjad", "struken", "totalt"]
    return table(widths, header, [
        tag_row("{%tr for r in sammanfattning %}", 7),
        row(cell(widths[0], para("Tabelltext", "{{ r.område }}")),
            *(cell(w, para("Tabellbelopp", f"{{{{ r.{k} }}}}")) for w, k in zip(widths[1:], keys))),
        tag_row("{%tr endfor %}", 7),
        row(cell(widths[0], para("Tabellsumma", "{{ totalt.område }}")),
            *(cell(w, para("Tabellsummabelopp", f"{{{{ totalt.{k} }}}}")) for w, k in zip(widths[1:], keys))),
    ])


def goal_headings() -> list[str]:
    out = [tag("{%p if s.nivå == 2 %}"), para("Heading2", "{{ s.rubrik }}")]
    for level in (3, 4, 5):
        out += [tag(f"{{%p elif s.nivå == {level} %}}"), para(f"Heading{level}", "{{ s.rubrik }}")]
    out += [tag("{%p else %}"), para("Heading6", "{{ s.rubrik }}"), tag("{%p endif %}")]
    return out


def body_xml(sect: str) -> str:
    parts = [
        para("Titelsidaorganisation", "{{ organisation }}"),
        para("Title", "{{ titel }}"),
        para("Titelsidadatum", "{{ undertitel }}"),
        para("Titelsidastatus", "Uppföljningen är daterad {{ datum }}."),
        para("Heading1", "Sammanfattning"),
        para("BodyText", "{{ sammanfattning_text }} Status anges med ord och symbol: {{ statusar[0].text }}, "
                         "{{ statusar[1].text }}, {{ statusar[2].text }}, {{ statusar[3].text }} och "
                         "{{ statusar[4].text }}."),
        summary_table(),
        tag("{{p figur }}"),
        tag("{%p if mål %}"),
        para("Heading1", "Utvecklingsaktiviteter"),
        tag("{%p for s in mål %}"),
        *goal_headings(),
        tag("{%p if s.formulering %}"), para("Malformulering", "{{ s.formulering }}"), tag("{%p endif %}"),
        tag("{%p if s.ansvar %}"), para("Ansvar", "Ansvar: {{ s.ansvar }}"), tag("{%p endif %}"),
        tag("{%p if s.aktiviteter %}"), activity_table("s.aktiviteter"), tag("{%p endif %}"),
        tag("{%p endfor %}"),
        tag("{%p endif %}"),
        tag("{%p if kansliet %}"),
        para("Heading1", "Kansliets uppdrag"),
        activity_table("kansliet"),
        tag("{%p endif %}"),
        tag("{%p if kommunikationsplan %}"),
        para("Heading1", "Kommunikationsaktiviteter (bilaga 1 i planen)"),
        activity_table("kommunikationsplan", number=True).replace("{%tr for a in kommunikationsplan %}",
                                                                  "{%tr for a in kommunikationsplan %}"),
        tag("{%p endif %}"),
        tag("{%p if budget %}"),
        para("Heading1", "Budget och utfall"),
        para("BodyText", "Avvikelse är utfallet minus budgeten: ett minustecken betyder att utfallet blev lägre "
                         "än budgeten."),
        para("Heading2", "Intäkter"),
        budget_table("intäkter"),
        para("Heading2", "Kostnader"),
        budget_table("kostnader"),
        tag("{%p endif %}"),
    ]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {DOC_NS}><w:body>'
            + "".join(parts) + sect + '</w:body></w:document>')


def header_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr {W_NS}>'
            + para("Header", "{{ titel }}", '<w:r><w:tab/></w:r>', "{{ undertitel }}")
            + '</w:hdr>')


def main() -> int:
    return derive(OUT, body_xml, header_xml(), "Uppföljning")


if __name__ == "__main__":
    sys.exit(main())
