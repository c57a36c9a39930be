"""The workbench (`python -m pipeline serve ÅR`): one real server on a free port for the module, driven as
a user drives it, in Chromium (tests/browser/arbetsbank.mjs) and by plain HTTP requests.

The tests run in the order of the file and share the server and its project copy: the live preview
first (sources restored afterwards), then the steps on the decided plan (build, follow-up, archive),
then the draft round and its answers, and last the stopping of everything it started.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, ROUND_FILE, copy_project, make_round, run_cli
from pipeline.pdf.libreoffice import libreoffice_status
from drafts import add_comments
from workbench_driver import Workbench, alive, pgrep

YEAR = "2024"
BROWSER_MISSING = not (shutil.which("chromium") and shutil.which("node")
                       and (ROOT / "tests/browser/node_modules/axe-core").is_dir())


# --- without a server: the command line's refusals and the guard's pieces ------------------------------

def test_serve_refuses_a_year_without_sources_and_a_busy_port(tmp_path):
    missing = run_cli("serve", "2099", "--no-browser", timeout=60)
    assert missing.returncode == 1 and missing.stdout == ""
    assert "sources/2099: mappen saknas" in missing.stderr and "Traceback" not in missing.stderr
    assert "inget årtal" in run_cli("serve", "24", "--no-browser", timeout=60).stderr
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = run_cli("serve", YEAR, "--no-browser", "--port", str(port), timeout=60)
    assert taken.returncode == 1 and f"--port {port}: porten kan inte användas" in taken.stderr
    assert "Traceback" not in taken.stderr


def test_inside_finds_only_regular_files_inside_the_folders_a_url_may_reach(tmp_path):
    from pipeline.workbench.security import Outside, inside
    root = tmp_path / "projekt"
    year = root / "sources" / YEAR
    (year / "text").mkdir(parents=True)
    (year / "plan.yaml").write_text("titel: x\n", encoding="utf-8")
    (year / "text" / "a.md").write_text("# a\n", encoding="utf-8")
    (year / ".dold.yaml").write_text("x\n", encoding="utf-8")
    (root / "hemligt.txt").write_text("x\n", encoding="utf-8")
    (year / "inne.md").symlink_to(year / "text" / "a.md")
    (year / "ute.md").symlink_to(root / "hemligt.txt")
    bases = [year]
    assert inside(root, f"sources/{YEAR}/plan.yaml", bases) == (year / "plan.yaml").resolve()
    assert inside(root, f"sources/{YEAR}/inne.md", bases) == (year / "text" / "a.md").resolve()
    for bad in ("", f"sources/{YEAR}/../../hemligt.txt", "hemligt.txt", f"/{root}/hemligt.txt", f"sources/{YEAR}/ute.md",
                f"sources/{YEAR}/.dold.yaml", f"sources/{YEAR}/text", f"sources/{YEAR}/./plan.yaml",
                f"sources/{YEAR}//plan.yaml", f"sources\\{YEAR}\\plan.yaml", f"sources/{YEAR}/plan.yaml\x00",
                f"sources/{YEAR}/saknas.yaml"):
        with pytest.raises(Outside):
            inside(root, bad, bases)


def test_an_uploaded_file_keeps_its_own_harmless_name_or_is_no_word_file():
    from pipeline.workbench.security import upload_name
    assert upload_name("C:\\Users\\anna\\Botkyrka svar.DOCX") == "Botkyrka svar.docx"
    assert upload_name("../../etc/passwd.docx") == "passwd.docx"
    assert upload_name("Södertälje (2).docm") == "Södertälje (2).docm"
    assert upload_name("<script>.docx") == "_script_.docx"
    assert upload_name(".docx") is None and upload_name("svar.pdf") is None and upload_name("svar.doc") is None
    assert upload_name("...docx") is None


def test_a_form_token_is_new_for_every_page_and_good_only_for_its_form():
    from pipeline.workbench.security import Access
    access = Access(port=1234)
    first, second = access.token("/steg/bygg"), access.token("/steg/bygg")
    assert first != second and access.is_token(first, "/steg/bygg") and access.is_token(second, "/steg/bygg")
    assert not access.is_token(first, "/steg/remiss") and not access.is_token(first + "0", "/steg/bygg")
    assert not access.is_token(None, "/steg/bygg") and not access.is_token("", "/steg/bygg")
    assert not Access(port=1234).is_token(first, "/steg/bygg")  # another run's key and secret
    assert access.hosts == ("127.0.0.1:1234", "localhost:1234") and access.cookie == "vp-arbetsbank-1234"


# --- the server ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Workbench:
    if libreoffice_status() is not None:
        pytest.skip(f"LibreOffice saknas: {libreoffice_status()}")
    if BROWSER_MISSING:
        pytest.skip("Chromium, Node.js eller npm-paketen saknas (make test installerar dem)")
    work = tmp_path_factory.mktemp("arbetsbank")
    project = copy_project(work / "projekt")
    if (ROOT / "build" / ".cache").is_dir():  # figures and pandoc texts made by earlier builds: same content, same files
        shutil.copytree(ROOT / "build" / ".cache", project / "build" / ".cache")
    server = Workbench(project, work)
    server.wait_ready()
    yield server
    server.stop()


def source(bench: Workbench, name: str) -> Path:
    return bench.root / "sources" / YEAR / name


def text(body: bytes) -> str:
    return body.decode("utf-8")


# --- the live preview ------------------------------------------------------------------------------

def test_the_preview_follows_every_save_and_problems_come_and_go(bench, tmp_path):
    kansliet, budget = source(bench, "kansliet.yaml"), source(bench, "budget.yaml")
    shared = bench.root / "sources" / "gemensamt" / "samarbetsavtal-2010.md"
    stylesheet = bench.root / "templates" / "verksamhetsplan.css"
    originals = {path: path.read_text(encoding="utf-8") for path in (kansliet, budget, shared, stylesheet)}
    original, original_budget = originals[kansliet], originals[budget]
    sentence = "Första förslag ska tas fram"
    assert sentence in original and "summa: 2083296" in original_budget
    plan = []
    for n in range(3):
        plan += [{"write": str(kansliet), "text": original.replace(sentence, f"Första förslag (utgåva {n}) ska tas fram")},
                 {"frame_text": f"Första förslag (utgåva {n}) ska tas fram", "label": "förhandsvisning"}]
    at = original_budget.index("summa: 2083296", original_budget.index("\nkostnader:"))
    plan += [  # the shared sources and the stylesheet are the plan's too
        {"write": str(shared), "text": originals[shared].replace("Kommitténs namn är", "Kommitténs fullständiga namn är")},
        {"frame_text": "Kommitténs fullständiga namn är", "label": "gemensamt"},
        {"write": str(stylesheet), "text": originals[stylesheet].replace("--rubrik: #1f4e79;", "--rubrik: #6b2f8a;")},
        {"until": "getComputedStyle(document.getElementById('forhandsvisning').contentDocument.querySelector('h1'))"
                  ".color === 'rgb(107, 47, 138)'", "label": "stilmall"},
    ]
    broken = original_budget[:at] + "summa: 2083297" + original_budget[at + len("summa: 2083296"):]
    line = original_budget[:at].count("\n") + 1
    plan += [
        {"write": str(budget), "text": broken},
        {"text": f"sources/{YEAR}/budget.yaml:{line}: kostnader.summa:", "in": "#problem", "label": "fel"},
        {"text": "Inaktuell", "in": "#lage"},
        {"text": "Inaktuell", "in": "#markering"},
        {"eval": "document.body.classList.contains('inaktuell')"},
        {"eval": "document.querySelector('#problem a').getAttribute('href')"},
        # the last good preview stays while the sources have problems
        {"eval": "document.getElementById('forhandsvisning').contentDocument.body.textContent.includes("
                 "'Första förslag (utgåva 2) ska tas fram')"},
        {"fetch": "#problem a", "to": str(tmp_path / "fil.html")},
        {"goto": f"/pdf/verksamhetsplan-{YEAR}.pdf"},  # no current PDF: the page that says why
        {"axe": "ingen aktuell PDF"},
        {"goto": "/"},
        {"write": str(budget), "text": original_budget},
        {"text": "kostnader.summa", "in": "#problem", "gone": True, "label": "rättat"},
        {"text": "Inga fel", "in": "#problem"},
        {"eval": "document.body.classList.contains('inaktuell')"},
        {"write": str(kansliet), "text": original.replace(sentence, "Första förslag (för PDF:en) ska tas fram")},
        {"fetch": "#pdf-lank", "to": str(tmp_path / "plan.pdf")},
        {"fetch": "#docx-lank", "to": str(tmp_path / "plan.docx")},
    ]
    try:
        result = bench.browser(plan)["results"]
    finally:
        for path, content in originals.items():
            path.write_text(content, encoding="utf-8")
    by = {r.get("label"): r for r in result if r.get("label")}
    assert {"förhandsvisning", "gemensamt", "stilmall", "fel", "rättat"} <= set(by)
    evaluated = [r["value"] for r in result if "eval" in r]
    assert evaluated[0] is True  # marked out of date
    assert evaluated[1] == f"/redigera/sources/{YEAR}/budget.yaml#falt-kostnader-summa"  # the problem's field
    assert evaluated[2] is True and evaluated[3] is False
    no_pdf = next(r for r in result if "axe" in r)
    assert no_pdf["violations"] == [] and no_pdf["title"].startswith("Ingen aktuell PDF")
    assert next(r for r in result if r.get("goto", "").startswith("/pdf/"))["status"] == 409
    fetched = [r for r in result if "fetch" in r]
    assert fetched[0]["status"] == 200
    view = (tmp_path / "fil.html").read_text(encoding="utf-8")
    field = re.search(r'<input[^>]*name="kostnader.summa"[^>]*>', view).group(0)
    assert 'id="falt-kostnader-summa"' in field and 'aria-invalid="true"' in field and 'value="2 083 297"' in field
    # the PDF at the link is the current one: it holds the change, and it is the build's proofread PDF/A
    assert fetched[1]["status"] == 200 and fetched[1]["type"] == "application/pdf"
    shown = subprocess.run(["pdftotext", str(tmp_path / "plan.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Första förslag (för PDF:en) ska tas fram" in " ".join(shown.split())
    with pikepdf.open(tmp_path / "plan.pdf") as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "2"
        assert str(pdf.Root.Lang) == "sv-SE" and "/StructTreeRoot" in pdf.Root
        assert pdf.docinfo["/CreationDate"] == "D:20240116000000Z"  # normalised, not LibreOffice's own
    assert fetched[2]["status"] == 200 and "wordprocessingml" in fetched[2]["type"]
    bench.wait_ready()


def test_no_stale_pdf_is_handed_out_while_the_sources_have_problems(bench):
    plan = source(bench, "plan.yaml")
    original = plan.read_text(encoding="utf-8")
    plan.write_text(original.replace("titel:", "titl:", 1), encoding="utf-8")
    try:
        status, _, body = bench.get(f"/pdf/verksamhetsplan-{YEAR}.pdf")  # looks at the files itself: no waiting for the watcher
        assert status == 409 and "Ingen aktuell PDF" in text(body) and "plan.yaml" in text(body)
        status, _, body = bench.get(f"/docx/verksamhetsplan-{YEAR}.docx")
        assert status == 409
        state = bench.wait(lambda s: s["problems"], what="felet i plan.yaml")
        assert any("plan.yaml" in p for p in state["problems"]) and not state["current"]
        assert state["documents"] == "källfel"
        checked = run_cli("check", YEAR, root=bench.root)
        assert state["problems"] == [line for line in checked.stderr.splitlines() if line.startswith("sources/")]
    finally:
        plan.write_text(original, encoding="utf-8")
    bench.wait_ready()


# --- the steps on the decided plan -------------------------------------------------------------------------

def test_build_writes_build_exactly_as_make_plan_and_a_second_click_starts_nothing(bench, build_2024):
    for path in (ROOT / "sources").rglob("*"):
        if path.is_file():
            assert (bench.root / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path
    token = bench.token("/steg/bygg")
    first = bench.post("/steg/bygg", {"bygg_anda": "ja"}, token=token)
    second = bench.post("/steg/bygg", {"bygg_anda": "ja"}, token=token)
    assert first[0] == 303 and first[1]["location"].startswith("/steg/bygg?meddelande=startat")
    assert second[0] == 303 and "meddelande=pagar" in second[1]["location"]
    job = bench.wait_job("bygg")
    assert not job["errors"], job
    assert bench.state()["jobs"]["bygg"]["number"] == 1  # the second click started nothing
    out = bench.root / "build" / YEAR
    assert sorted(job["files"]) == sorted(f"build/{YEAR}/verksamhetsplan-{YEAR}.{ext}" for ext in ("docx", "html", "pdf"))
    expected_docx, expected_pdf = build_2024
    assert (out / f"verksamhetsplan-{YEAR}.docx").read_bytes() == expected_docx.read_bytes()
    assert (out / f"verksamhetsplan-{YEAR}.pdf").read_bytes() == expected_pdf.read_bytes()
    assert (out / f"verksamhetsplan-{YEAR}.html").read_bytes() == expected_pdf.with_suffix(".html").read_bytes()
    # the PDF the workbench shows is the one the build writes
    status, _, live_pdf = bench.get(f"/pdf/verksamhetsplan-{YEAR}.pdf")
    assert status == 200 and live_pdf == expected_pdf.read_bytes()
    # and make plan-ÅR finds nothing to do
    again = run_cli("build", YEAR, root=bench.root)
    assert again.returncode == 0 and "inget har ändrats" in again.stdout
    status, _, page = bench.get("/steg/bygg")
    assert "Klart kl" in text(page) and f"/hamta/build/{YEAR}/verksamhetsplan-{YEAR}.pdf" in text(page)
    status, headers, data = bench.get(f"/hamta/build/{YEAR}/verksamhetsplan-{YEAR}.docx")
    assert status == 200 and data == expected_docx.read_bytes() and "attachment" in headers["content-disposition"]


def test_follow_up_and_archive_are_steps_too(bench):
    status, headers, _ = bench.post("/steg/uppfoljning", {"tillfalle": "helar"})
    assert status == 303
    job = bench.wait_job("uppfoljning")
    assert not job["errors"] and f"build/{YEAR}/uppfoljning-{YEAR}-helar.pdf" in job["files"]
    status, _, _ = bench.post("/steg/arkiv", {"vad": "planen", "leverans": "zip"})
    job = bench.wait_job("arkiv")
    assert not job["errors"], job
    assert any(line.startswith("Arkiverade") for line in job["lines"])
    package = f"verksamhetsplan-{YEAR}-beslutad-2024-01-16"
    assert (bench.root / "archive" / package / "METS.xml").is_file()
    assert f"archive/{package}.sha256" in job["files"] and f"build/leverans/{package}.zip" in job["files"], job
    verified = run_cli("verify-archive", root=bench.root)
    assert verified.returncode == 0, verified.stderr
    # a form value outside the choices is refused, with the field marked
    status, _, page = bench.post("/steg/arkiv", {"vad": "../../etc"})
    assert status == 400 and 'aria-describedby="formularfel"' in text(page) and "Välj vad som ska arkiveras" in text(page)



# --- the round and its answers ---------------------------------------------------------------------------

def test_the_round_and_the_answers_compiled_in_the_browser(bench, tmp_path):
    # the workbench sends the round today, so its answer date must lie ahead (a Friday far away)
    make_round(bench.root, version=2, text=ROUND_FILE.replace("svar_senast: 2024-02-09", "svar_senast: 2099-02-06"))
    bench.wait_ready()
    bench.post("/steg/remiss")
    job = bench.wait_job("remiss")
    assert not job["errors"], job
    folder = f"build/{YEAR}/remiss-utkast-2"
    copies = sorted(f for f in job["files"] if f.endswith(".docx") and not Path(f).name.startswith("missiv"))
    assert len(copies) == 8, job["files"]
    botkyrka = bench.root / folder / f"Botkyrka-verksamhetsplan-{YEAR}-utkast-2.docx"
    huddinge = bench.root / folder / f"Huddinge-verksamhetsplan-{YEAR}-utkast-2.docx"
    answers = [add_comments(botkyrka, tmp_path / botkyrka.name,
                            [("Budget", "Kan avgiften hållas oförändrad?", "Anna Berg")]),
               add_comments(huddinge, tmp_path / "vp2024 Huddinge svar.docx",
                            [("Budget", "Vi tillstyrker.", "Per Ek"), ("Kalendarium", "Mötet i maj krockar.", "Per Ek")])]
    result = bench.browser([
        {"goto": "/steg/svar"},
        {"files": [str(p) for p in answers], "in": "#filer"},
        {"text": "Valda filer (2)", "in": "#valda"},
        {"click": "form.stegformular button[type=submit]"},
        {"text": "Översikt", "in": "#resultat", "timeout": 120000},
        {"eval": "[...document.querySelectorAll('#resultat table')[0].querySelectorAll('tbody tr')]"
                 ".map(r => [...r.children].map(c => c.textContent))"},
        {"fetch": "#resultat a[href$='.docx']", "to": str(tmp_path / "sammanstallning.docx")},
        {"fetch": "#resultat a[href$='.csv']", "to": str(tmp_path / "sammanstallning.csv")},
    ])["results"]
    rows = next(r["value"] for r in result if "eval" in r)
    by_name = {row[0]: row for row in rows}
    assert len(rows) == 8
    assert by_name["Botkyrka"][2:5] == ["1", "0", "svar"]
    assert by_name["Huddinge"][2:5] == ["2", "0", "svar"]
    assert by_name["Tyresö"][4].startswith("inget svar")
    stored = sorted(p.name for p in (bench.root / "build" / YEAR / "remissvar").iterdir())
    assert stored == sorted([botkyrka.name, "vp2024 Huddinge svar.docx"])
    csv = (tmp_path / "sammanstallning.csv").read_text(encoding="utf-8-sig")
    assert "Kan avgiften hållas oförändrad?" in csv and "Mötet i maj krockar." in csv
    compiled = run_cli("comments", *[str(bench.root / "build" / YEAR / "remissvar" / n) for n in stored],
                       "--out", str(tmp_path / "kommandot.docx"), "--år", YEAR, root=bench.root)
    assert (tmp_path / "kommandot.csv").read_bytes() == (tmp_path / "sammanstallning.csv").read_bytes(), compiled.stderr
    # an uploaded answer can be removed, and nothing else that way
    (bench.root / "hemligt.txt").write_text("kvar\n", encoding="utf-8")
    for name in ("../../../hemligt.txt", "/etc/passwd", "..", ""):
        status, _, page = bench.post("/steg/svar/ta-bort", {"fil": name}, token=bench.token("/steg/svar", "/steg/svar/ta-bort"))
        assert status == 400 and "finns inte bland de uppladdade svaren" in text(page), name
    assert (bench.root / "hemligt.txt").read_text(encoding="utf-8") == "kvar\n"
    status, headers, _ = bench.post("/steg/svar/ta-bort", {"fil": "vp2024 Huddinge svar.docx"},
                                    token=bench.token("/steg/svar", "/steg/svar/ta-bort"))
    assert status == 303
    assert sorted(p.name for p in (bench.root / "build" / YEAR / "remissvar").iterdir()) == [botkyrka.name]


def test_two_versions_are_compared(bench):
    old = f"build/{YEAR}/remiss-utkast-2/Botkyrka-verksamhetsplan-{YEAR}-utkast-2.docx"
    new = f"build/{YEAR}/remissvar/Botkyrka-verksamhetsplan-{YEAR}-utkast-2.docx"
    status, _, page = bench.get("/steg/jamfor")
    assert f'<option value="{old}"' in text(page)
    status, headers, _ = bench.post("/steg/jamfor", {"gammal": old, "ny": new})
    assert status == 303
    job = bench.wait_job("jamfor")
    assert not job["errors"], job
    assert len(job["files"]) == 1 and job["files"][0].startswith(f"build/{YEAR}/jamforelser/")
    assert any("ändring" in line for line in job["lines"])


# --- security ------------------------------------------------------------------------------------------

def test_the_printed_address_signs_in_with_a_strict_cookie(bench):
    assert bench.line == f"Arbetsbänken för {YEAR}: {bench.url}  (Ctrl-C stänger den)"
    status, headers, _ = bench.get(f"/?nyckel={bench.key}", cookie=False)
    assert status == 303 and headers["location"] == "/"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"vp-arbetsbank-{bench.port}={bench.key};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, headers, body = bench.get("/")
    assert status == 200 and '<html lang="sv">' in text(body)
    # no other site may frame the pages, run scripts in them or be sent their addresses
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"] and headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
    status, headers, _ = bench.get("/forhandsvisning")
    assert headers["x-frame-options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in headers["content-security-policy"]


@pytest.mark.parametrize("how", ["ingen nyckel", "fel nyckel", "fel kaka", "nyckel i en POST"])
def test_every_request_needs_the_key_of_this_run(bench, how):
    if how == "ingen nyckel":
        response = bench.get("/lage", cookie=False)
    elif how == "fel nyckel":
        response = bench.get("/?nyckel=" + "x" * 43, cookie=False)
    elif how == "fel kaka":
        response = bench.get("/lage", cookie=False, headers={"Cookie": f"vp-arbetsbank-{bench.port}=fel"})
    else:
        response = bench.request("POST", f"/steg/bygg?nyckel={bench.key}", body=b"", cookie=False,
                                 headers={"Origin": bench.origin})
    status, headers, body = response
    assert status == 403 and "Åtkomst nekad" in text(body) and "set-cookie" not in headers
    assert bench.key not in text(body)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost.evil.example:{port}",
                                  ""])
def test_a_host_header_that_is_not_the_server_s_own_is_refused(bench, host):
    status, _, body = bench.get("/lage", host=host.format(port=bench.port))
    assert status == 400 and "Arbetsbänken svarar bara på sin egen adress" in text(body)
    assert bench.get("/lage", host=f"localhost:{bench.port}")[0] == 200


@pytest.mark.parametrize("how", ["utan nyckel", "nyckel till ett annat formulär", "annan webbplats", "Origin null",
                                 "varken Origin eller Referer", "Referer från annan webbplats", "PUT"])
def test_a_change_needs_a_post_with_the_page_s_token_from_the_same_origin(bench, how):
    before = bench.state()["jobs"].get("uppfoljning", {}).get("number")
    path = "/steg/uppfoljning"
    if how == "utan nyckel":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, token=None)
    elif how == "nyckel till ett annat formulär":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, token=bench.token("/steg/bygg"))
    elif how == "annan webbplats":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, origin="http://evil.example")
    elif how == "Origin null":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, origin="null")
    elif how == "varken Origin eller Referer":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, origin=None)
    elif how == "Referer från annan webbplats":
        status, _, body = bench.post(path, {"tillfalle": "helar"}, origin=None,
                                     headers={"Referer": f"http://127.0.0.1:{bench.port}.evil.example/steg"})
    else:
        status, _, body = bench.request("PUT", path, body=b"", headers={"Origin": bench.origin})
    if how == "PUT":
        assert status == 405
    else:
        assert status == 403 and "Ändringen nekades" in text(body)
    assert bench.state()["jobs"].get("uppfoljning", {}).get("number") == before  # nothing started


def test_a_same_origin_post_with_referer_only_is_accepted(bench):
    status, headers, _ = bench.post("/steg/jamfor", {"gammal": "", "ny": ""}, origin=None,
                                    headers={"Referer": f"{bench.origin}/steg/jamfor"})
    assert status == 400  # past the guard: the form itself says what is missing


@pytest.fixture(scope="module")
def links_out(bench, tmp_path_factory):
    """Symlinks from the sources and from build/ to a file and a folder outside them."""
    outside = tmp_path_factory.mktemp("utanfor")
    (outside / "hemligt.txt").write_text("HEMLIGT INNEHÅLL\n", encoding="utf-8")
    (outside / "passwd").write_text("HEMLIGT INNEHÅLL\n", encoding="utf-8")
    links = [(bench.root / "sources" / YEAR / "ut.yaml", outside / "hemligt.txt"),
             (bench.root / "sources" / YEAR / "ut-mapp", outside),
             (bench.root / "build" / YEAR / "ut.pdf", outside / "hemligt.txt"),
             (bench.root / "build" / YEAR / "ut-mapp", outside)]
    for link, target in links:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=target.is_dir())
    (bench.root / "hemligt.txt").write_text("HEMLIGT INNEHÅLL\n", encoding="utf-8")
    yield
    for link, _ in links:
        link.unlink()


@pytest.mark.parametrize("path", [
    "/fil/../../../../etc/passwd",
    "/fil/sources/../../../../etc/passwd",
    "/fil/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/fil/sources/2024/%2e%2e/%2e%2e/hemligt.txt",
    "/fil/sources/2024/%2E%2E%2F%2E%2E%2Fpyproject.toml",
    "/fil//etc/passwd",
    "/fil/%2fetc%2fpasswd",
    "/fil/sources/2024/ut.yaml",           # a symlink out of the sources
    "/fil/sources/2024/ut-mapp/passwd",    # a folder symlink out of the sources
    "/fil/templates/verksamhetsplan.css",  # not the year's sources
    "/fil/hemligt.txt",
    "/fil/sources/2023/plan.yaml",
    "/redigera/sources/../../../../etc/passwd",
    "/redigera/sources/2024/%2e%2e/%2e%2e/hemligt.txt",
    "/redigera/sources/2024/ut.yaml",      # a symlink out of the sources
    "/redigera/hemligt.txt",
    "/redigera/templates/verksamhetsplan.css",
    "/redigera-visning/999",
    "/hamta/sources/2024/plan.yaml",       # downloads come from build/ and archive/ only
    "/hamta/hemligt.txt",
    "/hamta/build/../hemligt.txt",
    "/hamta/build/%2e%2e/hemligt.txt",
    "/hamta/build/%2E%2E/sources/2024/plan.yaml",
    "/hamta/build/.cache",
    "/hamta/build/2024/.vp-bygge.json",
    "/hamta/build/2024/ut.pdf",            # a symlink out of build/
    "/hamta/build/2024/ut-mapp/passwd",
    "/hamta//etc/passwd",
    "/statisk/../security.py",
    "/statisk/%2e%2e/security.py",
])
def test_no_url_reaches_a_file_outside_the_sources_build_and_archive(bench, links_out, path):
    status, _, body = bench.get(path)
    assert status in (400, 404), (path, status)
    assert b"root:" not in body and "HEMLIGT".encode() not in body and b"[project]" not in body
    assert b"import " not in body and b"formularnyckel" not in body.split(b"<main")[-1]


def test_a_compare_form_naming_a_file_outside_is_refused(bench):
    for value in ("../../etc/passwd", "/etc/passwd", f"sources/{YEAR}/plan.yaml", "build/%2e%2e/pyproject.toml"):
        status, _, body = bench.post("/steg/jamfor", {"gammal": value, "ny": f"build/{YEAR}/verksamhetsplan-{YEAR}.docx"})
        assert status == 400 and "Välj den äldre versionen i listan" in text(body), value


@pytest.mark.parametrize("case", ["textfil", "fel namn", "trasig docx", "för stor fil", "för stor begäran"])
def test_an_upload_that_is_not_a_word_file_or_too_big_is_refused_and_nothing_is_written(bench, case, tmp_path):
    folder = bench.root / "build" / YEAR / "remissvar"
    before = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    word = (ROOT / "templates" / "missiv.docx").read_bytes()
    if case == "textfil":
        files = [("filer", "Botkyrka.docx", "det här är ingen Word-fil\n".encode())]
    elif case == "fel namn":
        files = [("filer", "Nykvarn.docx", word), ("filer", "Salem-svar.pdf", b"%PDF-1.7\n")]
    elif case == "trasig docx":
        files = [("filer", "Salem.docx", word[: len(word) // 2])]
    elif case == "för stor fil":
        files = [("filer", "Tyresö.docx", word + b"\0" * (51 * 1024 * 1024))]
    if case == "för stor begäran":
        status, _, body = _too_long(bench)
        assert status == 413 and "för stor" in text(body) and "Ingenting sparades" in text(body)
    else:
        status, _, body = bench.post("/steg/svar", files=files)
        page = text(body)
        assert status == 400 and "ngenting sparades" in page, page[-2000:]
        assert 'aria-invalid="true"' in page and "formularfel" in page
        if case == "för stor fil":
            assert "för stor" in page and "högst 50 MB" in page
        elif case in ("textfil", "trasig docx"):
            assert "inte en Word-fil" in page or "trasig" in page
        else:
            assert "Salem-svar.pdf: är ingen Word-fil" in page
    after = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    assert after == before
    assert not list((bench.root / "build").rglob("*.part"))


def _too_long(bench: Workbench):
    """A request announcing more than the limit: refused before its body is read."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", bench.port, timeout=30)
    try:
        connection.putrequest("POST", "/steg/svar", skip_host=True)
        for name, value in (("Host", f"127.0.0.1:{bench.port}"), ("Cookie", bench.cookie), ("Origin", bench.origin),
                            ("Content-Type", "multipart/form-data; boundary=x"),
                            ("Content-Length", str(500 * 1024 * 1024))):
            connection.putheader(name, value)
        connection.endheaders(b"--x\r\n")
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# --- every page: accessible, Swedish, by keyboard, at 320 px ---------------------------------------------

PAGES = ["/", "/steg/bygg", "/steg/remiss", "/steg/svar", "/steg/jamfor", "/steg/arkiv", "/steg/uppfoljning",
         f"/fil/sources/{YEAR}/budget.yaml", f"/redigera/sources/{YEAR}/budget.yaml", f"/redigera/sources/{YEAR}/mal.yaml",
         f"/redigera/sources/{YEAR}/kalendarium.yaml", f"/redigera/sources/{YEAR}/uppfoljning-helar.yaml",
         f"/redigera/sources/{YEAR}/text/2-utvecklingsaktiviteter.md", "/finns-inte", "/forhandsvisning"]


def test_every_page_is_axe_clean_reflows_at_320_px_and_works_by_keyboard(bench):
    plan = []
    for width in (1280, 320):
        plan.append({"viewport": width})
        for page in PAGES:
            plan += [{"goto": page}, {"axe": f"{page} {width}"}]
    plan += [  # a form sent with a wrong value: the field is marked and the message tied to it
        {"viewport": 1280},
        {"goto": "/steg/jamfor"},
        {"eval": "document.getElementById('ny').value = ''"},
        {"click": "form.stegformular button[type=submit]"},
        {"axe": "formulär med fel"},
        {"eval": "[document.getElementById('ny').getAttribute('aria-invalid'), "
                 "document.getElementById('ny').getAttribute('aria-describedby'), "
                 "document.getElementById('formularfel').textContent.trim()]"},
    ]
    plan += [
        {"goto": "/"},
        {"tab_to": ".hopplank", "max": 1},
        {"press": "Enter"},
        {"eval": "document.activeElement.id"},
        {"tab_to": "a[href='/steg/bygg']", "max": 10},
        {"press": "Enter"},
        {"tab_to": "form.stegformular button[type=submit]", "max": 30},
        {"press": "Enter"},  # the build starts; it runs on while the next tests look at the pages
        {"eval": "location.pathname + location.search"},
    ]
    result = bench.browser(plan)
    assert result["outside"] == []  # nothing but the workbench itself is loaded
    checked = [r for r in result["results"] if "axe" in r]
    assert len(checked) == 2 * len(PAGES) + 1
    for page in checked:
        assert page["violations"] == [], (page["axe"], page["violations"])
        assert page["scrollWidth"] <= page["clientWidth"] and page["wide"] == [], page
        assert page["lang"] == "sv" and page["title"], page
    tabs = [r for r in result["results"] if "tab_to" in r]
    assert all(t["reached"] and t["outline"] for t in tabs), tabs
    evaluated = [r["value"] for r in result["results"] if "eval" in r]
    assert evaluated[1] == ["true", "formularfel", "Välj den nyare versionen."]
    assert evaluated[2:] == ["huvudinnehall", "/steg/bygg?meddelande=startat"]


def test_everything_on_the_pages_is_swedish(bench):
    english = {"the", "and", "file", "error", "not", "found", "submit", "upload", "loading", "please", "click",
               "build", "step", "running", "done", "failed"}
    for page in PAGES[:-1]:
        status, _, body = bench.get(page)
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text(body), flags=re.S))
        visible = re.sub(r"\S*[/.]\S*", " ", visible)  # paths and file names
        words = {w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäö]+", visible)}
        assert not words & english, (page, words & english)


# --- stopping ------------------------------------------------------------------------------------------

def _command_line(pid: int) -> str:
    """The process's command line, or "" when it has ended meanwhile (a helper's short-lived child)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def test_sigterm_stops_the_server_and_every_libreoffice_it_started(bench):
    bench.post("/steg/remiss")  # LibreOffice busy with a step (or with the build started by keyboard)
    bench.wait(lambda s: s["job"] is not None, what="ett pågående steg")
    time.sleep(1.0)
    started = bench.descendants()
    pipe = bench.state()["office_pipe"]
    assert pgrep(pipe), "LibreOffice körs inte"
    assert any(pid for pid in started if "soffice" in _command_line(pid))
    assert bench.stop(signal.SIGTERM) == 0
    assert "Arbetsbänken är stängd" in bench.stderr()
    assert alive(started) == [], [_command_line(p) for p in alive(started)]
    assert pgrep(pipe) == [] and pgrep(str(bench.tmp)) == []


def test_ctrl_c_stops_everything_too(bench, tmp_path):
    second = Workbench(bench.root, tmp_path)
    try:
        pipe = second.wait(lambda s: s["office_pipe"], what="LibreOffice")["office_pipe"]
        deadline = time.monotonic() + 60
        while not any("soffice" in line for line in pgrep(pipe)) and time.monotonic() < deadline:
            time.sleep(0.1)  # soffice has started and listens on the workbench's pipe
        assert any("soffice" in line for line in pgrep(pipe))
        started = second.descendants()
    finally:
        code = second.stop(signal.SIGINT)
    assert code == 0
    assert alive(started) == [] and pgrep(pipe) == [] and pgrep(str(second.tmp)) == []

