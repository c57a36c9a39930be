# Verksamhetsplan och budget – bygg, kontroll och test.
# Första körningen skapar .venv/ och installerar det som behövs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installerad

# Every year that has sources gets plan-ÅR, docx-ÅR and check-ÅR.
YEARS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard sources/[0-9][0-9][0-9][0-9]/plan.yaml)))))
# What a plan is built from: its year, the shared data, the templates and the code.
INPUTS = $(shell find sources/$(1) sources/gemensamt templates pipeline -type f -not -name '*.pyc' 2>/dev/null)

.PHONY: test check-% plan-% docx-% lint-templates system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "Kunde inte skapa $(VENV); installera python3-venv (apt-get install python3-venv)." >&2; exit 1; }
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

system-deps:
	@sh tools/install-system-deps.sh

# plan-ÅR builds the PDF (and the DOCX) only when an input is newer than the PDF.
define PLAN_RULE
build/$(1)/verksamhetsplan-$(1).pdf: $(STAMP) $(call INPUTS,$(1))
	@sh tools/install-system-deps.sh || true
	@$(PY) -m pipeline build $(1)

plan-$(1): build/$(1)/verksamhetsplan-$(1).pdf
	@echo "build/$(1)/verksamhetsplan-$(1).pdf är aktuell."
endef
$(foreach year,$(YEARS),$(eval $(call PLAN_RULE,$(year))))

plan-%: $(STAMP)
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
