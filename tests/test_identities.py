"""Every activity gets a stable identity (`ids ÅR`), and nothing else in the files changes."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import run_cli
from helpers import replace_in
from test_docx import document_text

FILES = ["mal.yaml", "kansliet.yaml", "kommunikationsplan.yaml"]
INSERTED = re.compile(r"id: [mkb]-[0-9a-f]{6,}(\n *|, )")


@pytest.fixture
def project(project):
    """The project as it was before `ids` (the 2024 sources carry identities): every id line taken out."""
    for name in FILES:
        path = project / "sources" / "2024" / name
        path.write_text(INSERTED.sub("", path.read_text(encoding="utf-8")), encoding="utf-8")
    for follow_up in (project / "sources" / "2024").glob("uppfoljning-*.yaml"):  # it names the identities
        follow_up.unlink()
    return project


def _activities(data, key=None):
    if isinstance(data, dict):
        if key == "aktiviteter" and "aktivitet" in data:
            yield data
        for k, v in data.items():
            yield from _activities(v, k)
    elif isinstance(data, list):
        for item in data:
            yield from _activities(item, key)


def test_ids_adds_one_line_per_activity_and_changes_nothing_else(project):
    before = {name: (project / "sources" / "2024" / name).read_text(encoding="utf-8") for name in FILES}
    result = run_cli("ids", "2024", root=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "sources/2024/mal.yaml: 10 aktiviteter fick en identitet (id).",
        "sources/2024/kansliet.yaml: 4 aktiviteter fick en identitet (id).",
        "sources/2024/kommunikationsplan.yaml: 9 aktiviteter fick en identitet (id)."]
    identities = []
    for name in FILES:
        after = (project / "sources" / "2024" / name).read_text(encoding="utf-8")
        assert INSERTED.sub("", after) == before[name]  # comments, order, quoting: every character kept
        items = list(_activities(yaml.safe_load(after)))
        assert items and all(list(item)[0] == "id" for item in items)
        identities += [item["id"] for item in items]
    assert len(identities) == len(set(identities)) == 23
    again = run_cli("ids", "2024", root=project)
    assert again.stdout.strip() == "Alla aktiviteter i sources/2024 har redan en identitet; inget ändrades."
    assert run_cli("check", "2024", root=project).returncode == 0


def test_identities_do_not_change_the_plan(project, docx_2024, tmp_path):
    run_cli("ids", "2024", root=project)
    result = run_cli("build", "2024", "--docx-only", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    assert document_text(tmp_path / "verksamhetsplan-2024.docx") == document_text(docx_2024)


def test_identities_survive_rewording_reordering_and_new_year(project):
    run_cli("ids", "2024", root=project)
    plan = yaml.safe_load((project / "sources/2024/kommunikationsplan.yaml").read_text(encoding="utf-8"))
    kept = {item["id"] for item in plan["aktiviteter"] if not item.get("år") or 2025 in item["år"]}
    replace_in(project, "2024/kansliet.yaml", "Delta i StorSthlms expertgrupp", "Medverka i StorSthlms expertgrupp")
    before = [a["id"] for a in _activities(yaml.safe_load(
        (project / "sources/2024/kansliet.yaml").read_text(encoding="utf-8")))]
    assert run_cli("ids", "2024", root=project).stdout.startswith("Alla aktiviteter")  # reworded: same id
    result = run_cli("new-year", "2025", root=project)
    assert result.returncode == 0, result.stderr
    carried = yaml.safe_load((project / "sources/2025/kommunikationsplan.yaml").read_text(encoding="utf-8"))
    assert {item["id"] for item in carried["aktiviteter"]} == kept  # renumbered rows keep their identity
    assert [a["id"] for a in _activities(yaml.safe_load(
        (project / "sources/2025/kansliet.yaml").read_text(encoding="utf-8")))] == before


def test_an_identity_used_twice_is_reported_with_its_place(project):
    run_cli("ids", "2024", root=project)
    text = (project / "sources/2024/kansliet.yaml").read_text(encoding="utf-8")
    first, second = re.findall(r"id: (k-[0-9a-f]+)", text)[:2]
    (project / "sources/2024/kansliet.yaml").write_text(text.replace(second, first), encoding="utf-8")
    line = text[: text.index(second)].count("\n") + 1
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (f"sources/2024/kansliet.yaml:{line}: aktiviteter[1].id: identiteten '{first}' används redan i "
            f"sources/2024/kansliet.yaml; varje aktivitet har sin egen") in result.stderr


def test_a_flow_style_activity_gets_its_identity_inside_the_braces(project):
    replace_in(project, "2024/kansliet.yaml",
               "  - aktivitet: Delta i StorSthlms expertgrupp kopplat till infrastrukturfrågor\n"
               "    kommentar: Södertörns kansli ingår i den expertgrupp som knutits till StorSthlms "
               "infrastrukturuppdrag.",
               "  - {aktivitet: Delta i StorSthlms expertgrupp, kommentar: En kort kommentar.}")
    assert run_cli("ids", "2024", root=project).returncode == 0
    text = (project / "sources/2024/kansliet.yaml").read_text(encoding="utf-8")
    assert re.search(r"  - \{id: k-[0-9a-f]{6}, aktivitet: Delta i StorSthlms expertgrupp, kommentar: En kort "
                     r"kommentar\.\}", text)
    assert run_cli("check", "2024", root=project).returncode == 0


def test_the_count_of_new_identities_agrees_in_number(project):
    assert run_cli("ids", "2024", root=project).returncode == 0
    replace_in(project, "2024/kansliet.yaml", "id: k-b16564\n    ", "")
    result = run_cli("ids", "2024", root=project)
    assert result.stdout == "sources/2024/kansliet.yaml: 1 aktivitet fick en identitet (id).\n", result.stdout
