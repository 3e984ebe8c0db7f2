"""The SQLite driver of the cache file: sqlean's bundled SQLite (3.50), else the standard library's.

Invariant: the cache uses the bundled SQLite wherever its wheel installs. The SQLite 3.40.1 that Debian 12 and its
Python images link returns wrong rows for FTS5 walks in descending row-id order on a large index (a word's row-id
range read backwards skips matching rows, or returns none). The text index is now walked newest first in ascending
order (rows.row_id), but a walk written backwards would be wrong there again, and only there.
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
