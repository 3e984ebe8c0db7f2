"""The cache file: one SQLite database (or an in-memory one) with the tables of compiled briefs and the FTS5 index.

A record is trusted only while its file's size and mtime_ns are unchanged (and, for a file modified within
RACY_NS of being recorded, while its content hash is unchanged), and only by the code version that wrote it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import marshal
import os
import pickle
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.errors import BriefError
from bot.index.records import (
    PartRecord,
    Summary,
    part_fields_from_blob,
    part_names_from_blob,
    parts_blob,
    parts_from_blob,
    summary_to_data,
)
from bot.index.rows import (
    CLASS_SHIFT,
    CLASSES,
    DATE_MASK,
    DATE_SHIFT,
    FIELD_SQL,
    KIND_SQL,
    ROW_TOP,
    SEQ_MASK,
    SLOT_MASK,
    SLOT_SHIFT,
    ItemGroup,
    ItemRow,
    PreparedRow,
    TextRow,
    date_key,
    group_items,
    plain_body,
    prepare_text,
    row_id,
    ungroup_items,
)
from bot.index.sql import sqlite3

if TYPE_CHECKING:
    from bot.index.compile import Compiled

log = logging.getLogger(__name__)

SCHEMA = 16  # 16: auto_vacuum=INCREMENTAL (caches made before cannot give free pages back)
FTS_BUILD_HASH_BYTES = 16 << 20
# a bulk write into an empty text index feeds it the rows of this many dialogues at a time, as they are written (see
# begin_bulk): a cold start's index is then built while the workers compile, not after them
FEED_DIALOGUES = 2000
FEED_MERGE_PAGES = 2000  # pages per step of the merges finished after the last feed (_finish_merges)
RACY_NS = 2_000_000_000  # a file modified this close to being recorded is re-checked by content hash
# the modules whose code shapes what the cache holds, by import name (a moved file is found where it now is)
CODE_MODULES = (
    "bot.briefs.models",
    "bot.briefs.keys",
    "bot.briefs.names",
    "bot.briefs.parsing",
    "bot.index.records",
    "bot.index.pack",
    "bot.index.squeeze",
    "bot.index.rows",
    "bot.index.compile",
    "bot.index.cachedb",
    "bot.index.catalog",
    "bot.index.store",
)


def code_version() -> str:
    """Return a hash of the code that shapes cached data and of the Python and marshal versions that wrote it."""
    h = hashlib.blake2b(f"schema {SCHEMA}\0{sys.version}\0marshal {marshal.version}".encode(), digest_size=12)
    for name in CODE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ImportError(f"{name} shapes the brief cache but cannot be found")
        h.update(f"\0{name}\0".encode())
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def default_cache_root() -> Path | None:
    """Return where caches live: $BRIEFBOT_CACHE_DIR, else $XDG_CACHE_HOME/briefbot; None when disabled."""
    if os.environ.get("BRIEFBOT_CACHE", "").lower() in {"0", "off", "no", "false"}:
        return None
    explicit = os.environ.get("BRIEFBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefbot"


def _remove_stale_builds(location: Path) -> None:
    """Delete temporary cache builds left by processes that died mid-build (and our own old one)."""
    for stray in location.parent.glob(f".{location.name}.*.tmp"):
        try:
            pid = int(stray.name.rsplit(".", 2)[-2])
            if pid != os.getpid():
                os.kill(pid, 0)  # raises if no such process
                continue
        except (ValueError, ProcessLookupError):
            pass
        except PermissionError:  # alive, someone else's
            continue
        stray.unlink(missing_ok=True)


class FileRecord(NamedTuple):
    """A cached file: its stamp, whether it was racy when recorded, its content hash and version key."""

    size: int
    mtime_ns: int
    racy: bool
    digest: str
    ver: str


PAGE_SIZE = 16384
_BODY = "CASE WHEN typeof(b.body) = 'blob' THEN plain_body(b.body) ELSE b.body END"  # a text as stored -> as is
MERGE_STEP_PAGES = 256  # pages per merge step: a few ms of writing, so a reload or a reader never waits long
RECLAIM_MIN_PAGES = 1024  # free pages (16 MB) worth giving back to the file system
RECLAIM_STEP_PAGES = 256  # free pages given back per step (incremental vacuum): a few ms, as a merge step


class CacheDB:
    """One SQLite file (or an in-memory database) holding compiled briefs and their FTS5 index."""

    def __init__(self, location: Path | None) -> None:
        self.location = location
        self.persistent = location is not None
        self.building: Path | None = None  # the temporary file a fresh cache is built in
        self.db = self._open(location)
        self._tokenizer = False
        self.bulk = False  # text rows go to the store only; end_bulk() then builds the index in row-id order
        self._staged: set[str] = set()  # dialogues written in bulk mode, their text not yet in the index
        self._empty_text = False  # bulk mode into an empty index: slots are counted in memory, nothing is dropped
        self._next_slot: dict[int, int] = {}  # date key -> the next free slot, in bulk mode
        # bulk mode into an empty index: dialogues written whose text is not yet in the index -> (date key, slot)
        self._unfed: dict[str, tuple[int, int]] = {}
        self._feed_table = False  # the temporary table of row-id spans _feed() indexes exists on this connection
        # a fed index whose term list was counted by feed_text(): later feeds add their own rows' counts to it
        self._counted = False
        self._summary_blobs: dict[str, bytes] | None = None  # summaries read by records(), kept for summaries()
        # participants written to a cache still being built, by version: read (once) from here while the background
        # text index build holds the connection (a cold start's people index reads them all meanwhile)
        self._fresh_parts: dict[str, bytes] = {}
        # a fresh cache's participants kept in memory for a people index built while its text index is (False: the
        # store builds that index only once the cache is finished, reading the table)
        self.keep_fresh_parts = True

    @staticmethod
    def _connect(target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        # the textstore view reads long texts through it (see rows.stored_body)
        db.create_function("plain_body", 1, plain_body, deterministic=True)
        db.execute("PRAGMA busy_timeout = 5000")
        return db

    def _open(self, location: Path | None) -> sqlite3.Connection:
        version = code_version()
        if location is not None:
            try:
                location.parent.mkdir(parents=True, exist_ok=True)
                if location.exists():
                    db = self._connect(str(location))
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute("PRAGMA synchronous = OFF")  # a disposable cache: a torn file is detected and rebuilt
                    row = None
                    try:
                        row = db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
                    except sqlite3.DatabaseError:
                        row = None
                    if row and row[0] == version:
                        return db
                    db.close()
                    for suffix in ("", "-wal", "-shm"):  # a cache from other code, or broken
                        Path(str(location) + suffix).unlink(missing_ok=True)
                # A fresh cache is built in a private file with no journal and moved into place by finish_fresh()
                # once complete: a crash mid-build leaves only a stray temporary file, never a cache that answers.
                self.building = location.with_name(f".{location.name}.{os.getpid()}.tmp")
                _remove_stale_builds(location)
                db = self._connect(str(self.building))
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("PRAGMA synchronous = OFF")
                self._create(db, version)
                return db
            except (OSError, sqlite3.Error) as exc:
                log.warning("brief cache unavailable at %s (%s); working in memory", location, exc)
                if self.building is not None:
                    self.building.unlink(missing_ok=True)
                    self.building = None
                self.location = None
                self.persistent = False
        db = self._connect(":memory:")
        self._create(db, version)
        return db

    @staticmethod
    def _create(db: sqlite3.Connection, version: str) -> None:
        """Create the tables.

        The text of each field is stored once, in textbody, keyed by its row id (see rows.row_id); its dialogue id
        and version are those of the textrows row its key's date and slot name. The view textstore joins the two
        (textbody first: every reader names row ids) and is the FTS5 table's external content.
        """
        # before the first table (a no-op on an existing file): 16 kB pages leave less of each page unused by 1-5 kB
        # blobs than 4 kB ones (a fresh cache 7% smaller); free pages can be given back later without a VACUUM (see
        # reclaim: a text index merge frees ~0.2 GB at 50,000 briefs, kept by the file otherwise)
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.executescript(
            f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE IF NOT EXISTS files(name TEXT PRIMARY KEY, size INT, mtime_ns INT, racy INT,
                digest TEXT, ver TEXT, summary BLOB);
            CREATE TABLE IF NOT EXISTS details(ver TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS bad(name TEXT PRIMARY KEY, size INT, mtime_ns INT, racy INT,
                digest TEXT, errors BLOB);
            CREATE TABLE IF NOT EXISTS parts(ver TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS textrows(did TEXT PRIMARY KEY, ver TEXT, datekey INT, slot INT);
            CREATE INDEX IF NOT EXISTS textrows_slot ON textrows(datekey, slot, did, ver);
            CREATE TABLE IF NOT EXISTS items(did TEXT, kind TEXT, data BLOB);
            CREATE UNIQUE INDEX IF NOT EXISTS items_key ON items(did, kind);
            -- kind, field and body without a declared type: stored as given (codes as integers, long texts as blobs)
            CREATE TABLE IF NOT EXISTS textbody(rowid INTEGER PRIMARY KEY, kind, ref INT, field, body, who TEXT);
            CREATE VIEW IF NOT EXISTS textstore AS SELECT b.rowid AS rowid, r.did AS did, {KIND_SQL} AS kind,
                b.ref AS ref, {FIELD_SQL} AS field, {_BODY} AS body, r.ver AS ver, b.who AS who
                FROM textbody b CROSS JOIN textrows r
                ON r.datekey = (({ROW_TOP} - b.rowid) >> {DATE_SHIFT}) & {DATE_MASK}
                AND r.slot = (({ROW_TOP} - b.rowid) >> {SLOT_SHIFT}) & {SLOT_MASK};
            CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(did UNINDEXED, kind UNINDEXED, ref UNINDEXED,
                field UNINDEXED, body, ver UNINDEXED, who, content='textstore', content_rowid='rowid',
                tokenize='unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE IF NOT EXISTS tv USING fts5vocab(t, 'row');
            -- docs: about how many rows hold the term (as of the build, or of its first rows since): plans, no answer
            CREATE TABLE IF NOT EXISTS terms(term TEXT PRIMARY KEY, docs INT) WITHOUT ROWID;
            COMMIT;
            """
        )
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))

    def finish_fresh(self) -> None:
        """Move a freshly built cache (committed) into place and reopen it in WAL mode."""
        if self.building is None or self.location is None:
            return
        self.db.close()
        if self.location.exists():
            # another process finished its build first and may be using it (and its -wal): keep that one; records
            # are keyed by content hash, so whatever it holds is checked like any cache
            self.building.unlink(missing_ok=True)
        else:
            for suffix in ("-wal", "-shm"):  # left over from a deleted cache file
                Path(str(self.location) + suffix).unlink(missing_ok=True)
            os.replace(self.building, self.location)
        self.building = None
        self._fresh_parts = {}
        self._tokenizer = self._feed_table = False  # temp tables went with the old connection
        self.db = self._connect(str(self.location))
        self.db.execute("PRAGMA synchronous = OFF")  # first: switching to WAL would otherwise sync the file
        self.db.execute("PRAGMA journal_mode = WAL")

    def abandon_fresh(self) -> None:
        """Throw away a fresh cache whose build failed; start again from an empty one."""
        if self.building is None:
            return
        self.db.close()
        self.building.unlink(missing_ok=True)
        self._tokenizer = self._feed_table = False
        self._fresh_parts = {}
        self.db = self._open(self.location)

    def close(self) -> None:
        """Close the database (a fresh cache never finished is deleted)."""
        self.db.close()
        if self.building is not None:
            self.building.unlink(missing_ok=True)

    def checkpoint(self) -> None:
        """Move what the write-ahead log holds into the database file and empty the log."""
        if self.persistent:
            with contextlib.suppress(sqlite3.OperationalError):  # busy: another process reads; a later one does it
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def records(self) -> dict[str, FileRecord]:
        """Return every cached file record by file name."""
        rows = self.db.execute("SELECT name, size, mtime_ns, racy, digest, ver, summary FROM files").fetchall()
        self._summary_blobs = {row[0]: row[6] for row in rows}  # for the summaries() call that follows
        return {row[0]: FileRecord(row[1], row[2], bool(row[3]), row[4], row[5]) for row in rows}

    def summaries(self, names: Iterable[str]) -> dict[str, Summary]:
        """Return the summaries of these cached files, without their participants (see participants())."""
        wanted = set(names)
        out: dict[str, Summary] = {}
        new = tuple.__new__
        loads = marshal.loads
        blobs, self._summary_blobs = self._summary_blobs, None  # read with the records: one pass over the table
        rows = blobs.items() if blobs is not None else self.db.execute("SELECT name, summary FROM files")
        for name, blob in rows:
            if name in wanted:
                head = loads(blob)
                out[name] = new(Summary, (*head[:5], (), head[5]))
        return out

    def file_entry(self, name: str) -> tuple[FileRecord, Summary] | None:
        """Return one cached file's record and summary (without participants), or None."""
        row = self.db.execute(
            "SELECT size, mtime_ns, racy, digest, ver, summary FROM files WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        head = marshal.loads(row[5])
        summary: Summary = tuple.__new__(Summary, (*head[:5], (), head[5]))
        return FileRecord(row[0], row[1], bool(row[2]), row[3], row[4]), summary

    def participant_names(self, vers: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Return the participants' names of these versions, in brief order (one query per 500 versions)."""
        return {ver: part_names_from_blob(blob) for ver, blob in self._part_blobs(vers)}

    def participant_fields(self, vers: Sequence[str]) -> dict[str, tuple[str | None, ...]]:
        """Return the participants' affiliation and country of these versions, flat and in brief order (one query
        per 500 versions), building no participant record."""
        return {ver: part_fields_from_blob(blob) for ver, blob in self._part_blobs(vers)}

    def participant_blobs(self, vers: Sequence[str]) -> dict[str, bytes]:
        """Return the participants blobs (parts_blob) of these versions by version (one query per 500)."""
        return dict(self._part_blobs(vers))

    def _part_blobs(self, vers: Sequence[str]) -> Iterator[tuple[str, bytes]]:
        """Yield (version, participants blob) of these versions (not copied from a fresh cache's blobs)."""
        rest: list[str] = []
        for ver in vers:
            blob = self._fresh_parts.get(ver)
            if blob is None:
                rest.append(ver)
            else:
                yield ver, blob
        for start in range(0, len(rest), 500):
            chunk = rest[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"SELECT ver, data FROM parts WHERE ver IN ({marks})", chunk)

    def participants(self, ver: str) -> tuple[PartRecord, ...]:
        """Return the participant records of one version."""
        # taken, not copied: the people index reads each once, and whatever reads one again reads the table
        blob = self._fresh_parts.pop(ver, None)
        if blob is None:
            row = self.db.execute("SELECT data FROM parts WHERE ver = ?", (ver,)).fetchone()
            if row is None:
                return ()
            blob = row[0]
        return parts_from_blob(blob)

    def get_meta(self, key: str) -> Any:
        """Return a marshalled value stored under key, or None."""
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        if row is None or not isinstance(row[0], bytes):
            return None
        try:
            return marshal.loads(row[0])
        except (EOFError, ValueError, TypeError):
            return None

    def put_meta(self, key: str, value: Any) -> None:
        """Store a marshallable value under key."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, marshal.dumps(value)))

    def put_meta_marshalled(self, key: str, blob: bytes) -> None:
        """Store a value marshalled already under key (read back by get_meta)."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, blob))

    def detail(self, ver: str) -> bytes | None:
        """Return the packed dialogue of a version."""
        row = self.db.execute("SELECT data FROM details WHERE ver = ?", (ver,)).fetchone()
        return row[0] if row else None

    def begin(self) -> None:
        """Start a write transaction."""
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the write transaction."""
        self.db.execute("COMMIT")

    def put_file(self, name: str, record: FileRecord, compiled: Compiled) -> None:
        """Record one compiled file (inside a transaction)."""
        head = summary_to_data(compiled.summary)[0]
        parts = compiled.parts if compiled.parts is not None else parts_blob(compiled.summary)
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
            (
                name,
                record.size,
                record.mtime_ns,
                int(record.racy),
                record.digest,
                record.ver,
                marshal.dumps(head),
            ),
        )
        if self.building is None:  # a cache being built has no error of this file: it is written once, either way
            self.db.execute("DELETE FROM bad WHERE name = ?", (name,))
        self.db.execute("INSERT OR IGNORE INTO details VALUES (?,?)", (record.ver, compiled.blob))
        self.db.execute("INSERT OR IGNORE INTO parts VALUES (?,?)", (record.ver, parts))
        if self.building is not None and self.keep_fresh_parts:
            self._fresh_parts[record.ver] = parts

    def set_stamp(self, name: str, record: FileRecord) -> None:
        """Update the stamp of a file whose content is unchanged."""
        self.db.execute(
            "UPDATE files SET size = ?, mtime_ns = ?, racy = ? WHERE name = ?",
            (record.size, record.mtime_ns, int(record.racy), name),
        )

    def drop_file(self, name: str) -> None:
        """Forget one file (its record or its errors)."""
        self.db.execute("DELETE FROM files WHERE name = ?", (name,))
        self.db.execute("DELETE FROM bad WHERE name = ?", (name,))

    def bad_files(self) -> dict[str, tuple[FileRecord, list[BriefError]]]:
        """Return every file recorded as failing, with its stamp and its errors, by file name."""
        rows = self.db.execute("SELECT name, size, mtime_ns, racy, digest, errors FROM bad").fetchall()
        return {row[0]: (FileRecord(row[1], row[2], bool(row[3]), row[4], ""), pickle.loads(row[5])) for row in rows}

    def put_bad(self, name: str, record: FileRecord, errors: list[BriefError]) -> None:
        """Record a file's errors (inside a transaction): an unchanged broken file is not parsed again."""
        self.db.execute("DELETE FROM files WHERE name = ?", (name,))
        self.db.execute(
            "INSERT OR REPLACE INTO bad VALUES (?,?,?,?,?,?)",
            (name, record.size, record.mtime_ns, int(record.racy), record.digest, pickle.dumps(errors)),
        )

    def text_versions(self) -> dict[str, str]:
        """Return the version of each dialogue id whose text is indexed."""
        return dict(self.db.execute("SELECT did, ver FROM textrows").fetchall())

    def put_text(
        self,
        did: str,
        ver: str,
        date: str | None,
        rows: Iterable[TextRow],
        items: Iterable[ItemRow] = (),
        prepared: Sequence[PreparedRow] | None = None,
        groups: Sequence[ItemGroup] | None = None,
    ) -> None:
        """Index (or re-index) the text of one dialogue and its display items (inside a transaction).

        Row ids encode (field class, event date, slot, field number) (rows.row_id), so a walk in ascending row-id
        order meets titles before bodies and, within a class, newer dialogues first, whenever the rows were written.
        A position's row also indexes its speakers' affiliation, country and role (column `who`), so a question
        "positions X by Iran" is one index query. The display items are stored one row per kind (group_items),
        with groups when the compile workers made them already. An item's version is its dialogue's in textrows.
        """
        items = list(items)
        if prepared is None:
            prepared = prepare_text(did, rows, items)
        key = date_key(date)
        slot = self._slot_for(did, key)
        base = (key << DATE_SHIFT) | (slot << SLOT_SHIFT)
        cur = self.db.cursor()
        top = ROW_TOP  # row_id(low | base), written out: a cold start makes ~2.3 million of them at 50,000 briefs
        cur.executemany(
            "INSERT INTO textbody VALUES (?,?,?,?,?,?)",
            [(top - (low | base), kind, ref, field, body, who) for low, kind, ref, field, body, who in prepared],
        )
        if self.bulk:  # the index is fed these rows later (_feed) or rebuilt by end_bulk()
            self._staged.add(did)
            if self._empty_text:
                self._unfed[did] = (key, slot)
                if len(self._unfed) >= FEED_DIALOGUES:
                    self._feed()
        else:
            batch = [
                (row_id(low | base), did, kind, ref, field, plain_body(body), ver, who)
                for low, kind, ref, field, body, who in prepared
            ]
            cur.executemany(
                "INSERT INTO t(rowid, did, kind, ref, field, body, ver, who) VALUES (?,?,?,?,?,?,?,?)", batch
            )
            self._add_terms(row[5] for row in batch)
        if groups is None:
            groups = group_items(items)
        cur.executemany("INSERT OR REPLACE INTO items VALUES (?,?,?)", [(did, kind, data) for kind, data in groups])
        self.db.execute("INSERT INTO textrows VALUES (?,?,?,?)", (did, ver, key, slot))

    def _slot_for(self, did: str, key: int) -> int:
        """Drop a dialogue's indexed text and return the slot its rows take under this date key."""
        if self._empty_text and did not in self._staged:  # a fresh index: nothing to drop, slots counted here
            slot = self._next_slot.get(key, 0)
            self._next_slot[key] = slot + 1
            return slot
        current = self.db.execute("SELECT datekey, slot FROM textrows WHERE did = ?", (did,)).fetchone()
        self.drop_text(did)
        if current is not None and current[0] == key:
            return int(current[1])
        used = {r[0] for r in self.db.execute("SELECT slot FROM textrows WHERE datekey = ?", (key,))}
        used.update(range(self._next_slot.get(key, 0)))
        return next(i for i in range(len(used) + 1) if i not in used)

    def drop_text(self, did: str) -> None:
        """Remove the indexed text of one dialogue."""
        row = self.db.execute("SELECT datekey, slot FROM textrows WHERE did = ?", (did,)).fetchone()
        if row:
            base = (row[0] << DATE_SHIFT) | (row[1] << SLOT_SHIFT)
            for cls in range(CLASSES):
                lo = (cls << CLASS_SHIFT) | base
                span = (row_id(lo | SEQ_MASK), row_id(lo))
                if not self.bulk or (did in self._staged and did not in self._unfed):  # in the index already
                    self.db.execute(
                        "INSERT INTO t(t, rowid, did, kind, ref, field, body, ver, who) SELECT 'delete', rowid, did,"
                        " kind, ref, field, body, ver, who FROM textstore WHERE rowid BETWEEN ? AND ?",
                        span,
                    )
                self.db.execute("DELETE FROM textbody WHERE rowid BETWEEN ? AND ?", span)
            if self._counted and did in self._staged and did not in self._unfed:
                # rows counted in the term list (empty before this write counted it) leave the index: it is counted
                # again at the end, from nothing, as a write that never counted it early does
                self.db.execute("DELETE FROM terms")
                self._counted = False
            self._staged.discard(did)
            self._unfed.pop(did, None)
            self.db.execute("DELETE FROM textrows WHERE did = ?", (did,))
            self.db.execute("DELETE FROM items WHERE did = ?", (did,))

    def begin_bulk(self) -> None:
        """Start writing many dialogues' text: rows go to textbody, and the index takes them in row-id order.

        An empty index is fed as the rows come, FEED_DIALOGUES dialogues at a time (_feed), so it is built while a cold
        start's workers compile; any other is rebuilt once by end_bulk(). A cold start sends rows newest first
        (predicted_date_key), so within each field class they are appended in row-id order and fill the pages densely.
        """
        self._staged = set()
        self._empty_text = self.db.execute("SELECT 1 FROM textrows LIMIT 1").fetchone() is None
        self._next_slot = {}
        self._unfed = {}
        self._counted = False
        self.bulk = True
        if self._empty_text:
            self._set_build_hash()
            self.db.execute("INSERT INTO t(t) VALUES ('delete-all')")

    def end_bulk(self) -> None:
        """Finish the text index of a bulk write (inside a transaction): feed it the last rows, or rebuild it."""
        if self.bulk:
            fed, counted = self._empty_text, self._counted
            if fed:
                self._feed()
                self._finish_merges()
            self.bulk = False
            self._counted = False
            self._staged = set()
            self._empty_text = False
            self._next_slot = {}
            self._unfed = {}
            if not fed:
                self._set_build_hash()
                # 'rebuild' would read every row through the textstore view; the index needs only the indexed columns
                self.db.execute("INSERT INTO t(t) VALUES ('delete-all')")
                self.db.execute(
                    f"INSERT INTO t(rowid, body, who) SELECT rowid, {_BODY}, who FROM textbody b ORDER BY rowid"
                )
            if not counted:
                self._count_terms()

    def _count_terms(self) -> None:
        """Set each indexed word's count of rows in the term list (a read of the whole index: ~0.7 s at 50,000)."""
        self.db.execute(
            "INSERT INTO terms SELECT term, doc FROM tv WHERE true ON CONFLICT(term) DO UPDATE SET docs = excluded.docs"
        )

    def feed_text(self) -> None:
        """Index the rows a bulk write into an empty index has written so far, now (it is otherwise fed every
        FEED_DIALOGUES dialogues) and finish the merges under way: a cold start calls it a few files before its end,
        so that end_bulk, which the load waits for, has only the last few to index and little to merge (~0.25 s to
        index at 10,000 briefs, up to ~0.9 s to merge at 50,000 otherwise)."""
        if self.bulk and self._empty_text:
            self._feed()
            self._finish_merges()
            # the term list counted now, while the workers compile; the last feeds add their rows' counts (_feed)
            if self.db.execute("SELECT 1 FROM terms LIMIT 1").fetchone() is None:  # nothing of an older index
                self._count_terms()
                self._counted = True

    def _set_build_hash(self) -> None:
        """Give the index a 16 MB buffer of pending data (default 1 MB): fewer segments to merge while it is built
        (a rebuild 1.9 -> 1.3 s at 10,000 briefs), for 20 MB more memory meanwhile."""
        with contextlib.suppress(sqlite3.OperationalError):  # an SQLite without the option builds all the same
            self.db.execute("INSERT INTO t(t, rank) VALUES ('hashsize', ?)", (FTS_BUILD_HASH_BYTES,))

    def _finish_merges(self) -> None:
        """Finish the merges of segments that feeding left under way (FTS5 automerge works a little at each write):
        a fed index is then read through as few segments as one pass leaves (4, not 12, at 50,000 briefs; every
        search and positions walk reads them all), for ~0.3 s at 50,000 briefs."""
        while True:
            before = self.db.total_changes
            self.db.execute("INSERT INTO t(t, rank) VALUES ('merge', ?)", (FEED_MERGE_PAGES,))
            if self.db.total_changes - before < 2:  # SQLite's documented test for "the merge did no work"
                return

    def _feed(self) -> None:
        """Index the text rows of the dialogues written since the last feed, in row-id order (one pass of FTS5 over
        their spans: an index takes rows fastest, and in fewest segments, in ascending row ids)."""
        if not self._unfed:
            return
        spans = []
        for key, slot in self._unfed.values():
            base = (key << DATE_SHIFT) | (slot << SLOT_SHIFT)
            for cls in range(CLASSES):
                lo = (cls << CLASS_SHIFT) | base
                spans.append((row_id(lo | SEQ_MASK), row_id(lo)))
        if not self._feed_table:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS feed(lo INTEGER PRIMARY KEY, hi INT)")
            self._feed_table = True
        self.db.execute("DELETE FROM temp.feed")
        self.db.executemany("INSERT INTO temp.feed VALUES (?,?)", spans)
        # the spans are walked in ascending order (their table's key), each through textbody's row ids: no sort
        self.db.execute(
            f"INSERT INTO t(rowid, body, who) SELECT b.rowid, {_BODY}, b.who FROM temp.feed r"
            " CROSS JOIN textbody b ON b.rowid BETWEEN r.lo AND r.hi ORDER BY r.lo"
        )
        self._unfed = {}
        if self._counted:  # the term list holds the rows fed before: add these rows' words
            self._tokenizer_tables()
            # one text per row, its words in either column: a row counts once for a word, as the index's vocabulary
            # counts it (speakers' words are marked, see rows.WHO_MARK; a space splits the two columns' words)
            self.db.execute(
                f"INSERT INTO temp.tok(body) SELECT {_BODY} || ' ' || coalesce(b.who, '') FROM temp.feed r"
                " CROSS JOIN textbody b ON b.rowid BETWEEN r.lo AND r.hi"
            )
            self.db.execute(
                "INSERT INTO terms SELECT term, doc FROM temp.tokv WHERE true"
                " ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs"
            )
            self.db.execute("DELETE FROM temp.tok")

    def merge_text_index(
        self, pages: int = MERGE_STEP_PAGES, lock: contextlib.AbstractContextManager[object] | None = None
    ) -> int:
        """Merge the text index into one segment, `pages` pages a step, on a connection of its own; return the steps.

        FTS5 'merge' with a negative N merges every level as 'optimize' does, but in steps: a bulk build leaves many
        segments, every query reads them all (compare's institute side 1.2-2.2 ms, under 1 ms merged), and the first
        small updates after a build would otherwise pay for the merge (0.6-1.1 s reloads). The steps run on their own
        connection (write-ahead log: readers on the main one keep their snapshot), each under `lock` if given.
        """
        if self.location is None or self.building is not None:
            return 0  # an in-memory index (a small folder) or a cache still being built
        db = self._connect(str(self.location))
        try:
            steps = 0
            while True:
                with lock or contextlib.nullcontext():
                    before = db.total_changes
                    db.execute("INSERT INTO t(t, rank) VALUES ('merge', ?)", (-pages,))
                    if db.total_changes - before < 2:  # SQLite's documented test for "the merge did no work"
                        return steps
                steps += 1
        finally:
            db.close()

    def free_pages(self) -> int:
        """Return how many pages of the cache file are free (kept by SQLite for reuse)."""
        return int(self.db.execute("PRAGMA freelist_count").fetchone()[0])

    def reclaim(
        self,
        lock: contextlib.AbstractContextManager[object] | None = None,
        min_pages: int = RECLAIM_MIN_PAGES,
        step: int = RECLAIM_STEP_PAGES,
    ) -> int:
        """Give the cache file's free pages back to the file system when there are at least min_pages of them, `step`
        pages a step (incremental vacuum) on a connection of its own, each under `lock`; return the pages given back.

        Readers on other connections keep their snapshot meanwhile (write-ahead log); the file shrinks at the
        checkpoint that ends it.
        """
        if self.location is None or self.building is not None:
            return 0
        db = self._connect(str(self.location))
        given = 0
        try:
            free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
            if free < min_pages or db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # 2: incremental
                return 0
            while free > 0:
                with lock or contextlib.nullcontext():
                    db.execute(f"PRAGMA incremental_vacuum({int(step)})").fetchall()
                    left = int(db.execute("PRAGMA freelist_count").fetchone()[0])
                if left >= free:  # pragma: no cover - nothing moved (another connection's transaction)
                    break
                given += free - left
                free = left
            with lock or contextlib.nullcontext(), contextlib.suppress(sqlite3.OperationalError):
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            return given
        finally:
            db.close()

    def _tokenizer_tables(self) -> None:
        """Make the temporary table that tokenizes texts as the index does, and its vocabulary, on this connection."""
        if not self._tokenizer:
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.tok USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
            )
            self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.tokv USING fts5vocab(temp, tok, 'row')")
            self._tokenizer = True

    def _add_terms(self, bodies: Iterable[str]) -> None:
        """Add the words of these texts, as the index tokenizes them, to the term list."""
        self._tokenizer_tables()
        self.db.executemany("INSERT INTO temp.tok(body) VALUES (?)", ((b,) for b in bodies))
        # a known word's count is left as the last build made it: a reload writes no row of the term list
        self.db.execute("INSERT OR IGNORE INTO terms SELECT term, doc FROM temp.tokv")
        self.db.execute("DELETE FROM temp.tok")

    def terms(self, prefix: str, limit: int) -> list[str]:
        """Return up to limit indexed words starting with prefix (words of deleted rows may linger)."""
        rows = self.db.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? LIMIT ?", (prefix, prefix + "\U0010ffff", limit)
        )
        return [r[0] for r in rows]

    def term_docs(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Return up to limit indexed words starting with prefix, in order, each with about how many rows hold it."""
        rows = self.db.execute(
            "SELECT term, docs FROM terms WHERE term >= ? AND term < ? LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit),
        )
        return [(term, docs or 0) for term, docs in rows]

    def items(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], tuple[str, bytes]]:
        """Return (version, data) of display items by (dialogue id, kind, ref)."""
        wanted = list(dict.fromkeys(keys))
        groups = list(dict.fromkeys((did, kind) for did, kind, _ in wanted))
        found: dict[tuple[str, str], tuple[str, dict[int, bytes]]] = {}
        for i in range(0, len(groups), 100):
            chunk = groups[i : i + 100]
            where = " OR ".join("(i.did = ? AND i.kind = ?)" for _ in chunk)  # one probe of items_key each
            rows = self.db.execute(
                f"SELECT i.did, i.kind, r.ver, i.data FROM items i JOIN textrows r ON r.did = i.did WHERE {where}",
                [x for key in chunk for x in key],
            )
            for did, kind, ver, data in rows:
                found[(did, kind)] = (ver, dict(ungroup_items(data)))
        out: dict[tuple[str, str, int], tuple[str, bytes]] = {}
        for did, kind, ref in wanted:
            group = found.get((did, kind))
            if group is not None and ref in group[1]:
                out[(did, kind, ref)] = (group[0], group[1][ref])
        return out

    def items_of(self, dids: Iterable[str], kind: str) -> list[tuple[str, int, str, bytes]]:
        """Return (dialogue id, ref, version, data) of the display items of one kind of these dialogues."""
        out: list[tuple[str, int, str, bytes]] = []
        for did in dict.fromkeys(dids):
            row = self.db.execute(
                "SELECT r.ver, i.data FROM items i JOIN textrows r ON r.did = i.did WHERE i.did = ? AND i.kind = ?",
                (did, kind),
            ).fetchone()
            if row is not None:
                out += [(did, ref, row[0], data) for ref, data in ungroup_items(row[1])]
        return out

    def vacuum_details(self) -> None:
        """Delete packed dialogues no file record refers to any more."""
        self.db.execute("DELETE FROM details WHERE ver NOT IN (SELECT ver FROM files)")

    def query_text(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        """Run a read query on the text index."""
        return self.db.execute(sql, params).fetchall()


def is_racy(mtime_ns: int, now_ns: int | None = None) -> bool:
    """Return whether a file was modified too recently for its mtime to tell later versions apart."""
    return (now_ns if now_ns is not None else time.time_ns()) - mtime_ns < RACY_NS


def version_key(name: str, digest: str) -> str:
    """Return the version key of a file's content."""
    return hashlib.blake2b(f"{name}\0{digest}".encode(), digest_size=10).hexdigest()
