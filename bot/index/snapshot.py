"""The start snapshot: what a start over an unchanged folder needs, saved in the cache as a few marshalled values.

Invariant: the snapshot is written only by a store that has just checked every file against the cache (a first
load), and every later write to the cache deletes it in the same transaction. So while its file stamps equal the
folder's, the cache holds exactly the state it describes (records are keyed by content): a start then compares one
dict of stamps, serves the dialogues by id from it, and reads each summary from SQLite only when a question asks.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.index.records import Summary

if TYPE_CHECKING:
    from bot.index.cachedb import CacheDB

SNAPSHOT_KEY = "start"  # meta key of the snapshot
TITLES_KEY = "start_titles"  # meta key of the folded titles, newest first (read on first use)
FORMAT = "start-1"
SUMMARY_MEMO = 8192  # summaries kept once read


class Snapshot(NamedTuple):
    """The served state of a folder, as a first load left it."""

    stamps: dict[str, tuple[int, int]]  # every file served or known broken: (size, mtime_ns)
    good: list[str]  # the served files, in name order
    dids: list[str]  # the dialogue id of each served file (aligned with good)
    win_dids: list[str]  # each dialogue id, in the order the store serves them
    win_names: list[str]  # the file that wins each id (aligned with win_dids)
    vers: list[str]  # the version key of each winner (aligned with win_dids)
    drafts: list[str]  # winners whose status is not "published"
    order: list[str]  # the visible dialogue ids, newest first
    bad: list[str]  # the files known broken (their errors are in the cache's bad table)
    duplicates: list[tuple[str, str, str]]  # (file, dialogue id, served file) of every duplicate id
    vtag: str  # a hash of the served versions (see versions_tag)


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


def write(db: CacheDB, snapshot: Snapshot, titles: list[str]) -> None:
    """Store the snapshot and its titles (inside a transaction)."""
    db.put_meta(SNAPSHOT_KEY, (FORMAT, *snapshot))
    db.put_meta(TITLES_KEY, titles)


def drop(db: CacheDB) -> None:
    """Delete the snapshot (inside the transaction of a write that changes what it describes)."""
    db.db.execute("DELETE FROM meta WHERE k IN (?, ?)", (SNAPSHOT_KEY, TITLES_KEY))


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
        head = marshal.loads(row[0])
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
