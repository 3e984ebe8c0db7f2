"""What a question is about: a person, an institute or country, a topic or a dialogue series.

Invariant: every lookup here reads the in-memory summaries, the people index and the text index; no dialogue is
loaded, so a question stays fast at 10,000 briefs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.briefs.models import fold, normalize_name
from bot.index.catalog import Catalog

GROUP_WALK = 400  # text hits read to find an institute's or country's dialogues (newest first)


class SubjectKind(StrEnum):
    """The sorts of thing a timeline, comparison or network can be about."""

    PERSON = "person"
    GROUP = "group"  # an institute (organiser or affiliation) or a country
    TOPIC = "topic"
    SERIES = "series"


@dataclass(frozen=True, slots=True)
class Subject:
    """A resolved subject: its kind, how to show it, and the people it means (for a person)."""

    kind: SubjectKind
    label: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupPart:
    """One participant of a dialogue who belongs to an institute or country."""

    index: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class GroupDialogue:
    """One dialogue of an institute or country: whether it organised it and which of its people took part."""

    dialogue_id: str
    organiser: str | None
    people: tuple[GroupPart, ...]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def _holds(hay: str | None, words: list[str]) -> bool:
    """Return whether every word occurs in hay as a whole word."""
    if not hay or not words:
        return False
    have = set(_words(hay))
    return all(w in have for w in words)


def person_key(catalog: Catalog, dialogue_id: str, index: int) -> str:
    """Return the people-index key of one participant of a dialogue."""
    return catalog.person_key(catalog.part(dialogue_id, index))


def group_dialogues(catalog: Catalog, name: str, *, exact: bool = False) -> list[GroupDialogue]:
    """Return the dialogues an institute or country organised or sent people to, newest first.

    exact=True keeps only whole-field matches (an acronym, an institute's name, a country, an affiliation as
    written); otherwise every word of name must occur in the field.
    """
    words = _words(name)
    if not words:
        return []
    key = " ".join(words)

    def matches(field: str | None) -> bool:
        if exact:
            return bool(field) and " ".join(_words(field or "")) == key
        return _holds(field, words)

    organised: dict[str, str] = {}
    for hit in catalog.text.search(name, kinds=("organizer",), limit=GROUP_WALK, ranked=False):
        if hit.dialogue_id in catalog.dialogues and hit.dialogue_id not in organised:
            # the field is "name acronym country": match any one of them
            summary_words = hit.text
            if exact:
                if key in _org_keys(summary_words):
                    organised[hit.dialogue_id] = hit.text
            elif _holds(summary_words, words):
                organised[hit.dialogue_id] = hit.text
    people: dict[str, list[GroupPart]] = {}
    for hit in catalog.text.search(name, kinds=("participant",), limit=GROUP_WALK, ranked=False):
        did = hit.dialogue_id
        if did not in catalog.dialogues:
            continue
        parts = catalog.summary(did).participants
        if hit.ref >= len(parts):
            continue
        part = parts[hit.ref]
        if matches(part.affiliation) or matches(part.country) or (not exact and _holds(part.role, words)):
            role = ", ".join(x for x in (part.role, part.affiliation) if x) or "role not given"
            shown = f"{part.honorific} {part.name}" if part.honorific else part.name
            listed = people.setdefault(did, [])
            if all(p.index != hit.ref for p in listed):
                listed.append(GroupPart(hit.ref, shown, role))
    dids = sorted(organised.keys() | people.keys(), key=catalog.rank)
    return [
        GroupDialogue(did, organised.get(did), tuple(sorted(people.get(did, ()), key=lambda p: p.index)))
        for did in dids
    ]


def _org_keys(text: str) -> set[str]:
    """Return the whole-field keys an organiser row may match: the row and each of its words (acronym, country)."""
    words = _words(text)
    keys = {" ".join(words)}
    keys.update(words)
    # "Institute of Strategic Studies Islamabad ISSI Pakistan": its name is every word but the last one or two
    for cut in (1, 2):
        if len(words) > cut:
            keys.add(" ".join(words[:-cut]))
    return keys


def is_group(catalog: Catalog, name: str, *, exact: bool = False) -> bool:
    """Return whether some dialogue was organised by, or had a participant from, this institute or country."""
    return bool(group_dialogues(catalog, name, exact=exact)[:1])


def series_of(catalog: Catalog, name: str) -> list[tuple[str, str]]:
    """Return (dialogue id, series name) of the dialogues in a series named like name, newest first."""
    words = _words(name)
    if not words:
        return []
    out: dict[str, str] = {}
    for hit in catalog.text.search(name, kinds=("meta",), limit=GROUP_WALK, ranked=False):
        if hit.field == "series" and hit.dialogue_id in catalog.dialogues and _holds(hit.text, words):
            out.setdefault(hit.dialogue_id, hit.text)
    if not out:
        return []
    # one series: the exact name if one matches it exactly, else the most frequent name
    exact = {s for s in out.values() if fold(s) == fold(name).strip()}
    names = list(out.values())
    chosen = next(iter(exact)) if exact else max(set(names), key=names.count)
    return sorted(((did, s) for did, s in out.items() if s == chosen), key=lambda x: catalog.rank(x[0]))


def resolve(catalog: Catalog, text: str, *, topics: bool = True) -> Subject | None:
    """Return what text names, in this order: an explicit kind word ("person X", "topic X", "series X",
    "institute X", "country X"), a series, an unambiguous person, an institute or country named exactly, a topic
    with recorded positions (topics=True), an institute or country by its words, then a person by a fuzzy name."""
    text = " ".join(text.split())
    head, _, rest = text.partition(" ")
    explicit = head.lower().rstrip(":")
    if rest and explicit in {"person", "topic", "series", "institute", "country", "group"}:
        return _explicit(catalog, explicit, rest)
    if series_of(catalog, text) and any(fold(s) == fold(text) for _, s in series_of(catalog, text)):
        return Subject(SubjectKind.SERIES, series_of(catalog, text)[0][1])
    match = catalog.find_speaker(text)
    if match.keys:
        return Subject(SubjectKind.PERSON, _label(catalog, match.keys), match.keys)
    if is_group(catalog, text, exact=True):
        return Subject(SubjectKind.GROUP, text)
    if topics and catalog.text.search(text, kinds=("position",), limit=1, ranked=False):
        return Subject(SubjectKind.TOPIC, text)
    if is_group(catalog, text):
        return Subject(SubjectKind.GROUP, text)
    match = catalog.find_people(text)
    if match.keys:
        return Subject(SubjectKind.PERSON, _label(catalog, match.keys), match.keys)
    return None


def _explicit(catalog: Catalog, kind: str, text: str) -> Subject | None:
    if kind == "person":
        match = catalog.find_people(text)
        return Subject(SubjectKind.PERSON, _label(catalog, match.keys), match.keys) if match.keys else None
    if kind == "topic":
        return Subject(SubjectKind.TOPIC, text)
    if kind == "series":
        found = series_of(catalog, text)
        return Subject(SubjectKind.SERIES, found[0][1]) if found else None
    return Subject(SubjectKind.GROUP, text) if is_group(catalog, text) else None


def _label(catalog: Catalog, keys: Iterable[str]) -> str:
    names = [catalog.people[k].name for k in keys]
    return names[0] if len(names) == 1 else " / ".join(names)


def suggestions(catalog: Catalog, text: str) -> tuple[str, ...]:
    """Return the closest people's names to text, for a 'nothing found' answer."""
    return catalog.find_people(text).suggestions if normalize_name(text) else ()
