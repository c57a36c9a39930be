"""LibreOffice helper, run by Debian's /usr/bin/python3 (the only Python where `uno` imports).

Serves requests on stdin, one JSON object per line, and answers each on stdout:
    {"convert": ["IN.docx", "OUT.pdf"]}           -> PDF/A-2b + PDF/UA, indexes and fields updated
    {"compare": ["OLD.docx", "NEW.docx", "OUT.docx"]} -> NEW with tracked changes against OLD
The first line it prints is {"ready": true} once LibreOffice answers, or {"error": ...}.
It starts its own soffice with a private profile (--profile), or uses a running one
(--connect URL); --pipe NAME names the pipe it listens on, so that other helpers can connect to
the same soffice. At end of input it stops the soffice it started. Stdlib and uno only:
this file must not import the pipeline package.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

CONNECT_TIMEOUT = 120.0


def props(**values):
    out = []
    for key, value in values.items():
        p = PropertyValue()
        p.Name = key
        p.Value = value
        out.append(p)
    return tuple(out)


def connect(url, deadline, proc=None):
    """Return (component context, desktop) once LibreOffice answers at `url`."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"soffice avslutades direkt (kod {proc.returncode})")
        try:
            ctx = resolver.resolve(f"uno:{url};urp;StarOffice.ComponentContext")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            return ctx, desktop
        except Exception as exc:  # NoConnectException until soffice listens
            last = exc
            time.sleep(0.05)
    raise RuntimeError(f"ingen kontakt med LibreOffice ({last})")


def convert(desktop, source, target):
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0,
                                       props(Hidden=True, UpdateDocMode=0))
    if doc is None:
        raise RuntimeError("LibreOffice kunde inte öppna dokumentet")
    try:
        # Twice: a table of contents that grows can move headings to later pages.
        for _ in range(2):
            indexes = doc.getDocumentIndexes()
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.getTextFields().refresh()
            doc.refresh()
        filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", props(
            SelectPdfVersion=2, UseTaggedPDF=True, PDFUACompliance=True, ExportBookmarks=True,
            ExportNotes=False, EmbedStandardFonts=True, UseLosslessCompression=True, Quality=100,
            ReduceImageResolution=False, DisplayPDFDocumentTitle=True, OpenBookmarkLevels=-1))
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)),
                       props(FilterName="writer_pdf_Export", FilterData=filter_data))
    finally:
        doc.close(True)


def compare(desktop, context, old, new, target):
    """Store NEW with LibreOffice's tracked changes against OLD (Edit > Track Changes > Compare)."""
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(new)), "_blank", 0,
                                       props(Hidden=True))
    if doc is None:
        raise RuntimeError("LibreOffice kunde inte öppna dokumentet")
    try:
        helper = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        helper.executeDispatch(doc.getCurrentController().getFrame(), ".uno:CompareDocuments", "", 0,
                               props(URL=uno.systemPathToFileUrl(os.path.abspath(old)), NoAcceptDialog=True))
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), props(FilterName="MS Word 2007 XML"))
    finally:
        doc.close(True)


def answer(payload):
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connect", default=None)
    parser.add_argument("--soffice", default=shutil.which("soffice") or "soffice")
    parser.add_argument("--pipe", default=None, help="the pipe name the soffice started here listens on")
    parser.add_argument("--profile", default=None,
                        help="folder for a private LibreOffice profile (removed when done)")
    parser.add_argument("--keep-profile-as", default=None,
                        help="after a session that converted a document, keep a copy of the profile there")
    args = parser.parse_args()
    proc = None
    profile = None
    try:
        if args.connect:
            context, desktop = connect(args.connect, time.monotonic() + CONNECT_TIMEOUT)
        else:
            profile = args.profile or tempfile.mkdtemp(prefix="vp-lo-profil-")
            url = f"pipe,name={args.pipe or 'vp-' + uuid.uuid4().hex}"
            proc = subprocess.Popen(
                [args.soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
                 "--nolockcheck", "--nofirststartwizard",
                 f"-env:UserInstallation={uno.systemPathToFileUrl(os.path.abspath(profile))}",
                 f"--accept={url};urp;StarOffice.ComponentContext"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            context, desktop = connect(url, time.monotonic() + CONNECT_TIMEOUT, proc)
    except Exception as exc:
        answer({"error": f"LibreOffice kunde inte startas: {exc}"})
        stop(proc, None, profile)
        return 3
    converted = False
    code = 0
    try:
        answer({"ready": True})
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            try:
                if "convert" in request:
                    convert(desktop, *request["convert"])
                    converted = True
                elif "compare" in request:
                    compare(desktop, context, *request["compare"])
                else:
                    raise RuntimeError(f"okänd begäran {sorted(request)}")
                answer({"ok": True})
            except Exception as exc:
                answer({"error": str(exc)})
                if "DisposedException" in type(exc).__name__ or "RuntimeException" in type(exc).__name__:
                    code = 4  # the connection is gone: let the caller start anew
                    break
    except (BrokenPipeError, OSError):
        code = 5  # the caller is gone (killed while LibreOffice started): stop soffice all the same
    finally:
        stop(proc, desktop if proc is not None else None, profile,
             args.keep_profile_as if converted and code == 0 else None)
    return code


def stop(proc, desktop, profile, keep_as=None):
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
    if profile and keep_as and proc is not None and proc.returncode == 0 and not os.path.exists(keep_as):
        work = None
        try:  # copy beside the target, then rename: another build may be keeping its own at once
            work = tempfile.mkdtemp(prefix=os.path.basename(keep_as) + "-", dir=os.path.dirname(keep_as))
            shutil.copytree(profile, work, dirs_exist_ok=True)
            os.rename(work, keep_as)
        except OSError:
            if work:
                shutil.rmtree(work, ignore_errors=True)
    if profile:
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
