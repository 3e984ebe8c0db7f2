"""Compact misspelling indexes over the people index's spellings, held by a catalog for `who` with a misspelt name.

A dict from every spelling with one character deleted to its spellings (SymSpell) costs ~100 bytes an entry: ~80 MB
at 50,000 briefs (720,000 deletions). Here the deletions are kept as sorted hashes (their low 32 bits) beside the
spelling each came from, ~8 bytes an entry. Invariant: a lookup returns exactly what the dict returned; a hash match is
confirmed against the spelling itself, so two strings with equal (low) hashes never add a wrong spelling.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence


class Deletions:
    """Every spelling with one character deleted -> the positions of the spellings it came from."""

    __slots__ = ("_hashes", "_positions", "_spellings")

    def __init__(self, spellings: Sequence[str]) -> None:
        import numpy as np

        hashes = array("q")
        ends = array("q")  # where each spelling's deletions end in hashes
        for spelling in spellings:
            hashes.extend(map(hash, [spelling[:j] + spelling[j + 1 :] for j in range(len(spelling))]))
            ends.append(len(hashes))
        flat = np.frombuffer(hashes, dtype=np.int64).astype(np.int32)  # the low 32 bits (_low32), ~3 MB less
        del hashes
        order = np.argsort(flat, kind="stable")
        # kept as plain arrays: a lookup bisects them without numpy's per-call cost (~2 us a call, 40 a question)
        self._hashes = array("i", flat[order].tobytes())
        # the spelling of each deletion: the first spelling whose deletions end after it
        ends_at = np.frombuffer(ends, dtype=np.int64)
        self._positions = array("i", np.searchsorted(ends_at, order, side="right").astype(np.int32).tobytes())
        self._spellings = spellings

    def add_to(self, out: set[int], key: str) -> None:
        """Add to out the positions of the spellings that are key with one character more."""
        hashes = self._hashes
        h = _low32(hash(key))
        i = bisect_left(hashes, h)
        if i == len(hashes) or hashes[i] != h:
            return
        from rapidfuzz.distance import Levenshtein

        spellings, positions, size = self._spellings, self._positions, len(key) + 1
        while i < len(hashes) and hashes[i] == h:
            position = positions[i]
            spelling = spellings[position]
            # one letter longer and one edit away: key is spelling with one letter deleted (not a hash collision)
            if len(spelling) == size and Levenshtein.distance(spelling, key, score_cutoff=1) == 1:
                out.add(position)
            i += 1


def _low32(h: int) -> int:
    """Return the low 32 bits of a hash as a signed int (what numpy's int64 -> int32 cast keeps)."""
    return ((h + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def word_index(tokens_of: Iterable[tuple[str, ...]]) -> dict[str, array[int]]:
    """Return every word -> the positions (ascending) of the spellings holding it, given each spelling's words."""
    built: dict[str, array[int]] = {}
    for i, words in enumerate(tokens_of):
        for word in words:
            found = built.get(word)
            if found is None:
                found = built[word] = array("i")
            found.append(i)
    return built
