"""Delivery settings: what the e-archive needs to know about who made and who delivers the records.

`sources/gemensamt/arkiv.yaml` is optional; without it the plan's organisation is both the
archival creator and the submitting organisation, without identification codes. The codes
(organisation number, or the code the archive gives the archival creator), the submission
agreement and the reference code are what the e-archive asks for; the secretariat gets them
from the archive and writes them here. They go into the package METS header (SIP5–SIP20).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from pipeline.sources import model as m
from pipeline.errors import Problem, SourceErrors
from pipeline.sources.load import validate
from pipeline.sources.reading import read_yaml

SETTINGS = "sources/gemensamt/arkiv.yaml"


class Organisation(m.Model):
    name: m.Text | None = Field(None, alias="namn")
    identification: m.Text | None = Field(None, alias="identitetskod")


class DeliveryFile(m.Model):
    creator: Organisation | None = Field(None, alias="arkivbildare")
    submitter: Organisation | None = Field(None, alias="levererande")
    submission_agreement: m.Text | None = Field(None, alias="leveransöverenskommelse")
    reference_code: m.Text | None = Field(None, alias="referenskod")


@dataclass(frozen=True)
class Delivery:
    """The settings with the plan's organisation filled in where the file says nothing."""

    creator_name: str
    creator_code: str | None
    submitter_name: str
    submitter_code: str | None
    submission_agreement: str | None
    reference_code: str | None


def read_delivery(root: Path, organisation: str) -> Delivery:
    """Read sources/gemensamt/arkiv.yaml if there is one; raise SourceErrors naming file, line and key."""
    path = root / SETTINGS
    settings = DeliveryFile()
    if path.is_file():
        problems: list[Problem] = []
        source = read_yaml(path, SETTINGS, problems)
        parsed = validate(source, DeliveryFile, problems) if source is not None else None
        if problems or parsed is None:
            raise SourceErrors(problems or [Problem(SETTINGS, "filen kunde inte läsas.")])
        settings = parsed
    creator = settings.creator or Organisation()
    submitter = settings.submitter or Organisation()
    return Delivery(creator.name or organisation, creator.identification, submitter.name or creator.name or organisation,
                    submitter.identification, settings.submission_agreement, settings.reference_code)
