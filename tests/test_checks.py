"""Consistency checks: each rule passes on the 2024 plan and fails on a broken copy."""

from __future__ import annotations

from helpers import edit_yaml, line_of, problems, replace_in


def test_fee_times_population_must_equal_the_fee_revenue(project):
    replace_in(project, "2024/budget.yaml", "  antal: 520824", "  antal: 520825")
    found = problems(project)
    assert any("intäkter.poster[0].belopp: avgiften 4 kr × 520\u00a0825 invånare = 2\u00a0083\u00a0300 kr, "
               "men posten är 2\u00a0083\u00a0296 kr." in p for p in found)


def test_cost_lines_must_add_up_to_the_stated_total(project):
    replace_in(project, "2024/budget.yaml", "      belopp: 650000", "      belopp: 651000")
    line = line_of(project, "2024/budget.yaml", "  summa: 2083296\n\nfotnoter")
    assert problems(project) == [
        f"sources/2024/budget.yaml:{line}: kostnader.summa: posterna summerar till 2\u00a0084\u00a0296 kr, "
        "men summan anges som 2\u00a0083\u00a0296 kr."]


def test_revenue_and_costs_must_balance(project):
    replace_in(project, "2024/budget.yaml", "      belopp: 650000", "      belopp: 651000")
    replace_in(project, "2024/budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2084296\n\nfotnoter")
    assert any("kostnaderna (2\u00a0084\u00a0296 kr) är inte lika med intäkterna" in p for p in problems(project))


def test_budget_needs_a_fee_line(project):
    replace_in(project, "2024/budget.yaml", "      avgifter: true", "      avgifter: false")
    assert any("ingen post har 'avgifter: true'" in p for p in problems(project))


def test_budget_footnote_marks_must_match(project):
    replace_in(project, "2024/budget.yaml", '      fotnot: "*"', '      fotnot: "**"')
    found = problems(project)
    assert any("kostnader.poster[0].fotnot: fotnoten '**' finns inte" in p for p in found)
    assert any("fotnoter[0].tecken: fotnoten '*' hänvisas inte till" in p for p in found)


def test_meeting_outside_the_plan_year(project):
    replace_in(project, "2024/kalendarium.yaml", "datum: 2024-11-07", "datum: 2025-11-06")
    assert any("organ[0].möten[4].datum: 2025-11-06 ligger inte i planens år 2024." in p
               for p in problems(project))


def test_meeting_on_an_unusual_weekday_needs_a_note(project):
    replace_in(project, "2024/kalendarium.yaml", "datum: 2024-03-21", "datum: 2024-03-20")
    line = line_of(project, "2024/kalendarium.yaml", "datum: 2024-03-20")
    assert problems(project) == [
        f"sources/2024/kalendarium.yaml:{line}: organ[0].möten[1].datum: 2024-03-20 är en onsdag, men "
        "Samarbetskommittén möts på torsdagar; ange en notering (t.ex. \"Obs onsdag\") om dagen är avsiktlig."]


def test_the_tuesday_meeting_passes_because_of_its_note(project):
    assert problems(project) == []
    replace_in(project, "2024/kalendarium.yaml", "        notering: Obs tisdag\n", "")
    assert any("2024-01-16 är en tisdag" in p for p in problems(project))


def test_usual_weekday_is_data_not_code(project):
    replace_in(project, "2024/kalendarium.yaml", "veckodag: torsdag", "veckodag: onsdag")
    found = problems(project)
    assert len(found) == 4 and all("möts på onsdagar" in p for p in found)


def test_meetings_must_be_in_date_order(project):
    replace_in(project, "2024/kalendarium.yaml", "datum: 2024-05-02", "datum: 2024-03-14")
    assert any("mötena ska stå i datumordning" in p for p in problems(project))


def test_multi_day_meeting_end_after_start(project):
    replace_in(project, "2024/kalendarium.yaml", "slutdatum: 2024-08-30", "slutdatum: 2024-08-28")
    assert any("slutdatum ska vara efter datum" in p for p in problems(project))


def test_responsible_network_must_exist(project):
    replace_in(project, "2024/mal.yaml", "ansvar: trafik", "ansvar: trafk")
    line = line_of(project, "2024/mal.yaml", "ansvar: trafk")
    assert problems(project) == [
        f"sources/2024/mal.yaml:{line}: fokusområden[0].mål[0].mål[1].ansvar: nätverket 'trafk' finns inte "
        "i sources/gemensamt/natverk.yaml (finns: klimat, rufs, trafik)."]


def test_goal_level_must_be_declared(project):
    replace_in(project, "2024/mal.yaml", "nivå: delmål", "nivå: etappmål")
    assert any("nivå: 'etappmål' är ingen av nivåerna" in p for p in problems(project))


def test_activity_link_to_bilaga_1_must_exist(project):
    replace_in(project, "2024/mal.yaml", "bilaga1: 6", "bilaga1: 12")
    assert any("aktiviteter[2].bilaga1: aktivitet nr 12 finns inte i bilaga 1." in p for p in problems(project))


def test_chair_and_vice_chair_must_be_member_municipalities(project):
    replace_in(project, "2024/organisation.yaml", "ordförande: Salem", "ordförande: Stockholm")
    replace_in(project, "2024/organisation.yaml", "kommun: Södertälje", "kommun: Sodertalje")
    found = problems(project)
    assert any("samarbetskommittén.ordförande: 'Stockholm' är ingen av medlemskommunerna" in p for p in found)
    assert any("ledningsgruppen.ordförande.kommun: 'Sodertalje' är ingen" in p for p in found)


def test_chair_and_vice_chair_differ(project):
    replace_in(project, "2024/organisation.yaml", "vice_ordförande: Nykvarn", "vice_ordförande: Salem")
    assert any("kan inte vara samma kommun" in p for p in problems(project))


def test_bilaga_1_numbers_are_consecutive_and_unique(project):
    replace_in(project, "2024/kommunikationsplan.yaml", "  - nr: 5\n", "  - nr: 4\n")
    replace_in(project, "2024/kommunikationsplan.yaml", "  - nr: 8\n", "  - nr: 10\n")
    found = problems(project)
    assert any("aktiviteter[4].nr: numret ska vara 5" in p for p in found)
    assert any("aktiviteter[7].nr: numret ska vara 8" in p for p in found)


def test_bilaga_1_footnote_references(project):
    replace_in(project, "2024/kommunikationsplan.yaml", "fotnoter: [3]", "fotnoter: [4]")
    found = problems(project)
    assert any("aktiviteter[8].fotnoter[0]: fotnot 4 finns inte" in p for p in found)
    assert any("fotnoter[2].nr: fotnot 3 hänvisas inte till" in p for p in found)


def test_networks_and_municipalities_are_unique(project):
    edit_yaml(project, "natverk.yaml", lambda d: d["natverk"].append(dict(d["natverk"][0])))
    assert any("natverk[3].id: 'rufs' förekommer mer än en gång." in p for p in problems(project))
