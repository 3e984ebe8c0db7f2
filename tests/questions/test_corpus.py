"""The questions on a generated corpus served warm from the cache, checked against the loaded dialogues."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import AnswerKind
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from bot.questions.network import person_network
from bot.questions.subjects import group_dialogues
from bot.questions.timeline import UNDATED

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """Return a catalog over 80 generated briefs, loaded from a cache built by an earlier load (as after a restart)."""
    root = tmp_path_factory.mktemp("corpus")
    generate(root / "briefs", 80, seed=13)
    assert BriefStore(root / "briefs", cache_dir=root / "cache").load().ok
    store = BriefStore(root / "briefs", cache_dir=root / "cache")
    assert store.load().reused == 80
    yield store.catalog


def people_keys(catalog: Catalog, did: str) -> set[str]:
    """Return the people-index keys of a dialogue's participants, from the loaded dialogue's participant count."""
    count = len(catalog.dialogues[did].participants)
    return {catalog.person_key(catalog.part(did, i)) for i in range(count)}


def test_network_counts_match_the_dialogues(warm: Catalog) -> None:
    """Each tie's shared count and latest dialogue agree with a count over the loaded dialogues."""
    rng = random.Random(1)
    for key in rng.sample(sorted(warm.people), 15):
        record = warm.people[key]
        expected: dict[str, int] = {}
        for a in record.appearances:
            for other in people_keys(warm, a.dialogue_id) - {key}:
                expected[other] = expected.get(other, 0) + 1
        net = person_network(warm, key)
        assert {t.key: t.shared for t in net.ties} == expected
        counts = [t.shared for t in net.ties]
        assert counts == sorted(counts, reverse=True)


def test_person_timeline_lists_every_dialogue_in_date_order(warm: Catalog) -> None:
    """A person's timeline cites each of their dialogues once, dated ones in date order, undated ones after."""
    busiest = max(warm.people, key=lambda k: len(warm.people[k].appearances))
    record = warm.people[busiest]
    answer = ask(warm, f"timeline person {record.name}")
    assert answer.kind is AnswerKind.TIMELINE
    cited = [i.citation.dialogue_id for i in answer.items if i.citation]
    assert sorted(cited) == sorted(a.dialogue_id for a in record.appearances)
    dates = [warm.summary(did).date for did in cited]
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates[: len(dated)] == dated
    if len(dated) < len(dates):
        assert UNDATED in [i.heading for i in answer.items]


def test_country_dialogues_match_the_dialogues(warm: Catalog) -> None:
    """An exact country finds every dialogue it organised or sent someone to, newest first."""
    expected = [
        did
        for did in warm.ordered_ids()
        if any(o.country == "Iran" for o in warm.dialogues[did].organizers)
        or any(p.country == "Iran" for p in warm.dialogues[did].participants)
    ]
    assert [g.dialogue_id for g in group_dialogues(warm, "Iran", exact=True)] == expected


def test_series_match_the_dialogues(warm: Catalog) -> None:
    """Every series in the corpus lists exactly its dialogues."""
    series: dict[str, set[str]] = {}
    for did in warm.ordered_ids():
        name = warm.dialogues[did].series
        if name:
            series.setdefault(name, set()).add(did)
    assert series, "the generated corpus has annual dialogues"
    for name, dids in series.items():
        assert set(ask(warm, f"dialogue series {name}").refs) == dids


def test_compare_sides_are_positions_by_each(warm: Catalog) -> None:
    """Each side of a comparison is what `positions TOPIC by SIDE` says, newest first."""
    answer = ask(warm, "compare Afghanistan: Pakistan vs China")
    for column, side in enumerate(("Pakistan", "China")):
        expected = ask(warm, f"positions Afghanistan by {side}")
        got = [i.citation.dialogue_id for i in answer.items if i.column == column and i.citation]
        assert got == [i.citation.dialogue_id for i in expected.items if i.citation][:20]
