"""The compact misspelling indexes (bot.index.fuzzy) answer exactly as the plain dicts they replace."""

from __future__ import annotations

import random

import pytest
from pytest import MonkeyPatch

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


def test_deletions_searched_for_many_keys_at_once_find_what_the_dict_finds() -> None:
    """A search for many keys at once (a question's deleted forms) gives the union of what the dict gives for each,
    repeated keys and keys that are none included."""
    rng = random.Random(4)
    letters = "aabdehiklmnorsu "
    spellings = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 9))) for _ in range(600)})
    plain = _plain_deletions(spellings)
    index = Deletions(spellings)
    words = list(plain)
    for _ in range(300):
        keys = rng.sample(words, rng.randint(0, 30)) + ["".join(rng.choice(letters) for _ in range(3))] * 2
        out: set[int] = set()
        index.add_all(out, keys)
        assert out == set().union(*(plain.get(k, set()) for k in keys)), keys


def test_word_index_keeps_positions_in_order() -> None:
    """A word's spellings are listed by position, once each per spelling."""
    built = word_index([("ali", "khan"), ("khan",), ("ali", "ali khan")])
    assert {w: list(p) for w, p in built.items()} == {"ali": [0, 2], "khan": [0, 1], "ali khan": [2]}


def test_a_lookup_hash_keeps_the_bits_the_index_keeps() -> None:
    """The deletion index keeps the low 32 bits of each hash (numpy's int64 -> int32 cast); a lookup cuts its hash
    the same way, edge values and negative hashes included."""
    import numpy as np

    from bot.index.fuzzy import low32

    rng = random.Random(5)
    values = [0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, -(2**63), hash("ali khan")]
    values += [rng.randint(-(2**63), 2**63 - 1) for _ in range(2000)]
    cut = np.array(values, dtype=np.int64).astype(np.int32).tolist()
    assert [low32(v) for v in values] == cut


def test_spelling_tokens_are_the_spelling_keys_tokens_and_fill_no_memo() -> None:
    """spelling_tokens gives spelling_keys' tokens (honorifics, hyphens, accents, particles, transliterations) and
    leaves normalize_name's memo as it was."""
    from bot.briefs.keys import normalize_name
    from bot.index.records import spelling_keys, spelling_tokens

    names = ["Dr. Ali Khan", "Ambassador Zoë Al-Hashimi", "Mohammad bin Salman", "Sayyid Ahmad-Shah  Qureshi", "x"]
    names += ["Khwaja Ph. Mehmood", "H.E. Prof. Leila Sid Farahani", "Müller von Thal", "", "  ", "ul Haq"]
    before = normalize_name.cache_info().currsize
    got = [spelling_tokens(n) for n in names]
    assert normalize_name.cache_info().currsize == before
    assert got == [spelling_keys.__wrapped__(n).tokens for n in names]


@pytest.mark.parametrize("few", [0, 1000], ids=["costed-at-once", "costed-one-by-one"])
def test_near_words_find_what_a_plain_scan_finds(monkeypatch: MonkeyPatch, few: int) -> None:
    """NearWords.close gives the people a plain scan gives: named by a word near every typed word (a removed word
    names nobody), by-word cost (each typed word's nearest own word, capped at best + 1) or whole-name distance at
    most best, on random names, aliases and typed words; the candidates costed at once (numpy) or one by one."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein

    from bot.index import fuzzy
    from bot.index.fuzzy import NearWords
    from bot.index.people import letter_counts

    monkeypatch.setattr(fuzzy, "FEW", few)

    rng = random.Random(8)
    pool = ["ali", "aly", "khan", "kahn", "hussain", "husain", "hossein", "ahmadi", "ahmedi", "raza", "rizvi", "ali-"]
    names = [" ".join(rng.sample(pool[:11], rng.randint(1, 3))) for _ in range(120)]
    aliases = ["zed", "alii", "kan"]
    rows: dict[str, list[int]] = {}
    for number, name in enumerate(names):
        for word in {*name.split(), *rng.sample(aliases, rng.randint(0, 2))}:
            rows.setdefault(word, []).append(number)
    vocabulary = sorted({w for name in names for w in name.split()} | {"unnamed"})
    own = np.array([[vocabulary.index(w) for w in (n.split() * 3)[:3]] for n in names], dtype=np.int32)
    letters = np.array([letter_counts(n) for n in names], dtype=np.int8)
    saved = {w: np.array(r, dtype=np.int32).tobytes() for w, r in rows.items()}
    near = NearWords(saved, vocabulary, own, letters, tuple(names))
    for _ in range(300):
        words = [rng.choice(pool)[: rng.randint(1, 7)] + rng.choice(["", "x", "a"]) for _ in range(rng.randint(1, 3))]
        best = rng.randint(0, 4)
        gone = rng.sample(sorted(rows), rng.randint(0, 1))
        named = None
        for w in words:
            found = {p for t, ps in rows.items() if t not in gone and Levenshtein.distance(w, t) <= best for p in ps}
            named = found if named is None else named & found
        plain = {}
        for p in sorted(named or ()):
            cap = [min(Levenshtein.distance(w, t, score_cutoff=best) for t in names[p].split()) for w in words]
            cost = min(sum(cap), Levenshtein.distance(" ".join(words), names[p], score_cutoff=best))
            if cost <= best:
                plain[p] = cost
        got = near.close(words, best, letter_counts, gone)
        assert dict(zip(*got, strict=True)) == plain, (words, best, gone)
