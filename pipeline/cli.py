"""Command line: `python -m pipeline KOMMANDO`, one entry in COMMANDS per command; user errors print in Swedish
and exit 1."""

from __future__ import annotations

import argparse
import re
import signal
import sys
from pathlib import Path

# argparse's own messages, in Swedish (Python 3.11's wording; anything else is shown as it is).
_MESSAGES = [
    (r"the following arguments are required: (.+)", r"\1 saknas"),
    (r"unrecognized arguments: (.+)", r"okända argument: \1"),
    (r"argument kommando: invalid choice: (.+?) \(choose from (.+)\)", r"okänt kommando \1 (finns: \2)"),
    (r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)", r"\1: ogiltigt val \2 (välj bland \3)"),
    (r"argument (.+?): invalid int value: (.+)", r"\1: \2 är inget heltal"),
    (r"argument (.+?): invalid (\w+) value: (.+)", r"\1: ogiltigt värde \3"),
    (r"argument (.+?): expected one argument", r"\1: ett värde behövs efter flaggan"),
    (r"argument (.+?): expected at least one argument", r"\1: minst ett värde behövs"),
    (r"ambiguous option: (.+?) could match (.+)", r"flaggan \1 är tvetydig (kan vara \2)"),
]


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in Swedish: headings and errors; a usage error exits 1 like every user error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, formatter_class=_Formatter, add_help=False, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument("-h", "--help", action="help", help="visa den här hjälpen")

    def error(self, message: str):
        for pattern, swedish in _MESSAGES:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, swedish, message)
                break
        message = message.replace("'", "")
        sys.stderr.write(f"{self.prog}: fel: {message}\n"
                         f"Skriv '{self.prog} --help' för att se vad som går att skriva.\n")
        sys.exit(1)


# --- the commands -------------------------------------------------------------------------------
# Each command imports what it runs only when it runs (the imports inside the functions below): the
# most common run, an unchanged plan's build, then loads nothing but the up-to-date check.


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("year", metavar="ÅR", nargs="+")


def _check(root: Path, args: argparse.Namespace) -> None:
    from pipeline.checks.run import check_all
    years = list(dict.fromkeys(args.year))
    check_all(root, years)
    for year in years:
        print(f"sources/{year}: allt stämmer.")


def _build_arguments(build: argparse.ArgumentParser) -> None:
    build.add_argument("year", metavar="ÅR", nargs="+", help="ett eller flera år (de delar på en LibreOffice)")
    build.add_argument("--docx-only", action="store_true", help="bygg bara DOCX, ingen PDF")
    build.add_argument("--out", type=Path, default=None, metavar="MAPP",
                       help="utmapp för ett enda år (standard: build/ÅR)")
    build.add_argument("--force", action="store_true", help="bygg även om inget har ändrats")
    build.add_argument("--soffice-url", default=None, metavar="URL",
                       help="använd en redan startad LibreOffice, t.ex. "
                            "'socket,host=127.0.0.1,port=2002' (eller VP_SOFFICE_URL)")


def _build(root: Path, args: argparse.Namespace) -> None:
    """Build the years whose inputs or outputs changed; LibreOffice boots before heavy imports."""
    from pipeline.paths import display_path, html_path, output_paths
    from pipeline.infra.uptodate import inputs_digest, is_current
    years = list(dict.fromkeys(args.year))
    out_dir = args.out if len(years) == 1 else None
    digests = {}
    for year in years:
        docx_path, pdf_path = output_paths(root, year, out_dir)
        outputs = [docx_path] if args.docx_only else [docx_path, pdf_path, html_path(root, year, out_dir)]
        digest = inputs_digest(root, year)
        if not args.force and is_current(year, outputs, digest):
            print(f"{year}: inget har ändrats sedan förra bygget ({display_path(outputs[-1], root)} är aktuell).")
        else:
            digests[str(year)] = digest
    if not digests:
        return
    office = None
    if not args.docx_only:
        # Boot LibreOffice first: it starts while Python imports and renders.
        from pipeline.pdf.libreoffice import open_session
        office = open_session(args.soffice_url)
    try:
        from pipeline.documents.plan import build
        for line in build(root, list(digests), out_dir=args.out, docx_only=args.docx_only,
                          soffice_url=args.soffice_url, office=office, digests=digests):
            print(line)
    finally:
        if office is not None and not isinstance(office, Exception):
            office.close(wait=False)


def _round_arguments(rnd: argparse.ArgumentParser) -> None:
    rnd.add_argument("year", metavar="ÅR")
    rnd.add_argument("--per", dest="on", default=None, metavar="ÅÅÅÅ-MM-DD",
                     help="skicka som den dagen (standard: i dag); svarsdagen ska ligga efter den")
    rnd.add_argument("--från", dest="earlier", default=None, metavar="VERSION",
                     help="källfilerna för utkastet som skickades före detta (en mapp eller en version i git), "
                          "om remissen inte hittar dem själv (build/ÅR/remiss-utkast-N-källor, git-taggen "
                          "remiss-ÅR-utkast-N)")
    rnd.add_argument("--soffice-url", default=None, metavar="URL", help="använd en redan startad LibreOffice")


def _round(root: Path, args: argparse.Namespace) -> None:
    from pipeline.yearly.round import prepare_round
    for line in prepare_round(root, args.year, soffice_url=args.soffice_url, on=args.on, earlier=args.earlier):
        print(line)


def _comments_arguments(comments: argparse.ArgumentParser) -> None:
    comments.add_argument("files", nargs="+", type=Path, metavar="FIL.docx")
    comments.add_argument("--out", type=Path, required=True, metavar="UT.docx")
    comments.add_argument("--år", dest="year", default=None, metavar="ÅR",
                          help="remissens år, om filerna inte själva bär det (kommunexemplar från 'round' gör det)")
    comments.add_argument("--per", dest="on", default=None, metavar="ÅÅÅÅ-MM-DD",
                          help="sammanställ som den dagen (standard: i dag); efter svarsdagen markeras vilka "
                               "kommuner som inte har svarat")


def _comments(root: Path, args: argparse.Namespace) -> int:
    from pipeline.returned.comments import run_comments
    warnings, written, code = run_comments(root, args.files, args.out, year=args.year, on=args.on)
    for line in warnings:
        print(line, file=sys.stderr)
    for line in written:
        print(line)
    return code


def _compare_arguments(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("old", type=Path, metavar="GAMMAL.docx")
    compare.add_argument("new", type=Path, metavar="NY.docx")
    compare.add_argument("--out", type=Path, required=True, metavar="UT.docx")
    compare.add_argument("--författare", dest="author", default=None, metavar="NAMN",
                         help="vem ändringarna står på (standard: Södertörns kansli)")
    compare.add_argument("--motor", dest="engine", default=None, choices=["docxodus", "wmlcomparer", "libreoffice"],
                         help="jämförelsemotor (standard: docxodus; se docs/jämförelse.md)")
    compare.add_argument("--soffice-url", default=None, metavar="URL", help="använd en redan startad LibreOffice")


def _compare(root: Path, args: argparse.Namespace) -> None:
    from pipeline.returned.compare import DEFAULT_AUTHOR, DEFAULT_ENGINE, run_compare
    for line in run_compare(args.old, args.new, args.out, engine=args.engine or DEFAULT_ENGINE,
                            author=args.author or DEFAULT_AUTHOR, soffice_url=args.soffice_url):
        print(line)


def _changes_arguments(changes: argparse.ArgumentParser) -> None:
    changes.add_argument("year", metavar="ÅR")
    changes.add_argument("--from", dest="old", required=True, metavar="VERSION",
                         help="den tidigare versionen: en version i git (commit, tagg, HEAD~1) eller en mapp")
    changes.add_argument("--to", dest="new", default=None, metavar="VERSION",
                         help="den senare versionen (standard: arbetskopian)")
    changes.add_argument("--out", type=Path, default=None, metavar="UT.md", help="skriv också listan till en fil")


def _changes(root: Path, args: argparse.Namespace) -> None:
    from pipeline.yearly.changes import run_changes
    for line in run_changes(root, args.year, args.old, args.new, args.out):
        print(line)


def _archive_arguments(arch: argparse.ArgumentParser) -> None:
    arch.add_argument("year", metavar="ÅR")
    arch.add_argument("--uppföljning", dest="follow_up", default=None, metavar="TILLFÄLLE",
                      help="arkivera uppföljningen i stället, t.ex. helar (sources/ÅR/uppfoljning-helar.yaml)")
    arch.add_argument("--trots-ändringar", dest="anyway", action="store_true",
                      help="arkivera ändå när källfiler, mallar eller programmet har ändringar som inte är "
                           "incheckade i git (metadata.json säger det)")
    arch.add_argument("--leverans", dest="delivery", default=None, choices=["zip", "tar"],
                      help="skriv också informationspaketet som en fil att leverera till e-arkivet, "
                           "build/leverans/PAKET.zip eller .tar")
    arch.add_argument("--soffice-url", default=None, metavar="URL", help="använd en redan startad LibreOffice")


def _archive(root: Path, args: argparse.Namespace) -> None:
    from pipeline.archive.archiving import archive, archive_follow_up
    lines = archive_follow_up(root, args.year, args.follow_up, soffice_url=args.soffice_url,
                              anyway=args.anyway, delivery=args.delivery) \
        if args.follow_up else archive(root, args.year, soffice_url=args.soffice_url, anyway=args.anyway,
                                       delivery=args.delivery)
    for line in lines:
        print(line)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _verify_archive_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("years", nargs="*", metavar="ÅR", help="bara det som arkiverats för de här åren (standard: allt)")


def _verify_archive(root: Path, args: argparse.Namespace) -> None:
    from pipeline.archive.archiving import verify_archive
    from pipeline.errors import PipelineError
    wrong = [year for year in args.years if not re.fullmatch(r"\d{4}", year)]
    if wrong:
        raise PipelineError(f"verify-archive: ett år skrivs med fyra siffror, t.ex. 2024, inte {wrong[0]!r}.")
    for line in verify_archive(root, args.years):
        print(line)


def _follow_up_arguments(follow: argparse.ArgumentParser) -> None:
    follow.add_argument("year", metavar="ÅR")
    follow.add_argument("--tillfälle", dest="occasion", default=None, metavar="TILLFÄLLE",
                        help="bara ett tillfälle, t.ex. helar för uppfoljning-helar.yaml (standard: alla)")
    follow.add_argument("--out", type=Path, default=None, metavar="MAPP", help="utmapp (standard: build/ÅR)")
    follow.add_argument("--soffice-url", default=None, metavar="URL", help="använd en redan startad LibreOffice")


def _follow_up(root: Path, args: argparse.Namespace) -> None:
    from pipeline.documents.followup import build_follow_up
    for line in build_follow_up(root, args.year, args.occasion, soffice_url=args.soffice_url, out_dir=args.out):
        print(line)


def _year_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("year", metavar="ÅR")


def _ids(root: Path, args: argparse.Namespace) -> None:
    from pipeline.yearly.identities import add_identities
    for line in add_identities(root, args.year):
        print(line)


def _new_year_arguments(new: argparse.ArgumentParser) -> None:
    new.add_argument("year", metavar="ÅR", type=int)


def _new_year(root: Path, args: argparse.Namespace) -> None:
    from pipeline.yearly.newyear import new_year
    for line in new_year(root, args.year):
        print(line)


def _lint_arguments(lint: argparse.ArgumentParser) -> None:
    lint.add_argument("--template", type=Path, default=None, metavar="MALL.docx",
                      help="mallen som ska kontrolleras (standard: templates/verksamhetsplan.docx och "
                           "templates/missiv.docx och templates/uppfoljning.docx; en mall vars namn börjar med 'missiv' "
                           "eller 'uppfoljning' kontrolleras som missiv eller uppföljning)")


def _lint_templates(root: Path, args: argparse.Namespace) -> None:
    from pipeline.docx.templates import lint_template, spec_for
    from pipeline.paths import display_path
    templates = [args.template] if args.template else \
        [root / "templates" / name for name in ("verksamhetsplan.docx", "missiv.docx", "uppfoljning.docx")]
    for template in templates:
        spec = spec_for(template)
        path = lint_template(template, spec)
        what = {"missiv": " för missivet", "uppfoljning": " för uppföljningen"}.get(spec.key, "")
        print(f"{display_path(path, root)}: mallen har alla formatmallar och platshållare som koden "
              f"använder{what}.")


def _serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("year", metavar="ÅR")
    serve.add_argument("--port", type=int, default=0, metavar="N", help="porten (standard: en ledig)")
    serve.add_argument("--no-browser", action="store_true", help="öppna inte webbläsaren")


def _serve(root: Path, args: argparse.Namespace) -> int | None:
    from pipeline.workbench.server import serve
    return serve(root, args.year, port=args.port, browser=not args.no_browser)


class Command:
    """One command of the command line: its name and help (Swedish), its arguments and what it runs.

    `arguments(parser)` adds the command's arguments; `run(root, args)` returns the exit code, or None for 0.
    A plain class, and no typing imports: a dataclass or NamedTuple (or collections.abc for the types) would
    load modules that every run, an unchanged build too, pays for.
    """

    __slots__ = ("name", "help", "arguments", "run")

    def __init__(self, name: str, help: str, arguments, run):
        self.name, self.help, self.arguments, self.run = name, help, arguments, run


COMMANDS = [
    Command("check", "kontrollera källfilerna för ett eller flera år (alla fel på en gång)", _check_arguments, _check),
    Command("build", "bygg verksamhetsplanen (DOCX och PDF) för ett år", _build_arguments,
            _build),
    Command("round", "skicka ut utkastet på remiss: ett exemplar per kommun, missiv och mottagarlista "
            "(build/ÅR/remiss-utkast-N/)", _round_arguments, _round),
    Command("comments", "sammanställ kommentarer och ändringar i återsända utkast (felkod 2: sammanställningen "
            "skrevs men någon fil kunde inte läsas)", _comments_arguments, _comments),
    Command("compare", "jämför två versioner (spårade ändringar i Word)", _compare_arguments, _compare),
    Command("changes", "vad som har ändrats i planens innehåll mellan två versioner av källfilerna (till missivet)",
            _changes_arguments, _changes),
    Command("archive", "arkivera den beslutade planen som informationspaket (E-ARK, FGS Paketstruktur 2.0)",
            _archive_arguments, _archive),
    Command("verify-archive", "kontrollera att inget arkiverat dokument har ändrats", _verify_archive_arguments,
            _verify_archive),
    Command("follow-up", "bygg uppföljningen av årets plan (DOCX, PDF och webbsida) ur sources/ÅR/uppfoljning-*.yaml",
            _follow_up_arguments, _follow_up),
    Command("ids", "ge varje aktivitet en bestående identitet (id:) för uppföljningen; inget annat i filerna ändras",
            _year_argument, _ids),
    Command("new-year", "skapa nästa års källfiler från föregående år", _new_year_arguments, _new_year),
    Command("lint-templates", "kontrollera att Word-mallen har allt koden behöver", _lint_arguments, _lint_templates),
    Command("serve", "starta arbetsbänken: planen, dess fel och årets steg i webbläsaren, uppdaterade medan du "
            "skriver (bara på den här datorn)", _serve_arguments, _serve),
]


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m pipeline", description="Verksamhetsplan och budget: kontroll och bygge.")
    parser.add_argument("--root", type=Path, default=Path.cwd(), metavar="MAPP",
                        help="projektets rotmapp (där sources/ och templates/ finns)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="kommando", title="kommandon")
    for command in COMMANDS:
        command.arguments(commands.add_parser(command.name, help=command.help))
    args = parser.parse_args(argv)
    root = args.root.resolve()
    # SIGTERM (a stopped job, a closed terminal) unwinds like Ctrl-C: work files are removed,
    # LibreOffice is stopped, earlier outputs stay as they were.
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        code = next(c for c in COMMANDS if c.name == args.command).run(root, args)
    except Exception as exc:
        # The error classes are imported only when something went wrong: an unchanged plan
        # (the most common run while editing) should not pay for them.
        from pipeline.errors import PipelineError
        if not isinstance(exc, PipelineError):
            raise
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Avbrutet; tidigare byggda filer är orörda.", file=sys.stderr)
        return 130
    return code if code is not None else 0


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt
