"""User-facing errors: every problem a user can act on carries file, line and key path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in one source file, printed as `file:line: key: message`."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    key: str = ""

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.column or 0, self.key)


class PipelineError(Exception):
    """Base of every error meant for a user; the CLI prints it and exits 1."""

    def lines(self) -> list[str]:
        return [str(self)]


class SourceErrors(PipelineError):
    """All problems found in the sources, reported together."""

    def __init__(self, problems: list[Problem]):
        # a shared file's mistake, found in each year checked, is one mistake: told once
        self.problems = sorted(dict.fromkeys(problems), key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        n = len(self.problems)
        summary = "1 fel i källfilerna." if n == 1 else f"{n} fel i källfilerna."
        return [str(p) for p in self.problems] + [summary]


class TemplateError(PipelineError):
    """A Word template lacks something the code relies on, or fails to render."""

    def __init__(self, template: Path | str, message: str):
        self.template = str(template)
        super().__init__(f"{self.template}: {message}")


class ConversionError(PipelineError):
    """LibreOffice could not turn the DOCX into a PDF."""


class OutputError(PipelineError):
    """An output file could not be written."""


class ProofreadError(PipelineError):
    """The PDF does not show what the DOCX says; nothing was written."""

    def __init__(self, target: str, problems: list[str]):
        self.target = target
        self.problems = problems
        super().__init__("\n".join(problems))

    def lines(self) -> list[str]:
        n = len(self.problems)
        return [f"{self.target}: {p}" for p in self.problems] + [
            f"Korrekturläsningen av PDF:en fann {n} fel; ingenting skrevs och tidigare filer är orörda. "
            "Det är ett fel i layouten, inte i källfilerna: rapportera det med källfilerna."]
