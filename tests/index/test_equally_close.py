"""`who`'s widening to everyone about as close (Catalog.equally_close): the fast path answers as the plain one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from bot.briefs.models import normalize_name
from bot.briefs.names import PARTICLES, name_tokens
from bot.index.catalog import Catalog
from bot.index.store import BriefStore

CORPUS_SIZE = 400  # briefs generated for this module (see conftest)
CORPUS_SEED = 11


@pytest.fixture(scope="module")
def catalog(corpus: Path) -> Catalog:
    """A generated corpus: families of namesakes, registry aliases, transliterations."""
    store = BriefStore(corpus)
    assert store.load().ok
    return store.catalog


def _plain(catalog: Catalog, query: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """equally_close as first written: every present key costed, every word's near tokens scanned."""
    words = [w for w in normalize_name(query).replace("-", " ").split() if w not in PARTICLES]
    present = tuple(k for k in keys if k in catalog._people)
    if not words or not present:
        return keys
    typed = " ".join(words)

    def cost(key: str) -> int:
        own = [t for t in name_tokens(catalog._people[key].name) if t not in PARTICLES] or [""]
        by_word = sum(min(Levenshtein.distance(w, t) for t in own) for w in words)
        name = normalize_name(catalog._people[key].name).replace("-", " ").split()
        return min(by_word, Levenshtein.distance(typed, " ".join(w for w in name if w not in PARTICLES)))

    costs = {k: cost(k) for k in present}
    best = min(costs.values())
    if best == 0 or best > sum(max(2, len(w) // 2) for w in words):
        return keys
    vocabulary = list(catalog._tokens)
    candidates: set[str] | None = None
    for w in words:
        near = {t for t, _, _ in extract(w, vocabulary, scorer=Levenshtein.distance, score_cutoff=best, limit=None)}
        found = {k for t in near for k in catalog._tokens.get(t, ())}
        candidates = found if candidates is None else candidates & found
    for k in candidates or ():
        if k not in costs:
            costs[k] = cost(k)
    close = [k for k, c in costs.items() if c <= best or k in present]
    if len(close) <= len(present):
        return keys
    order = {k: i for i, k in enumerate(catalog._by_recency(close))}
    return tuple(sorted(close, key=lambda k: (costs[k], order[k])))


def _questions(catalog: Catalog) -> list[str]:
    """Names as the benchmark asks them: whole, a letter dropped, the family name, with a title, a lost space."""
    rng = random.Random(3)
    out: list[str] = []
    for key in rng.sample(sorted(catalog.people), min(300, len(catalog.people))):
        spelling = rng.choice(sorted(catalog.people[key].spellings))
        words = spelling.split()
        i = rng.randrange(1, max(2, len(spelling) - 1))
        out += [spelling, spelling[:i] + spelling[i + 1 :], words[-1], f"Dr. {spelling.lower()}"]
        if len(words) > 1:
            out.append("".join(words[:2]) + " " + " ".join(words[2:]))
    return out


def test_equally_close_answers_as_the_plain_widening(catalog: Catalog) -> None:
    """For hundreds of names (namesakes, misspellings, family names only), the same people in the same order."""
    widened = 0
    for query in _questions(catalog):
        match = catalog.find_people(query)
        if not match.keys:
            continue
        got = catalog.equally_close(query, match.keys)
        assert got == _plain(catalog, query, match.keys), query
        widened += got != match.keys
    assert widened > 20  # the widening itself was exercised, not only its early returns
