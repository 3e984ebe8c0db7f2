"""Back up and restore the digest delivery state with SQLite's online backup API (safe while the bot runs)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BriefbotError


@dataclass(frozen=True, slots=True)
class StateSummary:
    """What a state file holds, for a one-line report."""

    deliveries: int
    targets: int
    briefs_sent: int

    def __str__(self) -> str:
        return f"{self.deliveries} deliveries, {self.targets} targets, {self.briefs_sent} briefs sent"


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def summary(path: Path) -> StateSummary:
    """Return counts of what a state file holds (zero for tables it does not have yet)."""
    with contextlib.closing(_connect_ro(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

        def count(table: str) -> int:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) if table in tables else 0

        return StateSummary(count("deliveries"), count("targets"), count("sent"))


def _check(path: Path) -> None:
    with contextlib.closing(_connect_ro(path)) as db:
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BriefbotError(f"{path} is not a briefbot state file: {exc}") from None
    if result != "ok":
        raise BriefbotError(f"{path} failed SQLite's integrity check: {result}")


def backup(state_path: Path, dest: Path) -> StateSummary:
    """Copy the state to dest, consistent even while `briefbot run` writes to it; refuse to overwrite."""
    if not state_path.exists():
        raise BriefbotError(f"no state file at {state_path} (nothing delivered yet?)")
    if dest.exists():
        raise BriefbotError(f"{dest} already exists; give a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        with contextlib.closing(_connect_ro(state_path)) as src, contextlib.closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # one snapshot of the whole database: a writer never leaves it half-copied
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        _check(partial)
        partial.rename(dest)
    finally:
        partial.unlink(missing_ok=True)
    return summary(dest)


@contextlib.contextmanager
def stopped_bot(state_path: Path) -> Iterator[None]:
    """Hold the state's lock file for the block; raise if a running briefbot (its digest scheduler) holds it."""
    lock = Path(f"{state_path}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BriefbotError(
                f"briefbot is running with {state_path} (its lock {lock} is held); stop it before restoring"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def restore(backup_path: Path, state_path: Path) -> StateSummary:
    """Replace the state with a backup, page by page (the bot must be stopped); return what it now holds."""
    if not backup_path.exists():
        raise BriefbotError(f"no backup at {backup_path}")
    _check(backup_path)
    with stopped_bot(state_path):
        state_path.parent.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(_connect_ro(backup_path)) as src,
            contextlib.closing(sqlite3.connect(state_path)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return summary(state_path)
