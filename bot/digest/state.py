"""Digest delivery state: one SQLite file of targets, deliveries (intent -> posted), versions sent and runs."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


# ----- state ------------------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS targets (
    digest TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, initialised_at TEXT, disabled_at TEXT, disabled_reason TEXT,
    PRIMARY KEY (digest, target));
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, digest TEXT NOT NULL, target TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('intent', 'posted', 'failed', 'recorded')),
    parts TEXT NOT NULL, versions TEXT NOT NULL, done_parts INTEGER NOT NULL DEFAULT 0,
    message_ids TEXT NOT NULL DEFAULT '[]', items INTEGER NOT NULL DEFAULT 0, attempting INTEGER NOT NULL DEFAULT -1,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, outcome TEXT);
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries (status, digest);
CREATE TABLE IF NOT EXISTS sent (
    digest TEXT NOT NULL, target TEXT NOT NULL, brief_id TEXT NOT NULL, version TEXT NOT NULL,
    delivery_key TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (digest, target, brief_id));
CREATE TABLE IF NOT EXISTS snapshots (version TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS brief_versions (key TEXT PRIMARY KEY, scheme TEXT NOT NULL, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    digest TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL, last_run_at TEXT, last_outcome TEXT);
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One digest message set for one target, from intent to posted."""

    key: str
    digest: str
    target: str
    status: str
    parts: list[dict[str, Any]]
    versions: dict[str, str]
    done_parts: int
    attempting: int
    message_ids: list[str | None]
    items: int
    created_at: dt.datetime
    updated_at: dt.datetime
    outcome: str | None


@dataclass(frozen=True, slots=True)
class TargetState:
    """What the state store knows about one target of one digest."""

    digest: str
    target: str
    kind: str
    initialised_at: str | None
    disabled_at: str | None
    disabled_reason: str | None


def _ts(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class StateStore:
    """Delivery state in one SQLite file (WAL, synchronous=FULL), one connection per process."""

    def __init__(self, path: Path | str, clock: Clock = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an fsync per commit: a recorded post survives power loss
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def _tx(self) -> sqlite3.Connection:
        return self._db

    # targets
    def ensure_target(self, digest: str, target: str, kind: str) -> TargetState:
        """Register a target on first sight and return its state."""
        self._db.execute(
            "INSERT OR IGNORE INTO targets (digest, target, kind, first_seen_at) VALUES (?,?,?,?)",
            (digest, target, kind, _ts(self.clock())),
        )
        state = self.target(digest, target)
        assert state is not None
        return state

    def target(self, digest: str, target: str) -> TargetState | None:
        """Return a target's state, if known."""
        row = self._db.execute("SELECT * FROM targets WHERE digest=? AND target=?", (digest, target)).fetchone()
        if row is None:
            return None
        return TargetState(
            row["digest"], row["target"], row["kind"], row["initialised_at"], row["disabled_at"], row["disabled_reason"]
        )

    def targets(self, digest: str) -> list[TargetState]:
        """Return every known target of a digest."""
        rows = self._db.execute("SELECT target FROM targets WHERE digest=? ORDER BY target", (digest,)).fetchall()
        return [t for r in rows if (t := self.target(digest, r["target"])) is not None]

    def disable_target(self, digest: str, target: str, reason: str) -> None:
        """Stop posting to a target until it is enabled again, recording why."""
        self._db.execute(
            "UPDATE targets SET disabled_at=?, disabled_reason=? WHERE digest=? AND target=?",
            (_ts(self.clock()), reason, digest, target),
        )

    def enable_targets(self, digest: str) -> int:
        """Enable every disabled target of a digest again; return how many."""
        cur = self._db.execute(
            "UPDATE targets SET disabled_at=NULL, disabled_reason=NULL WHERE digest=? AND disabled_at IS NOT NULL",
            (digest,),
        )
        return cur.rowcount

    def delivered_versions(self, digest: str, target: str) -> dict[str, str] | None:
        """Return brief id -> version already delivered to a target, or None before its first digest."""
        state = self.target(digest, target)
        if state is None or state.initialised_at is None:
            return None
        cursor = self._db.cursor()
        cursor.row_factory = None  # plain tuples: 10,000 sqlite3.Row objects cost more than the query
        rows = cursor.execute("SELECT brief_id, version FROM sent WHERE digest=? AND target=?", (digest, target))
        return dict(rows)

    def keep_snapshots(self, snapshots: Mapping[str, str]) -> None:
        """Keep the snapshot of each brief version about to be delivered (content-addressed: repeats are no-ops)."""
        if snapshots:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR IGNORE INTO snapshots VALUES (?, ?)", list(snapshots.items()))

    def brief_versions(self, scheme: str) -> dict[str, str]:
        """Return the brief versions computed under this scheme, by the store's key of the file content."""
        cursor = self._db.cursor()
        cursor.row_factory = None
        return dict(cursor.execute("SELECT key, version FROM brief_versions WHERE scheme = ?", (scheme,)))

    def keep_brief_versions(self, scheme: str, versions: Mapping[str, str]) -> None:
        """Remember brief versions by content key (other schemes' rows are dropped: they can never match again)."""
        if versions:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("DELETE FROM brief_versions WHERE scheme != ?", (scheme,))
                rows = [(key, scheme, version) for key, version in versions.items()]
                self._db.executemany("INSERT OR REPLACE INTO brief_versions VALUES (?, ?, ?)", rows)

    def snapshots(self, versions: Iterable[str]) -> dict[str, str]:
        """Return the kept snapshots of these brief versions (versions delivered before they were kept: none)."""
        wanted = list(dict.fromkeys(versions))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self._db.execute(
                f"SELECT version, data FROM snapshots WHERE version IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update({r["version"]: r["data"] for r in rows})
        return out

    # deliveries
    def record_intent(
        self,
        key: str,
        digest: str,
        target: str,
        parts: Sequence[Mapping[str, Any]],
        versions: Mapping[str, str],
        items: int,
    ) -> Delivery:
        """Durably record what is about to be posted, before posting anything."""
        now = _ts(self.clock())
        self._db.execute(
            "INSERT INTO deliveries (key, digest, target, status, parts, versions, items, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (key, digest, target, "intent", json.dumps(list(parts)), json.dumps(dict(versions)), items, now, now),
        )
        delivery = self.delivery(key)
        assert delivery is not None
        return delivery

    def mark_attempt(self, key: str, index: int) -> None:
        """Record that part `index` is about to be sent (so a crash before this point is known to be harmless)."""
        self._db.execute(
            "UPDATE deliveries SET attempting=?, updated_at=? WHERE key=?", (index, _ts(self.clock()), key)
        )

    def mark_part(self, key: str, index: int, message_id: str | None) -> None:
        """Record that part `index` is posted (with the platform's message id when it gives one)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT message_ids FROM deliveries WHERE key=?", (key,)).fetchone()
            ids = json.loads(row["message_ids"])
            ids += [None] * (index + 1 - len(ids))
            ids[index] = message_id
            self._db.execute(
                "UPDATE deliveries SET done_parts=?, message_ids=?, updated_at=? WHERE key=?",
                (index + 1, json.dumps(ids), _ts(self.clock()), key),
            )

    def finish(self, key: str, outcome: str = "posted") -> None:
        """Mark a delivery posted and record its brief versions as delivered to its target, atomically."""
        delivery = self.delivery(key)
        assert delivery is not None
        now = _ts(self.clock())
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE deliveries SET status='posted', updated_at=?, outcome=? WHERE key=?", (now, outcome, key)
            )
            self._record_versions(delivery.digest, delivery.target, delivery.versions, key, now)

    def record_without_post(self, key: str, digest: str, target: str, versions: Mapping[str, str]) -> None:
        """Record versions as seen without posting (a first digest's older briefs when nothing is posted)."""
        now = _ts(self.clock())
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO deliveries (key, digest, target, status, parts, versions, created_at, updated_at, outcome)"
                " VALUES (?,?,?,'recorded','[]',?,?,?,'nothing to post; versions recorded')",
                (key, digest, target, json.dumps(dict(versions)), now, now),
            )
            self._record_versions(digest, target, versions, key, now)

    def _record_versions(self, digest: str, target: str, versions: Mapping[str, str], key: str, now: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO sent (digest, target, brief_id, version, delivery_key, at) VALUES (?,?,?,?,?,?)",
            [(digest, target, bid, ver, key, now) for bid, ver in versions.items()],
        )
        self._db.execute(
            "UPDATE targets SET initialised_at=COALESCE(initialised_at, ?) WHERE digest=? AND target=?",
            (now, digest, target),
        )

    def fail(self, key: str, outcome: str) -> None:
        """Give up on a delivery (its briefs stay undelivered and are composed again next time)."""
        self._db.execute(
            "UPDATE deliveries SET status='failed', outcome=?, updated_at=? WHERE key=?",
            (outcome, _ts(self.clock()), key),
        )

    def note(self, key: str, outcome: str) -> None:
        """Record the latest outcome of an unfinished delivery."""
        self._db.execute("UPDATE deliveries SET outcome=?, updated_at=? WHERE key=?", (outcome, _ts(self.clock()), key))

    def delivery(self, key: str) -> Delivery | None:
        """Return one delivery."""
        row = self._db.execute("SELECT * FROM deliveries WHERE key=?", (key,)).fetchone()
        return _delivery(row) if row else None

    def unfinished(self, digest: str | None = None) -> list[Delivery]:
        """Return deliveries recorded as intent but not yet posted, oldest first."""
        sql = "SELECT * FROM deliveries WHERE status='intent'"
        params: tuple[str, ...] = ()
        if digest is not None:
            sql += " AND digest=?"
            params = (digest,)
        return [_delivery(r) for r in self._db.execute(sql + " ORDER BY created_at", params).fetchall()]

    def last_delivery(self, digest: str, target: str) -> Delivery | None:
        """Return the latest delivery to a target, whatever its status."""
        row = self._db.execute(
            "SELECT * FROM deliveries WHERE digest=? AND target=? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (digest, target),
        ).fetchone()
        return _delivery(row) if row else None

    def deliveries(self, digest: str, target: str) -> list[Delivery]:
        """Return every delivery to a target, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM deliveries WHERE digest=? AND target=? ORDER BY created_at, rowid", (digest, target)
        ).fetchall()
        return [_delivery(r) for r in rows]

    # runs
    def first_seen(self, digest: str) -> dt.datetime:
        """Return when this digest was first scheduled (registering it now on first sight)."""
        self._db.execute("INSERT OR IGNORE INTO runs (digest, first_seen_at) VALUES (?,?)", (digest, _ts(self.clock())))
        row = self._db.execute("SELECT first_seen_at FROM runs WHERE digest=?", (digest,)).fetchone()
        return _parse_ts(row["first_seen_at"])

    def last_run(self, digest: str) -> dt.datetime | None:
        """Return when the digest last ran, if ever."""
        row = self._db.execute("SELECT last_run_at FROM runs WHERE digest=?", (digest,)).fetchone()
        return _parse_ts(row["last_run_at"]) if row and row["last_run_at"] else None

    def set_last_run(self, digest: str, when: dt.datetime, outcome: str) -> None:
        """Record a run of the digest."""
        self.first_seen(digest)
        self._db.execute("UPDATE runs SET last_run_at=?, last_outcome=? WHERE digest=?", (_ts(when), outcome, digest))

    def last_outcome(self, digest: str) -> str | None:
        """Return the summary of the digest's last run."""
        row = self._db.execute("SELECT last_outcome FROM runs WHERE digest=?", (digest,)).fetchone()
        return row["last_outcome"] if row else None


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        key=row["key"],
        digest=row["digest"],
        target=row["target"],
        status=row["status"],
        parts=json.loads(row["parts"]),
        versions=json.loads(row["versions"]),
        done_parts=row["done_parts"],
        attempting=row["attempting"],
        message_ids=json.loads(row["message_ids"]),
        items=row["items"],
        created_at=_parse_ts(row["created_at"]),
        updated_at=_parse_ts(row["updated_at"]),
        outcome=row["outcome"],
    )
