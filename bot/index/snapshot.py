"""The start snapshot: what a start over an unchanged folder needs, saved in the cache as a few marshalled values.

Invariant: the snapshot is written only by a store that has just checked every file against the cache (a first
load), and every later write to the cache deletes it in the same transaction. So while its file stamps equal the
folder's, the cache holds exactly the state it describes (records are keyed by content): a start then compares the
folder's listing with two strings (names; sizes and mtimes), serves the dialogues by id from the snapshot, and reads
each summary from SQLite only when a question asks.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.index.records import Summary

if TYPE_CHECKING:
    from bot.index.cachedb import CacheDB

SNAPSHOT_KEY = "start"  # meta key of the snapshot
STATE_KEY = "start_state"  # meta key of the served files and their ids (read by the first reload)
TITLES_KEY = "start_titles"  # meta key of the folded titles, newest first (read on first use)
FORMAT = "start-2"
SUMMARY_MEMO = 8192  # summaries kept once read
PREFETCH_BATCH = 500  # summaries read by one query (SQLite allows 32,766 parameters)


class Listing(NamedTuple):
    """A folder's brief files as one scan listed them: names and stamps in the folder's own order."""

    names: list[str]
    stamps: array[int]  # size, mtime_ns of each name in turn

    def joined(self) -> str:
        """Return the names as one string (file names hold no NUL)."""
        return "\0".join(self.names)

    def as_dict(self) -> dict[str, tuple[int, int]]:
        """Return name -> (size, mtime_ns)."""
        stamps = self.stamps
        return dict(zip(self.names, zip(stamps[0::2], stamps[1::2], strict=True), strict=True))


class Snapshot(NamedTuple):
    """The served state of a folder, as a first load left it."""

    names: str  # every file served or known broken, NUL-joined, in the order the writer's scan listed them
    stamps: bytes  # their sizes and mtimes (an array of int64: size, mtime_ns, size, ...)
    n_good: int  # the files served
    win_dids: list[str]  # each dialogue id, in the order the store serves them
    win_names: list[str]  # the file that wins each id (aligned with win_dids)
    vers: list[str]  # the version key of each winner (aligned with win_dids)
    drafts: list[str]  # winners whose status is not "published"
    order: list[str]  # the visible dialogue ids, newest first
    bad: list[str]  # the files known broken (their errors are in the cache's bad table)
    duplicates: list[tuple[str, str, str]]  # (file, dialogue id, served file) of every duplicate id
    vtag: str  # a hash of the served versions (see versions_tag)

    def matches(self, listing: Listing) -> bool:
        """Return whether a scan lists exactly the files and stamps this snapshot describes (in any order)."""
        if listing.joined() == self.names and listing.stamps.tobytes() == self.stamps:
            return True  # the usual case, an unchanged folder listed in the same order: two string comparisons
        return listing.as_dict() == self.listing().as_dict()

    def listing(self) -> Listing:
        """Return the files and stamps this snapshot describes."""
        stamps = array("q")
        stamps.frombytes(self.stamps)
        return Listing(self.names.split("\0") if self.names else [], stamps)


class State(NamedTuple):
    """The served files of a snapshot and the dialogue id of each (what a first reload needs)."""

    good: list[str]  # in name order
    dids: list[str]


def versions_tag(versions: Mapping[str, str]) -> str:
    """Return a hash of the served version of every dialogue id."""
    tag = hashlib.blake2b(digest_size=16)
    tag.update("".join([f"{did}\0{versions[did]}\0" for did in sorted(versions)]).encode())
    return tag.hexdigest()


def read(db: CacheDB) -> Snapshot | None:
    """Return the cache's snapshot, or None when there is none (or one of another format)."""
    raw = db.get_meta(SNAPSHOT_KEY)
    if not isinstance(raw, tuple) or len(raw) != len(Snapshot._fields) + 1 or raw[0] != FORMAT:
        return None
    return Snapshot(*raw[1:])


def read_state(db: CacheDB) -> State | None:
    """Return the served files saved with the snapshot (None when they are gone)."""
    raw = db.get_meta(STATE_KEY)
    if not isinstance(raw, tuple) or len(raw) != len(State._fields):
        return None
    return State(*raw)


def write(db: CacheDB, snapshot: Snapshot, state: State, titles: list[str]) -> None:
    """Store the snapshot, its served files and its titles (inside a transaction)."""
    db.put_meta(SNAPSHOT_KEY, (FORMAT, *snapshot))
    db.put_meta(STATE_KEY, tuple(state))
    db.put_meta(TITLES_KEY, titles)


def drop(db: CacheDB) -> None:
    """Delete the snapshot (inside the transaction of a write that changes what it describes)."""
    db.db.execute("DELETE FROM meta WHERE k IN (?, ?, ?)", (SNAPSHOT_KEY, STATE_KEY, TITLES_KEY))


def data_version(db: CacheDB) -> int:
    """Return SQLite's data_version of the connection: it changes when another connection commits a write."""
    return int(db.db.execute("PRAGMA data_version").fetchone()[0])


def read_titles(db: CacheDB, lock: threading.Lock) -> list[str] | None:
    """Return the folded titles saved with the snapshot (None when they are gone)."""
    with lock:
        titles = db.get_meta(TITLES_KEY)
    return titles if isinstance(titles, list) else None


class LazySummaries(Mapping[str, Summary]):
    """Summaries of the served dialogues by id, each read from the cache (by its file's row) when first asked for."""

    __slots__ = ("_db", "_drafts", "_files", "_lock", "_memo")

    def __init__(self, db: CacheDB, files: dict[str, str], drafts: frozenset[str], lock: threading.Lock) -> None:
        self._db = db
        self._files = files  # dialogue id -> served file name
        self._drafts = drafts
        self._lock = lock
        self._memo: dict[str, Summary] = {}

    def __getitem__(self, did: str) -> Summary:
        found = self._memo.get(did)
        if found is not None:
            return found
        name = self._files[did]  # KeyError for an id not served
        with self._lock:
            row = self._db.db.execute("SELECT summary FROM files WHERE name = ?", (name,)).fetchone()
        if row is None:  # pragma: no cover - only if the cache file was tampered with
            raise KeyError(did)
        return self._keep(did, row[0])

    def prefetch(self, dids: Iterable[str]) -> None:
        """Read the summaries of these served dialogues not yet read, a few hundred a query (a person's dialogues)."""
        names = {self._files[did]: did for did in dids if did not in self._memo and did in self._files}
        wanted = list(names)
        for start in range(0, len(wanted), PREFETCH_BATCH):
            batch = wanted[start : start + PREFETCH_BATCH]
            marks = ",".join("?" * len(batch))
            with self._lock:
                rows = self._db.db.execute(f"SELECT name, summary FROM files WHERE name IN ({marks})", batch).fetchall()
            for name, blob in rows:
                self._keep(names[name], blob)

    def _keep(self, did: str, blob: bytes) -> Summary:
        head = marshal.loads(blob)
        summary: Summary = tuple.__new__(Summary, (*head[:5], (), head[5]))
        if len(self._memo) >= SUMMARY_MEMO:
            self._memo.clear()
        self._memo[did] = summary
        return summary

    def __contains__(self, did: object) -> bool:
        return did in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def published(self, did: str) -> bool:
        """Return whether a served dialogue is published, without reading its summary."""
        return did not in self._drafts


class LazyVisible(Mapping[str, Summary]):
    """The visible dialogues' summaries by id: membership from the newest-first ranks, summaries read lazily."""

    __slots__ = ("_order", "_rank", "_summaries")

    def __init__(self, summaries: LazySummaries, rank: dict[str, int], order: list[str]) -> None:
        self._summaries = summaries
        self._rank = rank
        self._order = order

    def __getitem__(self, did: str) -> Summary:
        if did not in self._rank:
            raise KeyError(did)
        return self._summaries[did]

    def __contains__(self, did: object) -> bool:
        return did in self._rank

    def __iter__(self) -> Iterator[str]:
        rank = self._rank
        return (did for did in self._summaries if did in rank)  # served order, as a dict of the visible would

    def __len__(self) -> int:
        return len(self._order)


def is_lazy(mapping: Any) -> bool:
    """Return whether a summaries mapping reads from the cache on demand."""
    return isinstance(mapping, LazySummaries | LazyVisible)
