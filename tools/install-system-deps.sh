#!/bin/sh
# Installera de Debian-paket som pipelinen behöver (LibreOffice, python3-uno, poppler, Graphviz, typsnitt).
# Med argumentet "test" även det som bara testerna behöver: jing (validerar Word-filer mot ISO 29500),
# Chromium (med svenska, chromium-l10n), Node.js och Java (webbsidan provas med axe-core i en riktig webbläsare och Nu Html Checker;
# npm-paketen installeras av tools/install-browser-tools.sh).
# Körs av make vid behov. Kräver root för apt-get; annars skrivs kommandot ut.
set -eu
PACKAGES="libreoffice-writer-nogui python3-uno poppler-utils graphviz fonts-crosextra-carlito fonts-liberation2 fonts-dejavu-core fonts-symbola"
TEST_PACKAGES=""

missing=""
command -v soffice >/dev/null 2>&1 || missing="yes"
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || missing="yes"
command -v pdftotext >/dev/null 2>&1 || missing="yes"
command -v dot >/dev/null 2>&1 || missing="yes"
fc-list 2>/dev/null | grep -qi carlito || missing="yes"
fc-list 2>/dev/null | grep -qi symbola || missing="yes"
if [ "${1:-}" = "test" ]; then
    # only what is missing: a machine may have Node.js or Java from elsewhere (Debian's npm alone
    # brings hundreds of packages)
    for pair in jing:jing chromium:chromium node:nodejs npm:npm java:default-jre-headless; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || { TEST_PACKAGES="$TEST_PACKAGES ${pair#*:}"; missing="yes"; }
    done
    # Chromium in Swedish: the workbench's tests and screenshots show its own controls (a file field's
    # button) as a Swedish user sees them
    if ! command -v chromium >/dev/null 2>&1 || [ -d /usr/lib/chromium/locales ] && \
            [ ! -f /usr/lib/chromium/locales/sv.pak ]; then
        TEST_PACKAGES="$TEST_PACKAGES chromium-l10n"; missing="yes"
    fi
    PACKAGES="$PACKAGES$TEST_PACKAGES"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installerar LibreOffice och övriga systempaket (första gången, tar några minuter) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    echo "Systempaketen är installerade."
else
    echo "LibreOffice eller andra systempaket saknas. Installera dem som administratör:" >&2
    echo "  sudo apt-get install --no-install-recommends $PACKAGES" >&2
    echo "DOCX kan byggas ändå (make docx-ÅR); PDF kräver LibreOffice." >&2
    exit 2
fi
