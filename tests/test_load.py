"""Reading and validating source files: every problem is file:line: key: Swedish message."""

from __future__ import annotations

import pytest

from helpers import line_of, problems, replace_in


def test_the_2024_sources_are_valid(project):
    assert problems(project) == []


def test_unknown_key_names_the_key_and_the_nearest_known_one(project):
    replace_in(project, "2024/budget.yaml", "      belopp: 100000", "      beloop: 100000")
    line = line_of(project, "2024/budget.yaml", "beloop")
    found = problems(project)
    assert f"sources/2024/budget.yaml:{line}: kostnader.poster[1].beloop: okänd nyckel 'beloop'. " \
           "Menade du 'belopp'?" in found
    # one mistake, one message: 'belopp' is not also missing, and its value still adds up in the budget
    assert len(found) == 1, found


def test_unknown_key_far_from_any_known_lists_the_allowed_ones(project):
    replace_in(project, "2024/organisation.yaml", "  vice_ordförande: Nykvarn",
               "  vice_ordförande: Nykvarn\n  xyz: 1")
    assert any("samarbetskommittén.xyz: okänd nyckel 'xyz'. Tillåtna nycklar: ordförande, "
               "vice_ordförande." in p for p in problems(project))


def test_yaml_syntax_error_names_file_line_and_column(project):
    replace_in(project, "2024/kalendarium.yaml", "    veckodag: torsdag", "    veckodag: [torsdag")
    found = problems(project)
    assert len(found) == 1
    assert found[0].startswith("sources/2024/kalendarium.yaml:")
    assert "YAML-syntaxfel" in found[0]
    file, line, column, _ = found[0].split(":", 3)
    assert int(line) >= line_of(project, "2024/kalendarium.yaml", "veckodag: [torsdag")
    assert int(column) >= 1


def test_wrong_types_are_reported_in_swedish(project):
    replace_in(project, "2024/budget.yaml", "      belopp: 1277000", "      belopp: 1 277 000")
    replace_in(project, "2024/kalendarium.yaml", "      - datum: 2024-03-21", "      - datum: 21 mars")
    found = "\n".join(problems(project))
    assert "kostnader.poster[0].belopp: ska vara ett heltal" in found
    assert "organ[0].möten[1].datum: ska vara ett datum skrivet ÅÅÅÅ-MM-DD, inte '21 mars'" in found


def test_all_problems_in_all_files_are_reported_at_once(project):
    replace_in(project, "2024/budget.yaml", "avgift_per_invånare: 4", "avgift_per_invånare: fyra")
    replace_in(project, "2024/mal.yaml", "\nvision:", "\nvisionen:")
    replace_in(project, "2024/plan.yaml", "status: beslutad", "status: klar")
    found = problems(project)
    files = {p.split(":")[0] for p in found}
    assert files == {"sources/2024/budget.yaml", "sources/2024/mal.yaml", "sources/2024/plan.yaml"}


def test_missing_file(project):
    (project / "sources/2024/budget.yaml").unlink()
    assert problems(project) == ["sources/2024/budget.yaml: filen saknas."]


def test_empty_file(project):
    (project / "sources/2024/budget.yaml").write_text("# bara en kommentar\n", encoding="utf-8")
    assert problems(project) == ["sources/2024/budget.yaml: filen innehåller inga uppgifter."]
    (project / "sources/2024/budget.yaml").write_text("  \n", encoding="utf-8")
    assert problems(project) == ["sources/2024/budget.yaml: filen är tom."]


def test_folder_where_a_file_belongs(project):
    (project / "sources/2024/budget.yaml").unlink()
    (project / "sources/2024/budget.yaml").mkdir()
    assert problems(project) == ["sources/2024/budget.yaml: är en mapp, men här ska det vara en fil."]


def test_file_that_is_not_utf8_names_the_line(project):
    path = project / "sources/2024/kansliet.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1", errors="replace"))
    first = next(i for i, line in enumerate(text.split("\n"), start=1) if not line.isascii())
    found = problems(project)
    assert len(found) == 1
    assert found[0].startswith(f"sources/2024/kansliet.yaml:{first}: filen är inte sparad som UTF-8")


def test_byte_order_mark_and_windows_line_endings_are_accepted(project):
    path = project / "sources/2024/organisation.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems(project) == []


def test_duplicate_key_is_an_error(project):
    replace_in(project, "2024/organisation.yaml", "  vice_ordförande: Nykvarn",
               "  vice_ordförande: Nykvarn\n  ordförande: Tyresö")
    found = problems(project)
    assert len(found) == 1 and "nyckeln 'ordförande' förekommer två gånger" in found[0]


def test_alias_bomb_is_refused_quickly(project):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    (project / "sources/2024/organisation.yaml").write_text(bomb, encoding="utf-8")
    found = problems(project)
    assert len(found) == 1 and "för stor eller för djupt nästlad" in found[0]


def test_control_characters_are_refused_with_their_place(project):
    replace_in(project, "2024/kansliet.yaml", "Delta i StorSthlms", "Delta i \\x07StorSthlms")
    # write a real BEL character through YAML's double-quoted escape
    replace_in(project, "2024/kansliet.yaml", "    aktivitet: Delta i \\x07StorSthlms expertgrupp kopplat till infrastrukturfrågor",
               '    aktivitet: "Delta i \\aStorSthlms expertgrupp kopplat till infrastrukturfrågor"')
    found = problems(project)
    assert any("aktiviteter[3].aktivitet: otillåtet tecken U+0007" in p for p in found)


@pytest.mark.parametrize("status, extra, message", [
    ("utkast", "", "ett utkast ska ha 'version: N'"),
    ("beslutad", "version: 2\n", "en beslutad plan har ingen 'version'"),
])
def test_status_needs_its_fields(project, status, extra, message):
    path = project / "sources/2024/plan.yaml"
    text = path.read_text(encoding="utf-8").replace("status: beslutad\nbeslutsdatum: 2024-01-16\n",
                                                    f"status: {status}\n{extra}"
                                                    + ("beslutsdatum: 2024-01-16\n" if status == "beslutad" else ""))
    path.write_text(text, encoding="utf-8")
    assert any(message in p for p in problems(project))


def test_draft_status_with_version_is_valid(project):
    replace_in(project, "2024/plan.yaml", "status: beslutad\nbeslutsdatum: 2024-01-16", "status: utkast\nversion: 3")
    assert problems(project) == []


def test_missing_year_folder(project):
    assert problems(project, 2031) == ["sources/2031: mappen saknas: det finns inga källfiler för 2031."]


def test_markdown_file_named_in_plan_must_exist(project):
    (project / "sources/2024/text/3-kansliets-uppdrag.md").unlink()
    line = line_of(project, "2024/plan.yaml", "text: text/3-kansliets-uppdrag.md")
    assert problems(project) == [f"sources/2024/plan.yaml:{line}: kapitel[2].text: filen "
                                 "sources/2024/text/3-kansliets-uppdrag.md finns inte."]
