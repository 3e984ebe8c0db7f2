"""Compact records of a dialogue kept in memory: its summary and each participant's precomputed name keys."""

from __future__ import annotations

import functools
import marshal
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.briefs.keys import fold, normalize_name
from bot.briefs.names import name_tokens, skeleton, skeleton_of_normal
from bot.index.squeeze import squeeze, unsqueeze
from bot.present import source_label

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue


class SpellingKeys(NamedTuple):
    """The lookup keys of one spelling of a name."""

    norm: str
    skel: str
    tokens: tuple[str, ...]


class PartRecord(NamedTuple):
    """What the people index needs of one participant, precomputed."""

    name: str
    honorific: str | None
    country: str | None
    person: str | None
    parts: tuple[str, ...]
    keys: SpellingKeys
    role: str | None = None
    affiliation: str | None = None


class Summary(NamedTuple):
    """The compact, always-in-memory part of one dialogue."""

    id: str
    title: str
    folded_title: str
    date: str | None
    status: str
    participants: tuple[PartRecord, ...]
    cite: tuple[str | None, str | None] = (None, None)  # the first source: label, URL


@functools.lru_cache(maxsize=1 << 16)
def spelling_keys(spelling: str) -> SpellingKeys:
    """Return the exact, transliteration and token keys of a spelling (as the people index uses them)."""
    skel = skeleton(spelling)
    return SpellingKeys(normalize_name(spelling), skel, tuple(sorted(name_tokens(spelling) | set(skel.split()))))


def spelling_tokens(spelling: str) -> tuple[str, ...]:
    """Return spelling_keys(spelling).tokens without filling the name memos: a pass over every spelling would leave
    ~37,000 entries in normalize_name's memo at 50,000 briefs (~8 MB of a bot's peak)."""
    normal = normalize_name.__wrapped__(spelling)
    skel = skeleton_of_normal(normal)
    return tuple(sorted(set(normal.replace("-", " ").split()) | set(skel.split())))


def summarize(dialogue: Dialogue) -> Summary:
    """Return the compact summary of a dialogue: identity, date, status and its participants' parts."""
    moderators = {normalize_name(m) for m in dialogue.moderators}
    chairs = {normalize_name(s.moderator) for s in dialogue.sessions if s.moderator}
    speakers = {normalize_name(b) for pos in dialogue.positions for b in pos.by}
    parts: list[PartRecord] = []
    for p in dialogue.participants:
        keys = spelling_keys(p.name)
        # same rule as Dialogue.parts_of, with each name normalised once
        chair: tuple[str, ...] = ()
        if keys.norm in moderators:
            chair = ("moderator",)
        elif keys.norm in chairs:
            chair = ("session chair",)
        roles = chair + (("speaker",) if keys.norm in speakers or not chair else ())
        parts.append(PartRecord(p.name, p.honorific, p.country, p.person, roles, keys, p.role, p.affiliation))
    cite = source_cite(dialogue)
    return Summary(
        dialogue.id, dialogue.title, fold(dialogue.title), dialogue.date, dialogue.status, tuple(parts), cite
    )


def source_cite(dialogue: Dialogue) -> tuple[str | None, str | None]:
    """Return the citation label and URL of a dialogue's first source."""
    return source_label(dialogue.sources[0] if dialogue.sources else None)


def packed_data(blob: bytes) -> dict[str, Any]:
    """Return the plain data of a dialogue packed by bot.index.pack.pack() (no model built, no pydantic)."""
    data: dict[str, Any] = marshal.loads(unsqueeze(blob))
    return data


def summary_to_data(summary: Summary) -> Any:
    """Return a summary as plain tuples (for marshal): head (id, title, folded, date, status, cite), parts."""
    parts = tuple((*p[:5], tuple(p.keys), p.role, p.affiliation) for p in summary.participants)
    return (*summary[:5], summary.cite), parts


def parts_blob(summary: Summary) -> bytes:
    """Return a summary's participant records as the cache stores them: squeezed marshal of plain tuples."""
    return blob_of_parts(summary_to_data(summary)[1])


def blob_of_parts(parts: Any) -> bytes:
    """Return participant data (the second half of summary_to_data) as the cache stores it."""
    return squeeze(marshal.dumps(parts))


def parts_from_blob(blob: bytes) -> tuple[PartRecord, ...]:
    """Rebuild participant records stored by parts_blob()."""
    return parts_from_data(marshal.loads(unsqueeze(blob)))


def part_names_from_blob(blob: bytes) -> tuple[str, ...]:
    """Return the participants' names of a blob stored by parts_blob(), in order, building no record."""
    return tuple(p[0] for p in marshal.loads(unsqueeze(blob)))


def part_fields_from_blob(blob: bytes) -> tuple[str | None, ...]:
    """Return the affiliation and country of each participant of a blob stored by parts_blob(), flat and in order
    (affiliation, country, affiliation, ...), building no record."""
    return tuple(f for p in marshal.loads(unsqueeze(blob)) for f in (p[7], p[2]))


def parts_from_data(parts: Any) -> tuple[PartRecord, ...]:
    """Rebuild participant records from plain tuples."""
    # tuple.__new__ skips the NamedTuple constructor's argument handling: 10,000 briefs x 8 people add up
    new = tuple.__new__
    return tuple(new(PartRecord, (*p[:5], new(SpellingKeys, p[5]), *p[6:])) for p in parts)


def summary_from_head(head: Any, parts: tuple[PartRecord, ...] = ()) -> Summary:
    """Rebuild a summary from its plain head tuple and (optionally) its participant records."""
    did, title, folded, date, status, cite = head
    summary: Summary = tuple.__new__(Summary, (did, title, folded, date, status, parts, cite))
    return summary
