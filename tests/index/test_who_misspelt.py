"""`who` with a misspelt name at a size where fuzzy matching uses the one-edit index before its shortlist."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from bot.index.catalog import FUZZY_PREFILTER, Catalog
from bot.index.store import BriefStore

CORPUS_SIZE = 400  # briefs generated for this module (see conftest)
CORPUS_SEED = 5


@pytest.fixture(scope="module")
def catalog(corpus: Path) -> Catalog:
    """A generated corpus with more spellings than the fuzzy prefilter threshold."""
    store = BriefStore(corpus)
    assert store.load().ok
    assert len(store.catalog._spellings) > FUZZY_PREFILTER
    return store.catalog


def _full_scan(catalog: Catalog, query: str) -> set[str]:
    """People whose spellings score within 3 of the best WRatio (at least 85) over every spelling."""
    scored: dict[str, float] = {}
    for spelling, score, _ in process.extract(query, catalog._spellings, scorer=fuzz.WRatio, limit=20):
        for key in catalog._exact[spelling]:
            scored[key] = max(scored.get(key, 0.0), float(score))
    best = max(scored.values())
    return {k for k, s in scored.items() if s >= best - 3} if best >= 85 else set()


def _dropped(spelling: str) -> list[str]:
    """Every spelling with one letter inside a word dropped."""
    return [spelling[:i] + spelling[i + 1 :] for i in range(1, len(spelling) - 1) if spelling[i] != " "]


def test_dropped_letter_finds_the_person(catalog: Catalog) -> None:
    """A name with one letter dropped resolves, by the one-edit index, to the person who has that spelling."""
    checked = 0
    for spelling in catalog._spellings[:60]:
        for query in _dropped(spelling)[::3]:
            if query in catalog._exact or not catalog._one_edit(query):
                continue  # another spelling, or a word the part index already knows
            match = catalog.find_people(query)
            if match.how != "fuzzy":
                continue
            assert set(catalog._exact[spelling]) & set(match.keys), query
            checked += 1
    assert checked > 50


def test_missing_space_finds_the_person(catalog: Catalog) -> None:
    """A name with two of its words run together resolves to the person."""
    spelling = next(s for s in catalog._spellings if s.count(" ") == 2 and len(catalog._exact[s]) == 1)
    first, second, third = spelling.split()
    match = catalog.find_people(f"{first} {second}{third}")
    assert match.how == "fuzzy"
    assert match.keys == tuple(catalog._exact[spelling])


def test_ambiguous_misspelling_returns_every_close_person(catalog: Catalog) -> None:
    """A misspelling about as close to two people's spellings returns both, as a scan of every spelling does."""
    checked = 0
    for spelling in catalog._spellings:
        for query in _dropped(spelling):
            if query in catalog._exact or not catalog._one_edit(query):
                continue
            expected = _full_scan(catalog, query)
            if len(expected) < 2:
                continue
            match = catalog.find_people(query)
            if match.how == "fuzzy":
                assert set(match.keys) == expected, query
                checked += 1
    assert checked >= 3


def test_lost_space_answers_the_one_person(catalog: Catalog) -> None:
    """`who FirstSecond Third` (a lost space) answers the one person of that name, not everyone sharing two words."""
    from bot.answer import AnswerKind
    from bot.query import ask

    checked = 0
    for spelling in catalog._spellings:
        keys = tuple(catalog._exact[spelling])
        words = spelling.split()
        if len(words) != 3 or len(keys) != 1 or catalog.people[keys[0]].name.lower() != spelling:
            continue
        answer = ask(catalog, f"who {words[0]}{words[1]} {words[2]}")
        assert answer.kind is not AnswerKind.CHOOSE and answer.refs == keys, spelling
        checked += 1
        if checked == 20:
            break
    assert checked >= 5
