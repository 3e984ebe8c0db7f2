"""The compiled brief cache: compact per-file records, packed dialogues and the FTS5 text index in one SQLite file.

A record is trusted only while its file's size and mtime_ns are unchanged (and, for a file modified within
RACY_NS of being recorded, while its content hash is unchanged), and only by the code version that wrote it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import marshal
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from bot.errors import BriefError
from bot.models import (
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
from bot.names import name_tokens, skeleton

log = logging.getLogger(__name__)

SCHEMA = 4
RACY_NS = 2_000_000_000  # a file modified this close to being recorded is re-checked by content hash
_CODE_FILES = ("models.py", "parsing.py", "catalog.py", "store.py", "cache.py", "names.py")


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


class Summary(NamedTuple):
    """The compact, always-in-memory part of one dialogue."""

    id: str
    title: str
    folded_title: str
    date: str | None
    status: str
    participants: tuple[PartRecord, ...]


TextRow = tuple[str, int, str, str]  # kind, ref, field path, text


def spelling_keys(spelling: str) -> SpellingKeys:
    """Return the exact, transliteration and token keys of a spelling (as the people index uses them)."""
    skel = skeleton(spelling)
    return SpellingKeys(normalize_name(spelling), skel, tuple(sorted(name_tokens(spelling) | set(skel.split()))))


def summarize(dialogue: Dialogue) -> Summary:
    """Return the compact summary of a dialogue: identity, date, status and its participants' parts."""
    from bot.models import fold

    moderators = {normalize_name(m) for m in dialogue.moderators}
    moderators |= {normalize_name(s.moderator) for s in dialogue.sessions if s.moderator}
    speakers = {normalize_name(b) for pos in dialogue.positions for b in pos.by}
    parts: list[PartRecord] = []
    for p in dialogue.participants:
        keys = spelling_keys(p.name)
        # same rule as Dialogue.parts_of, with each name normalised once
        moderates = keys.norm in moderators
        roles = (("moderator",) if moderates else ()) + (("speaker",) if keys.norm in speakers or not moderates else ())
        parts.append(PartRecord(p.name, p.honorific, p.country, p.person, roles, keys))
    return Summary(dialogue.id, dialogue.title, fold(dialogue.title), dialogue.date, dialogue.status, tuple(parts))


def summary_to_data(summary: Summary) -> Any:
    """Return a summary as plain tuples (for marshal)."""
    return (*summary[:5], tuple((*p[:5], tuple(p.keys)) for p in summary.participants))


def summary_from_data(data: Any) -> Summary:
    """Rebuild a summary from plain tuples."""
    # tuple.__new__ skips the NamedTuple constructor's argument handling: 10,000 briefs x 8 people add up
    new = tuple.__new__
    did, title, folded, date, status, parts = data
    people = tuple(new(PartRecord, (*p[:5], new(SpellingKeys, p[5]))) for p in parts)
    summary: Summary = new(Summary, (did, title, folded, date, status, people))
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
    rows: tuple[TextRow, ...]
    digest: str


def content_digest(raw: bytes) -> str:
    """Return the content hash used to verify racy cache records."""
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def compile_file(path: Path) -> tuple[Compiled | None, list[BriefError], str]:
    """Read, validate and compile one brief; return it (or its errors) and its content hash."""
    from bot.catalog import text_fields
    from bot.parsing import dialogue_from_data, read_yaml

    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    digest = content_digest(raw)
    data, errors = read_yaml(path)
    if errors:
        return None, errors, digest
    dialogue, errors = dialogue_from_data(path, data)
    if dialogue is None:
        return None, errors, digest
    rows = tuple(text_fields(dialogue))
    return Compiled(summarize(dialogue), pack(dialogue), rows, digest), [], digest


def compile_many(paths: Sequence[str]) -> list[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile a chunk of files (the unit of work of one worker process)."""
    out = []
    for shown in paths:
        compiled, errors, digest = compile_file(Path(shown))
        out.append((shown, compiled, errors, digest))
    return out


def worker_main() -> None:
    """Compile the files named on stdin (a pickled list) and stream pickled result chunks to stdout."""
    import pickle
    import sys

    paths: list[str] = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    for chunk in iter_chunks(paths, 32):
        pickle.dump(compile_many(chunk), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
    pickle.dump(None, out)
    out.flush()


def compile_parallel(
    paths: Sequence[str], workers: int
) -> Iterator[tuple[str, Compiled | None, list[BriefError], str]]:
    """Compile files in worker processes (interpreters started afresh, so any caller is safe); yield results."""
    import pickle
    import queue
    import subprocess
    import sys
    import threading

    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH")) if x)
    command = [sys.executable, "-c", "from bot.cache import worker_main; worker_main()"]
    results: queue.Queue[list[tuple[str, Compiled | None, list[BriefError], str]] | None] = queue.Queue()
    procs = []
    for i in range(workers):
        share = list(paths[i::workers])
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        procs.append(proc)

        def feed(proc: subprocess.Popen[bytes] = proc, share: list[str] = share) -> None:
            assert proc.stdin is not None and proc.stdout is not None
            try:
                pickle.dump(share, proc.stdin)
                proc.stdin.close()
                while (chunk := pickle.load(proc.stdout)) is not None:
                    results.put(chunk)
            except Exception:  # a dead worker: its remaining files are compiled by the caller
                log.warning("a compile worker failed; finishing its files in-process")
            finally:
                results.put(None)

        threading.Thread(target=feed, daemon=True).start()
    done = 0
    seen: set[str] = set()
    try:
        while done < workers:
            chunk = results.get()
            if chunk is None:
                done += 1
                continue
            for item in chunk:
                seen.add(item[0])
                yield item
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    for shown in paths:
        if shown not in seen:
            compiled, errors, digest = compile_file(Path(shown))
            yield shown, compiled, errors, digest


def code_version() -> str:
    """Return a hash of the code that shapes cached data, so a cache from other code is never used."""
    here = Path(__file__).resolve().parent
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
        self.db = self._open(location)

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
                for suffix in ("", "-wal", "-shm"):
                    Path(str(location) + suffix).unlink(missing_ok=True)
                db = self._connect(str(location))
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = OFF")  # a disposable cache: a torn file is detected and rebuilt
                self._create(db, version)
                return db
            except (OSError, sqlite3.Error) as exc:
                log.warning("brief cache unavailable at %s (%s); working in memory", location, exc)
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
            CREATE TABLE IF NOT EXISTS textrows(did TEXT PRIMARY KEY, ver TEXT, lo INT, hi INT);
            CREATE VIRTUAL TABLE IF NOT EXISTS t USING fts5(did UNINDEXED, kind UNINDEXED, ref UNINDEXED,
                field UNINDEXED, body, ver UNINDEXED, sortkey UNINDEXED, tokenize='unicode61 remove_diacritics 2');
            COMMIT;
            """
        )
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def records(self) -> dict[str, FileRecord]:
        """Return every cached file record by file name."""
        rows = self.db.execute("SELECT name, size, mtime_ns, racy, digest, ver FROM files")
        return {name: FileRecord(size, mtime, bool(racy), digest, ver) for name, size, mtime, racy, digest, ver in rows}

    def summaries(self, names: Iterable[str]) -> dict[str, Summary]:
        """Return the summaries of these cached files, without their participants (see participants())."""
        wanted = set(names)
        out: dict[str, Summary] = {}
        new = tuple.__new__
        for name, blob in self.db.execute("SELECT name, summary FROM files"):
            if name in wanted:
                out[name] = new(Summary, (*marshal.loads(blob), ()))
        return out

    def participants(self, ver: str) -> tuple[PartRecord, ...]:
        """Return the participant records of one version."""
        row = self.db.execute("SELECT data FROM parts WHERE ver = ?", (ver,)).fetchone()
        if row is None:
            return ()
        return summary_from_data(("", "", "", None, "", marshal.loads(row[0]))).participants

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
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
            (
                name,
                record.size,
                record.mtime_ns,
                int(record.racy),
                record.digest,
                record.ver,
                marshal.dumps(summary_to_data(compiled.summary)[:5]),
            ),
        )
        self.db.execute("INSERT OR IGNORE INTO details VALUES (?,?)", (record.ver, compiled.blob))
        self.db.execute(
            "INSERT OR IGNORE INTO parts VALUES (?,?)",
            (record.ver, marshal.dumps(summary_to_data(compiled.summary)[5])),
        )

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

    def put_text(self, did: str, ver: str, date: str | None, rows: Iterable[TextRow]) -> None:
        """Index (or re-index) the text of one dialogue (inside a transaction)."""
        self.drop_text(did)
        cur = self.db.cursor()
        lo = hi = None
        # equal BM25 scores rank the newer dialogue first (then field order): the sort key says which is newer
        sortkey = f"{date or ''}\0{did}"
        for kind, ref, field, body in rows:
            cur.execute(
                "INSERT INTO t(did, kind, ref, field, body, ver, sortkey) VALUES (?,?,?,?,?,?,?)",
                (did, kind, ref, field, body, ver, sortkey),
            )
            hi = int(cur.lastrowid or 0)
            lo = hi if lo is None else lo
        if lo is not None:
            self.db.execute("INSERT INTO textrows VALUES (?,?,?,?)", (did, ver, lo, hi))

    def drop_text(self, did: str) -> None:
        """Remove the indexed text of one dialogue."""
        row = self.db.execute("SELECT lo, hi FROM textrows WHERE did = ?", (did,)).fetchone()
        if row:
            self.db.execute("DELETE FROM t WHERE rowid BETWEEN ? AND ?", row)
            self.db.execute("DELETE FROM textrows WHERE did = ?", (did,))

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


def iter_chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    """Yield successive chunks of items."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
