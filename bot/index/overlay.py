"""The store's per-file state after a start from the snapshot, as overlays over that snapshot.

A reload after such a start changes a few files: the state it needs (each served file's record and summary, the files
of each dialogue id, the winner of each id, the text index's versions) is the snapshot's except for those files. So
each map here is a dict over a read-only base made from the snapshot: a key's base value is made when first read and
kept in the overlay (pinned: in-place changes to it stick), writes and deletions stay in the overlay, and nothing is
held per file but one entry of the name index (Base).

Invariant (kept by the store): a served file's base value is read from the cache's row of that file, so it is read
before the store writes that row (BriefStore._pin); a row that no longer holds the snapshot's file (another process
wrote it) raises StateLost, and the store then starts over as a first load.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from bot.index.snapshot import Snapshot

K = TypeVar("K")
V = TypeVar("V")


_NUMBERS: list[int] = []


def numbers(n: int) -> list[int]:
    """Return a list starting 0, 1, ..., n - 1 whose int objects every caller shares (a snapshot's ranks and the
    name index: 50,000 of them are 1.4 MB apiece otherwise); grown by replacing it, so no thread sees it half made."""
    global _NUMBERS
    found = _NUMBERS
    if len(found) < n:
        found = _NUMBERS = [*found, *range(len(found), n)]
    return found


class StateLost(Exception):
    """The cache no longer holds a file as the start snapshot describes it (another process rewrote it)."""


class Base:
    """The served and broken files of a start snapshot: each name's place in the snapshot's listing (its stamp) and
    the dialogue id of each served file."""

    __slots__ = ("at", "did_at", "drafts", "dups", "files", "n_good", "stamps", "versions")

    def __init__(self, snap: Snapshot, versions: dict[str, str], files: dict[str, str]) -> None:
        self.stamps = array("q")
        self.stamps.frombytes(snap.stamps)
        # name -> its place in the listing; keyed by the served names' own strings (those of `files`), not copies
        self.at: dict[str, int] = dict.fromkeys(snap.win_names, 0)
        listed = snap.names.split("\0") if snap.names else []
        for i, name in zip(numbers(len(listed)), listed, strict=False):
            self.at[name] = i
        self.did_at: list[str | None] = [None] * len(self.at)  # None: a broken file
        for did, name in zip(snap.win_dids, snap.win_names, strict=True):
            self.did_at[self.at[name]] = did
        self.dups: dict[str, list[str]] = {}  # dialogue id -> the files holding it that do not win it
        for name, did, _ in snap.duplicates:
            self.did_at[self.at[name]] = did
            self.dups.setdefault(did, []).append(name)
        self.files = files  # dialogue id -> the file serving it (the start's map: never changed)
        self.versions = versions  # dialogue id -> its served version (the start's map: never changed)
        self.drafts = frozenset(snap.drafts)
        self.n_good = snap.n_good

    def stamp(self, name: str) -> tuple[int, int] | None:
        """Return the size and mtime the snapshot lists for a file (served or broken), or None if it lists none."""
        i = self.at.get(name)
        return None if i is None else (self.stamps[2 * i], self.stamps[2 * i + 1])

    def did(self, name: str) -> str | None:
        """Return the dialogue id of a file the snapshot serves (None if it serves none by that name)."""
        i = self.at.get(name)
        return None if i is None else self.did_at[i]

    def good_names(self) -> Iterator[str]:
        """Yield the files the snapshot serves."""
        did_at = self.did_at
        return (name for name, i in self.at.items() if did_at[i] is not None)

    def ids_of(self, did: str) -> dict[str, None]:
        """Return the files holding a dialogue id, in name order (as a first load makes them)."""
        return dict.fromkeys(sorted([self.files[did], *self.dups.get(did, ())]))


class Overlay(MutableMapping[K, V], Generic[K, V]):
    """A dict over a read-only base (see the module docstring); its iteration order is the base's, then new keys."""

    __slots__ = ("_count", "_every", "_gone", "_has", "_make", "_new", "_over")

    def __init__(
        self, has: Callable[[K], bool], make: Callable[[K], V], every: Callable[[], Iterable[K]], count: int
    ) -> None:
        self._has = has  # whether the base holds a key
        self._make = make  # a key's base value
        self._every = every  # the base's keys
        self._count = count  # how many keys the base holds
        self._over: dict[K, V] = {}
        self._gone: set[K] = set()  # base keys deleted
        self._new = 0  # keys in the overlay that the base does not hold

    def _live(self, key: K) -> bool:
        return self._has(key) and key not in self._gone

    def __getitem__(self, key: K) -> V:
        try:
            return self._over[key]
        except KeyError:
            if not self._live(key):
                raise
        value = self._over[key] = self._make(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._over or self._live(key)  # type: ignore[arg-type]

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self._over:
            if self._has(key):
                self._gone.discard(key)
            else:
                self._new += 1
        self._over[key] = value

    def __delitem__(self, key: K) -> None:
        if key in self._over:
            del self._over[key]
            if self._has(key):
                self._gone.add(key)
            else:
                self._new -= 1
        elif self._live(key):
            self._gone.add(key)
        else:
            raise KeyError(key)

    def __iter__(self) -> Iterator[K]:
        gone = self._gone
        yield from (key for key in self._every() if key not in gone)
        yield from (key for key in list(self._over) if not self._has(key))

    def __len__(self) -> int:
        return self._count - len(self._gone) + self._new

    def pinned(self) -> list[K]:
        """Return the keys whose values are held in the overlay."""
        return list(self._over)

    def is_pinned(self, key: K) -> bool:
        """Return whether a key's value is held in the overlay (read or written since the start)."""
        return key in self._over


class GoodFiles(Overlay[str, V]):
    """The served files by name over a start snapshot (values read from the cache when first needed)."""

    __slots__ = ("base",)

    def __init__(self, base: Base, make: Callable[[str], V]) -> None:
        super().__init__(lambda name: base.did(name) is not None, make, base.good_names, base.n_good)
        self.base = base

    def base_stamp(self, name: str) -> tuple[int, int] | None:
        """Return the snapshot's stamp of a served file not read or changed since the start, else None."""
        if self.is_pinned(name) or name in self._gone or self.base.did(name) is None:
            return None
        return self.base.stamp(name)

    def base_did(self, name: str) -> str | None:
        """Return the dialogue id the snapshot serves from a file, if it still does so unchanged, else None."""
        return None if self.is_pinned(name) or name in self._gone else self.base.did(name)


class Ids(Overlay[str, dict[str, None]]):
    """The files holding each dialogue id over a start snapshot."""

    __slots__ = ("base",)

    def __init__(self, base: Base) -> None:
        files = base.files
        super().__init__(files.__contains__, base.ids_of, files.__iter__, len(files))
        self.base = base

    def crowded(self) -> Iterator[tuple[str, dict[str, None]]]:
        """Yield the dialogue ids held by more than one file, with their files."""
        for did in dict.fromkeys([*self.base.dups, *self.pinned()]):
            names = self.get(did)
            if names is not None and len(names) > 1:
                yield did, names


def winners(base: Base, good: MutableMapping[str, V]) -> Overlay[str, tuple[str, V]]:
    """Return the served (winning) file of each dialogue id over a start snapshot."""
    files = base.files
    return Overlay(files.__contains__, lambda did: (files[did], good[files[did]]), files.__iter__, len(files))


def indexed(base: Base, include_drafts: bool) -> Overlay[str, str]:
    """Return the version the text index holds of each visible dialogue over a start snapshot (the snapshot implies
    the index holds exactly its visible winners)."""
    versions, drafts = base.versions, frozenset() if include_drafts else base.drafts

    def has(did: str) -> bool:
        return did in versions and did not in drafts

    def every() -> Iterator[str]:
        return (did for did in versions if did not in drafts)

    return Overlay(has, versions.__getitem__, every, len(versions) - len(drafts))
