"""An immutable snapshot of the briefs with the indexes every question uses (people, dates, full text)."""

from __future__ import annotations

import gc
import marshal
import threading
import weakref
from array import array
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from bot.briefs.keys import fold, normalize_name
from bot.briefs.names import PARTICLES, name_tokens, role_text, skeleton, skeleton_of_normal
from bot.index.fuzzy import Deletions, word_index
from bot.index.lines import Line, line_of
from bot.index.overlay import numbers
from bot.index.people import Order, Ranked, Stored, StoredMap, copy_maps, letter_counts, with_key, without_key
from bot.index.records import PartRecord, SpellingKeys, Summary, spelling_keys, spelling_tokens, summarize
from bot.index.rows import DisplayRow, PersonRow, PositionRow, SessionRow, display_row, text_items
from bot.index.snapshot import LazySummaries, LazyVisible
from bot.index.text import TextIndex
from bot.present import shown_name

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue, Participant, PeopleRegistry, Person
    from bot.briefs.plain import PlainDialogue

    # a registry, a function returning it (unpacked when first needed: a question answered from the saved people
    # index needs none, nor pydantic), or None for none
    RegistrySource = PeopleRegistry | Callable[[], PeopleRegistry] | None
    # many dialogues' participants' affiliations and countries, flat, in the order asked (see participant_fields)
    Fields = Callable[[Iterable[str]], Iterator[tuple[str, tuple[str | None, ...]]]]


class ShownPerson(NamedTuple):
    """A person as lists of people show them, as of their newest dialogue."""

    name: str
    shown: str  # the name with honorific
    role: str  # "role, affiliation"


class Appearance:
    """One person's part in one dialogue (the participant entry is read from the dialogue when asked for)."""

    __slots__ = ("_dialogues", "dialogue_id", "index", "parts")

    def __init__(self, dialogue_id: str, index: int, parts: tuple[str, ...], dialogues: Mapping[str, Dialogue]) -> None:
        self.dialogue_id = dialogue_id
        self.index = index
        self.parts = parts
        self._dialogues = dialogues

    @property
    def participant(self) -> Participant:
        """Return the participant entry as the dialogue lists it."""
        return self._dialogues[self.dialogue_id].participants[self.index]

    def __repr__(self) -> str:
        return f"Appearance({self.dialogue_id!r}, {self.index}, {self.parts!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Appearance):
            return NotImplemented
        return (self.dialogue_id, self.index, self.parts) == (other.dialogue_id, other.index, other.parts)

    def __hash__(self) -> int:
        return hash((self.dialogue_id, self.index, self.parts))


@dataclass(slots=True)
class PersonRecord:
    """Everything known about one person across dialogues."""

    key: str
    name: str
    honorific: str | None = None
    country: str | None = None
    registered: bool = False
    spellings: set[str] = field(default_factory=set)
    appearances: list[Appearance] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """People a name query resolved to, best first, and how sure the match is."""

    keys: tuple[str, ...]
    how: str  # exact | transliteration | part | fuzzy | none
    suggestions: tuple[str, ...] = ()
    # the keys' person numbers when they are one saved row's people (people.Ranked), for equally_close
    numbers: Sequence[int] | None = field(default=None, compare=False, repr=False)


def sort_key(dialogue: Dialogue) -> tuple[str, str]:
    """Return the ordering key of a dialogue: event date (undated ones last), then id."""
    return (dialogue.date or "", dialogue.id)


# ----- lazy views: compact data in memory, full models built on demand -------------------------------------


class _Dialogues(Mapping[str, "Dialogue"]):
    """Dialogues by id; each is built from compact data only when looked up."""

    __slots__ = ("_ids", "_load")

    def __init__(self, ids: Mapping[str, object], load: Callable[[str], Dialogue]) -> None:
        self._ids = ids
        self._load = load

    def __getitem__(self, key: str) -> Dialogue:
        if key not in self._ids:
            raise KeyError(key)
        return self._load(key)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class _Ordered(Sequence["Dialogue"]):
    """Dialogues newest first; each is built only when read."""

    __slots__ = ("_ids", "_load")

    def __init__(self, ids: list[str], load: Callable[[str], Dialogue]) -> None:
        self._ids = ids
        self._load = load

    @overload
    def __getitem__(self, index: int) -> Dialogue: ...

    @overload
    def __getitem__(self, index: slice) -> list[Dialogue]: ...

    def __getitem__(self, index: int | slice) -> Dialogue | list[Dialogue]:
        if isinstance(index, slice):
            return [self._load(i) for i in self._ids[index]]
        return self._load(self._ids[index])

    def __iter__(self) -> Iterator[Dialogue]:
        load = self._load
        return (load(i) for i in self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)


class _PersonData(NamedTuple):
    name: str
    honorific: str | None
    country: str | None
    registered: bool
    spellings: tuple[str, ...]
    # marshalled ((dialogue id, participant index, parts), ...), newest first: decoded only when a person is asked
    # about, as 80,000 appearance tuples at 10,000 briefs would cost every start ~30 ms to unmarshal
    packed_apps: bytes
    shown: tuple[str, str] = ("", "")  # as of the newest dialogue: the name with honorific, "role, affiliation"
    newest: str = ""  # the dialogue id of the newest appearance

    @property
    def apps(self) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
        """Return the appearances: (dialogue id, participant index, parts), newest first."""
        apps: tuple[tuple[str, int, tuple[str, ...]], ...] = marshal.loads(self.packed_apps)
        return apps


PEOPLE_BUILT = 1024  # person records kept built (each holds its appearances)
# a saved people index of up to this many people is read whole on first use (~25 ms at 10,000 briefs, 6,000 people);
# a larger one is read a key at a time (at 50,000 briefs, 29,000 people: ~100 MB and ~0.1 s a process never spends)
PEOPLE_IN_MEMORY = 12_000


def _registry_of(source: RegistrySource) -> PeopleRegistry:
    """Return the registry a RegistrySource stands for."""
    if source is None:
        from bot.briefs.models import PeopleRegistry

        return PeopleRegistry()
    return source() if callable(source) else source


class _People(Mapping[str, PersonRecord]):
    """People by key; each PersonRecord is built from compact data when first looked up."""

    def __init__(self, data: dict[str, _PersonData], dialogues: Mapping[str, Dialogue]) -> None:
        self._data = data
        self._dialogues = dialogues  # not the catalog itself: no reference cycle, so old snapshots free at once
        self._built: dict[str, PersonRecord] = {}

    def __getitem__(self, key: str) -> PersonRecord:
        record = self._built.get(key)
        if record is None:
            d = self._data[key]
            apps = [Appearance(did, i, parts, self._dialogues) for did, i, parts in d.apps]
            record = PersonRecord(key, d.name, d.honorific, d.country, d.registered, set(d.spellings), apps)
            if len(self._built) >= PEOPLE_BUILT:
                self._built.clear()
            self._built[key] = record
        return record

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


_MISSING = object()
_LAZY_PEOPLE = frozenset({"people", "_people", "_exact", "_skeleton", "_tokens"})
_REGISTRY_MAPS = frozenset({"_by_spelling", "_reg_by_id", "_reg_record", "_reg_spellings"})
_LAZY = _LAZY_PEOPLE | _REGISTRY_MAPS | {"_folded_titles", "registry"}


def _position(ids: list[str], visible: Mapping[str, Summary], key: tuple[str, str]) -> int:
    """Return where key belongs in ids, which are newest first by (date or "", id): a binary search."""
    lo, hi = 0, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        other = ids[mid]
        if (visible[other].date or "", other) > key:
            lo = mid + 1
        else:
            hi = mid
    return lo


RARE_WORD = 32  # a word shared by more spellings than this does not bring them all to the fuzzy shortlist
FUZZY_PREFILTER = 256  # above this many spellings, fuzzy matching scores a prefiltered few
FEW_PRESENT = 32  # equally_close costs up to this many matched people one by one, more at once (numpy)
SUGGEST_MIN_SCORE = 60  # a not-found answer offers names at least this alike (WRatio); below, they mislead
_SPELLING_MEMO: dict[str, SpellingKeys] = {}


def _keys_of(spelling: str) -> SpellingKeys:
    keys = _SPELLING_MEMO.get(spelling)
    if keys is None:
        if len(_SPELLING_MEMO) > 200_000:
            _SPELLING_MEMO.clear()
        keys = _SPELLING_MEMO[spelling] = spelling_keys(spelling)
    return keys


_NAME_WORDS: dict[str, tuple[tuple[str, ...], str]] = {}


def _name_words(name: str) -> tuple[tuple[str, ...], str]:
    """Return what equally_close compares a person's name by: its words bar particles (as a set: "" for none), and
    the same words in order, joined."""
    found = _NAME_WORDS.get(name)
    if found is None:
        if len(_NAME_WORDS) > 200_000:
            _NAME_WORDS.clear()
        own = tuple(t for t in name_tokens(name) if t not in PARTICLES) or ("",)
        whole = " ".join(w for w in normalize_name(name).replace("-", " ").split() if w not in PARTICLES)
        found = _NAME_WORDS[name] = (own, whole)
    return found


def _whole_words(name: str) -> str:
    """Return a name's words bar particles, in order, joined (as _name_words, not memoised)."""
    return " ".join(w for w in normalize_name(name).replace("-", " ").split() if w not in PARTICLES)


def _common(sets: Sequence[AbstractSet[str]]) -> AbstractSet[str]:
    """Return the keys in every one of these sets: Ranked (in recency order) when they are all rows of one saved
    index, else a plain set."""
    first = sets[0]
    if len(sets) == 1:
        return first
    if isinstance(first, Ranked) and all(isinstance(s, Ranked) and s.order is first.order for s in sets):
        ranked = sorted(sets, key=len)
        others = [frozenset(s.rids) for s in ranked[1:]]  # type: ignore[attr-defined]
        rids = array("i", (r for r in ranked[0].rids if all(r in o for o in others)))  # type: ignore[attr-defined]
        return Ranked(rids, first.order)
    return set(first).intersection(*sets[1:])


def _warm_fuzzy() -> None:
    """Import (and run once) what matching a misspelt name uses, so the first such question does not pay for it."""
    import numpy as np
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    process.extract("a", ["a"], scorer=fuzz.WRatio, limit=1)
    process.cdist(["a"], ["a"], scorer=Levenshtein.distance, score_cutoff=1, dtype=np.int32)
    np.flatnonzero(np.zeros(1, dtype=bool))


def _deferred_people() -> None:
    """The people loader of a catalog whose index is built on first use (Catalog.DEFERRED): it has no snapshot."""
    return None


class Catalog:
    """Published (and optionally draft) dialogues with people, date and text indexes, built once."""

    DEFERRED = staticmethod(_deferred_people)  # compiled(people=DEFERRED): the index is built when first used

    all: Mapping[str, Dialogue]
    dialogues: Mapping[str, Dialogue]
    ordered: Sequence[Dialogue]
    people: Mapping[str, PersonRecord]
    registry: PeopleRegistry  # unpacked on first use (see __getattr__)
    _people: dict[str, _PersonData]
    _exact: dict[str, set[str]]
    _skeleton: dict[str, set[str]]
    _tokens: dict[str, set[str]]
    _parts: Callable[[str], tuple[PartRecord, ...]]
    _names: Callable[[Iterable[str]], Mapping[str, tuple[str, ...]]] | None = None  # many dialogues' names at once
    _fields: Fields | None = None  # many dialogues' affiliations and countries at once (see participant_fields)
    _summaries: Mapping[str, Summary]
    _visible: Mapping[str, Summary]
    _ordered_ids: list[str]
    _folded_titles: list[str]
    _rank: dict[str, int]
    _titles_loader: Callable[[], list[str] | None] | None
    _by_spelling: dict[str, Person]
    _reg_by_id: dict[str, Person]
    _reg_record: dict[str, Person]
    _reg_spellings: dict[str, tuple[str, ...]]
    _saved_order: Order | None  # the saved index's people in recency order (set when a saved index is read)

    def __init__(
        self,
        dialogues: Mapping[str, Dialogue],
        registry: PeopleRegistry | None = None,
        *,
        include_drafts: bool = False,
    ) -> None:
        models = dict(dialogues)
        summaries = {did: summarize(d) for did, d in models.items()}
        for s in summaries.values():
            for p in s.participants:
                _SPELLING_MEMO.setdefault(p.name, p.keys)
        self._parts = lambda did: summaries[did].participants
        self._setup(summaries, models.__getitem__, registry, include_drafts, None)
        self.text = TextIndex()
        self.text.add(self.ordered)

    @classmethod
    def compiled(
        cls,
        summaries: Mapping[str, Summary],
        load: Callable[[str], Dialogue],
        registry: RegistrySource,
        text: TextIndex,
        *,
        include_drafts: bool = False,
        people: Any = None,
        parts: Callable[[str], tuple[PartRecord, ...]] | None = None,
        order: list[str] | None = None,
        titles: Callable[[], list[str] | None] | None = None,
        fields: Fields | None = None,
    ) -> Catalog:
        """Return a catalog over compact summaries whose dialogues `load` builds on demand.

        people, when given, is a people_snapshot() taken from a catalog of exactly these summaries and registry, or a
        function returning one (None if it has none after all), called on the first use of the people index.
        order, when given, is the visible ids newest first (summaries is then a LazySummaries: nothing is read per
        dialogue at start), and titles returns their folded titles in that order when first needed. fields, when
        given, reads many dialogues' affiliations and countries at once (see participant_fields).
        """
        catalog = cls.__new__(cls)
        catalog._parts = parts or (lambda did: summaries[did].participants)
        catalog._fields = fields
        if order is not None:
            catalog._titles_loader = titles
        catalog._setup(summaries, load, registry, include_drafts, None, people, order=order)
        catalog.text = text
        return catalog

    def harden(self, summaries: dict[str, Summary]) -> None:
        """Replace summaries read on demand (a start from the snapshot) by these, the same ones all in memory."""
        self._summaries = summaries
        self._visible = {did: s for did, s in summaries.items() if self.include_drafts or s.status == "published"}
        _ = self._folded_titles  # read now, while the cache they come from is open

    def people_deferred(self) -> bool:
        """Return whether this catalog's people index is still to be built (made with people=DEFERRED)."""
        return self.__dict__.get("_people_loader") is _deferred_people

    def people_snapshot(self) -> Any:
        """Return the people index as plain data (for marshal), to skip rebuilding it next time: the maps, then the
        people in recency order (see people.Order) with their names' words."""
        people = {k: tuple(v) for k, v in self._people.items()}
        order = self._by_recency(people)
        wholes = tuple(_whole_words(self._people[k].name) for k in order)
        return (people, self._exact, self._skeleton, self._tokens, (order, wholes))

    def _setup(
        self,
        summaries: Mapping[str, Summary],
        load: Callable[[str], Dialogue],
        registry: RegistrySource,
        include_drafts: bool,
        previous: Catalog | None,
        people: Any = None,
        changed: set[str] | None = None,
        *,
        order: list[str] | None = None,
    ) -> None:
        self._summaries = summaries
        self._load = load
        self._people_lock = threading.RLock()  # reentrant: reading the people index may make the registry maps
        self._spellings_changed = False
        self._registry_source = registry  # the registry attribute is made from it when first used (__getattr__)
        self.include_drafts = include_drafts
        self.all = _Dialogues(summaries, load)
        if order is not None:  # served from the snapshot: the order is known, summaries are read when asked for
            assert isinstance(summaries, LazySummaries)
            self._rank = dict(zip(order, numbers(len(order)), strict=False))
            self._visible = LazyVisible(summaries, self._rank, order)
            self._ordered_ids = order
        elif previous is not None and changed is not None and previous.include_drafts == include_drafts:
            self._order_changes(previous, changed)
        else:
            visible = {did: s for did, s in summaries.items() if include_drafts or s.status == "published"}
            self._visible = visible
            self._ordered_ids = sorted(visible, key=lambda did: (visible[did].date or "", did), reverse=True)
            self._folded_titles = [visible[did].folded_title for did in self._ordered_ids]
        self.dialogues = _Dialogues(self._visible, load)
        self.ordered = _Ordered(self._ordered_ids, load)
        if "_rank" not in self.__dict__:  # (set with the order when it came from the snapshot)
            self._rank = dict(zip(self._ordered_ids, numbers(len(self._ordered_ids)), strict=False))
        if previous is not None and previous._registry_source is registry:
            self._by_spelling, self._reg_by_id = previous._by_spelling, previous._reg_by_id
            self._reg_record, self._reg_spellings = previous._reg_record, previous._reg_spellings
        # else made on first use (__getattr__): answers from a saved people index need no registry maps
        if callable(people):  # read on first use (__getattr__): a question about no one never loads the people index
            self._people_loader: Callable[[], Any] | None = people
        elif people is not None:
            self._use_people(people)
        elif previous is None:
            self._build_people()
        else:
            self._update_people(previous, changed)
        self._share_name_indexes(previous)
        if not callable(people):
            self.people = _People(self._people, self.all)

    def _share_name_indexes(self, previous: Catalog | None) -> None:
        """Start the misspelling indexes empty (built on first use or by warm_names), or share the previous
        catalog's when the spellings did not change (after the people index was made or updated)."""
        self._spelling_memo: list[str] | None = None
        self._token_memo: list[str] | None = None
        self._token_set_memo: set[str] | None = None
        self._spelling_words: dict[str, array[int]] | None = None
        self._deletions: Deletions | None = None
        self._positions_memo: dict[str, int] | None = None
        self._word_changes_memo: tuple[tuple[Order, list[str], list[str]] | None] | None = None
        if previous is not None and "_saved_order" in previous.__dict__:
            self._saved_order = previous._saved_order  # successors share the saved rows, and so their numbering
        if previous is not None and not self._spellings_changed:
            self._spelling_memo = previous._spelling_memo  # the same spellings: share the list and its word index
            self._spelling_words = previous._spelling_words
            self._deletions = previous._deletions
            self._positions_memo = previous._positions_memo

    def _use_stored(self, stored: Stored) -> None:
        """Set the people index to the saved one, read a key at a time (see bot.index.people)."""
        new = tuple.__new__
        maps = stored.maps(lambda data: new(_PersonData, data), self._rebuilder())
        self._people, self._exact, self._skeleton, self._tokens = maps

    def _rebuilder(self) -> Callable[[], tuple[dict[str, Any], ...]]:
        """Return a function building this catalog's people index in memory (held weakly: no reference cycle)."""
        ref = weakref.ref(self)

        def rebuild() -> tuple[dict[str, Any], ...]:
            catalog = ref()
            if catalog is None:  # pragma: no cover - a map outliving its catalog is never asked
                raise LookupError("the catalog of this people index is gone")
            return catalog._people_from_parts()

        return rebuild

    def _people_from_parts(self) -> tuple[dict[str, Any], ...]:
        """Return this catalog's people index (people, exact, skeleton, tokens) built from the participants."""
        scratch = Catalog.__new__(Catalog)
        scratch.registry, scratch._parts, scratch._ordered_ids = self.registry, self._parts, self._ordered_ids
        scratch._by_spelling, scratch._reg_by_id = self._by_spelling, self._reg_by_id
        scratch._reg_record, scratch._reg_spellings = self._reg_record, self._reg_spellings
        scratch._build_people()
        return scratch._people, scratch._exact, scratch._skeleton, scratch._tokens

    def keep_people(self) -> None:
        """Read the whole people index into memory (before the cache it is read from closes)."""
        people = self.people
        order = self.__dict__.get("_saved_order")
        if order is not None:
            order.wholes()  # what equally_close compares the saved people's names by
            order.word_rows()  # and whom the saved name words name
        if isinstance(self._people, StoredMap):
            maps = [self._people, self._exact, self._skeleton, self._tokens]
            self._people, self._exact, self._skeleton, self._tokens = [m.to_dict() for m in maps]
            self.people = _People(self._people, people._dialogues)

    def _use_people(self, snapshot: Any) -> None:
        """Set the people index from a people_snapshot()."""
        new = tuple.__new__
        self._people = {k: new(_PersonData, v) for k, v in snapshot[0].items()}
        self._exact, self._skeleton, self._tokens = snapshot[1], snapshot[2], snapshot[3]

    if not TYPE_CHECKING:  # mypy then checks every attribute name; the lazy ones are declared on the class

        def __getattr__(self, name: str) -> Any:
            """Load the people index (or titles, registry) on first use, for a catalog made with a loader (compiled)."""
            if name not in _LAZY or "_people_lock" not in self.__dict__:
                raise AttributeError(name)
            with self._people_lock:
                if name == "registry" and name not in self.__dict__:
                    self.registry = _registry_of(self._registry_source)
                if name in _REGISTRY_MAPS and name not in self.__dict__:
                    self._registry_maps()
                if name == "_folded_titles" and name not in self.__dict__:
                    titles = self.__dict__.pop("_titles_loader", None)
                    found = titles() if titles is not None else None
                    if found is None or len(found) != len(self._ordered_ids):
                        found = [self._summaries[did].folded_title for did in self._ordered_ids]
                    self._folded_titles = found
                if name not in self.__dict__:
                    loader = self.__dict__.pop("_people_loader", None)
                    if loader is None:
                        raise AttributeError(name)
                    self._read_people(loader)
                return self.__dict__[name]

    def _read_people(self, loader: Callable[[], Any]) -> None:
        """Set the people index from the loader's snapshot (or build it), as the store makes a first load."""
        collecting = gc.isenabled()
        if collecting:  # hundreds of thousands of lasting objects: no collection re-scans them while they are made
            gc.disable()
        try:
            snapshot = loader()
            if isinstance(snapshot, Stored):
                self._saved_order = snapshot.order()
            count = snapshot.count() if isinstance(snapshot, Stored) else 0
            whole = snapshot.whole() if isinstance(snapshot, Stored) and count <= PEOPLE_IN_MEMORY else None
            if whole is not None and len(whole[0]) == count:  # small: looked up in memory (who p99 at 10,000)
                self._use_people(whole)
            elif whole is not None:  # pragma: no cover - the rows were replaced between two reads: build our own
                self._build_people()
            elif isinstance(snapshot, Stored):
                self._use_stored(snapshot)
            elif snapshot is not None:
                self._use_people(snapshot)
            else:
                self._build_people()
            self.people = _People(self._people, self.all)
        finally:
            if collecting:
                gc.freeze()
                gc.enable()

    @property
    def _spellings(self) -> list[str]:
        """Every indexed spelling (normalised), built when first needed."""
        if self._spelling_memo is None:
            self._spelling_memo = list(self._exact)
        return self._spelling_memo

    def _token_list(self) -> list[str]:
        """Every indexed name word (and word skeleton), built when first needed."""
        if self._token_memo is None:
            self._token_memo = list(self._tokens)
        return self._token_memo

    def _token_set(self) -> set[str]:
        """The indexed name words as a set."""
        if self._token_set_memo is None:
            self._token_set_memo = set(self._token_list())
        return self._token_set_memo

    def _order_changes(self, previous: Catalog, changed: set[str]) -> None:
        """Set the visible map and newest-first order from the previous snapshot's, moving only changed ids."""
        ids, titles, visible = previous._moved(self._summaries, changed)
        self._ordered_ids = ids
        self._folded_titles = titles
        if visible is not None:
            self._visible = visible
        else:  # summaries read on demand (over the start snapshot): membership from the ranks
            assert isinstance(self._summaries, LazySummaries)
            self._rank = dict(zip(ids, numbers(len(ids)), strict=False))
            self._visible = LazyVisible(self._summaries, self._rank, ids)

    def reordered(self, summaries: Mapping[str, Summary], changed: set[str]) -> tuple[list[str], list[str]]:
        """Return the visible ids newest first and their folded titles once the changed ids have these summaries."""
        ids, titles, _ = self._moved(summaries, changed)
        return ids, titles

    def _moved(
        self, summaries: Mapping[str, Summary], changed: set[str]
    ) -> tuple[list[str], list[str], dict[str, Summary] | None]:
        """Return this snapshot's newest-first ids and titles with the changed ids moved to where their summaries put
        them, and the visible map so changed (None when the visible summaries are read on demand: not copied)."""
        old = self._visible
        lazy = isinstance(old, LazyVisible)
        visible: dict[str, Summary] = {} if lazy else dict(old)  # read on demand: the moved ones alone
        seen: Mapping[str, Summary] = ChainMap(visible, old) if lazy else visible  # type: ignore[arg-type]
        ids = list(self._ordered_ids)
        titles = list(self._folded_titles)
        for did in changed:
            summary = old.get(did)
            if summary is not None:
                i = _position(ids, seen, (summary.date or "", did))
                if i >= len(ids) or ids[i] != did:  # pragma: no cover - the order and the map always agree
                    i = ids.index(did)
                del ids[i], titles[i]
                visible.pop(did, None)
        for did in sorted(changed):
            summary = summaries.get(did)
            if summary is not None and (self.include_drafts or summary.status == "published"):
                i = _position(ids, seen, (summary.date or "", did))
                visible[did] = summary
                ids.insert(i, did)
                titles.insert(i, summary.folded_title)
        return ids, titles, None if lazy else visible

    def __len__(self) -> int:
        return len(self.dialogues)

    def summary(self, dialogue_id: str) -> Summary:
        """Return the compact summary of a dialogue (id, title, date, status, first source), without loading it."""
        return self._summaries[dialogue_id]

    def summaries(self, dialogue_ids: Sequence[str]) -> list[Summary]:
        """Return the summaries of these dialogues, read from the cache together rather than one query each."""
        source = self._summaries
        if isinstance(source, LazySummaries):
            source.prefetch(dialogue_ids)
        return [source[did] for did in dialogue_ids]

    def lines(self, dialogue_ids: Sequence[str]) -> list[Line]:
        """Return what `who` lists of each of these dialogues (title, date, first source, draft or not): over the
        start snapshot, held compactly once warm_lines() has run, else read from the cache together."""
        source = self._summaries
        if isinstance(source, LazySummaries):
            return source.lines(dialogue_ids)
        return [line_of(source[did]) for did in dialogue_ids]

    def line(self, dialogue_id: str) -> Line:
        """Return what answers cite of one dialogue (see lines)."""
        source = self._summaries
        if isinstance(source, LazySummaries):
            return source.line(dialogue_id)
        return line_of(source[dialogue_id])

    def warm_lines(self) -> None:
        """Hold what `who` lists of every dialogue served from the start snapshot (a bot does, after a load), so that
        a person's older dialogues are listed without reading the cache; nothing for summaries held in memory."""
        source = self._summaries
        if isinstance(source, LazySummaries):
            source.warm_lines()

    def parts(self, dialogue_id: str) -> tuple[PartRecord, ...]:
        """Return the compact records of every participant of a dialogue, in brief order."""
        return self._parts(dialogue_id)

    def participant_fields(self, dialogue_ids: Iterable[str]) -> Iterator[tuple[str, tuple[str | None, ...]]]:
        """Yield (dialogue id, the affiliation and country of each participant, flat: affiliation, country, ...) in
        the order given; from the cache a few hundred dialogues a query, building no participant record (for an
        index built over every dialogue)."""
        if self._fields is not None:
            yield from self._fields(dialogue_ids)
            return
        for did in dialogue_ids:
            yield did, tuple(f for p in self._parts(did) for f in (p.affiliation, p.country))

    def part(self, dialogue_id: str, index: int) -> PartRecord:
        """Return the compact record of one participant of a dialogue (name, honorific, country, role ...)."""
        return self._parts(dialogue_id)[index]

    def published_keys(self) -> dict[str, str | None]:
        """Return the content key (see version_of) of every published dialogue, by id."""
        versions = self.text.versions or {}
        summaries = self._summaries
        if isinstance(summaries, LazySummaries):  # statuses known without reading every summary
            return {did: versions.get(did) for did in summaries if summaries.published(did)}
        return {did: versions.get(did) for did, s in summaries.items() if s.status == "published"}

    def version_of(self, dialogue_id: str) -> str | None:
        """Return the store's key of the served content of a dialogue (None for a catalog built in memory)."""
        versions = self.text.versions
        return versions.get(dialogue_id) if versions is not None else None

    def session_rows(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], SessionRow]:
        """Return what answers show of these sessions by (dialogue id, ref)."""
        rows = self._display_rows((did, "session", ref) for did, ref in keys)
        return {(did, ref): row for (did, _, ref), row in rows.items() if isinstance(row, SessionRow)}

    def position_rows(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], PositionRow]:
        """Return what answers show of these positions by (dialogue id, ref): topic, summary, session, speakers."""
        rows = self._display_rows((did, "position", ref) for did, ref in keys)
        return {(did, ref): row for (did, _, ref), row in rows.items() if isinstance(row, PositionRow)}

    def people_rows(self, dialogue_ids: Iterable[str]) -> dict[str, tuple[PersonRow, ...]]:
        """Return what `who` shows of each participant of these dialogues (in brief order), by dialogue id."""
        rows = self._display_rows((did, "people", 0) for did in dialogue_ids)
        return {did: row for (did, _, _), row in rows.items() if not isinstance(row, SessionRow | PositionRow)}

    def _display_rows(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], DisplayRow]:
        """Return what answers show of sessions, positions and a dialogue's people (see rows.text_items) by
        (dialogue id, kind, ref): from the text index, or, where its rows are not the version served, built from
        the dialogue by the same function. One source of display data, whichever copy is at hand."""
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str, int], DisplayRow] = self.text.items(wanted)
        for did in dict.fromkeys(key[0] for key in wanted if key not in found):
            if did in self.all:
                built = self._built_rows(did)
                found.update((key, built[key[1:]]) for key in wanted if key[0] == did and key[1:] in built)
        return found

    def _built_rows(self, dialogue_id: str) -> dict[tuple[str, int], DisplayRow]:
        """Return a dialogue's display rows by (kind, ref), built from the dialogue itself."""
        return {(kind, ref): display_row(kind, data) for kind, ref, data in text_items(self.all[dialogue_id])}

    def plain(self, dialogue_id: str) -> Dialogue | PlainDialogue:
        """Return a dialogue to read only (render): for a catalog over the cache, its plain twin read from the packed
        record (see bot.briefs.plain: no model built, no pydantic imported) unless it is built already."""
        if dialogue_id not in self.all:
            raise KeyError(dialogue_id)
        reader: Callable[[str], Dialogue | PlainDialogue] | None = getattr(self._load, "plain", None)
        return reader(dialogue_id) if reader is not None else self.all[dialogue_id]

    def ordered_ids(self) -> Sequence[str]:
        """Return the ids of the visible dialogues, newest first, without loading any dialogue."""
        return self._ordered_ids

    def rank(self, dialogue_id: str) -> int:
        """Return the position of a dialogue in newest-first order."""
        return self._rank.get(dialogue_id, len(self._rank))

    def updated(
        self,
        summaries: Mapping[str, Summary],
        load: Callable[[str], Dialogue],
        text: TextIndex,
        parts: Callable[[str], tuple[PartRecord, ...]] | None = None,
        changed: set[str] | None = None,
        names: Callable[[Iterable[str]], Mapping[str, tuple[str, ...]]] | None = None,
        fields: Fields | None = None,
    ) -> Catalog:
        """Return a new snapshot with these summaries, re-indexing only the people of changed dialogues.

        changed, when given, names every dialogue id whose summary may differ from this snapshot's; the order and
        the people index are then updated for those alone. names, when given, returns the participants' names of
        many dialogues at once (else they are read dialogue by dialogue through parts); fields, their affiliations
        and countries (see participant_fields).
        """
        catalog = Catalog.__new__(Catalog)
        catalog._parts = parts or (lambda did: summaries[did].participants)
        catalog._names = names
        catalog._fields = fields
        catalog.text = text
        catalog._setup(summaries, load, self._registry_source, self.include_drafts, self, changed=changed)
        return catalog

    # ----- people -----------------------------------------------------------------------------------------

    def _registry_maps(self) -> None:
        self._by_spelling = {}
        self._reg_by_id = {}
        self._reg_record = {}
        self._reg_spellings = {}
        normal = normalize_name.__wrapped__  # not memoised: ~15,000 spellings at 50,000 briefs would stay in its memo
        for person in self.registry.people:
            self._reg_by_id.setdefault(person.id, person)
            self._reg_record[person.id] = person  # a repeated id: the last entry names the record
            self._reg_spellings[person.id] = (*self._reg_spellings.get(person.id, ()), person.name, *person.aliases)
            for spelling in (person.name, *person.aliases):
                self._by_spelling.setdefault(normal(spelling), person)

    def person_key(self, part: PartRecord) -> str:
        """Return the people-index key of a participant record (registry id, else its normalised name)."""
        return self._key(part)

    def _key(self, part: PartRecord) -> str:
        _SPELLING_MEMO.setdefault(part.name, part.keys)
        reg = self._reg_by_id.get(part.person) if part.person else None
        reg = reg or self._by_spelling.get(part.keys.norm)
        return reg.id if reg else "name:" + part.keys.norm

    def _person_data(
        self,
        key: str,
        apps: list[tuple[str, int, tuple[str, ...]]],
        seen: tuple[PartRecord, dict[str, None]] | None = None,
    ) -> _PersonData:
        """Return a person's index data from their appearances, newest first; seen, when given, is the newest
        appearance's record and the names of all of them in order (else they are read again)."""
        parts_of = self._parts
        if seen is None:
            seen = (parts_of(apps[0][0])[apps[0][1]], dict.fromkeys(parts_of(did)[i].name for did, i, _ in apps))
        newest, names = seen
        spellings: dict[str, None] = {}
        reg = self._reg_record.get(key) if not key.startswith("name:") else None
        if reg is not None:
            spellings.update(dict.fromkeys(self._reg_spellings[key]))
            name, honorific, country, registered = reg.name, reg.honorific, reg.country, True
        else:
            name, honorific, country, registered = newest.name, newest.honorific, newest.country, False
        for spelling in names:
            spellings.setdefault(spelling)
        shown_honorific = newest.honorific or honorific
        role = role_text(newest.role, newest.affiliation)
        shown = (shown_name(shown_honorific, name), role)
        packed = marshal.dumps(tuple(apps))
        return _PersonData(name, honorific, country, registered, tuple(spellings), packed, shown, apps[0][0])

    def _lookup_words(self, spellings: Iterable[str]) -> Iterator[tuple[dict[str, set[str]], str]]:
        """Yield (word map, word) for every lookup key of these spellings: its normal form, skeleton and tokens."""
        for spelling in spellings:
            keys = _keys_of(spelling)
            yield self._exact, keys.norm
            yield self._skeleton, keys.skel
            for token in keys.tokens:
                yield self._tokens, token

    def _index(self, key: str, spellings: Iterable[str], *, add: bool, copy: bool) -> None:
        """Add (or remove) key under the lookup keys of these spellings; copy=True never mutates a shared set."""
        for index, word in self._lookup_words(spellings):
            current = index.get(word)
            if add:
                if current is None:
                    if index is self._exact:
                        self._spellings_changed = True
                    index[word] = {key}
                elif key not in current:
                    if copy:
                        index[word] = with_key(current, key)
                    else:
                        current.add(key)
            elif current is not None and key in current:
                if len(current) == 1:
                    if index is self._exact:
                        self._spellings_changed = True
                    del index[word]
                else:
                    index[word] = without_key(current, key)

    def _build_people(self) -> None:
        self._exact, self._skeleton, self._tokens = {}, {}, {}
        self._people = dict(self._people_made())

    def _people_made(self, compact: bool = False) -> Iterator[tuple[str, _PersonData]]:
        """Yield each person's data in index order, each added to the (empty) word maps as it is made (compact: see
        _index_compact)."""
        # one pass over the participants, each dialogue's read once (a cold start keeps none in memory): what
        # _person_data needs of a person's appearances, the newest one and the names in order, is kept as it goes.
        # Equal name parts are kept once (a person's appearances repeat them), and each person's appearances are let
        # go as their data is made: at 50,000 briefs the appearances are the bulk of the build's memory.
        groups: dict[str, list[Any]] = {}  # key -> its appearances flat: did, index, name parts, did, ...
        newest: dict[str, PartRecord] = {}
        names: dict[str, dict[str, None]] = {}
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        for did in self._ordered_ids:  # newest first, so appearances are newest first
            for i, part in enumerate(self._parts(did)):
                key = self._key(part)
                apps = groups.get(key)
                parts = shared.setdefault(part.parts, part.parts)
                if apps is None:
                    groups[key] = [did, i, parts]
                    newest[key] = part
                    names[key] = {part.name: None}
                else:
                    apps += (did, i, parts)
                    names[key].setdefault(part.name)
        shared.clear()
        # registry people first, in registry order, as the index has always been filled
        order = [person.id for person in self.registry.people if person.id in groups]
        order += groups
        for key in order:
            flat = groups.pop(key, None)
            if flat is not None:
                apps_of = list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
                data = self._person_data(key, apps_of, (newest.pop(key), names.pop(key)))
                if compact:
                    self._index_compact(key, data.spellings)
                else:
                    self._index(key, data.spellings, add=True, copy=False)  # in people order, as always
                yield key, data

    def _index_compact(self, key: str, spellings: Iterable[str]) -> None:
        """Add key under the lookup keys of these spellings as _index(add=True) does, but a word of one person holds
        the key itself, not a one-key set (~100,000 sets, ~20 MB at 50,000 briefs): for word maps only written."""
        for index, word in self._lookup_words(spellings):
            current: Any = index.get(word)
            if current is None:
                index[word] = key  # type: ignore[assignment]
            elif type(current) is str:
                if current != key:
                    index[word] = {current, key}
            elif key not in current:
                current.add(key)

    def people_streamed(self) -> Any:
        """Return this catalog's people index as people_snapshot() does, but made while it is read: its people come as
        (key, data) pairs made one at a time and kept by nobody, its word maps are complete once they all have been
        read (bot.index.people.save reads them first). For a catalog made with people=DEFERRED, whose index is saved
        and then read a key at a time: ~30 MB less at 50,000 briefs than building it in memory to save it."""
        scratch = Catalog.__new__(Catalog)  # the index goes to the caller, not to this catalog
        scratch.registry, scratch._parts, scratch._ordered_ids = self.registry, self._parts, self._ordered_ids
        scratch._by_spelling, scratch._reg_by_id = self._by_spelling, self._reg_by_id
        scratch._reg_record, scratch._reg_spellings = self._reg_record, self._reg_spellings
        maps: tuple[dict[str, Any], ...] = ({}, {}, {})  # a key, or a set of keys, by word (see _index_compact)
        scratch._exact, scratch._skeleton, scratch._tokens = maps
        rank, unranked = self._rank, len(self._rank)
        recency: list[tuple[tuple[int, str, str], str]] = []  # as _by_recency sorts the people

        def pairs() -> Iterator[tuple[str, tuple[Any, ...]]]:
            for key, data in scratch._people_made(compact=True):
                recency.append(((rank.get(data.newest, unranked) if data.newest else 1 << 30, data.name, key), key))
                yield key, tuple(data)

        def ranked() -> tuple[tuple[str, ...], tuple[str, ...]]:
            for index in maps:  # every word's people a collection again
                for word, keys in index.items():
                    if type(keys) is str:
                        index[word] = (keys,)
            recency.sort(key=itemgetter(0))
            return tuple(k for _, k in recency), tuple(_whole_words(by[1]) for by, _ in recency)

        return pairs(), *maps, ranked

    def _update_people(self, previous: Catalog, only: set[str] | None = None) -> None:
        old, new = previous._visible, self._visible
        candidates: Iterable[str] = old.keys() | new.keys() if only is None else only
        changed = {did for did in candidates if old.get(did) is not new.get(did)}
        affected: dict[str, None] = {}
        for did in changed:
            for source, catalog in ((old, previous), (new, self)):
                summary = source.get(did)
                if summary is not None:
                    affected.update(dict.fromkeys(catalog._key(p) for p in catalog._parts(did)))
        maps = [previous._people, previous._exact, previous._skeleton, previous._tokens]
        self._people, self._exact, self._skeleton, self._tokens = copy_maps(maps, self._rebuilder())
        additions: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
        for did in changed:
            if did in new:
                for i, part in enumerate(self._parts(did)):
                    additions.setdefault(self._key(part), []).append((did, i, part.parts))
        rank = self._rank
        names = self._names_of_many(affected, changed, additions)
        for key in affected:
            before = self._people.pop(key, None)
            if before is not None:
                self._index(key, before.spellings, add=False, copy=True)
            apps = [a for a in (before.apps if before else ()) if a[0] not in changed]
            apps += additions.get(key, [])
            if not apps:
                continue
            apps.sort(key=lambda a: (rank[a[0]], a[1]))
            seen = None
            if names is not None and all(did in names for did, _, _ in apps):
                first = apps[0]
                seen = (self._parts(first[0])[first[1]], dict.fromkeys(names[did][i] for did, i, _ in apps))
            data = self._person_data(key, apps, seen)
            self._people[key] = data
            self._index(key, data.spellings, add=True, copy=True)

    def _names_of_many(
        self, affected: Iterable[str], changed: set[str], additions: Mapping[str, list[tuple[str, int, Any]]]
    ) -> Mapping[str, tuple[str, ...]] | None:
        """Return the participants' names of every dialogue the affected people appear in after an update, read at
        once through the names loader (None without one)."""
        if self._names is None:
            return None
        dids: dict[str, None] = {}
        for key in affected:
            before = self._people.get(key)
            if before is not None:
                dids.update(dict.fromkeys(did for did, _, _ in before.apps if did not in changed))
            dids.update(dict.fromkeys(did for did, _, _ in additions.get(key, ())))
        return self._names(dids)

    def find_people(self, query: str) -> NameMatch:
        """Resolve a name as typed (honorific, case, accents, part, misspelling, alias) to people."""
        key = normalize_name(query)
        if not key:
            return NameMatch((), "none")
        hit = self._exact.get(key)
        if hit:
            return self._matched(hit, "exact")
        hit = self._skeleton.get(skeleton_of_normal(key))  # skeleton(query)
        if hit:
            return self._matched(hit, "transliteration")
        words = key.split()
        skeletons = {w: skeleton(w) for w in words}
        sets = [self._tokens.get(w) or self._tokens.get(skeletons[w], set()) for w in words]
        if all(sets):
            common = _common(sets)
            if common:
                return self._matched(common, "part")
        from rapidfuzz import fuzz, process

        scored: dict[str, float] = {}
        spellings: Sequence[str] = self._spellings
        positions: list[int] | None = None
        if len(spellings) > FUZZY_PREFILTER:
            # WRatio over thousands of spellings takes milliseconds: score only the likely ones (close by plain
            # edit ratio, or sharing a word or its transliteration key with the query)
            # one letter (or a space) dropped, added or changed: a few dictionary lookups find the spellings, and
            # only they and those sharing a rare word are scored; otherwise the edit-ratio shortlist
            near = self._one_edit(key)
            if not near:
                shortlist = process.extract(
                    key, spellings, scorer=fuzz.ratio, limit=FUZZY_PREFILTER // 4, score_cutoff=50
                )
                near = {i for _, _, i in shortlist}
            near.update(self._word_neighbours(words, skeletons))
            positions = sorted(near)
            spellings = [self._spellings[i] for i in positions]
        results = process.extract(key, spellings, scorer=fuzz.WRatio, limit=20)
        exact = self._exact
        at = exact.at_place if isinstance(exact, StoredMap) else None
        placed = [positions[i] if positions is not None else i for _, _, i in results]
        if at is not None and (not placed or at(placed[0]) is None):  # the rows of the 20 best spellings: one query
            exact.prefetch(self._spellings[i] for i in placed)
            at = None
        for (_, score, _), index in zip(results, placed, strict=True):
            people = at(index) if at is not None else None  # read whole at warm-up, in the spellings' order
            for person_key in people if people is not None else exact[self._spellings[index]]:
                scored[person_key] = max(scored.get(person_key, 0.0), float(score))
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        if ranked and ranked[0][1] >= 85:
            best = ranked[0][1]
            close = tuple(k for k, s in ranked if s >= best - 3)
            return NameMatch(close, "fuzzy")
        suggestions = tuple(self._people[k].name for k, score in ranked[:3] if score >= SUGGEST_MIN_SCORE)
        return NameMatch((), "none", suggestions)

    def _matched(self, keys: AbstractSet[str], how: str) -> NameMatch:
        """Return these people as a match, newest first, with their person numbers if they are a saved row."""
        order = self.__dict__.get("_saved_order")
        numbers = keys.rids if isinstance(keys, Ranked) and keys.order is order else None
        return NameMatch(self._by_recency(keys), how, numbers=numbers)

    def find_speaker(self, query: str) -> NameMatch:
        """Resolve a `by X` filter to people only when the name is unambiguous: an exact spelling or alias, or,
        for a name of several words, its transliteration or name parts; a single word must be a whole name part.
        A single short word matched only by its transliteration key ("Iran" ~ "Irina") is no person."""
        key = normalize_name(query)
        if not key:
            return NameMatch((), "none")
        hit = self._exact.get(key)
        if hit:
            return NameMatch(self._by_recency(hit), "exact")
        words = key.split()
        if len(words) == 1:
            hit = self._tokens.get(words[0])
            return NameMatch(self._by_recency(hit), "part") if hit else NameMatch((), "none")
        hit = self._skeleton.get(skeleton(query))
        if hit:
            return NameMatch(self._by_recency(hit), "transliteration")
        sets = [self._tokens.get(w) or self._tokens.get(skeleton(w), set()) for w in words]
        common = _common(sets) if all(sets) else set()
        return NameMatch(self._by_recency(common), "part") if common else NameMatch((), "none")

    def equally_close(self, query: str, keys: tuple[str, ...], numbers: Sequence[int] | None = None) -> tuple[str, ...]:
        """Return keys and every other person about as close to the query as the closest of them, so the user
        chooses instead of getting a guess that depends on which aliases the registry happens to hold.

        Closeness is the edit distance of each typed word to the nearest word of the person's own name (registry
        aliases aside), summed. Only near misses are widened (at most half a word's letters, and at least 2):
        an alias far from the name (Sheikholeslami) is a deliberate spelling. numbers, when given, are the keys'
        person numbers in the saved order (NameMatch.numbers).
        """
        from rapidfuzz.distance import Levenshtein

        words = [w for w in normalize_name(query).replace("-", " ").split() if w not in PARTICLES]
        if not words:
            return keys

        typed = " ".join(words)
        distance = Levenshtein.distance

        def cost(key: str) -> int:
            own, whole = _name_words(self._people[key].name)
            by_word = sum(min(distance(w, t) for t in own) for w in words)
            # the whole name too: a lost space ("ŞükrüMehmet Arslan") is one edit from one person, not five from
            # every Mehmet Arslan
            return min(by_word, distance(typed, whole))

        costs = self._numbered_costs(words, keys, numbers)
        if costs is None:
            costs = {}
            people = self._people
            for i, k in enumerate(keys):  # the present ones, in order; stopping at the first exact one
                if i == 1:  # most often the first has the typed word exactly, and nobody else is read; else at once
                    self._prefetch_people(keys[1:])
                if k in people:
                    costs[k] = cost(k)
                    if costs[k] == 0:  # an exact name part: nobody is closer (a family name shared by hundreds)
                        return keys
        elif 0 in costs.values():
            return keys
        present = tuple(costs)
        if not present:
            return keys
        best = min(costs.values())
        if best > sum(max(2, len(w) // 2) for w in words):
            return keys
        ranked = self._ranked_costs(words, best)
        if ranked is not None:
            costs.update((k, c) for k, c in ranked.items() if k not in costs)
        else:
            costs.update(self._near_costs(words, self._nears(words, best), best, costs))
        close = [k for k, c in costs.items() if c <= best or k in present]  # what matched stays on offer
        if len(close) <= len(present):
            return keys
        order = {k: i for i, k in enumerate(self._by_recency(close))}
        return tuple(sorted(close, key=lambda k: (costs[k], order[k])))  # closest first, then most recent

    def _near_costs(
        self, words: list[str], nears: list[dict[str, int]], best: int, known: Mapping[str, int]
    ) -> dict[str, int]:
        """Return the cost (see equally_close) of every candidate not already known, or a number over best: the
        candidates are the people named by a near word of every typed word."""
        from rapidfuzz.distance import Levenshtein

        tokens = self._tokens
        # the smallest group first: intersections stay small
        groups = sorted(([s for t in near if (s := tokens.get(t))] for near in nears), key=lambda g: sum(map(len, g)))
        candidates: set[str] = set().union(*groups[0])
        for group in groups[1:]:
            candidates = set().union(*(candidates & s for s in group)) if candidates else candidates
        typed = " ".join(words)
        indexed = self._token_set()
        distance = Levenshtein.distance
        cap = best + 1

        def near_cost(key: str) -> int:
            """Return cost(key) if it is at most best, else a number over best: a name word not among a typed word's
            near ones is over best edits from it, and so is a whole name over best edits from what was typed."""
            own, whole = _name_words(self._people[key].name)
            by_word = 0
            for w, near in zip(words, nears, strict=True):
                closest = cap
                for t in own:
                    d = near.get(t)
                    if d is None:
                        d = cap if t in indexed else distance(w, t, score_cutoff=best)
                    if d < closest:
                        closest = d
                by_word += closest
            return min(by_word, distance(typed, whole, score_cutoff=best))

        self._prefetch_people(candidates)
        return {k: near_cost(k) for k in candidates if k not in known}

    def _saved_numbers(self, keys: Sequence[str]) -> list[int] | None:
        """Return the saved numbers of these keys if each is a person of the saved rows that no reload changed (read
        a key at a time), else None."""
        people = self._people
        order = self.__dict__.get("_saved_order")
        if order is None or not isinstance(people, StoredMap):
            return None
        number = order.numbers()
        out = [number.get(k, -1) if people.saved(k) else -1 for k in keys]
        return None if -1 in out else out

    def _numbered_costs(
        self, words: list[str], keys: Sequence[str], numbers: Sequence[int] | None = None
    ) -> dict[str, int] | None:
        """Return equally_close's cost of each of these keys, in order, computed over the saved person numbers at
        once (no person read), when every key is a person of the saved rows a reload has not changed (as the people
        of a saved row are: numbers then gives theirs); else None."""
        people = self._people
        order = self.__dict__.get("_saved_order")
        # without the names' words at hand (a one-question `ask`), the first matched person's row is read instead
        if order is None or not isinstance(people, StoredMap) or not keys or not order.has_wholes():
            return None
        saved = order.numbers().get(keys[0], -1) if people.saved(keys[0]) else -1
        first = numbers[0] if numbers is not None else saved
        if first < 0:
            return None
        from rapidfuzz.distance import Levenshtein

        whole = order.wholes()[first]
        if all(w in whole.split() for w in words):  # the first has every typed word: cost 0, nobody is closer
            return {keys[0]: 0}
        rids = list(numbers) if numbers is not None else self._saved_numbers(keys)
        if rids is None:
            return None
        wholes = order.wholes()
        typed = " ".join(words)
        distance = Levenshtein.distance
        if len(rids) <= FEW_PRESENT:  # a few: one by one (no numpy to import in a one-question process)
            out: dict[str, int] = {}
            for key, rid in zip(keys, rids, strict=True):
                mine = set(wholes[rid].split()) or {""}
                by_word = sum(min(distance(w, t) for t in mine) for w in words)
                out[key] = min(by_word, distance(typed, wholes[rid]))
            return out
        import numpy as np
        from rapidfuzz.process import cdist

        vocabulary, own = order.own_words()
        near = cdist(words, vocabulary, scorer=Levenshtein.distance, dtype=np.int32)
        by_word = near[:, own[rids]].min(axis=2).sum(axis=0)
        # the whole name's distance only where it may be the smaller: where the letter bound of it (the longer length
        # less the letters in common, see fuzzy.NearWords) is under the cost by word
        letters = order.letters()[rids]
        bound = np.maximum(letters.sum(axis=1), len(typed)) - np.minimum(letters, letter_counts(typed)).sum(axis=1)
        maybe = np.flatnonzero(bound < by_word)
        if len(maybe):
            named_as = [wholes[rids[i]] for i in maybe.tolist()]
            to_whole = cdist([typed], named_as, scorer=distance, dtype=np.int32)
            by_word[maybe] = np.minimum(by_word[maybe], to_whole[0])
        return dict(zip(keys, by_word.tolist(), strict=True))

    def _ranked_costs(self, words: list[str], best: int) -> dict[str, int] | None:
        """Return what _near_costs returns of the candidates within best (the others cannot be close), computed over
        saved person numbers at once (fuzzy.NearWords) when every name word near a typed word is a saved row (Ranked),
        else None."""
        found = self._word_changes()
        if found is None:
            return None
        order, changed, gone = found
        if changed:  # a word a reload changed (or added) near a typed one: its people are not a saved row's
            import numpy as np
            from rapidfuzz.distance import Levenshtein
            from rapidfuzz.process import cdist

            if (cdist(words, changed, scorer=Levenshtein.distance, score_cutoff=best, dtype=np.int32) <= best).any():
                return None
        rids, costs = order.near_words().close(words, best, letter_counts, gone)
        keys = order.keys
        return {keys[r]: c for r, c in zip(rids, costs, strict=True)}

    def _word_changes(self) -> tuple[Order, list[str], list[str]] | None:
        """Return the order of the saved rows the name words' people are, the words whose people are not a saved row
        (a reload changed or added them) and the saved words a reload removed; None if the words are no saved rows."""
        memo = self._word_changes_memo
        if memo is None:
            memo = self._word_changes_memo = (self._word_changes_of(self._tokens),)
        return memo[0]

    @staticmethod
    def _word_changes_of(tokens: Mapping[str, AbstractSet[str]]) -> tuple[Order, list[str], list[str]] | None:
        """Return _word_changes of this name word map."""
        if isinstance(tokens, StoredMap):
            found = tokens.changes()
            if found is None:
                return None
            order, changed, gone = found
            return (order, changed, gone) if order is not None else None
        orders = {id(v.order): v.order for v in tokens.values() if isinstance(v, Ranked)}
        if len(orders) != 1:
            return None
        (order,) = orders.values()
        changed = [w for w, v in tokens.items() if not (isinstance(v, Ranked) and v.order is order)]
        return order, changed, [w for w in order.word_rows() if w not in tokens]

    def _nears(self, words: list[str], best: int) -> list[dict[str, int]]:
        """Return each typed word's indexed name words within `best` edits, with their distances."""
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import extract

        vocabulary = self._token_list()
        distance = Levenshtein.distance
        return [
            {t: d for t, d, _ in extract(w, vocabulary, scorer=distance, score_cutoff=best, limit=None)} for w in words
        ]

    def _one_edit(self, key: str) -> set[int]:
        """Return the positions of spellings one edit from key: a letter or space dropped, added or changed.

        The index maps every spelling with one character deleted to the spellings it came from (SymSpell); it is
        built on the first fuzzy question and shared by snapshots with the same spellings.
        """
        index = self._deletion_index()
        out = self._edits_of([key], index)
        if out:
            # other spellings one edit from those (Rifat, Riffat) may score within a few points: scored too
            spellings = self._spellings
            out |= self._edits_of([spellings[i] for i in out], index)
            positions: dict[str, int] | None = None
            # the query without one of its words (the misspelt one, often) names a close rival that WRatio ranks
            # near the one-edit spelling: it is scored too, as the edit-ratio shortlist would have brought it
            words = key.split()
            if len(words) > 2:
                if positions is None:
                    positions = self._spelling_positions()
                for j in range(len(words)):
                    found = positions.get(" ".join(words[:j] + words[j + 1 :]))
                    if found is not None:
                        out.add(found)
        return out

    def _deletion_index(self) -> Deletions:
        """Return every spelling with one character deleted -> the positions of the spellings it came from."""
        index = self._deletions
        if index is None:
            index = self._deletions = Deletions(self._spellings)
            self._spelling_positions()  # needed by most one-edit lookups: built now, with the deletion index
        return index

    def _edits_of(self, keys: list[str], index: Deletions) -> set[int]:
        """Return the positions of spellings one letter dropped, added or changed from any of these keys (by the
        deletion index, searched once for all)."""
        out: set[int] = set()
        probes = list(keys)  # a letter dropped from a spelling
        # every spelling of this catalog by position: the spellings the exact map holds (asked here in memory, not
        # of a map read a key at a time)
        positions = self._spelling_positions()
        for key in keys:
            for j in range(len(key)):
                shorter = key[:j] + key[j + 1 :]
                found = positions.get(shorter)
                if found is not None:  # a letter added
                    out.add(found)
                probes.append(shorter)  # a letter changed
        index.add_all(out, probes)
        return out

    def _spelling_positions(self) -> dict[str, int]:
        """Return each spelling's position in the spelling list."""
        memo = self._positions_memo
        if memo is None:
            memo = self._positions_memo = {s: i for i, s in enumerate(self._spellings)}
        return memo

    def _word_index(self) -> dict[str, array[int]]:
        """Return every word (and word skeleton) of the spellings -> the positions of the spellings holding it."""
        index = self._spelling_words
        if index is None:
            # the keys memos read, not filled: 37,000 spellings' keys at 50,000 briefs would stay in memory (~30 MB)
            memo = _SPELLING_MEMO
            keys = (found.tokens if (found := memo.get(s)) else spelling_tokens(s) for s in self._spellings)
            index = self._spelling_words = word_index(keys)
        return index

    def warm_names(self) -> None:
        """Read the people index and build the (compact) misspelling indexes now (a bot does, after a load), so that
        the first misspelt name does not wait; a people index too large to hold in memory stays read a key at a
        time."""
        self.people  # noqa: B018 - the first use reads the people index
        self._deletion_index()
        self._word_index()
        tokens = self._tokens
        if isinstance(tokens, StoredMap):  # every name word's people (a few hundred rows of numbers): one query
            tokens.prefetch(self._token_list())
            tokens.warm_keys()  # and which words, spellings and skeletons have a row: a miss asks none
        self._token_set()
        order = self.__dict__.get("_saved_order")
        if order is not None:  # what equally_close compares names by, over the saved person numbers
            order.own_words()
            order.numbers()
            order.letters()
        _warm_fuzzy()
        changes = self._word_changes()
        if changes is not None:  # the saved name words and whom each names, by number, for equally_close
            changes[0].near_words()
        self._rehearse()

    def _rehearse(self) -> None:
        """Match and widen a few misspelt names once (their answers are not kept): the first misspelt name a process
        is asked costs ~0.5 ms more than the next ones (first calls of each numpy and rapidfuzz step, lazy parts)."""
        spellings = self._spellings
        three = [s for s in spellings[:500] if len(s.split()) == 3 and all(len(w) > 3 for w in s.split())][:2]
        for spelling in three:
            # a letter changed (matched by its one-edit spellings), then one dropped (often by its transliteration)
            for typed in (spelling[:1] + "x" + spelling[2:], spelling[:-2] + spelling[-1:]):
                match = self.find_people(typed)
                if match.keys and match.how != "exact":
                    self.equally_close(typed, match.keys, match.numbers)

    def _word_neighbours(self, words: list[str], skeletons: Mapping[str, str]) -> set[int]:
        """Return the positions of spellings that share a rare word (or a rare word's skeleton) with the query.

        A word that many spellings share (a common first name) says little about who is meant and would bring
        hundreds of spellings to score: it is left to the edit-ratio shortlist. skeletons: each word's skeleton.
        """
        index = self._word_index()
        out: set[int] = set()
        for word in words:
            for found in (index.get(word), index.get(skeletons[word])):
                if found and len(found) <= RARE_WORD:
                    out.update(found)
        return out

    def _prefetch_people(self, keys: Iterable[str]) -> None:
        """Read many people of a saved index at once (see people.StoredMap.prefetch); nothing for one in memory."""
        prefetch = getattr(self._people, "prefetch", None)
        if prefetch is not None:
            prefetch(keys)

    def _by_recency(self, keys: Iterable[str]) -> tuple[str, ...]:
        """Return the keys of known people, newest appearance first, then by name, then by key."""
        if isinstance(keys, Ranked):  # a saved row: its people are known, and numbered in this order
            return tuple(keys)
        keys = list(keys)
        numbered = self._saved_numbers(keys)
        if numbered is not None:  # saved people no reload changed: their numbers are in this order
            return tuple(k for _, k in sorted(zip(numbered, keys, strict=True)))
        self._prefetch_people(keys)
        get = self._people.get  # one read per person: a family name is shared by hundreds at 50,000 briefs
        rank = self._rank
        unranked = len(rank)
        ranked: list[tuple[tuple[int, str, str], str]] = []
        for k in keys:
            data = get(k)
            if data is not None:
                ranked.append(((rank.get(data.newest, unranked) if data.newest else 1 << 30, data.name, k), k))
        ranked.sort(key=itemgetter(0))
        return tuple(k for _, k in ranked)

    def shown_people(self, keys: Sequence[str]) -> list[ShownPerson]:
        """Return shown_person of each of these keys (their rows read at once)."""
        self._prefetch_people(keys)
        return [self.shown_person(k) for k in keys]

    def shown_person(self, key: str) -> ShownPerson:
        """Return a person's name, the name with honorific and "role, affiliation" as of their newest dialogue."""
        data = self._people[key]
        return ShownPerson(data.name, *data.shown)

    def name_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """Return up to limit (label, value) pairs of people whose spellings start with or contain prefix."""
        key = normalize_name(prefix) if prefix.strip() else ""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        if not key:
            for data in sorted(self._people.values(), key=lambda r: r.name):
                out.append((data.name, data.name))
                if len(out) >= limit:
                    break
            return out
        starts = [s for s in self._spellings if s.startswith(key) or f" {key}" in f" {s}"]
        if len(starts) < limit:
            from rapidfuzz import fuzz, process

            extra = process.extract(key, self._spellings, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
            starts += [s for s, _, _ in extra if s not in starts]
        for spelling in starts:
            for person_key in sorted(self._exact[spelling]):
                if person_key in seen:
                    continue
                seen.add(person_key)
                data = self._people[person_key]
                label = data.name
                matched = next((s for s in data.spellings if normalize_name(s) == spelling), data.name)
                if normalize_name(matched) != normalize_name(data.name):
                    label = f"{data.name} (also {matched})"
                out.append((label[:100], data.name[:100]))
                if len(out) >= limit:
                    return out
        return out

    def titled(self, words: Sequence[str]) -> list[str]:
        """Return the ids of the visible dialogues, newest first, whose folded title or id holds every word."""
        titles = zip(self._ordered_ids, self._folded_titles, strict=True)
        return [did for did, title in titles if all(w in f"{title} {did}" for w in words)]

    def dialogue_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """Return up to limit (label, id) pairs of dialogues whose title or id contains prefix, newest first."""
        key = fold(prefix)
        out: list[tuple[str, str]] = []
        for did, title in zip(self._ordered_ids, self._folded_titles, strict=True):
            if not key or key in title or key in did:
                summary = self._visible[did]
                when = summary.date or "undated"
                out.append((f"{summary.title} ({when})"[:100], did[:100]))
                if len(out) >= limit:
                    break
        return out
