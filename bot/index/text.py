"""The full-text index (TextIndex): every FTS5 query, over the tables CacheDB creates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from bot.briefs.keys import fold
from bot.briefs.names import PARTICLES
from bot.index.cachedb import CacheDB
from bot.index.rows import (
    CLASS_SHIFT,
    CLASSES,
    DATE_SHIFT,
    SEQ_MASK,
    WHO_MARK,
    DisplayRow,
    display_row,
    plain_body,
    row_id,
    row_key,
    text_fields,
    text_items,
)

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue


@dataclass(frozen=True, slots=True)
class TextHit:
    """One full-text hit: which dialogue, which field, and how well it matched."""

    dialogue_id: str
    kind: str
    ref: int
    field: str
    text: str
    score: float
    recency: bool = False  # ranked by field class and recency (a very common query), not by BM25


_WORD = re.compile(r"\w+", re.UNICODE)
_PLAIN = re.compile(r"[^\W_]+")
_KIND_WEIGHT = {"title": 3.0, "session": 2.0, "topic": 2.0, "position": 1.5, "participant": 1.5}
STOP_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"})
SHORT_WORD = 2  # query words this short match whole words only
PREFIX_TERMS = 64  # a prefix with more indexed words than this is left to FTS5's own prefix query
BM25_MAX = 100  # up to this many matching fields, hits are ranked by BM25; beyond, by field class then recency
PAIR_CAP = 400  # an AND's two rarest words held together by at most this many fields: the others are read in their text
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # the words FTS5's unicode61 tokenizer makes of an ASCII text, lowered
_SOLE_CLASS_KINDS = frozenset({"session", "position"})  # no other kind shares their field classes
_KIND_CLASSES = {"title": (4,), "topic": (4,), "session": (3, 2), "position": (1,)}


def _class_ranges(kinds: set[str] | None) -> list[tuple[int, int]]:
    """Return the row-id ranges (ascending: highest class first) holding the fields of these kinds."""
    classes = sorted({c for k in kinds for c in _KIND_CLASSES.get(k, (0,))} if kinds else range(CLASSES))
    ranges: list[list[int]] = []
    for c in classes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return [(row_id(((hi + 1) << CLASS_SHIFT) - 1), row_id(lo << CLASS_SHIFT)) for lo, hi in reversed(ranges)]


class _Word(NamedTuple):
    """One word of a query as the index matches it: its FTS5 text, the indexed words it stands for, and a size."""

    query: str  # e.g. `"un"`, `("pipeline" OR "pipelines")` or `"pipe"*`
    tokens: tuple[str, ...]  # the indexed words it matches; empty for a prefix query
    prefix: str | None  # a prefix query: every indexed word starting with this
    docs: int  # about how many rows hold it (the term counts, for planning: never an answer)
    typed: int = 0  # which typed word it is part of: parts of one ("non-proliferation") are mostly found together

    def plain(self) -> bool:
        """Return whether an ASCII text can be tested for this word in Python exactly as FTS5 tests it."""
        return all(_ASCII_WORD.fullmatch(t) for t in (*self.tokens, *((self.prefix,) if self.prefix else ())))

    def in_words(self, words: set[str]) -> bool:
        """Return whether a text of these (unicode61, lowered) words holds this word."""
        if self.prefix is not None:
            return any(w.startswith(self.prefix) for w in words)
        return not words.isdisjoint(self.tokens)


class TextIndex:
    """SQLite FTS5 full-text index over every text field of the briefs.

    Up to BM25_MAX matching fields are ranked with BM25. A query matching more (a one-word topic over thousands
    of briefs) is answered by walking the index in ascending row-id order, which the row ids make "titles and
    topics, then session titles, session text, positions, the rest; newest first within each" (rows.row_id),
    stopping after `limit` hits.
    """

    def __init__(self, db: CacheDB | None = None, versions: Mapping[str, str] | None = None) -> None:
        self._cache = db or CacheDB(None)
        # A shared on-disk index may hold rows of versions this snapshot does not serve; those are skipped.
        self._versions = versions

    @property
    def versions(self) -> Mapping[str, str] | None:
        """Return the content key of each dialogue this snapshot serves (None for an index built in memory)."""
        return self._versions

    def add(self, dialogues: Iterable[Dialogue]) -> None:
        """Index the text fields of these dialogues."""
        self._cache.begin()
        self._cache.begin_bulk()
        for dialogue in dialogues:
            self._cache.put_text(dialogue.id, "", dialogue.date, text_fields(dialogue), text_items(dialogue))
        self._cache.end_bulk()
        self._cache.commit()

    def remove(self, dialogue_id: str) -> None:
        """Drop one dialogue's rows."""
        self._cache.begin()
        self._cache.drop_text(dialogue_id)
        self._cache.commit()

    def search(
        self,
        text: str,
        kinds: Iterable[str] | None = None,
        limit: int = 50,
        recent_limit: int | None = None,
        speakers: Sequence[str] = (),
        ranked: bool = True,
        *,
        texts: bool = True,
    ) -> list[TextHit]:
        """Return hits for all words of text (or, failing that, any word), best first.

        recent_limit, when given, caps the hits of a query ranked by recency (a caller that keeps only the newest
        few of BM25's best `limit` needs no more than those). speakers, when given, keeps only positions whose
        speakers' affiliation, country and role hold all these words. ranked=False skips BM25: the newest hits
        (by field class, then event date) come back, for a caller that orders by date anyway. texts=False leaves
        the text of hits ranked by recency empty, for a caller that shows its own display rows.
        """
        words = [w for w in _WORD.findall(fold(text)) if w]
        # each word with the number of the typed word it is part of ("non-proliferation": two words, one typed)
        parts_of = [(w, n) for n, chunk in enumerate(text.split()) for w in _WORD.findall(fold(chunk))]
        numbers = [n for _, n in parts_of] if [w for w, _ in parts_of] == words else range(len(words))
        typed = list(zip(words, numbers, strict=True))[:12]
        # "the", "and" ... match nearly every field: left out when the query has other words, since FTS5 would
        # intersect their long lists of rows at every step
        typed = [(w, n) for w, n in typed if w not in STOP_WORDS and w not in PARTICLES] or typed
        words = [w for w, _ in typed]
        if not words:
            return []
        kind_set = set(kinds) if kinds else None
        # a word of one or two letters ("al", "UN") is matched whole: as a prefix it matches "along", "until"
        parts = [(self._whole(w) if len(w) <= SHORT_WORD else self._prefix(w))._replace(typed=n) for w, n in typed]
        terms = [p.query for p in parts]
        extra = ""
        if speakers:
            extra = " AND who : (" + " AND ".join(f'"{WHO_MARK}{w}"' for w in speakers) + ")"
        every = f"body : ({' AND '.join(terms)}){extra}"
        # (a speaker filter is not probed: `positions X by Iran` asks what some speakers said, and they said some)
        probe = len(terms) > 1 and not extra
        hits = self._query(every, kind_set, limit, recent_limit, ranked, probe=probe, words=parts, texts=texts)
        if not hits and len(words) > 1:
            hits = self._query(
                f"body : ({' OR '.join(terms)}){extra}", kind_set, limit, recent_limit, ranked, texts=texts
            )
        return hits

    def _whole(self, word: str) -> _Word:
        """Return the query for one whole word."""
        found = self._cache.term_docs(word, 1)
        return _Word(f'"{word}"', (word,), None, found[0][1] if found and found[0][0] == word else 0)

    def _prefix(self, word: str) -> _Word:
        """Return the query for words starting with word: the indexed words spelled out, as FTS5 walks a list of
        words lazily but builds the whole match list of a `word*` prefix query before it can stop early."""
        found = self._cache.term_docs(word, PREFIX_TERMS + 1)
        if not found or len(found) > PREFIX_TERMS:
            return _Word(f'"{word}"*', (), word, 1 << 62 if found else 0)
        return _Word(
            "(" + " OR ".join(f'"{t}"' for t, _ in found) + ")",
            tuple(t for t, _ in found),
            None,
            sum(n for _, n in found),
        )

    def vocabulary(self, prefix: str, limit: int) -> list[str]:
        """Return up to limit indexed words starting with prefix, in order (words of removed briefs may linger)."""
        return self._cache.terms(prefix, limit)

    def speaker_positions(self, words: Sequence[str], limit: int) -> list[TextHit]:
        """Return the newest positions whose speakers hold all these words in their affiliation or country (every
        position when words is empty), in newest-first order."""
        if words and all(_PLAIN.fullmatch(w) for w in words):
            match = "who : (" + " AND ".join(f'"{WHO_MARK}{w}"' for w in words) + ")"
            return self._query(match, {"position"}, limit, None, ranked=False)
        ranges = _class_ranges({"position"})
        rows = self._cache.query_text(
            "SELECT rowid, did, kind, ref, field, body, ver FROM textstore WHERE kind = 'position'"
            " AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?",
            (ranges[0][0], ranges[-1][1], limit * 4),
        )
        versions = self._versions
        out = [r for r in rows if versions is None or versions.get(r[1]) == r[6]]
        return [TextHit(did, kind, int(ref), name, body, 0.0, True) for _, did, kind, ref, name, body, _ in out[:limit]]

    def rows_of_kind(self, kind: str) -> list[tuple[str, int, str, str]]:
        """Return (dialogue id, ref, field, text) of every served row of one kind (a scan: for indexes built once)."""
        ranges = _class_ranges({kind})
        rows = self._cache.query_text(
            "SELECT did, ref, field, body, ver FROM textstore WHERE kind = ? AND rowid BETWEEN ? AND ?"
            " ORDER BY rowid DESC",
            (kind, ranges[0][0], ranges[-1][1]),
        )
        versions = self._versions
        return [
            (did, int(ref), f, body) for did, ref, f, body, ver in rows if versions is None or versions.get(did) == ver
        ]

    def each_row_of_kind(self, kind: str, batch: int = 2000) -> Iterator[tuple[str, int, str, str]]:
        """Yield what rows_of_kind returns, in its order (row ids descending), reading a batch of rows a query (an
        index built over every row then holds no list of them all)."""
        ranges = _class_ranges({kind})
        low, high = ranges[0][0], ranges[-1][1]  # the whole span (ranges ascend)
        versions = self._versions
        while True:
            rows = self._cache.query_text(
                "SELECT rowid, did, ref, field, body, ver FROM textstore WHERE kind = ? AND rowid BETWEEN ? AND ?"
                " ORDER BY rowid DESC LIMIT ?",
                (kind, low, high, batch),
            )
            for _, did, ref, f, body, ver in rows:
                if versions is None or versions.get(did) == ver:
                    yield did, int(ref), f, body
            if len(rows) < batch:
                return
            high = rows[-1][0] - 1

    def has_speakers(self, words: Sequence[str]) -> bool:
        """Return whether some position's speakers hold all these words in their affiliation, country or role."""
        if not words or not all(_PLAIN.fullmatch(w) for w in words):
            return False
        match = "who : (" + " AND ".join(f'"{WHO_MARK}{w}"' for w in words) + ")"
        return bool(self._cache.query_text("SELECT 1 FROM t WHERE t MATCH ? LIMIT 1", (match,)))

    def items(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], DisplayRow]:
        """Return the display data of sessions and positions (see text_items) by (dialogue id, kind, ref)."""
        versions = self._versions
        return {
            key: display_row(key[1], data)
            for key, (ver, data) in self._cache.items(keys).items()
            if versions is None or versions.get(key[0]) == ver
        }

    def _query(
        self,
        match: str,
        kinds: set[str] | None,
        limit: int,
        recent_limit: int | None,
        ranked: bool = True,
        *,
        probe: bool = False,
        words: Sequence[_Word] = (),
        texts: bool = True,
    ) -> list[TextHit]:
        """Return the hits of one match (see search); probe: first find out more cheaply whether anything matches.

        An AND of common words that no field holds together (`search security Kashmir pipeline`) is proven empty
        only by reading every row list to its end. Probed, an AND of three or more words (its `words`) is answered
        from its rarest words' fields, the others read in their text (see _every); failing that, over kinds in
        row-id ranges apart FTS5 is first asked whether anything matches in their whole span (a walk of each
        range would read the lists to their end once per range), and the walk runs only if something does.
        """
        ranges = _class_ranges(kinds)
        every = self._every(words, ranges) if probe else None
        if (
            every is None
            and probe
            and len(ranges) > 1  # over one range, the walk below finds the first match as soon
            and not self._cache.query_text(
                "SELECT rowid FROM t WHERE t MATCH ? AND rowid BETWEEN ? AND ? LIMIT 1",
                (match, ranges[0][0], ranges[-1][1]),
            )
        ):
            return []
        if every is not None and not every:
            return []
        recent = recent_limit or limit
        # kinds may share a class with others (filtered out later): walk twice as far, unless their classes are theirs
        wanted = recent * 2 if kinds and not kinds <= _SOLE_CLASS_KINDS else recent
        walk = (max(BM25_MAX, wanted) if ranked else wanted) + 1
        # one walk in row-id order (cheap: FTS5 stops at the limit) both counts the matches and, if there are
        # many, gives the newest ones
        ids: list[int] = [] if every is None else every[:walk]
        for lo, hi in ranges if every is None else ():
            ids += [
                r[0]
                for r in self._cache.query_text(
                    "SELECT rowid FROM t WHERE t MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?",
                    (match, lo, hi, walk - len(ids)),
                )
            ]
            if len(ids) >= walk:
                break
        if len(ids) > BM25_MAX or (ids and not ranked):
            return self._recent(match, ids, kinds, recent, wanted, every, texts=texts)
        if not ids:  # nothing matches: no second pass for BM25 (its term statistics cost as much as the walk)
            return []
        return self._bm25(match, kinds, ranges, limit)

    def _every(self, words: Sequence[_Word], ranges: list[tuple[int, int]]) -> list[int] | None:
        """Return every row id in these ranges whose body holds all these words, in walk order; None when that is
        not cheap to know (fewer than three words, its pair held together by more than PAIR_CAP fields, or a word
        left that Python cannot test).

        FTS5 intersects the row lists of an AND in step, so an AND of three common words costs about the sum of
        their lists even when nothing matches. The lists of a pair of its rarest words, parts of different typed
        words if it has such ("non" and "proliferation" are rarely apart), are intersected alone; each field found
        is then read, and the other words looked for in its text as the tokenizer splits it (ASCII), or by FTS5,
        one word and row at a time (any other text).
        """
        if len(words) < 3:
            return None
        ordered = sorted(words, key=lambda w: w.docs)
        pairs = [(i, j) for j in range(len(ordered)) for i in range(j)]  # by the rarity of the commoner
        i, j = next(((i, j) for i, j in pairs if ordered[i].typed != ordered[j].typed), (0, 1))
        first, second = ordered[i], ordered[j]
        rest = [w for k, w in enumerate(ordered) if k not in (i, j)]
        if not all(w.plain() for w in rest):
            return None
        rows = self._cache.query_text(
            "SELECT rowid FROM t WHERE t MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?",
            (f"body : ({first.query} AND {second.query})", ranges[0][0], ranges[-1][1], PAIR_CAP + 1),
        )
        if len(rows) > PAIR_CAP:
            return None
        return self._holding([r[0] for r in rows if any(lo <= r[0] <= hi for lo, hi in ranges)], rest)

    def _holding(self, ids: list[int], rest: Sequence[_Word]) -> list[int]:
        """Return those of these row ids whose body holds all these words, in walk order (ascending)."""
        out = []
        if ids:
            marks = ",".join("?" * len(ids))
            for rowid, stored in self._cache.query_text(
                f"SELECT rowid, body FROM textbody WHERE rowid IN ({marks})", ids
            ):
                text = plain_body(stored)
                if text.isascii():
                    found = set(_ASCII_WORD.findall(text.lower()))
                    held = all(w.in_words(found) for w in rest)
                else:
                    held = all(self._holds(w, rowid) for w in rest)
                if held:
                    out.append(rowid)
        out.sort()
        return out

    def _holds(self, word: _Word, rowid: int) -> bool:
        """Return whether one row's body holds a word, as FTS5 matches it (one word: FTS5 stops at the row)."""
        return bool(
            self._cache.query_text("SELECT 1 FROM t WHERE t MATCH ? AND rowid = ?", (f"body : ({word.query})", rowid))
        )

    def _bm25(self, match: str, kinds: set[str] | None, ranges: list[tuple[int, int]], limit: int) -> list[TextHit]:
        where = " OR ".join("rowid BETWEEN ? AND ?" for _ in ranges)
        sql = f"SELECT rowid, did, kind, ref, field, body, bm25(t), ver FROM t WHERE t MATCH ? AND ({where})"
        params: list[object] = [match, *(x for r in ranges for x in r)]
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(sorted(kinds))
        sql += " ORDER BY bm25(t), rowid LIMIT ?"
        params.append(limit * 4)
        rows = self._cache.query_text(sql, params)
        versions = self._versions
        rows = [r for r in rows if versions is None or versions.get(r[1]) == r[7]]
        # equal scores: newer dialogue first (date, then id, descending), then field order
        rows.sort(key=lambda r: row_key(r[0]) & SEQ_MASK)
        rows.sort(key=lambda r: ((row_key(r[0]) >> DATE_SHIFT) & 0x7FFFFFF, r[1]), reverse=True)
        hits = [
            TextHit(did, kind, int(ref), name, body, -float(score) * _KIND_WEIGHT.get(kind, 1.0))
            for _, did, kind, ref, name, body, score, _ in rows
        ]
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]

    def _recent(
        self,
        match: str,
        ids: list[int],
        kinds: set[str] | None,
        limit: int,
        wanted: int,
        every: list[int] | None = None,
        *,
        texts: bool = True,
    ) -> list[TextHit]:
        """Return the newest `limit` of the hits walked (ids, in walk order; every: all of them, when known)."""
        take = ids[:wanted]
        if len(ids) > wanted:
            # within one class and date, rows are in slot order, not id order: take the whole last date
            group = row_key(take[-1]) >> DATE_SHIFT
            rest = ids[wanted:]
            more = [i for i in rest if row_key(i) >> DATE_SHIFT == group]
            take += more
            if len(more) == len(rest):  # the date goes on past the rows walked
                lo, hi = take[-1] + 1, row_id(group << DATE_SHIFT)
                take += (
                    [i for i in every if lo <= i <= hi]
                    if every is not None
                    else [
                        r[0]
                        for r in self._cache.query_text(
                            "SELECT rowid FROM t WHERE t MATCH ? AND rowid BETWEEN ? AND ?", (match, lo, hi)
                        )
                    ]
                )
        marks = ",".join("?" * len(take))
        body = "body" if texts else "''"  # (a long text is inflated to be read)
        rows = self._cache.query_text(
            f"SELECT rowid, did, kind, ref, field, {body}, ver FROM textstore WHERE rowid IN ({marks})", take
        )
        versions = self._versions
        out = [r for r in rows if (versions is None or versions.get(r[1]) == r[6]) and (not kinds or r[2] in kinds)]
        out.sort(key=lambda r: row_key(r[0]) & SEQ_MASK)
        out.sort(key=lambda r: (row_key(r[0]) >> DATE_SHIFT, r[1]), reverse=True)  # class, date, id: newest first
        out = out[:limit]
        n = len(out)
        return [
            TextHit(did, kind, int(ref), name, body, float(n - i), True)
            for i, (_, did, kind, ref, name, body, _) in enumerate(out)
        ]
