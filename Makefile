# Verksamhetsplan och budget – bygg, kontroll och test.
# Första körningen skapar .venv/ och installerar det som behövs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installerad
SYSTEM := $(VENV)/.systempaket
# E-ARK's validator for the archive tests, in an environment of its own (it pins an older lxml).
EARK := .venv-eark/.installerad

.PHONY: test check-% plan-% docx-% remiss-% uppfoljning-% arbeta-% lint-templates system-deps bench compare-engines clean

# Only the dependencies listed in pyproject.toml are installed; the pipeline runs from this folder
# (python -m pipeline; pytest via pythonpath). An editable install of the project itself would add
# an import hook that every start of Python pays for (about 20 ms, a third of an unchanged build).
$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Kunde inte skapa $(VENV); installera python3-venv (apt-get install python3-venv)." >&2; exit 1; }
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
	@$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	  print("\n".join(p["dependencies"] + p["optional-dependencies"]["test"]))' > $(VENV)/krav.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/krav.txt
	@touch $@

$(EARK): pyproject.toml | $(STAMP)
	@test -x .venv-eark/bin/python || $(PYTHON) -m venv .venv-eark
	@$(PY) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["eark"]))' > .venv-eark/krav.txt
	@.venv-eark/bin/python -m pip install --quiet --disable-pip-version-check -r .venv-eark/krav.txt
	@touch $@

system-deps:
	@sh tools/install-system-deps.sh

# The pipeline itself skips a year whose inputs and outputs are unchanged (pipeline/infra/uptodate.py),
# so plan-ÅR does no work when nothing changed; the system packages are looked for once.
$(SYSTEM): | $(STAMP)
	@sh tools/install-system-deps.sh && touch $@ || true

plan-%: $(STAMP) $(SYSTEM)
	@$(PY) -m pipeline build $*

# A draft round: one copy per municipality, cover letter and recipients (build/ÅR/remiss-utkast-N/).
remiss-%: $(STAMP) $(SYSTEM)
	@$(PY) -m pipeline round $*

# The follow-up of a year's plan (build/ÅR/uppfoljning-ÅR-TILLFÄLLE.docx, .pdf, .html).
uppfoljning-%: $(STAMP) $(SYSTEM)
	@$(PY) -m pipeline follow-up $*

# The workbench: the plan, its problems and the year's steps in the browser, live (docs/arbetsbanken.md).
arbeta-%: $(STAMP) $(SYSTEM)
	@$(PY) -m pipeline serve $*

check-%: $(STAMP)
	@$(PY) -m pipeline check $*

docx-%: $(STAMP)
	@$(PY) -m pipeline build $* --docx-only

lint-templates: $(STAMP)
	@$(PY) -m pipeline lint-templates

test: $(STAMP) $(EARK)
	@sh tools/install-system-deps.sh test
	@sh tools/install-browser-tools.sh
	@$(PY) -m pytest

bench: $(STAMP) system-deps
	@$(PY) tools/bench.py

# Measures the comparison engines on the same edits (docs/jämförelse.md); installs WmlComparer for it.
compare-engines: $(STAMP) system-deps
	@$(PY) -m pip install --quiet --disable-pip-version-check 'python-redlines[ooxmlpowertools]>=2,<3'
	@$(PY) tools/compare_engines.py

clean:
	rm -rf build
