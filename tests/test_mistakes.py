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


@pytest.fixture(scope="module")
def _year_2025_once(tmp_path_factory) -> Path:
    """sources/2025 from new-year, its to-dos done as a secretary would (every 2024 activity carried:
    without the follow-up, which would leave the finished ones out)."""
    from conftest import copy_project
    project = copy_project(tmp_path_factory.mktemp("ar-2025") / "projekt")
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
    plan = base / "plan.yaml"
    plan.write_text(re.sub(r"datum: .*ATT GÖRA.*", "datum: 2024-12-12", plan.read_text(encoding="utf-8")),
                    encoding="utf-8")
    for path in list(base.rglob("*.yaml")) + list(base.rglob("*.md")):
        path.write_text(re.sub(REVIEWED, "", path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_cli("check", "2025", root=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def year_2025(_year_2025_once, tmp_path) -> Path:
    """A copy of the filled-in 2025 for one test to make its mistakes in."""
    import shutil
    shutil.copytree(_year_2025_once, tmp_path / "projekt")
    return tmp_path / "projekt"


# the marks of new-year that a secretary removes once the text is read
REVIEWED = r"ATT GÖRA: (kontrollera årtal(et|en) [^–]*|behåll eller stryk \([^)]*\)) – "


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


# --- every mistake once, at its own line -----------------------------------------------------------

def kr(amount: str) -> str:
    """An amount as messages print it: "2 083 296 kr" (non-breaking spaces between the digit groups)."""
    return amount.replace(" ", "\u00a0") + " kr"


@pytest.fixture
def year_2025_followed_up(year_2025) -> Path:
    """year_2025 with a follow-up: 2024's, without the two Bilaga 1 rows that were only for 2024."""
    from conftest import ROOT
    text = (ROOT / "sources/2024/uppfoljning-helar.yaml").read_text(encoding="utf-8")
    text = text.replace("  b-e86429:\n    status: genomförd\n  b-9bb984:\n    status: försenad\n", "")
    (year_2025 / "sources/2025/uppfoljning-helar.yaml").write_text(text, encoding="utf-8")
    return year_2025


ONCE = [
    # (file edited, old, new, file the message names, its line's text, the message)
    ("2025/plan.yaml", "innehåll: budget\n", "innehåll: budgett\n", "2025/plan.yaml", "innehåll: budgett",
     r"kapitel\[5\]\.innehåll: ska vara mål, kansliet, organisation, kalendarium eller budget, inte 'budgett'\. "
     r"Menade du 'budget'\?"),
    ("2025/plan.yaml", "status: utkast\nversion: 1", "status: beslutad\nbeslutsdatum: 2025-01-30\nversion: 1",
     "2025/plan.yaml", "version: 1", r"version: en beslutad plan har ingen 'version'; ta bort den\."),
    ("2025/plan.yaml", "  - rubrik: Organisation\n", "  - rubrk: Organisation\n", "2025/plan.yaml", "rubrk: Organisation",
     r"kapitel\[3\]\.rubrk: okänd nyckel 'rubrk'\. Menade du 'rubrik'\?"),
    ("2025/plan.yaml", "\n\n# Bilagorna i ordning", "\n  - rubrik: Organisationen igen\n    innehåll: organisation\n\n"
     "# Bilagorna i ordning", "2025/plan.yaml", "innehåll: organisation\n\n#",
     r"kapitel\[6\]\.innehåll: innehåll: organisation visas redan"),
    # budget.yaml, its chapter's `innehåll` misspelt above: checked all the same
    ("2025/budget.yaml", "antal: 520824", "antal: 520 824", "2025/budget.yaml", "antal: 520 824",
     r"invånare\.antal: ska vara ett heltal"),
    ("2025/budget.yaml", "belopp: 100000", "belopp: 101000", "2025/budget.yaml", "  summa: 2083296\n\nfotnoter",
     rf"kostnader\.summa: posterna summerar till {kr('2 084 296')}, men summan anges som {kr('2 083 296')}"),
    ("2025/budget.yaml", '  - tecken: "*"', '  - tecken: "**"', "2025/budget.yaml", 'fotnot: "*"',
     r"kostnader\.poster\[0\]\.fotnot: fotnoten '\*' finns inte under 'fotnoter'.*'\*\*'"),
    # kalendarium.yaml: a body with a broken field keeps its meetings in the rules
    ("2025/kalendarium.yaml", "veckodag: fredag", "veckodag: fredagar", "2025/kalendarium.yaml", "veckodag: fredagar",
     r"organ\[1\]\.veckodag: ska vara måndag, tisdag, onsdag, torsdag, fredag, lördag eller söndag, inte 'fredagar'"),
    ("2025/kalendarium.yaml", "datum: 2025-04-11", "datum: 2024-04-11", "2025/kalendarium.yaml", "datum: 2024-04-11",
     r"organ\[1\]\.möten\[1\]\.datum: 2024-04-11 ligger inte i planens år 2025"),
    ("2025/kalendarium.yaml", "datum: 2025-03-20", "datum: 2025-11-20", "2025/kalendarium.yaml", "datum: 2025-11-20",
     r"organ\[0\]\.möten\[0\]\.datum: mötena ska stå i datumordning"),
    # a misspelt key is read as the key it was meant to be: its body's meetings keep their weekday rule
    ("2025/kalendarium.yaml", "veckodag: torsdag", "veckodg: torsdag", "2025/kalendarium.yaml", "veckodg: torsdag",
     r"organ\[0\]\.veckodg: okänd nyckel 'veckodg'\. Menade du 'veckodag'\?"),
    ("2025/kalendarium.yaml", "      - datum: 2025-10-09", "      - datum: 2025-10-09\n        start: '25:00'",
     "2025/kalendarium.yaml", "start: '25:00'", r"organ\[0\]\.möten\[2\]\.start: ska vara en tid skriven"),
    # mal.yaml: a goal without its name keeps its sub-goals and their activities in the rules
    ("2025/mal.yaml", "            namn: Omställning\n", "", "2025/mal.yaml",
     "- nivå: långsiktigt mål\n            formulering: Södertörn leder",
     r"fokusområden\[0\]\.mål\[0\]\.mål\[0\]\.namn: obligatorisk nyckel saknas"),
    ("2025/mal.yaml", "aktivitet: Bevaka frågan om elförsörjning och elkapacitet.\n",
     "aktivitet: Bevaka frågan om elförsörjning och elkapacitet.\n                    bilaga1: 12\n",
     "2025/mal.yaml", "bilaga1: 12", r"\.aktiviteter\[2\]\.bilaga1: aktivitet nr 12 finns inte i bilaga 1"),
    ("gemensamt/natverk.yaml", "id: klimat", "id: klimatt", "2025/mal.yaml", "ansvar: klimat",
     r"\.ansvar: nätverket 'klimat' finns inte i sources/gemensamt/natverk\.yaml \(finns: klimatt, rufs, trafik\)"),
    ("gemensamt/samverkan.yaml", "under: Samarbetskommittén", "under: Samarbetskommitén",
     "gemensamt/samverkan.yaml", "under: Samarbetskommitén",
     r"organ\[1\]\.under: 'Samarbetskommitén' är inget av organen.*Menade du 'Samarbetskommittén'\?"),
    # organisation.yaml: one broken field does not hide the others
    ("2025/organisation.yaml", "  ordförande: Salem", "  ordförande: [Salem]", "2025/organisation.yaml",
     "ordförande: [Salem]", r"samarbetskommittén\.ordförande: ska vara en text"),
    ("2025/organisation.yaml", "vice_ordförande: Nykvarn", "vice_ordförande: Nykvarnn", "2025/organisation.yaml",
     "vice_ordförande: Nykvarnn", r"samarbetskommittén\.vice_ordförande: 'Nykvarnn' är ingen av medlemskommunerna"),
    # kommunikationsplan.yaml
    ("2025/kommunikationsplan.yaml", "fotnoter: [3]", "fotnoter: [4]", "2025/kommunikationsplan.yaml",
     "fotnoter: [4]", r"aktiviteter\[6\]\.fotnoter\[0\]: fotnot 4 finns inte under 'fotnoter'.*fotnot 3"),
    ("2025/kommunikationsplan.yaml", "    nr: 6\n", "    nr: 5\n", "2025/kommunikationsplan.yaml",
     "nr: 5\n    aktivitet: Personliga", r"aktiviteter\[5\]\.nr: numret ska vara 6 .*inte 5"),
    # kansliet.yaml: an activity with an empty text still has its link checked
    ("2025/kansliet.yaml", "aktivitet: Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor",
     "aktivitet: ''", "2025/kansliet.yaml", "aktivitet: ''", r"aktiviteter\[3\]\.aktivitet: texten är tom"),
    ("2025/kansliet.yaml", "    kommentar: Södertörns kansli ingår", "    bilaga1: 9\n    kommentar: Södertörns kansli ingår",
     "2025/kansliet.yaml", "bilaga1: 9", r"aktiviteter\[3\]\.bilaga1: aktivitet nr 9 finns inte i bilaga 1"),
    # the follow-up, and an id lost in the plan that the follow-up still has
    ("2025/kommunikationsplan.yaml", "  - id: b-77b3b2\n    nr: 5", "  - nr: 5", "2025/kommunikationsplan.yaml",
     "  - nr: 5\n    aktivitet: Debatt", r"aktiviteter\[4\]: aktiviteten har ingen identitet \(id\).*'b-77b3b2'"),
    ("2025/uppfoljning-helar.yaml", "status: ej påbörjad", "status: kanske", "2025/uppfoljning-helar.yaml",
     "status: kanske", r"aktiviteter\.m-779874\.status: ska vara genomförd, pågår, försenad, ej påbörjad eller "
                       r"struken, inte 'kanske'"),
    ("2025/uppfoljning-helar.yaml", "      - post: Möten\n", "      - post: Mötena\n", "2025/uppfoljning-helar.yaml",
     "post: Mötena", r"budget\.kostnader\.poster\[1\]\.post: 'Mötena' är ingen post under kostnader i budgeten\. "
                     r"Menade du 'Möten'\?"),
    ("2025/uppfoljning-helar.yaml", "  k-b16564:", "  k-b16565:", "2025/uppfoljning-helar.yaml", "k-b16565:",
     r"aktiviteter\.k-b16565: 'k-b16565' är ingen aktivitet i planen för 2025\. Menade du 'k-b16564'\?"),
]


def _problem_lines(root: Path, *years: str) -> list[str]:
    result = run_cli("check", *(years or ("2025",)), root=root)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    return lines[:-1] if lines and re.fullmatch(r"\d+ fel i källfilerna\.", lines[-1]) else lines


def _assert_once(root: Path, lines: list[str], where: str, needle: str, expected: str) -> None:
    found = [line for line in lines if re.search(expected, line)]
    assert len(found) == 1, (expected, lines)
    text = (root / "sources" / where).read_text(encoding="utf-8")
    line = text[: text.index(needle)].count("\n") + 1
    assert found[0].startswith(f"sources/{where}:{line}: "), (found[0], line)


def test_every_mistake_of_every_file_is_reported_once_at_its_line_in_one_run(year_2025_followed_up):
    root = year_2025_followed_up
    for file, old, new, *_ in ONCE:
        replace_in(root, file, old, new)
    lines = _problem_lines(root)
    for *_, where, needle, expected in ONCE:
        _assert_once(root, lines, where, needle, expected)
    assert len(lines) == len(ONCE), lines
    for line in lines:
        assert LINE.match(line) and not ENGLISH.search(line.split(": ", 2)[-1].replace("YAML", "")), line


@pytest.mark.parametrize("mistake", ONCE, ids=[f"{m[0]}:{m[2].strip()[:30]}" for m in ONCE])
def test_each_of_those_mistakes_alone_is_one_message(year_2025_followed_up, mistake):
    root = year_2025_followed_up
    file, old, new, where, needle, expected = mistake
    replace_in(root, file, old, new)
    lines = _problem_lines(root)
    _assert_once(root, lines, where, needle, expected)
    assert len(lines) == 1, lines


def test_a_to_do_left_by_new_year_does_not_hide_the_rest_of_its_file(project):
    """Right after new-year the population is a to-do: the budget's sums are still checked."""
    (project / "sources/2024/uppfoljning-helar.yaml").unlink()
    assert run_cli("new-year", "2025", root=project).returncode == 0
    replace_in(project, "2025/budget.yaml", "    - post: Möten\n      belopp: 100000", "    - post: Möten\n      belopp: 90000")
    lines = _problem_lines(project)
    assert any(re.search(rf"budget\.yaml:\d+: kostnader\.summa: posterna summerar till {kr('2 073 296')}", line)
               for line in lines), lines
    assert any("invånare.antal: att göra" in line for line in lines)


@pytest.mark.parametrize("value", ["1.5", "2000"])
def test_a_number_where_a_time_should_be_is_a_message_not_a_traceback(year_2025, value):
    path = replace_in(year_2025, "2025/kalendarium.yaml", '    start: "09:00"', f"    start: {value}")
    lines = _problem_lines(year_2025)
    text = path.read_text(encoding="utf-8")
    assert lines == [f"sources/2025/kalendarium.yaml:{text[: text.index(f'start: {value}')].count(chr(10)) + 1}: "
                     f"organ[1].start: ska vara en tid skriven \"13:00\", inte '{value}'."], lines


def test_a_text_path_too_long_for_a_file_name_is_a_message_not_a_traceback(year_2025):
    replace_in(year_2025, "2025/plan.yaml", "text: text/3-kansliets-uppdrag.md", "text: " + "x" * 5000)
    lines = _problem_lines(year_2025)
    assert len(lines) == 1 and "kapitel[2].text: 'xxxx" in lines[0] and "kan inte vara ett filnamn" in lines[0], lines


def test_when_the_chapters_cannot_be_read_every_text_of_the_year_is_still_checked(year_2025):
    replace_in(year_2025, "2025/plan.yaml", "kapitel:\n  - rubrik: Om verksamhetsplanen 2025",
               "kapitel: fel\nx:\n  - rubrik: Om verksamhetsplanen 2025")
    replace_in(year_2025, "2025/text/3-kansliets-uppdrag.md", "\n", "\nText[^x].\n")
    lines = _problem_lines(year_2025)
    assert any("plan.yaml" in line and "kapitel: ska vara en lista" in line for line in lines), lines
    assert any("3-kansliets-uppdrag.md:2: fotnoten [^x] har ingen text" in line for line in lines), lines


# --- the budget: a consequence is told with its cause, with the amount to change -------------------

def test_a_changed_population_is_one_message_that_says_every_change_it_needs(year_2025):
    path = replace_in(year_2025, "2025/budget.yaml", "antal: 520824", "antal: 530824")
    lines = _problem_lines(year_2025)
    text = path.read_text(encoding="utf-8")

    def line(needle: str) -> int:
        return text[: text.index(needle)].count("\n") + 1
    assert len(lines) == 1, lines
    message = lines[0]
    assert message.startswith(f"sources/2025/budget.yaml:{line('belopp: 2083296')}: intäkter.poster[0].belopp: "
                              f"avgiften 4 kr × 530\u00a0824 invånare = {kr('2 123 296')}, men posten är "
                              f"{kr('2 083 296')}"), message
    assert f"{kr('40 000')} mer" in message
    # the revenue total and the costs follow, with their lines
    assert f"rad {line('  summa: 2083296')}" in message and f"rad {line('  summa: 2083296' + chr(10) * 2 + 'fotnoter')}" \
        in message
    # doing what it says gives a budget in order
    text = text.replace("belopp: 2083296", "belopp: 2123296").replace("summa: 2083296", "summa: 2123296")
    text = text.replace("belopp: 650000", "belopp: 690000")
    path.write_text(text, encoding="utf-8")
    assert _problem_lines(year_2025) == []


@pytest.mark.parametrize("old, new, expected", [
    # the revenue total alone is wrong: one message, the costs untouched
    ("  summa: 2083296\n\nkostnader", "  summa: 2083396\n\nkostnader",
     rf"intäkter\.summa: posterna summerar till {kr('2 083 296')}, men summan anges som {kr('2 083 396')}"),
    # a cost line changed, the totals as before: one message at the costs' total, with both remedies
    ("belopp: 650000", "belopp: 640000",
     rf"kostnader\.summa: posterna summerar till {kr('2 073 296')}, men summan anges som {kr('2 083 296')}.*"
     rf"{kr('10 000')}"),
    # the costs' total written wrong, the lines right: one message
    ("  summa: 2083296\n\nfotnoter", "  summa: 2038296\n\nfotnoter",
     rf"kostnader\.summa: posterna summerar till {kr('2 083 296')}, men summan anges som {kr('2 038 296')}"),
    # the fee line updated, nothing else: the revenue total and the costs follow, in the message of the total
    ("avgifter: true     # posten ska vara avgift per invånare × antal invånare\n",
     "avgifter: true\n    - post: Bidrag\n      belopp: 5000\n",
     rf"intäkter\.summa: posterna summerar till {kr('2 088 296')}.*kostnader.*{kr('5 000')}"),
])
def test_one_budget_mistake_is_one_message(year_2025, old, new, expected):
    replace_in(year_2025, "2025/budget.yaml", old, new)
    lines = _problem_lines(year_2025)
    assert len(lines) == 1 and re.search(expected, lines[0]), lines


def test_two_budget_mistakes_are_two_messages(year_2025):
    replace_in(year_2025, "2025/budget.yaml", "belopp: 650000", "belopp: 640000")        # costs 10 000 short
    replace_in(year_2025, "2025/budget.yaml", "  summa: 2083296\n\nkostnader", "  summa: 2083396\n\nkostnader")
    lines = _problem_lines(year_2025)
    assert len(lines) == 2, lines
    assert any("intäkter.summa: posterna summerar till" in line for line in lines)
    assert any("kostnader.summa: posterna summerar till" in line for line in lines)


# --- one mistake, one message: where a rule would repeat itself ------------------------------------

def test_a_decided_plan_with_a_version_is_told_at_the_version(project):
    path = replace_in(project, "2024/plan.yaml", "beslutsdatum: 2024-01-16", "beslutsdatum: 2024-01-16\nversion: 3")
    lines = _problem_lines(project, "2024")
    text = path.read_text(encoding="utf-8")
    assert lines == [f"sources/2024/plan.yaml:{text[: text.index('version: 3')].count(chr(10)) + 1}: version: "
                     "en beslutad plan har ingen 'version'; ta bort den."], lines


def test_a_draft_without_a_version_is_told_at_its_status(project):
    path = replace_in(project, "2024/plan.yaml", "status: beslutad\nbeslutsdatum: 2024-01-16", "status: utkast")
    text = path.read_text(encoding="utf-8")
    assert _problem_lines(project, "2024") == [
        f"sources/2024/plan.yaml:{text[: text.index(chr(10) + 'status: utkast')].count(chr(10)) + 2}: version: ett utkast ska "
        "ha 'version: N'."]


def test_a_row_left_out_of_bilaga_1_is_one_message_with_the_renumbering(year_2025):
    path = year_2025 / "sources/2025/kommunikationsplan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: b-77b3b2")                      # nr 5 of 7
    path.write_text(text[:start] + text[text.index("  - id: b-4b98b6"):], encoding="utf-8")
    replace_in(year_2025, "2025/kansliet.yaml", "    kommentar: Södertörns kansli ingår",
               "    bilaga1: 7\n    kommentar: Södertörns kansli ingår")
    lines = _problem_lines(year_2025)
    assert len(lines) == 1, lines
    assert re.search(r"kommunikationsplan\.yaml:\d+: aktiviteter\[4\]\.nr: numret ska vara 5 .*inte 6.*7 → 6", lines[0])
    assert re.search(r"bilaga1: 7 → 6 i sources/2025/kansliet\.yaml \(rad \d+\)", lines[0]), lines[0]
    assert len(data["aktiviteter"]) == 7


def test_a_level_misspelt_in_the_list_of_levels_is_one_message(year_2025):
    path = replace_in(year_2025, "2025/mal.yaml", "  - delmål\n# nivåer", "  - delmåll\n# nivåer")
    lines = _problem_lines(year_2025)
    text = path.read_text(encoding="utf-8")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sources/2025/mal.yaml:{text[: text.index('- delmåll')].count(chr(10)) + 1}: "
                               "nivåer[2]: ")
    assert "Menade du 'delmål'?" in lines[0]


def test_a_network_misspelt_that_several_goals_name_is_one_message_in_the_network_file(year_2025):
    replace_in(year_2025, "2025/mal.yaml", "            namn: Omställning\n",
               "            namn: Omställning\n            ansvar: klimat\n")
    path = replace_in(year_2025, "gemensamt/natverk.yaml", "id: klimat", "id: klimatt")
    lines = _problem_lines(year_2025)
    text = path.read_text(encoding="utf-8")
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sources/gemensamt/natverk.yaml:{text[: text.index('id: klimatt')].count(chr(10)) + 1}: "
                               "natverk[1].id: ")
    assert "Menade du 'klimat'?" in lines[0] and "2 mål" in lines[0]


def test_a_years_own_levels_must_be_levels(year_2025):
    replace_in(year_2025, "2025/mal.yaml", "årsnivåer:\n  - delmål", "årsnivåer:\n  - delmål\n  - aktivitetsmål")
    lines = _problem_lines(year_2025)
    assert len(lines) == 1 and re.search(r"mal\.yaml:\d+: årsnivåer\[1\]: 'aktivitetsmål' är ingen av nivåerna", lines[0]), lines


def test_the_bodies_of_the_collaboration_refer_to_bodies_above_them(year_2025):
    replace_in(year_2025, "gemensamt/samverkan.yaml", "natverk_under: Ledningsgruppen", "natverk_under: Ledningen")
    lines = _problem_lines(year_2025)
    assert len(lines) == 1 and re.search(r"samverkan\.yaml:\d+: natverk_under: 'Ledningen' är inget av organen.*"
                                         r"Menade du 'Ledningsgruppen'\?", lines[0]), lines


def test_a_meeting_in_the_wrong_year_is_one_message_that_looks_at_the_right_date(year_2025):
    # 2024-03-21 is a Thursday; in 2025 the 21st of March is a Friday, and Samarbetskommittén meets on Thursdays
    replace_in(year_2025, "2025/kalendarium.yaml", "datum: 2025-03-20", "datum: 2024-03-21")
    lines = _problem_lines(year_2025)
    assert len(lines) == 1, lines
    assert re.search(r"organ\[0\]\.möten\[0\]\.datum: 2024-03-21 ligger inte i planens år 2025.*2025-03-21.*fredag",
                     lines[0]), lines


def test_a_holiday_is_named_as_swedish_writes_it(year_2025):
    replace_in(year_2025, "2025/kalendarium.yaml", "datum: 2025-05-08", "datum: 2025-05-29")
    replace_in(year_2025, "2025/kalendarium.yaml", "datum: 2025-10-09", "datum: 2025-12-25")
    lines = _problem_lines(year_2025)
    assert any("2025-05-29 är Kristi himmelsfärdsdag;" in line for line in lines), lines
    assert any("2025-12-25 är juldagen;" in line for line in lines), lines


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


def test_new_year_marks_the_year_before_the_old_year_too_and_check_lists_them(project):
    """The 2024 plan's "Under 2023 genomfördes ..." is about the old plan's time as much as "2024" is."""
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+ ställen i texterna nämner 2024 eller 2023 och är markerade 'ATT GÖRA: kontrollera "
                     r"årtalet'", result.stdout), result.stdout
    base = project / "sources" / "2025"
    check = run_cli("check", "2025", root=project).stderr
    for path in list(base.rglob("*.yaml")) + list(base.rglob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if not re.search(r"\b(2023|2024)\b", line) or path.suffix == ".yaml" and line.lstrip().startswith("#") \
                    or line.lstrip().startswith("år:") or re.search(r"\b(2023|2024)-\d\d-\d\d$", line):
                continue  # comments are updated; "år:" lists the years planned; a date of the past stays
            assert "ATT GÖRA: " in line, (path, number, line)   # marked, or a value new-year left to fill in
            assert f"{path.relative_to(project).as_posix()}:{number}:" in check, (path, number, line)
    text = (base / "text/1-om-verksamhetsplanen.md").read_text(encoding="utf-8")
    assert "\nATT GÖRA: kontrollera årtalet 2023 – Under 2023 genomfördes ett gemensamt nätverksmöte" in text
    plan = yaml.safe_load((base / "plan.yaml").read_text(encoding="utf-8"))
    assert plan["titel"] == "Verksamhetsplan och budget 2025"                      # the plan year: updated
    assert plan["bilagor"][2]["rubrik"] == ("ATT GÖRA: kontrollera årtalet 2023 – Södertörns utvecklingsprogram "
                                            "2023-2026, SUP 2040")
    comm = yaml.safe_load((base / "kommunikationsplan.yaml").read_text(encoding="utf-8"))
    assert comm["fotnoter"][2]["text"].startswith("ATT GÖRA: kontrollera årtalen 2024 och 2023 – StorSthlm har fått")


def test_new_year_keeps_the_markdown_of_a_line_it_marks(project):
    replace_in(project, "2024/text/2-utvecklingsaktiviteter.md", "\n",
               "\n\n## Läget 2023\n\n- Uppföljningen 2024[^u] visar\n\n| År | Möten |\n|---|---|\n| 2023 | 4 |\n\n"
               "[^u]: Uppföljningen av 2023 års plan.\n")
    assert run_cli("check", "2024", root=project).returncode == 0
    assert run_cli("new-year", "2025", root=project).returncode == 0
    text = (project / "sources/2025/text/2-utvecklingsaktiviteter.md").read_text(encoding="utf-8")
    for line in ("## ATT GÖRA: kontrollera årtalet 2023 – Läget 2023",
                 "- ATT GÖRA: kontrollera årtalet 2024 – Uppföljningen 2024[^u] visar",
                 "| ATT GÖRA: kontrollera årtalet 2023 – 2023 | 4 |",
                 "[^u]: ATT GÖRA: kontrollera årtalet 2023 – Uppföljningen av 2023 års plan."):
        assert line in text.split("\n"), (line, text)
    lines = _problem_lines(project)
    # each marked line is one to-do, and nothing else: the footnote still has its text
    assert not [line for line in lines if "2-utvecklingsaktiviteter.md" in line and "att göra" not in line], lines


def test_new_year_leaves_the_plans_date_to_fill_in(project):
    assert run_cli("new-year", "2025", root=project).returncode == 0
    path = project / "sources/2025/plan.yaml"
    assert str(yaml.safe_load(path.read_text(encoding="utf-8"))["datum"]).startswith("ATT GÖRA")
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("\ndatum:")].count("\n") + 2
    assert f"sources/2025/plan.yaml:{line}: datum: att göra: ange utkastets datum (ÅÅÅÅ-MM-DD)" in \
        _problem_lines(project)


def _activities_in(root: Path, year: int) -> list[dict]:
    def walk(goals):
        for goal in goals or []:
            yield from goal.get("aktiviteter") or []
            yield from walk(goal.get("mål"))
    base = root / "sources" / str(year)
    goals = yaml.safe_load((base / "mal.yaml").read_text(encoding="utf-8"))
    found = [a for area in goals["fokusområden"] for a in walk(area.get("mål"))]
    for name in ("kansliet.yaml", "kommunikationsplan.yaml"):
        found += yaml.safe_load((base / name).read_text(encoding="utf-8"))["aktiviteter"]
    return found


@pytest.mark.parametrize("follow_up", [True, False], ids=["med uppföljning", "utan uppföljning"])
def test_new_year_counts_every_activity_it_leaves_out_by_its_reason(project, follow_up):
    if not follow_up:
        (project / "sources/2024/uppfoljning-helar.yaml").unlink()
    before = _activities_in(project, 2024)
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    left_out = len(before) - len(_activities_in(project, 2025))
    rows = yaml.safe_load((project / "sources/2024/kommunikationsplan.yaml").read_text(encoding="utf-8"))["aktiviteter"]
    bound = [row for row in rows if row.get("år") and 2025 not in row["år"]]
    said = re.search(r"(\d+) rader i bilaga 1 planerades bara för 2024 \(år\) och togs inte med\.", result.stdout)
    assert said and int(said.group(1)) == len(bound) == 2, result.stdout
    finished = re.search(r"(\d+) genomförda eller strukna togs inte med", result.stdout)
    assert (int(finished.group(1)) if finished else 0) + len(bound) == left_out, result.stdout
    assert bool(finished) == follow_up


def test_new_years_counts_agree_in_number():
    from pipeline.yearly.newyear import _summary
    lines = _summary(2024, 2025, "helår", marked=1, unfinished=1, finished=1, bound=1)
    assert "1 aktivitet som inte blev klar är med och markerad 'ATT GÖRA: behåll eller stryk'; 1 genomförd eller " \
           "struken togs inte med." in lines[1]
    assert "1 rad i bilaga 1 planerades bara för 2024 (år) och togs inte med." in lines
    assert "1 ställe i texterna nämner 2024 eller 2023 och är markerat 'ATT GÖRA: kontrollera årtalet'." in lines
    lines = _summary(2024, 2025, "helår", marked=2, unfinished=2, finished=2, bound=0)
    assert "2 aktiviteter som inte blev klara är med och markerade 'ATT GÖRA: behåll eller stryk'; 2 genomförda " \
           "eller strukna togs inte med." in lines[1]
    assert not [line for line in lines if "bilaga 1" in line]


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
    from pipeline.yearly import newyear
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
    # one mistake, one message: what follows from it, said with it
    "visas redan", "Ändra den till", "Då blir intäkternas summa", "Summan är lika med intäkterna", "Ändra summan till",
    "Skillnaden är", "som ingen post hänvisar till", "som ingen aktivitet",
    "men inget av dess möten är en", "används inte av något mål", "ansvarar inte för något mål",
    "är inget av organen", "står efter", "Numrera också om", "Ändra också", "Med rätt år",
    "flytta det", "är samma dag", "årtalen", "ange utkastets datum", "kan inte vara ett filnamn",
]


def test_every_message_of_the_check_is_in_the_troubleshooting_guide():
    from conftest import ROOT
    code = "".join((ROOT / "pipeline" / name).read_text(encoding="utf-8")
                   for name in ("sources/reading.py", "sources/load.py", "sources/model.py", "checks/rules.py",
                                "yearly/newyear.py", "yearly/identities.py"))
    guide = (ROOT / "docs" / "felsökning.md").read_text(encoding="utf-8")
    missing_in_code = [m for m in MESSAGES if m not in code]
    missing_in_guide = [m for m in MESSAGES if m not in guide]
    assert missing_in_code == [] and missing_in_guide == []
