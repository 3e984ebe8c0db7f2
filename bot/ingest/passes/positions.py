"""Credit statements: to a person only when the text says that person said it; to the group when it says so."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from bot.briefs.models import normalize_name
from bot.ingest.passes.people import Person
from bot.ingest.passes.segment import lines, sentences
from bot.ingest.passes.vocab import vocab

_GROUP = re.compile(
    r"^(?:(?:During|In) the (?:discussion|debate|session|dialogue)[^,]*,\s*)?(?:the\s+)?(?:speakers|participants|"
    r"panel(?:l)?ists|discussants|experts|delegates|delegations|both sides|the two sides|the parties|they)\b",
    re.I,
)
_PRONOUN = re.compile(r"^(?:(?:Furthermore|Moreover|Additionally|Also|However),\s*)?(?:He|She)\b")
_TOPICS = (
    ("Afghanistan", r"afghan"),
    ("trade", r"\btrade\b"),
    ("energy", r"\benergy\b|pipeline"),
    ("connectivity", r"connectivity|corridor"),
    ("climate", r"climate"),
    ("security", r"\bsecurity\b"),
    ("economy", r"econom"),
)


class _Session(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def span(self) -> tuple[int, int]: ...


def _speech(sentence: str) -> bool:
    return any(w in vocab().speech for w in re.findall(r"[a-z]+", sentence.lower()))


_HON = r"(?:(?:Dr|Mr|Ms|Mrs|Prof|Amb|Ambassador|Professor|Senator|Gen)\.?\s+)?"


def _by_surname(sentence: str, people: list[Person]) -> Person | None:
    """'Kortunov noted that ...' or 'According to Dr. Sager, ...': a participant named by surname alone."""
    surnames: dict[str, list[Person]] = {}
    for p in people:
        words = p.name.split()
        if len(words) < 2:
            continue
        surnames.setdefault(words[-1].lower(), []).append(p)
        if words[0].isupper():  # "ZHANG Wei": the surname comes first
            surnames.setdefault(words[0].lower(), []).append(p)
    m = re.match(
        rf"^(?:According to\s+{_HON}(?P<a>[A-Z][\w'’-]+),|{_HON}(?P<s>[A-Z][\w'’-]+)\s+(?:also\s+)?(?P<v>[a-z]+))",
        sentence,
    )
    if not m:
        return None
    word = (m["a"] or m["s"]).lower()
    if m["s"] and (m["v"] or "") not in vocab().speech:
        return None
    hits = surnames.get(word, [])
    return hits[0] if len({id(h) for h in hits}) == 1 else None


def _first_speech(text: str, start: int) -> int:
    """Return the offset of the first verb of speech after a position."""
    for m in re.finditer(r"[a-z]+", text[start : start + 400]):
        if m.group() in vocab().speech:
            return start + m.start()
    return start + 1


def topic(sentence: str) -> str:
    """Return a short topic for a statement."""
    low = sentence.lower()
    return next((t for t, rx in _TOPICS if re.search(rx, low)), "Remarks")


def find_positions(
    text: str, people: list[Person], sessions: Sequence[_Session]
) -> list[tuple[list[str], str, str, str | None]]:
    """Return (by, topic, summary, session) for each statement the text credits to a participant or the group."""
    spans = sorted(((s, e, p) for p in people for s, e in p.spans), key=lambda x: x[0])
    everyone = [p.name for p in people]
    out: list[tuple[list[str], str, str, str | None]] = []
    seen: set[str] = set()
    last: Person | None = None
    for line in lines(text):
        if line.kind != "paragraph":
            continue
        for sent in sentences(line):
            if not _speech(sent.text) and not sent.text.startswith("According to"):
                continue
            here = [p for s, e, p in spans if sent.start <= s < sent.end]
            by: list[str] = []
            first = next(((s, p) for s, e, p in spans if sent.start <= s < sent.start + 100), None)
            by_surname = _by_surname(sent.text, people)
            if by_surname is not None:
                by, last = [by_surname.name], by_surname
            elif _GROUP.match(sent.text) and everyone:
                by = everyone  # a statement of the group, never of one named person
            elif (
                first is not None
                and len(here) >= 1
                and re.search(r"\b(?:" + "|".join(sorted(vocab().speech)) + r")\b", text[first[0] : first[0] + 250])
            ):
                verb = _first_speech(text, first[0])
                # "A, Role, and B, Role, spoke": everyone named before the verb spoke
                subjects = [p for st, _, p in spans if first[0] <= st < verb and p.name not in by]
                by = list(dict.fromkeys(p.name for p in subjects)) or [first[1].name]
                last = first[1] if len(by) == 1 else None
            elif _PRONOUN.match(sent.text) and last is not None:
                by = [last.name]
            else:
                if len(here) > 1:
                    last = None
                continue
            summary = sent.text.strip()
            if normalize_name(summary) in seen:
                continue
            seen.add(normalize_name(summary))
            session = next((s.title for s in sessions if s.span[0] <= sent.start < s.span[1]), None)
            out.append((by, topic(summary), summary, session))
    return out
