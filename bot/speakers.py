"""`by X` in a question: X resolved to people or to an institute or country, and the test that a position is by X.

Invariant: a position is listed "by X" only when X is among its authors: a person by their participant entry, an
institute or country by an author's own affiliation or country (never by words of a role, never by the topic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.briefs.keys import fold, normalize_name
from bot.briefs.names import PARTICLES, is_latin
from bot.index.catalog import Catalog
from bot.index.rows import PositionRow

PERSON = "person"
GROUP = "group"  # an institute or a country
CHOOSE = "choose"  # several people are about equally close: the user picks
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Speaker:
    """What `by X` means: people (keys), an institute or country (words), a choice to offer, or nothing known."""

    kind: str
    typed: str
    keys: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Return how headings name X: the people's names, or X as typed."""
        return self.typed


_BY = re.compile(r"(?:^|\s)by(?:\s+|$)", re.IGNORECASE)


def split_by(args: str) -> tuple[str, str | None]:
    """Split 'Afghanistan by Iran', 'by Iran' or 'Afghanistan' into topic and speaker filter (either may be empty)."""
    match = None
    for found in _BY.finditer(args):
        match = found  # the last "by": a topic may hold the word ("stand by Palestine by Iran")
    if match is None:
        return args.strip(), None
    topic, who = args[: match.start()].strip(), args[match.end() :].strip()
    if not who:  # a trailing "by" names nobody: it is not a filter
        return topic, None
    return topic, who


def resolve(catalog: Catalog, typed: str) -> Speaker:
    """Resolve X of `by X` to people, an institute or country, a choice between people, or nothing."""
    typed = " ".join(typed.split())
    key = normalize_name(typed)
    words = tuple(w for w in fold(typed).split() if w)
    if not key or not words:
        return Speaker(UNKNOWN, typed)
    exact = catalog.find_speaker(typed)
    several_words = len(key.split()) > 1
    if exact.keys and exact.how == "exact" and (several_words or not catalog.text.has_speakers(list(words))):
        return _people(catalog, typed, exact.keys)
    if catalog.text.has_speakers(list(words)):
        return Speaker(GROUP, typed, words=words)
    if exact.keys:
        return _people(catalog, typed, catalog.equally_close(typed, exact.keys))
    acronym = _organizer_acronym(catalog, typed)
    if acronym and catalog.text.has_speakers(fold(acronym).split()):
        return Speaker(GROUP, acronym, words=tuple(fold(acronym).split()))
    if _is_some_participants_group(catalog, words):  # an institute or country whose people made no statement
        return Speaker(GROUP, typed, words=words)
    if acronym:  # an organiser none of whose people made a statement (IRAS): known, with nothing on record
        return Speaker(GROUP, acronym, words=tuple(fold(acronym).split()))
    if not is_latin(typed):  # Latin "closest" names to another script would be noise (see README, registry)
        return Speaker(UNKNOWN, typed)
    match = catalog.find_people(typed)
    names = tuple(catalog.people[k].name for k in match.keys) or match.suggestions
    return Speaker(UNKNOWN, typed, suggestions=names[:5])


def _organizer_acronym(catalog: Catalog, typed: str) -> str | None:
    """Return the acronym of an organising institute named in full ("Institute for Political and International
    Studies" -> "IPIS") or by its acronym, as speakers' affiliations use acronyms; None when no organiser has
    that name."""
    wanted = fold(typed)
    for hit in catalog.text.search(typed, kinds=("organizer",), limit=10):
        if hit.dialogue_id not in catalog.dialogues:
            continue
        organizers = catalog.dialogues[hit.dialogue_id].organizers
        organizer = organizers[hit.ref] if hit.ref < len(organizers) else None
        if organizer and organizer.acronym and wanted in (fold(organizer.name), fold(organizer.acronym)):
            return organizer.acronym
    return None


def _is_some_participants_group(catalog: Catalog, words: tuple[str, ...]) -> bool:
    """Return whether some participant's own affiliation or country holds every word (whole words)."""
    wanted = set(words)
    for hit in catalog.text.search(" ".join(words), kinds=("participant",), limit=20):
        if hit.dialogue_id not in catalog.dialogues:
            continue
        part = catalog.part(hit.dialogue_id, hit.ref)
        if wanted <= set(fold(f"{part.affiliation or ''} {part.country or ''}").split()):
            return True
    return False


def _people(catalog: Catalog, typed: str, keys: tuple[str, ...]) -> Speaker:
    if len(keys) > 1:
        return Speaker(CHOOSE, typed, keys=keys)
    return Speaker(PERSON, catalog.people[keys[0]].name, keys=keys)


def group_authored(words: tuple[str, ...], position: PositionRow) -> bool:
    """Return whether one author's own affiliation or country (folded, as the position row holds it) has every word."""
    patterns = [re.compile(rf"\b{re.escape(w)}\b") for w in words if w not in PARTICLES] or [
        re.compile(rf"\b{re.escape(w)}\b") for w in words
    ]
    return any(a.part >= 0 and all(p.search(a.hay) for p in patterns) for a in position.speakers)
