"""What `who` lists of each dialogue (title, date, first source's label and URL, draft or not), held compactly.

A person may have hundreds of dialogues, and `who` lists each (a heading and a citation): read from the cache, ~100
summaries cost ~1 ms. Lines holds every served dialogue's line in a few flat arrays instead: a phrase table (titles
split at ": ", labels at ", ", dates and URLs whole, a URL with its dialogue id cut out), per dialogue a run of
phrase codes, and an open-addressing table of the records by id hash. About 3.5 MB at 50,000 briefs, where the
summaries would take ~25 MB.

Invariants: decoding a record gives back exactly the line it was made from (None kept apart from ""); a record is
found by its dialogue id itself (a lookup compares the id, not only its hash), and an id with no record gives None.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bot.index.records import Summary

_hash = hash  # the lookup key of an id (a test swaps it to make ids collide)
MAX_TITLE_PARTS = 255  # a title of more parts is kept whole (the count has 8 bits of the head)
MAX_LABEL_PARTS = 63  # a label of more parts is kept whole (the count has 6 bits of the head)
ID_MARK = "\0"  # stands for the dialogue id in a URL that holds it (only where the URL holds no NUL)


class Line(NamedTuple):
    """What `who` lists of one dialogue: its heading's title and date, and its citation's source and status."""

    title: str
    date: str | None
    label: str | None  # the first source's label
    url: str | None  # the first source's URL
    draft: bool


def line_of(summary: Summary) -> Line:
    """Return the line of a dialogue from its summary."""
    label, url = summary.cite
    return Line(summary.title, summary.date, label, url, summary.status == "draft")


class _Coder:
    """The phrase table being made: code 0 stands for None, every other code for one phrase."""

    def __init__(self) -> None:
        self.phrases: list[str] = [""]  # [0] is never read: code 0 decodes to None
        self.codes: dict[str, int] = {}

    def code(self, phrase: str | None) -> int:
        """Return the code of a phrase, adding it when new."""
        if phrase is None:
            return 0
        found = self.codes.get(phrase)
        if found is None:
            found = self.codes[phrase] = len(self.phrases)
            self.phrases.append(phrase)
        return found

    def record(self, did: str, line: Line) -> list[int]:
        """Return the codes of one line: head, date, URL, the label's parts, the title's parts."""
        title = line.title
        titles = title.split(": ") if title.count(": ") < MAX_TITLE_PARTS else [title]
        label = line.label
        labels = [] if label is None else label.split(", ") if label.count(", ") < MAX_LABEL_PARTS else [label]
        url, marked = line.url, 0
        if url is not None and did in url and ID_MARK not in url:
            url, marked = url.replace(did, ID_MARK), 1
        head = len(titles) << 8 | len(labels) << 2 | int(line.draft) << 1 | marked
        return [head, self.code(line.date), self.code(url), *map(self.code, labels), *map(self.code, titles)]


class Lines:
    """The lines of many dialogues by id (see the module docstring); read-only once made."""

    __slots__ = ("_codes", "_dids", "_phrases", "_slots", "_starts")

    def __init__(self, lines: Iterable[tuple[str, Line]]) -> None:
        coder = _Coder()
        codes, starts, dids = array("I"), array("I"), []
        for did, line in lines:
            starts.append(len(codes))
            codes.extend(coder.record(did, line))
            dids.append(did)
        starts.append(len(codes))
        if len(coder.phrases) <= 0xFFFF:  # a head fits 16 bits (see _Coder.record); copied an item at a time
            codes = array("H", codes)
        self._codes, self._starts, self._dids, self._phrases = codes, starts, dids, coder.phrases
        # an open-addressing table of record numbers by id hash, at most half full: a lookup reads a slot or two
        size = 1 << max(4, (2 * len(dids)).bit_length())
        self._slots = slots = array("i", [-1]) * size
        for i, did in enumerate(dids):
            j = _hash(did) & (size - 1)
            while slots[j] >= 0:
                j = (j + 1) & (size - 1)
            slots[j] = i

    def __len__(self) -> int:
        return len(self._dids)

    def get(self, did: str) -> Line | None:
        """Return the line of a dialogue, or None when it has none here."""
        return self.many((did,))[0]

    def many(self, dids: Sequence[str]) -> list[Line | None]:
        """Return the line of each of these dialogues (None where it has none here)."""
        slots, ids, starts, codes, phrases = self._slots, self._dids, self._starts, self._codes, self._phrases
        mask, new = len(slots) - 1, tuple.__new__
        out: list[Line | None] = []
        for did in dids:
            j = _hash(did) & mask
            while (i := slots[j]) >= 0 and ids[i] != did:
                j = (j + 1) & mask
            if i < 0:
                out.append(None)
                continue
            # a record: head, date, URL, the label's parts, the title's parts (see _Coder.record); joined without
            # comprehensions: most have one or two parts, and this runs for every dialogue a person took part in
            at = starts[i]
            head = codes[at]
            first = at + 3
            parts = (head >> 2) & MAX_LABEL_PARTS
            label = phrases[codes[first]] if parts else None
            for k in range(first + 1, first + parts):
                label = f"{label}, {phrases[codes[k]]}"
            first += parts
            title = phrases[codes[first]]
            for k in range(first + 1, first + (head >> 8)):
                title = f"{title}: {phrases[codes[k]]}"
            url, date = codes[at + 2], codes[at + 1]
            link = phrases[url].replace(ID_MARK, did) if head & 1 else phrases[url] if url else None
            out.append(new(Line, (title, phrases[date] if date else None, label, link, bool(head & 2))))
        return out
