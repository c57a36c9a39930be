"""E-ARK information package: the archived document as E-ARK CSIP 2.1.0 + SIP 2.1.0 (FGS Paketstruktur 2.0).

Pure functions from plain data to bytes (lxml), and back: `package_files` returns every file of
one package by its path in the package; `read_mets`, `read_description` and `read_provenance`
read what verification needs. Nothing here touches the disk except `schema_files`, which reads
the bundled schemas (pipeline/data/eark/).

The package (folder named by its OBJID):

    METS.xml                          the package METS (SIP profile): agents, dmdSec, amdSec,
                                      fileSec, structMap
    metadata/descriptive/dc.xml       Dublin Core (oai_dc): title, organisation, date, year, status
    metadata/preservation/premis.xml  PREMIS 3.0: the files, their sources (git revision, SHA-256),
                                      the build event, the programs
    representations/pdf/              METS.xml and data/ with the PDF/A, the document itself
    representations/html/             METS.xml and data/ with the web page
    schemas/                          the XML schemas the METS files use
    documentation/om-paketet.txt      in Swedish: what the package is and how to check it

Every date is the decision date (the follow-up's date) at midnight Swedish time, and every
identifier follows from the content, so the same sources give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tarfile
import uuid
import zipfile
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.infra.zips import entry, zipped

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
PREMIS_NS = "http://www.loc.gov/premis/v3"

SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CONTENT_CATEGORY = "Textual works – Digital"
CONTENT_INFORMATION_TYPE = "Beslutat dokument: PDF/A och HTML (ingen E-ARK-innehållstypsspecifikation)"
SOFTWARE_NAME = "sodertorn-verksamhetsplan (python -m pipeline archive)"

DESCRIPTION = "metadata/descriptive/dc.xml"
PRESERVATION = "metadata/preservation/premis.xml"
DOCUMENTATION = "documentation/om-paketet.txt"
REPRESENTATION_DOCUMENTATION = "documentation/om-representationen.txt"
METS = "METS.xml"

DATA_DIR = Path(__file__).parent / "data" / "eark"
# The schemas placed in every package's schemas/ folder, as the METS files use them.
SCHEMAS = ("mets.xsd", "xlink.xsd", "DILCISExtensionMETS.xsd", "DILCISExtensionSIPMETS.xsd")
SCHEMA_LOCATIONS = {METS_NS: "mets.xsd", XLINK_NS: "xlink.xsd", CSIP_NS: "DILCISExtensionMETS.xsd",
                    SIP_NS: "DILCISExtensionSIPMETS.xsd"}
DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
PREMIS_SCHEMA = "http://www.loc.gov/premis/v3 http://www.loc.gov/standards/premis/v3/premis.xsd"

SWEDISH_TIME = zoneinfo.ZoneInfo("Europe/Stockholm")
# The package's own identifiers are UUID 5 in this namespace, from the package's OBJID.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:sodertorn-verksamhetsplan:arkiv")


@dataclass(frozen=True)
class Representation:
    """One representation: its folder name under representations/, its file and what the file is."""

    name: str
    filename: str
    data: bytes
    mimetype: str
    format_name: str
    format_version: str
    pronom: str
    label: str
    application: str  # the program that wrote the file, e.g. "LibreOffice 7.4"


@dataclass(frozen=True)
class Agent:
    """An organisation named in the METS header and in PREMIS (archival creator, submitter)."""

    name: str
    identification: str | None = None


@dataclass(frozen=True)
class Document:
    """What one package holds and says, as plain data from the archive stage."""

    objid: str
    kind: str                    # "Verksamhetsplan och budget" or "Uppföljning"
    title: str
    organisation: str
    decided_by: str              # the body that decided (or received) the document
    year: int
    date: dt.date                # the decision date (for a follow-up: its date)
    status: str                  # "beslutad", or for a follow-up "uppföljning"
    representations: tuple[Representation, ...]
    revision: str                # git revision of the sources
    sources: dict[str, str]      # source file (path in the project) → SHA-256
    programs: dict[str, str]     # program → version
    software_version: str
    creator: Agent
    submitter: Agent
    occasion: str | None = None  # the follow-up's occasion ("helår")
    relates_to: str | None = None  # OBJID of the plan a follow-up follows up
    submission_agreement: str | None = None
    reference_code: str | None = None
    uncommitted: tuple[str, ...] = ()  # archived anyway with these files not committed to git (archive --trots-ändringar)

    @property
    def created(self) -> str:
        """The package's dates: the decision date at midnight, Swedish time (CSIP 5.2.2)."""
        return dt.datetime.combine(self.date, dt.time(0, 0), tzinfo=SWEDISH_TIME).isoformat()

    @property
    def uuid(self) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, self.objid))


@dataclass(frozen=True)
class ListedFile:
    """A file as a METS file section (or mdRef) lists it."""

    href: str
    size: int | None
    checksum: str | None
    checksum_type: str | None
    mimetype: str | None


@dataclass
class MetsListing:
    """What a METS file says about its files; `problems` when it cannot say it."""

    objid: str | None = None
    files: list[ListedFile] = field(default_factory=list)
    representations: list[str] = field(default_factory=list)  # hrefs of representation METS files


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the package -------------------------------------------------------------------------------

def package_files(doc: Document) -> dict[str, bytes]:
    """Return every file of the package, by its path in the package (the package METS last)."""
    files: dict[str, bytes] = {}
    for rep in doc.representations:
        folder = f"representations/{rep.name}"
        files[f"{folder}/data/{rep.filename}"] = rep.data
        files[f"{folder}/{REPRESENTATION_DOCUMENTATION}"] = representation_documentation(doc, rep).encode("utf-8")
        for name, data in schema_files().items():
            files[f"{folder}/schemas/{name}"] = data
        files[f"{folder}/{METS}"] = representation_mets(doc, rep, files)
    files[DESCRIPTION] = dublin_core(doc)
    files[PRESERVATION] = premis(doc)
    for name, data in schema_files().items():
        files[f"schemas/{name}"] = data
    files[DOCUMENTATION] = documentation(doc).encode("utf-8")
    files[METS] = package_mets(doc, files)
    return files


def schema_files() -> dict[str, bytes]:
    """The bundled schemas, by file name (pipeline/data/eark/, see its README.md)."""
    return {name: (DATA_DIR / name).read_bytes() for name in SCHEMAS}


def checksum_list(objid: str, files: dict[str, bytes]) -> bytes:
    """The sidecar checksum list: one `sha256  OBJID/path` line per file (`sha256sum -c` reads it)."""
    return "".join(f"{sha256(files[p])}  {objid}/{p}\n" for p in sorted(files)).encode("utf-8")


# --- METS ----------------------------------------------------------------------------------------

def _m(tag: str) -> str:
    return f"{{{METS_NS}}}{tag}"


def _x(attr: str) -> str:
    return f"{{{XLINK_NS}}}{attr}"


def _c(attr: str) -> str:
    return f"{{{CSIP_NS}}}{attr}"


def _xml_id(*parts: str) -> str:
    """An xml:id (an NCName) made readable from `parts`: letters, digits, '-' and '.' only."""
    text = "-".join(parts)
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in text)
    return "ID-" + "-".join(filter(None, cleaned.split("-")))


def _mets_root(doc: Document, objid: str, label: str, schemas: str) -> etree._Element:
    nsmap = {"mets": METS_NS, "xlink": XLINK_NS, "xsi": XSI_NS, "csip": CSIP_NS, "sip": SIP_NS}
    root = etree.Element(_m("mets"), nsmap=nsmap)
    root.set("OBJID", objid)
    root.set("LABEL", label)
    root.set("TYPE", CONTENT_CATEGORY)
    root.set(_c("CONTENTINFORMATIONTYPE"), "OTHER")
    root.set(_c("OTHERCONTENTINFORMATIONTYPE"), CONTENT_INFORMATION_TYPE)
    root.set("PROFILE", SIP_PROFILE)
    root.set(f"{{{XSI_NS}}}schemaLocation",
             " ".join(f"{ns} {schemas}{name}" for ns, name in SCHEMA_LOCATIONS.items()))
    header = etree.SubElement(root, _m("metsHdr"), CREATEDATE=doc.created, LASTMODDATE=doc.created,
                              RECORDSTATUS="NEW")
    header.set(_c("OAISPACKAGETYPE"), "SIP")
    for agent in _agents(doc):
        header.append(agent)
    if doc.submission_agreement:
        etree.SubElement(header, _m("altRecordID"), TYPE="SUBMISSIONAGREEMENT").text = doc.submission_agreement
    if doc.reference_code:
        etree.SubElement(header, _m("altRecordID"), TYPE="REFERENCECODE").text = doc.reference_code
    return root


def _agents(doc: Document) -> list[etree._Element]:
    """The header's agents: the software (CSIP10–16), the archival creator (SIP9–14), the submitter (SIP15–20).

    The submitter has ROLE OTHER/SUBMITTER, not the CREATOR of SIP's example: eark-validator 1.1.3
    holds every CREATOR agent to the software agent's rules (CSIP12–16), see docs/arkivpaket.md.
    """
    software = etree.Element(_m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(software, _m("name")).text = SOFTWARE_NAME
    note = etree.SubElement(software, _m("note"))
    note.set(_c("NOTETYPE"), "SOFTWARE VERSION")
    note.text = doc.software_version
    creator = _organisation_agent(doc.creator, ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    submitter = _organisation_agent(doc.submitter, ROLE="OTHER", OTHERROLE="SUBMITTER", TYPE="ORGANIZATION")
    return [software, creator, submitter]


def _organisation_agent(agent: Agent, **attributes: str) -> etree._Element:
    element = etree.Element(_m("agent"), **attributes)
    etree.SubElement(element, _m("name")).text = agent.name
    if agent.identification:
        note = etree.SubElement(element, _m("note"))
        note.set(_c("NOTETYPE"), "IDENTIFICATIONCODE")
        note.text = agent.identification
    return element


def _file(parent: etree._Element, file_id: str, href: str, data: bytes, mimetype: str, created: str,
          **extra: str) -> etree._Element:
    """A mets:file with everything CSIP66–79 asks for, located by a relative URL."""
    element = etree.SubElement(parent, _m("file"), ID=file_id, MIMETYPE=mimetype, SIZE=str(len(data)),
                               CREATED=created, CHECKSUM=sha256(data), CHECKSUMTYPE="SHA-256")
    for key, value in extra.items():
        element.set(key, value)
    etree.SubElement(element, _m("FLocat"), {_x("type"): "simple", _x("href"): href, "LOCTYPE": "URL"})
    return element


def _md_ref(parent: etree._Element, href: str, data: bytes, mdtype: str, version: str, created: str) -> None:
    etree.SubElement(parent, _m("mdRef"), {
        "LOCTYPE": "URL", _x("type"): "simple", _x("href"): href, "MDTYPE": mdtype, "MDTYPEVERSION": version,
        "MIMETYPE": "text/xml", "SIZE": str(len(data)), "CREATED": created, "CHECKSUM": sha256(data),
        "CHECKSUMTYPE": "SHA-256"})


def _group(parent: etree._Element, group_id: str, use: str, content_type: bool = True) -> etree._Element:
    group = etree.SubElement(parent, _m("fileGrp"), ID=group_id, USE=use)
    if content_type:  # eark-validator 1.1.3 (CSIP63) wants the pair on every file group
        group.set(_c("CONTENTINFORMATIONTYPE"), "OTHER")
        group.set(_c("OTHERCONTENTINFORMATIONTYPE"), CONTENT_INFORMATION_TYPE)
    return group


def package_mets(doc: Document, files: dict[str, bytes]) -> bytes:
    """The package METS.xml (CSIP1–119, SIP1–35) for the files already made."""
    root = _mets_root(doc, doc.objid, doc.title, "schemas/")
    dmd = etree.SubElement(root, _m("dmdSec"), ID=_xml_id("dmd", "dc"), CREATED=doc.created, STATUS="CURRENT")
    _md_ref(dmd, DESCRIPTION, files[DESCRIPTION], "DC", "1.1", doc.created)
    amd = etree.SubElement(root, _m("amdSec"))
    digiprov = etree.SubElement(amd, _m("digiprovMD"), ID=_xml_id("digiprov", "premis"), CREATED=doc.created,
                                STATUS="CURRENT")
    _md_ref(digiprov, PRESERVATION, files[PRESERVATION], "PREMIS", "3.0", doc.created)

    file_sec = etree.SubElement(root, _m("fileSec"), ID=_xml_id("filesec"))
    groups = _documentation_and_schemas(file_sec, doc, files, "")
    for rep in doc.representations:
        use = f"Representations/{rep.name}"
        group = _group(file_sec, _xml_id("grp", "representations", rep.name), use)
        groups[use] = group.get("ID")
        href = f"representations/{rep.name}/{METS}"
        _file(group, _xml_id("file", href), href, files[href], "application/xml", doc.created)

    struct = etree.SubElement(root, _m("structMap"), ID=_xml_id("structmap"), TYPE="PHYSICAL", LABEL="CSIP")
    top = etree.SubElement(struct, _m("div"), ID=_xml_id("div", "package"), LABEL=doc.objid)
    # CSIP101–104 (and eark-validator 1.1.3) want the content division; CSIP105–112 a division per
    # representation pointing to its METS.xml. Both are given.
    _divisions(top, "", groups, {"ADMID": digiprov.get("ID"), "DMDID": dmd.get("ID")},
               [groups[f"Representations/{rep.name}"] for rep in doc.representations])
    for rep in doc.representations:
        use = f"Representations/{rep.name}"
        division = etree.SubElement(top, _m("div"), ID=_xml_id("div", "representations", rep.name), LABEL=use)
        etree.SubElement(division, _m("mptr"), {_x("type"): "simple", _x("href"): f"representations/{rep.name}/{METS}",
                                                _x("title"): groups[use], "LOCTYPE": "URL"})
    return _xml_bytes(root)


def _documentation_and_schemas(file_sec: etree._Element, doc: Document, files: dict[str, bytes],
                               folder: str) -> dict[str, str]:
    """The Documentation and Schemas file groups (CSIP60, CSIP113) of the METS file in `folder`."""
    prefix = folder.rstrip("/").replace("/", "-")
    groups: dict[str, str] = {}
    for use, subfolder, mimetype in (("Documentation", "documentation/", "text/plain"),
                                     ("Schemas", "schemas/", "application/xml")):
        group = _group(file_sec, _xml_id(prefix, "grp", use), use)
        groups[use] = group.get("ID")
        for path in sorted(p for p in files if p.startswith(folder + subfolder)):
            relative = path.removeprefix(folder)
            _file(group, _xml_id(prefix, "file", relative), relative, files[path], mimetype, doc.created)
    return groups


def _divisions(top: etree._Element, prefix: str, groups: dict[str, str], metadata: dict[str, str],
               content: list[str]) -> None:
    """The structural map's Metadata, Documentation, Schemas and Representations divisions (CSIP88–104)."""
    etree.SubElement(top, _m("div"), ID=_xml_id(prefix, "div", "metadata"), LABEL="Metadata", **metadata)
    for label in ("Documentation", "Schemas"):
        division = etree.SubElement(top, _m("div"), ID=_xml_id(prefix, "div", label), LABEL=label)
        etree.SubElement(division, _m("fptr"), FILEID=groups[label])
    division = etree.SubElement(top, _m("div"), ID=_xml_id(prefix, "div", "representations"), LABEL="Representations")
    for group_id in content:
        etree.SubElement(division, _m("fptr"), FILEID=group_id)


def representation_mets(doc: Document, rep: Representation, files: dict[str, bytes]) -> bytes:
    """A representation's own METS.xml: its files only, located relative to the representation folder.

    Like the package METS it has Documentation and Schemas groups (CSIP60, CSIP113), with the
    representation's own copies, since a representation METS lists nothing outside its folder.
    """
    folder = f"representations/{rep.name}/"
    root = _mets_root(doc, rep.name, f"{doc.title}: {rep.label}", "schemas/")
    file_sec = etree.SubElement(root, _m("fileSec"), ID=_xml_id(rep.name, "filesec"))
    groups = _documentation_and_schemas(file_sec, doc, files, folder)
    group = _group(file_sec, _xml_id(rep.name, "grp", "data"), f"Representations/{rep.name}/data")
    _file(group, _xml_id(rep.name, "file", rep.filename), f"data/{rep.filename}", rep.data, rep.mimetype,
          doc.created, **{f"{{{SIP_NS}}}FILEFORMATNAME": rep.format_name,
                          f"{{{SIP_NS}}}FILEFORMATVERSION": rep.format_version,
                          f"{{{SIP_NS}}}FORMATREGISTRY": "PRONOM", f"{{{SIP_NS}}}FORMATREGISTRYKEY": rep.pronom})
    struct = etree.SubElement(root, _m("structMap"), ID=_xml_id(rep.name, "structmap"), TYPE="PHYSICAL",
                              LABEL="CSIP")
    top = etree.SubElement(struct, _m("div"), ID=_xml_id(rep.name, "div"), LABEL=rep.name)
    _divisions(top, rep.name, groups, {}, [group.get("ID")])
    return _xml_bytes(root)


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def representation_documentation(doc: Document, rep: Representation) -> str:
    """A representation's documentation/om-representationen.txt, in Swedish."""
    return (f"Representationen {rep.name} av {doc.objid}\n\n{rep.label}: data/{rep.filename}\n"
            f"Format: {rep.format_name} {rep.format_version} ({rep.mimetype}, PRONOM {rep.pronom}), "
            f"skriven av {rep.application}.\n\nPaketet beskrivs i ../../documentation/om-paketet.txt; "
            f"METS.xml här listar representationens filer.\n")


# --- descriptive metadata: Dublin Core -------------------------------------------------------------

def dublin_core(doc: Document) -> bytes:
    """The descriptive record (oai_dc): title, creator, decision date and body, year, status."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", DC_SCHEMA)

    def dc(tag: str, text: str) -> None:
        element = etree.SubElement(root, f"{{{DC_NS}}}{tag}")
        element.text = text
        if tag in ("title", "description", "subject", "type", "rights"):
            element.set("{http://www.w3.org/XML/1998/namespace}lang", "sv")

    dc("title", doc.title)
    dc("creator", doc.organisation)
    dc("subject", doc.kind)
    decided = (f"Beslutad av {doc.decided_by} {doc.date.isoformat()}." if doc.status == "beslutad" else
               f"Uppföljning ({doc.occasion}) av den beslutade planen, daterad {doc.date.isoformat()}, "
               f"till {doc.decided_by}.")
    dc("description", f"{doc.kind} för {doc.year}. {decided} Status: {doc.status}.")
    dc("date", doc.date.isoformat())
    dc("coverage", str(doc.year))
    dc("type", "Text")
    dc("type", doc.kind)
    for rep in doc.representations:
        dc("format", f"{rep.mimetype} ({rep.format_name} {rep.format_version})")
    dc("identifier", doc.objid)
    dc("identifier", f"urn:uuid:{doc.uuid}")
    dc("language", "sv")
    if doc.relates_to:
        dc("relation", doc.relates_to)
    dc("rights", "Allmän handling.")
    return _xml_bytes(root)


def read_description(data: bytes) -> dict[str, list[str]]:
    """The Dublin Core record's elements by name; raise ValueError when it is not such a record."""
    root = _parse(data)
    if root.tag != f"{{{OAI_DC_NS}}}dc":
        raise ValueError("inte en Dublin Core-post (oai_dc:dc)")
    out: dict[str, list[str]] = {}
    for element in root:
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{DC_NS}}}"):
            out.setdefault(etree.QName(element).localname, []).append(element.text or "")
    return out


# --- preservation metadata: PREMIS ------------------------------------------------------------------

def _p(tag: str) -> str:
    return f"{{{PREMIS_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **children: str) -> etree._Element:
    element = etree.SubElement(parent, _p(tag))
    if text is not None:
        element.text = text
    for name, value in children.items():
        etree.SubElement(element, _p(name)).text = value
    return element


SOURCE_FORMATS = {".yaml": "YAML", ".yml": "YAML", ".md": "Markdown", ".docx": "Office Open XML (DOCX)",
                  ".html": "HTML-mall (Jinja)", ".css": "CSS", ".csv": "CSV", ".txt": "Text", ".png": "PNG",
                  ".svg": "SVG", ".json": "JSON"}


def _uncommitted(doc: Document) -> str:
    """The note that the sources were archived with changes not committed to git, or nothing."""
    if not doc.uncommitted:
        return ""
    return (" Arkiverad trots ändringar som inte var incheckade i git (källfilerna kan därför inte helt spåras "
            f"till revisionen): {', '.join(doc.uncommitted)}.")


def premis(doc: Document) -> bytes:
    """PREMIS 3.0: the package's files and the source files they were built from, the build, the programs."""
    root = etree.Element(_p("premis"), nsmap={"premis": PREMIS_NS, "xsi": XSI_NS}, version="3.0")
    root.set(f"{{{XSI_NS}}}schemaLocation", PREMIS_SCHEMA)
    build_event = f"bygge-{doc.objid}"
    entity = _sub(root, "object")
    entity.set(f"{{{XSI_NS}}}type", "premis:intellectualEntity")
    _identifier(entity, "objectIdentifier", "OBJID", doc.objid)
    _identifier(entity, "objectIdentifier", "UUID", doc.uuid)
    _sub(entity, "originalName", doc.title)
    for rep in doc.representations:
        _relationship(entity, "structural", "has part", "sökväg i paketet", _package_path(rep))
    for rep in doc.representations:
        _file_object(root, doc, rep, build_event)
    for path, digest in sorted(doc.sources.items()):
        _source_object(root, doc, path, digest, build_event)
    event = _sub(root, "event")
    _identifier(event, "eventIdentifier", "lokal", build_event)
    _sub(event, "eventType", "creation")
    _sub(event, "eventDateTime", doc.created)
    detail = _sub(event, "eventDetailInformation")
    _sub(detail, "eventDetail", f"{doc.kind} {doc.year} byggd ur källfilerna i git-revision {doc.revision}: "
                                f"{', '.join(rep.label for rep in doc.representations)}.{_uncommitted(doc)}")
    outcome = _sub(event, "eventOutcomeInformation")
    _sub(outcome, "eventOutcome", "lyckades")
    for name in ["pipeline", *doc.programs]:
        _linking(event, "linkingAgentIdentifier", "lokal", _agent_id(name), "executing program")
    for path in sorted(doc.sources):
        _linking(event, "linkingObjectIdentifier", "källfil", path, "source")
    for rep in doc.representations:
        _linking(event, "linkingObjectIdentifier", "sökväg i paketet", _package_path(rep), "outcome")
    _program_agent(root, "pipeline", SOFTWARE_NAME, doc.software_version, build_event)
    for name, version in doc.programs.items():
        _program_agent(root, name, name, version, build_event)
    for role, agent in (("arkivbildare", doc.creator), ("levererande organisation", doc.submitter)):
        element = _sub(root, "agent")
        _identifier(element, "agentIdentifier", "lokal", _agent_id(role))
        if agent.identification:
            _identifier(element, "agentIdentifier", "identitetskod", agent.identification)
        _sub(element, "agentName", agent.name)
        _sub(element, "agentType", "organization")
        _sub(element, "agentNote", role)
    return _xml_bytes(root)


def _package_path(rep: Representation) -> str:
    return f"representations/{rep.name}/data/{rep.filename}"


def _agent_id(name: str) -> str:
    return f"agent-{name}"


def _identifier(parent: etree._Element, tag: str, kind: str, value: str) -> None:
    prefix = tag.removesuffix("Identifier")
    element = _sub(parent, tag)
    _sub(element, f"{prefix}IdentifierType", kind)
    _sub(element, f"{prefix}IdentifierValue", value)


def _relationship(parent: etree._Element, kind: str, subtype: str, identifier_type: str, value: str) -> None:
    element = _sub(parent, "relationship")
    _sub(element, "relationshipType", kind)
    _sub(element, "relationshipSubType", subtype)
    related = _sub(element, "relatedObjectIdentifier")
    _sub(related, "relatedObjectIdentifierType", identifier_type)
    _sub(related, "relatedObjectIdentifierValue", value)


def _linking(parent: etree._Element, tag: str, kind: str, value: str, role: str | None = None) -> None:
    """A PREMIS link; only links to agents and objects carry a role (PREMIS 3.0)."""
    prefix = tag.removesuffix("Identifier")
    element = _sub(parent, tag)
    _sub(element, f"{prefix}IdentifierType", kind)
    _sub(element, f"{prefix}IdentifierValue", value)
    if role:
        _sub(element, f"{prefix}Role", role)


def _fixity(parent: etree._Element, digest: str) -> None:
    _sub(parent, "fixity", messageDigestAlgorithm="SHA-256", messageDigest=digest)


def _file_object(root: etree._Element, doc: Document, rep: Representation, build_event: str) -> None:
    element = _sub(root, "object")
    element.set(f"{{{XSI_NS}}}type", "premis:file")
    _identifier(element, "objectIdentifier", "sökväg i paketet", _package_path(rep))
    characteristics = _sub(element, "objectCharacteristics")
    _sub(characteristics, "compositionLevel", "0")
    _fixity(characteristics, sha256(rep.data))
    _sub(characteristics, "size", str(len(rep.data)))
    file_format = _sub(characteristics, "format")
    _sub(file_format, "formatDesignation", formatName=rep.format_name, formatVersion=rep.format_version)
    _sub(file_format, "formatRegistry", formatRegistryName="PRONOM", formatRegistryKey=rep.pronom)
    _sub(characteristics, "creatingApplication", creatingApplicationName=rep.application,
         dateCreatedByApplication=doc.created)
    _sub(element, "originalName", rep.filename)
    for path in sorted(doc.sources):
        _relationship(element, "derivation", "has source", "källfil", path)
    _linking(element, "linkingEventIdentifier", "lokal", build_event)


def _source_object(root: etree._Element, doc: Document, path: str, digest: str, build_event: str) -> None:
    element = _sub(root, "object")
    element.set(f"{{{XSI_NS}}}type", "premis:file")
    _identifier(element, "objectIdentifier", "källfil", path)
    characteristics = _sub(element, "objectCharacteristics")
    _sub(characteristics, "compositionLevel", "0")
    _fixity(characteristics, digest)
    file_format = _sub(characteristics, "format")
    _sub(file_format, "formatDesignation", formatName=SOURCE_FORMATS.get(Path(path).suffix.lower(), "okänt"))
    _sub(element, "originalName", path)
    storage = _sub(element, "storage")
    _sub(storage, "contentLocation", contentLocationType="git", contentLocationValue=f"{doc.revision}:{path}")
    _linking(element, "linkingEventIdentifier", "lokal", build_event)


def _program_agent(root: etree._Element, key: str, name: str, version: str, build_event: str) -> None:
    element = _sub(root, "agent")
    _identifier(element, "agentIdentifier", "lokal", _agent_id(key))
    _sub(element, "agentName", name)
    _sub(element, "agentType", "software")
    _sub(element, "agentVersion", version)
    _linking(element, "linkingEventIdentifier", "lokal", build_event)


@dataclass
class Provenance:
    """What the PREMIS record says: the sources' revision and checksums, and the package files' checksums."""

    revision: str | None
    sources: dict[str, str]
    files: dict[str, str]  # path in the package → SHA-256


def read_provenance(data: bytes) -> Provenance:
    """Read the PREMIS record written by `premis`; raise ValueError when it is not one."""
    root = _parse(data)
    if root.tag != _p("premis"):
        raise ValueError("inte en PREMIS-post")
    ns = {"p": PREMIS_NS}
    sources: dict[str, str] = {}
    files: dict[str, str] = {}
    revision = None
    for obj in root.findall("p:object", ns):
        kind = obj.findtext("p:objectIdentifier/p:objectIdentifierType", namespaces=ns)
        value = obj.findtext("p:objectIdentifier/p:objectIdentifierValue", namespaces=ns)
        digest = obj.findtext("p:objectCharacteristics/p:fixity/p:messageDigest", namespaces=ns)
        if kind == "källfil" and value and digest:
            sources[value] = digest
            location = obj.findtext("p:storage/p:contentLocation/p:contentLocationValue", namespaces=ns) or ""
            revision = location.removesuffix(f":{value}") or revision
        elif kind == "sökväg i paketet" and value and digest:
            files[value] = digest
    return Provenance(revision, sources, files)


# --- documentation ------------------------------------------------------------------------------------

def documentation(doc: Document) -> str:
    """documentation/om-paketet.txt: what the package is, in Swedish, for whoever opens it."""
    reps = "\n".join(f"  representations/{rep.name}/data/{rep.filename}\n      {rep.label} "
                     f"({rep.format_name} {rep.format_version}, {rep.mimetype})" for rep in doc.representations)
    return f"""Om det här informationspaketet
==============================

{doc.title}
{doc.organisation}, {doc.year}. {"Beslutad " + doc.date.isoformat() + " av " + doc.decided_by
                                  if doc.status == "beslutad" else "Daterad " + doc.date.isoformat()}.

Paketet är ett leveranspaket (SIP) enligt E-ARK CSIP 2.1.0 och E-ARK SIP 2.1.0, som
Riksarkivet har fastställt som FGS Paketstruktur 2.0. Paketets identitet (OBJID) är
{doc.objid}, och mappen har samma namn.

Det arkiverade dokumentet:
{reps}

PDF-filen är dokumentet som det beslutades (PDF/A-2b, taggad för skärmläsare enligt PDF/UA-1,
svenska). Webbsidan har samma innehåll och ord, som en fil med stil och figurer inuti.

Övrigt i paketet:
  METS.xml                          paketets innehållsförteckning: varje fil med storlek,
                                    datum och SHA-256, och vem som skapat och levererat paketet
  representations/*/METS.xml        respektive representations innehållsförteckning
  metadata/descriptive/dc.xml       beskrivning (Dublin Core): titel, organisation,
                                    beslutsdatum och beslutande organ, år, status
  metadata/preservation/premis.xml  proveniens (PREMIS 3.0): källfilerna i git-revision
                                    {doc.revision}{_uncommitted(doc)}
                                    med SHA-256 för var och en, mallarna, och programmen med
                                    versioner som byggde dokumentet
  schemas/                          XML-scheman för METS-filerna (METS, XLink, E-ARK:s tillägg)
  documentation/om-paketet.txt      den här texten

Alla datum i paketet är beslutsdatumet (kl. 00.00 svensk tid), så att samma källfiler alltid
ger samma paket, byte för byte. Dokumentet byggdes av programmet i projektet
"Verksamhetsplan och budget" (python -m pipeline archive, version {doc.software_version}).

Kontrollera paketet: varje fil som METS-filerna listar ska finnas med samma storlek och
SHA-256, och inga andra filer. I projektet gör kommandot `python -m pipeline verify-archive`
det; utan projektet räcker `sha256sum -c {doc.objid}.sha256` i mappen ovanför paketet, där
kontrollsummefilen ligger bredvid paketet.
"""


# --- reading a package back -----------------------------------------------------------------------------

def _parse(data: bytes) -> etree._Element:
    """Parse XML from the package without entities or network; raise ValueError when it is not well formed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"inte välformad XML: {exc.msg}") from exc


def read_mets(data: bytes) -> MetsListing:
    """Every file a METS file lists (file section and metadata references); raise ValueError if it is no METS."""
    root = _parse(data)
    if root.tag != _m("mets"):
        raise ValueError("inte en METS-fil")
    listing = MetsListing(objid=root.get("OBJID"))
    for element in root.iter(_m("file"), _m("mdRef")):
        location = element if element.tag == _m("mdRef") else element.find(_m("FLocat"))
        href = location.get(_x("href")) if location is not None else None
        if not href:
            raise ValueError(f"en fil utan plats (xlink:href) på rad {element.sourceline}")
        size = element.get("SIZE")
        listing.files.append(ListedFile(href, int(size) if size and size.isdigit() else None,
                                        element.get("CHECKSUM"), element.get("CHECKSUMTYPE"),
                                        element.get("MIMETYPE")))
    for pointer in root.iter(_m("mptr")):
        href = pointer.get(_x("href"))
        if href:
            listing.representations.append(href)
    return listing


# --- delivery: one .tar or .zip ----------------------------------------------------------------------------

def _archive_time(doc_date: dt.date) -> dt.datetime:
    return dt.datetime.combine(doc_date, dt.time(0, 0), tzinfo=dt.timezone.utc)


def tar_bytes(objid: str, files: dict[str, bytes], date: dt.date) -> bytes:
    """The package as one POSIX tar that unpacks to the folder OBJID/ (CSIPSTR1, CSIPSTR3), byte-stable."""
    stamp = int(_archive_time(date).timestamp())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in _folders(objid, files):
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, stamp
            tar.addfile(info)
        for path in sorted(files):
            info = tarfile.TarInfo(f"{objid}/{path}")
            info.size, info.mode, info.mtime = len(files[path]), 0o444, stamp
            tar.addfile(info, io.BytesIO(files[path]))
    return buffer.getvalue()


def zip_bytes(objid: str, files: dict[str, bytes], date: dt.date) -> bytes:
    """The package as one ZIP that unpacks to the folder OBJID/, byte-stable."""
    stamp = _archive_time(date).timetuple()[:6]
    folders = []
    for folder in _folders(objid, files):
        info = entry(folder + "/", stamp, 0o40755, zipfile.ZIP_STORED)
        info.external_attr |= 0x10  # MS-DOS directory attribute
        folders.append((info, b""))
    return zipped(folders + [(entry(f"{objid}/{path}", stamp, 0o100444), files[path]) for path in sorted(files)])


def _folders(objid: str, files: dict[str, bytes]) -> list[str]:
    folders = {objid}
    for path in files:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folders.add("/".join([objid, *parts[:depth]]))
    return sorted(folders)
