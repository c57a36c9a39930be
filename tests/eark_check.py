"""E-ARK's own validator (eark-validator 1.1.3, PyPI) run offline, and the package's METS files against their schemas.

At import eark-validator fetches four vocabularies from earkcsip.dilcis.eu (urllib.request.urlopen);
here those four addresses are answered from tests/data/eark/ (copies from E-ARK CSIP 2.1.0, CC BY 4.0),
any other address is refused, and the real urlopen is put back once the validator is imported.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import urllib.request
from pathlib import Path

from lxml import etree

VOCABULARIES = Path(__file__).resolve().parent / "data" / "eark"
VOCABULARY_URL = "https://earkcsip.dilcis.eu/schema/"


def _local_vocabulary(url, *args, **kwargs):
    name = str(url).removeprefix(VOCABULARY_URL)
    if str(url).startswith(VOCABULARY_URL) and (VOCABULARIES / name).is_file():
        return open(VOCABULARIES / name, "rb")
    raise AssertionError(f"eark-validator ville hämta {url} över nätet")


def _import_validator():
    real = urllib.request.urlopen
    urllib.request.urlopen = _local_vocabulary
    try:
        from eark_validator.cli import app
    finally:
        urllib.request.urlopen = real
    # Its argument parser is made once per import and takes its options at each main(): a new one per run.
    return importlib.reload(app)


def validate(package: Path) -> dict:
    """Run eark-validator's command line (`eark-validator PACKAGE`) and return its JSON report."""
    app = _import_validator()
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["eark-validator", str(package)]
    try:
        with contextlib.redirect_stdout(out):
            try:
                app.main()
            except SystemExit as exc:
                assert not exc.code, out.getvalue()
    finally:
        sys.argv = argv
    reports = [line for line in out.getvalue().splitlines() if line.startswith("{")]
    assert len(reports) == 1, out.getvalue()
    return json.loads(reports[0])


def findings(report: dict, severity: str) -> list[tuple[str, str]]:
    """(rule, message) of every finding of `severity` (Error, Warn, Info) in the structure and METS checks."""
    messages = report["structure"]["messages"] + report["metadata"]["schema_results"]["messages"] \
        + report["metadata"]["schematron_results"]["messages"]
    return [(m["rule_id"], m["message"]) for m in messages if m["severity"] == severity]


def mets_schema(schemas: Path) -> etree.XMLSchema:
    """METS with XLink and the E-ARK extensions, from the schemas folder a package carries (no network)."""
    imports = {"http://www.w3.org/1999/xlink": "xlink.xsd", "http://www.loc.gov/METS/": "mets.xsd",
               "https://DILCIS.eu/XML/METS/CSIPExtensionMETS": "DILCISExtensionMETS.xsd",
               "https://DILCIS.eu/XML/METS/SIPExtensionMETS": "DILCISExtensionSIPMETS.xsd"}
    # XLink first: mets.xsd's own import names the schema's address on the web, and the first import wins.
    wrapper = "".join(f'<xs:import namespace="{ns}" schemaLocation="{(schemas / name).as_uri()}"/>'
                      for ns, name in imports.items())
    document = etree.fromstring(f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{wrapper}</xs:schema>')
    return etree.XMLSchema(document)
