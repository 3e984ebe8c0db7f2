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
from array import array
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


def _postings() -> array[int]:
    return array("i")


def _add(index: dict[str, array[int]], key: str, rank: int) -> None:
    """Add a rank to a key's postings; ranks arrive in ascending order, so a repeat is the last one."""
    ranks = index.get(key)
    if ranks is None:
        index[key] = array("i", (rank,))
    elif ranks[-1] != rank:
        ranks.append(rank)


class _Groups:
    """Institutes and countries of one catalog snapshot: the dialogues each organised or sent people to.

    Built once per snapshot on first use, from the organiser rows of the text index and the participants'
    affiliation and country (read in batches, no participant record kept). A dialogue is held as its newest-first
    rank in the snapshot (an int in an array, not an id in a set: ~4 bytes a posting instead of ~40), every posting
    list is ascending, i.e. newest first, so a question reads only its head, and the participants shown are found
    again in the few dialogues an answer shows.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.order = catalog.ordered_ids()  # rank -> dialogue id
        rank = catalog.rank
        visible = catalog.dialogues
        self.org_exact: dict[str, array[int]] = {}
        self.org_words: dict[str, array[int]] = {}
        self.bodies: list[str] = []  # each distinct organiser row once
        numbered: dict[str, int] = {}
        row_rank, row_body = array("i"), array("i")  # each organiser row: its dialogue's rank, its body's number
        for did, _, _, body in catalog.text.each_row_of_kind("organizer"):
            if did not in visible:
                continue
            number = numbered.get(body)
            if number is None:
                number = numbered[body] = len(self.bodies)
                self.bodies.append(body)
            row_rank.append(rank(did))
            row_body.append(number)
        del numbered
        by_rank = sorted(range(len(row_rank)), key=row_rank.__getitem__)  # stable: a dialogue's rows keep their order
        # the rows of the dialogue at rank r: org_rows[org_start[r]:org_start[r + 1]] (numbers of bodies)
        self.org_rows = array("i", (row_body[i] for i in by_rank))
        self.org_start = array("i", [0]) * (len(self.order) + 1)
        keys = [(_org_keys(body), _split(body)) for body in self.bodies]
        for i in by_rank:
            at = row_rank[i]
            self.org_start[at + 1] += 1
            org_keys, words = keys[row_body[i]]
            for key in org_keys:
                _add(self.org_exact, key, at)
            for word in words:
                _add(self.org_words, word, at)
        del by_rank, row_rank, row_body, keys
        for at in range(len(self.order)):
            self.org_start[at + 1] += self.org_start[at]
        self.part_exact: dict[str, array[int]] = {}
        self.part_words: dict[str, array[int]] = {}
        for at, (_, flat) in enumerate(catalog.participant_fields(self.order)):  # newest first
            for field in {f for f in flat if f}:
                _add(self.part_exact, _key(field), at)
                for word in _split(field):
                    _add(self.part_words, word, at)
        self.counts: dict[tuple[str, bool], int] = {}  # (key, exact) -> dialogues, memoised as asked

    def organiser_rows(self, at: int) -> list[str]:
        """Return the organiser rows of the dialogue at this rank, in the text index's order."""
        return [self.bodies[i] for i in self.org_rows[self.org_start[at] : self.org_start[at + 1]]]

    def matching(self, words: list[str]) -> tuple[set[int], set[int]]:
        """Return the ranks of the dialogues whose organiser rows, and whose participants' affiliation or country,
        hold every word."""
        return _every(self.org_words, words), _every(self.part_words, words)


def _every(index: dict[str, array[int]], words: list[str]) -> set[int]:
    """Return the ranks posted under every one of the words (none if one is missing)."""
    lists = [index.get(w, _postings()) for w in words]
    lists.sort(key=len)
    found = set(lists[0])
    for ranks in lists[1:]:
        found.intersection_update(ranks)
    return found


class _Series:
    """The series named in one catalog snapshot: dialogue ranks by the series' folded name, newest first."""

    def __init__(self, catalog: Catalog) -> None:
        self.order = catalog.ordered_ids()
        self.series: dict[str, array[int]] = {}
        self.series_name: dict[str, str] = {}
        for did, _, field, body in catalog.text.each_row_of_kind("meta"):  # a batch at a time: ~5 rows a dialogue
            if field == "series" and did in catalog.dialogues:
                key = _key(body)
                self.series.setdefault(key, _postings()).append(catalog.rank(did))
                self.series_name.setdefault(key, body)
        for key, ranks in self.series.items():
            self.series[key] = array("i", sorted(ranks))


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
    """Build the series and the institute and country indexes of a snapshot, and hold the lines `who` lists of its
    dialogues, now (e.g. in a thread after a load), so that the first question needing them does not wait."""
    series_index(catalog)
    groups(catalog)
    catalog.warm_lines()


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
        organised = index.org_exact.get(key, _postings())
        attended = index.part_exact.get(key, _postings())
        merged = heapq.merge(organised[:limit], attended[:limit])
        ranks = list(itertools.islice(dict.fromkeys(merged), limit))
        org_set = set(organised[:limit])
    else:
        org_set, attended_set = index.matching(words)
        ranks = heapq.nsmallest(limit, org_set | attended_set)
    out = []
    for at in ranks:
        did = index.order[at]
        organiser = None
        if at in org_set:  # the organiser rows of the dialogue ("name acronym country"), the matching one first
            rows = index.organiser_rows(at)
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
            organised, attended = index.matching(words)
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
    organised, attended = index.matching(words)
    return bool(organised or attended)


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
    name_of = index.series_name[key]
    return [(index.order[at], name_of) for at in index.series[key]]


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
