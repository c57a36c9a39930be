"""The gate before any output: every source of a year read and checked, every problem of every file at once."""

from __future__ import annotations

from pathlib import Path

from pipeline.checks.rules import follow_up_problems, plan_problems, round_problems
from pipeline.errors import SourceErrors
from pipeline.sources.load import PlanSources, read_plan


def check(root: Path, year: int | str, follow_ups: bool = True, round_file: bool = True) -> PlanSources:
    """Return the validated sources of `year`; raise SourceErrors listing every problem of every file.

    Without `follow_ups`, the year's follow-up files are not held against it: the plan (its build, its
    round, its archive) does not depend on them, and a follow-up being written must not stop it.
    Without `round_file`, neither is the round file (remiss.yaml): only `round` needs it.
    """
    sources = read_plan(root, year)
    problems = sources.problems + plan_problems(sources)
    if round_file:
        problems += round_problems(sources)
    if follow_ups:
        problems += follow_up_problems(sources)
    if problems or not sources.complete:
        raise SourceErrors(problems)
    return sources


def check_all(root: Path, years: list[int | str], follow_ups: bool = True,
              round_file: bool = True) -> list[PlanSources]:
    """Return the checked sources of every year, or raise with the problems of all of them."""
    checked, problems = [], []
    for year in years:
        try:
            checked.append(check(root, year, follow_ups, round_file))
        except SourceErrors as exc:
            problems += exc.problems
    if problems:
        raise SourceErrors(problems)
    return checked
