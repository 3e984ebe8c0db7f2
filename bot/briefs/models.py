"""Typed, frozen models of a dialogue brief and of the people registry, with JSON Schema export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.briefs.keys import HONORIFICS as HONORIFICS  # re-exported: the name keys live in keys.py
from bot.briefs.keys import fold as fold
from bot.briefs.keys import normalize_name as normalize_name
from bot.briefs.plain import named, parts_played

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,119}$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Organizer(_Frozen):
    """An institute that organised or co-organised the dialogue."""

    name: ShortText = Field(description="Full name as the source writes it.")
    acronym: ShortText | None = Field(None, description="Acronym, e.g. ISSI.")
    country: ShortText | None = Field(None, description="Country the institute is based in.")


class Participant(_Frozen):
    """Someone the source names as taking part: speaker, moderator or dignitary."""

    name: ShortText = Field(description="Name without honorific, as written in the source.")
    honorific: ShortText | None = Field(None, description="Ambassador, Dr., Ms., Prof. ... as written.")
    role: ShortText | None = Field(None, description="Role or title at the time, as written.")
    affiliation: ShortText | None = Field(None, description="Institution at the time, as written.")
    country: ShortText | None = Field(None, description="Country the participant represents.")
    person: ShortText | None = Field(
        None, description="Id in the people registry, when the name alone does not resolve to it."
    )


class Session(_Frozen):
    """A working session of the dialogue."""

    title: ShortText
    moderator: ShortText | None = Field(None, description="Participant name of the moderator.")
    summary: Text | None = None
    takeaways: tuple[Text, ...] = ()


class Position(_Frozen):
    """A stance or statement taken by one or more participants, in the brief author's words."""

    by: tuple[ShortText, ...] = Field(min_length=1, description="Participant names.")
    topic: ShortText
    summary: Text
    session: ShortText | None = Field(None, description="Session title, or e.g. 'Opening session'.")


class Figure(_Frozen):
    """A notable figure the source gives."""

    what: ShortText
    value: ShortText


class Mention(_Frozen):
    """Someone or something the source mentions who did not take part (e.g. an anticipated visit)."""

    name: ShortText
    role: ShortText | None = None
    context: Text | None = None


class Source(_Frozen):
    """Where the facts come from."""

    url: ShortText | None = None
    publisher: ShortText | None = None
    published: dt.date | None = Field(None, description="Publication date of the source, not the event.")
    author: ShortText | None = None
    file: ShortText | None = Field(None, description="Local copy the brief was written from, if any.")


class Dialogue(_Frozen):
    """One brief: everything known about one dialogue, and nothing more."""

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)] = Field(
        description="Same as the file name without .yaml: lowercase letters, digits, '-', '_' or '.'."
    )
    title: ShortText
    kind: ShortText | None = Field(None, description="annual dialogue, bilateral dialogue, roundtable ...")
    series: ShortText | None = Field(
        None, description="The recurring dialogue this one belongs to, as its sources name it (e.g. an annual one)."
    )
    round: int | None = Field(None, ge=1, le=1000, description="Its number in the series, when the sources give it.")
    date: Annotated[str, StringConstraints(pattern=DATE_PATTERN)] | None = Field(
        None, description="Event date: YYYY-MM-DD, YYYY-MM or YYYY; null when the source gives none."
    )
    date_note: Text | None = Field(None, description="How the date is known, or why it is not.")
    location: ShortText | None = None
    status: Literal["published", "draft"] = "published"
    organizers: tuple[Organizer, ...] = ()
    host_unit: ShortText | None = Field(None, description="The centre or department that hosted it.")
    moderators: tuple[ShortText, ...] = Field((), description="Participant names of overall moderators.")
    participants: tuple[Participant, ...] = ()
    sessions: tuple[Session, ...] = ()
    positions: tuple[Position, ...] = ()
    figures: tuple[Figure, ...] = ()
    topics: tuple[ShortText, ...] = ()
    projects: tuple[ShortText, ...] = Field((), description="Projects and initiatives named.")
    forums: tuple[ShortText, ...] = Field((), description="Organisations and forums named.")
    mentions: tuple[Mention, ...] = Field((), description="People mentioned who did not take part.")
    sources: tuple[Source, ...] = ()

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        # YAML reads an unquoted 2025-07-29 as a date and 2025 as an int; both are fine here.
        if isinstance(value, dt.date | int) and not isinstance(value, bool):
            return value.isoformat() if isinstance(value, dt.date) else str(value)
        return value

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = [int(p) for p in value.split("-")]
        if len(parts) >= 2 and not 1 <= parts[1] <= 12:
            raise ValueError(f"month {parts[1]:02d} does not exist")
        if len(parts) == 3:
            try:
                dt.date(*parts)
            except ValueError as exc:
                raise ValueError(f"{value} is not a real date ({exc})") from None
        if parts[0] < 1900 or parts[0] > 2100:
            raise ValueError(f"year {parts[0]} is out of range 1900-2100")
        return value

    @model_validator(mode="after")
    def _round_needs_series(self) -> Dialogue:
        if self.round is not None and self.series is None:
            raise ValueError("round is given without a series: add the series it is a round of")
        return self

    @property
    def is_published(self) -> bool:
        """Whether the brief is reviewed and public (drafts are not)."""
        return self.status == "published"

    def participant(self, name: str) -> Participant | None:
        """Return the participant with this name (normalised comparison), if any."""
        return named(self.participants, name)

    def parts_of(self, name: str) -> tuple[str, ...]:
        """Return the parts a participant played: overall moderator or session chair, and/or speaker."""
        return parts_played(self, name)


class Person(_Frozen):
    """One person across dialogues, with the spellings they appear under."""

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    name: ShortText = Field(description="Preferred spelling, without honorific.")
    honorific: ShortText | None = None
    aliases: tuple[ShortText, ...] = Field((), description="Other spellings and transliterations.")
    country: ShortText | None = None
    note: Text | None = None


class PeopleRegistry(_Frozen):
    """The people registry file (briefs/people.yaml)."""

    people: tuple[Person, ...] = ()


def reference_problems(dialogue: Dialogue) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (field path, message) for names that should be participants but are not, and duplicates."""
    known = {normalize_name(p.name) for p in dialogue.participants}
    problems: list[tuple[tuple[str | int, ...], str]] = []
    hint = "is not among participants; add them there or fix the spelling"
    for i, name in enumerate(dialogue.moderators):
        if normalize_name(name) not in known:
            problems.append((("moderators", i), f"{name!r} {hint}"))
    for i, session in enumerate(dialogue.sessions):
        if session.moderator and normalize_name(session.moderator) not in known:
            problems.append((("sessions", i, "moderator"), f"{session.moderator!r} {hint}"))
    for i, position in enumerate(dialogue.positions):
        for j, name in enumerate(position.by):
            if normalize_name(name) not in known:
                problems.append((("positions", i, "by", j), f"{name!r} {hint}"))
    seen: set[str] = set()
    for i, participant in enumerate(dialogue.participants):
        key = normalize_name(participant.name)
        if key in seen:
            problems.append((("participants", i, "name"), f"{participant.name!r} is listed twice"))
        seen.add(key)
    return problems


def json_schema(model: type[BaseModel] = Dialogue) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a brief, for editors."""
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", model.__name__)
    return schema
