"""The template lint: passes on the shipped template, names what a broken one lacks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from pipeline.errors import TemplateError
from pipeline.templates import REQUIRED_STYLES, lint_template

TEMPLATE = ROOT / "templates" / "verksamhetsplan.docx"


def test_shipped_template_passes():
    assert lint_template(TEMPLATE) == TEMPLATE
    result = run_cli("lint-templates")
    assert result.returncode == 0, result.stderr


def _rewrite(source: Path, target: Path, part: str, change) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    return target


def test_missing_style_is_named(tmp_path):
    broken = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/styles.xml",
                      lambda xml: xml.replace('w:styleId="Malformulering"', 'w:styleId="Annan"'))
    with pytest.raises(TemplateError, match="formatmallen 'Målformulering'"):
        lint_template(broken)


def test_missing_placeholder_is_named(tmp_path):
    broken = _rewrite(TEMPLATE, tmp_path / "mall.docx", "word/document.xml",
                      lambda xml: xml.replace("{{ datum }}", "Datum"))
    with pytest.raises(TemplateError, match=r"platshållaren \{\{ datum \}\}"):
        lint_template(broken)


def test_a_build_with_a_broken_template_fails_clearly(project):
    _rewrite(TEMPLATE, project / "templates" / "verksamhetsplan.docx", "word/styles.xml",
             lambda xml: xml.replace('w:val="sv-SE"', 'w:val="en-US"'))
    result = run_cli("build", "2024", "--docx-only", "--out", str(project / "ut"), root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "språket sv-SE är inte satt" in result.stderr
    assert not (project / "ut").exists()


def test_every_required_style_exists_in_the_template():
    styles = zipfile.ZipFile(TEMPLATE).read("word/styles.xml").decode()
    for style_id in REQUIRED_STYLES:
        assert f'w:styleId="{style_id}"' in styles
