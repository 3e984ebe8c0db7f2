"""Generated corpora for store tests: a module-scoped corpus and private copies with old mtimes; free pages made in a
cache file."""

from __future__ import annotations

import os
from pathlib import Path

from bot.index.cachedb import CacheDB

OLD_NS = 1_600_000_000_000_000_000  # a date in the past, so copied files' mtimes are never racy


def private_copy(corpus: Path, tmp_path: Path) -> Path:
    """Copy a corpus into tmp_path/briefs with every file dated in the past; return the copy."""
    out = tmp_path / "briefs"
    out.mkdir()
    for path in corpus.iterdir():
        target = out / path.name
        target.write_bytes(path.read_bytes())
        os.utime(target, ns=(OLD_NS, OLD_NS))
    return out


def brief_paths(folder: Path) -> list[Path]:
    """Return the brief files of a generated folder (not the people registry), sorted."""
    return sorted(p for p in folder.glob("*.yaml") if p.name != "people.yaml")


def free_some_pages(db: CacheDB, megabytes: int = 4) -> int:
    """Write and delete megabytes of incompressible data in a cache file: SQLite keeps the pages it used, free, in the
    file. Return its free pages then."""
    db.begin()
    for i in range(megabytes * 4):
        db.put_meta(f"scratch{i}", os.urandom(256 * 1024))
    db.commit()
    db.begin()
    db.db.execute("DELETE FROM meta WHERE k LIKE 'scratch%'")
    db.commit()
    return db.free_pages()
