#!/bin/sh
# Installera de npm-paket som testerna provar webbsidan med (tests/browser/package.json):
# axe-core, playwright-core (styr Debians Chromium) och vnu-jar (Nu Html Checker, körs med Java).
# Körs av make test; gör ingenting när paketen redan finns i rätt version.
set -eu
cd "$(dirname "$0")/../tests/browser"
if [ -f node_modules/.installerad ] && [ node_modules/.installerad -nt package.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "npm saknas; webbsidans prov i webbläsaren hoppas över (make system-deps installerar det)." >&2
    exit 0
fi
echo "Installerar axe-core, playwright-core och vnu-jar för webbsidans prov ..."
npm install --no-audit --no-fund --silent
touch node_modules/.installerad
