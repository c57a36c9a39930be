"""An unchanged plan is not rebuilt; a changed source, template or output is."""

from __future__ import annotations

from conftest import needs_libreoffice, run_cli
from helpers import replace_in


def _build(project, out, *extra):
    result = run_cli("build", "2024", "--docx-only", "--out", str(out), *extra, root=project)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_unchanged_plan_is_not_rebuilt(project, tmp_path):
    out = tmp_path / "ut"
    assert "Skrev" in _build(project, out)
    docx = out / "verksamhetsplan-2024.docx"
    stamp = docx.stat().st_mtime_ns
    assert "inget har ändrats sedan förra bygget" in _build(project, out)
    assert docx.stat().st_mtime_ns == stamp
    assert "Skrev" in _build(project, out, "--force")


def test_a_changed_source_template_or_output_is_rebuilt(project, tmp_path):
    out = tmp_path / "ut"
    _build(project, out)
    replace_in(project, "2024/kansliet.yaml", "Första förslag", "Ett första förslag")
    assert "Skrev" in _build(project, out)
    (project / "templates" / "verksamhetsplan.docx").touch()
    assert "inget har ändrats" in _build(project, out)  # same bytes: still current
    docx = out / "verksamhetsplan-2024.docx"
    docx.write_bytes(docx.read_bytes() + b"\0")
    assert "Skrev" in _build(project, out)
    docx.unlink()
    assert "Skrev" in _build(project, out)


@needs_libreoffice
def test_the_web_page_is_part_of_the_check(project, tmp_path):
    out = tmp_path / "ut"
    first = run_cli("build", "2024", "--out", str(out), root=project)
    assert first.returncode == 0, first.stderr
    assert "Skrev" in first.stdout and "verksamhetsplan-2024.html" in first.stdout
    page = out / "verksamhetsplan-2024.html"
    page.unlink()
    rebuilt = run_cli("build", "2024", "--out", str(out), root=project)
    assert "Skrev" in rebuilt.stdout and page.is_file()  # a missing page is rebuilt
    assert "inget har ändrats" in run_cli("build", "2024", "--out", str(out), root=project).stdout
