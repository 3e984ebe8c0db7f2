"""The cache's code version (modules found by import name, Python and marshal versions included), giving free pages
back, and a bulk write feeding an empty text index as it goes."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from pytest import MonkeyPatch

import bot.index.cachedb as cachedb
from bot.index.cachedb import CODE_MODULES, code_version
from tests.index.corpus import free_some_pages


def test_code_version_is_stable() -> None:
    """The same code gives the same version."""
    assert code_version() == code_version()


def test_code_version_names_modules_that_exist() -> None:
    """Every module named as shaping the cache is importable (a moved module is renamed here too)."""
    import importlib

    for name in CODE_MODULES:
        assert importlib.import_module(name).__file__


def test_code_version_refuses_a_module_it_cannot_find(monkeypatch: MonkeyPatch) -> None:
    """A module that cannot be found is an error, never a silent hash of its name."""
    monkeypatch.setattr(cachedb, "CODE_MODULES", (*CODE_MODULES, "bot.index.no_such_module"))
    with pytest.raises(ImportError, match="no_such_module"):
        code_version()


def test_code_version_changes_with_the_marshal_version(monkeypatch: MonkeyPatch) -> None:
    """Records are marshal bytes: another marshal format means another cache."""
    before = code_version()
    monkeypatch.setattr(marshal, "version", marshal.version + 1)
    assert code_version() != before


def test_code_version_changes_with_the_python_version(monkeypatch: MonkeyPatch) -> None:
    """Another Python (another marshal and pydantic behaviour) means another cache."""
    import sys

    before = code_version()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert code_version() != before


def test_the_cache_uses_an_sqlite_whose_backward_text_walks_are_right() -> None:
    """The text index was walked newest first in descending row-id order (now ascending, rows.row_id). SQLite
    3.40.1 (Debian 12, its Python images) skips matching rows in such FTS5 walks over a large index: at 50,000
    briefs, 88 of the bench's 646 questions were answered with older hits than the newest. The cache opens its file
    with the bundled SQLite (sqlean), so a walk written backwards again would still be right."""
    from bot.index.sql import sqlite3

    assert vars(cachedb)["sqlite3"] is sqlite3
    assert sqlite3.__name__.startswith("sqlean")
    assert sqlite3.sqlite_version_info >= (3, 50)


def test_reclaim_gives_free_pages_back(tmp_path: Path) -> None:
    """A cache file is made to give its free pages back without a VACUUM: they go, and the file shrinks."""
    db = cachedb.CacheDB(tmp_path / "c.sqlite")
    db.finish_fresh()
    assert db.db.execute("PRAGMA auto_vacuum").fetchone() == (2,)  # incremental, set before the first table
    free_some_pages(db)
    db.checkpoint()
    before = (tmp_path / "c.sqlite").stat().st_size
    free = db.free_pages()
    assert free * cachedb.PAGE_SIZE >= 3 << 20
    assert db.reclaim(min_pages=free + 1) == 0 and db.free_pages() == free  # too few to bother
    assert db.reclaim(min_pages=free, step=7) == free
    assert db.free_pages() == 0
    assert (tmp_path / "c.sqlite").stat().st_size <= before - free * cachedb.PAGE_SIZE
    assert db.db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone() == (code_version(),)
    assert db.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")


def _bulk_index(
    feed: int, monkeypatch: MonkeyPatch, then: list[tuple[str, str]] | None = None, early: int = -1
) -> cachedb.CacheDB:
    """Return an in-memory cache whose empty text index took 12 dialogues (and `then`, rewrites) in one bulk write,
    fed `feed` dialogues at a time, and at once (feed_text) after the first `early`."""
    monkeypatch.setattr(cachedb, "FEED_DIALOGUES", feed)
    db = cachedb.CacheDB(None)
    db.begin()
    db.begin_bulk()
    writes = [(f"d{i:02}", f"{WORDS[i % 7]} {WORDS[(i * 3) % 7]} dialogue {i}") for i in range(12)]
    for n, (did, text) in enumerate([*writes, *(then or [])]):
        if n == early:
            db.feed_text()
        date = f"2025-0{1 + n % 3}-1{n % 5}"
        rows = [("title", 0, "title", text), ("session", 0, "sessions[0].summary", f"{text} " * 60)]
        db.put_text(did, f"v{n}", date, rows)
    db.end_bulk()
    db.commit()
    return db


def _index_state(db: cachedb.CacheDB) -> tuple[object, ...]:
    """Return what the text index answers: the rows of each word, the term list, and its integrity check."""
    db.db.execute("INSERT INTO t(t, rank) VALUES ('integrity-check', 1)")  # raises on an index unlike its content
    hits = [db.query_text("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", (w,)) for w in (*WORDS, "dialogue")]
    vocab = db.query_text("SELECT term, doc, cnt FROM tv ORDER BY term", ())
    return hits, vocab, db.query_text("SELECT term, docs FROM terms ORDER BY term", ())


def test_a_bulk_write_feeds_an_empty_text_index_as_it_goes(monkeypatch: MonkeyPatch) -> None:
    """An empty index takes a bulk write's rows every FEED_DIALOGUES dialogues, not all at its end (a cold start
    builds it while its workers compile), and ends as the index of one pass at the end."""
    monkeypatch.setattr(cachedb, "FEED_DIALOGUES", 5)
    db = cachedb.CacheDB(None)
    db.begin()
    db.begin_bulk()
    for i in range(6):
        db.put_text(f"d{i}", "v", "2025-01-01", [("title", 0, "title", f"alpha {i}")])
    assert len(db.query_text("SELECT rowid FROM t WHERE t MATCH 'alpha'", ())) == 5  # before end_bulk
    db.end_bulk()
    assert len(db.query_text("SELECT rowid FROM t WHERE t MATCH 'alpha'", ())) == 6
    assert _index_state(_bulk_index(2, monkeypatch)) == _index_state(_bulk_index(1000, monkeypatch))


def test_a_dialogue_written_again_after_it_was_fed_leaves_no_stale_row(monkeypatch: MonkeyPatch) -> None:
    """Two files of one id in a bulk write: the first one's rows, already in the index, are taken out of it."""
    again = [("d01", "zulu rewritten"), ("d07", "yankee rewritten")]
    fed = _bulk_index(2, monkeypatch, then=again)
    assert _index_state(fed) == _index_state(_bulk_index(1000, monkeypatch, then=again))
    for word in ("zulu", "yankee"):
        assert len(fed.query_text("SELECT rowid FROM t WHERE t MATCH ?", (word,))) == 2  # the title and the summary
    assert len(fed.query_text("SELECT rowid FROM t WHERE t MATCH 'dialogue'", ())) == 2 * 10  # not the rewritten two


@pytest.mark.parametrize("then", [[], [("d13", "zulu new")], [("d01", "zulu rewritten"), ("d14", "echo again")]])
def test_a_term_list_counted_before_the_last_feeds_ends_as_one_counted_at_the_end(
    then: list[tuple[str, str]], monkeypatch: MonkeyPatch
) -> None:
    """feed_text indexes the rows written so far and counts the term list then (a cold start does it a few files
    before its end, while its workers still compile); the feeds after it add their rows' counts, and a dialogue
    rewritten after it has the list counted again: every word's count ends as one count at the end makes it."""
    for early in (0, 5, 11):
        assert _index_state(_bulk_index(3, monkeypatch, then, early)) == _index_state(
            _bulk_index(1000, monkeypatch, then)
        )
    db = _bulk_index(1000, monkeypatch, early=7)
    assert db.query_text("SELECT docs FROM terms WHERE term = 'dialogue'", ()) == [(2 * 12,)]
