"""The saved people index: its maps (person key -> data, spelling/skeleton/token -> person keys) as SQLite rows,
read one key at a time, so a start or a question about one person reads a few rows instead of the whole index.

People are numbered in recency order (newest appearance first, then name, then key: Catalog._by_recency's order), and
each spelling/skeleton/token row holds its people's numbers ascending: a word's people come out of their row already
in the order an answer lists them (Ranked), with no person read. Invariant: a Ranked set is only ever a saved row;
any change a reload makes to a word replaces its set by a plain one, so a Ranked set holds only people whose newest
appearance and name are as saved, whose relative order no later snapshot changes. A reload that adds or removes a
few people of a Ranked row lays them over it (Patched: a plain set's meaning and no order) rather than copying a word's
whole set (a common first name holds thousands of people).

Invariant: rows are written under a new generation, and the generation before it is kept, so a catalog reading
generation g never sees rows of another index. A catalog that finds its generation gone (two newer indexes were saved
by other processes meanwhile) builds its own index in memory (StoredMap's `rebuild`): slower, never wrong.
"""

from __future__ import annotations

import marshal
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence, Set
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.index.fuzzy import NearWords, low32

if TYPE_CHECKING:
    from bot.index.cachedb import CacheDB

V = TypeVar("V")
KEY = "people_key_ranked"  # meta: the key (versions and registry) of the saved index (renamed with each format)
GEN = "people_gen"  # meta: its generation
PEOPLE, EXACT, SKELETON, TOKENS = range(4)  # the maps, in people_snapshot() order
MEMO = 4096  # rows kept once read, per map (a fuzzy question reads a few dozen; more would only hold memory)
_GONE: Any = object()  # an overlay entry for a deleted key

_TABLES = """
CREATE TABLE IF NOT EXISTS people(gen INTEGER, key TEXT, pos INTEGER, data BLOB, PRIMARY KEY (gen, key))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS people_words(gen INTEGER, kind INTEGER, word TEXT, pos INTEGER, keys BLOB,
    PRIMARY KEY (gen, kind, word)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS people_order(gen INTEGER PRIMARY KEY, keys BLOB, wholes BLOB);
"""


LETTERS = 28  # the letter counts of a name: a-z, space, anything else


def letter_counts(text: str) -> Any:
    """Return the letter counts (see Order.letters) of one string."""
    import numpy as np

    codes = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    return np.bincount(_LETTER[codes], minlength=LETTERS).astype(np.int16)  # a typed name may be long


class _LetterTable:
    """The bucket of each byte (a-z, space, other), made on first use (numpy is imported only when needed)."""

    table: Any = None

    def __getitem__(self, codes: Any) -> Any:
        if self.table is None:
            import numpy as np

            table = np.full(256, LETTERS - 1, dtype=np.int64)
            table[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = np.arange(26)
            table[ord(" ")] = 26
            self.table = table
        return self.table[codes]


_LETTER = _LetterTable()


class Order:
    """The people of one saved generation in recency order: a person's number is their place in it."""

    __slots__ = (
        "_letters",
        "_lock",
        "_near",
        "_numbers",
        "_own",
        "_rows",
        "_rows_blob",
        "_wholes",
        "_wholes_blob",
        "keys",
    )

    def __init__(
        self,
        keys: tuple[str, ...],
        wholes: Callable[[], tuple[str, ...]],
        rows: Callable[[], dict[str, bytes]] = dict,
    ) -> None:
        self.keys = keys
        self._wholes_blob = wholes
        self._rows_blob = rows
        self._rows: dict[str, bytes] | None = None
        self._near: NearWords | None = None
        self._wholes: tuple[str, ...] | None = None
        self._own: tuple[list[str], Any] | None = None
        self._numbers: dict[str, int] | None = None
        self._letters: Any = None
        self._lock = threading.Lock()

    def numbers(self) -> dict[str, int]:
        """Return each person's number by key."""
        with self._lock:
            if self._numbers is None:
                self._numbers = {k: i for i, k in enumerate(self.keys)}
            return self._numbers

    def has_wholes(self) -> bool:
        """Return whether the names' words are read (a bot's warm-up reads them; a one-question process need not)."""
        return self._wholes is not None

    def wholes(self) -> tuple[str, ...]:
        """Return each person's name words bar particles, joined (what equally_close compares a name by), by number."""
        with self._lock:
            if self._wholes is None:
                self._wholes = self._wholes_blob()
            return self._wholes

    def letters(self) -> Any:
        """Return how many of each letter (a-z, space, other) each person's joined name words hold, by number (a numpy
        matrix): the difference of two such counts is a lower bound of the edit distance of the two strings."""
        wholes = self.wholes()
        with self._lock:
            if self._letters is None:
                import numpy as np

                letters = np.empty((len(wholes), LETTERS), dtype=np.int8)  # a name is < 128 letters
                for start in range(0, len(wholes), 2048):  # in slices: the int64 scratch of all at once is ~25 MB
                    chunk = wholes[start : start + 2048]
                    codes = np.frombuffer("".join(chunk).encode("ascii", "replace"), dtype=np.uint8)
                    owner = np.repeat(np.arange(len(chunk)), [len(w) for w in chunk])
                    counts = np.bincount(owner * LETTERS + _LETTER[codes], minlength=len(chunk) * LETTERS)
                    letters[start : start + len(chunk)] = counts.reshape(len(chunk), LETTERS)
                self._letters = letters
            return self._letters

    def word_rows(self) -> dict[str, bytes]:
        """Return each saved name word's row (its people's numbers, as saved), read once."""
        with self._lock:
            if self._rows is None:
                self._rows = self._rows_blob()
            return self._rows

    def near_words(self) -> NearWords:
        """Return the saved name words and whom each names, with each person's own words (see fuzzy.NearWords)."""
        rows, (vocabulary, own), letters, wholes = self.word_rows(), self.own_words(), self.letters(), self.wholes()
        with self._lock:
            if self._near is None:
                self._near = NearWords(rows, vocabulary, own, letters, wholes)
            return self._near

    def own_words(self) -> tuple[list[str], Any]:
        """Return the words of the names (a vocabulary) and, by person number, the vocabulary positions of each
        name's own words (a numpy matrix; a row shorter than the longest name repeats its first word)."""
        wholes = self.wholes()
        with self._lock:
            if self._own is None:
                import numpy as np

                vocabulary: dict[str, int] = {}
                rows = [
                    [vocabulary.setdefault(w, len(vocabulary)) for w in set(whole.split()) or ("",)] for whole in wholes
                ]
                width = max(map(len, rows), default=1)
                matrix = np.empty((len(rows), width), dtype=np.int32)
                for i, row in enumerate(rows):
                    matrix[i] = row + [row[0]] * (width - len(row))
                self._own = (list(vocabulary), matrix)
            return self._own


class Ranked(Set[str]):
    """The people of one spelling, skeleton or token as saved: a set of person keys that iterates in recency order.
    Set operations give plain sets."""

    __slots__ = ("_members", "order", "rids")

    def __init__(self, rids: Sequence[int], order: Order) -> None:
        self.rids = rids  # person numbers, ascending
        self.order = order
        self._members: frozenset[str] | None = None

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> set[str]:  # type: ignore[override]
        return set(it)

    def __iter__(self) -> Iterator[str]:
        return map(self.order.keys.__getitem__, self.rids)

    def __len__(self) -> int:
        return len(self.rids)

    def __contains__(self, key: object) -> bool:
        numbers = self.order._numbers
        if numbers is not None:  # a bot's (warm_names made them): a bisect of the numbers, no set of keys kept
            number = numbers.get(key)  # type: ignore[call-overload]
            if number is None:
                return False
            rids = self.rids
            i = bisect_left(rids, number)
            return i < len(rids) and rids[i] == number
        members = self._members
        if members is None:
            members = self._members = frozenset(self)
        return key in members

    def __repr__(self) -> str:
        return f"Ranked({list(self)!r})"


class Patched(Set[str]):
    """A saved row's people (Ranked) with the people a reload added or removed laid over it; a plain set's meaning
    (no order: not a Ranked). Invariant: removed is within base, added is disjoint from it."""

    __slots__ = ("added", "base", "removed")

    def __init__(self, base: Ranked, added: frozenset[str], removed: frozenset[str]) -> None:
        self.base = base
        self.added = added
        self.removed = removed

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> set[str]:  # type: ignore[override]
        return set(it)

    def __iter__(self) -> Iterator[str]:
        removed = self.removed
        for key in self.base:
            if key not in removed:
                yield key
        yield from self.added

    def __len__(self) -> int:
        return len(self.base) - len(self.removed) + len(self.added)

    def __contains__(self, key: object) -> bool:
        return key in self.added or (key not in self.removed and key in self.base)

    def __repr__(self) -> str:
        return f"Patched({sorted(self)!r})"


def with_key(current: Set[str], key: str) -> Any:
    """Return current with key (not in it) added, never changing current: a Ranked row gets it laid over."""
    if isinstance(current, Ranked):
        return Patched(current, frozenset((key,)), frozenset())
    if isinstance(current, Patched):
        if key in current.removed:
            return Patched(current.base, current.added, current.removed - {key})
        return Patched(current.base, current.added | {key}, current.removed)
    return current | {key}


def without_key(current: Set[str], key: str) -> Any:
    """Return current without key (in it), never changing current: a Ranked row gets it laid over."""
    if isinstance(current, Ranked):
        return Patched(current, frozenset(), frozenset((key,)))
    if isinstance(current, Patched):
        if key in current.added:
            return Patched(current.base, current.added - {key}, current.removed)
        return Patched(current.base, current.added, current.removed | {key})
    return current - {key}


def _ranked(blob: bytes, order: Order) -> Ranked:
    rids = array("i")
    rids.frombytes(blob)
    return Ranked(rids, order)


def save(db: CacheDB, key: str, snapshot: Any) -> None:
    """Store a people_snapshot() (or a Catalog.people_streamed()) as the index of this key, under a new generation
    (inside a transaction); its people in recency order, when it gives them (a fifth item, with their names' words,
    or a function returning them once the people have been read), number the people of each word."""
    for statement in _TABLES.split(";"):
        if statement.strip():
            db.db.execute(statement)
    gen = int(db.get_meta(GEN) or 0) + 1
    people, exact, skeleton, tokens, *ranked = snapshot
    pairs = people.items() if isinstance(people, dict) else people  # or made as read (Catalog.people_streamed)
    dumps = marshal.dumps
    # pos keeps each map's order: the fuzzy matcher's ties, and every listing, follow it as they follow a dict's
    db.db.executemany(
        "INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?)",
        ((gen, k, i, dumps(tuple(v))) for i, (k, v) in enumerate(pairs)),
    )
    number: dict[str, int] | None = None
    if ranked:
        order, wholes = ranked[0]() if callable(ranked[0]) else ranked[0]  # a function: known once people are read
        number = {k: i for i, k in enumerate(order)}
        db.db.execute(
            "INSERT OR REPLACE INTO people_order VALUES (?, ?, ?)", (gen, dumps(tuple(order)), dumps(tuple(wholes)))
        )

    def value(keys: Iterable[str]) -> bytes:
        if number is None:
            return dumps(tuple(keys))
        return dumps(array("i", sorted(number[k] for k in keys)).tobytes())

    for kind, index in enumerate((exact, skeleton, tokens), start=EXACT):
        db.db.executemany(
            "INSERT OR REPLACE INTO people_words VALUES (?, ?, ?, ?, ?)",
            ((gen, kind, word, i, value(keys)) for i, (word, keys) in enumerate(index.items())),
        )
    for table in ("people", "people_words", "people_order"):
        db.db.execute(f"DELETE FROM {table} WHERE gen < ?", (gen - 1,))
    db.db.execute("DELETE FROM meta WHERE k IN ('people', 'people_key')")  # indexes of earlier formats
    db.put_meta(GEN, gen)
    db.put_meta(KEY, key)


def saved_generation(db: CacheDB, key: str) -> int | None:
    """Return the generation of the saved index if it is this key's, else None."""
    if db.get_meta(KEY) != key:
        return None
    gen = db.get_meta(GEN)
    return gen if isinstance(gen, int) else None


class Stored:
    """Read access to one saved generation of the people index (shared by the maps of one catalog and its
    successors; every read takes the store's lock, as the cache connection is shared)."""

    def __init__(self, db: CacheDB, gen: int, lock: threading.Lock) -> None:
        self.db = db
        self.gen = gen
        self.lock = lock
        self._order: Order | None = None
        self._order_read = False
        self._held: dict[int, array[int]] = {}  # map kind -> the low 32 bits of its keys' hashes, sorted (warm_keys)
        # the spellings' rows by place (their people's numbers, each row's start in them), read whole (warm_keys)
        self._spelled: tuple[array[int], array[int]] | None = None

    def order(self) -> Order | None:
        """Return the people of this generation in recency order (None if it was saved without)."""
        with self.lock:
            if not self._order_read:
                sql = "SELECT keys FROM people_order WHERE gen = ?"
                row = self.db.db.execute(sql, (self.gen,)).fetchone()
                if row is not None:
                    self._order = Order(marshal.loads(row[0]), self._wholes, self._token_rows)
                self._order_read = True
            return self._order

    def _wholes(self) -> tuple[str, ...]:
        with self.lock:
            row = self.db.db.execute("SELECT wholes FROM people_order WHERE gen = ?", (self.gen,)).fetchone()
        wholes: tuple[str, ...] = marshal.loads(row[0]) if row is not None else ()
        return wholes

    def warm_keys(self) -> None:
        """Note which keys the word maps hold (their hashes' low 32 bits, ~4 bytes a key), so that looking up a key
        none holds (most words of a misspelt name) asks no row of SQLite."""
        import numpy as np

        for kind in (EXACT, SKELETON, TOKENS):
            if kind not in self._held:
                hashes = array("q")
                with self.lock:  # a key at a time: no list of ~70,000 strings made to be dropped (~3 MB of the RSS)
                    sql = "SELECT word FROM people_words WHERE gen = ? AND kind = ?"
                    hashes.extend(hash(word) for (word,) in self.db.db.execute(sql, (self.gen, kind)))
                low = np.frombuffer(hashes, dtype=np.int64).astype(np.int32)  # (low32)
                self._held[kind] = array("i", np.sort(low).tobytes())
        if self._spelled is None and self.order() is not None:
            self._spelled = self._rows_by_place(EXACT)

    def _rows_by_place(self, kind: int) -> tuple[array[int], array[int]]:
        """Return every row of one map in its order (numbered rows), as their people's numbers one after another and
        where each row starts in them (~8 bytes a row and a person: ~0.6 MB for 37,000 spellings)."""
        numbers, starts = array("i"), array("i")
        loads = marshal.loads
        with self.lock:
            sql = "SELECT keys FROM people_words WHERE gen = ? AND kind = ? ORDER BY pos"
            for (blob,) in self.db.db.execute(sql, (self.gen, kind)):
                starts.append(len(numbers))
                numbers.frombytes(loads(blob))
        starts.append(len(numbers))
        return numbers, starts

    def spelled(self, place: int) -> Iterator[str] | None:
        """Return the people of the spelling at this place of the saved order, as its row iterates (Ranked), if the
        rows were read whole (warm_keys), else None."""
        found, order = self._spelled, self._order
        if found is None or order is None:
            return None
        numbers, starts = found
        return map(order.keys.__getitem__, numbers[starts[place] : starts[place + 1]])

    def may_hold(self, kind: int, key: str) -> bool:
        """Return False if no row of this map is key's (known once warm_keys has run), else True."""
        hashes = self._held.get(kind)
        if hashes is None:
            return True
        h = low32(hash(key))
        i = bisect_left(hashes, h)
        return i < len(hashes) and hashes[i] == h

    def _token_rows(self) -> dict[str, bytes]:
        """Return every name word's saved row (person numbers), as saved."""
        loads = marshal.loads
        return {word: loads(blob) for word, blob in self.rows(TOKENS).items()}

    def decode_words(self, value: Any) -> Set[str]:
        """Return the person keys of one word from its unmarshalled row: Ranked if numbered, else a plain set."""
        if isinstance(value, bytes):
            order = self.order()
            assert order is not None  # numbered rows are saved with their order
            return _ranked(value, order)
        return set(value)

    def person(self, key: str) -> bytes | None:
        """Return the marshalled data of one person."""
        with self.lock:
            row = self.db.db.execute("SELECT data FROM people WHERE gen = ? AND key = ?", (self.gen, key)).fetchone()
        return row[0] if row else None

    def words(self, kind: int, word: str) -> bytes | None:
        """Return the marshalled person keys of one spelling, skeleton or token."""
        with self.lock:
            row = self.db.db.execute(
                "SELECT keys FROM people_words WHERE gen = ? AND kind = ? AND word = ?", (self.gen, kind, word)
            ).fetchone()
        return row[0] if row else None

    def keys(self, kind: int) -> list[str]:
        """Return every key of one map."""
        with self.lock:
            if kind == PEOPLE:
                rows = self.db.db.execute("SELECT key FROM people WHERE gen = ? ORDER BY pos", (self.gen,)).fetchall()
            else:
                rows = self.db.db.execute(
                    "SELECT word FROM people_words WHERE gen = ? AND kind = ? ORDER BY pos", (self.gen, kind)
                ).fetchall()
        return [r[0] for r in rows]

    def many(self, kind: int, keys: list[str]) -> list[tuple[str, bytes]]:
        """Return (key, marshalled value) of those of these keys that one map holds (one query per 500)."""
        out: list[tuple[str, bytes]] = []
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            with self.lock:
                if kind == PEOPLE:
                    sql = f"SELECT key, data FROM people WHERE gen = ? AND key IN ({marks})"
                    out += self.db.db.execute(sql, (self.gen, *chunk)).fetchall()
                else:
                    sql = f"SELECT word, keys FROM people_words WHERE gen = ? AND kind = ? AND word IN ({marks})"
                    out += self.db.db.execute(sql, (self.gen, kind, *chunk)).fetchall()
        return out

    def rows(self, kind: int) -> dict[str, bytes]:
        """Return every (key, marshalled value) of one map."""
        with self.lock:
            if kind == PEOPLE:
                rows = self.db.db.execute("SELECT key, data FROM people WHERE gen = ?", (self.gen,)).fetchall()
            else:
                rows = self.db.db.execute(
                    "SELECT word, keys FROM people_words WHERE gen = ? AND kind = ?", (self.gen, kind)
                ).fetchall()
        return dict(rows)

    def count(self) -> int:
        """Return how many people this generation holds."""
        with self.lock:
            return int(self.db.db.execute("SELECT COUNT(*) FROM people WHERE gen = ?", (self.gen,)).fetchone()[0])

    def whole(self) -> tuple[dict[str, Any], ...]:
        """Return the whole index as a people_snapshot() (people as plain tuples, the other maps as sets), in order."""
        loads = marshal.loads
        out: list[dict[str, Any]] = []
        with self.lock:
            for kind in (PEOPLE, EXACT, SKELETON, TOKENS):
                if kind == PEOPLE:
                    rows = self.db.db.execute("SELECT key, data FROM people WHERE gen = ? ORDER BY pos", (self.gen,))
                    out.append({k: loads(blob) for k, blob in rows})
                else:
                    sql = "SELECT word, keys FROM people_words WHERE gen = ? AND kind = ? ORDER BY pos"
                    out.append({k: loads(blob) for k, blob in self.db.db.execute(sql, (self.gen, kind))})
        decode = self.decode_words
        for words in out[EXACT:]:
            for word, value in words.items():
                words[word] = decode(value)
        return tuple(out)

    def alive(self) -> bool:
        """Return whether this generation is still saved."""
        with self.lock:
            return self.db.db.execute("SELECT 1 FROM people WHERE gen = ? LIMIT 1", (self.gen,)).fetchone() is not None

    def maps(self, decode_person: Callable[[Any], Any], rebuild: Callable[[], tuple[dict[str, Any], ...]]) -> list[Any]:
        """Return the four maps of this generation (people, exact, skeleton, tokens), read on demand; rebuild
        returns the catalog's whole index, built in memory, should the generation be gone."""
        memos: list[dict[str, Any]] = [{} for _ in range(4)]
        shared = _Shared(rebuild)
        return [
            StoredMap(self, PEOPLE, decode_person, memos[PEOPLE], shared),
            *(StoredMap(self, kind, self.decode_words, memos[kind], shared) for kind in (EXACT, SKELETON, TOKENS)),
        ]


def copy_maps(maps: list[Any], rebuild: Callable[[], tuple[dict[str, Any], ...]]) -> list[Any]:
    """Return copies of a catalog's four people maps to change for a successor: dicts are copied, stored maps get
    their own overlay (and the successor's rebuild)."""
    if not isinstance(maps[0], StoredMap) or maps[0].built() is not None:
        return [dict(m) for m in maps]
    shared = _Shared(rebuild)
    return [m.copy(shared) for m in maps]


class _Shared:
    """What the maps of one catalog share: the in-memory index built if their generation is gone."""

    def __init__(self, rebuild: Callable[[], tuple[dict[str, Any], ...]]) -> None:
        self.rebuild = rebuild
        self.built: tuple[dict[str, Any], ...] | None = None
        self.lock = threading.Lock()

    def fallback(self) -> tuple[dict[str, Any], ...]:
        with self.lock:
            if self.built is None:
                self.built = self.rebuild()
            return self.built


class StoredMap(MutableMapping[str, V], Generic[V]):
    """One map of the saved people index, read a key at a time, with the changes of later snapshots laid over it
    (copy() gives a successor its own overlay; the saved rows are never written)."""

    __slots__ = ("_decode", "_kind", "_memo", "_over", "_shared", "_stored", "_tail")

    def __init__(
        self,
        stored: Stored,
        kind: int,
        decode: Callable[[Any], V],
        memo: dict[str, V],
        shared: _Shared,
        over: dict[str, Any] | None = None,
        tail: dict[str, None] | None = None,
    ) -> None:
        self._stored = stored
        self._kind = kind
        self._decode = decode
        self._memo = memo
        self._shared = shared
        self._over: dict[str, Any] = over if over is not None else {}  # key -> value set, or _GONE
        self._tail: dict[str, None] = tail if tail is not None else {}  # keys added (or re-added): iterated last

    def copy(self, shared: _Shared) -> StoredMap[V]:
        """Return a map over the same rows with a copy of this one's changes."""
        return StoredMap(self._stored, self._kind, self._decode, self._memo, shared, dict(self._over), dict(self._tail))

    def built(self) -> dict[str, Any] | None:
        """Return this map built in memory, if its generation was found gone."""
        built = self._shared.built
        return built[self._kind] if built is not None else None

    def _base(self, key: str) -> V | None:
        built = self._shared.built
        if built is not None:
            value: V | None = built[self._kind].get(key)
            return value
        found = self._memo.get(key)
        if found is not None:
            return found
        stored = self._stored
        if not stored.may_hold(self._kind, key):  # no saved row is key's: no query (a misspelt name's words)
            return None
        blob = stored.person(key) if self._kind == PEOPLE else stored.words(self._kind, key)
        if blob is None:
            if not stored.alive():  # another process replaced the index twice: build our own
                value = self._shared.fallback()[self._kind].get(key)
                return value
            return None
        found = self._decode(marshal.loads(blob))
        if len(self._memo) >= MEMO:
            self._memo.clear()
        self._memo[key] = found
        return found

    def changes(self) -> tuple[Order | None, list[str], list[str]] | None:
        """Return the order of the saved rows, the keys whose value a later snapshot set and the keys it deleted; None
        if the generation was found gone (the map is built in memory)."""
        if self._shared.built is not None:
            return None
        over = self._over
        return (
            self._stored.order(),
            [k for k, v in over.items() if v is not _GONE],
            [k for k, v in over.items() if v is _GONE],
        )

    def warm_keys(self) -> None:
        """Note which keys the saved rows hold (see Stored.warm_keys); nothing for a map built in memory."""
        if self._shared.built is None:
            self._stored.warm_keys()

    def at_place(self, place: int) -> Iterator[str] | None:
        """Return the people of the spelling at this place of the map's order when they are read whole and no later
        snapshot changed the map (its order is then the saved one), else None (see Stored.spelled)."""
        if self._kind != EXACT or self._over or self._shared.built is not None:
            return None
        return self._stored.spelled(place)

    def saved(self, key: str) -> bool:
        """Return whether key's value is the saved row's (no change laid over it, the generation still read)."""
        return self._shared.built is None and key not in self._over

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the rows of these keys at once (a family name can name hundreds of people: one query, not one each)."""
        if self._shared.built is not None:
            return
        over, memo = self._over, self._memo
        missing = [k for k in dict.fromkeys(keys) if k not in over and k not in memo]
        if not missing:
            return
        if len(memo) + len(missing) > MEMO:
            memo.clear()
        decode, loads = self._decode, marshal.loads
        for key, blob in self._stored.many(self._kind, missing):
            memo[key] = decode(loads(blob))

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value of key, or default."""
        built = self._shared.built
        if built is not None:
            return built[self._kind].get(key, default)
        value = self._over.get(key, self)
        if value is self:
            value = self._base(key)
        return default if value is None or value is _GONE else value

    def __getitem__(self, key: str) -> V:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __setitem__(self, key: str, value: V) -> None:
        built = self.built()
        if built is not None:
            built[key] = value
            return
        # as in a dict: a key set again keeps its place, one deleted and set again (or new) goes last
        current = self._over.get(key, self)
        if current is _GONE or (current is self and self._base(key) is None):
            self._tail.pop(key, None)
            self._tail[key] = None
        self._over[key] = value

    def __delitem__(self, key: str) -> None:
        built = self.built()
        if built is not None:
            del built[key]
            return
        if key not in self:
            raise KeyError(key)
        self._over[key] = _GONE
        self._tail.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        keys: list[str] = []
        if self._shared.built is None:
            keys = self._stored.keys(self._kind)
            if not keys and not self._stored.alive():
                self._shared.fallback()
        built = self.built()
        if built is not None:
            yield from list(built)
            return
        over, tail = self._over, self._tail
        for key in keys:
            if key not in tail and over.get(key) is not _GONE:
                yield key
        yield from list(tail)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def to_dict(self) -> dict[str, V]:
        """Return the whole map as a dict, in its order (one read of its rows)."""
        built = self.built()
        if built is not None:
            return dict(built)
        order = list(self)
        rows = self._stored.rows(self._kind)
        over, decode, loads = self._over, self._decode, marshal.loads
        return {key: over[key] if key in over else decode(loads(rows[key])) for key in order}
