"""Take the screenshots of docs/arbetsbanken.md: the workbench on a copy of the project, as the secretariat sees it.

    .venv/bin/python tools/workbench_screenshots.py      (writes docs/bilder/arbetsbanken-*.png)

Starts `python -m pipeline serve 2024` on a copy of sources/ and templates/, makes a problem and mends it,
builds, sends a draft round and uploads two answers, and photographs each page in Chromium
(tests/browser/arbetsbank.mjs). Look at the pictures before committing them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import ROUND_FILE, make_round  # noqa: E402
from drafts import add_comments  # noqa: E402
from workbench_driver import Workbench  # noqa: E402

PICTURES = ROOT / "docs" / "bilder"


def main() -> int:
    PICTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vp-bilder-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "projekt"
        shutil.copytree(ROOT / "sources", root / "sources")
        shutil.copytree(ROOT / "templates", root / "templates")
        if (ROOT / "build" / ".cache").is_dir():
            shutil.copytree(ROOT / "build" / ".cache", root / "build" / ".cache")
        server = Workbench(root, tmp / "körning")
        try:
            server.wait_ready()
            budget = root / "sources" / "2024" / "budget.yaml"
            original = budget.read_text(encoding="utf-8")
            at = original.index("summa: 2083296", original.index("\nkostnader:"))
            broken = original[:at] + "summa: 2038296" + original[at + len("summa: 2083296"):]
            shot = lambda name, full=False: {"shot": str(PICTURES / f"arbetsbanken-{name}.png"), "full": full}  # noqa: E731
            server.browser([
                {"viewport": 1280},
                shot("start"),
                {"write": str(budget), "text": broken},
                {"text": "kostnader.summa", "in": "#problem"},
                shot("fel"),
                {"click": "#problem a"},
                {"eval": "document.querySelector(':target').scrollIntoView({block: 'center'})"},
                shot("fil"),
                {"write": str(budget), "text": original},
                # editing: two amounts, then a sum that does not add up (refused), then a text
                {"goto": "/redigera/sources/2024/budget.yaml"},
                {"fill": "[name='kostnader.poster[1].belopp']", "value": "120 000"},
                {"fill": "[name='kostnader.poster[3].belopp']", "value": "630 000"},
                {"click": "button[name='_åtgärd'][value='spara']"},
                {"text": "2 rader ändrades", "in": "#meddelande"},
                shot("sparat"),
                {"fill": "[name='kostnader.summa']", "value": "2 000 000"},
                {"click": "button[name='_åtgärd'][value='spara']"},
                {"text": "Filen sparades inte", "in": "#vagran"},
                shot("vagran"),
                {"eval": "document.getElementById('falt-kostnader-summa').scrollIntoView({block: 'center'})"},
                shot("vagran-falt"),
                {"goto": "/redigera/sources/2024/text/1-om-verksamhetsplanen.md"},
                {"fill": "#text", "value": (root / "sources/2024/text/1-om-verksamhetsplanen.md").read_text(
                    encoding="utf-8").replace("Verksamhetsplanen för 2024", "Den här verksamhetsplanen för 2024", 1)},
                {"until": "((d) => !!d && !!d.body && d.body.textContent.includes('Den här verksamhetsplanen'))"
                          "(document.getElementById('textvisning').contentDocument)"},
                shot("text"),
                {"goto": "/redigera/sources/2024/kansliet.yaml"},
                {"eval": "document.getElementById('grupp-aktiviteter').scrollIntoView() || 1"},
                shot("aktiviteter"),
                {"write": str(budget), "text": original},
                {"write": str(root / "sources/2024/text/1-om-verksamhetsplanen.md"),
                 "text": (root / "sources/2024/text/1-om-verksamhetsplanen.md").read_text(encoding="utf-8")},
                {"goto": "/"},
                {"text": "Inga fel", "in": "#problem"},
                {"viewport": 320},
                shot("mobil"),
                {"viewport": 1280},
                {"goto": "/steg/bygg"},
                {"click": "form.stegformular button[type=submit]"},
                {"text": "Klart kl", "in": "#resultat", "timeout": 180000},
                shot("bygg", full=True),
            ])
            # an answer day ahead (as tests/test_workbench.py does): the round refuses one that has passed
            make_round(root, version=2, text=ROUND_FILE.replace("svar_senast: 2024-02-09", "svar_senast: 2099-02-06"))
            server.wait_ready()
            server.post("/steg/remiss")
            job = server.wait_job("remiss")
            if job["errors"]:
                raise SystemExit("Remissen stoppades: " + " ".join(job["errors"]))
            folder = root / "build" / "2024" / "remiss-utkast-2"
            answers = [
                add_comments(folder / "Botkyrka-verksamhetsplan-2024-utkast-2.docx",
                             tmp / "Botkyrka-verksamhetsplan-2024-utkast-2.docx",
                             [("Budget", "Kan avgiften hållas oförändrad nästa år?", "Anna Berg")]),
                add_comments(folder / "Huddinge-verksamhetsplan-2024-utkast-2.docx", tmp / "Huddinge svar.docx",
                             [("Budget", "Huddinge tillstyrker budgeten.", "Per Ek"),
                              ("Kalendarium", "Mötet i maj krockar med kommunfullmäktige.", "Per Ek")]),
            ]
            server.browser([
                {"viewport": 1280},
                {"goto": "/steg/svar"},
                {"files": [str(p) for p in answers], "in": "#filer"},
                {"click": "form.stegformular button[type=submit]"},
                {"text": "Översikt", "in": "#resultat", "timeout": 180000},
                shot("remissvar", full=True),
            ])
        finally:
            server.stop()
    for picture in sorted(PICTURES.glob("arbetsbanken-*.png")):
        print(f"Skrev {picture.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
