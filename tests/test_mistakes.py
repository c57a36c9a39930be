"""The secretary's mistakes: every one at once, in plain Swedish, with what to do.

Sixteen ordinary mistakes are put into a 2025 plan made by new-year; one run of `check` must
report every one of them, each as `file:line: key: message` in Swedish.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from helpers import replace_in

ENGLISH = re.compile(r"\b(or|and|must|should|field|required|expected|found|invalid|value|input|error|"
                     r"not allowed|cannot)\b", re.I)
LINE = re.compile(r"^sources/[^:\s]+:\d+(:\d+)?: \S")


@pytest.fixture
def year_2025(project) -> Path:
    """sources/2025 from new-year, its to-dos done as a secretary would (every 2024 activity carried:
    without the follow-up, which would leave the finished ones out)."""
    (project / "sources/2024/uppfoljning-helar.yaml").unlink()
    assert run_cli("new-year", "2025", root=project).returncode == 0
    base = project / "sources" / "2025"
    budget = base / "budget.yaml"
    budget.write_text(re.sub(r"antal: .*", "antal: 520824", budget.read_text(encoding="utf-8")), encoding="utf-8")
    calendar = base / "kalendarium.yaml"
    meetings = iter(["\n      - datum: 2025-03-20\n      - datum: 2025-05-08\n      - datum: 2025-10-09",
                     "\n      - datum: 2025-02-14\n      - datum: 2025-04-11"])
    calendar.write_text(re.sub(r"möten: .*ATT GÖRA.*", lambda m: "möten:" + next(meetings),
                               calendar.read_text(encoding="utf-8")), encoding="utf-8")
    for path in list(base.rglob("*.yaml")) + list(base.rglob("*.md")):
        path.write_text(re.sub(r"ATT GÖRA: (kontrollera årtalet 2024|behåll eller stryk \([^)]*\)) – ", "",
                               path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_cli("check", "2025", root=project)
    assert result.returncode == 0, result.stderr
    return project


MISTAKES = [
    # (file under sources/2025, old, new, fragment of the expected line)
    ("kalendarium.yaml", "datum: 2025-05-08", "datum: 2025-05-11",
     r"kalendarium\.yaml:\d+: organ\[0\]\.möten\[1\]\.datum: 2025-05-11 är en söndag; samarbetets möten hålls på vardagar"),
    ("kalendarium.yaml", "datum: 2025-10-09", "datum: 15 mars 2025",
     r"organ\[0\]\.möten\[2\]\.datum: ska vara ett datum skrivet ÅÅÅÅ-MM-DD, inte '15 mars 2025'\. Skriv 2025-03-15\."),
    ("kalendarium.yaml", "datum: 2025-04-11", "datum: 2025-02-30",
     r"organ\[1\]\.möten\[1\]\.datum: ska vara ett datum .*'2025-02-30'\. Den dagen finns inte"),
    ("kalendarium.yaml", "datum: 2025-03-20", "datum: 2025-03-19",
     r"organ\[0\]\.möten\[0\]\.datum: 2025-03-19 är en onsdag, men Samarbetskommittén möts på torsdagar"),
    ("kalendarium.yaml", "veckodag: fredag", "veckodag: fredagar",
     r"organ\[1\]\.veckodag: ska vara måndag, tisdag, onsdag, torsdag, fredag, lördag eller söndag, inte 'fredagar'"),
    ("budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2084296\n\nfotnoter",
     r"budget\.yaml:\d+: kostnader\.summa: posterna summerar till"),
    ("mal.yaml", "ansvar: klimat", "ansvar: klimatet",
     r"mal\.yaml:\d+: .*\.ansvar: nätverket 'klimatet' finns inte i sources/gemensamt/natverk\.yaml"),
    ("mal.yaml", "formulering: Södertörn leder vägen", "formulerning: Södertörn leder vägen",
     r"mal\.yaml:\d+: .*formulerning: okänd nyckel 'formulerning'\. Menade du 'formulering'\?"),
    ("mal.yaml", "              - Arbetsgruppen består av Södertälje, Huddinge och Tyresö.",
     "              - Notera: arbetsgruppen består av Södertälje, Huddinge och Tyresö.",
     r"kommentar\[1\]: ska vara en text, men YAML läste 'Notera: arbetsgruppen.*' som en nyckel och ett värde.*"
     r"Sätt citattecken runt texten"),
    ("organisation.yaml", "  vice_ordförande: Nykvarn\n", "",
     r"organisation\.yaml:\d+: samarbetskommittén\.vice_ordförande: obligatorisk nyckel saknas"),
    ("kansliet.yaml", "    aktivitet: Delta i StorSthlms", "    aktivitet:\tDelta i StorSthlms",
     r"kansliet\.yaml:\d+:\d+: YAML-syntaxfel: tabbtecken i ett värde eller efter ett kolon; byt tabben mot ett mellanslag"),
    ("kommunikationsplan.yaml", "fotnoter: [3]", "fotnoter: [4]",
     r"kommunikationsplan\.yaml:\d+: aktiviteter\[\d+\]\.fotnoter\[0\]: fotnot 4 finns inte"),
    ("plan.yaml", "text: text/3-kansliets-uppdrag.md", "text: text/3-kansliet.md",
     r"plan\.yaml:\d+: kapitel\[2\]\.text: filen sources/2025/text/3-kansliet\.md finns inte\. "
     r"Menade du 'text/3-kansliets-uppdrag\.md'\?"),
    ("text/1-om-verksamhetsplanen.md", "det samarbetsavtal som tecknades", "det samarbetsavtal[^avtal] som tecknades",
     r"1-om-verksamhetsplanen\.md:1: fotnoten \[\^avtal\] har ingen text"),
    ("text/1-om-verksamhetsplanen.md", "(figur:malstruktur)", "(figur:malstrukur)",
     r"1-om-verksamhetsplanen\.md:\d+: figuren 'figur:malstrukur' finns inte"),
    ("text/2-utvecklingsaktiviteter.md", "\n", "\n\nSe även nedan.[^se]\n\n[^se]: Fotnoten.\n[^ny]: Oanvänd.\n",
     r"2-utvecklingsaktiviteter\.md:\d+: fotnoten \[\^ny\] hänvisas inte till i texten"),
]


def test_sixteen_mistakes_are_reported_in_one_run(year_2025):
    assert len(MISTAKES) == 16
    for file, old, new, _ in MISTAKES:
        replace_in(year_2025, f"2025/{file}", old, new)
    result = run_cli("check", "2025", root=year_2025)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    for *_, expected in MISTAKES:
        assert any(re.search(expected, line) for line in lines), (expected, lines)
    assert re.fullmatch(r"\d+ fel i källfilerna\.", lines[-1])
    for line in lines[:-1]:
        assert LINE.match(line), line
        message = line.split(": ", 2)[-1]
        assert not ENGLISH.search(message.replace("YAML", "")), line


def test_each_mistake_alone_is_reported_alone(year_2025):
    """A single mistake gives its own line and nothing else (no follow-on noise)."""
    for file, old, new, expected in MISTAKES[:6]:
        path = year_2025 / "sources" / "2025" / file
        before = path.read_text(encoding="utf-8")
        replace_in(year_2025, f"2025/{file}", old, new)
        result = run_cli("check", "2025", root=year_2025)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and any(re.search(expected, line) for line in lines), (expected, lines)
        # nothing but the mistake and what follows from it in the same file (a wrong sum also
        # unbalances the budget)
        assert {line.split(":")[0] for line in lines[:-1]} == {f"sources/2025/{file}"}, lines
        assert len(lines) <= 3, lines
        path.write_text(before, encoding="utf-8")


def test_several_years_are_checked_in_one_run(year_2025):
    replace_in(year_2025, "2025/budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2084296\n\nfotnoter")
    replace_in(year_2025, "2024/budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2085296\n\nfotnoter")
    result = run_cli("check", "2024", "2025", root=year_2025)
    assert result.returncode == 1
    assert "sources/2024/budget.yaml" in result.stderr and "sources/2025/budget.yaml" in result.stderr


def test_a_file_that_cannot_be_parsed_is_one_problem_and_the_others_are_still_checked(project):
    (project / "sources/2024/plan.yaml").write_text("titel: [\n", encoding="utf-8")
    replace_in(project, "2024/budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2084296\n\nfotnoter")
    replace_in(project, "2024/text/3-kansliets-uppdrag.md", "\n", "\nText[^x].\n")
    result = run_cli("check", "2024", root=project)
    lines = result.stderr.strip().splitlines()
    assert len([l for l in lines if l.startswith("sources/2024/plan.yaml")]) == 1
    assert any("budget.yaml" in l and "kostnader.summa" in l for l in lines)
    assert any("3-kansliets-uppdrag.md" in l and "[^x]" in l for l in lines)


# --- new-year leaves nothing of the old year unlisted --------------------------------------------

def test_new_year_marks_every_mention_of_the_old_year_and_check_lists_them(project):
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0 and "markerade 'ATT GÖRA: kontrollera årtalet'" in result.stdout
    base = project / "sources" / "2025"
    check = run_cli("check", "2025", root=project).stderr
    for path in list(base.rglob("*.yaml")) + list(base.rglob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if "2024" not in line or line.lstrip().startswith("#") or line.lstrip().startswith("år:"):
                continue  # comments are updated; "år:" lists the years an activity is planned for
            listed = f"{path.relative_to(project).as_posix()}:{number}:"
            # a date of the past (the population's, the fee decision's) is not a mention to review
            if re.search(r"\b2024-\d\d-\d\d\b", line) or "2024" in line and "ATT GÖRA" not in line \
                    and re.search(r"(datum|antal).*2024", line):
                continue
            assert listed in check, (listed, line)
    comments = [line for p in base.rglob("*.yaml") for line in p.read_text(encoding="utf-8").split("\n")
                if line.lstrip().startswith("#")]
    assert not [c for c in comments if "2024" in c]
    assert "mötena 2025 för Samarbetskommittén" in check


def test_new_year_renumbers_the_footnotes_it_keeps(project):
    assert run_cli("new-year", "2025", root=project).returncode == 0
    plan = yaml.safe_load((project / "sources/2025/kommunikationsplan.yaml").read_text(encoding="utf-8"))
    plan["aktiviteter"] = [a for a in plan["aktiviteter"] if 2 not in a.get("fotnoter", [])]  # drop note 2's row
    for i, item in enumerate(plan["aktiviteter"], start=1):
        item["nr"] = i
        item["år"] = [2025]
    (project / "sources/2025/kommunikationsplan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True),
                                                                   encoding="utf-8")
    assert run_cli("new-year", "2026", root=project).returncode == 1  # 2025 still has to-dos
    from pipeline import newyear
    newyear._bring_forward_appendix(project / "sources/2025/kommunikationsplan.yaml", 2025)
    kept = yaml.safe_load((project / "sources/2025/kommunikationsplan.yaml").read_text(encoding="utf-8"))
    assert [n["nr"] for n in kept["fotnoter"]] == [1, 2]
    assert kept["fotnot_kostnad"] == 1
    assert [n for item in kept["aktiviteter"] for n in item.get("fotnoter", [])] == [2]
    assert kept["fotnoter"][1]["text"].startswith("StorSthlm har fått") or "StorSthlm" in kept["fotnoter"][1]["text"]


def test_the_years_own_appendix_follows_into_the_new_year(tmp_path):
    import shutil
    from conftest import ROOT
    root = tmp_path / "p"
    shutil.copytree(ROOT / "tests/fixtures/stor-form/sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    assert run_cli("new-year", "2033", root=root).returncode == 0
    plan = yaml.safe_load((root / "sources/2033/plan.yaml").read_text(encoding="utf-8"))
    assert [a.get("text") for a in plan["bilagor"]] == [None, "../gemensamt/avtal.md", "program.md", "uppfoljning.md"]
    assert (root / "sources/2033/uppfoljning.md").exists()
    check = run_cli("check", "2033", root=root).stderr
    assert "sources/2033/uppfoljning.md" not in check or "att göra" in check


def test_every_source_files_header_explains_the_file():
    from conftest import ROOT
    base = ROOT / "sources" / "2024"
    mal = (base / "mal.yaml").read_text(encoding="utf-8")
    assert "En nivå läggs till" in mal and "årsnivåer:" in mal and "natverk.yaml i årets mapp" in mal
    plan = (base / "plan.yaml").read_text(encoding="utf-8")
    for markdown in ("- punkt", "1. punkt", "| Kol 1 | Kol 2 |", "[^namn]: Texten.", "figur:NAMN"):
        assert markdown in plan
    assert "helgdag" in (base / "kalendarium.yaml").read_text(encoding="utf-8")


# Each message the check can give, by a phrase that stands both in the code that writes it and in
# docs/felsökning.md, which says what to do about it.
MESSAGES = [
    "mappen saknas", "filen saknas", "filen är tom", "filen innehåller inga uppgifter", "är en mapp",
    "Sökvägar i plan.yaml räknas från årets mapp", "Menade du", "filen måste ligga under mappen sources/",
    "filen är inte sparad som UTF-8", "filen är för stor", "otillåtet tecken", "strukturen är för stor",
    "stämmer inte med", "tabbtecken i indraget", "tabbtecken i ett värde eller efter ett kolon", "kolon på fel ställe",
    "kolon saknas efter nyckeln", "indraget stämmer inte", "listpunkten har fel indrag", "filen tar slut mitt i ett värde",
    "en lista inom hakparenteser", "en samling inom klammerparenteser", "okänd kombination med",
    "kan inte inleda ett värde", "ett utropstecken (!) inleder värdet", "saknar namn",
    "saknar motsvarande ankare", "samma ankare", "filen får bara innehålla ett dokument",
    "en nyckel måste vara en enkel text", "sammanslagning med '<<' stöds inte", "förekommer två gånger",
    "raden kan inte läsas", "okänd nyckel", "obligatorisk nyckel saknas", "som en nyckel och ett värde",
    "ska vara en text", "texten är tom", "ska vara ett heltal", "ska vara true eller false",
    "ska vara ett datum skrivet ÅÅÅÅ-MM-DD", "Den dagen finns inte", "ska vara en tid skriven",
    "ska vara en lista", "ska vara en samling nycklar", "listan får inte vara tom", "kan inte användas här",
    "ett utkast ska ha 'version: N'", "ett utkast kan inte ha 'beslutsdatum'", "en beslutad plan ska ha",
    "en beslutad plan har ingen 'version'", "en bilaga ska ha antingen", "att göra", "kontrollera årtalet",
    "avgiften", "posterna summerar till", "är inte lika med intäkterna", "ingen post har 'avgifter: true'",
    "finns inte under 'fotnoter'", "hänvisas inte till från någon post", "möts på", "samarbetets möten hålls på vardagar",
    "ligger inte i planens år", "mötena ska stå i datumordning", "slutdatum ska vara efter datum",
    "sluttiden ska vara efter starttiden", "finns inte i", "är ingen av medlemskommunerna",
    "kan inte vara samma kommun", "förekommer mer än en gång", "är ingen av nivåerna", "målträdet är för djupt",
    "aktivitet nr", "numret ska vara", "hänvisas inte till från någon aktivitet",
    "figuren 'figur:", "ritas från målen", "kan inte användas; figurer läggs in",
    "har ingen text", "hänvisas inte till i texten", "definieras två gånger",
    "läses som en del av stycket ovanför", "står i texten till en annan fotnot", "står inte ensam i ett eget stycke",
    "saknar figurtext",
    "är ingen e-postadress", "välj en vardag", "ska komma efter", "aktiviteten har ingen identitet",
    "saknar status", "är ingen aktivitet i planen för", "är ingen post under", "summan", "används redan i",
    "behåll eller stryk",
]


def test_every_message_of_the_check_is_in_the_troubleshooting_guide():
    from conftest import ROOT
    code = "".join((ROOT / "pipeline" / name).read_text(encoding="utf-8")
                   for name in ("sources.py", "load.py", "model.py", "checks.py", "newyear.py", "identities.py"))
    guide = (ROOT / "docs" / "felsökning.md").read_text(encoding="utf-8")
    missing_in_code = [m for m in MESSAGES if m not in code]
    missing_in_guide = [m for m in MESSAGES if m not in guide]
    assert missing_in_code == [] and missing_in_guide == []
