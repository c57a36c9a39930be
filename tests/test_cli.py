"""The command line as a user meets it: exit codes, one line per problem, never a traceback."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_cli

AMOUNT = re.compile(r"^(\s*(?:belopp|summa|antal)):\s*(\d{4,})\s*$", re.M)


def test_check_2024_exits_0():
    result = run_cli("check", "2024")
    assert result.returncode == 0, result.stderr
    assert "sources/2024: allt stämmer." in result.stdout


def _amount_lines(text: str) -> list[re.Match]:
    return list(AMOUNT.finditer(text))


@pytest.mark.parametrize("index", range(len(_amount_lines((ROOT / "sources/2024/budget.yaml").read_text("utf-8")))))
def test_changing_any_budget_amount_by_1000_fails_naming_the_line(project, index):
    path = project / "sources/2024/budget.yaml"
    text = path.read_text(encoding="utf-8")
    match = _amount_lines(text)[index]
    changed = text[: match.start(2)] + str(int(match.group(2)) + 1000) + text[match.end(2):]
    path.write_text(changed, encoding="utf-8")
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"^sources/2024/budget\.yaml:\d+: ", result.stderr, re.M), result.stderr


@pytest.mark.parametrize("name", sorted(p.relative_to(ROOT / "sources").as_posix()
                                        for p in (ROOT / "sources").rglob("*.yaml")))
def test_broken_yaml_syntax_in_any_file_names_file_and_line(project, name):
    path = project / "sources" / name
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if re.match(r"^\s*[\wåäö_]+:\s*\S", line)
                  and not line.lstrip().startswith("#"))
    lines[target] = lines[target].replace(":", ": [", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(rf"^sources/{re.escape(name)}:\d+:\d+: YAML-syntaxfel", result.stderr, re.M), result.stderr


def test_errors_end_with_a_count_and_exit_1(project):
    (project / "sources/2024/plan.yaml").write_text("titel: [\n", encoding="utf-8")
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "1 fel i källfilerna."
    assert result.stdout == ""


def test_failed_check_writes_nothing_and_keeps_earlier_outputs(project, tmp_path):
    out = tmp_path / "ut"
    out.mkdir()
    earlier = out / "verksamhetsplan-2024.docx"
    earlier.write_bytes(b"tidigare version")
    (project / "sources/2024/budget.yaml").write_text("avgift_per_invånare: [\n", encoding="utf-8")
    result = run_cli("build", "2024", "--docx-only", "--out", str(out), root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert earlier.read_bytes() == b"tidigare version"
    assert sorted(p.name for p in out.iterdir()) == ["verksamhetsplan-2024.docx"]


def test_unknown_year_is_a_clear_error():
    result = run_cli("check", "1999")
    assert result.returncode == 1
    assert "sources/1999: mappen saknas" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    ((), "python -m pipeline: fel: kommando saknas"),
    (("build",), "python -m pipeline build: fel: ÅR saknas"),
    (("bygg", "2024"), "python -m pipeline: fel: okänt kommando bygg (finns: check, build,"),
    (("build", "2024", "--snabbt"), "python -m pipeline: fel: okända argument: --snabbt"),
    (("build", "2024", "--out"), "python -m pipeline build: fel: --out: ett värde behövs efter flaggan"),
    (("new-year", "nästa"), "python -m pipeline new-year: fel: ÅR: nästa är inget heltal"),
    (("comments", "a.docx"), "python -m pipeline comments: fel: --out saknas"),
])
def test_command_line_mistakes_are_swedish_and_exit_1(args, message):
    result = run_cli(*args)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(message), result.stderr
    assert lines[-1].endswith("--help' för att se vad som går att skriva.")
    assert not re.search(r"\b(usage|error|invalid|required|Traceback)\b", result.stderr)


def test_help_is_swedish():
    for args in (("--help",), ("build", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0
        assert result.stdout.startswith("användning: python -m pipeline")
        assert "flaggor:" in result.stdout and "visa den här hjälpen" in result.stdout
        assert not re.search(r"\b(usage|options|positional arguments|show this help)\b", result.stdout)


# Nouns whose plural the program prints after a count: each such count goes through
# formatting.counted, so that one thing is "1 fil", not "1 filer".
PLURALS = ("aktiviteter", "filer", "ändringar", "kommentarer", "ställen", "meningar", "möten", "fotnoter", "figurer",
           "mappar", "målnivåer", "rader", "genomförda", "poster")


def test_every_count_printed_agrees_in_number():
    import re
    from conftest import ROOT
    bare = re.compile(r"\{[^{}]*\} (" + "|".join(PLURALS) + r")\b")
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in sorted((ROOT / "pipeline").rglob("*.py"))
             if "workbench" not in path.parts  # as before the rooms: the workbench is outside this check
             for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1)
             if bare.search(line) and not line.lstrip().startswith("#")]
    assert found == [], "\n".join(found)


def test_counted_follows_the_swedish_plural_rule():
    from pipeline.content.formatting import counted
    assert [counted(n, "fil", "filer") for n in (0, 1, 2, 1000)] == ["0 filer", "1 fil", "2 filer", "1\u00a0000 filer"]
