"""The compiled cache never answers from a stale file, and the generator writes valid, deterministic corpora."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pytest import MonkeyPatch

import bot.index.text as text_module
from bot.briefs.parsing import parse_dialogue
from bot.briefs.validate import validate_dir
from bot.index.pack import pack, unpack
from bot.index.store import BriefStore
from bot.index.text import TextHit
from bot.query import ask

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate

CORPUS_SIZE = 40  # briefs generated for this module (see conftest)
CORPUS_SEED = 3


def _first(folder: Path) -> Path:
    return sorted(p for p in folder.glob("*.yaml") if p.name != "people.yaml")[0]


def _fresh(folder: Path, cache: Path) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache)
    store.load()
    return store


def test_generated_corpus_is_valid(corpus: Path) -> None:
    """Every generated brief and the registry pass validation."""
    result = validate_dir(corpus)
    assert not result.errors, [str(e) for e in result.errors[:5]]
    assert result.files == 40 and result.people > 0


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """The same seed writes byte-identical files."""
    generate(tmp_path / "a", 5, seed=11)
    generate(tmp_path / "b", 5, seed=11)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)


def test_warm_start_reads_no_file(folder: Path, tmp_path: Path) -> None:
    """A second store over an unchanged folder takes every brief from the cache."""
    _fresh(folder, tmp_path / "cache")
    report = _fresh(folder, tmp_path / "cache").last_report
    assert (report.loaded, report.reused) == (0, 40)


def test_warm_start_answers_like_cold_start(folder: Path, tmp_path: Path) -> None:
    """Questions get the same answers from a cached catalog as from a freshly parsed one."""
    cold = _fresh(folder, tmp_path / "cache").catalog
    warm = _fresh(folder, tmp_path / "cache").catalog
    person = next(iter(cold.people.values())).name
    for question in ("dialogue latest", f"who {person}", "session Afghanistan", "positions energy", "search trade"):
        assert ask(warm, question) == ask(cold, question), question


def test_warm_start_reads_the_people_index_on_first_use(folder: Path, tmp_path: Path) -> None:
    """A warm start leaves the saved people index unread until a question is about people, then answers as before."""
    cold = _fresh(folder, tmp_path / "cache").catalog
    warm = _fresh(folder, tmp_path / "cache").catalog
    ask(warm, "search trade")
    assert "_people" not in vars(warm)
    person = next(iter(cold.people.values())).name
    assert ask(warm, f"who {person}") == ask(cold, f"who {person}")


def test_people_index_outlives_the_cache(folder: Path, tmp_path: Path) -> None:
    """A warm catalog whose store is closed before any question about people still resolves names as before."""
    cold = _fresh(folder, tmp_path / "cache").catalog
    store = _fresh(folder, tmp_path / "cache")
    warm = store.catalog
    store.close()
    person = next(iter(cold.people.values())).name
    assert warm.find_people(person) == cold.find_people(person)
    assert {k: r.name for k, r in warm.people.items()} == {k: r.name for k, r in cold.people.items()}


def test_changed_file_is_reread_by_a_new_process(folder: Path, tmp_path: Path) -> None:
    """A file edited between two runs is parsed again, never answered from the cache."""
    _fresh(folder, tmp_path / "cache")
    path = _first(folder)
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", 'title: "Changed" #', 1), encoding="utf-8")
    store = _fresh(folder, tmp_path / "cache")
    assert store.catalog.all[path.stem].title == "Changed"


def test_same_size_same_mtime_edit_is_caught(folder: Path, tmp_path: Path) -> None:
    """An edit that keeps size and mtime of a recently written file is caught by its content hash."""
    path = _first(folder)
    os.utime(path)  # now: recent, so its record is racy
    _fresh(folder, tmp_path / "cache")
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    swapped = text.replace('title: "', 'title: "X', 1).replace("# Synthetic", "#Synthetic", 1)
    assert len(swapped.encode()) == len(text.encode())
    path.write_text(swapped, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    store = _fresh(folder, tmp_path / "cache")
    assert store.catalog.all[path.stem].title.startswith("X")


def test_deleted_file_is_not_served_from_cache(folder: Path, tmp_path: Path) -> None:
    """A brief deleted between two runs is gone from the answers."""
    _fresh(folder, tmp_path / "cache")
    path = _first(folder)
    path.unlink()
    store = _fresh(folder, tmp_path / "cache")
    assert path.stem not in store.catalog.all
    assert all(h.dialogue_id != path.stem for h in store.catalog.text.search("dialogue", limit=500))


def test_added_file_is_served(folder: Path, tmp_path: Path) -> None:
    """A brief added between two runs is parsed and served."""
    _fresh(folder, tmp_path / "cache")
    source = _first(folder)
    text = source.read_text(encoding="utf-8").replace(f'id: "{source.stem}"', 'id: "added-brief"')
    (folder / "added-brief.yaml").write_text(text, encoding="utf-8")
    store = _fresh(folder, tmp_path / "cache")
    assert store.last_report.loaded == 1 and "added-brief" in store.catalog.all


def test_broken_edit_drops_brief_in_a_new_process(folder: Path, tmp_path: Path) -> None:
    """A brief broken between two runs is reported, and its cached version is not served by the new process."""
    _fresh(folder, tmp_path / "cache")
    path = _first(folder)
    path.write_text("id: broken\ntitle: [\n", encoding="utf-8")
    store = _fresh(folder, tmp_path / "cache")
    assert store.last_report.errors and path.stem not in store.catalog.all


def test_reload_updates_people_index(folder: Path, tmp_path: Path) -> None:
    """An in-process reload re-indexes the people of the changed brief only, and answers like a fresh load."""
    store = _fresh(folder, tmp_path / "cache")
    path = _first(folder)
    text = path.read_text(encoding="utf-8")
    first = store.catalog.all[path.stem].participants[0].name
    path.write_text(text.replace(f'"{first}"', '"Zebulon Quatermain"'), encoding="utf-8")
    report = store.reload()
    assert report.loaded == 1
    assert ask(store.catalog, "who Zebulon Quatermain").refs == ("name:zebulon quatermain",)
    fresh = BriefStore(folder, cache_dir=tmp_path / "other").catalog
    for question in (f"who {first}", "who Zebulon Quatermain"):
        assert ask(store.catalog, question) == ask(fresh, question)


def test_registry_change_is_picked_up(folder: Path, tmp_path: Path) -> None:
    """Editing people.yaml between runs changes who is tied to whom."""
    _fresh(folder, tmp_path / "cache")
    (folder / "people.yaml").write_text("people: []\n", encoding="utf-8")
    store = _fresh(folder, tmp_path / "cache")
    assert all(key.startswith("name:") for key in store.catalog.people)


def test_cache_from_other_code_is_ignored(folder: Path, tmp_path: Path) -> None:
    """A cache written by another code version is rebuilt, not read."""
    store = _fresh(folder, tmp_path / "cache")
    assert store._db is not None and store._db.location is not None
    location = store._db.location
    store._db.db.execute("UPDATE meta SET v = 'other' WHERE k = 'version'")
    store.close()
    assert _fresh(folder, tmp_path / "cache").last_report.loaded == 40
    assert location.exists()


def test_packed_dialogue_equals_validated(corpus: Path) -> None:
    """A dialogue rebuilt from the cache equals the validated original and dumps identically."""
    for path in sorted(corpus.glob("*.yaml"))[:10]:
        if path.name == "people.yaml":
            continue
        dialogue, errors = parse_dialogue(path)
        assert dialogue is not None, errors
        again = unpack(pack(dialogue))
        assert again == dialogue
        assert again.model_dump_json() == dialogue.model_dump_json()


def _dates(store: BriefStore, hits: list[TextHit]) -> list[tuple[str, str]]:
    return [(store.catalog.summary(h.dialogue_id).date or "", h.dialogue_id) for h in hits]


def test_common_query_walks_titles_first_newest_first(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A query matching more fields than BM25_MAX lists title hits newest first, then other fields newest first."""
    monkeypatch.setattr(text_module, "BM25_MAX", 0)
    store = _fresh(folder, tmp_path / "cache")
    hits = store.catalog.text.search("dialogue", limit=60)
    assert hits and all(h.recency for h in hits)
    titles = [h for h in hits if h.kind == "title"]
    expected = sum("dialogue" in store.catalog.summary(did).folded_title for did in store.catalog.dialogues)
    assert hits[: len(titles)] == titles and len(titles) == expected > 1
    assert _dates(store, titles) == sorted(_dates(store, titles), reverse=True)


def test_edited_old_brief_keeps_its_place(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """After a reload, an edited old brief stays where its date puts it in a recency-ranked answer."""
    monkeypatch.setattr(text_module, "BM25_MAX", 0)
    store = _fresh(folder, tmp_path / "cache")
    oldest = min(store.catalog.dialogues, key=lambda did: (store.catalog.summary(did).date or "", did))
    path = folder / f"{oldest}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "Edited ', 1), encoding="utf-8")
    assert store.reload().loaded == 1
    titles = [h for h in store.catalog.text.search("dialogue", limit=60) if h.kind == "title"]
    assert titles[-1].dialogue_id == oldest and titles[-1].text.startswith("Edited")
    assert _dates(store, titles) == sorted(_dates(store, titles), reverse=True)


def test_recency_ranked_positions_answer_like_dialogues(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Positions answered from index summaries show what the dialogue itself says, newest first."""
    monkeypatch.setattr(text_module, "BM25_MAX", 0)
    store = _fresh(folder, tmp_path / "cache")
    answer = ask(store.catalog, "positions security")
    assert answer.ok and answer.items
    ranks = [store.catalog.rank(ref.split("#")[0]) for ref in answer.refs]
    assert ranks == sorted(ranks)
    did, ref = answer.refs[0].split("#")
    position = store.catalog.dialogues[did].positions[int(ref)]
    assert answer.items[0].heading == f"Position: {position.topic}" and answer.items[0].lines == (position.summary,)


def _dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_fresh_cache_appears_only_when_complete(folder: Path, tmp_path: Path) -> None:
    """A cold start leaves exactly one cache file, no temporary build, and the next start reuses it."""
    cache = tmp_path / "cache"
    _fresh(folder, cache).close()
    assert not list(cache.glob(".*.tmp"))
    assert len(list(cache.glob("*.sqlite"))) == 1
    report = BriefStore(folder, cache_dir=cache).load()
    assert report.loaded == 0 and report.reused > 0


def test_build_interrupted_before_rename_never_answers(folder: Path, tmp_path: Path) -> None:
    """A build left by a process that died before moving it into place is deleted, not read: all files are reread."""
    cache = tmp_path / "cache"
    _fresh(folder, cache).close()
    (built,) = cache.glob("*.sqlite")
    stray = built.with_name(f".{built.name}.{_dead_pid()}.tmp")
    built.rename(stray)
    report = BriefStore(folder, cache_dir=cache).load()
    assert report.reused == 0 and report.loaded > 0
    assert not stray.exists()


def test_bulk_build_answers_like_per_file_build(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """The staged, sorted bulk build of the text index answers every kind of question as the per-file build does."""
    import bot.index.store as store_module

    questions = ["search pipeline", "session energy", "positions trade", "search security cooperation", "latest"]
    per_file = _fresh(folder, tmp_path / "a").catalog
    monkeypatch.setattr(store_module, "BULK_MIN_FILES", 1)
    bulk = _fresh(folder, tmp_path / "b").catalog
    for question in questions:
        assert ask(bulk, question) == ask(per_file, question), question


def test_merging_the_text_index_keeps_every_answer(folder: Path, tmp_path: Path) -> None:
    """Merging a fresh cache's text index into one segment changes no answer, and a second merge has nothing to do."""
    store = _fresh(folder, tmp_path / "cache")
    questions = ["search dialogue", "search regional cooperation", "positions trade", "session security"]
    before = [ask(store.catalog, q) for q in questions]
    assert store.merge_text_index() > 0
    assert [ask(store.catalog, q) for q in questions] == before
    assert store.merge_text_index() == 0
    store.close()
