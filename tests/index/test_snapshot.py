"""A start over an unchanged folder is served from the start snapshot, and never hides a change the file-by-file path
would see: an edit (same size or not), an added, removed, broken or still-settling file, a duplicate id."""

from __future__ import annotations

import os
import subprocess
import sys
from array import array
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from bot.adapters.console import render_text
from bot.index import snapshot
from bot.index.cachedb import CacheDB
from bot.index.snapshot import Listing, Snapshot
from bot.index.store import BriefStore
from bot.query import ask, dialogue_answer
from tests.index.corpus import OLD_NS, brief_paths

QUESTIONS = ("dialogue latest", "dialogue list", "session Afghanistan", "positions energy", "search trade")


def _store(folder: Path, cache: Path, **options: Any) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache, **options)
    store.load()
    return store


def _no_records(monkeypatch: MonkeyPatch) -> None:
    """Make reading every file record (or every summary) at once fail: a start from the snapshot does neither."""

    def refuse(*_: object) -> Any:
        raise AssertionError("a per-file read at start")

    monkeypatch.setattr(CacheDB, "records", refuse)
    monkeypatch.setattr(CacheDB, "summaries", refuse)


def _edit_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    lines[i] = f'title: "{title}"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))


def test_unchanged_folder_reads_no_file_record(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A second start over an unchanged folder reads no file record and answers as the first did."""
    cold = _store(folder, tmp_path / "cache")
    _no_records(monkeypatch)
    warm = _store(folder, tmp_path / "cache")
    report = warm.last_report
    assert (report.loaded, report.reused, report.errors) == (0, 30, [])
    person = next(iter(cold.catalog.people.values())).name
    for question in (*QUESTIONS, f"who {person}"):
        assert ask(warm.catalog, question) == ask(cold.catalog, question), question
    assert warm.catalog.published_keys() == cold.catalog.published_keys()
    assert list(warm.catalog.dialogues) == list(cold.catalog.dialogues)
    assert list(warm.catalog.all) == list(cold.catalog.all)
    assert warm.catalog.dialogue_choices("", 40) == cold.catalog.dialogue_choices("", 40)
    did = cold.catalog.ordered_ids()[3]
    assert warm.catalog.summary(did) == cold.catalog.summary(did)._replace(participants=())
    assert warm.catalog.parts(did) == cold.catalog.parts(did)
    assert warm.file_of(did) == cold.file_of(did)


def test_same_size_edit_is_seen(folder: Path, tmp_path: Path) -> None:
    """An edit that keeps the file's size (only its mtime differs) is seen by the next start."""
    _store(folder, tmp_path / "cache")
    path = brief_paths(folder)[0]
    text = path.read_text(encoding="utf-8")
    swapped = text.replace('title: "', 'title: "X', 1).replace("# Synthetic", "#Synthetic", 1)
    assert len(swapped.encode()) == len(text.encode())
    path.write_text(swapped, encoding="utf-8")
    os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    store = _store(folder, tmp_path / "cache")
    assert store.catalog.all[path.stem].title.startswith("X")
    assert store.last_report.loaded == 1


def test_added_and_removed_files_are_seen(folder: Path, tmp_path: Path) -> None:
    """A file added or removed since the snapshot was saved is seen by the next start."""
    _store(folder, tmp_path / "cache")
    first, second = brief_paths(folder)[:2]
    added = folder / "zz-added.yaml"
    added.write_text(first.read_text(encoding="utf-8").replace(first.stem, "zz-added"), encoding="utf-8")
    os.utime(added, ns=(OLD_NS, OLD_NS))
    second.unlink()
    store = _store(folder, tmp_path / "cache")
    assert second.stem not in store.catalog.all and "zz-added" in store.catalog.all
    assert (store.last_report.loaded, store.last_report.reused, store.last_report.errors) == (1, 29, [])
    assert len(store.catalog.all) == 30


def test_broken_file_reports_its_cached_errors(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A broken file's cached errors are reported by every start, the one from the snapshot too."""
    broken = folder / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    os.utime(broken, ns=(OLD_NS, OLD_NS))
    cold = _store(folder, tmp_path / "cache").last_report
    _no_records(monkeypatch)
    warm = _store(folder, tmp_path / "cache")
    assert [str(e) for e in warm.last_report.errors] == [str(e) for e in cold.errors] != []
    assert [str(e) for e in warm.errors()] == [str(e) for e in cold.errors]


def test_duplicate_ids_are_reported(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A duplicate id is reported by a start from the snapshot as by the file-by-file path, same file served."""
    path = brief_paths(folder)[0]
    copy = folder / f"{path.stem}.yml"
    copy.write_bytes(path.read_bytes().replace(b'title: "', b'title: "Copy ', 1))
    os.utime(copy, ns=(OLD_NS, OLD_NS))
    cold = _store(folder, tmp_path / "cache")
    _no_records(monkeypatch)
    warm = _store(folder, tmp_path / "cache")
    errors = [str(e) for e in warm.last_report.errors]
    assert errors == [str(e) for e in cold.last_report.errors] and len(errors) == 1
    assert warm.catalog.summary(path.stem).title == cold.catalog.summary(path.stem).title
    assert not warm.catalog.summary(path.stem).title.startswith("Copy")


def test_settling_file_is_not_served_from_the_snapshot(folder: Path, tmp_path: Path) -> None:
    """With a settle interval, a start right after a file was written holds it back, as without a snapshot."""
    _store(folder, tmp_path / "cache")
    newest = max(p.stat().st_mtime_ns for p in brief_paths(folder))
    store = _store(folder, tmp_path / "cache", settle=5.0, clock=lambda: newest + 10**9)
    assert store.last_report.pending and store.last_report.reused == 30 - len(store.last_report.pending)


@pytest.mark.parametrize("targeted", [True, False])
def test_reload_after_a_start_from_the_snapshot(folder: Path, tmp_path: Path, targeted: bool) -> None:
    """A reload after a start from the snapshot sees an edit, and the people index follows it."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    path = brief_paths(folder)[2]
    _edit_title(path, "Edited title")
    report = store.reload([path] if targeted else None)
    assert report.loaded == 1 and store.catalog.all[path.stem].title == "Edited title"
    assert ask(store.catalog, "search Edited title").refs[:1] == (f"{path.stem}:title",)
    fresh = _store(folder, tmp_path / "cache2")
    for question in QUESTIONS:
        assert ask(store.catalog, question) == ask(fresh.catalog, question), question
    assert store.reload().changed is False


def test_cache_changed_under_a_started_store(folder: Path, tmp_path: Path) -> None:
    """Another process re-reading an edited file before this store's first reload does not hide the edit from it."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    path = brief_paths(folder)[4]
    _edit_title(path, "Changed elsewhere")
    other = _store(folder, tmp_path / "cache")
    assert other.catalog.all[path.stem].title == "Changed elsewhere"
    store.reload()
    assert store.catalog.all[path.stem].title == "Changed elsewhere"
    assert ask(store.catalog, "search Changed elsewhere").refs[:1] == (f"{path.stem}:title",)


def test_snapshot_goes_with_a_write(folder: Path, tmp_path: Path) -> None:
    """A store that writes the cache (a reload of an edit) drops the snapshot: a file later given back its old size
    and mtime, with other content, is not served as the snapshot described it."""
    _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    path = brief_paths(folder)[1]
    original = path.read_bytes()
    _edit_title(path, "Fresh")
    store.reload([path])
    assert store.catalog.all[path.stem].title == "Fresh"
    path.write_bytes(original.replace(b'title: "', b'title: "Y', 1).replace(b"# Synthetic", b"#Synthetic", 1))
    assert len(path.read_bytes()) == len(original)
    os.utime(path, ns=(OLD_NS, OLD_NS))  # the stamp the snapshot recorded
    again = _store(folder, tmp_path / "cache")
    assert again.catalog.all[path.stem].title.startswith("Y")


def test_listing_in_another_order_matches() -> None:
    """The folder listed in another order matches the snapshot; another stamp or a missing file does not."""
    listing = Listing(["a.yaml", "b.yaml"], array("q", [1, 2, 3, 4]))
    snap = Snapshot(listing.joined(), listing.stamps.tobytes(), 2, [], [], [], [], [], [], [], "")
    assert snap.matches(listing)
    assert snap.matches(Listing(["b.yaml", "a.yaml"], array("q", [3, 4, 1, 2])))
    assert not snap.matches(Listing(["b.yaml", "a.yaml"], array("q", [3, 4, 1, 3])))
    assert not snap.matches(Listing(["a.yaml"], array("q", [1, 2])))
    assert snap.listing().as_dict() == {"a.yaml": (1, 2), "b.yaml": (3, 4)}


def test_snapshot_is_stored_in_pieces(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """The snapshot, its state and its titles are stored in small rows (never one blob of every file's data): a start
    from them answers as the first load did, and a write drops every piece."""
    monkeypatch.setattr(snapshot, "PIECE_ITEMS", 7)
    monkeypatch.setattr(snapshot, "PIECE_CHARS", 64)
    cold = _store(folder, tmp_path / "cache")
    assert cold._db is not None
    sizes = dict(cold._db.db.execute("SELECT k, length(v) FROM meta WHERE k LIKE 'start%'").fetchall())
    assert len(sizes) > 10 and max(sizes.values()) < 600, sizes
    _no_records(monkeypatch)
    warm = _store(folder, tmp_path / "cache")
    assert warm._lean is not None and warm.last_report.reused == 30
    for question in QUESTIONS:
        assert ask(warm.catalog, question) == ask(cold.catalog, question), question
    assert warm.catalog.dialogue_choices("", 40) == cold.catalog.dialogue_choices("", 40)
    assert warm._db is not None
    monkeypatch.undo()
    path = brief_paths(folder)[1]
    _edit_title(path, "Fresh")
    warm.reload([path])
    assert warm._db.db.execute("SELECT count(*) FROM meta WHERE k LIKE 'start%'").fetchone() == (0,)


def test_snapshot_with_a_missing_piece_is_not_served(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A snapshot one of whose pieces is gone is not served (the next start reads file by file)."""
    monkeypatch.setattr(snapshot, "PIECE_ITEMS", 7)
    cold = _store(folder, tmp_path / "cache")
    assert cold._db is not None
    cold._db.db.execute("DELETE FROM meta WHERE k = (SELECT max(k) FROM meta WHERE k LIKE 'start#%')")
    assert snapshot.read(cold._db) is None
    again = _store(folder, tmp_path / "cache")
    assert again._lean is None and again.last_report.reused == 30


def _summary(report: Any) -> tuple[object, ...]:
    return (
        report.loaded,
        report.reused,
        report.removed,
        report.changed,
        report.pending,
        [str(e) for e in report.errors],
    )


@pytest.mark.parametrize("targeted", [True, False])
def test_reload_without_change_reads_no_record(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch, targeted: bool
) -> None:
    """A reload that finds nothing changed after a start from the snapshot reads no file record, and reports what
    a store that read every record reports (broken files' errors and duplicate ids included)."""
    path = brief_paths(folder)[0]
    broken = folder / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    copy = folder / f"{path.stem}.yml"
    copy.write_bytes(path.read_bytes())
    for extra in (broken, copy):
        os.utime(extra, ns=(OLD_NS, OLD_NS))
    full = _store(folder, tmp_path / "cache")
    _no_records(monkeypatch)
    lean = _store(folder, tmp_path / "cache")
    named = [broken, brief_paths(folder)[5], folder / "gone.yaml"] if targeted else None
    named_full = [*named[:2]] if named else None
    assert _summary(lean.reload(named[:2] if named else None)) == _summary(full.reload(named_full))
    assert lean.last_report.errors and lean.catalog.summary(path.stem).title == full.catalog.summary(path.stem).title


@pytest.mark.parametrize(
    ("question", "loaded"),
    [
        ("/who {name}", "False False False"),
        ("dialogue latest", "False False False"),
        ("dialogue show {did}", "True False False"),
    ],
)
def test_warm_ask_imports_what_it_needs(folder: Path, tmp_path: Path, question: str, loaded: str) -> None:
    """A warm `briefbot ask "/who NAME"` answers from the cache without importing pydantic (or the YAML parser), and
    so does `dialogue latest`, read from the packed record; the models are built only when a question needs a whole
    dialogue to work on, and even then no YAML parser is imported. No question imports asyncio (~18 ms). The latest
    dialogue's text is the model's."""
    cold = _store(folder, tmp_path / "cache")
    name = next(iter(cold.catalog.people.values())).name
    newest = cold.catalog.ordered[0]
    script = (
        "import sys\n"
        "import bot.index.store\n"
        "from bot.cli import main\n"
        "bot.index.store.CACHE_MIN_FILES = 1  # this small folder uses its cache as a large one does\n"
        f"code = main(['ask', '--briefs', {str(folder)!r}, {question.format(name=name, did=newest.id)!r}])\n"
        "print('LOADED', 'pydantic' in sys.modules, 'yaml' in sys.modules, 'asyncio' in sys.modules, code)\n"
    )
    env = {**os.environ, "BRIEFBOT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "90"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip().splitlines()[-1] == f"LOADED {loaded} 0"
    assert name in out if question.startswith("/who") else newest.title.split()[-1] in out
    if question == "dialogue latest":  # as the whole dialogue renders it
        assert out.rsplit("LOADED", 1)[0] == render_text(dialogue_answer(cold.catalog, newest, "Latest: "), 90)


def test_closed_store_keeps_summaries(folder: Path, tmp_path: Path) -> None:
    """A store started from the snapshot and then closed still gives summaries, titles and people (what it kept in
    memory before the snapshot)."""
    cold = _store(folder, tmp_path / "cache")
    store = _store(folder, tmp_path / "cache")
    store.close()
    for did in cold.catalog.ordered_ids()[:5]:
        assert store.catalog.summary(did).title == cold.catalog.summary(did).title
    name = next(iter(cold.catalog.people.values())).name
    assert store.catalog.find_people(name) == cold.catalog.find_people(name)
    assert store.catalog.dialogue_choices("", 5) == cold.catalog.dialogue_choices("", 5)


def test_summaries_of_many_dialogues_are_read_in_one_query(folder: Path, tmp_path: Path) -> None:
    """After a start from the snapshot, the summaries a question names (a person's dialogues) are read together."""
    cold = _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    ids = list(cold.catalog.ordered_ids())
    statements: list[str] = []
    assert warm._db is not None
    warm._db.db.set_trace_callback(statements.append)
    assert warm.catalog.summaries(ids) == [cold.catalog.summary(did)._replace(participants=()) for did in ids]
    assert len([s for s in statements if "FROM files" in s]) == 1
    assert [warm.catalog.summary(did) for did in ids] == warm.catalog.summaries(ids)
    assert len([s for s in statements if "FROM files" in s]) == 1  # the rest from memory
