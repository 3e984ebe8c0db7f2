"""The institute, country and series indexes: compact (ranks in arrays), built from participants read in batches,
and answering as an in-memory catalog of the same dialogues does."""

from __future__ import annotations

import random
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.questions import subjects
from bot.questions.subjects import group_count, group_dialogues, is_group, series_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BriefStore]:
    """Return a store over 80 generated briefs started from its cache (as after a restart)."""
    root = tmp_path_factory.mktemp("corpus")
    generate(root / "briefs", 80, seed=21)
    assert BriefStore(root / "briefs", cache_dir=root / "cache").load().ok
    warm = BriefStore(root / "briefs", cache_dir=root / "cache")
    assert warm.load().reused == 80
    yield warm


def group_names(catalog: Catalog) -> list[str]:
    """Return organisers, affiliations, countries, their words and pairs of words, as questions name groups."""
    names: set[str] = set()
    for _, _, _, body in catalog.text.rows_of_kind("organizer"):
        names.add(body)
        names.update(body.split())
    for did in catalog.ordered_ids():
        for part in catalog.parts(did):
            for value in (part.affiliation, part.country):
                if value:
                    names.add(value)
                    names.update(value.split())
    ordered = sorted(names)
    rng = random.Random(3)
    return [*ordered, *(" ".join(rng.sample(ordered, 2)) for _ in range(40)), "no such institute"]


def test_the_group_index_reads_no_participant_record(store: BriefStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build reads the participants' affiliations and countries in batches: no record is built or memoised,
    and every posting list is an array of ranks."""
    catalog = store.catalog
    subjects._GROUPS.pop(catalog, None)

    def refuse(did: str) -> tuple[()]:
        raise AssertionError(f"participant records of {did} read")

    monkeypatch.setattr(catalog, "_parts", refuse)
    memo = dict(store._parts_memo)
    index = subjects.groups(catalog)
    assert store._parts_memo == memo
    postings = [*index.org_exact.values(), *index.org_words.values(), *index.part_exact.values()]
    postings += index.part_words.values()
    assert postings and all(isinstance(ranks, array) for ranks in postings)
    assert all(list(ranks) == sorted(set(ranks)) for ranks in postings)  # newest first, each dialogue once


def test_group_answers_equal_an_in_memory_catalog(store: BriefStore) -> None:
    """Every group question answers as a catalog built in memory from the same dialogues."""
    cached = store.catalog
    memory = Catalog({did: cached.all[did] for did in cached.all}, cached.registry)
    assert list(memory.ordered_ids()) == list(cached.ordered_ids())
    for name in group_names(memory):
        for exact in (False, True):
            for limit in (2, 10_000):
                assert group_dialogues(cached, name, exact=exact, limit=limit) == group_dialogues(
                    memory, name, exact=exact, limit=limit
                ), (name, exact, limit)
            assert group_count(cached, name, exact=exact) == group_count(memory, name, exact=exact)
            assert is_group(cached, name, exact=exact) == is_group(memory, name, exact=exact)
        assert series_of(cached, name) == series_of(memory, name)


@pytest.mark.parametrize("kind", ["organizer", "meta", "participant"])
def test_rows_read_in_batches_are_the_rows_of_the_kind(store: BriefStore, kind: str) -> None:
    """Reading a kind's rows a small batch at a time gives every row rows_of_kind gives, in the same order."""
    text = store.catalog.text
    assert list(text.each_row_of_kind(kind, batch=7)) == text.rows_of_kind(kind) != []
