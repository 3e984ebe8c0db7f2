"""The brief store: a folder of YAML briefs -> validated dialogues -> a Catalog, reloaded when files change.

Large folders are compiled once into an on-disk cache (see bot.index.cachedb): a later start reads compact records
instead of parsing YAML, full dialogues are rebuilt only when a question needs them, and a reload re-reads and
re-indexes only the files whose size, mtime (or, for recently written files, content) changed.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import marshal
import os
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.briefs.folder import BRIEF_SUFFIXES, REGISTRY_FILE, duplicate_error, folder_unavailable, not_a_brief
from bot.errors import BriefError, BriefsUnavailable
from bot.index.overlay import Base, GoodFiles, Ids, StateLost
from bot.index.snapshot import LazySummaries, Listing

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue, PeopleRegistry
    from bot.briefs.plain import PlainDialogue
    from bot.index.cachedb import CacheDB, FileRecord
    from bot.index.catalog import Catalog, Fields, RegistrySource
    from bot.index.compile import Compiled
    from bot.index.records import PartRecord, Summary
    from bot.index.snapshot import Snapshot
    from bot.index.text import TextIndex

log = logging.getLogger(__name__)
CACHE_MIN_FILES = 200  # smaller folders load in milliseconds; they get an in-memory index, no cache file
PARALLEL_MIN_FILES = 400  # below this, worker processes cost more than they save
BULK_MIN_FILES = 500  # from this many changed files, the text index is rebuilt once rather than updated per file
LAST_FEED_FILES = 250  # a bulk write feeds its text index this many files before its end (see CacheDB.feed_text)
LEAN_MIN_FILES = 500  # a first load serving this many files ends as a start from its snapshot does (_end_lean)
RECLAIM_SHARE = 20  # a reload gives the cache file's free pages back once they are 1/20 of it (see _reclaim_if_many)
SKIPPED_IN_FULL = 3  # more broken briefs than this are logged as one warning line (each at INFO)
DETAIL_CACHE = 1024  # full dialogues kept built in memory
FIELDS_BATCH = 500  # dialogues whose participants' affiliations and countries one query reads


class FileStamp(NamedTuple):
    """What identifies one version of a file without reading it (a tuple: the start snapshot stores plain ones)."""

    size: int
    mtime_ns: int


@dataclass
class LoadReport:
    """What a load or reload did: files read, dialogues kept, errors found."""

    loaded: int = 0
    reused: int = 0
    removed: int = 0
    errors: list[BriefError] = field(default_factory=list)
    changed: bool = False
    pending: list[str] = field(default_factory=list)  # changed files not yet stable: read on a later reload
    warnings: list[BriefError] = field(default_factory=list)  # served anyway, e.g. names mixing scripts

    @property
    def ok(self) -> bool:
        """Whether every file loaded cleanly."""
        return not self.errors


def look_alikes(path: Path, participants: Iterable[PartRecord]) -> list[BriefError]:
    """Return a warning for every participant name mixing Latin with Cyrillic or Greek look-alike letters."""
    from bot.briefs.names import mixed_script

    out = []
    for i, part in enumerate(participants):
        warning = mixed_script(part.name)
        if warning:
            out.append(BriefError(str(path), warning, None, None, f"participants[{i}].name"))
    return out


def stamp(path: Path) -> FileStamp | None:
    """Return the size and mtime of a file, or None when it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return FileStamp(st.st_size, st.st_mtime_ns)


def _regular_stamp(path: Path) -> FileStamp | None:
    """Return the stamp of a regular file (symlinks followed), or None when it is gone or not a file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileStamp(st.st_size, st.st_mtime_ns) if (st.st_mode & 0o170000) == 0o100000 else None


def _list_folder(directory: Path, problems: list[BriefError] | None = None) -> Listing:
    """Return the brief files of a folder with their sizes and mtimes (one stat each), in the folder's own order: an
    unchanged folder is then one scan and two string comparisons (Snapshot.matches).

    Names with a brief's suffix that are no regular file (symlink loops, FIFOs, devices...) go to problems.
    """
    names: list[str] = []
    stamps: list[int] = []
    odd: list[tuple[str, BriefError]] = []
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise folder_unavailable(directory, exc) from None
    add_name, add_stamp = names.append, stamps.append
    try:
        with os.scandir(fd) as entries:  # stat() of an entry is relative to the open folder: no path resolution
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name == REGISTRY_FILE or not name.endswith(BRIEF_SUFFIXES):
                    continue
                try:
                    st = entry.stat()
                except OSError as exc:
                    if problems is not None and (problem := not_a_brief(directory / name, error=exc)) is not None:
                        odd.append((name, problem))
                    continue
                if (st.st_mode & 0o170000) == 0o100000:  # a regular file (symlinks followed)
                    add_name(name)
                    add_stamp(st.st_size)
                    add_stamp(st.st_mtime_ns)
                elif problems is not None and (problem := not_a_brief(directory / name, st)) is not None:
                    odd.append((name, problem))
    except OSError as exc:
        raise BriefsUnavailable(f"cannot read briefs folder {directory}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if problems is not None:
        problems.extend(problem for _, problem in sorted(odd, key=lambda pair: pair[0]))
    return Listing(names, array("q", stamps))


def _in_name_order(listing: Listing) -> dict[str, FileStamp]:
    """Return a listing's files with their stamps, in name order."""
    stamps = listing.stamps
    new = tuple.__new__
    pairs = zip(listing.names, zip(stamps[0::2], stamps[1::2], strict=True), strict=True)
    return {name: new(FileStamp, stamp) for name, stamp in sorted(pairs)}


def _changed(
    summaries: Mapping[str, Summary], files: dict[str, str], changes: dict[str, Summary | None]
) -> Mapping[str, Summary]:
    """Return the served summaries with these changed (None: no longer served): a copy of a dict, or, over the start
    snapshot, summaries still read on demand with the changed ones held."""
    if isinstance(summaries, LazySummaries):
        return summaries.changed(files, changes)
    out = dict(summaries)
    for did, summary in changes.items():
        if summary is None:
            out.pop(did, None)
        else:
            out[did] = summary
    return out


def _unpack_registry(data: Any) -> PeopleRegistry:
    """Rebuild a cached registry (see pack.unpack_registry); pack is imported here, as it needs pydantic."""
    from bot.index.pack import unpack_registry

    return unpack_registry(data)


@dataclass(slots=True)
class _Good:
    record: FileRecord
    summary: Summary


class _ReadAhead:
    """Participant blobs read FIELDS_BATCH versions a query for a reader going through the dialogues in order (the
    people index of a large cold start reads every dialogue's, newest first: 50,000 queries otherwise)."""

    def __init__(self, db: CacheDB, order: Sequence[str], versions: Mapping[str, str]) -> None:
        self._db, self._order, self._versions = db, order, versions
        self._next = 0  # the position in order of the first dialogue not read ahead yet
        self._blobs: dict[str, bytes] = {}

    def take(self, did: str) -> bytes | None:
        """Return the blob of this dialogue's version if read ahead, reading the next batch when did comes next in
        order (None: the caller reads it alone)."""
        ver = self._versions[did]
        blob = self._blobs.pop(ver, None)
        if blob is None and self._next < len(self._order) and self._order[self._next] == did:
            batch = self._order[self._next : self._next + FIELDS_BATCH]
            self._next += len(batch)
            self._blobs.update(self._db.participant_blobs([self._versions[d] for d in batch if d in self._versions]))
            blob = self._blobs.pop(ver, None)
        return blob


class _IndexJob:
    """A function run on a background thread whose exception is re-raised by wait()."""

    def __init__(self, target: Callable[[], None]) -> None:
        self._target = target
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="briefbot-index", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._target()
        except BaseException as exc:  # handed to wait()
            self._error = exc

    def wait(self) -> None:
        """Wait for the function to finish; raise what it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error


class _Loader:
    """Whole dialogues by id, unpacked from the cache when asked for (the last DETAIL_CACHE kept built); plain()
    reads one without the models, for an answer that only renders it (see bot.briefs.plain)."""

    __slots__ = ("_db", "_details", "_directory", "_files", "_lock", "_versions")

    def __init__(
        self,
        db: CacheDB,
        details: OrderedDict[str, Dialogue],
        lock: threading.Lock,
        versions: dict[str, str],
        files: dict[str, str],
        directory: Path,
    ) -> None:
        self._db = db
        self._details = details
        self._lock = lock
        self._versions = versions
        self._files = files
        self._directory = directory

    def __call__(self, did: str) -> Dialogue:
        ver = self._versions[did]
        details = self._details
        with self._lock:
            dialogue = details.get(ver)
            if dialogue is not None:
                details.move_to_end(ver)
                return dialogue
            blob = self._db.detail(ver)
        # imported here: the models (pydantic) only when a question needs a whole dialogue
        from bot.index.pack import unpack

        if blob is None:  # pragma: no cover - only if the cache file was deleted under us
            from bot.index.compile import compile_file  # the YAML parser and the worker pool: rarely needed

            result, _, _ = compile_file(self._directory / self._files[did])
            if result is None:
                raise KeyError(did)
            blob = result.blob
        dialogue = unpack(blob)
        with self._lock:
            details[ver] = dialogue
            if len(details) > DETAIL_CACHE:
                details.popitem(last=False)
        return dialogue

    def plain(self, did: str) -> Dialogue | PlainDialogue:
        """Return the dialogue for reading only: built already, or its plain twin (no model, no pydantic)."""
        ver = self._versions[did]
        with self._lock:
            dialogue = self._details.get(ver)
            blob = self._db.detail(ver) if dialogue is None else None
        if dialogue is not None:
            return dialogue
        if blob is None:  # pragma: no cover - only if the cache file was deleted under us
            return self(did)
        from bot.briefs.plain import plain_dialogue
        from bot.index.records import packed_data

        return plain_dialogue(packed_data(blob))


class BriefStore:
    """Loads a briefs folder, keeps the last good version of every brief and serves a Catalog snapshot."""

    def __init__(
        self,
        directory: Path | str,
        *,
        include_drafts: bool = False,
        on_errors: Callable[[list[BriefError]], None] | None = None,
        cache_dir: Path | str | None = None,
        settle: float = 0.0,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        """Serve the briefs of directory; cache_dir forces an on-disk cache there (else see cache_location()).

        settle > 0: a new or changed file is read only once its size and mtime have not changed for settle seconds
        (by clock, in ns), and is read again later if it changed while being parsed; until then the last good
        version (if any) keeps being served, so nobody (answers, digests) sees a half-written file.
        """
        self.directory = Path(directory)
        self.settle = settle
        self.clock = clock
        self._unsettled: dict[str, tuple[FileStamp, int]] = {}  # changed file -> (stamp, when first seen so)
        self.include_drafts = include_drafts
        self.on_errors = on_errors
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()
        self._good: MutableMapping[str, _Good] = {}
        self._bad: dict[str, tuple[FileStamp, str, list[BriefError]]] = {}
        self._cached_bad: dict[str, tuple[FileRecord, list[BriefError]]] = {}  # broken files the cache knows
        self._registry: tuple[FileStamp | None, RegistrySource] = (None, None)
        self._registry_changed = False
        self._catalog: Catalog | None = None
        self._db: CacheDB | None = None
        self._indexed: MutableMapping[str, str] = {}
        self._details: OrderedDict[str, Dialogue] = OrderedDict()
        self._details_lock = threading.Lock()
        self._parts_memo: dict[str, tuple[PartRecord, ...]] = {}
        self._names_memo: dict[str, tuple[str, ...]] = {}  # participants' names by version, for reloads (see names)
        # dialogue id -> the files holding it, and the served (winning) file of each id, kept up to date per change
        self._ids: MutableMapping[str, dict[str, None]] = {}
        self._win: MutableMapping[str, tuple[str, _Good]] = {}
        self._touched: set[str] = set()  # dialogue ids changed since the last snapshot
        self._served: tuple[Mapping[str, Summary], dict[str, str], dict[str, str]] | None = None
        self._index_job: _IndexJob | None = None  # a fresh cache's text index being built (see _await_index)
        self._meta_waiting: dict[str, Callable[[CacheDB], None]] = {}  # writes to make once that build is done
        # Served from the start snapshot (see bot.index.snapshot): _good, _ids and _win are then empty, the snapshot
        # says what they hold, and the first reload lays them over it (_overlay, bot.index.overlay).
        self._lean: Snapshot | None = None
        self._vtag = ""  # versions_tag() of the served versions
        self._data_version: int | None = None  # the cache's data_version when a first load began
        self._first_listing: Listing | None = None  # the folder as a first load listed it
        self._first_problems: list[BriefError] = []  # the odd names that listing found
        self._defer_people = False  # a first load's catalog is made without its people index (see _end_lean)
        self._one_pass = False  # participants read while a people index is built are not memoised
        self._base: Base | None = None  # the start snapshot's files by name, once needed (see _base_of)
        self.last_report = LoadReport()

    @property
    def catalog(self) -> Catalog:
        """Return the current snapshot, loading the folder on first use."""
        if self._catalog is None:
            self.load()
        assert self._catalog is not None
        return self._catalog

    def file_of(self, dialogue_id: str) -> Path:
        """Return the file a served dialogue was read from (by the naming rule, id.yaml, if it is not served)."""
        served = self._served[2].get(dialogue_id) if self._served is not None else None
        return self.directory / (served or f"{dialogue_id}.yaml")

    def cache_location(self, files: int) -> Path | None:
        """Return the cache file for this folder, or None to keep everything in memory."""
        from bot.index.cachedb import default_cache_root

        root = self.cache_dir
        if root is None:
            if files < CACHE_MIN_FILES:
                return None
            root = default_cache_root()
            if root is None:
                return None
        folder = str(self.directory.resolve())
        tag = hashlib.blake2b(folder.encode(), digest_size=8).hexdigest()
        kind = "drafts" if self.include_drafts else "published"
        return root / f"{self.directory.resolve().name[:40]}-{tag}-{kind}.sqlite"

    def load(self, changed: Iterable[Path | str] | None = None) -> LoadReport:
        """Read the folder (only files changed since the last load) and swap in a new snapshot.

        changed, when given (paths from OS file events), limits the check to those files: nothing else is stat'ed
        and the snapshot is updated for just their dialogues. None scans the whole folder.
        """
        with self._lock:
            first = self._catalog is None
            # A first load makes the whole index at once (records, summaries, the people index): a full collection
            # meanwhile re-scans all of it for nothing (a third of a warm start's CPU at 10,000 briefs). The
            # collector is back on only once what was made is frozen (or, for a small folder, is small).
            collecting = first and gc.isenabled()
            if collecting:
                gc.disable()
            try:
                report = self._load_locked(first, changed)
            finally:
                if collecting:
                    gc.enable()
        if len(report.errors) > SKIPPED_IN_FULL:
            log.warning("%d briefs skipped — run `briefbot validate` for every problem", len(report.errors))
        for error in report.errors:
            log.log(
                logging.INFO if len(report.errors) > SKIPPED_IN_FULL else logging.WARNING, "brief skipped: %s", error
            )
        for warning in report.warnings:
            log.warning("brief served with a warning: %s", warning)
        if report.errors and self.on_errors:
            self.on_errors(report.errors)
        return report

    reload = load

    def merge_text_index(self) -> int:
        """Merge the text index into one segment in small steps, each under the store's lock, then give the cache
        file's free pages (the merged segments') back to the file system the same way; return the merge steps."""
        db = self._db
        if db is None:
            return 0
        steps = db.merge_text_index(lock=self._lock)
        db.reclaim(lock=self._lock)
        return steps

    def _reclaim_if_many(self) -> None:
        """Give the cache file's free pages back once they pass RECLAIM_SHARE of it: a reload merging the segments
        of a fresh text index frees ~0.2 GB at 50,000 briefs (a bot merges them after its first load, in the
        background, see merge_text_index; a process that only reloads pays it here, once)."""
        from bot.index.cachedb import RECLAIM_MIN_PAGES

        db = self._db
        if db is None or not db.persistent:
            return
        free = db.free_pages()
        if free >= RECLAIM_MIN_PAGES and free * RECLAIM_SHARE >= int(db.db.execute("PRAGMA page_count").fetchone()[0]):
            db.reclaim(min_pages=1, step=1 << 30)  # the store's lock is held: one step

    def _load_locked(self, first: bool, changed: Iterable[Path | str] | None) -> LoadReport:
        """Refresh and swap in the new snapshot (the store's lock held)."""
        names = None if first or changed is None else self._names_in_folder(changed)
        unchanged = None if first or self._lean is None else self._lean_unchanged(self._lean, names)
        if unchanged is not None:  # nothing changed since a start from the snapshot: it still describes the folder
            if unchanged.changed and self._db is not None:
                self._db.checkpoint()
            self.last_report = unchanged
            return unchanged
        if not first and self._lean is not None and not self._overlay():
            first, names = True, None  # the cache changed under the snapshot: start over, as a first load
        try:
            try:
                report = self._first_load() if first else self._refresh(names)
            except StateLost:  # another process rewrote a file the snapshot served: start over, as a first load
                log.info("the cache changed under the served snapshot; reading the folder again")
                self._forget_state()
                first, names = True, None
                report = self._first_load()
            # a large first load read file by file builds its people index only once it serves from the snapshot
            # it saves (_end_lean): never beside every file's state
            lean = len(self._good) >= LEAN_MIN_FILES or (self._db is not None and not self._db.keep_fresh_parts)
            self._defer_people = first and self._lean is None and lean
            if report.changed or self._catalog is None:
                self._catalog = self._build_catalog()
        finally:
            self._defer_people = False
            self._await_index()
        if first and self._lean is None:
            listing, problems = self._first_listing, self._first_problems
            saved = self._save_snapshot(report)
            if not (saved is not None and listing is not None and self._end_lean(listing, saved, problems)):
                self._save_people()
        if report.changed and self._db is not None:
            # a reload writes 1-3 MB of index pages to the write-ahead log; left there, the next process to open
            # the cache would first replay them (0.3 s after 36 reloads). Moving them now costs ~1 ms.
            self._db.checkpoint()
            if not first:
                self._reclaim_if_many()
        self.last_report = report
        if first and max(len(self._good), self._lean.n_good if self._lean else 0) >= CACHE_MIN_FILES:
            # The index is a million small, acyclic objects that live as long as the process: keep the cyclic
            # garbage collector from re-scanning them on every later collection (pauses of 100+ ms).
            gc.freeze()
        return report

    def _names_in_folder(self, paths: Iterable[Path | str]) -> set[str]:
        """Return the names of those paths that lie directly in the briefs folder."""
        folder = self.directory.resolve()
        names: set[str] = set()
        for raw in paths:
            path = Path(raw)  # absolute, or relative to the working folder like any other path
            parent = path.parent
            if parent == folder or parent.resolve() == folder:
                names.add(path.name)
        return names

    def errors(self) -> list[BriefError]:
        """Return the errors of files currently failing (their last good version, if any, is served)."""
        out: list[BriefError] = []
        for _, _, errors in self._bad.values():
            out.extend(errors)
        return out

    def close(self) -> None:
        """Close the cache database (what the snapshot would read from it later, summaries and the people index, is
        read first)."""
        if self._db is not None:
            if self._lean is not None and self._catalog is not None:
                self._overlay()  # a reload after closing reads the cache it then opens
            self._harden()  # summaries read on demand are read now: the snapshot answers after closing
            if self._catalog is not None:
                self._catalog.keep_people()
            self._db.close()
            self._db = None

    # ----- reading the folder -----------------------------------------------------------------------------

    def _first_load(self) -> LoadReport:
        """Load the folder for the first time: from the start snapshot when nothing changed, else file by file."""
        from bot.index.cachedb import CacheDB

        problems: list[BriefError] = []
        listing = _list_folder(self.directory, problems)
        if self._db is None:
            self._db = CacheDB(self.cache_location(len(listing.names)))
        db = self._db
        if db.persistent and db.building is None:
            from bot.index.snapshot import data_version

            self._data_version = data_version(db)
            report = self._serve_snapshot(listing, problems)
            if report is not None:
                return report
        self._first_listing = listing  # what the snapshot saved after this load will describe
        self._first_problems = list(problems)
        return self._refresh(None, (_in_name_order(listing), problems))

    def _refresh(
        self, only: set[str] | None = None, scanned: tuple[dict[str, FileStamp], list[BriefError]] | None = None
    ) -> LoadReport:
        """Bring the store up to date with the folder (or with the files in `only`); report what changed."""
        from bot.index.cachedb import CacheDB
        from bot.index.snapshot import drop

        report = LoadReport()
        files, gone = self._changed_files(only, report, scanned)
        if only is not None and self._db is None:
            only = None
        cached: dict[str, FileRecord] = {}
        first = self._catalog is None
        opened = self._db is None
        if opened:
            self._db = CacheDB(self.cache_location(len(files)))
        db = self._db
        assert db is not None
        if (opened or first) and db.persistent:
            cached = db.records()
            self._cached_bad = db.bad_files()
        self._pin(gone)
        self._forget(gone, report)
        now = time.time_ns()
        to_compile, from_cache, restamp = self._classify(files, cached, report, now)
        self._reuse_cached(from_cache, cached, to_compile, report)
        if to_compile or restamp or report.removed or gone:
            self._pin([*to_compile, *(name for name, _ in restamp)])
            db.begin()
            drop(db)  # the start snapshot no longer describes the cache
            # Many files: the collector would re-scan the growing, acyclic index again and again (seconds in all).
            collecting = gc.isenabled() and len(to_compile) >= BULK_MIN_FILES
            if collecting:
                gc.disable()
            try:
                self._write(to_compile, restamp, files, report, now)
                if db.persistent:
                    stale = [n for n in (*cached, *self._cached_bad) if n not in files] if only is None else gone
                    for name in stale:
                        db.drop_file(name)
                self._sync_text(None if first else self._touched)
                self._commit_written(db)
            except BaseException:
                self._undo_write()
                raise
            finally:
                if collecting:
                    gc.enable()
        elif report.changed or not self._indexed:
            db.begin()
            drop(db)
            self._sync_text()
            db.commit()
        self._cached_bad = {}
        if self._index_job is None:
            db.finish_fresh()
        report.errors.extend(self._check_duplicate_ids())
        self._refresh_registry(report)
        return report

    def _commit_written(self, db: CacheDB) -> None:
        """Commit what a refresh wrote; a fresh cache's text index is first built by a job of its own."""
        if db.bulk and db.building is not None:
            # a fresh cache: its text index is built in C (the GIL released) while this thread goes on to
            # the registry and the people index; whoever next needs the database waits (_await_index)
            self._index_job = _IndexJob(self._finish_fresh_index)
        else:
            db.end_bulk()
            db.commit()

    def _changed_files(
        self,
        only: set[str] | None,
        report: LoadReport,
        scanned: tuple[dict[str, FileStamp], list[BriefError]] | None = None,
    ) -> tuple[dict[str, FileStamp], list[str]]:
        """Return the brief files to check with their stamps (all, or those in `only`) and the names now gone."""
        if scanned is not None:  # the folder as a first load has just scanned it
            files = scanned[0]
            report.errors.extend(scanned[1])
            return files, [n for n in (*self._good, *self._bad) if n not in files]
        if only is None or self._db is None:
            listing = _list_folder(self.directory, report.errors)
            if isinstance(self._good, GoodFiles):
                return self._listed_over(listing, self._good, report)
            files = _in_name_order(listing)
            return files, [n for n in (*self._good, *self._bad) if n not in files]
        files = {}  # a targeted reload: only the files named by file events
        for name in sorted(only):
            if name.startswith(".") or name == REGISTRY_FILE or not name.endswith(BRIEF_SUFFIXES):
                continue
            st = _regular_stamp(self.directory / name)
            if st is not None:
                files[name] = st
            elif (problem := not_a_brief(self.directory / name)) is not None:
                report.errors.append(problem)
        return files, [n for n in only if n not in files and (n in self._good or n in self._bad)]

    def _listed_over(
        self, listing: Listing, good: GoodFiles[_Good], report: LoadReport
    ) -> tuple[dict[str, FileStamp], list[str]]:
        """Return the listed files to check (in name order) and the names gone, over the start snapshot: a file served
        as the snapshot lists it, never racy, is counted reused here and not checked again (no stamp kept for it)."""
        names, stamps = listing.names, listing.stamps
        base_stamp = good.base_stamp
        check: list[tuple[str, FileStamp]] = []
        new = tuple.__new__
        for i, name in enumerate(names):
            stamp = (stamps[2 * i], stamps[2 * i + 1])
            if base_stamp(name) != stamp:
                check.append((name, new(FileStamp, stamp)))
        report.reused += len(names) - len(check)
        listed = set(names)
        return dict(sorted(check)), [n for n in (*good, *self._bad) if n not in listed]

    def _forget(self, gone: list[str], report: LoadReport) -> None:
        """Drop the files that are gone from the folder."""
        for name in gone:
            self._unsettled.pop(name, None)
            if name in self._good:
                self._touched.add(self._good[name].summary[0])
                self._drop_good(name)
                report.removed += 1
                report.changed = True
            self._bad.pop(name, None)

    def _unchanged(self, name: str, record: FileRecord | None, st: FileStamp) -> bool | None:
        """True = same content as recorded, False = changed; None = racy and verified by content (restamp)."""
        if record is None or record.size != st.size or record.mtime_ns != st.mtime_ns:
            return False
        if not record.racy:
            return True
        from bot.index.compile import content_digest

        try:
            same = content_digest((self.directory / name).read_bytes()) == record.digest
        except OSError:
            return False
        return None if same else False

    def _classify(
        self, files: dict[str, FileStamp], cached: dict[str, FileRecord], report: LoadReport, now: int
    ) -> tuple[list[str], list[str], list[tuple[str, FileRecord]]]:
        """Sort the files into unchanged (kept), known broken (errors reported again, not parsed), waiting to
        settle, in the cache (from_cache) and to compile; return (to_compile, from_cache, restamp)."""
        from bot.index.cachedb import is_racy

        to_compile: list[str] = []
        from_cache: list[str] = []
        restamp: list[tuple[str, FileRecord]] = []
        served = self._good
        over = served if isinstance(served, GoodFiles) else None
        for name, st in files.items():
            known = over.base_stamp(name) if over is not None else None
            if known is not None:  # served as the start snapshot lists it (never racy): compared without a read
                if known == st:
                    report.reused += 1
                    continue
                good = None
            else:
                good = served.get(name)
            verdict = self._unchanged(name, good.record, st) if good is not None else False
            if verdict is not False and good is not None:
                report.reused += 1
                if verdict is None and not is_racy(st.mtime_ns, now):
                    good.record = good.record._replace(racy=False)
                    restamp.append((name, good.record))
                continue
            if (name in self._bad or name in self._cached_bad) and self._known_bad(name, st, report, now):
                continue
            if self.settle and not self._settled(name, st):
                report.pending.append(name)
                continue
            record = cached.get(name)
            verdict = self._unchanged(name, record, st)
            if verdict is not False and record is not None:
                from_cache.append(name)
                if verdict is None and not is_racy(st.mtime_ns, now):
                    cached[name] = record._replace(racy=False)
                    restamp.append((name, cached[name]))
                continue
            to_compile.append(name)
        return to_compile, from_cache, restamp

    def _known_bad(self, name: str, st: FileStamp, report: LoadReport, now: int) -> bool:
        """Report the errors of a broken file unchanged since it was read (in this process or, through the cache,
        in an earlier one) and return True; False when it must be read."""
        from bot.index.cachedb import is_racy

        bad = self._bad.get(name)
        if bad and bad[0] == st and not is_racy(st.mtime_ns, now):
            report.errors.extend(bad[2])
            return True
        known = self._cached_bad.pop(name, None)
        if known is not None and self._unchanged(name, known[0], st) is not False:
            self._bad[name] = (st, known[0].digest, known[1])
            report.errors.extend(known[1])
            return True
        return False

    def _reuse_cached(
        self, from_cache: list[str], cached: dict[str, FileRecord], to_compile: list[str], report: LoadReport
    ) -> None:
        """Serve the files whose cache records are current, without reading them."""
        if not from_cache:
            return
        assert self._db is not None
        summaries = self._db.summaries(from_cache)
        if not self._good:  # a first load: nothing served yet, so each id's first file (in name order) wins
            self._serve_first(from_cache, cached, summaries, to_compile, report)
            return
        for name in from_cache:
            if name in summaries:
                self._bad.pop(name, None)
                self._touched.add(summaries[name].id)
                self._put_good(name, _Good(cached[name], summaries[name]))
                report.reused += 1
                report.changed = True
            else:  # pragma: no cover - the record vanished between two reads
                to_compile.append(name)

    def _serve_first(
        self,
        from_cache: list[str],
        cached: dict[str, FileRecord],
        summaries: dict[str, Summary],
        to_compile: list[str],
        report: LoadReport,
    ) -> None:
        """Serve the cached files of a first load (as _put_good would, one by one, without re-checking winners)."""
        good, ids, win, touched, bad = self._good, self._ids, self._win, self._touched, self._bad
        for name in from_cache:  # in name order, as _in_name_order lists them
            summary = summaries.get(name)
            if summary is None:  # pragma: no cover - the record vanished between two reads
                to_compile.append(name)
                continue
            entry = good[name] = _Good(cached[name], summary)
            did = summary[0]
            bad.pop(name, None)
            touched.add(did)
            names = ids.get(did)
            if names is None:
                ids[did] = {name: None}
                win[did] = (name, entry)
            else:
                names[name] = None
        report.reused += len(good)
        report.changed = report.changed or bool(good)

    def _write(
        self,
        to_compile: list[str],
        restamp: list[tuple[str, FileRecord]],
        files: dict[str, FileStamp],
        report: LoadReport,
        now: int,
    ) -> None:
        """Compile the changed files and write them, their errors and their text (inside a transaction)."""
        db = self._db
        assert db is not None
        if not self._indexed and db.building is None:
            # the versions the text index holds, read before this write adds its own: read after, they would be
            # taken as all of them, and _sync_text would index every other dialogue's text again (~45 s at 10,000)
            self._indexed = db.text_versions()
        if len(to_compile) >= BULK_MIN_FILES:
            db.begin_bulk()
        # a large first load builds its people index once the cache is finished (see _end_lean): no participant
        # blob need wait in memory for it
        db.keep_fresh_parts = not (self._catalog is None and len(to_compile) >= LEAN_MIN_FILES)
        for name, record in restamp:
            db.set_stamp(name, record)
        fresh: dict[str, _Good] = {}
        # a fed text index takes what it has a few files before the end: the feed the load waits for is then short
        last_feed = len(to_compile) - LAST_FEED_FILES if len(to_compile) >= BULK_MIN_FILES else -1
        # results stream in from the workers; each is written (and its text indexed) as it arrives
        for n, (name, record, result, errors) in enumerate(self._compile(sorted(to_compile), files, now)):
            if n == last_feed:
                db.feed_text()
            now_stamp = _regular_stamp(self.directory / name) if self.settle else files[name]
            if now_stamp != files[name]:
                report.pending.append(name)  # written to while being read: read it again once stable
                if now_stamp is not None:
                    self._unsettled[name] = (now_stamp, self.clock())
                continue
            if result is None:
                self._bad[name] = (files[name], record.digest, errors)
                report.errors.extend(errors)
                if db.persistent:
                    db.put_bad(name, record, errors)
                continue
            db.put_file(name, record, result)
            if self.include_drafts or result.summary.status == "published":
                summary = result.summary
                db.put_text(
                    summary.id, record.ver, summary.date, result.rows, result.items, result.prepared, result.groups
                )
                self._indexed[result.summary.id] = record.ver
            fresh[name] = _Good(record, result.summary)
            if self._catalog is not None or len(to_compile) < BULK_MIN_FILES:  # not on a bulk cold start
                report.warnings.extend(look_alikes(self.directory / name, result.summary.participants))
        for name in sorted(fresh):  # file-name order, as a first load has always kept them
            self._touched.add(fresh[name].summary[0])
            if name in self._good:
                self._touched.add(self._good[name].summary[0])
            self._bad.pop(name, None)
            self._put_good(name, fresh[name])
            report.loaded += 1
            report.changed = True

    def _undo_write(self) -> None:
        """Throw away a failed write: a fresh cache starts over, an existing one rolls back."""
        db = self._db
        assert db is not None
        db.bulk = False
        if db.building is not None:  # no journal to roll back: start the fresh cache over
            db.abandon_fresh()
            self._indexed = {}
        else:
            db.db.rollback()

    def _finish_fresh_index(self) -> None:
        """Build the text index of a fresh cache, commit it and move the cache file into place."""
        db = self._db
        assert db is not None
        try:
            db.end_bulk()
            db.commit()
        except BaseException:
            self._undo_write()
            raise
        db.finish_fresh()

    def _await_index(self) -> None:
        """Wait for a text index being built in the background (re-raising its failure), then save what waited."""
        job, self._index_job = self._index_job, None
        if job is not None:
            job.wait()
        waiting, self._meta_waiting = self._meta_waiting, {}
        if waiting:
            db = self._db
            assert db is not None
            db.begin()
            for write in waiting.values():
                write(db)
            db.commit()
            # megabytes read at every start: from the database file they load faster than from the write-ahead log
            db.checkpoint()

    def _save_meta(self, key: str, value: object) -> None:
        """Store a value in the cache's meta table, once no background index build holds the connection."""
        self._save_later(key, lambda db: db.put_meta(key, value))

    def _save_later(self, key: str, write: Callable[[CacheDB], None]) -> None:
        """Make a write (inside a transaction) once no background index build holds the connection."""
        self._meta_waiting[key] = write
        if self._index_job is None:
            self._await_index()

    def _compile(
        self, names: list[str], files: dict[str, FileStamp], now: int
    ) -> Iterator[tuple[str, FileRecord, Compiled | None, list[BriefError]]]:
        from bot.index.cachedb import FileRecord, is_racy, version_key
        from bot.index.compile import compile_file, compile_parallel, predicted_date_key, start_pool

        folder = str(self.directory / "x")[:-1]  # the folder's path and a separator: a file's path is folder + name
        paths = [folder + n for n in names]
        workers = min(os.cpu_count() or 1, 4)
        # the workers start (each imports the parser) while the files are ordered below
        pool = start_pool(workers) if len(paths) >= PARALLEL_MIN_FILES and workers > 1 else None
        if len(names) >= BULK_MIN_FILES:
            # newest first, as the text index orders its rows (rows.row_id): the staged rows then arrive in row-id
            # order (files of one date keep their order, and so the slots they had)
            try:
                keys = {shown: predicted_date_key(shown) for shown in paths}
            except BaseException:
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                raise
            paths.sort(key=lambda shown: -keys[shown])
        if pool is not None:
            # a bulk first load keeps no participant records in memory (look_alikes is not run; the cache has them)
            lean = len(names) >= BULK_MIN_FILES and self._catalog is None
            results: Iterable[tuple[str, Compiled | None, list[BriefError], str]] = compile_parallel(
                paths, workers, lean=lean, pool=pool
            )
        else:
            results = ((shown, *compile_file(Path(shown))) for shown in paths)
        start = len(folder)
        for shown, result, errors, digest in results:
            name = shown[start:]
            st = files[name]
            record = FileRecord(st.size, st.mtime_ns, is_racy(st.mtime_ns, now), digest, version_key(name, digest))
            yield name, record, result, errors

    def settling_ids(self) -> frozenset[str]:
        """Return the ids of served briefs whose file has changed but is not yet stable (not yet re-read)."""
        if not self._unsettled:
            return frozenset()
        good = self._good
        return frozenset(good[name].summary.id for name in list(self._unsettled) if name in good)

    def _settled(self, name: str, st: FileStamp) -> bool:
        """Return whether a changed file has kept its size and mtime for the settle interval."""
        now = self.clock()
        interval = int(self.settle * 1e9)
        if now - st.mtime_ns >= interval:
            self._unsettled.pop(name, None)
            return True
        seen = self._unsettled.get(name)
        if seen is None or seen[0] != st:
            self._unsettled[name] = (st, now)
            return False
        if now - seen[1] >= interval:
            del self._unsettled[name]
            return True
        return False

    def _winners(self) -> MutableMapping[str, tuple[str, _Good]]:
        """Return dialogue id -> (file name, entry); with duplicate ids, the later file wins as it always has."""
        return self._win

    def _put_good(self, name: str, good: _Good) -> None:
        """Serve this version of a file, keeping the id indexes current."""
        old = self._good.get(name)
        self._good[name] = good
        did = good.summary[0]
        if old is not None and old.summary[0] != did:
            self._ids[old.summary[0]].pop(name, None)
            self._rewin(old.summary[0])
        self._ids.setdefault(did, {})[name] = None
        self._rewin(did)

    def _drop_good(self, name: str) -> None:
        """Stop serving a file."""
        old = self._good.pop(name)
        did = old.summary[0]
        self._ids[did].pop(name, None)
        self._rewin(did)

    def _rewin(self, did: str) -> None:
        names = self._ids.get(did)
        if not names:
            self._ids.pop(did, None)
            self._win.pop(did, None)
            return
        # A duplicate id (reported as an error) never displaces the file already served; without one (a fresh
        # start, or the served file gone) the first file name in sorted order wins, so X.yaml beats X.yml.
        served = self._win.get(did)
        name = served[0] if served is not None and served[0] in names else min(names)
        self._win[did] = (name, self._good[name])

    def _sync_text(self, only: set[str] | None = None) -> None:
        """Make the text index hold exactly the served version of every visible dialogue."""
        from bot.index.pack import unpack
        from bot.index.rows import text_fields, text_items

        db = self._db
        assert db is not None
        if not self._indexed:
            self._indexed = db.text_versions()
        winners = self._winners()
        if only is not None:  # a reload: just the dialogues whose files changed
            for did in only:
                if did not in winners and did in self._indexed:
                    db.drop_text(did)
                    del self._indexed[did]
            winners = {did: winners[did] for did in only if did in winners}
        wanted = {
            did: good for did, (_, good) in winners.items() if self.include_drafts or good.summary.status == "published"
        }
        for did in [d for d in (only if only is not None else self._indexed) if d in self._indexed and d not in wanted]:
            db.drop_text(did)
            del self._indexed[did]
        for did, good in wanted.items():
            ver = good.record.ver
            if self._indexed.get(did) == ver:
                continue
            blob = db.detail(ver)
            if blob is None:  # pragma: no cover - only if the cache file was tampered with
                continue
            dialogue = unpack(blob)
            db.put_text(did, ver, good.summary.date, text_fields(dialogue), text_items(dialogue))
            self._indexed[did] = ver

    def _refresh_registry(self, report: LoadReport) -> None:
        # compile and pack are imported only where used: a registry served from the cache needs no pydantic
        from bot.index.cachedb import is_racy

        registry_path = self.directory / REGISTRY_FILE
        reg_stamp = stamp(registry_path)
        if reg_stamp == self._registry[0]:
            return
        if reg_stamp is None:
            self._registry = (None, None)
            report.changed = True
            self._registry_changed = True
            return
        db = self._db
        assert db is not None
        # a cache being built holds no registry yet (and its connection is busy)
        cached = db.get_meta("registry") if self._registry[0] is None and self._index_job is None else None
        if cached is not None:
            size, mtime_ns, racy, digest, data = cached
            same = (size, mtime_ns) == (reg_stamp.size, reg_stamp.mtime_ns)
            if same and racy:
                from bot.index.compile import content_digest

                try:
                    same = content_digest(registry_path.read_bytes()) == digest
                except OSError:
                    same = False
            if same:
                self._registry = (reg_stamp, functools.cache(lambda: _unpack_registry(data)))  # pydantic when needed
                report.changed = True
                self._registry_changed = True
                return
        from bot.briefs.parsing import parse_registry  # here: a registry served from the cache needs no YAML parser

        registry, errors = parse_registry(registry_path)
        report.errors.extend(errors)
        if registry is None:  # keep the last good registry
            return
        self._registry = (reg_stamp, registry)
        report.changed = True
        self._registry_changed = True
        if not errors:
            from bot.index.compile import content_digest
            from bot.index.pack import pack_registry

            try:
                digest = content_digest(registry_path.read_bytes())
            except OSError:
                return
            racy = is_racy(reg_stamp.mtime_ns)
            saved = marshal.dumps((reg_stamp.size, reg_stamp.mtime_ns, racy, digest, pack_registry(registry)))
            self._save_later("registry", lambda db: db.put_meta_marshalled("registry", saved))
            # served from those bytes, the models unpacked again when first needed: ~20 MB less at 50,000 briefs
            # while a first load holds every file's state (unpack(pack(r)) == r, see bot.index.pack)
            self._registry = (reg_stamp, functools.cache(lambda: _unpack_registry(marshal.loads(saved)[4])))

    def _check_duplicate_ids(self) -> list[BriefError]:
        if len(self._winners()) == len(self._good):
            return []
        errors: list[BriefError] = []
        crowded = self._ids.crowded() if isinstance(self._ids, Ids) else self._ids.items()
        for did, names in sorted(crowded):
            if len(names) < 2:
                continue
            served = self._win[did][0]
            for name in sorted(n for n in names if n != served):
                errors.append(duplicate_error(self.directory / name, did, self.directory / served))
        return errors

    # ----- the start snapshot (bot.index.snapshot) ------------------------------------------------------------

    def _serve_snapshot(
        self, listing: Listing, problems: list[BriefError], saved: Snapshot | None = None
    ) -> LoadReport | None:
        """Serve a first load from the start snapshot if the folder is exactly as it describes; else None.

        Nothing is read per file: the folder's listing is compared with the snapshot's, and each summary is read from
        the cache when a question needs it. Known broken files report their cached errors as always. saved: the
        snapshot just written (not read back: its lists share the strings this process holds already).
        """
        from bot.index.snapshot import LazySummaries, read

        db = self._db
        assert db is not None
        snap = saved if saved is not None else read(db)
        if snap is None or not snap.matches(listing):
            return None
        if self.settle:  # a file still settling is not served by a first load: that takes the file-by-file path
            newest = max(listing.stamps[1::2], default=0)
            if self.clock() - newest < int(self.settle * 1e9):
                return None
        report = LoadReport(errors=problems)
        if snap.bad:
            known = db.bad_files()
            stamps = listing.as_dict()
            for name in snap.bad:
                found, st = known.get(name), FileStamp(*stamps[name])
                if found is None or found[0].racy or (found[0].size, found[0].mtime_ns) != st:
                    self._bad.clear()
                    return None  # a broken file whose record needs its content checked: the file-by-file path
                self._bad[name] = (st, found[0].digest, found[1])
                report.errors.extend(found[1])
        for name, did, served in snap.duplicates:
            report.errors.append(duplicate_error(self.directory / name, did, self.directory / served))
        names = dict(zip(snap.win_dids, snap.win_names, strict=True))
        versions = dict(zip(snap.win_dids, snap.vers, strict=True))
        summaries = LazySummaries(db, names, frozenset(snap.drafts), self._details_lock)
        self._served = (summaries, versions, names)
        self._lean = snap
        self._base = None
        self._vtag = snap.vtag
        report.reused = snap.n_good
        report.changed = bool(snap.n_good)
        self._refresh_registry(report)
        return report

    def _lean_unchanged(self, lean: Snapshot, names: set[str] | None) -> LoadReport | None:
        """Return the report of a reload that finds the folder (or the named files) as the snapshot describes it,
        as the file-by-file path would make it; None when something changed (or may have: a file not listed)."""
        report = LoadReport()
        if names is None:
            if not lean.matches(_list_folder(self.directory, report.errors)):
                return None
            names = set(self._bad)
            report.reused = lean.n_good
        else:
            base = self._base_of(lean)
            for name in names:
                if name.startswith(".") or name == REGISTRY_FILE or not name.endswith(BRIEF_SUFFIXES):
                    continue
                known = base.stamp(name)
                if known is None or _regular_stamp(self.directory / name) != known:
                    return None
                report.reused += name not in self._bad
        for name in sorted(names):
            if name in self._bad:
                report.errors.extend(self._bad[name][2])
        for name, did, served in lean.duplicates:
            report.errors.append(duplicate_error(self.directory / name, did, self.directory / served))
        self._refresh_registry(report)
        if report.changed:  # the registry changed: a new catalog, the files as they are
            self._catalog = self._build_catalog()
        return report

    def _base_of(self, lean: Snapshot) -> Base:
        """Return the start snapshot's files by name (made once, when a reload first needs them)."""
        if self._base is None:
            assert self._served is not None
            self._base = Base(lean, self._served[1], self._served[2])
        return self._base

    def _overlay(self) -> bool:
        """Lay the per-file state (_good, _ids, _win, _indexed) over the start snapshot served, so that a reload
        changes it file by file and reads the records of those files alone (see bot.index.overlay); False (state
        reset) if the cache no longer holds the state the snapshot describes (another process wrote it)."""
        from bot.index.overlay import indexed, winners
        from bot.index.snapshot import data_version, read

        lean, db, catalog = self._lean, self._db, self._catalog
        assert lean is not None and db is not None and catalog is not None
        self._lean = None
        if data_version(db) != self._data_version and read(db) != lean:
            self._forget_state()
            return False
        base = self._base_of(lean)
        _ = catalog._folded_titles  # read now: the first write drops them from the cache
        good = GoodFiles(base, self._read_good)
        self._good, self._ids, self._win = good, Ids(base), winners(base, good)
        self._indexed = indexed(base, self.include_drafts)
        return True

    def _read_good(self, name: str) -> _Good:
        """Return the served entry of a file as the start snapshot serves it, from its row in the cache (raise
        StateLost if the row holds another version: see bot.index.overlay)."""
        db, base = self._db, self._base
        assert db is not None and base is not None
        with self._details_lock:
            found = db.file_entry(name)
        if found is None or found[0][:2] != base.stamp(name) or found[0].racy or found[1].id != base.did(name):
            raise StateLost(name)
        return _Good(*found)

    def _pin(self, names: Iterable[str]) -> None:
        """Read the served entries of these files (and of the files winning their ids) before their rows change: the
        overlay reads a file's start entry from its row (see bot.index.overlay), and the catalog being replaced keeps
        answering with the summaries it served."""
        good = self._good
        if not isinstance(good, GoodFiles):
            return
        served = self._served[0] if self._served is not None else None
        for name in names:
            did = good.base_did(name)
            if did is None:
                continue
            good[name]  # read, and so kept
            if did in self._win:
                won = self._win[did][1]
                if isinstance(served, LazySummaries):
                    served.hold(did, won.summary)

    def _forget_state(self) -> None:
        """Drop the per-file state and the catalog (a first load follows)."""
        self._good, self._ids, self._win, self._indexed = {}, {}, {}, {}
        self._touched = set()
        self._bad.clear()
        self._served = None
        self._catalog = None
        self._lean = None
        self._base = None

    def _harden(self) -> None:
        """Read every summary the catalog reads on demand into memory (before the cache closes)."""
        served, catalog = self._served, self._catalog
        if served is None or catalog is None or not isinstance(served[0], LazySummaries):
            return
        summaries = served[0].every()
        self._served = (summaries, served[1], served[2])
        catalog.harden(summaries)

    def _save_snapshot(self, report: LoadReport) -> Snapshot | None:
        """Save the start snapshot of a first load that checked every file (not while some record is racy or some
        file is settling: the next start must check those again), unless another process wrote meanwhile; return
        it (None when not saved)."""
        from bot.index.cachedb import is_racy
        from bot.index.snapshot import Snapshot, data_version, write
        from bot.index.sql import sqlite3

        db, catalog, listing = self._db, self._catalog, self._first_listing
        self._first_listing = None
        if db is None or catalog is None or listing is None or not db.persistent or db.building is not None:
            return None
        if report.pending or self._unsettled or self._served is None:
            return None
        now = time.time_ns()
        good, bad, stamps = self._good, self._bad, listing.stamps
        if len(listing.names) != len(good) + len(bad):
            return None
        for i, name in enumerate(listing.names):  # every file listed is served or broken, as recorded, and not racy
            size, mtime_ns = stamps[2 * i], stamps[2 * i + 1]
            entry = good.get(name)
            if entry is not None:
                if entry.record.racy or entry.record.size != size or entry.record.mtime_ns != mtime_ns:
                    return None
            elif name not in bad or bad[name][0] != (size, mtime_ns) or is_racy(mtime_ns, now):
                return None
        win = self._win
        duplicates = [
            (name, did, win[did][0])
            for did, held in sorted(self._ids.items())
            if len(held) > 1
            for name in sorted(n for n in held if n != win[did][0])
        ]
        snap = Snapshot(
            listing.joined(),
            stamps.tobytes(),
            len(good),
            list(win),
            [name for name, _ in win.values()],
            [entry.record.ver for _, entry in win.values()],
            [did for did, (_, entry) in win.items() if entry.summary.status != "published"],
            list(catalog.ordered_ids()),
            sorted(bad),
            duplicates,
            self._vtag,
        )
        try:
            db.begin()
            try:
                saved = self._data_version is None or data_version(db) == self._data_version
                if saved:
                    write(db, snap, list(catalog._folded_titles))
            finally:
                db.commit()
        except sqlite3.OperationalError:  # busy: another process writes; a later start saves it
            log.debug("start snapshot not saved", exc_info=True)
            return None
        return snap if saved else None

    def _end_lean(self, listing: Listing, saved: Snapshot, problems: list[BriefError]) -> bool:
        """End a large first load as a start from the snapshot it just saved does: the per-file state (records,
        summaries, id maps) is let go, summaries are read on demand, and the people index is made now, from the
        participants in the cache, and saved as it is made (a first load's memory peak is then one of the two, not
        their sum).
        Return False (nothing changed) if the snapshot cannot be served."""
        if self._catalog is None or len(self._good) < LEAN_MIN_FILES:
            return False
        bad = self._bad
        self._bad = {}
        if self._serve_snapshot(listing, list(problems), saved) is None:  # pragma: no cover - it was just saved
            self._bad = bad
            return False
        self._good, self._ids, self._win, self._indexed = {}, {}, {}, {}
        self._catalog = None
        self._parts_memo.clear()
        self._one_pass = True
        self._defer_people = True
        try:
            catalog = self._build_catalog()
            db = self._db
            if catalog.people_deferred() and db is not None and db.persistent:
                # the saved index is not this one's: it is made and written a person at a time (see
                # Catalog.people_streamed), then read a key at a time as a warm start reads it
                from bot.index import people as saved_people

                db.begin()
                try:
                    saved_people.save(db, self._people_key(), catalog.people_streamed())
                except BaseException:
                    db.db.rollback()
                    raise
                db.commit()
                db.checkpoint()
                self._defer_people = False
                catalog = self._build_catalog()
            self._catalog = catalog
        finally:
            self._one_pass = False
            self._defer_people = False
        return True

    def _save_people(self) -> None:
        """Build and save the people index a first load deferred (when it could not end as a snapshot start)."""
        catalog = self._catalog
        if catalog is None or not catalog.people_deferred() or self._db is None:
            return
        snapshot = catalog.people_snapshot()  # built now, as a first load always has
        if self._db.persistent:
            from bot.index import people as saved_people

            key = self._people_key()
            self._save_later("people", lambda db: saved_people.save(db, key, snapshot))

    # ----- the catalog snapshot ---------------------------------------------------------------------------

    def _build_catalog(self) -> Catalog:
        from bot.index.snapshot import versions_tag
        from bot.index.text import TextIndex

        if self._lean is not None:
            return self._lean_catalog(self._lean)
        winners = self._winners()
        previous = self._catalog
        touched, self._touched = self._touched, set()
        served = self._served
        over = served is not None and isinstance(served[0], LazySummaries)  # over the start snapshot
        summaries: Mapping[str, Summary]
        if previous is not None and served is not None and (over or not self._registry_changed):
            # copy the previous snapshot's maps (a C-level copy) and change only the touched dialogues
            versions, files = dict(served[1]), dict(served[2])
            changes: dict[str, Summary | None] = {}
            for did in touched:
                won = winners.get(did)
                if won is None:
                    changes[did] = None
                    versions.pop(did, None)
                    files.pop(did, None)
                else:
                    changes[did], versions[did], files[did] = won[1].summary, won[1].record.ver, won[0]
            summaries = _changed(served[0], files, changes)
        else:
            summaries = {did: good.summary for did, (_, good) in winners.items()}
            versions = {did: good.record.ver for did, (_, good) in winners.items()}
            files = {did: name for did, (name, _) in winners.items()}
        self._served = (summaries, versions, files)
        assert self._db is not None
        text = TextIndex(self._db, versions)
        load = self._loader(versions, files)
        parts = self._parts_loader(summaries, versions)
        if previous is not None and not self._registry_changed:
            names = self._names_loader(summaries, versions)
            fields = self._fields_loader(summaries, versions)
            return previous.updated(summaries, load, text, parts, changed=touched, names=names, fields=fields)
        self._registry_changed = False
        self._vtag = versions_tag(versions)
        if previous is not None and over:  # a new registry over the start snapshot: the order moves for the touched
            ids, titles = previous.reordered(summaries, touched)
            return self._compiled_catalog(summaries, load, text, parts, order=ids, titles=lambda: titles)
        return self._compiled_catalog(summaries, load, text, parts)

    def _lean_catalog(self, snap: Snapshot) -> Catalog:
        """Return the catalog of a start from the snapshot: order and versions from it, summaries read on demand."""
        from bot.index.snapshot import read_titles
        from bot.index.text import TextIndex

        assert self._served is not None and self._db is not None
        summaries, versions, files = self._served
        db, lock = self._db, self._details_lock
        self._registry_changed = False
        return self._compiled_catalog(
            summaries,
            self._loader(versions, files),
            TextIndex(self._db, versions),
            self._parts_loader(summaries, versions),
            order=snap.order,
            titles=lambda: read_titles(db, lock),
        )

    def _compiled_catalog(
        self,
        summaries: Mapping[str, Summary],
        load: Callable[[str], Dialogue],
        text: TextIndex,
        parts: Callable[[str], tuple[PartRecord, ...]],
        **lean: Any,
    ) -> Catalog:
        """Return a new catalog, with the saved people index if it belongs to these versions and registry."""
        from bot.index import people as saved_people
        from bot.index.catalog import Catalog

        db = self._db
        assert db is not None
        key = self._people_key()
        # none in a cache being built
        saved = db.get_meta(saved_people.KEY) if self._index_job is None else None
        people = self._people_reader(key) if saved == key else None  # read on the first question about people
        if people is None and self._defer_people:
            people = Catalog.DEFERRED  # built once the first load lets go of its per-file state (see _end_lean)
        catalog = Catalog.compiled(
            summaries,
            load,
            self._registry[1],
            text,
            include_drafts=self.include_drafts,
            people=people,
            parts=parts,
            fields=self._fields_loader(summaries, text.versions or {}),
            **lean,
        )
        if people is None and db.persistent:
            snapshot = catalog.people_snapshot()
            self._save_later("people", lambda db: saved_people.save(db, key, snapshot))
        return catalog

    def _people_key(self) -> str:
        """Return the key of the people index of exactly the served versions and registry."""
        return hashlib.blake2b(f"{self._vtag}\0{self._registry[0]!r}".encode(), digest_size=16).hexdigest()

    def _people_reader(self, key: str) -> Callable[[], object]:
        """Return a function reading the saved people index of this key (None if it is gone or another's)."""
        db = self._db
        assert db is not None
        lock = self._details_lock

        def read() -> object:
            from bot.index.people import Stored, saved_generation

            with lock:
                gen = saved_generation(db, key)
            return None if gen is None else Stored(db, gen, lock)

        return read

    def _parts_loader(
        self, summaries: Mapping[str, Summary], versions: dict[str, str]
    ) -> Callable[[str], tuple[PartRecord, ...]]:
        """Return participant records by dialogue id: from a fresh compile if at hand, else from the cache."""
        from bot.index.records import parts_from_blob
        from bot.index.snapshot import is_lazy

        db = self._db
        assert db is not None
        memo = self._parts_memo
        in_memory = not is_lazy(summaries)  # summaries read on demand hold no participants
        ahead = _ReadAhead(db, self._lean.order, versions) if self._lean is not None else None

        def parts(did: str) -> tuple[PartRecord, ...]:
            mine = summaries[did].participants if in_memory else ()
            if mine:
                return mine
            ver = versions[did]
            found = memo.get(ver)
            if found is None:
                with self._details_lock:
                    blob = ahead.take(did) if ahead is not None and self._one_pass else None
                    found = db.participants(ver) if blob is None else parts_from_blob(blob)
                if self._one_pass:  # a people index being built reads each dialogue once: nothing to keep
                    return found
                if len(memo) > 4 * DETAIL_CACHE:
                    memo.clear()
                memo[ver] = found
            return found

        return parts

    def _names_loader(
        self, summaries: Mapping[str, Summary], versions: dict[str, str]
    ) -> Callable[[Iterable[str]], dict[str, tuple[str, ...]]]:
        """Return the participants' names of many dialogues at once (a reload re-indexing people who appear in
        hundreds of dialogues reads them in one query, building no participant record)."""
        from bot.index.snapshot import is_lazy

        db = self._db
        assert db is not None
        memo = self._parts_memo
        known = self._names_memo  # a version's names never change: the people of popular dialogues recur
        in_memory = not is_lazy(summaries)

        def names(dids: Iterable[str]) -> dict[str, tuple[str, ...]]:
            out: dict[str, tuple[str, ...]] = {}
            wanted: dict[str, str] = {}
            for did in dids:
                ver = versions[did]
                seen = known.get(ver)
                if seen is not None:
                    out[did] = seen
                    continue
                mine = summaries[did].participants if in_memory else ()
                found = mine or memo.get(ver)
                if found:
                    out[did] = tuple(p.name for p in found)
                else:
                    wanted[ver] = did
            if wanted:
                with self._details_lock:
                    read = db.participant_names(list(wanted))
                if len(known) + len(read) > 16 * DETAIL_CACHE:
                    known.clear()
                known.update(read)
                out.update((wanted[ver], found_names) for ver, found_names in read.items())
            return out

        return names

    def _fields_loader(self, summaries: Mapping[str, Summary], versions: Mapping[str, str]) -> Fields:
        """Return a reader of many dialogues' participants' affiliations and countries (flat), in the order asked: from
        the summaries in memory, else from the cache a batch of versions a query (no participant record is built,
        nothing is memoised: an index over every dialogue reads each once)."""
        from bot.index.snapshot import is_lazy

        db = self._db
        assert db is not None
        in_memory = not is_lazy(summaries)
        lock = self._details_lock

        def read(batch: list[str]) -> Iterator[tuple[str, tuple[str | None, ...]]]:
            if not batch:
                return iter(())
            with lock:
                found = db.participant_fields([versions[did] for did in batch])
            return ((did, found.get(versions[did], ())) for did in batch)

        def fields(dids: Iterable[str]) -> Iterator[tuple[str, tuple[str | None, ...]]]:
            batch: list[str] = []
            for did in dids:
                mine = summaries[did].participants if in_memory else ()
                if mine:
                    yield from read(batch)
                    batch = []
                    yield did, tuple(f for p in mine for f in (p.affiliation, p.country))
                    continue
                batch.append(did)
                if len(batch) >= FIELDS_BATCH:
                    yield from read(batch)
                    batch = []
            yield from read(batch)

        return fields

    def _loader(self, versions: dict[str, str], files: dict[str, str]) -> _Loader:
        assert self._db is not None
        return _Loader(self._db, self._details, self._details_lock, versions, files, self.directory)
