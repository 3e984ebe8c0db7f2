"""What a question is about: a person, an institute or country, a topic or a dialogue series.

Invariant: every lookup here reads the people index, the participants' compact records, the text index and
per-snapshot indexes of institutes and countries and of series (each built on first use); no dialogue is loaded,
so a question stays fast at 10,000 briefs.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.briefs.keys import fold, normalize_name
from bot.index.catalog import Catalog, NameMatch
from bot.present import role_text, shown_name


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


@functools.lru_cache(maxsize=1 << 16)
def _split(text: str) -> tuple[str, ...]:
    """Return the folded words of a text (memoised: affiliations and countries repeat across thousands of briefs)."""
    return tuple(re.findall(r"\w+", fold(text)))


def _words(text: str) -> list[str]:
    return list(_split(text))


def _holds(hay: str | None, words: list[str]) -> bool:
    """Return whether every word occurs in hay as a whole word."""
    if not hay or not words:
        return False
    have = _split(hay)
    return all(w in have for w in words)


def _key(text: str) -> str:
    return " ".join(_split(text))


class _Groups:
    """Institutes and countries of one catalog snapshot: the dialogues each organised or sent people to.

    Built once per snapshot on first use, from the organiser rows of the text index and the participants'
    affiliation and country; it holds dialogue ids only (the participants shown are found again in the few
    dialogues an answer shows), and every list is newest first, so a question reads only its head.
    """

    def __init__(self, catalog: Catalog) -> None:
        rank = catalog.rank
        visible = catalog.dialogues
        self.org_exact: dict[str, list[str]] = {}
        self.org_words: dict[str, set[str]] = {}
        self.org_text: dict[str, list[str]] = {}  # dialogue id -> its organiser rows
        for did, _, _, body in catalog.text.rows_of_kind("organizer"):
            if did not in visible:
                continue
            self.org_text.setdefault(did, []).append(body)
            for key in _org_keys(body):
                self.org_exact.setdefault(key, []).append(did)
            for word in _split(body):
                self.org_words.setdefault(word, set()).add(did)
        for dids in self.org_exact.values():
            dids[:] = sorted(set(dids), key=rank)
        self.part_exact: dict[str, list[str]] = {}
        self.part_words: dict[str, set[str]] = {}
        for did in catalog.ordered_ids():  # newest first
            fields = {f for part in catalog.parts(did) for f in (part.affiliation, part.country) if f}
            for field in fields:
                exact = self.part_exact.setdefault(_key(field), [])
                if not exact or exact[-1] != did:
                    exact.append(did)
                for word in _split(field):
                    self.part_words.setdefault(word, set()).add(did)
        self.counts: dict[tuple[str, bool], int] = {}  # (key, exact) -> dialogues, memoised as asked


class _Series:
    """The series named in one catalog snapshot: dialogue ids by the series' folded name, newest first."""

    def __init__(self, catalog: Catalog) -> None:
        self.series: dict[str, list[str]] = {}
        self.series_name: dict[str, str] = {}
        for did, _, field, body in catalog.text.rows_of_kind("meta"):
            if field == "series" and did in catalog.dialogues:
                key = _key(body)
                self.series.setdefault(key, []).append(did)
                self.series_name.setdefault(key, body)
        for dids in self.series.values():
            dids.sort(key=catalog.rank)


_GROUPS: weakref.WeakKeyDictionary[Catalog, _Groups] = weakref.WeakKeyDictionary()
T = TypeVar("T")
_SERIES: weakref.WeakKeyDictionary[Catalog, _Series] = weakref.WeakKeyDictionary()
_BUILD = threading.Lock()


def _built(cache: weakref.WeakKeyDictionary[Catalog, T], catalog: Catalog, make: Callable[[Catalog], T]) -> T:
    """Return the index a cache holds for a snapshot, building it once (threads asking meanwhile wait for it)."""
    index = cache.get(catalog)
    if index is None:
        with _BUILD:
            index = cache.get(catalog)
            if index is None:
                index = cache[catalog] = make(catalog)
    return index


def groups(catalog: Catalog) -> _Groups:
    """Return the institute and country index of a snapshot (built on first use)."""
    return _built(_GROUPS, catalog, _Groups)


def series_index(catalog: Catalog) -> _Series:
    """Return the series index of a snapshot (built on first use)."""
    return _built(_SERIES, catalog, _Series)


def warm(catalog: Catalog) -> None:
    """Build the series and the institute and country indexes of a snapshot now (e.g. in a thread after a load),
    so that the first question needing them does not wait."""
    series_index(catalog)
    groups(catalog)


def _newest(catalog: Catalog, dids: Iterable[str], limit: int) -> list[str]:
    return heapq.nsmallest(limit, dids, key=catalog.rank)


def _members(catalog: Catalog, did: str, key: str, words: list[str], exact: bool) -> tuple[GroupPart, ...]:
    """Return the participants of a dialogue who belong to the institute or country."""
    out = []
    for i, part in enumerate(catalog.parts(did)):
        fields = [f for f in (part.affiliation, part.country) if f]
        if any(_key(f) == key for f in fields) if exact else any(_holds(f, words) for f in fields):
            out.append(GroupPart(i, shown_name(part.honorific, part.name), role_text(part.role, part.affiliation)))
    return tuple(out)


def group_dialogues(catalog: Catalog, name: str, *, exact: bool = False, limit: int = 10_000) -> list[GroupDialogue]:
    """Return the newest `limit` dialogues an institute or country organised or sent people to, newest first.

    exact=True keeps only whole-field matches (an acronym, an institute's name, a country, an affiliation as
    written); otherwise every word of name must occur in the field.
    """
    words = _words(name)
    if not words:
        return []
    index = groups(catalog)
    key = " ".join(words)
    if exact:  # both lists are newest first: merged, their heads are the newest dialogues
        organised = index.org_exact.get(key, [])
        attended = index.part_exact.get(key, [])
        merged = heapq.merge(organised[:limit], attended[:limit], key=catalog.rank)
        dids = list(itertools.islice(dict.fromkeys(merged), limit))
        org_set = set(organised[:limit])
    else:
        org_set = set.intersection(*(index.org_words.get(w, set()) for w in words))
        attended_set = set.intersection(*(index.part_words.get(w, set()) for w in words))
        dids = _newest(catalog, org_set | attended_set, limit)
    out = []
    for did in dids:
        organiser = None
        if did in org_set:  # the organiser rows of the dialogue ("name acronym country"), the matching one first
            rows = index.org_text.get(did, [])
            organiser = rows[0] if len(rows) == 1 else next((r for r in rows if _holds(r, words)), rows[0])
        out.append(GroupDialogue(did, organiser, _members(catalog, did, key, words, exact)))
    return out


def group_count(catalog: Catalog, name: str, *, exact: bool = False) -> int:
    """Return how many dialogues an institute or country organised or sent people to."""
    words = _words(name)
    if not words:
        return 0
    index = groups(catalog)
    key = " ".join(words)
    count = index.counts.get((key, exact))
    if count is None:
        if exact:
            count = len(set(index.org_exact.get(key, ())) | set(index.part_exact.get(key, ())))
        else:
            organised = set.intersection(*(index.org_words.get(w, set()) for w in words))
            attended = set.intersection(*(index.part_words.get(w, set()) for w in words))
            count = len(organised | attended)
        index.counts[(key, exact)] = count
    return count


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
    words = _words(name)
    if not words:
        return False
    key = " ".join(words)
    if exact and catalog not in _GROUPS:
        # before the index exists, a few text rows tell (a topic question should not pay for building it)
        return _exact_probe(catalog, name, key)
    index = groups(catalog)
    if exact:
        return bool(index.org_exact.get(key) or index.part_exact.get(key))
    return bool(
        set.intersection(*(index.org_words.get(w, set()) for w in words))
        or set.intersection(*(index.part_words.get(w, set()) for w in words))
    )


PROBE = 40  # text rows read to tell whether a name is an institute or country exactly, before the index exists


def _exact_probe(catalog: Catalog, name: str, key: str) -> bool:
    """Return whether one of the newest organiser or participant rows holding the name's words names it exactly."""
    for hit in catalog.text.search(name, kinds=("organizer", "participant"), limit=PROBE, ranked=False):
        if hit.dialogue_id not in catalog.dialogues:
            continue
        if hit.kind == "organizer":
            if key in _org_keys(hit.text):
                return True
        else:
            parts = catalog.parts(hit.dialogue_id)
            part = parts[hit.ref] if hit.ref < len(parts) else None
            if part is not None and any(f and _key(f) == key for f in (part.affiliation, part.country)):
                return True
    return False


def series_of(catalog: Catalog, name: str) -> list[tuple[str, str]]:
    """Return (dialogue id, series name) of the dialogues of the series named name (or, failing an exact name,
    the series whose name holds every word of it, the largest first), newest first."""
    words = _words(name)
    if not words:
        return []
    index = series_index(catalog)
    key = " ".join(words)
    if key not in index.series:
        near = [k for k in index.series if all(w in k.split() for w in words)]
        if not near:
            return []
        key = max(near, key=lambda k: (len(index.series[k]), k))
    return [(did, index.series_name[key]) for did in index.series[key]]


def is_series(catalog: Catalog, name: str) -> bool:
    """Return whether name is a series' name exactly (in any case and punctuation)."""
    return _key(name) in series_index(catalog).series


def resolve(catalog: Catalog, text: str, *, topics: bool = True) -> Subject | None:
    """Return what text names, in this order: an explicit kind word ("person X", "topic X", "series X",
    "institute X", "country X"), a series, an unambiguous person, an institute or country named exactly, a topic
    with recorded positions (topics=True), an institute or country by its words, then a person by a fuzzy name."""
    text = " ".join(text.split())
    head, _, rest = text.partition(" ")
    explicit = head.lower().rstrip(":")
    if rest and explicit in {"person", "topic", "series", "institute", "country", "group"}:
        return _explicit(catalog, explicit, rest)
    if is_series(catalog, text):
        return Subject(SubjectKind.SERIES, series_of(catalog, text)[0][1])
    match = catalog.find_speaker(text)
    if match.keys:
        return _person(catalog, text, match)
    if is_group(catalog, text, exact=True):
        return Subject(SubjectKind.GROUP, text)
    if topics and catalog.text.search(text, kinds=("position",), limit=1, ranked=False):
        return Subject(SubjectKind.TOPIC, text)
    if is_group(catalog, text):
        return Subject(SubjectKind.GROUP, text)
    match = catalog.find_people(text)
    if match.keys:
        return _person(catalog, text, match)
    return None


def _person(catalog: Catalog, text: str, match: NameMatch) -> Subject:
    """Return the person subject of a name match, widened to everyone about as close when it is no exact spelling
    (`Mahmod` is one letter from both Mahmoods, whichever of them has it as an alias): the user then picks."""
    keys = match.keys if match.how == "exact" else catalog.equally_close(text, match.keys)
    return Subject(SubjectKind.PERSON, _label(catalog, keys), keys)


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
