"""The archive: written once, never overwritten, and every kind of damage is noticed and named.

One decided plan is archived once per module (the only LibreOffice build here but one); every
damage is then made on a copy of that archive, and verify-archive (and archive again) must name
it, exit 1 and print no traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, needs_libreoffice, run_cli
from helpers import replace_in

PDF = "verksamhetsplan-2024-beslutad-2024-01-16.pdf"
HTML = "verksamhetsplan-2024-beslutad-2024-01-16.html"


@pytest.fixture(scope="module")
def archive_run(tmp_path_factory):
    """(project, the run of archive) for a project outside git whose 2024 plan is archived."""
    from pipeline.pdf import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    project = copy_project(tmp_path_factory.mktemp("arkiverat") / "projekt")
    result = run_cli("archive", "2024", root=project)
    assert result.returncode == 0, result.stderr
    return project, result


@pytest.fixture(scope="module")
def archived(archive_run) -> Path:
    """A project whose 2024 plan is archived: the original, never changed by a test."""
    return archive_run[0]


@pytest.fixture
def archive_copy(archived, tmp_path) -> Path:
    """A copy of the archived project, files writable, for one kind of damage."""
    project = tmp_path / "projekt"
    shutil.copytree(archived, project)
    for path in (project / "archive").rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return project


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _resum(folder: Path) -> None:
    """Write SHA256SUMS again for whatever the folder holds now (what a careless repair would do)."""
    lines = [f"{_sha(p)}  {p.name}" for p in sorted(folder.iterdir()) if p.name != "SHA256SUMS"]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pdf_and_sums_changed(folder: Path) -> None:
    _flip(folder / PDF)
    _resum(folder)


def _metadata(folder: Path, change) -> None:
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    change(meta)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    _resum(folder)


DAMAGE = {
    "en ändrad byte i PDF:en": (lambda f: _flip(f / PDF), f"archive/2024/{PDF}: innehållet har ändrats"),
    "PDF:en saknas": (lambda f: (f / PDF).unlink(), f"archive/2024/{PDF}: filen saknas"),
    "en extra fil": (lambda f: (f / "extra.txt").write_text("x"), "archive/2024/extra.txt: en fil som inte hör till"),
    "en kopia (1).pdf": (lambda f: shutil.copy(f / PDF, f / "verksamhetsplan (1).pdf"),
                         "archive/2024/verksamhetsplan (1).pdf: en fil som inte hör till"),
    "SHA256SUMS saknas": (lambda f: (f / "SHA256SUMS").unlink(), "archive/2024/SHA256SUMS: filen saknas"),
    "SHA256SUMS är inte text": (lambda f: (f / "SHA256SUMS").write_bytes(b"\xff\xfe" + (f / "SHA256SUMS").read_bytes()),
                                "archive/2024/SHA256SUMS: filen är skadad (inte läsbar text)"),
    "en skadad rad i SHA256SUMS": (lambda f: (f / "SHA256SUMS").write_text("abc  " + PDF + "\n"),
                                   "archive/2024/SHA256SUMS, rad 1: raden är skadad"),
    "SHA256SUMS tom": (lambda f: (f / "SHA256SUMS").write_text(""), "archive/2024/SHA256SUMS: filen är tom"),
    "PDF och SHA256SUMS ändrade tillsammans": (_pdf_and_sums_changed,
                                               "archive/2024/metadata.json: kontrollsumman för"),
    "en ändrad byte i webbsidan": (lambda f: _flip(f / HTML),
                                   f"archive/2024/{HTML}: innehållet har ändrats"),
    "webbsidan och SHA256SUMS ändrade tillsammans": (lambda f: (_flip(f / HTML), _resum(f)),
                                                     f"archive/2024/metadata.json: kontrollsumman för {HTML}"),
    "metadata.json saknas": (lambda f: (f / "metadata.json").unlink(), "archive/2024/metadata.json: filen saknas"),
    "metadata.json är inte JSON": (lambda f: ((f / "metadata.json").write_text("{trasig"), _resum(f)),
                                   "archive/2024/metadata.json: filen är skadad (inte giltig JSON)"),
    "metadata.json med fel år": (lambda f: _metadata(f, lambda m: m.update({"år": 2023})),
                                 "archive/2024/metadata.json: året 2023 stämmer inte med mappen 2024"),
    "PDF:en bytt namn": (lambda f: ((f / PDF).rename(f / "plan.pdf"), _resum(f)),
                         "archive/2024/metadata.json: filen verksamhetsplan-2024-beslutad-2024-01-16.pdf som"),
    "en lös fil i archive/": (lambda f: (f.parent / "anteckning.txt").write_text("x"),
                              "archive/anteckning.txt: en fil som inte hör till arkivet"),
    "en kopia av årsmappen": (lambda f: shutil.copytree(f, f.parent / "2024 kopia"),
                              "archive/2024 kopia: en mapp som inte hör till arkivet"),
    "en avbruten arkivering": (lambda f: (f.parent / ".2025-abc123").mkdir(),
                               "archive/.2025-abc123: en arkivering som avbröts"),
}


@needs_libreoffice
def test_the_archive_holds_the_pdf_metadata_and_checksums(archived):
    folder = archived / "archive" / "2024"
    assert sorted(p.name for p in folder.iterdir()) == sorted(["SHA256SUMS", "metadata.json", PDF, HTML])
    assert (folder / "SHA256SUMS").read_text() == (
        f"{_sha(folder / PDF)}  {PDF}\n{_sha(folder / HTML)}  {HTML}\n{_sha(folder / 'metadata.json')}  metadata.json\n")
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["beslutsdatum"] == "2024-01-16" and meta["organ"] == "Södertörnskommunernas samarbetskommitté"
    assert meta["sha256"] == _sha(folder / PDF) and meta["fil"] == PDF and meta["källversion"]
    assert meta["webbsida"] == {"fil": HTML, "sha256": _sha(folder / HTML), "format": "HTML, en fil, språk sv"}
    assert "<h1>Verksamhetsplan och budget 2024</h1>" in (folder / HTML).read_text(encoding="utf-8")
    assert meta["källfiler"]["sources/2024/kansliet.yaml"] == _sha(archived / "sources/2024/kansliet.yaml")
    assert "templates/verksamhetsplan.docx" in meta["källfiler"]
    assert all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in folder.iterdir())
    assert oct(folder.joinpath(PDF).stat().st_mode & 0o777) == "0o444"
    verify = run_cli("verify-archive", root=archived)
    assert verify.returncode == 0, verify.stderr
    assert "Arkivet är oförändrat: 4 filer i 1 mapp" in verify.stdout
    # sha256sum, the tool an archivist has, agrees with the checksums
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@needs_libreoffice
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_verify_archive_names_every_kind_of_damage(archive_copy, damage):
    make, expected = DAMAGE[damage]
    make(archive_copy / "archive" / "2024")
    result = run_cli("verify-archive", root=archive_copy)
    assert result.returncode == 1, (damage, result.stdout)
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert "fel i arkivet" in result.stderr


@needs_libreoffice
@pytest.mark.parametrize("damage", ["metadata.json saknas", "en ändrad byte i PDF:en", "SHA256SUMS saknas",
                                    "en extra fil"])
def test_archive_again_says_the_archive_is_damaged_not_the_plan(archive_copy, damage):
    make, expected = DAMAGE[damage]
    make(archive_copy / "archive" / "2024")
    result = run_cli("archive", "2024", root=archive_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "archive/2024 är skadat; det är arkivet som har ändrats, inte planen" in result.stderr
    assert expected in result.stderr
    assert "identisk" not in result.stderr + result.stdout and "källfil" not in result.stderr


@needs_libreoffice
def test_archive_again_names_the_sources_changed_since_the_decision(archive_copy):
    again = run_cli("archive", "2024", root=archive_copy)
    assert again.returncode == 0 and "är identisk" in again.stdout
    replace_in(archive_copy, "2024/kansliet.yaml", "Första förslag ska tas fram", "Ett första förslag ska tas fram")
    changed = run_cli("archive", "2024", root=archive_copy)
    assert changed.returncode == 1 and "Traceback" not in changed.stderr
    assert "archive/2024 är oskadat, men planens källfiler har ändrats sedan beslutet" in changed.stderr
    assert "sources/2024/kansliet.yaml: ändrad" in changed.stderr
    assert "skrivs aldrig över" in changed.stderr
    assert run_cli("verify-archive", root=archive_copy).returncode == 0  # the archive itself is intact


def test_an_empty_archive_is_said_to_be_empty(tmp_path):
    result = run_cli("verify-archive", root=tmp_path)
    assert result.returncode == 0 and "Arkivet är tomt" in result.stdout


@needs_libreoffice
def test_git_notices_an_archive_changed_consistently_after_it_was_committed(archive_copy):
    """All three files changed so that they agree: only the committed version can tell."""
    git = ["git", "-C", str(archive_copy), "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "archive"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "arkiv"], check=True)
    folder = archive_copy / "archive" / "2024"
    _flip(folder / PDF)
    _metadata(folder, lambda m: m.update({"sha256": _sha(folder / PDF)}))
    result = run_cli("verify-archive", root=archive_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"archive/2024/{PDF}: ändrad sedan den checkades in i git" in result.stderr
    assert "archive/2024/metadata.json: ändrad sedan den checkades in i git" in result.stderr


def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(project), "-c", "user.name=Kansliet", "-c", "user.email=k@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


@needs_libreoffice
def test_outside_git_the_archive_says_the_sources_cannot_be_traced(archive_run):
    project, result = archive_run
    assert result.stdout.splitlines()[0] == ("Inte en git-utcheckning: det arkiverade dokumentet kan inte spåras till "
                                             "en version av källfilerna (metadata.json säger det). Arkiverar ändå.")
    meta = json.loads((project / "archive" / "2024" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["källversion"] == "okänd (inte en git-utcheckning): källfilerna kan inte spåras till en version"


@needs_libreoffice
def test_archive_refuses_what_is_not_committed_and_archives_anyway_when_told(project):
    _git(project, "init", "-q")
    _git(project, "add", "sources", "templates")
    _git(project, "commit", "-q", "-m", "Beslutad plan")
    replace_in(project, "2024/kansliet.yaml", "Första förslag ska tas fram", "Ett första förslag ska tas fram")
    css = project / "templates" / "verksamhetsplan.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* ny färg */\n", encoding="utf-8")
    (project / "sources" / "2024" / "anteckningar.txt").write_text("inte en del av planen", encoding="utf-8")
    result = run_cli("archive", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[:3] == [
        "Planen för 2024 arkiveras inte: filer som den byggs av har ändringar som inte är incheckade i git, så det "
        "arkiverade dokumentet kunde inte spåras till en version av dem:",
        "  sources/2024/kansliet.yaml: ändrad",
        "  templates/verksamhetsplan.css: ändrad"], result.stderr
    assert "anteckningar.txt" not in result.stderr  # the plan is not made from it
    assert "--trots-ändringar" in result.stderr
    assert not (project / "archive").exists()
    forced = run_cli("archive", "2024", "--trots-ändringar", root=project)
    assert forced.returncode == 0, forced.stderr
    assert "Arkiverar trots ändringar som inte är incheckade: sources/2024/kansliet.yaml, " \
           "templates/verksamhetsplan.css (metadata.json säger det)." in forced.stdout
    meta = json.loads((project / "archive" / "2024" / "metadata.json").read_text(encoding="utf-8"))
    head = _git(project, "rev-parse", "HEAD").strip()
    assert meta["källversion"] == f"{head} (arkiverad trots ändringar som inte är incheckade)"
    assert meta["ej_incheckade"] == ["sources/2024/kansliet.yaml", "templates/verksamhetsplan.css"]
    assert run_cli("verify-archive", root=project).returncode == 0


def test_the_program_that_builds_the_plan_is_held_to_git_too(project):
    """The program is part of what the archived plan came from: in the project's own repository, a change
    to it that is not committed stops the archive like a changed source."""
    shutil.copytree(ROOT / "pipeline", project / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    _git(project, "init", "-q")
    _git(project, "add", "sources", "templates", "pipeline")
    _git(project, "commit", "-q", "-m", "Beslutad plan")
    with (project / "pipeline" / "render.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# en ändring\n")
    result = subprocess.run([sys.executable, "-m", "pipeline", "archive", "2024"], cwd=project, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "  pipeline/render.py: ändrad" in result.stderr.splitlines(), result.stderr
    assert not (project / "archive").exists()
