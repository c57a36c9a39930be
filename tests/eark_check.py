"""E-ARK's own validator (eark-validator 1.1.3, PyPI) run offline, and the package's METS files against their schemas.

The validator runs in its own environment, .venv-eark/ (`make test` makes it; it pins lxml 5.1.0), through
tests/eark_run.py, which answers its four vocabulary downloads from tests/data/eark/ and refuses the network.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

TESTS = Path(__file__).resolve().parent
VALIDATOR_PYTHON = TESTS.parent / ".venv-eark" / "bin" / "python"


def validate(package: Path) -> dict:
    """Run eark-validator's command line (`eark-validator PACKAGE`) and return its JSON report."""
    if not VALIDATOR_PYTHON.exists():
        pytest.skip("E-ARK:s validator saknas (.venv-eark/; make test installerar den)")
    run = subprocess.run([str(VALIDATOR_PYTHON), str(TESTS / "eark_run.py"), str(package)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    reports = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1, run.stdout + run.stderr
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
