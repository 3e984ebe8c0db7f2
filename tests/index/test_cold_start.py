"""A cold start compiles in worker processes in date order, stages text rows per field class and builds the text
index on a background thread: none of it may change an answer."""

from __future__ import annotations

import marshal
import multiprocessing.spawn
import os
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

import bot.index.cachedb as cache_module
import bot.index.store as store_module
from bot.index.compile import compile_parallel, predicted_date_key
from bot.index.rows import date_key
from bot.index.store import BriefStore
from bot.query import ask
from tests.index.corpus import OLD_NS, brief_paths

CORPUS_SIZE = 60  # briefs generated for this module (see conftest)

QUESTIONS = (
    "dialogue latest",
    "dialogue list",
    "search pipeline",
    "search security cooperation",
    "session energy",
    "positions trade",
    "positions energy by Iran",
)


def _answers(store: BriefStore) -> list[object]:
    catalog = store.catalog
    people = [record.name for record in list(catalog.people.values())[:5]]
    return [ask(catalog, q) for q in (*QUESTIONS, *(f"who {p}" for p in people))]


def _bulk_parallel(monkeypatch: MonkeyPatch) -> None:
    """Take the cold-start path (workers, date order, staged bulk index) even for a small folder."""
    monkeypatch.setattr(store_module, "BULK_MIN_FILES", 1)
    monkeypatch.setattr(store_module, "PARALLEL_MIN_FILES", 1)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'id: "a"\ndate: 2025-07-29\n', "2025-07-29"),
        (b"id: a\ndate: '2024-03'\n", "2024-03"),
        (b'date: "2023" # the year only\n', "2023"),
        (b"id: a\ndate: null\n", None),
        (b"id: a\n", None),
        (b"sessions:\n  - date: 2025-01-02\n", None),  # not the top-level key
    ],
)
def test_predicted_date_key_reads_the_top_level_date_line(tmp_path: Path, head: bytes, expected: str | None) -> None:
    """The date guess reads the `date:` line of a brief's head as the index would key it."""
    path = tmp_path / "brief.yaml"
    path.write_bytes(head + b"title: x\n")
    assert predicted_date_key(path) == date_key(expected)


def test_predicted_date_key_of_a_missing_file_is_zero(tmp_path: Path) -> None:
    """A file gone before it is read is guessed undated, not an error."""
    assert predicted_date_key(tmp_path / "gone.yaml") == 0


def test_compile_parallel_yields_in_path_order(folder: Path) -> None:
    """Results come back in the order of the paths given, whichever worker compiled them."""
    paths = [str(p) for p in reversed(brief_paths(folder))]
    shown = [item[0] for item in compile_parallel(paths, 2, chunk_size=3)]
    assert shown == paths


def test_compile_parallel_finishes_a_dead_workers_files_in_order(folder: Path, monkeypatch: MonkeyPatch) -> None:
    """Workers that cannot start leave their files to the caller, compiled in the same order."""
    monkeypatch.setattr(
        multiprocessing.spawn, "_python_exe", os.fsencode("/bin/false")
    )  # what spawn starts the workers with
    paths = [str(p) for p in brief_paths(folder)]
    results = list(compile_parallel(paths, 2, chunk_size=4))
    assert [item[0] for item in results] == paths
    assert all(item[1] is not None for item in results)


def test_cold_start_answers_like_per_file_build(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """The parallel, date-ordered, staged build answers every kind of question as the per-file build does."""
    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    expected = _answers(per_file)
    _bulk_parallel(monkeypatch)
    bulk = BriefStore(folder, cache_dir=tmp_path / "b")
    assert _answers(bulk) == expected


def _count_feeds(monkeypatch: MonkeyPatch) -> list[int]:
    """Return a list that gets the number of dialogues of each feed of the text index from now on."""
    fed: list[int] = []
    feed = cache_module.CacheDB._feed

    def counted(db: cache_module.CacheDB) -> None:
        fed.append(len(db._unfed))
        feed(db)

    monkeypatch.setattr(cache_module.CacheDB, "_feed", counted)
    return fed


def test_cold_start_feeding_its_text_index_as_it_writes_answers_alike(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A cold start whose text index takes the rows a few dialogues at a time while they are written (as at 50,000
    briefs, cachedb.FEED_DIALOGUES) answers as the per-file build, and a warm start over its cache as well."""
    expected = _answers(BriefStore(folder, cache_dir=tmp_path / "a"))
    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(cache_module, "FEED_DIALOGUES", 7)
    fed = _count_feeds(monkeypatch)
    cold = BriefStore(folder, cache_dir=tmp_path / "b")
    assert _answers(cold) == expected
    assert len(fed) >= CORPUS_SIZE // 7 and set(fed[:-2]) == {7}
    assert cold._db is not None
    assert cold._db.db.execute("INSERT INTO t(t, rank) VALUES ('integrity-check', 1)").fetchall() == []
    assert _answers(BriefStore(folder, cache_dir=tmp_path / "b")) == expected


def test_cold_start_feeds_its_text_index_a_few_files_before_the_end(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """The feed a cold start's load waits for, at the end of its write, holds at most the last LAST_FEED_FILES
    dialogues: the rest were fed while the workers still compiled."""
    _bulk_parallel(monkeypatch)
    fed = _count_feeds(monkeypatch)
    monkeypatch.setattr(store_module, "LAST_FEED_FILES", 5)
    store = BriefStore(folder, cache_dir=tmp_path / "cache")
    assert store.load().loaded == CORPUS_SIZE
    assert len(fed) == 2 and 0 < fed[1] <= 5 and sum(fed) > CORPUS_SIZE - 5  # drafts are not indexed
    store.close()


def test_start_pool_starts_its_workers_before_any_work_is_given() -> None:
    """The compile workers start (and import the parser) as soon as the pool is made: a cold start orders its files
    meanwhile, rather than before they start."""
    import time

    from bot.index.compile import start_pool

    pool = start_pool(2)
    try:
        processes = pool._processes
        deadline = time.monotonic() + 60
        while len(processes) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(processes) == 2 and all(p.is_alive() for p in processes.values())
    finally:
        pool.shutdown(wait=True)


def test_wrong_date_guesses_change_no_answer(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Briefs whose date line lies past the guessed head (so rows arrive out of order) are indexed all the same."""
    for path in brief_paths(folder)[::3]:
        path.write_text("# " + "padding " * 700 + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    expected = _answers(BriefStore(folder, cache_dir=tmp_path / "a"))
    _bulk_parallel(monkeypatch)
    assert _answers(BriefStore(folder, cache_dir=tmp_path / "b")) == expected


def test_background_index_failure_raises_and_the_next_load_recovers(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A text index build that fails on its thread fails the load; the next load builds a good cache."""
    _bulk_parallel(monkeypatch)
    real = cache_module.CacheDB.end_bulk

    def broken(self: cache_module.CacheDB) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cache_module.CacheDB, "end_bulk", broken)
    store = BriefStore(folder, cache_dir=tmp_path / "cache")
    with pytest.raises(OSError, match="disk full"):
        store.load()
    store.close()
    assert not list((tmp_path / "cache").glob("*.sqlite"))  # nothing half-built was moved into place
    monkeypatch.setattr(cache_module.CacheDB, "end_bulk", real)
    again = BriefStore(folder, cache_dir=tmp_path / "cache")
    assert again.load().loaded == len(brief_paths(folder))
    assert ask(again.catalog, "search pipeline").items
    warm = BriefStore(folder, cache_dir=tmp_path / "cache").load()
    assert (warm.loaded, warm.reused) == (0, len(brief_paths(folder)))


def _plain(snapshot: Any) -> Any:
    """Return a people_snapshot() with each person's packed appearances unpacked (marshal bytes may differ in
    their back-references for equal values)."""
    people, *maps = snapshot
    return ({key: (*data[:5], marshal.loads(data[5]), *data[6:]) for key, data in people.items()}, *maps)


def test_bulk_cold_start_keeps_no_participants_in_memory(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A bulk first load serves summaries without participant records (the cache holds them), yet every
    dialogue's participants and the whole people index equal those of a per-file build."""
    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    per_file.load()
    _bulk_parallel(monkeypatch)
    bulk = BriefStore(folder, cache_dir=tmp_path / "b")
    bulk.load()
    assert bulk._served is not None
    assert all(not summary.participants for summary in bulk._served[0].values())
    expected, got = per_file.catalog, bulk.catalog
    assert any(expected.parts(did) for did in expected.ordered_ids())
    assert all(got.parts(did) == expected.parts(did) for did in expected.ordered_ids())
    assert _plain(got.people_snapshot()) == _plain(expected.people_snapshot())
    per_file.close()
    bulk.close()


def _same_answers(got: BriefStore, expected: BriefStore) -> None:
    """Assert that two stores over the same folder answer, list and serve alike."""
    assert _answers(got) == _answers(expected)
    a, b = got.catalog, expected.catalog
    assert list(a.ordered_ids()) == list(b.ordered_ids())
    assert a.published_keys() == b.published_keys()
    assert list(a.all) == list(b.all)
    assert all(a.parts(did) == b.parts(did) for did in b.ordered_ids())
    assert all(a.summary(did)._replace(participants=()) == b.summary(did)._replace(participants=()) for did in b.all)
    assert all(got.file_of(did) == expected.file_of(did) for did in b.all)
    assert _plain(a.people_snapshot()) == _plain(b.people_snapshot())


def test_large_first_load_ends_as_a_start_from_its_snapshot(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A large cold start lets go of its per-file state and serves from the snapshot it saved, with the people index
    built then (and saved): it answers as a per-file build and as a warm start over its cache."""
    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    expected_report = per_file.load()
    assert per_file._lean is None and per_file._good  # below LEAN_MIN_FILES: as before
    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 1)
    cold = BriefStore(folder, cache_dir=tmp_path / "b")
    report = cold.load()
    assert cold._lean is not None
    assert not cold._good and not cold._win and not cold._ids
    assert (report.loaded, report.reused, report.errors) == (expected_report.loaded, 0, expected_report.errors)
    _same_answers(cold, per_file)
    warm = BriefStore(folder, cache_dir=tmp_path / "b")
    warm.load()
    assert warm.last_report.loaded == 0 and warm._lean is not None
    assert callable(warm.catalog.__dict__.get("_people_loader"))  # the people index the cold start saved
    _same_answers(warm, cold)
    for store in (per_file, cold, warm):
        store.close()


def _decoded(blob: bytes) -> object:
    """Return a saved people row's value, its packed appearances unpacked (marshal's bytes depend on refcounts)."""
    value = marshal.loads(blob)
    return tuple(marshal.loads(v) if isinstance(v, bytes) else v for v in value) if isinstance(value, tuple) else value


def test_large_first_load_saves_its_people_index_as_it_is_made(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A large cold start never holds its whole people index: each person's data is written as it is made
    (Catalog.people_streamed; nothing builds the index in memory), then read back as a warm start reads it. The
    saved rows are those a per-file build saves, in the same order, and every answer is a per-file build's."""
    from bot.index import people as saved_people
    from bot.index.catalog import Catalog

    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    per_file.load()
    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 1)
    built: list[Catalog] = []
    build = Catalog._build_people

    def counted(catalog: Catalog) -> None:
        built.append(catalog)
        build(catalog)

    monkeypatch.setattr(Catalog, "_build_people", counted)
    cold = BriefStore(folder, cache_dir=tmp_path / "b")
    cold.load()
    assert cold._lean is not None and cold._db is not None and per_file._db is not None
    assert cold._db.get_meta(saved_people.KEY) == cold._people_key()
    assert callable(cold.catalog.__dict__.get("_people_loader"))  # read from the rows just saved
    _same_answers(cold, per_file)
    assert built == []
    rows = "SELECT key, pos, data FROM people ORDER BY pos"
    words = "SELECT kind, word, pos, keys FROM people_words ORDER BY kind, pos"
    order = "SELECT wholes, keys FROM people_order"
    for sql in (rows, words, order):
        got, want = (
            [tuple(_decoded(v) if isinstance(v, bytes) else v for v in row) for row in db.db.execute(sql)]
            for db in (cold._db, per_file._db)
        )
        assert got == want and got
    cold.close()
    per_file.close()


def test_large_first_load_reads_participants_in_batches_for_its_people_index(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """The people index of a large cold start reads every dialogue's participants a batch of versions a query, in
    the order it goes through them (not a query each), and answers as a per-file build."""
    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    per_file.load()
    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 1)
    monkeypatch.setattr(store_module, "FIELDS_BATCH", 7)
    single: list[str] = []
    batches: list[int] = []
    one, many = cache_module.CacheDB.participants, cache_module.CacheDB.participant_blobs

    def read_one(db: cache_module.CacheDB, ver: str) -> Any:
        single.append(ver)
        return one(db, ver)

    def read_many(db: cache_module.CacheDB, vers: Any) -> Any:
        batches.append(len(vers))
        return many(db, vers)

    monkeypatch.setattr(cache_module.CacheDB, "participants", read_one)
    monkeypatch.setattr(cache_module.CacheDB, "participant_blobs", read_many)
    cold = BriefStore(folder, cache_dir=tmp_path / "b")
    cold.load()
    assert cold._lean is not None
    assert single == [] and sum(batches) == len(cold._lean.order) and max(batches) == 7
    monkeypatch.setattr(cache_module.CacheDB, "participants", one)
    _same_answers(cold, per_file)
    cold.close()
    per_file.close()


def test_first_load_that_saves_no_snapshot_still_saves_its_people(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A large first load that cannot save its snapshot (a file just written) keeps its per-file state, and its
    people index, built all the same, is saved for the next start."""
    from bot.index import people as saved_people

    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 1)
    brief_paths(folder)[0].touch()  # racy: the next start must check it again, so no snapshot
    store = BriefStore(folder, cache_dir=tmp_path / "cache")
    store.load()
    assert store._lean is None and store._good
    assert not store.catalog.people_deferred()
    assert store._db is not None and store._db.get_meta(saved_people.KEY) == store._people_key()
    per_file = BriefStore(folder, cache_dir=tmp_path / "other")
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 10**9)
    per_file.load()
    _same_answers(store, per_file)
    store.close()
    per_file.close()


def test_reload_after_a_large_first_load(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A file edited after a cold start that ended as a snapshot start is served by the next reload."""
    _bulk_parallel(monkeypatch)
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", 1)
    store = BriefStore(folder, cache_dir=tmp_path / "cache")
    store.load()
    assert store._lean is not None
    path = brief_paths(folder)[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title: "', 'title: "Edited ', 1), encoding="utf-8")
    os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    report = store.load([path])
    assert report.loaded == 1
    assert store.catalog.all[path.stem].title.startswith("Edited ")
    fresh = BriefStore(folder, cache_dir=tmp_path / "fresh")
    fresh.load()
    _same_answers(store, fresh)
    store.close()
    fresh.close()


def test_first_load_with_too_few_good_files_builds_its_people(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A first load that compiled enough files to keep no participants in memory, but serves too few to end as a
    snapshot start (one is broken), builds its people index once the cache is finished, and saves it."""
    from bot.index import people as saved_people

    per_file = BriefStore(folder, cache_dir=tmp_path / "a")
    per_file.load()
    _bulk_parallel(monkeypatch)
    broken = folder / "zz-broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    os.utime(broken, ns=(OLD_NS, OLD_NS))
    monkeypatch.setattr(store_module, "LEAN_MIN_FILES", len(brief_paths(folder)))
    store = BriefStore(folder, cache_dir=tmp_path / "b")
    report = store.load()
    assert report.errors and store._db is not None and not store._db.keep_fresh_parts
    assert store._lean is None and len(store._good) == len(brief_paths(folder)) - 1
    assert not store.catalog.people_deferred()
    assert store._db.get_meta(saved_people.KEY) == store._people_key()
    broken.unlink()
    assert _plain(store.catalog.people_snapshot()) == _plain(per_file.catalog.people_snapshot())
    assert _answers(store) == _answers(per_file)
    store.close()
    per_file.close()


def test_a_compile_result_crosses_to_the_parent_with_the_cache_s_participant_blob(folder: Path) -> None:
    """What a worker sends of a brief holds its participants as the cache stores them (parts_blob: equal once read,
    as marshal's bytes depend on refcounts), and comes back as the compiled brief, its summary lean or whole."""
    from bot.index.compile import _from_wire, _to_wire, compile_file
    from bot.index.records import parts_blob, parts_from_blob

    path = brief_paths(folder)[0]
    compiled, errors, digest = compile_file(path)
    assert compiled is not None and not errors
    wire = marshal.loads(marshal.dumps(_to_wire((str(path), compiled, errors, digest))))
    assert parts_from_blob(wire[1][1]) == parts_from_blob(parts_blob(compiled.summary)) == compiled.summary.participants
    shown, back, _, got_digest = _from_wire(wire)
    assert (shown, got_digest, back and back.summary) == (str(path), digest, compiled.summary)
    assert back is not None and back.parts is not None and parts_from_blob(back.parts) == compiled.summary.participants
    lean = _from_wire(wire, lean=True)[1]
    assert lean is not None and lean.summary == compiled.summary._replace(participants=())
