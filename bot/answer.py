"""Platform-neutral answers: what every renderer (terminal, Discord, Slack) turns into messages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum


class AnswerKind(StrEnum):
    """What sort of answer this is; renderers may style them differently."""

    DIALOGUE = "dialogue"
    DIALOGUES = "dialogues"
    PERSON = "person"
    SESSIONS = "sessions"
    POSITIONS = "positions"
    SEARCH = "search"
    HELP = "help"
    CHOOSE = "choose"
    NOT_FOUND = "not_found"
    ERROR = "error"
    DIGEST = "digest"
    TIMELINE = "timeline"
    COMPARE = "compare"
    NETWORK = "network"
    SERIES = "series"


DRAFT_MARK = "DRAFT — not reviewed"


@dataclass(frozen=True, slots=True)
class Citation:
    """The dialogue and source a fact comes from; draft is set when the brief is an unreviewed draft."""

    dialogue_id: str
    dialogue_title: str
    date: str | None
    source: str | None = None
    url: str | None = None
    draft: bool = False

    def label(self) -> str:
        """Return e.g. 'ISSI-IPIS Annual Dialogue (date not given) · source: Abu Bakr Alvi'."""
        when = self.date or "date not given"
        text = f"{self.dialogue_title} ({when})"
        if self.source:
            text += f" · source: {self.source}"
        if self.draft:
            text += f" · {DRAFT_MARK}"
        return text


@dataclass(frozen=True, slots=True)
class Item:
    """One fact unit of an answer; renderers never split an item across messages unless it alone is too big."""

    heading: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    lines: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    citation: Citation | None = None
    column: int | None = None  # in an answer with columns: 0 (left) or 1 (right); None spans both
    path: str = field(default="", compare=False)  # the brief field shown, e.g. "positions[2]" (for corrections)

    def text_size(self) -> int:
        """Return the number of characters of text in the item."""
        size = len(self.heading or "") + sum(len(k) + len(v) + 2 for k, v in self.fields)
        size += sum(len(x) + 1 for x in self.lines) + sum(len(x) + 3 for x in self.bullets)
        return size + (len(self.citation.label()) + len(self.citation.url or "") if self.citation else 0)


@dataclass(frozen=True, slots=True)
class Choice:
    """An option offered when a question has several answers; `question` asks for it exactly."""

    label: str
    question: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file offered beside an answer (a picture); the text answer is complete without it."""

    filename: str
    description: str
    render: Callable[[], bytes] = field(compare=False, repr=False)  # built on demand, off the event loop


@dataclass(frozen=True, slots=True)
class Answer:
    """A neutral answer: a title, an optional intro, items, choices and the sources cited."""

    kind: AnswerKind
    title: str
    intro: str | None = None
    items: tuple[Item, ...] = ()
    choices: tuple[Choice, ...] = ()
    ok: bool = True
    refs: tuple[str, ...] = field(default=(), compare=False)  # dialogue ids / person keys, for callers and tests
    columns: tuple[str, ...] = ()  # side-by-side answers: the two column titles; items say their column
    attachment: Attachment | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # every item citing a draft says so in its heading, whichever question or surface produced it
        if any(item.citation and item.citation.draft for item in self.items):
            object.__setattr__(self, "items", tuple(mark_draft(item) for item in self.items))

    def citations(self) -> tuple[Citation, ...]:
        """Return the distinct citations of the items, in order."""
        return unique_citations(self.items)


def unique_citations(items: Iterable[Item]) -> tuple[Citation, ...]:
    """Return the distinct citations of items (one per dialogue), in order of first appearance."""
    seen: dict[str, Citation] = {}
    for item in items:
        if item.citation and item.citation.dialogue_id not in seen:
            seen[item.citation.dialogue_id] = item.citation
    return tuple(seen.values())


def mark_draft(item: Item) -> Item:
    """Return the item with "DRAFT — not reviewed" before its heading when it cites a draft brief (once)."""
    if not (item.citation and item.citation.draft) or (item.heading or "").startswith(f"[{DRAFT_MARK}]"):
        return item
    return replace(item, heading=f"[{DRAFT_MARK}] {item.heading}" if item.heading else f"[{DRAFT_MARK}]")


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most limit characters at sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        for word in _chunks(sentence, limit):
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = word
    if current:
        pieces.append(current)
    return pieces


def _chunks(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:  # a single unbroken token longer than the limit
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out


def split_item(item: Item, max_chars: int) -> list[Item]:
    """Split an item bigger than max_chars into consecutive '(continued)' items, at sentence boundaries."""
    return list(iter_split_item(item, max_chars))


def iter_split_item(item: Item, max_chars: int) -> Iterator[Item]:
    """Yield the pieces split_item returns one at a time, splitting each text only when it is reached."""
    if item.text_size() <= max_chars:
        yield item
        return
    piece = max(40, max_chars // 2)
    units: Iterator[tuple[str, object]] = itertools.chain(
        (("field", (k, v)) for k, value in item.fields for v in split_text(value, piece)),
        (("line", x) for line in item.lines for x in split_text(line, piece)),
        (("bullet", x) for b in item.bullets for x in split_text(b, piece)),
    )
    current = Item(heading=item.heading, citation=item.citation, path=item.path)
    for kind, unit in units:
        if kind == "field":
            assert isinstance(unit, tuple)
            candidate = replace(current, fields=(*current.fields, unit))
        elif kind == "line":
            assert isinstance(unit, str)
            candidate = replace(current, lines=(*current.lines, unit))
        else:
            assert isinstance(unit, str)
            candidate = replace(current, bullets=(*current.bullets, unit))
        if candidate.text_size() > max_chars and (current.fields or current.lines or current.bullets):
            yield current
            heading = f"{item.heading} (continued)" if item.heading else None
            current = Item(heading=heading, citation=item.citation, path=item.path)
            if kind == "field":
                current = replace(current, fields=(unit,))  # type: ignore[arg-type]
            elif kind == "line":
                current = replace(current, lines=(unit,))  # type: ignore[arg-type]
            else:
                current = replace(current, bullets=(unit,))  # type: ignore[arg-type]
        else:
            current = candidate
    yield current


def paginate(items: Sequence[Item], size: Callable[[Item], int], budget: int, max_items: int) -> list[list[Item]]:
    """Group items into pages whose total size stays within budget, never splitting an item."""
    return list(iter_paginate(items, size, budget, max_items))


def iter_paginate(
    items: Iterable[Item], size: Callable[[Item], int], budget: int, max_items: int
) -> Iterator[list[Item]]:
    """Yield the pages paginate returns one at a time, reading only as many items as each page needs."""
    current: list[Item] = []
    used = 0
    for item in items:
        cost = size(item)
        if current and (used + cost > budget or len(current) >= max_items):
            yield current
            current, used = [], 0
        current.append(item)
        used += cost
    if current:
        yield current
