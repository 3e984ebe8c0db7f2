"""A targeted reload (the files named by file events) serves what a full load would; the watcher uses file events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import bot.index.cachedb as cache_module
from bot.config import BotConfig
from bot.index.store import BriefStore, LoadReport
from bot.query import ask
from bot.run import watch_briefs
from bot.services import Services
from tests.index.corpus import brief_paths, free_some_pages


def _store(folder: Path, cache: Path) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache)
    store.load()
    return store


def _same_as_fresh(store: BriefStore, folder: Path, cache: Path) -> None:
    """Assert the store answers exactly like a store that loaded the folder from scratch."""
    fresh = _store(folder, cache)
    got, want = store.catalog, fresh.catalog
    assert [d.id for d in got.ordered] == [d.id for d in want.ordered]
    assert {k: (p.name, [a.dialogue_id for a in p.appearances]) for k, p in got.people.items()} == {
        k: (p.name, [a.dialogue_id for a in p.appearances]) for k, p in want.people.items()
    }
    names = [next(iter(sorted(p.spellings))) for p in list(want.people.values())[:5]]
    for question in ("dialogue latest", "dialogue list", "session security", "positions energy", "search trade"):
        assert ask(got, question) == ask(want, question), question
    for name in names:
        assert ask(got, f"who {name}") == ask(want, f"who {name}"), name
    fresh.close()


def test_targeted_reload_of_an_edit(folder: Path, tmp_path: Path) -> None:
    """An edited brief named by an event is re-read alone and the snapshot equals a full load."""
    store = _store(folder, tmp_path / "a")
    path = brief_paths(folder)[3]
    first = store.catalog.all[path.stem].participants[0].name
    text = path.read_text(encoding="utf-8").replace(f'"{first}"', '"Zebulon Quatermain"')
    path.write_text(text.replace('date: "', 'date: "2031-01-01" #', 1), encoding="utf-8")
    report = store.reload([path])
    assert (report.loaded, report.reused) == (1, 0)
    assert store.catalog.ordered[0].id == path.stem
    assert ask(store.catalog, "who Zebulon Quatermain").refs == ("name:zebulon quatermain",)
    _same_as_fresh(store, folder, tmp_path / "b")


def test_targeted_reload_of_an_added_brief(folder: Path, tmp_path: Path) -> None:
    """A new file named by an event is served, in its place by date."""
    store = _store(folder, tmp_path / "a")
    source = brief_paths(folder)[0]
    text = source.read_text(encoding="utf-8").replace(f'id: "{source.stem}"', 'id: "added-brief"')
    added = folder / "added-brief.yaml"
    added.write_text(text, encoding="utf-8")
    report = store.reload([added])
    assert report.loaded == 1 and "added-brief" in store.catalog.dialogues
    _same_as_fresh(store, folder, tmp_path / "b")


def test_targeted_reload_of_a_deleted_brief(folder: Path, tmp_path: Path) -> None:
    """A deleted file named by an event disappears from every answer."""
    store = _store(folder, tmp_path / "a")
    path = brief_paths(folder)[5]
    path.unlink()
    report = store.reload([path])
    assert report.removed == 1 and path.stem not in store.catalog.all
    assert all(h.dialogue_id != path.stem for h in store.catalog.text.search("dialogue", limit=500))
    _same_as_fresh(store, folder, tmp_path / "b")


def test_targeted_reload_keeps_last_good_of_a_broken_edit(folder: Path, tmp_path: Path) -> None:
    """A brief broken in place is reported and its last good version is still served."""
    store = _store(folder, tmp_path / "a")
    path = brief_paths(folder)[2]
    title = store.catalog.all[path.stem].title
    path.write_text("id: broken\ntitle: [\n", encoding="utf-8")
    report = store.reload([path])
    assert report.errors and store.catalog.all[path.stem].title == title


def test_targeted_reload_takes_relative_paths(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path relative to the working folder names the same brief as its absolute form."""
    monkeypatch.chdir(folder.parent)
    store = _store(Path(folder.name), tmp_path / "a")
    path = brief_paths(folder)[4]
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "Relative ', 1), encoding="utf-8")
    assert store.reload([Path(folder.name) / path.name]).loaded == 1
    assert store.catalog.all[path.stem].title.startswith("Relative ")
    store.close()


def test_targeted_reload_ignores_files_elsewhere(folder: Path, tmp_path: Path) -> None:
    """Paths outside the briefs folder, hidden files and the folder itself change nothing."""
    store = _store(folder, tmp_path / "a")
    other = tmp_path / "elsewhere.yaml"
    other.write_text("id: x\n", encoding="utf-8")
    report = store.reload([other, folder / ".hidden.yaml", folder])
    assert not report.changed and (report.loaded, report.removed) == (0, 0)


def test_targeted_reload_misses_unnamed_changes_until_full_scan(folder: Path, tmp_path: Path) -> None:
    """Only the named files are checked; a full reload then finds the others."""
    store = _store(folder, tmp_path / "a")
    named, unnamed = brief_paths(folder)[:2]
    for path in (named, unnamed):
        path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "New ', 1), encoding="utf-8")
    assert store.reload([named]).loaded == 1
    assert not store.catalog.all[unnamed.stem].title.startswith("New ")
    assert store.reload().loaded == 1
    assert store.catalog.all[unnamed.stem].title.startswith("New ")


async def test_watcher_reloads_an_edit_from_file_events(folder: Path, tmp_path: Path) -> None:
    """The watcher reloads just the edited file when the OS reports the write."""
    store = _store(folder, tmp_path / "a")
    services = Services(config=BotConfig(briefs_dir=folder), store=store)
    reports: asyncio.Queue[LoadReport] = asyncio.Queue()
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_briefs(services, stop, on_reload=reports.put_nowait))
    try:
        await asyncio.wait_for(reports.get(), 10)  # the full check made as the watch starts
        path = brief_paths(folder)[1]
        text = path.read_text(encoding="utf-8")
        seen = None
        for attempt in range(40):  # the OS watch may be set up a moment after the first check: write again
            path.write_text(text.replace('title: "', f'title: "Watched {attempt} ', 1), encoding="utf-8")
            try:
                seen = await asyncio.wait_for(reports.get(), 0.5)
                break
            except TimeoutError:
                continue
        assert seen is not None and seen.loaded == 1
        assert seen.reused == 0  # only the named file was checked: file events, not a folder scan
        assert store.catalog.all[path.stem].title.startswith("Watched ")
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 10)
        store.close()


def _free_pages(store: BriefStore, megabytes: int = 4) -> int:
    """Make megabytes of free pages in the store's cache; return its free pages then."""
    assert store._db is not None
    return free_some_pages(store._db, megabytes)


def test_reload_gives_many_free_pages_back(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reload after which a twentieth of the cache file is free (as after a fresh text index's first merge) gives
    those pages back, and answers as a fresh load; fewer free pages are left for later."""
    store = _store(folder, tmp_path / "cache")
    assert store._db is not None and store._db.location is not None
    free = _free_pages(store)
    pages = store._db.db.execute("PRAGMA page_count").fetchone()[0]
    assert free * 20 >= pages
    monkeypatch.setattr(cache_module, "RECLAIM_MIN_PAGES", 10**9)
    path = brief_paths(folder)[0]
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "Edited ', 1), encoding="utf-8")
    store.reload([path])
    assert store._db.free_pages() >= free - 8  # too few to bother yet (a reload's own writes may reuse a few)
    monkeypatch.setattr(cache_module, "RECLAIM_MIN_PAGES", 1)
    path.write_text(path.read_text(encoding="utf-8").replace('title: "Edited ', 'title: "Again ', 1), encoding="utf-8")
    size = store._db.location.stat().st_size
    store.reload([path])
    assert store._db.free_pages() == 0
    assert store._db.location.stat().st_size < size - (free - 8) * cache_module.PAGE_SIZE
    _same_as_fresh(store, folder, tmp_path / "fresh")


def test_merge_text_index_gives_free_pages_back(folder: Path, tmp_path: Path) -> None:
    """The bot's background merge of the text index also gives the cache file's free pages back."""
    store = _store(folder, tmp_path / "cache")
    assert store._db is not None and _free_pages(store, megabytes=20) >= cache_module.RECLAIM_MIN_PAGES
    store.merge_text_index()
    assert store._db.free_pages() == 0
