"""Model stage: typed, validated shapes of the source files (unknown keys are errors).

Field names are English; the aliases are the Swedish keys users write in `sources/`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, ClassVar, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo,
                      field_validator, model_validator)

# Characters a Word document (XML 1.0) cannot hold: C0 controls but tab and newlines,
# lone surrogates, and the two non-characters U+FFFE and U+FFFF.
_ILLEGAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def illegal_character(text: str) -> re.Match | None:
    """Return the first character of `text` that a Word document cannot hold, if any."""
    return _ILLEGAL_CONTROL.search(text)


def illegal_character_message(char: str) -> str:
    """Return the Swedish message for a character a Word document cannot hold."""
    return f"otillåtet tecken U+{ord(char):04X} (kontrolltecken); ta bort det"


def _clean_text(value: object) -> object:
    """Refuse characters that cannot be stored in a Word document."""
    if isinstance(value, str):
        bad = illegal_character(value)
        if bad:
            raise ValueError(f"{illegal_character_message(bad.group())} (position {bad.start() + 1})")
        value = value.strip()
        if not value:
            raise ValueError("texten är tom")
    return value


def _as_paragraphs(value: object) -> object:
    """Accept a single string where a list of paragraphs is expected."""
    return [value] if isinstance(value, str) else value


def _as_time(value: object) -> object:
    """Accept "13:00", "13.00" and YAML 1.1's sexagesimal integer (unquoted 13:00 = 780)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, (int, float)):
        return str(value)  # not a time of day (pydantic would read it as seconds, in UTC)
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}[.:]\d{2}", value.strip()):
        hour, minute = re.split(r"[.:]", value.strip())
        if int(hour) < 24 and int(minute) < 60:
            return dt.time(int(hour), int(minute))
    return value


Text = Annotated[str, BeforeValidator(_clean_text)]
Paragraphs = Annotated[list[Text], BeforeValidator(_as_paragraphs), Field(min_length=1)]
Time = Annotated[dt.time, BeforeValidator(_as_time)]
Weekday = Literal["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False,
                              str_strip_whitespace=True)


# --- shared data (sources/gemensamt) -------------------------------------------------

class Municipality(Model):
    name: Text = Field(alias="namn")
    official_name: Text = Field(alias="kommunnamn")


class MunicipalitiesFile(Model):
    municipalities: list[Municipality] = Field(alias="kommuner", min_length=1)


class Network(Model):
    id: Text = Field(alias="id")
    name: Text = Field(alias="namn")
    short_name: Text | None = Field(None, alias="kortnamn")
    responsibility: Text = Field(alias="ansvarar_for")

    @property
    def label(self) -> str:
        """Return the name as documents show it: "Nätverket för ... (kortnamn)"."""
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class NetworksFile(Model):
    networks: list[Network] = Field(alias="natverk", min_length=1)


class GoverningDocument(Model):
    name: Text = Field(alias="namn")
    description: Text | None = Field(None, alias="beskrivning")


class OrganisationPart(Model):
    name: Text = Field(alias="namn")
    description: Text | None = Field(None, alias="beskrivning")
    reports_to: Text | None = Field(None, alias="under")
    support: bool = Field(False, alias="stöd")


class CollaborationFile(Model):
    documents: list[GoverningDocument] = Field(alias="styrdokument", min_length=1)
    bodies: list[OrganisationPart] = Field(alias="organ", min_length=1)
    networks_report_to: Text = Field(alias="natverk_under")


# --- plan.yaml ------------------------------------------------------------------------

ChapterContent = Literal["mål", "kansliet", "organisation", "kalendarium", "budget"]


class Chapter(Model):
    title: Text = Field(alias="rubrik")
    text: Text | None = Field(None, alias="text")
    content: ChapterContent | None = Field(None, alias="innehåll")


class Appendix(Model):
    title: Text = Field(alias="rubrik")
    text: Text | None = Field(None, alias="text")
    content: Literal["kommunikationsplan"] | None = Field(None, alias="innehåll")

    @model_validator(mode="after")
    def _one_source(self) -> "Appendix":
        if (self.text is None) == (self.content is None):
            raise ValueError("en bilaga ska ha antingen 'text' (en Markdown-fil) eller 'innehåll'")
        return self


class Plan(Model):
    # A key that the status asks for but that is missing is reported at the line of `status:`.
    ABSENT_AT: ClassVar[dict[str, str]] = {"version": "status", "beslutsdatum": "status"}

    title: Text = Field(alias="titel")
    year: int = Field(alias="år", ge=2000, le=2100)
    organisation: Text = Field(alias="organisation")
    date: dt.date = Field(alias="datum")
    status: Literal["utkast", "beslutad"] = Field(alias="status")
    version: int | None = Field(None, alias="version", ge=1, validate_default=True)
    decided_on: dt.date | None = Field(None, alias="beslutsdatum", validate_default=True)
    chapters: list[Chapter] = Field(alias="kapitel", min_length=1)
    appendices: list[Appendix] = Field(default_factory=list, alias="bilagor")

    # Field validators, not one for the whole plan: each mistake is then reported at its own key.
    @field_validator("version")
    @classmethod
    def _version_fits_status(cls, value: int | None, info: ValidationInfo) -> int | None:
        status = info.data.get("status")
        if status == "utkast" and value is None:
            raise ValueError("ett utkast ska ha 'version: N'")
        if status == "beslutad" and value is not None:
            raise ValueError("en beslutad plan har ingen 'version'; ta bort den")
        return value

    @field_validator("decided_on")
    @classmethod
    def _decision_fits_status(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        status = info.data.get("status")
        if status == "utkast" and value is not None:
            raise ValueError("ett utkast kan inte ha 'beslutsdatum'; ändra status till beslutad")
        if status == "beslutad" and value is None:
            raise ValueError("en beslutad plan ska ha 'beslutsdatum: ÅÅÅÅ-MM-DD'")
        return value


# --- mal.yaml and kansliet.yaml -------------------------------------------------------

class Footnote(Model):
    mark: Text = Field(alias="tecken")
    text: Text = Field(alias="text")


class Activity(Model):
    id: Text | None = Field(None, alias="id")  # stable identity (yearly/identities.py), for the follow-up
    activity: Text = Field(alias="aktivitet")
    comment: list[Text] = Field(default_factory=list, alias="kommentar")
    appendix_item: int | None = Field(None, alias="bilaga1")
    mark: Text | None = Field(None, alias="fotnot")

    @model_validator(mode="before")
    @classmethod
    def _comment_paragraphs(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("kommentar"), str):
            data = {**data, "kommentar": [data["kommentar"]]}
        return data


class Goal(Model):
    level: Text = Field(alias="nivå")
    name: Text = Field(alias="namn")
    heading: Text | None = Field(None, alias="rubrik")
    statement: Text | None = Field(None, alias="formulering")
    responsible: Text | None = Field(None, alias="ansvar")
    activities: list[Activity] = Field(default_factory=list, alias="aktiviteter")
    footnotes: list[Footnote] = Field(default_factory=list, alias="fotnoter")
    goals: list["Goal"] = Field(default_factory=list, alias="mål")

    @property
    def title(self) -> str:
        """Return "<Nivå>: <namn>", the goal's heading when it has no own `rubrik`."""
        return f"{self.level[:1].upper()}{self.level[1:]}: {self.name}"


class FocusArea(Model):
    name: Text = Field(alias="namn")
    heading: Text | None = Field(None, alias="rubrik")
    goals: list[Goal] = Field(default_factory=list, alias="mål")


class GoalsFile(Model):
    vision: Text = Field(alias="vision")
    levels: list[Text] = Field(alias="nivåer", min_length=1)
    yearly_levels: list[Text] = Field(default_factory=list, alias="årsnivåer")
    focus_areas: list[FocusArea] = Field(alias="fokusområden", min_length=1)


class SecretariatFile(Model):
    activities: list[Activity] = Field(alias="aktiviteter", min_length=1)


# --- organisation.yaml ----------------------------------------------------------------

class Committee(Model):
    chair: Text = Field(alias="ordförande")
    vice_chair: Text = Field(alias="vice_ordförande")


class Person(Model):
    name: Text = Field(alias="namn")
    municipality: Text = Field(alias="kommun")


class ManagementGroup(Model):
    chair: Person = Field(alias="ordförande")


class OrganisationFile(Model):
    committee: Committee = Field(alias="samarbetskommittén")
    management: ManagementGroup = Field(alias="ledningsgruppen")


# --- kalendarium.yaml -----------------------------------------------------------------

class Meeting(Model):
    date: dt.date = Field(alias="datum")
    end_date: dt.date | None = Field(None, alias="slutdatum")
    start: Time | None = Field(None, alias="start")
    end: Time | None = Field(None, alias="slut")
    description: Text | None = Field(None, alias="beskrivning")
    place: Text | None = Field(None, alias="plats")
    note: Text | None = Field(None, alias="notering")


class Body(Model):
    name: Text = Field(alias="namn")
    weekday: Weekday = Field(alias="veckodag")
    start: Time = Field(alias="start")
    end: Time = Field(alias="slut")
    place: Text | None = Field(None, alias="plats")
    meetings: list[Meeting] = Field(alias="möten", min_length=1)


class CalendarFile(Model):
    bodies: list[Body] = Field(alias="organ", min_length=1)


# --- budget.yaml ----------------------------------------------------------------------

class FeeDecision(Model):
    body: Text = Field(alias="organ")
    date: dt.date = Field(alias="datum")


class Population(Model):
    count: int = Field(alias="antal", gt=0)
    date: dt.date = Field(alias="datum")


class BudgetLine(Model):
    label: Text = Field(alias="post")
    amount: int = Field(alias="belopp", ge=0)
    approximate: bool = Field(False, alias="ca")
    mark: Text | None = Field(None, alias="fotnot")
    from_fees: bool = Field(False, alias="avgifter")


class BudgetSection(Model):
    lines: list[BudgetLine] = Field(alias="poster", min_length=1)
    total: int = Field(alias="summa", ge=0)


class BudgetFile(Model):
    fee_per_inhabitant: int = Field(alias="avgift_per_invånare", gt=0)
    fee_decision: FeeDecision = Field(alias="avgiftsbeslut")
    population: Population = Field(alias="invånare")
    revenue: BudgetSection = Field(alias="intäkter")
    costs: BudgetSection = Field(alias="kostnader")
    footnotes: list[Footnote] = Field(default_factory=list, alias="fotnoter")


# --- kommunikationsplan.yaml (Bilaga 1) -----------------------------------------------

class CommSection(Model):
    heading: Text = Field(alias="rubrik")
    text: Paragraphs = Field(alias="text")


class CommItem(Model):
    id: Text | None = Field(None, alias="id")  # stable identity (yearly/identities.py), for the follow-up
    number: int = Field(alias="nr", ge=1)
    activity: Paragraphs = Field(alias="aktivitet")
    when: Paragraphs = Field(alias="när")
    cost: Paragraphs = Field(alias="kostnad")
    footnotes: list[int] = Field(default_factory=list, alias="fotnoter")
    years: list[int] = Field(default_factory=list, alias="år")


class NumberedFootnote(Model):
    number: int = Field(alias="nr", ge=1)
    text: Text = Field(alias="text")


class CommPlanFile(Model):
    sections: list[CommSection] = Field(default_factory=list, alias="avsnitt")
    cost_footnote: int | None = Field(None, alias="fotnot_kostnad")
    items: list[CommItem] = Field(alias="aktiviteter", min_length=1)
    footnotes: list[NumberedFootnote] = Field(default_factory=list, alias="fotnoter")


# --- remiss.yaml: a draft round ------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+\.[^@\s,;<>().]{2,}")


def _email(value: object) -> object:
    value = _clean_text(value)
    if isinstance(value, str) and not _EMAIL.fullmatch(value):
        raise ValueError(f"'{value}' är ingen e-postadress (skriv den som namn@kommun.se)")
    return value


Email = Annotated[str, BeforeValidator(_email)]


class Contact(Model):
    name: Text = Field(alias="namn")
    title: Text | None = Field(None, alias="titel")
    email: Email = Field(alias="e-post")
    phone: Text | None = Field(None, alias="telefon")


class RoundFile(Model):
    """A draft round: which draft is sent, what is asked of the municipalities, by when, and whom they ask."""

    ITEM_MAPS: ClassVar[tuple] = (("mottagare",),)  # a recipient with an error is left out (load.validate)

    draft: int | None = Field(None, alias="utkast", ge=1)  # the plan's version it sends (checks.check_round)
    sent_on: dt.date | None = Field(None, alias="skickas")
    answer_by: dt.date = Field(alias="svar_senast")
    question: Paragraphs = Field(alias="fråga")
    contact: Contact = Field(alias="kontakt")
    answer_to: Email | None = Field(None, alias="svar_till")
    recipients: dict[str, Email] = Field(default_factory=dict, alias="mottagare")

    @classmethod
    def readable_fields(cls, data: object) -> dict[str, object]:
        """Return each top-level field of `data` that is valid on its own, by field name.

        When one field is broken the file is no RoundFile, but the rules on its dates and
        recipients can still run on the fields that are valid (checks.check_round).
        """
        if not isinstance(data, dict):
            return {}
        out: dict[str, object] = {}
        for name, info in cls.model_fields.items():
            if info.alias not in data:
                continue
            annotation = Annotated.__class_getitem__((info.annotation, *info.metadata)) if info.metadata \
                else info.annotation
            try:
                out[name] = TypeAdapter(annotation).validate_python(data[info.alias])
            except ValidationError:
                pass
        return out


# --- uppfoljning-*.yaml: a follow-up of the plan ---------------------------------------------

STATUSES = ("genomförd", "pågår", "försenad", "ej påbörjad", "struken")
UNFINISHED = ("pågår", "försenad", "ej påbörjad")


class ActivityOutcome(Model):
    status: Literal["genomförd", "pågår", "försenad", "ej påbörjad", "struken"] = Field(alias="status")
    comment: Text | None = Field(None, alias="kommentar")   # Markdown, inline
    result: Text | None = Field(None, alias="resultat")     # what it led to (valfri)


class OutcomeLine(Model):
    label: Text = Field(alias="post")
    outcome: int = Field(alias="utfall", ge=0)


class OutcomeSection(Model):
    lines: list[OutcomeLine] = Field(alias="poster", min_length=1)
    total: int | None = Field(None, alias="summa", ge=0)


class BudgetOutcome(Model):
    revenue: OutcomeSection = Field(alias="intäkter")
    costs: OutcomeSection = Field(alias="kostnader")


class FollowUpFile(Model):
    """One follow-up occasion (delår, helår): each activity's status, and the budget's outcome."""

    ITEM_MAPS: ClassVar[tuple] = (("aktiviteter",),)  # an activity with an error is left out (load.validate)

    occasion: Text = Field(alias="tillfälle")
    date: dt.date = Field(alias="datum")
    period: Text = Field(alias="period")
    activities: dict[str, ActivityOutcome] = Field(alias="aktiviteter")
    budget: BudgetOutcome = Field(alias="budget")
