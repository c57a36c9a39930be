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


def _graphviz(folder, version: str) -> None:
    """A Graphviz `dot` in `folder` (the real one, under another version): it says `version` and
    signs each SVG it draws with it, as a Graphviz upgraded in place would draw differently."""
    import shutil
    real = shutil.which("dot")
    folder.mkdir(exist_ok=True)
    dot = folder / "dot"
    dot.write_text(f"""#!/bin/sh
if [ "$1" = "-V" ]; then echo "dot - graphviz version {version} (0)" >&2; exit 0; fi
case "$1" in
  -Tsvg) {real} "$@" && echo "<!-- ritad av Graphviz {version} -->" ;;
  *) exec {real} "$@" ;;
esac
""", encoding="utf-8")
    dot.chmod(0o755)


def _svg_signatures(docx) -> set[str]:
    import re
    import zipfile
    with zipfile.ZipFile(docx) as z:
        return {m for n in z.namelist() if n.endswith(".svg")
                for m in re.findall(r"ritad av Graphviz [\w.]+", z.read(n).decode("utf-8"))}


def test_an_upgraded_graphviz_draws_the_figures_again(project, tmp_path):
    """The up-to-date check and the figure cache know which Graphviz drew a figure."""
    import os
    programs = tmp_path / "program"
    _graphviz(programs, "2.43.0")
    env = {"PATH": f"{programs}{os.pathsep}{os.environ['PATH']}"}
    out = tmp_path / "ut"
    docx = out / "verksamhetsplan-2024.docx"

    def build(*extra):
        result = run_cli("build", "2024", "--docx-only", "--out", str(out), *extra, root=project, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "Skrev" in build()
    assert _svg_signatures(docx) == {"ritad av Graphviz 2.43.0"}
    assert "inget har ändrats" in build()
    _graphviz(programs, "12.2.1")  # upgraded in place: the same path, another file
    assert "Skrev" in build()
    assert _svg_signatures(docx) == {"ritad av Graphviz 12.2.1"}
    assert "inget har ändrats" in build()
    _graphviz(programs, "2.43.0")  # and back: the old drawings again, even when forced
    assert "Skrev" in build("--force")
    assert _svg_signatures(docx) == {"ritad av Graphviz 2.43.0"}
