"""The start snapshot: what a start over an unchanged folder needs, saved in the cache as a few marshalled values.

Each value is a tuple of fields stored in meta rows: a head row, and every long field (list, str or bytes) in pieces
of its own rows, so neither the write nor SQLite's copies of it ever hold more than one piece (one 10 MB blob cost
a cold start ~30 MB at its peak).

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from bot.index.lines import Line, Lines, line_of
from bot.index.records import Summary

if TYPE_CHECKING:
    from bot.index.cachedb import CacheDB

SNAPSHOT_KEY = "start"  # meta key of the snapshot
TITLES_KEY = "start_titles"  # meta key of the folded titles, newest first (read on first use)
FORMAT = "start-4"  # 4: no list of served files and ids saved beside it (nothing read it)
PIECE_ITEMS = 8192  # list items per stored piece
PIECE_CHARS = 1 << 18  # characters (of a str) or bytes per stored piece
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


def versions_tag(versions: Mapping[str, str]) -> str:
    """Return a hash of the served version of every dialogue id."""
    tag = hashlib.blake2b(digest_size=16)
    tag.update("".join([f"{did}\0{versions[did]}\0" for did in sorted(versions)]).encode())
    return tag.hexdigest()


def _piece_key(key: str, field: int, piece: int) -> str:
    return f"{key}#{field:02d}.{piece:06d}"  # zero-padded: the key order is the piece order


def _put(db: CacheDB, key: str, values: tuple[Any, ...]) -> None:
    """Store a tuple of values under key: short ones in its head row, long ones in pieces (inside a transaction)."""
    layout = []
    head: list[Any] = []
    for i, value in enumerate(values):
        size = PIECE_ITEMS if isinstance(value, list) else PIECE_CHARS
        if isinstance(value, list | str | bytes) and len(value) > size:
            count = 0
            for count, start in enumerate(range(0, len(value), size), start=1):
                db.put_meta(_piece_key(key, i, count - 1), value[start : start + size])
            layout.append(type(value).__name__[0])  # l, s or b
            head.append(count)
        else:
            layout.append("v")
            head.append(value)
    db.put_meta(key, ("".join(layout), *head))


def _get(db: CacheDB, key: str, fields: int) -> tuple[Any, ...] | None:
    """Return the tuple of `fields` values stored by _put() under key, or None when it is gone or malformed."""
    raw = db.get_meta(key)
    if not isinstance(raw, tuple) or len(raw) != fields + 1 or not isinstance(raw[0], str) or len(raw[0]) != fields:
        return None
    layout, values = raw[0], list(raw[1:])
    if layout.strip("v"):
        pieces: dict[int, list[Any]] = {}
        rows = db.db.execute("SELECT k, v FROM meta WHERE k > ? AND k < ? ORDER BY k", (f"{key}#", f"{key}$"))
        for k, blob in rows:
            pieces.setdefault(int(k[len(key) + 1 : len(key) + 3]), []).append(marshal.loads(blob))
        for i, kind in enumerate(layout):
            if kind == "v":
                continue
            parts = pieces.get(i, [])
            if len(parts) != values[i]:
                return None
            if kind == "l":
                values[i] = list(chain.from_iterable(parts))
            else:
                values[i] = "".join(parts) if kind == "s" else b"".join(parts)
    return tuple(values)


def read(db: CacheDB) -> Snapshot | None:
    """Return the cache's snapshot, or None when there is none (or one of another format)."""
    raw = _get(db, SNAPSHOT_KEY, len(Snapshot._fields) + 1)
    if raw is None or raw[0] != FORMAT:
        return None
    return Snapshot(*raw[1:])


def write(db: CacheDB, snapshot: Snapshot, titles: list[str]) -> None:
    """Store the snapshot and its titles (inside a transaction)."""
    _put(db, SNAPSHOT_KEY, (FORMAT, *snapshot))
    _put(db, TITLES_KEY, (titles,))


def drop(db: CacheDB) -> None:
    """Delete the snapshot (inside the transaction of a write that changes what it describes)."""
    for key in (SNAPSHOT_KEY, TITLES_KEY):
        db.db.execute("DELETE FROM meta WHERE k = ? OR (k > ? AND k < ?)", (key, f"{key}#", f"{key}$"))


def data_version(db: CacheDB) -> int:
    """Return SQLite's data_version of the connection: it changes when another connection commits a write."""
    return int(db.db.execute("PRAGMA data_version").fetchone()[0])


def read_titles(db: CacheDB, lock: threading.Lock) -> list[str] | None:
    """Return the folded titles saved with the snapshot (None when they are gone)."""
    with lock:
        raw = _get(db, TITLES_KEY, 1)
    return raw[0] if raw is not None and isinstance(raw[0], list) else None


class LazySummaries(Mapping[str, Summary]):
    """Summaries of the served dialogues by id, each read from the cache (by its file's row) when first asked for;
    those of dialogues changed since the start snapshot (and those held before their rows changed) are held.

    Once warm_lines() has run, what `who` lists of every dialogue is held compactly (bot.index.lines), read from the
    rows as the memo reads them: shared by the summaries of later reloads, and, like the memo, under what is held."""

    __slots__ = ("_cited", "_db", "_drafts", "_files", "_held", "_lines", "_lock", "_memo")

    def __init__(
        self,
        db: CacheDB,
        files: dict[str, str],
        drafts: frozenset[str],
        lock: threading.Lock,
        held: dict[str, Summary] | None = None,
        lines: list[Lines | None] | None = None,
    ) -> None:
        self._db = db
        self._files = files  # dialogue id -> served file name
        self._drafts = drafts  # of the start snapshot (a held summary says its own status)
        self._lock = lock
        self._held: dict[str, Summary] = held if held is not None else {}
        self._memo: dict[str, Summary] = {}
        self._cited: dict[str, Line] = {}  # lines made by line(), kept as the memo keeps summaries
        # one slot, shared with the later reloads' summaries
        self._lines: list[Lines | None] = lines if lines is not None else [None]

    def __getitem__(self, did: str) -> Summary:
        found = self._held.get(did) or self._memo.get(did)
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
        held, memo = self._held, self._memo
        names = {self._files[did]: did for did in dids if did not in memo and did not in held and did in self._files}
        for name, blob in self._rows(list(names)):
            self._keep(names[name], blob)

    def lines(self, dids: Sequence[str]) -> list[Line]:
        """Return what `who` lists of each of these served dialogues: from the held summaries, the compact lines once
        warmed, else from summaries read a few hundred a query (KeyError for an id not served)."""
        held, files, built = self._held, self._files, self._lines[0]
        found: list[Line | None] = built.many(dids) if built is not None else [None] * len(dids)
        missing = []
        for i, did in enumerate(dids):
            summary = held.get(did)
            if summary is not None:
                found[i] = line_of(summary)
            elif did not in files:
                raise KeyError(did)
            elif found[i] is None:
                missing.append(i)
        if missing:
            self.prefetch([dids[i] for i in missing])
            for i in missing:
                found[i] = line_of(self[dids[i]])
        return cast("list[Line]", found)

    def line(self, did: str) -> Line:
        """Return the line of one served dialogue (see lines), kept once made: answers cite the same dialogues again
        and again (50 items, each with a heading and a citation)."""
        summary = self._held.get(did)
        if summary is not None:
            return line_of(summary)
        found = self._cited.get(did)
        if found is None:
            found = self.lines((did,))[0]
            if len(self._cited) >= SUMMARY_MEMO:
                self._cited.clear()
            self._cited[did] = found
        return found

    def warm_lines(self) -> None:
        """Hold what `who` lists of every served dialogue compactly (read from the cache a batch of files a query)."""
        if self._lines[0] is None:
            self._lines[0] = Lines(self._heads())

    def _heads(self) -> Iterator[tuple[str, Line]]:
        """Yield (dialogue id, line) of each served file whose row holds that dialogue (a store never changes a files
        map it has passed here: a reload passes a new one)."""
        pairs = iter(self._files.items())
        while batch := dict((name, did) for did, name in islice(pairs, PREFETCH_BATCH)):
            for name, blob in self._rows(list(batch)):
                did, title, _, date, status, (label, url) = marshal.loads(blob)
                if did == batch[name]:  # always, unless another process rewrote the row: then read when asked
                    yield batch[name], Line(title, date, label, url, status == "draft")  # the id string held already

    def _rows(self, wanted: list[str]) -> Iterator[tuple[str, bytes]]:
        """Yield (file name, summary blob) of these files, PREFETCH_BATCH a query."""
        for start in range(0, len(wanted), PREFETCH_BATCH):
            batch = wanted[start : start + PREFETCH_BATCH]
            marks = ",".join("?" * len(batch))
            with self._lock:
                rows = self._db.db.execute(f"SELECT name, summary FROM files WHERE name IN ({marks})", batch).fetchall()
            yield from rows

    def _keep(self, did: str, blob: bytes) -> Summary:
        head = marshal.loads(blob)
        summary: Summary = tuple.__new__(Summary, (*head[:5], (), head[5]))
        if len(self._memo) >= SUMMARY_MEMO:
            self._memo.clear()
        self._memo[did] = summary
        return summary

    def hold(self, did: str, summary: Summary) -> None:
        """Keep serving this summary of a dialogue (read before its file's row changes)."""
        self._held[did] = summary

    def changed(self, files: dict[str, str], changes: Mapping[str, Summary | None]) -> LazySummaries:
        """Return the summaries of a new snapshot: these served files, with the changed dialogues' summaries held
        (None: no longer served); this one is left as it is."""
        held = {did: s for did, s in self._held.items() if did not in changes}
        held.update((did, s) for did, s in changes.items() if s is not None)
        out = LazySummaries(self._db, files, self._drafts, self._lock, held, self._lines)
        out._memo = {did: s for did, s in self._memo.items() if did not in changes}
        out._cited = {did: line for did, line in self._cited.items() if did not in changes}
        return out

    def every(self) -> dict[str, Summary]:
        """Return every served summary, in the served order (read a batch of files a query)."""
        found = dict(self._held)
        files = {name: did for did, name in self._files.items() if did not in found}
        for name, blob in self._rows(list(files)):
            head = marshal.loads(blob)
            found[files[name]] = tuple.__new__(Summary, (*head[:5], (), head[5]))
        return {did: found[did] for did in self._files}

    def __contains__(self, did: object) -> bool:
        return did in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def published(self, did: str) -> bool:
        """Return whether a served dialogue is published, without reading its summary."""
        held = self._held.get(did)
        return did not in self._drafts if held is None else held.status == "published"


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
