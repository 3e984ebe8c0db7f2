"""Did-you-mean for topics and words: misspelt words replaced by the nearest words of the index's own vocabulary."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.briefs.keys import fold
from bot.index.catalog import Catalog

_WORD = re.compile(r"\w+")
VOCABULARY_SCAN = 50_000  # indexed words sharing the first letter scanned at most (a not-found answer only)


def max_edits(word: str) -> int:
    """Return how many edits a word of this length may be from its correction (1 up to 5 letters, else 2)."""
    return 1 if len(word) <= 5 else 2


def suggest(catalog: Catalog, text: str, kinds: Iterable[str] | None = None) -> str | None:
    """Return text with each unknown word replaced by the nearest indexed word, when that finds something; else None."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import extractOne

    words = _WORD.findall(fold(text))[:12]
    typed = _WORD.findall(text)
    capital = [w[:1].isupper() for w in typed] if len(typed) == len(words) else [False] * len(words)
    if not words:
        return None
    index = catalog.text
    changed = False
    out = []
    for word in words:
        if len(word) < 4 or word.isdigit() or index.vocabulary(word, 1) == [word]:
            out.append(word)
            continue
        vocabulary = [w for w in index.vocabulary(word[0], VOCABULARY_SCAN) if abs(len(w) - len(word)) <= 2]
        best = extractOne(word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_edits(word))
        if best is None:
            out.append(word)
            continue
        out.append(best[0].capitalize() if capital[len(out)] else best[0])
        changed = True
    if not changed:
        return None
    corrected = " ".join(out)
    kind_list = tuple(kinds) if kinds else None
    return corrected if index.search(corrected, kind_list, limit=1) else None
