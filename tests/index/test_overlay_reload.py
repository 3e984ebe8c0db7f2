"""A reload after a start from the snapshot works over that snapshot (bot.index.overlay): it reads no file's record but
those of the files that changed, and it serves, reports and answers exactly as a store that holds every file's state
(started cold) and as a fresh store of the folder, through edits, added and removed files, broken and mended files,
id changes, drafts and duplicate ids."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from bot.index.cachedb import CacheDB
from bot.index.overlay import GoodFiles, numbers
from bot.index.store import BriefStore, LoadReport
from bot.query import ask
from tests.index.corpus import OLD_NS, brief_paths

QUESTIONS = (
    "dialogue latest",
    "dialogue list",
    "session Afghanistan",
    "positions energy",
    "search trade",
    "search Edited",
    "search Renamed",
)
_stamp = [OLD_NS + 10**9]


def _store(folder: Path, cache: Path) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache)
    store.load()
    return store


def _write(path: Path, text: str) -> None:
    """Write a file with a new, old mtime (not racy), as a later edit."""
    path.write_text(text, encoding="utf-8")
    _stamp[0] += 10**9
    os.utime(path, ns=(_stamp[0], _stamp[0]))


def _set(path: Path, key: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(f"{key}: "))
    lines[i] = f"{key}: {value}"
    _write(path, "\n".join(lines) + "\n")


def _refuse_whole_reads(monkeypatch: MonkeyPatch) -> None:
    """Make reading every file record (or every summary) at once fail."""

    def refuse(*_: object) -> Any:
        raise AssertionError("every file's record read")

    monkeypatch.setattr(CacheDB, "records", refuse)
    monkeypatch.setattr(CacheDB, "summaries", refuse)


def _report(report: LoadReport) -> tuple[Any, ...]:
    errors = sorted(str(e) for e in report.errors)
    return report.loaded, report.reused, report.removed, errors, report.changed, report.pending


def _state(store: BriefStore) -> tuple[Any, ...]:
    """Return what a store serves: every answer, the order, the summaries, the files, the errors."""
    catalog = store.catalog
    answers = [ask(catalog, question) for question in QUESTIONS]
    summaries = {did: (catalog.summary(did)._replace(participants=()), catalog.parts(did)) for did in catalog.all}
    files = {did: store.file_of(did) for did in catalog.all}
    errors = sorted(str(e) for e in store.errors())
    keys = catalog.published_keys()
    people = {key: (catalog.people[key].appearances, catalog.people[key].spellings) for key in sorted(catalog.people)}
    return answers, list(catalog.ordered_ids()), summaries, files, errors, keys, people


def _steps(folder: Path) -> list[tuple[str, Callable[[], list[Path]]]]:
    """Return the changes made in turn, each returning the files it touched."""
    paths = brief_paths(folder)
    dup = folder / f"{paths[3].stem}.yml"  # X.yaml and X.yml hold the same id: X.yaml is served

    def edit() -> list[Path]:
        _set(paths[2], "title", '"Edited title"')
        return [paths[2]]

    def add() -> list[Path]:
        text = paths[5].read_text(encoding="utf-8").replace(paths[5].stem, "added-brief-0001")
        _write(folder / "added-brief-0001.yaml", text)
        return [folder / "added-brief-0001.yaml"]

    def remove() -> list[Path]:
        paths[7].unlink()
        return [paths[7]]

    def break_() -> list[Path]:
        _write(paths[9], "id: [unclosed\n")
        return [paths[9]]

    def duplicate() -> list[Path]:
        _write(dup, paths[3].read_text(encoding="utf-8").replace('title: "', 'title: "Copy ', 1))
        return [dup]

    def rename() -> list[Path]:
        renamed = folder / "renamed-brief-0002.yaml"
        text = paths[11].read_text(encoding="utf-8").replace(paths[11].stem, renamed.stem)
        _write(renamed, text.replace('title: "', 'title: "Renamed ', 1))
        paths[11].unlink()
        return [paths[11], renamed]

    def remove_winner() -> list[Path]:
        paths[3].unlink()
        return [paths[3]]

    def to_draft() -> list[Path]:
        _set(paths[12], "status", "draft")
        return [paths[12]]

    def edit_start_duplicate() -> list[Path]:
        start_dup = folder / f"{paths[4].stem}.yml"
        _set(start_dup, "title", '"Edited duplicate"')
        return [start_dup]

    def remove_start_winner() -> list[Path]:
        paths[4].unlink()
        return [paths[4]]

    def mend() -> list[Path]:
        _write(paths[9], paths[10].read_text(encoding="utf-8").replace(paths[10].stem, paths[9].stem))
        return [paths[9]]

    def registry_and_brief() -> list[Path]:
        registry = folder / "people.yaml"
        _write(registry, registry.read_text(encoding="utf-8").replace("aliases: [", 'aliases: ["Zz Added Alias", ', 1))
        _set(paths[13], "title", '"Edited with the registry"')
        return [registry, paths[13]]

    def remove_added() -> list[Path]:
        (folder / "added-brief-0001.yaml").unlink()
        return [folder / "added-brief-0001.yaml"]

    return [
        ("edit", edit),
        ("add", add),
        ("remove", remove),
        ("break", break_),
        ("duplicate", duplicate),
        ("rename", rename),
        ("remove a duplicate's winner", remove_winner),
        ("mend", mend),
        ("to draft", to_draft),
        ("edit the start's duplicate", edit_start_duplicate),
        ("remove the start duplicate's winner", remove_start_winner),
        ("a new registry and an edit", registry_and_brief),
        ("remove an added file", remove_added),
    ]


@pytest.mark.parametrize("targeted", [True, False])
def test_reload_over_the_snapshot_serves_as_a_store_holding_every_file(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, targeted: bool
) -> None:
    """Each change is reloaded by a store started from the snapshot (overlay) and by one started cold (every file's
    state in memory): the same reports and the same served state; at the end, the same as a fresh store."""
    paths = brief_paths(folder)
    _write(folder / f"{paths[4].stem}.yml", paths[4].read_text(encoding="utf-8"))  # a duplicate id at start
    _write(folder / "zz-start-broken.yaml", "title: [\n")  # a broken file at start
    cold = _store(folder, tmp_path / "cold")
    assert not isinstance(cold._good, GoodFiles) and cold._lean is None
    _store(folder, tmp_path / "lean")
    lean = _store(folder, tmp_path / "lean")
    assert lean._lean is not None and _report(lean.last_report)[3] == _report(cold.last_report)[3]
    _refuse_whole_reads(monkeypatch)
    for step, change in _steps(folder):
        touched = change()
        got = lean.reload(touched if targeted else None)
        want = cold.reload(touched if targeted else None)
        assert isinstance(lean._good, GoodFiles), step
        assert _report(got) == _report(want), step
        assert _state(lean) == _state(cold), step
        assert lean.reload().changed is False, step
    monkeypatch.undo()
    fresh = _store(folder, tmp_path / "fresh")
    assert _state(lean) == _state(fresh)
    pinned = lean._good.pinned() if isinstance(lean._good, GoodFiles) else []
    assert len(pinned) < len(paths) // 2  # the files changed and those read for them, not every file


def test_first_reload_reads_the_changed_files_alone(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """The first reload of an edit after a start from the snapshot reads that file's record and summary (and those of
    its id's winner), no other."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    _refuse_whole_reads(monkeypatch)
    read: list[str] = []
    entry = CacheDB.file_entry

    def counted(db: CacheDB, name: str) -> Any:
        read.append(name)
        return entry(db, name)

    monkeypatch.setattr(CacheDB, "file_entry", counted)
    path = brief_paths(folder)[6]
    _set(path, "title", '"Edited title"')
    assert store.reload([path]).loaded == 1
    assert read == [path.name]
    assert store.catalog.all[path.stem].title == "Edited title"


def test_another_process_rewriting_a_served_file_starts_over(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file the snapshot served whose row another process rewrote after this store's first write is not served
    from that row as the snapshot's: the store reads the folder again, and serves what a fresh store serves."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    paths = brief_paths(folder)
    _set(paths[1], "title", '"Edited title"')
    store.reload([paths[1]])
    assert isinstance(store._good, GoodFiles)
    dup = folder / f"{paths[8].stem}.yml"
    _write(dup, paths[8].read_text(encoding="utf-8"))  # a duplicate id, whose winner's row is rewritten:
    _set(paths[8], "title", '"Edited elsewhere"')
    _store(folder, tmp_path / "cache")  # by another process, reading both
    with caplog.at_level(logging.INFO, logger="bot.index.store"):
        report = store.reload([dup])
    assert "the cache changed under the served snapshot" in caplog.text
    assert report.ok is False  # the duplicate id
    assert store.catalog.all[paths[8].stem].title == "Edited elsewhere"
    fresh = _store(folder, tmp_path / "fresh")
    assert _state(store) == _state(fresh)


def test_close_after_an_overlay_reload_keeps_summaries(folder: Path, tmp_path: Path) -> None:
    """A store closed after a reload over the snapshot still gives every summary, titles and people from memory."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    path = brief_paths(folder)[2]
    _set(path, "title", '"Edited title"')
    store.reload([path])
    catalog = store.catalog
    summaries = {did: catalog.summary(did) for did in catalog.all}
    name = next(iter(catalog.people.values())).name
    people, choices = catalog.find_people(name), catalog.dialogue_choices("", 5)
    store.close()
    assert {did: catalog.summary(did) for did in catalog.all} == summaries
    assert summaries[path.stem].title == "Edited title"
    assert catalog.find_people(name) == people and catalog.dialogue_choices("", 5) == choices


def test_ranks_share_their_numbers(folder: Path, tmp_path: Path) -> None:
    """Every snapshot's ranks use the same int objects (a reload's new catalog adds none)."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    before = store.catalog
    path = brief_paths(folder)[2]
    _set(path, "title", '"Edited title"')
    store.reload([path])
    after = store.catalog
    assert numbers(3)[:3] == [0, 1, 2] and numbers(40)[2] is numbers(3)[2]
    assert all(after.rank(did) is before.rank(did) for did in after.ordered_ids() if after.rank(did) > 256)


def test_first_load_with_changed_files_indexes_their_text_alone(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A first load that reads a few changed files (the bot stopped, files edited, the bot started) writes the text
    of those files, not of every dialogue again."""
    _store(folder, tmp_path / "cache")
    paths = brief_paths(folder)
    _set(paths[3], "title", '"Edited while stopped"')
    _set(paths[8], "title", '"Edited too"')
    written: list[str] = []
    put_text = CacheDB.put_text

    def counted(db: CacheDB, did: str, *args: Any, **kwargs: Any) -> Any:
        written.append(did)
        return put_text(db, did, *args, **kwargs)

    monkeypatch.setattr(CacheDB, "put_text", counted)
    store = _store(folder, tmp_path / "cache")
    assert store.last_report.loaded == 2 and sorted(written) == sorted([paths[3].stem, paths[8].stem])
    monkeypatch.undo()
    assert _state(store) == _state(_store(folder, tmp_path / "fresh"))
