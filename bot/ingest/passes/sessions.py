"""Find named sessions: headings ("Session I:", "SESSION-II", "1st Session - X"), a heading and its title on the
next line, and sessions introduced in prose ("the inaugural session titled X", "the first session on 'X'")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ingest.passes.segment import Line, lines, sentences

ORDINALS = {
    "inaugural": 0,
    "opening": 0,
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "final": 90,
    "last": 90,
    "concluding": 99,
    "closing": 99,
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUM = r"(?P<n>[IVX]+|\d+|one|two|three|four|five|six)"
HEAD = re.compile(
    rf"^(?:\d{{1,2}}[:.]\d{{2}}\s*[-–—]\s*\d{{1,2}}[:.]\d{{2}}\s+)?(?:(?:(?P<ord>{'|'.join(ORDINALS)})\s+)?(?:working\s+|plenary\s+|technical\s+|thematic\s+|panel\s+)?"
    rf"(?:session|panel)(?:\s*[-–]?\s*{_NUM})?|plenary)(?:\s*(?P<sep>[:.–—-])\s*(?P<title>.*))?$",
    re.I,
)
_INTRO = re.compile(
    r"\b(?:the\s+)?(?P<ord>" + "|".join(ORDINALS) + r")\s+(?:working\s+|plenary\s+|technical\s+|thematic\s+)?"
    r"(?:session|panel|plenary|dialogue of the day)\b[^“\"‘'.]{0,30}?\b(?:titled|entitled|on|themed)\s+"
    r"(?:[“\"‘']+(?P<q>[^”\"’]{3,200})[”\"’]+|(?P<plain>[A-Z][^,.;]{3,150}?)(?=,\s|\s+(?:was|were|is)\b|$))",
    re.I,
)
_VENUE = re.compile(r"\s+[–—-]\s+[^–—-]*\b(?:Hall|Room|Ballroom|Auditorium|Lounge|Venue)\b.*$")


@dataclass
class SessionFound:
    """A named session: its title, order, where its block starts and ends, and whether it came from a heading."""

    title: str
    order: float
    start: int
    end: int
    heading: bool


def _order(ordinal: str | None, number: str | None, default: float) -> float:
    if ordinal:
        return float(ORDINALS[ordinal.lower()])
    if number:
        n = number.lower()
        return float(_ROMAN.get(n) or _WORDS.get(n) or (int(n) if n.isdigit() else default))
    return default


def _clean(title: str) -> str:
    title = _VENUE.sub("", title.strip())
    return title.strip().strip("“”\"‘’'").strip().rstrip(",")


def find_sessions(text: str) -> list[SessionFound]:
    """Return the named sessions of a text in order of appearance, each with its block of text."""
    found: list[SessionFound] = []
    all_lines = lines(text)
    for i, line in enumerate(all_lines):
        m = HEAD.match(line.text) if line.kind in {"heading", "item"} else None
        if m:
            title = _clean(m["title"] or "")
            nxt = all_lines[i + 1] if i + 1 < len(all_lines) else None
            if (not title or _VENUE.match(" - " + title)) and nxt is not None and _titleish(nxt):
                title = _clean(nxt.text)
                title = _join_subtitle(title, all_lines, i + 1)
            elif title.endswith(":") and nxt is not None and _titleish(nxt):
                title = title + " " + _clean(nxt.text)
            if title and not re.fullmatch(r"[\d:–— -]+", title):
                found.append(SessionFound(title, _order(m["ord"], m["n"], len(found) + 1), line.start, 0, True))
            continue
        if line.kind != "heading":
            for sent in sentences(line):
                for im in _INTRO.finditer(sent.text):
                    title = _clean(im["q"] or im["plain"] or "")
                    if title and not any(s.title == title for s in found):
                        found.append(SessionFound(title, _order(im["ord"], None, 50), sent.start, 0, False))
    for k, s in enumerate(found):
        s.end = found[k + 1].start if k + 1 < len(found) else len(text)
    return found


def _titleish(line: Line) -> bool:
    return (
        line.kind == "heading"
        and 3 <= len(line.text) <= 160
        and not re.match(r"^\d{1,2}[:.]\d{2}", line.text)
        and not re.match(r"^(?:[•·▪◦‣∙*–-]\s|(?:Dr|Mr|Ms|Mrs|Prof|Amb|H\.E)\b)", line.text)
    )


def _join_subtitle(title: str, all_lines: list[Line], i: int) -> str:
    """ "Intra-Gulf Relations:" on one line and its subtitle on the next make one title."""
    if title.endswith(":") and i + 1 < len(all_lines) and _titleish(all_lines[i + 1]):
        return title + " " + _clean(all_lines[i + 1].text)
    return title
