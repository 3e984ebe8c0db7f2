"""The compact misspelling indexes (bot.index.fuzzy) answer exactly as the plain dicts they replace."""

from __future__ import annotations

import random

from bot.index.fuzzy import Deletions, word_index


def _plain_deletions(spellings: list[str]) -> dict[str, set[int]]:
    """The deletion index as first written: every spelling with one character deleted -> its spellings' positions."""
    out: dict[str, set[int]] = {}
    for i, spelling in enumerate(spellings):
        for j in range(len(spelling)):
            out.setdefault(spelling[:j] + spelling[j + 1 :], set()).add(i)
    return out


def test_deletions_find_what_the_dict_finds() -> None:
    """Every deleted form, and strings that are none, give the positions the dict gives (repeated letters too)."""
    rng = random.Random(3)
    letters = "aabdehiklmnorsu "
    spellings = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(600)})
    spellings += ["aa", "aaa", "ali khan", "ali kahn"]
    plain = _plain_deletions(spellings)
    index = Deletions(spellings)
    probes = list(plain) + ["".join(rng.choice(letters) for _ in range(rng.randint(0, 8))) for _ in range(600)]
    for probe in probes:
        out: set[int] = set()
        index.add_to(out, probe)
        assert out == plain.get(probe, set()), probe


def test_word_index_keeps_positions_in_order() -> None:
    """A word's spellings are listed by position, once each per spelling."""
    built = word_index([("ali", "khan"), ("khan",), ("ali", "ali khan")])
    assert {w: list(p) for w, p in built.items()} == {"ali": [0, 2], "khan": [0, 1], "ali khan": [2]}
