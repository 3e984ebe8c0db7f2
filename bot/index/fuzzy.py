"""Compact misspelling indexes over the people index's spellings, held by a catalog for `who` with a misspelt name.

A dict from every spelling with one character deleted to its spellings (SymSpell) costs ~100 bytes an entry: ~80 MB
at 50,000 briefs (720,000 deletions). Here the deletions are kept as sorted hashes (their low 32 bits) beside the
spelling each came from, ~8 bytes an entry. Invariant: a lookup returns exactly what the dict returned; a hash match is
confirmed against the spelling itself, so two strings with equal (low) hashes never add a wrong spelling.

NearWords holds the name words (tokens) of one saved people index, with whom each names by person number, so widening
a misspelt name to everyone about as close (Catalog.equally_close) takes a few array steps instead of one step per
candidate. Invariant: it holds the saved rows of one generation only; a caller uses it only when no word a reload
changed is near the typed ones.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

FEW = 48  # close costs up to this many candidates one by one in Python, more at once (numpy)


class Deletions:
    """Every spelling with one character deleted -> the positions of the spellings it came from."""

    __slots__ = ("_hashes", "_positions", "_spellings", "_starts")

    def __init__(self, spellings: Sequence[str]) -> None:
        import numpy as np

        hashes = array("q")
        ends = array("q")  # where each spelling's deletions end in hashes
        for spelling in spellings:
            hashes.extend(map(hash, [spelling[:j] + spelling[j + 1 :] for j in range(len(spelling))]))
            ends.append(len(hashes))
        flat = np.frombuffer(hashes, dtype=np.int64).astype(np.int32)  # the low 32 bits (low32), ~3 MB less
        del hashes
        order = np.argsort(flat, kind="stable")
        # kept as plain arrays: a lookup bisects them without numpy's per-call cost (~2 us a call, 40 a question)
        self._hashes = array("i", flat[order].tobytes())
        # where the hashes of each value of their top 16 bits start (and end: the next one's start): a lookup bisects
        # a dozen neighbouring hashes (a cache line or two) instead of 3 MB of them (~20 far reads, most uncached)
        tops = (np.arange((1 << 16) + 1, dtype=np.int64) - (1 << 15)) << 16
        self._starts = array(
            "i", np.searchsorted(np.frombuffer(self._hashes, dtype=np.int32), tops).astype(np.int32).tobytes()
        )
        # the spelling of each deletion: the first spelling whose deletions end after it
        ends_at = np.frombuffer(ends, dtype=np.int64)
        self._positions = array("i", np.searchsorted(ends_at, order, side="right").astype(np.int32).tobytes())
        self._spellings = spellings

    def add_to(self, out: set[int], key: str) -> None:
        """Add to out the positions of the spellings that are key with one character more."""
        self.add_all(out, [key])

    def add_all(self, out: set[int], keys: Iterable[str]) -> None:
        """Add to out the positions of the spellings that are any of these keys with one character more."""
        hashes, starts = self._hashes, self._starts
        spellings, positions = self._spellings, self._positions
        distance = None
        for key in keys:
            h = low32(hash(key))
            top = (h >> 16) + (1 << 15)
            end = starts[top + 1]
            i = bisect_left(hashes, h, starts[top], end)
            while i < end and hashes[i] == h:
                position = positions[i]
                spelling = spellings[position]
                # one letter longer and one edit away: key is spelling with one letter deleted (not a hash collision)
                if len(spelling) == len(key) + 1:
                    if distance is None:
                        from rapidfuzz.distance import Levenshtein

                        distance = Levenshtein.distance
                    if distance(spelling, key, score_cutoff=1) == 1:
                        out.add(position)
                i += 1


def low32(h: int) -> int:
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


class NearWords:
    """The saved name words and whom each names (person numbers), with each person's own name words, for widening."""

    __slots__ = ("_letters", "_place", "_wholes", "lengths", "member", "own", "rows", "sizes", "words")

    def __init__(
        self, rows: Mapping[str, bytes], vocabulary: Sequence[str], own: Any, letters: Any, wholes: Any
    ) -> None:
        import numpy as np

        tokens = list(rows)
        place = {w: i for i, w in enumerate(tokens)}
        # one vocabulary for both: the name words rows are kept for, then the names' own words that have none
        self.words = tokens + [w for w in vocabulary if w not in place]
        place.update((w, i) for i, w in enumerate(self.words))
        self._place = place
        kind = np.int16 if len(self.words) < 1 << 15 else np.int32
        self.own = np.array([place[w] for w in vocabulary], dtype=kind)[own]  # each person's own words, by number
        self.rows = [np.frombuffer(rows[w], dtype=np.int32) for w in tokens]  # each word's people, ascending
        self.sizes = np.array([len(r) for r in self.rows], dtype=np.int64)
        self.member = _members(self.rows, self.sizes, len(own), len(self.words), kind)
        self._letters = letters
        self.lengths = letters.sum(axis=1, dtype=np.int16)  # each person's name length (letters counts each letter)
        self._wholes = wholes

    def close(
        self, words: list[str], best: int, letters_of: Callable[[str], Any], gone: Iterable[str] = ()
    ) -> tuple[list[int], list[int]]:
        """Return the numbers of the people named by a word within best edits of each typed word whose cost (see
        Catalog.equally_close) is at most best, and those costs; a typed word with no such near word gives none.
        letters_of gives a string's letter counts (people.letter_counts); the gone words (removed by a reload) name
        nobody."""
        import numpy as np
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import cdist

        # each typed word's distance to every word, capped at best + 1 (as near_cost caps it)
        near = cdist(words, self.words, scorer=Levenshtein.distance, score_cutoff=best, dtype=np.int32)
        named = np.zeros((len(words), len(self.words) + 1), dtype=bool)  # the last column: a padding position
        np.less_equal(near, best, out=named[:, :-1])
        tokens = len(self.rows)
        removed = [self._place[w] for w in gone if self._place.get(w, tokens) < tokens]
        if removed:
            named[:, removed] = False
        load = named[:, :tokens] @ self.sizes  # how many row entries each typed word's near words hold
        if not load.all():
            return [], []
        found = self._named(named, load)
        if not len(found):
            return [], []
        if len(found) <= FEW:
            return self._costed(words, best, near[:, self.own[found]].tolist(), found.tolist())
        # summed over the typed words, each taking the nearest of a person's own words
        mine = self.own[found]
        costs = None
        for w in range(len(words)):
            at = near[w][mine]
            nearest = at[:, 0]
            for j in range(1, at.shape[1]):  # elementwise over the few columns: faster than a reduction along them
                nearest = np.minimum(nearest, at[:, j])
            costs = nearest if costs is None else costs + nearest
        assert costs is not None
        typed = " ".join(words)
        self._by_whole(costs, found, typed, best, letters_of(typed))
        keep = costs <= best
        return found[keep].tolist(), costs[keep].tolist()

    def _costed(self, words: list[str], best: int, near: list[Any], found: list[int]) -> tuple[list[int], list[int]]:
        """Return close's answer for a few people, costed one by one (near: each typed word's capped distance to each
        one's own words, by typed word and person): a numpy step costs more than this work on a few."""
        from rapidfuzz.distance import Levenshtein

        typed, wholes, distance = " ".join(words), self._wholes, Levenshtein.distance
        numbers: list[int] = []
        costs: list[int] = []
        for i, number in enumerate(found):
            by_word = sum(min(row[i]) for row in near)
            # the whole name's distance, capped as close caps it (it can lower no cost over best to best or less
            # unless it is at most best itself)
            cost = min(by_word, distance(typed, wholes[number], score_cutoff=best))
            if cost <= best:
                numbers.append(number)
                costs.append(cost)
        return numbers, costs

    def _named(self, named: Any, load: Any) -> Any:
        """Return the numbers (ascending) of the people named by a near word of every typed word: the rows of the
        typed word with the fewest, then, for each other typed word, those among them it names too."""
        import numpy as np

        first, *others = np.argsort(load, kind="stable").tolist()
        found = self._union(np.flatnonzero(named[first, : len(self.rows)]).tolist())
        width = self.member.shape[1]
        for w in others:
            if not len(found):
                break
            if load[w] < len(found) * width:  # its rows are fewer than the candidates' words: marked, then looked up
                mask = np.zeros(len(self.member), dtype=bool)
                mask[self._union(np.flatnonzero(named[w, : len(self.rows)]).tolist(), unique=False)] = True
                found = found[mask[found]]
            else:  # each candidate's own words looked up
                found = found[named[w][self.member[found]].any(axis=1)]
        return found

    def _union(self, ids: list[int], unique: bool = True) -> Any:
        """Return the people of these words' rows: ascending and once each, unless not unique is asked."""
        import numpy as np

        if len(ids) == 1:
            return self.rows[ids[0]]
        joined = np.concatenate([self.rows[i] for i in ids])
        if not unique:
            return joined
        mask = np.zeros(len(self.member), dtype=bool)
        mask[joined] = True
        return np.flatnonzero(mask)

    def _by_whole(self, costs: Any, found: Any, typed: str, best: int, typed_letters: Any) -> None:
        """Lower costs to the whole name's distance where it may be the smaller one, at most best: for those within
        best by word, and for those whose letters differ from the typed ones' by at most best (a lower bound)."""
        import numpy as np
        from rapidfuzz.distance import Levenshtein
        from rapidfuzz.process import cdist

        # the length difference bounds the letter bound below: only those within best by length are counted
        lengths = self.lengths[found]
        maybe = np.flatnonzero((costs > best) & (np.abs(lengths - len(typed)) <= best))
        # the larger of the letters in excess and the letters missing, (all differences + the length difference) / 2,
        # is the longer length less the letters the two have in common
        common = np.minimum(self._letters[found[maybe]], typed_letters).sum(axis=1)
        bound = np.maximum(lengths[maybe], len(typed)) - common
        counted = costs <= best
        counted[maybe[bound <= best]] = True
        whole = np.flatnonzero(counted)
        if len(whole):
            wholes = self._wholes
            named_as = [wholes[r] for r in found[whole].tolist()]
            to_whole = cdist([typed], named_as, scorer=Levenshtein.distance, score_cutoff=best, dtype=np.int32)
            costs[whole] = np.minimum(costs[whole], to_whole[0])


def _members(rows: list[Any], sizes: Any, count: int, pad: int, kind: Any) -> Any:
    """Return each person's words (row positions), as a matrix by person number padded with pad."""
    import numpy as np

    if not rows:
        return np.full((count, 1), pad, dtype=kind)
    people = np.concatenate(rows)
    word = np.repeat(np.arange(len(rows), dtype=kind), sizes)
    by_person = np.argsort(people, kind="stable")
    people, word = people[by_person], word[by_person]
    counts = np.bincount(people, minlength=count)
    member = np.full((count, max(1, int(counts.max(initial=0)))), pad, dtype=kind)
    starts = np.cumsum(counts) - counts
    member[people, np.arange(len(people)) - np.repeat(starts, counts)] = word
    return member
