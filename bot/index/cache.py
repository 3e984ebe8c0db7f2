"""The compiled brief cache: compact per-file records, packed dialogues and the FTS5 text index in one SQLite file.

A record is trusted only while its file's size and mtime_ns are unchanged (and, for a file modified within
RACY_NS of being recorded, while its content hash is unchanged), and only by the code version that wrote it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import marshal
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from bot.briefs.models import (
    Dialogue,
    Figure,
    Mention,
    Organizer,
    Participant,
    PeopleRegistry,
    Person,
    Position,
    Session,
    Source,
    normalize_name,
)
from bot.briefs.names import name_tokens, skeleton
from bot.errors import BriefError

log = logging.getLogger(__name__)

SCHEMA = 7
# speaker words are indexed as WHO_MARK + word: tokens of their own, so their lists hold positions only, not every
# mention of "iran" in the text
WHO_MARK = "zqw"
_PLAIN_WORDS = re.compile(r"[^\W_]+")
FTS_BUILD_HASH_BYTES = 16 << 20
RACY_NS = 2_000_000_000  # a file modified this close to being recorded is re-checked by content hash
_CODE_FILES = (
    "briefs/models.py",
    "briefs/parsing.py",
    "index/catalog.py",
    "index/store.py",
    "index/cache.py",
    "briefs/names.py",
)


class SpellingKeys(NamedTuple):
    """The lookup keys of one spelling of a name."""

    norm: str
    skel: str
    tokens: tuple[str, ...]


class PartRecord(NamedTuple):
    """What the people index needs of one participant, precomputed."""

    name: str
    honorific: str | None
    country: str | None
    person: str | None
    parts: tuple[str, ...]
    keys: SpellingKeys
    role: str | None = None
    affiliation: str | None = None


class Summary(NamedTuple):
    """The compact, always-in-memory part of one dialogue."""

    id: str
    title: str
    folded_title: str
    date: str | None
    status: str
    participants: tuple[PartRecord, ...]
    cite: tuple[str | None, str | None] = (None, None)  # the first source: label, URL


TextRow = tuple[str, int, str, str]  # kind, ref, field path, text
ItemRow = tuple[str, int, bytes]  # kind, ref, marshalled display data (see catalog.text_items)
PreparedRow = tuple[int, str, int, str, str, str]  # row-id class and field number, kind, ref, field, text, speakers


@functools.lru_cache(maxsize=1 << 16)
def spelling_keys(spelling: str) -> SpellingKeys:
    """Return the exact, transliteration and token keys of a spelling (as the people index uses them)."""
    skel = skeleton(spelling)
    return SpellingKeys(normalize_name(spelling), skel, tuple(sorted(name_tokens(spelling) | set(skel.split()))))


def summarize(dialogue: Dialogue) -> Summary:
    """Return the compact summary of a dialogue: identity, date, status and its participants' parts."""
    from bot.briefs.models import fold

    moderators = {normalize_name(m) for m in dialogue.moderators}
    moderators |= {normalize_name(s.moderator) for s in dialogue.sessions if s.moderator}
    speakers = {normalize_name(b) for pos in dialogue.positions for b in pos.by}
    parts: list[PartRecord] = []
    for p in dialogue.participants:
        keys = spelling_keys(p.name)
        # same rule as Dialogue.parts_of, with each name normalised once
        moderates = keys.norm in moderators
        roles = (("moderator",) if moderates else ()) + (("speaker",) if keys.norm in speakers or not moderates else ())
        parts.append(PartRecord(p.name, p.honorific, p.country, p.person, roles, keys, p.role, p.affiliation))
    cite = source_cite(dialogue)
    return Summary(
        dialogue.id, dialogue.title, fold(dialogue.title), dialogue.date, dialogue.status, tuple(parts), cite
    )


def source_cite(dialogue: Dialogue) -> tuple[str | None, str | None]:
    """Return the citation label and URL of a dialogue's first source."""
    source = dialogue.sources[0] if dialogue.sources else None
    if source is None:
        return (None, None)
    bits = [b for b in (source.publisher, source.author) if b]
    if source.published:
        bits.append(source.published.isoformat())
    return (", ".join(bits) or None, source.url)


def summary_to_data(summary: Summary) -> Any:
    """Return a summary as plain tuples (for marshal): head (id, title, folded, date, status, cite), parts."""
    parts = tuple((*p[:5], tuple(p.keys), p.role, p.affiliation) for p in summary.participants)
    return (*summary[:5], summary.cite), parts


def parts_from_data(parts: Any) -> tuple[PartRecord, ...]:
    """Rebuild participant records from plain tuples."""
    # tuple.__new__ skips the NamedTuple constructor's argument handling: 10,000 briefs x 8 people add up
    new = tuple.__new__
    return tuple(new(PartRecord, (*p[:5], new(SpellingKeys, p[5]), *p[6:])) for p in parts)


def summary_from_head(head: Any, parts: tuple[PartRecord, ...] = ()) -> Summary:
    """Rebuild a summary from its plain head tuple and (optionally) its participant records."""
    did, title, folded, date, status, cite = head
    summary: Summary = tuple.__new__(Summary, (did, title, folded, date, status, parts, cite))
    return summary


# ----- packed dialogues: validated data rebuilt without validating again ------------------------------------

_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Dialogue: {
        "organizers": Organizer,
        "participants": Participant,
        "sessions": Session,
        "positions": Position,
        "figures": Figure,
        "mentions": Mention,
        "sources": Source,
    },
}


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: f.get_default(call_default_factory=True) for name, f in cls.model_fields.items()}


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {
    c: _defaults(c)
    for c in (Dialogue, Organizer, Participant, Session, Position, Figure, Mention, Source, Person, PeopleRegistry)
}
_SET = object.__setattr__


def _make(cls: type[BaseModel], data: dict[str, Any]) -> Any:
    # What model_construct does for this plain, alias-free, frozen model family, without its per-field loop.
    values = dict(_DEFAULTS[cls])
    values.update(data)
    obj = cls.__new__(cls)
    _SET(obj, "__dict__", values)
    _SET(obj, "__pydantic_fields_set__", set(data))
    _SET(obj, "__pydantic_extra__", None)
    _SET(obj, "__pydantic_private__", None)
    return obj


def pack(dialogue: Dialogue) -> bytes:
    """Return the validated content of a dialogue as compact bytes."""
    data = dialogue.model_dump(exclude_unset=True)
    if "sources" in data:
        data["sources"] = tuple(
            {**s, "published": s["published"].isoformat()} if s.get("published") else s for s in data["sources"]
        )
    return marshal.dumps(data)


def unpack(blob: bytes) -> Dialogue:
    """Rebuild a dialogue packed by pack(), equal to the validated original."""
    data = marshal.loads(blob)
    for name, cls in _NESTED[Dialogue].items():
        items = data.get(name)
        if items:
            if cls is Source:
                items = tuple(
                    {**s, "published": dt.date.fromisoformat(s["published"])} if s.get("published") else s
                    for s in items
                )
            data[name] = tuple(_make(cls, item) for item in items)
    dialogue: Dialogue = _make(Dialogue, data)
    return dialogue


# ----- compiling one file (runs in worker processes on a cold start) ----------------------------------------


class Compiled(NamedTuple):
    """Everything the store keeps of one good brief file."""

    summary: Summary
    blob: bytes
    rows: tuple[TextRow, ...]  # empty when prepared holds them
    digest: str
    items: tuple[ItemRow, ...] = ()
    prepared: tuple[PreparedRow, ...] | None = None  # the text rows as put_text() writes them (see prepare_text)


def content_digest(raw: bytes) -> str:
    """Return the content hash used to verify racy cache records."""
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def compile_file(path: Path) -> tuple[Compiled | None, list[BriefError], str]:
    """Read, validate and compile one brief; return it (or its errors) and its content hash."""
    from bot.briefs.parsing import dialogue_from_data, read_yaml
    from bot.index.catalog import text_fields, text_items

    try:
        raw: bytes | None = path.read_bytes()
    except OSError:
        raw = None
    digest = content_digest(raw or b"")
    data, errors = read_yaml(path, raw=raw)  # None: read_yaml reports the read error
    if errors:
        return None, errors, digest
    dialogue, errors = dialogue_from_data(path, data)
    if dialogue is None:
        return None, errors, digest
    items = tuple(text_items(dialogue))
    prepared = prepare_text(dialogue.id, text_fields(dialogue), items)  # done here, in the workers, on a cold start
    return Compiled(summarize(dialogue), pack(dialogue), (), digest, items, prepared), [], digest


def compile_many(paths: Sequence[str]) -> list[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile a chunk of files (the unit of work of one worker process)."""
    out = []
    for shown in paths:
        compiled, errors, digest = compile_file(Path(shown))
        out.append((shown, compiled, errors, digest))
    return out


def _to_wire(item: tuple[str, Compiled | None, list[BriefError], str]) -> Any:
    """Return one compile result as plain tuples (marshal is several times faster than pickle both ways)."""
    import pickle

    shown, compiled, errors, digest = item
    if compiled is None:
        return (shown, None, pickle.dumps(errors), digest)
    head, parts = summary_to_data(compiled.summary)
    return (shown, (head, parts, compiled.blob, compiled.prepared, compiled.items), b"", digest)


def _from_wire(data: Any) -> tuple[str, Compiled | None, list[BriefError], str]:
    """Rebuild one compile result sent by _to_wire()."""
    import pickle

    shown, body, errors, digest = data
    if body is None:
        return shown, None, pickle.loads(errors), digest
    head, parts, blob, prepared, items = body
    summary = summary_from_head(head, parts_from_data(parts))
    return shown, Compiled(summary, blob, (), digest, items, prepared), [], digest


def worker_main() -> None:
    """Compile the chunks of files named on stdin (marshalled list of lists); stream one result chunk per chunk."""
    import gc
    import sys

    import bot.briefs.parsing
    import bot.index.catalog  # noqa: F401 - imported before the freeze below

    # a short-lived process whose data is acyclic: keep the collector off the imported modules and collect rarely
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    chunks: list[list[str]] = marshal.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    for chunk in chunks:
        data = marshal.dumps([_to_wire(item) for item in compile_many(chunk)])
        out.write(len(data).to_bytes(8, "little") + data)
        out.flush()
    out.write((0).to_bytes(8, "little"))
    out.flush()


def _read_chunk(stream: Any) -> Any:
    """Return the next chunk a worker wrote, or None at its end."""
    size = int.from_bytes(stream.read(8), "little")
    if size == 0:
        return None
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("short read from a compile worker")
    return marshal.loads(data)


def compile_parallel(
    paths: Sequence[str], workers: int, chunk_size: int = 32
) -> Iterator[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile files in worker processes (interpreters started afresh, so any caller is safe); yield the results
    in the order of paths (chunks are dealt to the workers in turn and read back in the same turn)."""
    import queue
    import subprocess
    import sys
    import threading

    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH")) if x)
    command = [sys.executable, "-c", "from bot.index.cache import worker_main; worker_main()"]
    chunks = list(iter_chunks(paths, chunk_size))
    outboxes: list[queue.Queue[list[tuple[str, Compiled | None, list[BriefError], str]] | None]] = []
    procs = []
    for i in range(workers):
        share = chunks[i::workers]
        outbox: queue.Queue[list[tuple[str, Compiled | None, list[BriefError], str]] | None] = queue.Queue()
        outboxes.append(outbox)
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        procs.append(proc)

        def feed(proc: subprocess.Popen[bytes] = proc, share: list[list[str]] = share, outbox: Any = outbox) -> None:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(marshal.dumps(share))
                proc.stdin.close()
                while (chunk := _read_chunk(proc.stdout)) is not None:
                    outbox.put([_from_wire(item) for item in chunk])
            except Exception:  # a dead worker: the caller compiles its remaining chunks in-process
                log.warning("a compile worker failed; finishing its files in-process")
            finally:
                outbox.put(None)

        threading.Thread(target=feed, daemon=True).start()
    failed = [False] * workers
    try:
        for i, chunk in enumerate(chunks):
            w = i % workers
            got = None if failed[w] else outboxes[w].get()
            if got is None or [item[0] for item in got] != chunk:
                failed[w] = True
                got = [(shown, *compile_file(Path(shown))) for shown in chunk]
            yield from got
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


_DATE_LINE = re.compile(rb"^date:[ \t]*[\"']?(\d{4}(?:-\d\d(?:-\d\d)?)?)[\"']?[ \t]*(?:#.*)?\r?$", re.MULTILINE)


def predicted_date_key(path: Path) -> int:
    """Return the date key a brief's top-level `date:` line most likely gives (0 if none is found in its head).

    Used only to order a cold start so that text rows arrive in row-id order; a wrong guess costs speed only.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return 0
    found = _DATE_LINE.search(head)
    return date_key(found.group(1).decode()) if found else 0


def code_version() -> str:
    """Return a hash of the code that shapes cached data, so a cache from other code is never used."""
    here = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(f"schema {SCHEMA}".encode(), digest_size=12)
    for name in _CODE_FILES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
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


def pack_registry(registry: PeopleRegistry) -> Any:
    """Return a people registry as plain data."""
    return tuple(p.model_dump(exclude_unset=True) for p in registry.people)


def unpack_registry(data: Any) -> PeopleRegistry:
    """Rebuild a registry packed by pack_registry()."""
    registry: PeopleRegistry = _make(PeopleRegistry, {"people": tuple(_make(Person, p) for p in data)})
    return registry


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
        self._summary_blobs: dict[str, bytes] | None = None  # summaries read by records(), kept for summaries()

    @staticmethod
    def _connect(target: str) -> sqlite3.Connection:
        db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
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
        db.executescript(
            """
            BEGIN;
            CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);
            CREATE TABLE IF NOT EXISTS files(name TEXT PRIMARY KEY, size INT, mtime_ns INT, racy INT,
                digest TEXT, ver TEXT, summary BLOB);
            CREATE TABLE IF NOT EXISTS details(ver TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS parts(ver TEXT PRIMARY KEY, data BLOB);
            CREATE TABLE IF NOT EXISTS textrows(did TEXT PRIMARY KEY, ver TEXT, datekey INT, slot INT);
            CREATE INDEX IF NOT EXISTS textrows_slot ON textrows(datekey, slot);
            CREATE TABLE IF NOT EXISTS items(did TEXT, kind TEXT, ref INT, ver TEXT, data BLOB);
            CREATE UNIQUE INDEX IF NOT EXISTS items_key ON items(did, kind, ref);
            CREATE TABLE IF NOT EXISTS textstore(rowid INTEGER PRIMARY KEY, did TEXT, kind TEXT, ref INT,
                field TEXT, body TEXT, ver TEXT, who TEXT);
            CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(did UNINDEXED, kind UNINDEXED, ref UNINDEXED,
                field UNINDEXED, body, ver UNINDEXED, who, content='textstore', content_rowid='rowid',
                tokenize='unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE IF NOT EXISTS tv USING fts5vocab(t, 'row');
            CREATE TABLE IF NOT EXISTS terms(term TEXT PRIMARY KEY) WITHOUT ROWID;
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
        self._tokenizer = False  # temp tables went with the old connection
        self.db = self._connect(str(self.location))
        self.db.execute("PRAGMA synchronous = OFF")  # first: switching to WAL would otherwise sync the file
        self.db.execute("PRAGMA journal_mode = WAL")

    def abandon_fresh(self) -> None:
        """Throw away a fresh cache whose build failed; start again from an empty one."""
        if self.building is None:
            return
        self.db.close()
        self.building.unlink(missing_ok=True)
        self._tokenizer = False
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

    def participants(self, ver: str) -> tuple[PartRecord, ...]:
        """Return the participant records of one version."""
        row = self.db.execute("SELECT data FROM parts WHERE ver = ?", (ver,)).fetchone()
        if row is None:
            return ()
        return parts_from_data(marshal.loads(row[0]))

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
        head, parts = summary_to_data(compiled.summary)
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
        self.db.execute("INSERT OR IGNORE INTO details VALUES (?,?)", (record.ver, compiled.blob))
        self.db.execute("INSERT OR IGNORE INTO parts VALUES (?,?)", (record.ver, marshal.dumps(parts)))

    def set_stamp(self, name: str, record: FileRecord) -> None:
        """Update the stamp of a file whose content is unchanged."""
        self.db.execute(
            "UPDATE files SET size = ?, mtime_ns = ?, racy = ? WHERE name = ?",
            (record.size, record.mtime_ns, int(record.racy), name),
        )

    def drop_file(self, name: str) -> None:
        """Forget one file."""
        self.db.execute("DELETE FROM files WHERE name = ?", (name,))

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
    ) -> None:
        """Index (or re-index) the text of one dialogue and its display items (inside a transaction).

        Row ids encode (field class, event date, slot, field number), so a walk in descending row-id order meets
        titles before bodies and, within a class, newer dialogues first, whenever the rows were written.
        A position's row also indexes its speakers' affiliation, country and role (column `who`), so a question
        "positions X by Iran" is one index query.
        """
        items = list(items)
        if prepared is None:
            prepared = prepare_text(did, rows, items)
        key = date_key(date)
        slot = self._slot_for(did, key)
        base = (key << DATE_SHIFT) | (slot << SLOT_SHIFT)
        cur = self.db.cursor()
        batch = [(low | base, did, kind, ref, field, body, ver, who) for low, kind, ref, field, body, who in prepared]
        cur.executemany("INSERT INTO textstore VALUES (?,?,?,?,?,?,?,?)", batch)
        if self.bulk:  # the index is rebuilt by end_bulk()
            self._staged.add(did)
        else:
            cur.executemany(
                "INSERT INTO t(rowid, did, kind, ref, field, body, ver, who) VALUES (?,?,?,?,?,?,?,?)", batch
            )
            self._add_terms(row[5] for row in batch)
        cur.executemany(
            "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?)",
            [(did, kind, ref, ver, data) for kind, ref, data in items],
        )
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
                span = (lo, lo | SEQ_MASK)
                if not self.bulk:
                    self.db.execute(
                        "INSERT INTO t(t, rowid, did, kind, ref, field, body, ver, who) SELECT 'delete', rowid, did,"
                        " kind, ref, field, body, ver, who FROM textstore WHERE rowid BETWEEN ? AND ?",
                        span,
                    )
                self.db.execute("DELETE FROM textstore WHERE rowid BETWEEN ? AND ?", span)
            self._staged.discard(did)
            self.db.execute("DELETE FROM textrows WHERE did = ?", (did,))
            self.db.execute("DELETE FROM items WHERE did = ?", (did,))

    def begin_bulk(self) -> None:
        """Start writing many dialogues' text: the index is rebuilt once, in row-id order, by end_bulk().

        Text rows go straight to textstore. A cold start sends them in date order (predicted_date_key), so within
        each field class they are appended in row-id order and fill the pages densely.
        """
        self._staged = set()
        self._empty_text = self.db.execute("SELECT 1 FROM textrows LIMIT 1").fetchone() is None
        self._next_slot = {}
        self.bulk = True

    def end_bulk(self) -> None:
        """Build the text index from the stored rows (inside a transaction)."""
        if self.bulk:
            self.bulk = False
            self._staged = set()
            self._empty_text = False
            self._next_slot = {}
            # a 16 MB buffer of pending index data (default 1 MB) means fewer segments to merge: rebuild 1.9 -> 1.3 s
            # at 10,000 briefs, for 20 MB more memory while it runs
            with contextlib.suppress(sqlite3.OperationalError):  # an SQLite without the option builds all the same
                self.db.execute("INSERT INTO t(t, rank) VALUES ('hashsize', ?)", (FTS_BUILD_HASH_BYTES,))
            self.db.execute("INSERT INTO t(t) VALUES ('rebuild')")
            self.db.execute("INSERT OR IGNORE INTO terms SELECT term FROM tv")

    def _add_terms(self, bodies: Iterable[str]) -> None:
        """Add the words of these texts, as the index tokenizes them, to the term list."""
        if not self._tokenizer:
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.tok USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
            )
            self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.tokv USING fts5vocab(temp, tok, 'row')")
            self._tokenizer = True
        self.db.executemany("INSERT INTO temp.tok(body) VALUES (?)", ((b,) for b in bodies))
        self.db.execute("INSERT OR IGNORE INTO terms SELECT term FROM temp.tokv")
        self.db.execute("DELETE FROM temp.tok")

    def terms(self, prefix: str, limit: int) -> list[str]:
        """Return up to limit indexed words starting with prefix (words of deleted rows may linger)."""
        rows = self.db.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? LIMIT ?", (prefix, prefix + "\U0010ffff", limit)
        )
        return [r[0] for r in rows]

    def items(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], tuple[str, bytes]]:
        """Return (version, data) of display items by (dialogue id, kind, ref)."""
        out: dict[tuple[str, str, int], tuple[str, bytes]] = {}
        wanted = list(dict.fromkeys(keys))
        for i in range(0, len(wanted), 100):
            chunk = wanted[i : i + 100]
            where = " OR ".join("(did = ? AND kind = ? AND ref = ?)" for _ in chunk)  # one primary-key probe each
            rows = self.db.execute(
                f"SELECT did, kind, ref, ver, data FROM items WHERE {where}", [x for key in chunk for x in key]
            )
            for did, kind, ref, ver, data in rows:
                out[(did, kind, ref)] = (ver, data)
        return out

    def items_of(self, dids: Iterable[str], kind: str) -> list[tuple[str, int, str, bytes]]:
        """Return (dialogue id, ref, version, data) of the display items of one kind of these dialogues."""
        out: list[tuple[str, int, str, bytes]] = []
        for did in dict.fromkeys(dids):
            out += self.db.execute(
                "SELECT did, ref, ver, data FROM items WHERE did = ? AND kind = ? ORDER BY ref", (did, kind)
            ).fetchall()
        return out

    def dialogue_items(self, did: str) -> tuple[str | None, list[tuple[str, int, str, bytes]]]:
        """Return the indexed text version of one dialogue and (kind, ref, version, data) of its display items."""
        rows = self.db.execute(
            "SELECT '', 0, ver, NULL FROM textrows WHERE did = ?1"
            " UNION ALL SELECT kind, ref, ver, data FROM items WHERE did = ?1",
            (did,),
        ).fetchall()
        if not rows or rows[0][0] != "":
            return None, rows
        return str(rows[0][2]), rows[1:]

    def vacuum_details(self) -> None:
        """Delete packed dialogues no file record refers to any more."""
        self.db.execute("DELETE FROM details WHERE ver NOT IN (SELECT ver FROM files)")

    def query_text(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        """Run a read query on the text index."""
        return self.db.execute(sql, params).fetchall()


# ----- text row ids: class (3 bits) | date (27 bits) | slot (19 bits) | field number (14 bits) ---------------

CLASSES = 5
CLASS_SHIFT = 60
DATE_SHIFT = 33
SLOT_SHIFT = 14
SEQ_MASK = (1 << SLOT_SHIFT) - 1
CLASS_HEAD, CLASS_SESSION_TITLE, CLASS_SESSION, CLASS_POSITION, CLASS_REST = 4, 3, 2, 1, 0


def prepare_text(did: str, rows: Iterable[TextRow], items: Iterable[ItemRow]) -> tuple[PreparedRow, ...]:
    """Return a dialogue's text rows with the date-free part of their row ids and their speakers' words."""
    who: dict[int, str] = {}
    for kind, ref, data in items:
        if kind == "position":
            hay = " ".join(hay for _, index, _, hay in marshal.loads(data)[3] if index >= 0 and hay)
            who[ref] = " ".join(WHO_MARK + w for w in _PLAIN_WORDS.findall(hay))
    out: list[PreparedRow] = []
    for seq, (kind, ref, field, body) in enumerate(rows):
        if seq > SEQ_MASK:
            log.warning("dialogue %s has more than %d text fields; the rest are not indexed", did, SEQ_MASK + 1)
            break
        low = (field_class(kind, field) << CLASS_SHIFT) | seq
        out.append((low, kind, ref, field, body, who.get(ref, "") if kind == "position" else ""))
    return tuple(out)


def field_class(kind: str, field: str) -> int:
    """Return the class of a text field: titles and topics rank first, then session titles, bodies, the rest."""
    if kind in ("title", "topic"):
        return CLASS_HEAD
    if kind == "session":
        return CLASS_SESSION_TITLE if field.endswith(".title") else CLASS_SESSION
    if kind == "position":
        return CLASS_POSITION
    return CLASS_REST


def date_key(date: str | None) -> int:
    """Return an event date as an integer that sorts like the text (2025 < 2025-07 < 2025-07-29; none = 0)."""
    if not date:
        return 0
    bits = [*date.split("-"), "0", "0"][:3]
    try:
        year, month, day = (int(b) for b in bits)
    except ValueError:
        return 0
    return max(0, min(year, 9999)) * 10000 + month * 100 + day


def is_racy(mtime_ns: int, now_ns: int | None = None) -> bool:
    """Return whether a file was modified too recently for its mtime to tell later versions apart."""
    return (now_ns if now_ns is not None else time.time_ns()) - mtime_ns < RACY_NS


def version_key(name: str, digest: str) -> str:
    """Return the version key of a file's content."""
    return hashlib.blake2b(f"{name}\0{digest}".encode(), digest_size=10).hexdigest()


def iter_chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """Yield successive chunks of items."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
