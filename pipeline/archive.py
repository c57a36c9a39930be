"""Archive: the decided plan's PDF/A with metadata and checksums, never overwritten.

`archive YEAR` writes archive/YEAR/ (PDF named with year and decision date, metadata.json,
SHA256SUMS) for a `beslutad` plan only. A second run refuses unless the PDF is identical.
`verify-archive` recomputes every checksum and names each file that changed or is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import PipelineError

SUMS = "SHA256SUMS"
METADATA = "metadata.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_revision(root: Path) -> str:
    """Return the git commit of the sources, marked when the work tree has changes."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=30)
        if head.returncode != 0:
            return "okänd (inte en git-utcheckning)"
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "sources", "templates"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return head.stdout.strip() + (" (med ändringar som inte är incheckade)" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return "okänd (git saknas)"


def archive(root: Path, year: int | str, soffice_url: str | None = None) -> list[str]:
    """Build and archive the decided plan of `year`; return Swedish report lines."""
    from .build import build_outputs, check
    sources = check(root, year)
    plan = sources.plan
    if plan.status != "beslutad":
        raise PipelineError(f"Planen för {year} är ett utkast (version {plan.version}); bara en beslutad plan "
                            f"arkiveras. Sätt 'status: beslutad' och 'beslutsdatum' i sources/{year}/plan.yaml.")
    _, pdf = build_outputs(root, sources, soffice_url=soffice_url)
    folder = root / "archive" / str(year)
    name = f"verksamhetsplan-{year}-beslutad-{plan.decided_on.isoformat()}.pdf"
    digest = sha256(pdf)
    if folder.exists():
        existing = folder / name
        if existing.is_file() and sha256(existing.read_bytes()) == digest:
            return [f"archive/{year} finns redan och skrivs inte över; den arkiverade PDF:en är identisk med "
                    f"den som byggs nu (SHA-256 {digest[:12]}…), så inget behöver göras."]
        raise PipelineError(f"archive/{year} finns redan med ett annat innehåll; ett arkiverat dokument skrivs "
                            f"aldrig över. Kontrollera ändringarna i källfilerna sedan beslutet.")
    metadata = {
        "titel": plan.title,
        "organ": plan.organisation,
        "år": plan.year,
        "beslutsdatum": plan.decided_on.isoformat(),
        "fil": name,
        "sha256": digest,
        "källversion": source_revision(root),
        "format": "PDF/A-2b, PDF/UA-1, språk sv-SE",
    }
    meta_bytes = (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    sums = f"{digest}  {name}\n{sha256(meta_bytes)}  {METADATA}\n".encode("utf-8")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{year}-", dir=folder.parent))
    try:
        for filename, data in ((name, pdf), (METADATA, meta_bytes), (SUMS, sums)):
            (work / filename).write_bytes(data)
            os.chmod(work / filename, 0o444)
        os.chmod(work, 0o755)
        os.rename(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return [f"Arkiverade {plan.title} i archive/{year}/{name}", f"SHA-256: {digest}"]


def verify_archive(root: Path) -> list[str]:
    """Check every archived file against its SHA256SUMS; raise naming each one that changed."""
    base = root / "archive"
    sums_files = sorted(base.glob(f"*/{SUMS}")) if base.is_dir() else []
    if not sums_files:
        return ["Arkivet är tomt: det finns inget att kontrollera."]
    bad, good = [], 0
    for sums in sums_files:
        for line in sums.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            expected, _, filename = line.partition("  ")
            path = sums.parent / filename
            shown = path.relative_to(root)
            if not path.is_file():
                bad.append(f"{shown}: filen saknas.")
            elif sha256(path.read_bytes()) != expected:
                bad.append(f"{shown}: innehållet har ändrats (kontrollsumman stämmer inte).")
            else:
                good += 1
    if bad:
        raise PipelineError("\n".join(bad + [f"{len(bad)} fel i arkivet; {good} filer är oförändrade."]))
    return [f"Arkivet är oförändrat: {good} filer i {len(sums_files)} årgångar stämmer med sina kontrollsummor."]
