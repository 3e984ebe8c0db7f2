"""The SQLite driver of the cache file: sqlean's bundled SQLite (3.50), else the standard library's.

Invariant: the text index is walked newest first (ORDER BY rowid DESC, see text.py). The SQLite 3.40.1 that Debian 12
and its Python images link returns wrong rows for such FTS5 walks on a large index (a word's row-id range read
backwards skips matching rows, or returns none), so the cache uses the bundled SQLite wherever its wheel installs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same DB-API module: typed by the standard library's stubs
    import sqlite3
else:
    try:
        import sqlean as sqlite3
    except ImportError:  # pragma: no cover - a platform without its wheel
        import sqlite3

__all__ = ["sqlite3"]
