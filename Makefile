# Verksamhetsplan och budget – bygg, kontroll och test.
# Första körningen skapar .venv/ och installerar det som behövs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installerad
SYSTEM := $(VENV)/.systempaket

.PHONY: test check-% plan-% docx-% lint-templates system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Kunde inte skapa $(VENV); installera python3-venv (apt-get install python3-venv)." >&2; exit 1; }
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

system-deps:
	@sh tools/install-system-deps.sh

# The pipeline itself skips a year whose inputs and outputs are unchanged (pipeline/uptodate.py),
# so plan-ÅR does no work when nothing changed; the system packages are looked for once.
$(SYSTEM): | $(STAMP)
	@sh tools/install-system-deps.sh && touch $@ || true

plan-%: $(STAMP) $(SYSTEM)
	@$(PY) -m pipeline build $*

check-%: $(STAMP)
	@$(PY) -m pipeline check $*

docx-%: $(STAMP)
	@$(PY) -m pipeline build $* --docx-only

lint-templates: $(STAMP)
	@$(PY) -m pipeline lint-templates

test: $(STAMP) system-deps
	@$(PY) -m pytest

bench: $(STAMP) system-deps
	@$(PY) tools/bench.py

clean:
	rm -rf build
