"""LibreOffice helper, run by Debian's /usr/bin/python3 (the only Python where `uno` imports).

Converts DOCX files to PDF/A-2b + PDF/UA after updating every index (the table of contents)
and field. Starts its own soffice with a private profile, or connects to a running one.
Stdlib and uno only: this file must not import the pipeline package.

Usage: uno_convert.py [--connect URL] [--profile DIR] IN.docx OUT.pdf [IN2 OUT2 ...]
       uno_convert.py --compare [--connect URL] [--profile DIR] OLD.docx NEW.docx OUT.docx
(--compare: LibreOffice's document comparison; OUT holds NEW with tracked changes against OLD.)
Exit codes: 0 ok, 3 LibreOffice could not be started or reached, 4 a document failed.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

CONNECT_TIMEOUT = 60.0
CONTEXT = []  # the remote component context, once connected


def props(**values):
    out = []
    for key, value in values.items():
        p = PropertyValue()
        p.Name = key
        p.Value = value
        out.append(p)
    return tuple(out)


def connect(url, deadline, proc=None):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"soffice avslutades direkt (kod {proc.returncode})")
        try:
            ctx = resolver.resolve(f"uno:{url};urp;StarOffice.ComponentContext")
            CONTEXT[:] = [ctx]
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception as exc:  # NoConnectException until soffice listens
            last = exc
            time.sleep(0.05)
    raise RuntimeError(f"ingen kontakt med LibreOffice ({last})")


def convert(desktop, source, target):
    url_in = uno.systemPathToFileUrl(os.path.abspath(source))
    url_out = uno.systemPathToFileUrl(os.path.abspath(target))
    doc = desktop.loadComponentFromURL(url_in, "_blank", 0, props(Hidden=True, UpdateDocMode=0))
    if doc is None:
        raise RuntimeError(f"LibreOffice kunde inte öppna {source}")
    try:
        # Twice: a table of contents that grows can move headings to later pages.
        for _ in range(2):
            indexes = doc.getDocumentIndexes()
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.getTextFields().refresh()
            doc.refresh()
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", props(
            SelectPdfVersion=2,
            UseTaggedPDF=True,
            PDFUACompliance=True,
            ExportBookmarks=True,
            ExportNotes=False,
            EmbedStandardFonts=True,
            UseLosslessCompression=True,
            Quality=100,
            ReduceImageResolution=False,
            DisplayPDFDocumentTitle=True,
            OpenBookmarkLevels=-1,
        ))
        doc.storeToURL(url_out, props(FilterName="writer_pdf_Export", FilterData=filter_data))
    finally:
        doc.close(True)


def compare(desktop, context, old, new, target):
    """Store NEW with LibreOffice's tracked changes against OLD (Edit > Track Changes > Compare)."""
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(new)), "_blank", 0,
                                       props(Hidden=True))
    if doc is None:
        raise RuntimeError(f"LibreOffice kunde inte öppna {new}")
    try:
        helper = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        frame = doc.getCurrentController().getFrame()
        helper.executeDispatch(frame, ".uno:CompareDocuments", "", 0,
                               props(URL=uno.systemPathToFileUrl(os.path.abspath(old)), NoAcceptDialog=True))
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)),
                       props(FilterName="MS Word 2007 XML"))
    finally:
        doc.close(True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connect", default=None)
    parser.add_argument("--soffice", default=shutil.which("soffice") or "soffice")
    parser.add_argument("--profile", default=None, help="folder for a private LibreOffice profile")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    group = 3 if args.compare else 2
    if len(args.files) % group:
        print("uno_convert: fel antal filer", file=sys.stderr)
        return 2
    jobs = [args.files[i:i + group] for i in range(0, len(args.files), group)]
    proc = None
    profile = None
    deadline = time.monotonic() + CONNECT_TIMEOUT
    try:
        if args.connect:
            url = args.connect
            desktop = connect(url, deadline)
        else:
            profile = args.profile or tempfile.mkdtemp(prefix="vp-lo-profil-")
            pipe = f"vp-{uuid.uuid4().hex}"
            url = f"pipe,name={pipe}"
            proc = subprocess.Popen(
                [args.soffice, "--headless", "--invisible", "--nologo", "--norestore",
                 "--nodefault", "--nolockcheck", "--nofirststartwizard",
                 f"-env:UserInstallation={uno.systemPathToFileUrl(profile)}",
                 f"--accept={url};urp;StarOffice.ComponentContext"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            desktop = connect(url, deadline, proc)
    except Exception as exc:
        print(f"LibreOffice kunde inte startas: {exc}", file=sys.stderr)
        _stop(proc, None, profile)
        return 3
    code = 0
    try:
        for job in jobs:
            try:
                if args.compare:
                    compare(desktop, CONTEXT[0], *job)
                else:
                    convert(desktop, *job)
            except Exception as exc:
                print(f"{job[0]}: LibreOffice misslyckades: {exc}", file=sys.stderr)
                code = 4
                break
    finally:
        _stop(proc, desktop if proc is not None else None, profile)
    return code


def _stop(proc, desktop, profile):
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass  # the connection drops while soffice exits
    if proc is not None:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if profile:
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
