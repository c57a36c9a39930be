"""Every output the project writes, built from the same sources, as SHA-256 per file: a reproducibility record.

    .venv/bin/python tools/output_hashes.py --out hashes.json      record
    .venv/bin/python tools/output_hashes.py --check hashes.json    build again and list every file that differs

Builds, in a scratch folder and through the command line as a user would: the 2024 plan, its follow-up and
its archive package (with the delivery zip); the 2024 plan as draft 2 with its round, a compilation of three
returned copies, a comparison and the content changes; a new year 2025; and the test plans of other shapes
(tests/fixtures: 2031 with its follow-up, 2032, 2033). Used when the code is restructured: every output must
stay byte-identical (issue 27). The hashes hold for one machine (LibreOffice, pandoc, Graphviz, fonts).
Not a test: it takes a minute or two.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ROUND = """utkast: 2
skickas: 2024-01-17
svar_senast: 2024-02-09
fråga:
  - Vi ber om kommunens synpunkter på utkastet.
kontakt:
  namn: Helene Olofsson
  titel: strateg, Södertörns kansli
  e-post: helene.olofsson2@huddinge.se
mottagare:
  Botkyrka: registrator@botkyrka.se
"""


def run(root: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    if result.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(args)} misslyckades:\n{result.stderr}")
    return result.stdout


def project(base: Path, name: str, sources: Path = ROOT / "sources") -> Path:
    target = base / name
    shutil.copytree(sources, target / "sources")
    shutil.copytree(ROOT / "templates", target / "templates")
    return target


def hashes_under(folder: Path, prefix: str) -> dict[str, str]:
    return {f"{prefix}/{p.relative_to(folder).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts
            and not p.name.startswith(".vp-")}


def record(base: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    plan = project(base, "plan")
    run(plan, "build", "2024")
    run(plan, "follow-up", "2024")
    run(plan, "archive", "2024", "--leverans", "zip")
    run(plan, "archive", "2024", "--uppföljning", "helar")
    out |= hashes_under(plan / "build", "plan/build") | hashes_under(plan / "archive", "plan/archive")

    draft = project(base, "utkast")
    text = (draft / "sources/2024/plan.yaml").read_text(encoding="utf-8")
    (draft / "sources/2024/plan.yaml").write_text(
        text.replace("status: beslutad\nbeslutsdatum: 2024-01-16", "status: utkast\nversion: 2"), encoding="utf-8")
    (draft / "sources/2024/remiss.yaml").write_text(ROUND, encoding="utf-8")
    run(draft, "round", "2024", "--per", "2024-01-17")
    copies = sorted((draft / "build/2024/remiss-utkast-2").glob("*-verksamhetsplan-2024-utkast-2.docx"))[:3]
    run(draft, "comments", *map(str, copies), "--out", str(draft / "build/sammanstallning.docx"), "--per",
        "2024-02-10")
    run(draft, "compare", str(plan / "build/2024/verksamhetsplan-2024.docx"), str(copies[0]), "--out",
        str(draft / "build/jamforelse.docx"))
    (draft / "build/andringar.txt").write_text(run(draft, "changes", "2024", "--from", str(plan)), encoding="utf-8")
    out |= hashes_under(draft / "build", "utkast/build")

    run(plan, "new-year", "2025")
    out |= hashes_under(plan / "sources/2025", "plan/sources/2025")

    for fixture, year in (("annan-form", "2031"), ("stor-form", "2032"), ("minimal", "2033")):
        other = project(base, fixture, FIXTURES / fixture / "sources")
        run(other, "build", year)
        if list((other / "sources" / year).glob("uppfoljning-*.yaml")):
            run(other, "follow-up", year)
        out |= hashes_under(other / "build", f"{fixture}/build")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vp-kontrollsummor-") as work:
        now = record(Path(work))
    if args.out:
        args.out.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(now)} filer")
    if args.check:
        before = json.loads(args.check.read_text(encoding="utf-8"))
        differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        for key in differ:
            print(f"{key}: {'saknas nu' if key not in now else 'ny' if key not in before else 'annorlunda'}")
        print(f"{len(now)} filer, {len(differ)} skiljer sig")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
