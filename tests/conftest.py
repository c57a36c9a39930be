"""Shared fixtures: the project root, a scratch copy of the project, one real build of 2024."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.pdf.libreoffice import libreoffice_status

ROOT = Path(__file__).resolve().parent.parent
OTHER_SHAPE = Path(__file__).resolve().parent / "fixtures" / "annan-form"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def copy_project(target: Path) -> Path:
    """Copy sources/ and templates/ to `target` (a project root for --root)."""
    shutil.copytree(ROOT / "sources", target / "sources")
    shutil.copytree(ROOT / "templates", target / "templates")
    return target


def run_cli(*args: str, root: Path = ROOT, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `python -m pipeline --root ROOT ARGS` as a user would, capturing output."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=environment)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "projekt")


needs_libreoffice = pytest.mark.skipif(libreoffice_status() is not None,
                                       reason=f"LibreOffice saknas: {libreoffice_status()}")


@pytest.fixture(scope="session")
def build_2024(tmp_path_factory) -> tuple[Path, Path]:
    """Build the 2024 plan (DOCX and PDF) once for the session; return both paths."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    out = tmp_path_factory.mktemp("bygge")
    result = run_cli("build", "2024", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "verksamhetsplan-2024.docx", out / "verksamhetsplan-2024.pdf"


@pytest.fixture(scope="session")
def docx_2024(tmp_path_factory) -> Path:
    """Build only the 2024 DOCX once for the session."""
    out = tmp_path_factory.mktemp("docx")
    result = run_cli("build", "2024", "--docx-only", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "verksamhetsplan-2024.docx"


def make_draft(project: Path, version: int = 3) -> None:
    """Turn the decided 2024 plan of a project copy into draft `version`."""
    from helpers import replace_in
    replace_in(project, "2024/plan.yaml", "status: beslutad\nbeslutsdatum: 2024-01-16",
               f"status: utkast\nversion: {version}")


@pytest.fixture(scope="session")
def draft_2024(tmp_path_factory) -> tuple[Path, Path]:
    """Build the 2024 plan as draft 2 (DOCX and PDF) once for the session."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    project = copy_project(tmp_path_factory.mktemp("utkast") / "projekt")
    make_draft(project, version=2)
    out = project / "ut"
    result = run_cli("build", "2024", "--out", str(out), root=project)
    assert result.returncode == 0, result.stderr
    return out / "verksamhetsplan-2024.docx", out / "verksamhetsplan-2024.pdf"


@pytest.fixture(scope="session")
def other_shape_build(tmp_path_factory) -> tuple[Path, Path]:
    """Build the test plan of another shape (2031, tests/fixtures/annan-form) once for the session."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    root = tmp_path_factory.mktemp("annan") / "projekt"
    shutil.copytree(OTHER_SHAPE / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    out = root / "ut"
    result = run_cli("build", "2031", "--out", str(out), root=root)
    assert result.returncode == 0, result.stderr
    return out / "verksamhetsplan-2031.docx", out / "verksamhetsplan-2031.pdf"


ROUND_FILE = """# Remissomgång för utkast 2 (testets egen)
utkast: 2
skickas: 2024-01-17
svar_senast: 2024-02-09
fråga:
  - Vi ber om kommunens synpunkter på utkastet, särskilt på utvecklingsaktiviteterna & budgeten.
  - Stämmer aktiviteterna med vad kommunen vill prioritera under året?
kontakt:
  namn: Helene Olofsson
  titel: strateg, Södertörns kansli
  e-post: helene.olofsson2@huddinge.se
  telefon: 08-535 300 00
mottagare:
  Botkyrka: registrator@botkyrka.se
  Nynäshamn: kommun@nynashamn.se
"""


SENT = "2024-01-17"  # the day the test's round is sent (its answer date has long passed)


def make_round(project: Path, version: int = 2, text: str = ROUND_FILE) -> None:
    """Turn a project copy's 2024 plan into draft `version` with a round file."""
    if "status: beslutad" in (project / "sources" / "2024" / "plan.yaml").read_text(encoding="utf-8"):
        make_draft(project, version)
    (project / "sources" / "2024" / "remiss.yaml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def round_2024(tmp_path_factory) -> Path:
    """Prepare the draft round of 2024 (draft 2) once for the session; return the project root."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    project = copy_project(tmp_path_factory.mktemp("remissomgang") / "projekt")
    make_round(project)
    result = run_cli("round", "2024", "--per", SENT, root=project)  # as on the day it was sent
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="session")
def second_round(tmp_path_factory):
    """A project in git: draft 1 sent by round, the sources edited into draft 2, then draft 2 sent.

    Returns (project, draft 1's round, the round refused with draft 1's round file, draft 2's round)."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    from test_versions import draft_two, edit_yaml
    project = copy_project(tmp_path_factory.mktemp("utkast-efter-utkast") / "projekt")
    make_round(project, version=1, text=ROUND_FILE.replace("utkast: 2", "utkast: 1"))
    git = ["git", "-C", str(project), "-c", "user.name=Kansliet", "-c", "user.email=kansliet@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "sources", "templates"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "Utkast 1"], check=True)
    first = run_cli("round", "2024", "--per", SENT, root=project)
    assert first.returncode == 0, first.stderr
    # the secretariat edits the plan, sets version: 2 and runs the round again with remiss.yaml as it was
    draft_two(project)
    edit_yaml(project / "sources/2024/kommunikationsplan.yaml", lambda d: next(
        r for r in d["aktiviteter"] if r["nr"] == 2).update(aktivitet="Ledningsgruppen träffar Trafikverket och "
                                                                       "Regionen för att föra fram Södertörns "
                                                                       "prioriteringar."))
    stale = run_cli("round", "2024", "--per", "2024-01-22", root=project)
    remiss = project / "sources" / "2024" / "remiss.yaml"
    remiss.write_text(remiss.read_text(encoding="utf-8").replace("utkast: 1", "utkast: 2")
                      .replace("skickas: 2024-01-17", "skickas: 2024-01-22")
                      .replace("svar_senast: 2024-02-09", "svar_senast: 2024-02-16"), encoding="utf-8")
    second = run_cli("round", "2024", "--per", "2024-01-22", root=project)
    assert second.returncode == 0, second.stderr
    return project, first, stale, second


@pytest.fixture(scope="session")
def follow_up_2024(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Build the 2024 full-year follow-up (the example in sources/2024) once for the session."""
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    out = tmp_path_factory.mktemp("uppfoljning")
    result = run_cli("follow-up", "2024", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return tuple(out / f"uppfoljning-2024-helar.{ext}" for ext in ("docx", "pdf", "html"))
