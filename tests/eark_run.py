"""Run E-ARK's validator (eark-validator 1.1.3) on one package, offline; print its JSON report.

Runs in .venv-eark/ (the validator pins an older lxml than the pipeline's; see the Makefile):

    .venv-eark/bin/python tests/eark_run.py PACKAGE

At import eark-validator fetches four vocabularies from earkcsip.dilcis.eu (urllib.request.urlopen);
here those four addresses are answered from tests/data/eark/ (copies from E-ARK CSIP 2.1.0, CC BY 4.0),
any other address is refused, and the real urlopen is put back once the validator is imported.
"""

import sys
import urllib.request
from pathlib import Path

VOCABULARIES = Path(__file__).resolve().parent / "data" / "eark"
VOCABULARY_URL = "https://earkcsip.dilcis.eu/schema/"


def _local_vocabulary(url, *args, **kwargs):
    name = str(url).removeprefix(VOCABULARY_URL)
    if str(url).startswith(VOCABULARY_URL) and (VOCABULARIES / name).is_file():
        return open(VOCABULARIES / name, "rb")
    raise OSError(f"eark-validator ville hämta {url} över nätet")


def main() -> None:
    real = urllib.request.urlopen
    urllib.request.urlopen = _local_vocabulary
    try:
        from eark_validator.cli import app
    finally:
        urllib.request.urlopen = real
    sys.argv = ["eark-validator", *sys.argv[1:]]
    app.main()


if __name__ == "__main__":
    main()
