"""Plain twins of the brief models, for reading a packed dialogue without pydantic.

A question answered from the cache that only reads a dialogue (`dialogue latest`) builds these from the packed
record (bot.index.pack) instead of the models: importing pydantic costs a whole `briefbot ask` ~80 ms.
Invariant: each class has exactly its model's fields and defaults (tests/briefs/test_plain.py compares them), and
the reading methods are written once, here (named, parts_played), for the models and the twins alike, so every answer
rendered from a twin equals the one rendered from the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from bot.briefs.keys import normalize_name


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Chaired(Protocol):
    @property
    def moderator(self) -> str | None: ...


class _Said(Protocol):
    @property
    def by(self) -> Sequence[str]: ...


class _Read(Protocol):
    """What parts_played reads of a dialogue: a model or its plain twin."""

    @property
    def moderators(self) -> Sequence[str]: ...
    @property
    def sessions(self) -> Sequence[_Chaired]: ...
    @property
    def positions(self) -> Sequence[_Said]: ...


N = TypeVar("N", bound=_Named)


def named(people: Sequence[N], name: str) -> N | None:
    """Return the first of these with this name (normalised comparison), if any."""
    key = normalize_name(name)
    return next((p for p in people if normalize_name(p.name) == key), None)


def parts_played(dialogue: _Read, name: str) -> tuple[str, ...]:
    """Return the parts a participant played: overall moderator or session chair, and/or speaker (the models' and
    the twins' parts_of)."""
    key = normalize_name(name)
    parts: list[str] = []
    moderates = True
    if any(normalize_name(m) == key for m in dialogue.moderators):
        parts.append("moderator")
    elif any(s.moderator and normalize_name(s.moderator) == key for s in dialogue.sessions):
        parts.append("session chair")
    else:
        moderates = False
    speaks = any(key in {normalize_name(b) for b in pos.by} for pos in dialogue.positions)
    if speaks or not moderates:
        parts.append("speaker")
    return tuple(parts)


class PlainOrganizer(NamedTuple):
    """An organiser, as bot.briefs.models.Organizer."""

    name: str
    acronym: str | None = None
    country: str | None = None


class PlainParticipant(NamedTuple):
    """A participant, as bot.briefs.models.Participant."""

    name: str
    honorific: str | None = None
    role: str | None = None
    affiliation: str | None = None
    country: str | None = None
    person: str | None = None


class PlainSession(NamedTuple):
    """A session, as bot.briefs.models.Session."""

    title: str
    moderator: str | None = None
    summary: str | None = None
    takeaways: tuple[str, ...] = ()


class PlainPosition(NamedTuple):
    """A position, as bot.briefs.models.Position."""

    by: tuple[str, ...]
    topic: str
    summary: str
    session: str | None = None


class PlainFigure(NamedTuple):
    """A figure, as bot.briefs.models.Figure."""

    what: str
    value: str


class PlainMention(NamedTuple):
    """A mention, as bot.briefs.models.Mention."""

    name: str
    role: str | None = None
    context: str | None = None


class PlainSource(NamedTuple):
    """A source, as bot.briefs.models.Source."""

    url: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    author: str | None = None
    file: str | None = None


class PlainDialogue(NamedTuple):
    """A dialogue, as bot.briefs.models.Dialogue (its reading methods included)."""

    id: str
    title: str
    kind: str | None = None
    series: str | None = None
    round: int | None = None
    date: str | None = None
    date_note: str | None = None
    location: str | None = None
    status: str = "published"
    organizers: tuple[PlainOrganizer, ...] = ()
    host_unit: str | None = None
    moderators: tuple[str, ...] = ()
    participants: tuple[PlainParticipant, ...] = ()
    sessions: tuple[PlainSession, ...] = ()
    positions: tuple[PlainPosition, ...] = ()
    figures: tuple[PlainFigure, ...] = ()
    topics: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    forums: tuple[str, ...] = ()
    mentions: tuple[PlainMention, ...] = ()
    sources: tuple[PlainSource, ...] = ()

    @property
    def is_published(self) -> bool:
        """Whether the brief is reviewed and public (drafts are not)."""
        return self.status == "published"

    def participant(self, name: str) -> PlainParticipant | None:
        """Return the participant with this name (normalised comparison), if any."""
        return named(self.participants, name)

    def parts_of(self, name: str) -> tuple[str, ...]:
        """Return the parts a participant played: overall moderator or session chair, and/or speaker."""
        return parts_played(self, name)


_NESTED: dict[str, type[Any]] = {
    "organizers": PlainOrganizer,
    "participants": PlainParticipant,
    "sessions": PlainSession,
    "positions": PlainPosition,
    "figures": PlainFigure,
    "mentions": PlainMention,
    "sources": PlainSource,
}


def plain_dialogue(data: dict[str, Any]) -> PlainDialogue:
    """Return the twin of a dialogue from its packed data (model_dump(exclude_unset=True), dates as ISO text)."""
    for name, cls in _NESTED.items():
        items = data.get(name)
        if items:
            if cls is PlainSource:
                items = [
                    {**s, "published": dt.date.fromisoformat(s["published"])} if s.get("published") else s
                    for s in items
                ]
            data[name] = tuple(cls(**item) for item in items)
    return PlainDialogue(**data)
