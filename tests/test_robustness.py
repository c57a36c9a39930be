"""A clumsy user and a hostile file: every input ends in success or a clear error, never a traceback.

Property-based (hypothesis) over the source files, plus fixed cases for text that must survive
into the DOCX and PDF, nothing half-written, and faults of the environment.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, copy_project, needs_libreoffice, run_cli
from helpers import replace_in
from pipeline.checks.run import check
from pipeline.errors import SourceErrors

FILES = ["plan.yaml", "budget.yaml", "kalendarium.yaml", "mal.yaml", "kansliet.yaml", "organisation.yaml",
         "kommunikationsplan.yaml"]
PROBLEM_LINE = re.compile(r"^sources/[^:\s]+(:\d+(:\d+)?)?: \S")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFFF), max_size=30),
    st.dates(min_value=dt.date(1, 1, 1)), st.just("x" * 200_000), st.just("ATT GÖRA: fyll i"),
    st.just("{{ x }} {% if %} & < > \" '"))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, prefix + (i,))


def _mutate(data, path, action, value):
    if not path:
        return value if action == "ersätt" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "ersätt":
        parent[last] = value
    elif action == "ta bort":
        del parent[last]
    elif action == "lägg till" and isinstance(parent, dict):
        parent[f"okänd_{len(parent)}"] = value
    return data


def assert_clean_outcome(root: Path) -> None:
    """Loading and checking ends in success or in SourceErrors of the promised form."""
    try:
        check(root, 2024)
    except SourceErrors as exc:
        assert exc.problems
        for line in map(str, exc.problems):
            assert PROBLEM_LINE.match(line), line
            assert "Traceback" not in line


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("egenskaper") / "p")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_value_anywhere_gives_success_or_a_clear_error(scratch, data):
    name = data.draw(st.sampled_from(FILES))
    path = scratch / "sources" / "2024" / name
    original = (ROOT / "sources" / "2024" / name).read_text(encoding="utf-8")
    tree = yaml.safe_load(original)
    target = data.draw(st.sampled_from(list(_paths(tree))))
    action = data.draw(st.sampled_from(["ersätt", "ta bort", "lägg till"]))
    tree = _mutate(tree, target, action, data.draw(values))
    try:
        path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        assert_clean_outcome(scratch)
    finally:
        path.write_text(original, encoding="utf-8")


raw_texts = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.text(alphabet="\t \n:-[]{}&*!|>'\"%@`#,?åäö", max_size=200),
    st.builds(lambda s: "\ufeff" + s.replace("\n", "\r\n"), st.text(max_size=200)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(FILES), content=raw_texts)
def test_any_file_content_gives_success_or_a_clear_error(scratch, name, content):
    path = scratch / "sources" / "2024" / name
    original = (ROOT / "sources" / "2024" / name).read_bytes()
    try:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        assert_clean_outcome(scratch)
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("content", [
    "a: " + "[" * 5000 + "]" * 5000,                     # deep nesting
    "a: " + "{b: " * 300 + "1" + "}" * 300,
    "\n".join(f"k{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9 if i else ["x"] * 9) + "]" for i in range(12)),
    "titel: x\n\tår: 2024\n",                             # a tab for indentation
    "datum: 2024-02-30\n",                                # an impossible date
    "--- \na: 1\n--- \nb: 2\n",                           # two documents
    "? [a, b]\n: c\n",                                    # a complex key
    "a: !!python/object:os.system echo\n",                # an unsafe tag
    "x" * 6_000_000,                                      # too large
])
def test_hostile_yaml_is_refused_quickly_and_clearly(scratch, content):
    path = scratch / "sources" / "2024" / "budget.yaml"
    original = path.read_bytes()
    started = time.monotonic()
    try:
        path.write_text(content, encoding="utf-8")
        with pytest.raises(SourceErrors) as info:
            check(scratch, 2024)
        assert all(str(p).startswith("sources/2024/budget.yaml") for p in info.value.problems)
    finally:
        path.write_bytes(original)
    assert time.monotonic() - started < 20


def test_cli_never_shows_a_traceback_for_bad_bytes(project):
    (project / "sources/2024/mal.yaml").write_bytes(b"\xff\xfe\x00v\x00i\x00s")
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("sources/2024/mal.yaml:1: filen är inte sparad som UTF-8")


# --- any text survives -------------------------------------------------------------------

SURVIVORS = ["Åsa & Örjan <ö> \"citat\" 'enkel'", "{{ planens_titel }} {% for x in y %}",
             "Tåg 🚆 och ✓", "Donaudampfschifffahrtsgesellschaftskapitänsmütze" * 3]


@needs_libreoffice
def test_any_text_survives_into_docx_and_pdf(project, tmp_path):
    path = project / "sources/2024/kansliet.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, text in enumerate(SURVIVORS):
        data["aktiviteter"][i]["aktivitet"] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("build", "2024", "--out", str(tmp_path), root=project)
    assert result.returncode == 0, result.stderr
    from test_docx import document_text
    docx_text = document_text(tmp_path / "verksamhetsplan-2024.docx")
    pdf_text = subprocess.run(["pdftotext", str(tmp_path / "verksamhetsplan-2024.pdf"), "-"],
                              capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", pdf_text.replace("-\n", ""))
    for text in SURVIVORS:
        assert text in docx_text
        assert re.sub(r"\s+", "", text) in flat, text


def test_control_characters_are_refused_with_their_place(project):
    replace_in(project, "2024/kansliet.yaml", "    aktivitet: Delta i StorSthlms expertgrupp",
               '    aktivitet: "Delta i \\x0cStorSthlms expertgrupp')
    replace_in(project, "2024/kansliet.yaml", "kopplat till infrastrukturfrågor\n", 'kopplat till infrastrukturfrågor"\n')
    result = run_cli("check", "2024", root=project)
    assert result.returncode == 1
    assert re.search(r"^sources/2024/kansliet\.yaml:\d+: aktiviteter\[3\]\.aktivitet: otillåtet tecken U\+000C",
                     result.stderr, re.M)


# --- nothing half-written ------------------------------------------------------------------

def _valid_outputs(folder: Path) -> None:
    docx_path = folder / "verksamhetsplan-2024.docx"
    with zipfile.ZipFile(docx_path) as z:
        assert z.testzip() is None
    pdf_path = folder / "verksamhetsplan-2024.pdf"
    if pdf_path.exists():
        with pikepdf.open(pdf_path) as pdf:
            assert len(pdf.pages) > 5
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def _soffice_pids() -> set[int]:
    found = subprocess.run(["pgrep", "-f", "soffice.bin"], capture_output=True, text=True).stdout.split()
    return {int(pid) for pid in found}


@needs_libreoffice
@pytest.mark.parametrize("delay", [0.3, 0.8, 1.4, 2.0])
def test_killing_a_build_at_any_moment_keeps_the_previous_outputs(project, tmp_path, delay):
    out = tmp_path / "ut"
    assert run_cli("build", "2024", "--out", str(out), root=project).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    before_pids = _soffice_pids()
    replace_in(project, "2024/kansliet.yaml", "Första förslag", "Ett första förslag")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(project), "build", "2024",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _valid_outputs(out)
    # the orphaned helper notices that its caller is gone and stops the LibreOffice it started
    deadline = time.monotonic() + 30
    while _soffice_pids() - before_pids and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _soffice_pids() - before_pids == set()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert set(after) == set(before)  # nothing new beside the outputs and the build record
    # the next build cleans up and succeeds
    assert run_cli("build", "2024", "--out", str(out), root=project).returncode == 0
    _valid_outputs(out)


def test_interrupt_with_sigterm_leaves_no_partial_file(project, tmp_path):
    out = tmp_path / "ut"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(project), "build", "2024",
                             "--docx-only", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.6)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    if out.exists():
        assert not [p for p in out.iterdir() if p.name.endswith(".part")]


# --- faults of the environment -------------------------------------------------------------

@pytest.mark.parametrize("fault, message", [
    ("disk-full", "disken är full"),
    ("read-only", "skrivskyddad"),
])
def test_write_faults_are_clear_and_keep_earlier_outputs(project, tmp_path, fault, message):
    out = tmp_path / "ut"
    out.mkdir()
    earlier = out / "verksamhetsplan-2024.docx"
    earlier.write_bytes(b"tidigare")
    result = run_cli("build", "2024", "--docx-only", "--out", str(out), root=project, env={"VP_FAULT": fault})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr and "verksamhetsplan-2024.docx" in result.stderr
    assert earlier.read_bytes() == b"tidigare"
    assert sorted(p.name for p in out.iterdir()) == ["verksamhetsplan-2024.docx"]


def test_output_folder_that_is_a_file(project, tmp_path):
    blocker = tmp_path / "ut"
    blocker.write_text("en fil, inte en mapp")
    result = run_cli("build", "2024", "--docx-only", "--out", str(blocker / "under"), root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "kan inte skriva i mappen" in result.stderr
