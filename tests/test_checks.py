"""Consistency checks: each rule passes on the 2024 plan and fails on a broken copy."""

from __future__ import annotations

import pytest

from helpers import edit_yaml, line_of, problems, replace_in

# A copy of the 2024 sources broken by `edits` (file, old text, new text) must report problems
# containing each of `expected`.
BROKEN_RULES = [
    pytest.param([("2024/budget.yaml", "  antal: 520824", "  antal: 520825")],
                 ["intäkter.poster[0].belopp: avgiften 4 kr × 520\u00a0825 invånare = 2\u00a0083\u00a0300 kr, "
                  "men posten är 2\u00a0083\u00a0296 kr."],
                 id="fee_times_population_must_equal_the_fee_revenue"),
    pytest.param([("2024/budget.yaml", "      belopp: 650000", "      belopp: 651000"),
                  ("2024/budget.yaml", "  summa: 2083296\n\nfotnoter", "  summa: 2084296\n\nfotnoter")],
                 ["kostnaderna (2\u00a0084\u00a0296 kr) är inte lika med intäkterna"],
                 id="revenue_and_costs_must_balance"),
    pytest.param([("2024/budget.yaml", "      avgifter: true", "      avgifter: false")],
                 ["ingen post har 'avgifter: true'"], id="budget_needs_a_fee_line"),
    pytest.param([("2024/budget.yaml", '      fotnot: "*"', '      fotnot: "**"')],
                 # one mistake, one message: the mark and the footnote that do not match, told together
                 ["kostnader.poster[0].fotnot: fotnoten '**' finns inte under 'fotnoter'. Där står '*' (rad 50), "
                  "som ingen post hänvisar till"], id="budget_footnote_marks_must_match"),
    pytest.param([("2024/kalendarium.yaml", "datum: 2024-11-07", "datum: 2025-11-06")],
                 ["organ[0].möten[4].datum: 2025-11-06 ligger inte i planens år 2024."],
                 id="meeting_outside_the_plan_year"),
    pytest.param([("2024/kalendarium.yaml", "datum: 2024-05-02", "datum: 2024-03-14")],
                 ["mötena ska stå i datumordning"], id="meetings_must_be_in_date_order"),
    pytest.param([("2024/kalendarium.yaml", "slutdatum: 2024-08-30", "slutdatum: 2024-08-28")],
                 ["slutdatum ska vara efter datum"], id="multi_day_meeting_end_after_start"),
    pytest.param([("2024/mal.yaml", "nivå: delmål", "nivå: etappmål")],
                 ["nivå: 'etappmål' är ingen av nivåerna"], id="goal_level_must_be_declared"),
    pytest.param([("2024/mal.yaml", "bilaga1: 6", "bilaga1: 12")],
                 ["aktiviteter[2].bilaga1: aktivitet nr 12 finns inte i bilaga 1."],
                 id="activity_link_to_bilaga_1_must_exist"),
    pytest.param([("2024/organisation.yaml", "ordförande: Salem", "ordförande: Stockholm"),
                  ("2024/organisation.yaml", "kommun: Södertälje", "kommun: Sodertalje")],
                 ["samarbetskommittén.ordförande: 'Stockholm' är ingen av medlemskommunerna",
                  "ledningsgruppen.ordförande.kommun: 'Sodertalje' är ingen"],
                 id="chair_and_vice_chair_must_be_member_municipalities"),
    pytest.param([("2024/organisation.yaml", "vice_ordförande: Nykvarn", "vice_ordförande: Salem")],
                 ["kan inte vara samma kommun"], id="chair_and_vice_chair_differ"),
    pytest.param([("2024/kommunikationsplan.yaml", "    nr: 5\n", "    nr: 4\n"),
                  ("2024/kommunikationsplan.yaml", "    nr: 8\n", "    nr: 10\n")],
                 ["aktiviteter[4].nr: numret ska vara 5", "aktiviteter[7].nr: numret ska vara 8"],
                 id="bilaga_1_numbers_are_consecutive_and_unique"),
    pytest.param([("2024/kommunikationsplan.yaml", "fotnoter: [3]", "fotnoter: [4]")],
                 ["aktiviteter[8].fotnoter[0]: fotnot 4 finns inte under 'fotnoter'. Där står fotnot 3"],
                 id="bilaga_1_footnote_references"),
]


@pytest.mark.parametrize("edits, expected", BROKEN_RULES)
def test_a_broken_rule_is_reported(project, edits, expected):
    for file, old, new in edits:
        replace_in(project, file, old, new)
    found = problems(project)
    for fragment in expected:
        assert any(fragment in p for p in found), (fragment, found)
    assert len(found) == len(expected), found  # one message per mistake


def test_cost_lines_must_add_up_to_the_stated_total(project):
    replace_in(project, "2024/budget.yaml", "      belopp: 650000", "      belopp: 651000")
    line = line_of(project, "2024/budget.yaml", "  summa: 2083296\n\nfotnoter")
    assert problems(project) == [
        f"sources/2024/budget.yaml:{line}: kostnader.summa: posterna summerar till 2\u00a0084\u00a0296 kr, "
        "men summan anges som 2\u00a0083\u00a0296 kr. Summan är lika med intäkterna: sänk en eller flera poster "
        "med sammanlagt 1\u00a0000 kr, eller ändra summan till 2\u00a0084\u00a0296 kr och intäkterna lika mycket."]


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
    # one mistake (the weekday), one message at it, not one per meeting
    line = line_of(project, "2024/kalendarium.yaml", "veckodag: onsdag")
    assert found == [f"sources/2024/kalendarium.yaml:{line}: organ[0].veckodag: Samarbetskommittén möts på "
                     "onsdagar, men inget av dess möten är en onsdag (4 torsdagar): skriv veckodag: torsdag, eller "
                     "ange en notering vid de möten som är avsiktliga."], found


def test_responsible_network_must_exist(project):
    replace_in(project, "2024/mal.yaml", "ansvar: trafik", "ansvar: trafk")
    line = line_of(project, "2024/mal.yaml", "ansvar: trafk")
    assert problems(project) == [
        f"sources/2024/mal.yaml:{line}: fokusområden[0].mål[0].mål[1].ansvar: nätverket 'trafk' finns inte "
        "i sources/gemensamt/natverk.yaml (finns: klimat, rufs, trafik)."]


def test_networks_and_municipalities_are_unique(project):
    edit_yaml(project, "natverk.yaml", lambda d: d["natverk"].append(dict(d["natverk"][0])))
    assert any("natverk[3].id: 'rufs' förekommer mer än en gång." in p for p in problems(project))
