"""The saved people index is read a key at a time: a question about one person reads a few rows, a reload lays its
changes over the saved rows, and a catalog whose rows another process replaced still answers (from its own index)."""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

import bot.index.catalog as catalog_module
from bot.index import people as saved_people
from bot.index.cachedb import CacheDB
from bot.index.fuzzy import Deletions
from bot.index.people import Stored
from bot.index.store import BriefStore
from bot.query import ask
from tests.index.corpus import OLD_NS, brief_paths

CORPUS_SEED = 9


@pytest.fixture(autouse=True)
def _read_a_key_at_a_time(monkeypatch: MonkeyPatch) -> None:
    """Treat these small indexes as large ones: read a key at a time (see Catalog._read_people)."""
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", 0)


def _store(folder: Path, cache: Path | None) -> BriefStore:
    store = BriefStore(folder, cache_dir=cache)
    store.load()
    return store


def _names(store: BriefStore) -> list[str]:
    return [record.name for record in store.catalog.people.values()]


def _misspelt(name: str) -> str:
    return name[:2] + name[3:] if len(name) > 6 else name


def test_who_reads_a_few_rows(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """`who NAME` on a warm start reads the rows of that name and person, never a whole map of the index."""
    cold = _store(folder, tmp_path / "cache")
    names = _names(cold)[:5]

    def refuse(*_: object) -> Any:
        raise AssertionError("a whole map of the people index was read")

    monkeypatch.setattr(Stored, "keys", refuse)
    monkeypatch.setattr(Stored, "rows", refuse)
    warm = _store(folder, tmp_path / "cache")
    for name in names:
        assert ask(warm.catalog, f"who {name}") == ask(cold.catalog, f"who {name}"), name


def test_warm_answers_like_cold_for_every_kind_of_name(folder: Path, tmp_path: Path) -> None:
    """Exact, partial and misspelt names, and the listings, answer as from the index built in memory."""
    cold = _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    names = _names(cold)
    assert _names(warm) == names and list(warm.catalog.people) == list(cold.catalog.people)
    for name in names[:8]:
        for question in (name, name.split()[-1], _misspelt(name), f"Dr. {name.lower()}"):
            assert ask(warm.catalog, f"who {question}") == ask(cold.catalog, f"who {question}"), question
    assert warm.catalog.name_choices("a") == cold.catalog.name_choices("a")
    assert warm.catalog.name_choices("") == cold.catalog.name_choices("")


def test_a_warm_bot_asks_no_row_of_a_word_none_holds(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """After warm_names, looking up a misspelt name asks SQLite only for rows that exist (a missing row used to cost a
    query and a second one checking the index is still saved), and answers as the index built in memory; a reload
    that adds a name still finds it."""
    cold = _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    warm.catalog.warm_names()
    asked: list[bool] = []
    words, alive = Stored.words, Stored.alive

    def counted(self: Stored, kind: int, word: str) -> bytes | None:
        found = words(self, kind, word)
        asked.append(found is not None)
        return found

    def refuse(self: Stored) -> bool:
        raise AssertionError("a missing row was asked for")

    monkeypatch.setattr(Stored, "words", counted)
    monkeypatch.setattr(Stored, "alive", refuse)
    for name in _names(cold)[:12]:
        for question in (_misspelt(name), f"{name}x", f"x{name.split()[-1]}"):
            assert ask(warm.catalog, f"who {question}") == ask(cold.catalog, f"who {question}"), question
    assert asked and all(asked)
    monkeypatch.setattr(Stored, "alive", alive)
    path = brief_paths(folder)[0]
    part = warm.catalog.parts(path.stem)[0]
    _rename(path, part.name, "Qwertz Newname")
    for store in (warm, cold):
        store.reload([path])
    for question in ("Qwertz Newname", "Newname", "Qwertz Newnam"):
        assert ask(warm.catalog, f"who {question}") == ask(cold.catalog, f"who {question}"), question
    assert warm.catalog.find_people("Qwertz Newname").how == "exact"


def test_a_warm_bot_scores_misspelt_names_over_spellings_held(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """After warm_names, the people of the spellings closest to a misspelt name come from the spellings' rows read
    whole (no query per name), in the rows' order: the answers are those of the index built in memory, and stay so
    after a reload changes spellings (then the rows are read as before)."""
    cold = _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    warm.catalog.warm_names()
    asked: list[int] = []
    many = Stored.many

    def counted(self: Stored, kind: int, keys: list[str]) -> list[tuple[str, bytes]]:
        asked.append(kind)
        return many(self, kind, keys)

    monkeypatch.setattr(Stored, "many", counted)
    questions = [q for name in _names(cold)[:12] for q in (_misspelt(name), f"{name}x", name[:3] + "q" + name[4:])]
    for question in questions:
        assert ask(warm.catalog, f"who {question}") == ask(cold.catalog, f"who {question}"), question
    assert saved_people.EXACT not in asked
    path = brief_paths(folder)[0]
    part = warm.catalog.parts(path.stem)[0]
    _rename(path, part.name, "Qwertz Newname")
    for store in (warm, cold):
        store.reload([path])
    assert warm.catalog._exact._over  # type: ignore[attr-defined]
    for question in [*questions, "Qwertz Newnam", "Qwerz Newname"]:
        assert ask(warm.catalog, f"who {question}") == ask(cold.catalog, f"who {question}"), question


def _rename(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))


def test_reload_lays_changes_over_the_saved_rows(folder: Path, tmp_path: Path) -> None:
    """A reload renaming a participant updates a warm catalog's people index as it updates one built in memory."""
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)  # a small folder: the index lives in memory, updated as dicts
    assert memory.catalog.people is not None and warm.catalog.people is not None
    path = brief_paths(folder)[3]
    part = warm.catalog.parts(path.stem)[0]
    _rename(path, part.name, "Zebulon Quartermaine")
    for store in (warm, memory):
        store.reload([path])
    assert _names(warm) == _names(memory)
    assert list(warm.catalog._exact) == list(memory.catalog._exact)
    for question in ("Zebulon Quartermaine", "Zebulon", "Zebulon Quartermain", part.name):
        assert ask(warm.catalog, f"who {question}") == ask(memory.catalog, f"who {question}"), question
    _rename(path, "Zebulon Quartermaine", part.name)  # and back
    for store in (warm, memory):
        store.reload([path])
    assert _names(warm) == _names(memory)
    assert ask(warm.catalog, f"who {part.name}") == ask(memory.catalog, f"who {part.name}")


def test_catalog_outlives_its_rows(folder: Path, tmp_path: Path) -> None:
    """When other processes save two newer people indexes, a catalog reading the old rows answers all the same."""
    cold = _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    names = _names(cold)
    assert warm.catalog.find_people(names[0]) == cold.catalog.find_people(names[0])
    db = warm._db
    assert db is not None
    snapshot = cold.catalog.people_snapshot()
    for key in ("another", "and another"):
        db.begin()
        saved_people.save(db, key, ({}, {}, {}, {}) if key == "and another" else snapshot)
        db.commit()
    for name in names[:6]:
        assert warm.catalog.find_people(name) == cold.catalog.find_people(name), name
        assert ask(warm.catalog, f"who {name}") == ask(cold.catalog, f"who {name}"), name
    assert _names(warm) == names


def test_a_name_shared_by_many_is_read_at_once(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """`who FAMILY-NAME` naming many people reads their rows in one query, not one query per person."""
    cold = _store(folder, tmp_path / "cache")
    word, keys = max(cold.catalog._tokens.items(), key=lambda item: len(item[1]))
    assert len(keys) >= 3
    warm = _store(folder, tmp_path / "cache")
    calls: list[str] = []
    one = Stored.person

    def counted(self: Stored, key: str) -> bytes | None:
        calls.append(key)
        return one(self, key)

    monkeypatch.setattr(Stored, "person", counted)
    assert ask(warm.catalog, f"who {word}") == ask(cold.catalog, f"who {word}")
    assert len(calls) < len(keys) // 2, (len(calls), len(keys))


def _plain_index(snapshot: Any) -> Any:
    """A people_snapshot() with each person's packed appearances unpacked (marshal bytes may differ for equal
    values)."""
    people, *maps = snapshot
    return ({key: (*data[:5], marshal.loads(data[5]), *data[6:]) for key, data in people.items()}, *maps)


def test_reload_reads_the_names_of_many_dialogues_at_once(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """A reload re-indexes the people of a changed dialogue from the names in all their other dialogues, read in one
    query without building participant records, to the very index a catalog updated in memory has: every
    person's data with spellings in order, and every map in order."""
    _store(folder, tmp_path / "cache")
    warm = _store(folder, tmp_path / "cache")
    memory = _store(folder, None)
    assert memory.catalog.people is not None and warm.catalog.people is not None
    batches: list[int] = []
    real = CacheDB.participant_names

    def counted(self: CacheDB, vers: Sequence[str]) -> dict[str, tuple[str, ...]]:
        batches.append(len(vers))
        return real(self, vers)

    monkeypatch.setattr(CacheDB, "participant_names", counted)
    for path in brief_paths(folder)[2:7]:
        part = warm.catalog.parts(path.stem)[1]
        _rename(path, part.name, part.name.upper())  # the same person (names fold case), a new spelling
        for store in (warm, memory):
            store.reload([path])
        assert _plain_index(warm.catalog.people_snapshot()) == _plain_index(memory.catalog.people_snapshot())
    assert batches and max(batches) > 1  # names of several dialogues in one read


def test_a_small_index_is_read_whole(folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """A saved index of at most PEOPLE_IN_MEMORY people is read whole on first use, a larger one a key at a time;
    both answer as the index built in memory."""
    cold = _store(folder, tmp_path / "cache")
    name = _names(cold)[0]
    lazy = _store(folder, tmp_path / "cache")
    assert ask(lazy.catalog, f"who {name}") == ask(cold.catalog, f"who {name}")
    assert isinstance(lazy.catalog._people, saved_people.StoredMap)
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", len(cold.catalog.people))
    whole = _store(folder, tmp_path / "cache")
    assert ask(whole.catalog, f"who {name}") == ask(cold.catalog, f"who {name}")
    assert type(whole.catalog._people) is dict and list(whole.catalog._exact) == list(cold.catalog._exact)
    assert _names(whole) == _names(cold)


def test_warm_names_builds_the_misspelling_indexes_of_an_index_held_in_memory(
    folder: Path, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """warm_names (run by the bot after a load) reads a small people index and builds its misspelling indexes, so the
    first misspelt name waits for neither; the answers do not change."""
    cold = _store(folder, tmp_path / "cache")
    name = _misspelt(_names(cold)[0])
    monkeypatch.setattr(catalog_module, "PEOPLE_IN_MEMORY", len(cold.catalog.people))
    warm = _store(folder, tmp_path / "cache")
    warm.catalog.warm_names()
    assert type(warm.catalog._people) is dict
    assert warm.catalog._deletions is not None and warm.catalog._spelling_words is not None
    assert ask(warm.catalog, f"who {name}") == ask(cold.catalog, f"who {name}")


def test_warm_names_leaves_a_large_index_read_a_key_at_a_time(folder: Path, tmp_path: Path) -> None:
    """A people index larger than PEOPLE_IN_MEMORY is not read whole by warm_names; its (compact) misspelling indexes
    are built, so the first misspelt name in a bot does not wait for them; the answers do not change."""
    cold = _store(folder, tmp_path / "cache")
    names = [_misspelt(n) for n in _names(cold)[:40]]
    warm = _store(folder, tmp_path / "cache")
    warm.catalog.warm_names()
    assert isinstance(warm.catalog._people, saved_people.StoredMap)
    assert isinstance(warm.catalog._deletions, Deletions) and warm.catalog._spelling_words is not None
    for name in names:
        assert ask(warm.catalog, f"who {name}") == ask(cold.catalog, f"who {name}"), name
