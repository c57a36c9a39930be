"""The archive: an E-ARK information package, written once, never overwritten, and every damage named.

One decided plan is archived once per module (the only LibreOffice builds here are it, the same
sources archived a second time, and the plan of another shape); every damage is then made on a
copy of that archive, and verify-archive (and archive again) must name it, exit 1 and print no
traceback. The package is checked by E-ARK's own validator, by the schemas it carries and by
checksums computed here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import OTHER_SHAPE, ROOT, copy_project, needs_libreoffice, run_cli
from eark_check import findings, mets_schema, validate
from pipeline.archive import eark
from helpers import replace_in

OBJID = "verksamhetsplan-2024-beslutad-2024-01-16"
PDF = f"representations/pdf/data/{OBJID}.pdf"
HTML = f"representations/html/data/{OBJID}.html"
SUMS = f"{OBJID}.sha256"
DC = "metadata/descriptive/dc.xml"
PREMIS = "metadata/preservation/premis.xml"
SCHEMAS = ["DILCISExtensionMETS.xsd", "DILCISExtensionSIPMETS.xsd", "mets.xsd", "xlink.xsd"]
LAYOUT = sorted(["METS.xml", DC, PREMIS, "documentation/om-paketet.txt", *(f"schemas/{s}" for s in SCHEMAS),
                 *(f"representations/{rep}/{f}" for rep in ("pdf", "html")
                   for f in ["METS.xml", "documentation/om-representationen.txt", *(f"schemas/{s}" for s in SCHEMAS)]),
                 PDF, HTML])
NS = {"mets": "http://www.loc.gov/METS/", "xlink": "http://www.w3.org/1999/xlink",
      "csip": "https://DILCIS.eu/XML/METS/CSIPExtensionMETS", "dc": "http://purl.org/dc/elements/1.1/",
      "premis": "http://www.loc.gov/premis/v3"}


@pytest.fixture(scope="module")
def archive_run(tmp_path_factory):
    """(project, the run of archive) for a project outside git whose 2024 plan is archived (and delivered as a zip)."""
    from pipeline.pdf.libreoffice import libreoffice_status
    if libreoffice_status():
        pytest.skip(libreoffice_status())
    project = copy_project(tmp_path_factory.mktemp("arkiverat") / "projekt")
    result = run_cli("archive", "2024", "--leverans", "zip", root=project)
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
    os.chmod(project / "archive" / OBJID, 0o755)
    return project


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _relist(package: Path, path: str) -> None:
    """Write the checksum and size of `path` into the METS file that lists it (what a careless repair does)."""
    parts = path.split("/")
    mets, href = (f"representations/{parts[1]}/METS.xml", "/".join(parts[2:])) \
        if parts[0] == "representations" and parts[2:] != ["METS.xml"] else ("METS.xml", path)
    tree = etree.parse(str(package / mets))
    for element in tree.iter("{http://www.loc.gov/METS/}file", "{http://www.loc.gov/METS/}mdRef"):
        location = element.find("mets:FLocat", NS) if element.tag.endswith("file") else element
        if location.get("{http://www.w3.org/1999/xlink}href") == href:
            data = (package / path).read_bytes()
            element.set("CHECKSUM", hashlib.sha256(data).hexdigest())
            element.set("SIZE", str(len(data)))
    tree.write(str(package / mets), xml_declaration=True, encoding="UTF-8")


def _resum(package: Path) -> None:
    """Write the .sha256 list again for whatever the package holds now."""
    lines = [f"{_sha(package / p)}  {package.name}/{p}" for p in _files(package)]
    (package.parent / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _changed_consistently(package: Path, path: str) -> None:
    """Change `path` and every checksum list that names it: its METS, the package METS, the .sha256 list."""
    _flip(package / path)
    _relist(package, path)
    if path.startswith("representations/"):
        _relist(package, "/".join(path.split("/")[:2]) + "/METS.xml")
    _resum(package)


def _record(package: Path, old: str, new: str) -> None:
    """Change the descriptive record, and its checksum in the package METS and the .sha256 list."""
    record = package / DC
    record.write_text(record.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    _relist(package, DC)
    _resum(package)


def _broken_record(package: Path) -> None:
    (package / DC).write_text("<oai_dc:dc trasig", encoding="utf-8")
    _relist(package, DC)
    _resum(package)


P = f"archive/{OBJID}"
DAMAGE = {
    "en ändrad byte i PDF:en": (lambda f: _flip(f / PDF), f"{P}/{PDF}: innehållet har ändrats"),
    "PDF:en saknas": (lambda f: (f / PDF).unlink(), f"{P}/{PDF}: filen saknas"),
    "en extra fil": (lambda f: (f / "extra.txt").write_text("x"), f"{P}/extra.txt: en fil som inte hör till paketet"),
    "en kopia (1).pdf": (lambda f: shutil.copy(f / PDF, f / "representations/pdf/data/plan (1).pdf"),
                         f"{P}/representations/pdf/data/plan (1).pdf: en fil som inte hör till paketet (den står "
                         f"inte i representations/pdf/METS.xml)"),
    "kontrollsummorna saknas": (lambda f: (f.parent / SUMS).unlink(), f"archive/{SUMS}: filen saknas"),
    "kontrollsummorna är inte text": (lambda f: (f.parent / SUMS).write_bytes(b"\xff\xfe" + (f.parent / SUMS).read_bytes()),
                                      f"archive/{SUMS}: filen är skadad (inte läsbar text)"),
    "en skadad rad i kontrollsummorna": (lambda f: (f.parent / SUMS).write_text(f"abc  {OBJID}/{PDF}\n"),
                                         f"archive/{SUMS}, rad 1: raden är skadad"),
    "kontrollsummorna tomma": (lambda f: (f.parent / SUMS).write_text(""), f"archive/{SUMS}: filen är tom"),
    "kontrollsummorna stämmer inte": (lambda f: (f.parent / SUMS).write_text(
        (f.parent / SUMS).read_text().replace(_sha(f / DC), "0" * 64)),
        f"archive/{SUMS}, rad 3: kontrollsumman för {DC} stämmer inte med filen"),
    "PDF:en och dess METS ändrade tillsammans": (lambda f: (_flip(f / PDF), _relist(f, PDF)),
                                                f"{P}/representations/pdf/METS.xml: innehållet har ändrats"),
    "PDF:en och alla kontrollsummor ändrade tillsammans": (lambda f: _changed_consistently(f, PDF),
                                                          f"{P}/{PREMIS}: kontrollsumman för {PDF} stämmer inte"),
    "en ändrad byte i webbsidan": (lambda f: _flip(f / HTML), f"{P}/{HTML}: innehållet har ändrats"),
    "webbsidan och alla kontrollsummor ändrade tillsammans": (lambda f: _changed_consistently(f, HTML),
                                                             f"{P}/{PREMIS}: kontrollsumman för {HTML} stämmer inte"),
    "den beskrivande posten saknas": (lambda f: (f / DC).unlink(), f"{P}/{DC}: filen saknas"),
    "den beskrivande posten är inte XML": (_broken_record, f"{P}/{DC}: filen är skadad (inte välformad XML"),
    "den beskrivande posten med fel år": (lambda f: _record(f, "<dc:coverage>2024", "<dc:coverage>2023"),
                                          f"{P}/{DC}: året 2023 stämmer inte med paketet {OBJID}"),
    "PDF:en bytt namn": (lambda f: (f / PDF).rename(f / "representations/pdf/data/plan.pdf"),
                         f"{P}/{PDF}: filen saknas"),
    "METS.xml saknas": (lambda f: (f / "METS.xml").unlink(), f"{P}/METS.xml: filen saknas"),
    "METS.xml är trasig": (lambda f: (f / "METS.xml").write_bytes((f / "METS.xml").read_bytes()[:-40]),
                           f"{P}/METS.xml: filen är skadad (inte välformad XML"),
    "en representations METS.xml är trasig": (lambda f: (f / "representations/html/METS.xml").write_text("<mets"),
                                              f"{P}/representations/html/METS.xml: innehållet har ändrats"),
    "en lös fil i archive/": (lambda f: (f.parent / "anteckning.txt").write_text("x"),
                              "archive/anteckning.txt: en fil som inte hör till arkivet"),
    "en kopia av paketet": (lambda f: shutil.copytree(f, f.parent / f"{OBJID} kopia"),
                            f"archive/{OBJID} kopia: en mapp som inte hör till arkivet"),
    "en avbruten arkivering": (lambda f: (f.parent / ".2025-abc123").mkdir(),
                               "archive/.2025-abc123: en arkivering som avbröts"),
}


@needs_libreoffice
def test_the_package_holds_the_document_its_metadata_and_checksums(archived):
    package = archived / "archive" / OBJID
    assert sorted(p.name for p in (archived / "archive").iterdir()) == [OBJID, SUMS]
    assert _files(package) == LAYOUT
    assert b"<h1>Verksamhetsplan och budget 2024</h1>" in (package / HTML).read_bytes()
    assert (package / PDF).read_bytes().startswith(b"%PDF-")
    assert all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in package.rglob("*") if p.is_file())
    assert oct((package / PDF).stat().st_mode & 0o777) == "0o444"
    verify = run_cli("verify-archive", root=archived)
    assert verify.returncode == 0, verify.stderr
    assert f"Arkivet är oförändrat: {len(LAYOUT)} filer i 1 mapp" in verify.stdout
    # sha256sum, the tool an archivist has, agrees with the list beside the package
    check = subprocess.run(["sha256sum", "-c", SUMS], cwd=archived / "archive", capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(LAYOUT)


@needs_libreoffice
def test_e_ark_validator_finds_the_package_valid(archived):
    report = validate(archived / "archive" / OBJID)
    assert report["structure"]["status"] == "WellFormed"
    assert report["metadata"]["schema_results"]["status"] == "VALID"
    # eark-validator 1.1.3 tests SIP14 as "every note of every agent with ROLE CREATOR has an
    # unqualified @NOTETYPE = 'IDENTIFICATIONCODE'": the software agent's note (csip:NOTETYPE
    # 'SOFTWARE VERSION', CSIP16) fails it, and an unqualified NOTETYPE is not allowed by the METS
    # schema at all. SIP14 as the profile words it concerns the archival creator's note
    # (csip:NOTETYPE="IDENTIFICATIONCODE", checked in test_the_organisation_s_codes_...). So SIP14 is
    # the one error, and the only one allowed.
    assert {rule for rule, _ in findings(report, "Error")} == {"SIP14"}, findings(report, "Error")
    # What it warns of, and why (docs/arkivpaket.md): no metadata folder inside a representation
    # (CSIPSTR13: all metadata is at package level, as in CSIP's simple example), and the
    # representation divisions beside, not inside, the Representations division (CSIP105's XPath).
    assert {rule for rule, _ in findings(report, "Warn")} <= {"CSIPSTR13", "CSIP105"}


@needs_libreoffice
def test_every_mets_file_is_valid_against_the_schemas_the_package_carries(archived):
    package = archived / "archive" / OBJID
    schema = mets_schema(package / "schemas")
    for mets in ["METS.xml", "representations/pdf/METS.xml", "representations/html/METS.xml"]:
        document = etree.parse(str(package / mets))
        assert schema.validate(document), (mets, schema.error_log)
    rep_schema = mets_schema(package / "representations/pdf/schemas")
    assert rep_schema.validate(etree.parse(str(package / "representations/pdf/METS.xml")))


@needs_libreoffice
def test_every_listed_file_has_its_size_checksum_mime_type_and_creation_date(archived):
    """Computed here, not by verify-archive: each METS file lists exactly the files in its scope."""
    package = archived / "archive" / OBJID
    listed = []
    for mets, folder in [("METS.xml", package), ("representations/pdf/METS.xml", package / "representations/pdf"),
                         ("representations/html/METS.xml", package / "representations/html")]:
        root = etree.parse(str(package / mets)).getroot()
        assert root.find("mets:metsHdr", NS).get("CREATEDATE") == "2024-01-16T00:00:00+01:00"
        for element in root.iter("{http://www.loc.gov/METS/}file", "{http://www.loc.gov/METS/}mdRef"):
            location = element.find("mets:FLocat", NS) if element.tag.endswith("file") else element
            path = folder / location.get("{http://www.w3.org/1999/xlink}href")
            data = path.read_bytes()
            assert element.get("CHECKSUMTYPE") == "SHA-256" and element.get("CHECKSUM") == hashlib.sha256(data).hexdigest()
            assert element.get("SIZE") == str(len(data)) and element.get("MIMETYPE")
            assert element.get("CREATED") == "2024-01-16T00:00:00+01:00"
            listed.append(path.relative_to(package).as_posix())
    assert sorted(listed + ["METS.xml"]) == LAYOUT
    pdf = etree.parse(str(package / "representations/pdf/METS.xml")).find(".//mets:fileGrp[@USE='Representations/pdf/data']/mets:file", NS)
    assert pdf.get("MIMETYPE") == "application/pdf"
    assert pdf.get("{https://DILCIS.eu/XML/METS/SIPExtensionMETS}FORMATREGISTRYKEY") == "fmt/476"


@needs_libreoffice
def test_the_package_says_what_it_is_who_made_it_and_where_it_came_from(archived):
    package = archived / "archive" / OBJID
    root = etree.parse(str(package / "METS.xml")).getroot()
    assert root.get("OBJID") == OBJID and root.get("PROFILE") == "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
    header = root.find("mets:metsHdr", NS)
    assert header.get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}OAISPACKAGETYPE") == "SIP"
    software, creator, submitter = header.findall("mets:agent", NS)
    assert (software.get("ROLE"), software.get("OTHERTYPE")) == ("CREATOR", "SOFTWARE")
    assert software.find("mets:note", NS).get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}NOTETYPE") == "SOFTWARE VERSION"
    assert (creator.get("ROLE"), creator.get("TYPE")) == ("ARCHIVIST", "ORGANIZATION")
    assert creator.findtext("mets:name", namespaces=NS) == "Södertörnskommunernas samarbetskommitté"
    assert submitter.get("OTHERROLE") == "SUBMITTER"
    groups = {g.get("ID"): g.get("USE") for g in root.iter("{http://www.loc.gov/METS/}fileGrp")}
    pointers = {d.get("LABEL"): (m.get("{http://www.w3.org/1999/xlink}href"), groups[m.get("{http://www.w3.org/1999/xlink}title")])
                for d in root.findall("mets:structMap[@LABEL='CSIP']/mets:div/mets:div", NS)
                for m in d.findall("mets:mptr", NS)}  # CSIP105–112: a division per representation
    assert pointers == {f"Representations/{r}": (f"representations/{r}/METS.xml", f"Representations/{r}")
                        for r in ("pdf", "html")}
    record = etree.parse(str(package / DC)).getroot()
    values = {etree.QName(e).localname: e.text for e in record}
    assert values["title"] == "Verksamhetsplan och budget 2024" and values["date"] == "2024-01-16"
    assert values["creator"] == "Södertörnskommunernas samarbetskommitté" and values["coverage"] == "2024"
    assert "Beslutad av Södertörnskommunernas samarbetskommitté 2024-01-16. Status: beslutad." in values["description"]
    provenance = etree.parse(str(package / PREMIS)).getroot()
    sources = {o.findtext("premis:objectIdentifier/premis:objectIdentifierValue", namespaces=NS):
               o.findtext(".//premis:messageDigest", namespaces=NS)
               for o in provenance.findall("premis:object", NS)
               if o.findtext("premis:objectIdentifier/premis:objectIdentifierType", namespaces=NS) == "källfil"}
    assert sources["sources/2024/kansliet.yaml"] == _sha(archived / "sources/2024/kansliet.yaml")
    assert sources["templates/verksamhetsplan.docx"] == _sha(archived / "templates/verksamhetsplan.docx")
    assert len(sources) == sum(1 for folder in ("sources/2024", "sources/gemensamt", "templates")
                               for p in (archived / folder).rglob("*") if p.is_file())
    programs = {a.findtext("premis:agentName", namespaces=NS): a.findtext("premis:agentVersion", namespaces=NS)
                for a in provenance.findall("premis:agent", NS)}
    assert programs["LibreOffice"] and programs["Python"] and programs["pikepdf"]
    text = (package / "documentation/om-paketet.txt").read_text(encoding="utf-8")
    assert "FGS Paketstruktur 2.0" in text and f"sha256sum -c {SUMS}" in text


@needs_libreoffice
def test_the_same_sources_give_the_same_package_byte_for_byte(archived, tmp_path):
    again = copy_project(tmp_path / "igen")
    result = run_cli("archive", "2024", "--leverans", "zip", root=again)
    assert result.returncode == 0, result.stderr
    first, second = archived / "archive" / OBJID, again / "archive" / OBJID
    assert _files(first) == _files(second)
    assert [p for p in _files(first) if (first / p).read_bytes() != (second / p).read_bytes()] == []
    assert (archived / "archive" / SUMS).read_bytes() == (again / "archive" / SUMS).read_bytes()
    zips = [root / "build" / "leverans" / f"{OBJID}.zip" for root in (archived, again)]
    assert zips[0].read_bytes() == zips[1].read_bytes()


@needs_libreoffice
def test_the_delivery_file_unpacks_to_the_package_and_is_valid(archived, tmp_path):
    delivered = archived / "build" / "leverans" / f"{OBJID}.zip"
    with zipfile.ZipFile(delivered) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        assert {n.split("/")[0] for n in archive.namelist()} == {OBJID}  # one root folder (CSIPSTR1)
        assert sorted(n.removeprefix(f"{OBJID}/") for n in names) == LAYOUT
        assert archive.read(f"{OBJID}/{PDF}") == (archived / "archive" / OBJID / PDF).read_bytes()
    report = validate(delivered)
    assert {rule for rule, _ in findings(report, "Error")} == {"SIP14"}  # see test_e_ark_validator_...
    project = tmp_path / "projekt"
    shutil.copytree(archived, project)
    tar = run_cli("archive", "2024", "--leverans", "tar", root=project)
    assert tar.returncode == 0 and "identisk" in tar.stdout, tar.stderr
    with tarfile.open(project / "build" / "leverans" / f"{OBJID}.tar") as archive:
        assert sorted(m.name.removeprefix(f"{OBJID}/") for m in archive.getmembers() if m.isfile()) == LAYOUT


@needs_libreoffice
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_verify_archive_names_every_kind_of_damage(archive_copy, damage):
    make, expected = DAMAGE[damage]
    make(archive_copy / "archive" / OBJID)
    result = run_cli("verify-archive", root=archive_copy)
    assert result.returncode == 1, (damage, result.stdout)
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert "fel i arkivet" in result.stderr


@needs_libreoffice
@pytest.mark.parametrize("damage", ["den beskrivande posten saknas", "en ändrad byte i PDF:en", "METS.xml saknas",
                                    "en extra fil", "kontrollsummorna saknas"])
def test_archive_again_says_the_archive_is_damaged_not_the_plan(archive_copy, damage):
    make, expected = DAMAGE[damage]
    make(archive_copy / "archive" / OBJID)
    result = run_cli("archive", "2024", root=archive_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"archive/{OBJID} är skadat; det är arkivet som har ändrats, inte planen" in result.stderr
    assert expected in result.stderr
    assert "identisk" not in result.stderr + result.stdout and "källfil" not in result.stderr


@needs_libreoffice
def test_archive_again_names_the_sources_changed_since_the_decision(archive_copy):
    again = run_cli("archive", "2024", root=archive_copy)
    assert again.returncode == 0 and "är identisk" in again.stdout
    replace_in(archive_copy, "2024/kansliet.yaml", "Första förslag ska tas fram", "Ett första förslag ska tas fram")
    changed = run_cli("archive", "2024", root=archive_copy)
    assert changed.returncode == 1 and "Traceback" not in changed.stderr
    assert f"archive/{OBJID} är oskadat, men planens källfiler har ändrats sedan beslutet" in changed.stderr
    assert "sources/2024/kansliet.yaml: ändrad" in changed.stderr
    assert "skrivs aldrig över" in changed.stderr
    assert run_cli("verify-archive", root=archive_copy).returncode == 0  # the archive itself is intact


@needs_libreoffice
def test_verify_archive_of_one_year_reads_only_that_year(archive_copy):
    assert run_cli("verify-archive", "2024", root=archive_copy).returncode == 0
    other = run_cli("verify-archive", "2025", root=archive_copy)
    assert other.returncode == 0 and "Inget är arkiverat för 2025" in other.stdout
    wrong = run_cli("verify-archive", "tjugofyra", root=archive_copy)
    assert wrong.returncode == 1 and "fyra siffror" in wrong.stderr and "Traceback" not in wrong.stderr
    DAMAGE["en ändrad byte i PDF:en"][0](archive_copy / "archive" / OBJID)
    damaged = run_cli("verify-archive", "2024", root=archive_copy)
    assert damaged.returncode == 1 and "fel i arkivet" in damaged.stderr
    assert run_cli("verify-archive", "2025", root=archive_copy).returncode == 0  # 2024's damage is not 2025's


def test_an_empty_archive_is_said_to_be_empty(tmp_path):
    result = run_cli("verify-archive", root=tmp_path)
    assert result.returncode == 0 and "Arkivet är tomt" in result.stdout


def test_an_archive_of_the_older_format_is_still_verified(tmp_path):
    """archive/ÅR/ with the PDF, metadata.json and SHA256SUMS (before the E-ARK package) is verified as before."""
    import json
    folder = tmp_path / "archive" / "2023"
    folder.mkdir(parents=True)
    pdf = "verksamhetsplan-2023-beslutad-2023-01-17.pdf"
    (folder / pdf).write_bytes(b"%PDF-1.7 arkiverad")
    meta = {"titel": "Verksamhetsplan och budget 2023", "år": 2023, "beslutsdatum": "2023-01-17", "fil": pdf,
            "sha256": _sha(folder / pdf), "källfiler": {}}
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "SHA256SUMS").write_text(f"{_sha(folder / pdf)}  {pdf}\n{_sha(folder / 'metadata.json')}  metadata.json\n")
    ok = run_cli("verify-archive", root=tmp_path)
    assert ok.returncode == 0 and "3 filer i 1 mapp" in ok.stdout, ok.stderr
    _flip(folder / pdf)
    broken = run_cli("verify-archive", root=tmp_path)
    assert broken.returncode == 1 and f"archive/2023/{pdf}: innehållet har ändrats" in broken.stderr


def test_a_wrong_key_in_the_delivery_settings_is_named_with_file_and_line(project):
    (project / "sources/gemensamt/arkiv.yaml").write_text("arkivbildare:\n  namn: X\n  orgnr: 1\n", encoding="utf-8")
    result = run_cli("archive", "2024", root=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sources/gemensamt/arkiv.yaml:3: arkivbildare.orgnr:" in result.stderr
    assert not (project / "archive").exists()


@needs_libreoffice
def test_git_notices_a_package_changed_consistently_after_it_was_committed(archive_copy):
    """Every checksum list changed so that they agree, PREMIS too: only the committed version can tell."""
    git = ["git", "-C", str(archive_copy), "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "archive"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "arkiv"], check=True)
    package = archive_copy / "archive" / OBJID
    _changed_consistently(package, PDF)
    premis = package / PREMIS
    premis.write_text(premis.read_text(encoding="utf-8").replace(
        etree.parse(str(package / PREMIS)).findtext(".//premis:messageDigest", namespaces=NS), _sha(package / PDF)),
        encoding="utf-8")
    _relist(package, PREMIS)
    _resum(package)
    result = run_cli("verify-archive", root=archive_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"archive/{OBJID}/{PDF}: ändrad sedan den checkades in i git" in result.stderr
    assert f"archive/{OBJID}/METS.xml: ändrad sedan den checkades in i git" in result.stderr
    assert "kontrollsumman" not in result.stderr  # consistent: only git tells



def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(project), "-c", "user.name=Kansliet", "-c", "user.email=k@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


@needs_libreoffice
def test_outside_git_the_archive_says_the_sources_cannot_be_traced(archive_run):
    project, result = archive_run
    assert result.stdout.splitlines()[0] == ("Inte en git-utcheckning: det arkiverade dokumentet kan inte spåras till "
                                             "en version av källfilerna (paketets PREMIS-post säger det). Arkiverar ändå.")
    provenance = eark.read_provenance((project / "archive" / OBJID / PREMIS).read_bytes())
    assert provenance.revision == "okänd (inte en git-utcheckning): källfilerna kan inte spåras till en version"


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
           "templates/verksamhetsplan.css (paketets PREMIS-post säger det)." in forced.stdout
    premis = (project / "archive" / OBJID / PREMIS).read_bytes()
    head = _git(project, "rev-parse", "HEAD").strip()
    assert eark.read_provenance(premis).revision == head
    assert ("Arkiverad trots ändringar som inte var incheckade i git (källfilerna kan därför inte helt spåras till "
            "revisionen): sources/2024/kansliet.yaml, templates/verksamhetsplan.css.") in premis.decode("utf-8")
    assert run_cli("verify-archive", root=project).returncode == 0


def test_the_program_that_builds_the_plan_is_held_to_git_too(project):
    """The program is part of what the archived plan came from: in the project's own repository, a change
    to it that is not committed stops the archive like a changed source."""
    shutil.copytree(ROOT / "pipeline", project / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    _git(project, "init", "-q")
    _git(project, "add", "sources", "templates", "pipeline")
    _git(project, "commit", "-q", "-m", "Beslutad plan")
    with (project / "pipeline" / "docx" / "render.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# en ändring\n")
    result = subprocess.run([sys.executable, "-m", "pipeline", "archive", "2024"], cwd=project, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "  pipeline/docx/render.py: ändrad" in result.stderr.splitlines(), result.stderr
    assert not (project / "archive").exists()


@needs_libreoffice
def test_the_organisation_s_codes_and_a_plan_of_another_shape(tmp_path):
    """The test plan of another shape, decided, with arkiv.yaml: codes, agreement and reference code in METS."""
    root = tmp_path / "projekt"
    shutil.copytree(OTHER_SHAPE / "sources", root / "sources")
    shutil.copytree(ROOT / "templates", root / "templates")
    plan = root / "sources/2031/plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("status: utkast", "status: beslutad\nbeslutsdatum: 2031-01-20")
                    .replace("\nversion:", "\n# version:"), encoding="utf-8")
    (root / "sources/gemensamt/arkiv.yaml").write_text(
        "arkivbildare:\n  identitetskod: 'ORG:000000-0000'\nlevererande:\n  namn: Testkommunernas kansli\n"
        "leveransöverenskommelse: LÖ 2031:1\nreferenskod: SE/TEST/1\n", encoding="utf-8")
    result = run_cli("archive", "2031", root=root)
    assert result.returncode == 0, result.stderr
    package = root / "archive" / "verksamhetsplan-2031-beslutad-2031-01-20"
    header = etree.parse(str(package / "METS.xml")).find("mets:metsHdr", NS)
    creator = header.find("mets:agent[@ROLE='ARCHIVIST']", NS)
    assert creator.findtext("mets:name", namespaces=NS) == "Testkommunernas samarbetskommitté"
    note = creator.find("mets:note", NS)
    assert (note.text, note.get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}NOTETYPE")) == \
        ("ORG:000000-0000", "IDENTIFICATIONCODE")  # SIP13, SIP14 as the profile words them
    assert header.find("mets:agent[@OTHERROLE='SUBMITTER']/mets:name", NS).text == "Testkommunernas kansli"
    assert {e.get("TYPE"): e.text for e in header.findall("mets:altRecordID", NS)} == \
        {"SUBMISSIONAGREEMENT": "LÖ 2031:1", "REFERENCECODE": "SE/TEST/1"}
    assert mets_schema(package / "schemas").validate(etree.parse(str(package / "METS.xml")))
    assert {rule for rule, _ in findings(validate(package), "Error")} == {"SIP14"}  # see test_e_ark_validator_...
    assert run_cli("verify-archive", root=root).returncode == 0
