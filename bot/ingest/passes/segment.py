"""Segment an unmodified text into lines (paragraphs, list items, headings) and sentences, keeping offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ingest.passes.vocab import key, vocab

# a starter word after a full stop begins a new sentence even after a short capitalised word ("in Iran. He ...")
_STARTERS = frozenset(
    [
        "the",
        "a",
        "an",
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "these",
        "those",
        "in",
        "on",
        "at",
        "during",
        "after",
        "before",
        "but",
        "however",
        "his",
        "her",
        "their",
        "its",
        "we",
        "our",
        "i",
        "speakers",
        "participants",
        "panelists",
        "both",
        "all",
        "several",
        "many",
        "some",
        "there",
    ]
)
_SENTENCE_FINAL_ABBREV = frozenset({"u s", "u k", "etc", "e g", "i e", "govt", "dept"})
_KNOWN_ABBREV = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "amb",
        "st",
        "gen",
        "lt",
        "col",
        "brig",
        "maj",
        "capt",
        "cdr",
        "cdre",
        "sen",
        "no",
        "jr",
        "sr",
        "retd",
        "rtd",
        "engr",
        "vs",
        "etc",
        "dir",
        "assoc",
        "assist",
        "asst",
        "actg",
        "approx",
        "dept",
        "govt",
        "hon",
        "rev",
        "adm",
        "univ",
        "inst",
        "intl",
        "natl",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "h.e",
    ]
)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the text: [start, end) offsets and the text itself."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the text and what kind of block it is."""

    start: int
    end: int
    text: str
    kind: str  # "heading", "item" (list item or label line), "paragraph"
    label: str | None = None  # the part a label gives ("Moderator", "Speaker"), for "Label: names" lines


_BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙*–-]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z -]{1,30}?)\s*[:：]\s*(?=\S)")


def lines(text: str) -> list[Line]:
    """Return the non-empty lines of a text with their kind and offsets."""
    out: list[Line] = []
    labels = vocab().labels
    pos = 0
    inherited: str | None = None
    section: str | None = None
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        s = raw.strip()
        if not s:
            continue
        lead = len(raw) - len(raw.lstrip())
        m = _LABEL.match(s)
        label = labels.get(key(m["label"])) if m else None
        alone = labels.get(key(s.rstrip(":： "))) or _group_heading(s)
        if alone:
            # a label on its own line ("Speakers") heads the list of lines under it
            out.append(Line(start + lead, start + lead + len(s), s, "heading", None))
            section = alone
            inherited = None
            continue
        if label is None and inherited and not m:
            label = inherited  # "Presentation: A (X),\nB (Y)": the label runs on while lines end with a comma
        elif label is None and section and not m and len(s) < 200 and not s.endswith("."):
            label = section
        else:
            section = None if not label else section
        inherited = label if s.endswith(",") else None
        if label or _BULLET.match(s):
            kind = "item"
        elif len(s) < 140 and not re.search(r"[.!?]$", s):
            kind = "heading"
        else:
            kind = "paragraph"
        out.append(Line(start + lead, start + lead + len(s), s, kind, label))
    return out


def _group_heading(line: str) -> str | None:
    """A heading naming a group by a plural role ("Members of Parliament:") gives each name under it that role."""
    if not line.endswith((":", "：")) or len(line) > 80:
        return None
    words = line.rstrip(":： ").split()
    v = vocab()
    head = next((i for i, w in enumerate(words) if v.is_role(w) and key(w) not in v.roles and w.endswith("s")), None)
    if head is None or head > 2 or not words[0][:1].isupper():
        return None
    stem = words[head][:-1]
    return " ".join([*words[:head], stem, *words[head + 1 :]])


def _is_abbreviation(word: str, following: str) -> bool:
    """Whether the full stop after `word` belongs to an abbreviation rather than ending a sentence."""
    bare = word.rstrip(".")
    if not bare:
        return False
    k = key(bare)
    nxt_word = following.split()[0] if following.split() else ""
    if k in _SENTENCE_FINAL_ABBREV and key(nxt_word) in _STARTERS:
        return False  # "... the U.S. He said": a word that starts sentences ends one even after an abbreviation
    if k in _KNOWN_ABBREV or k in vocab().honorifics:
        return True
    if len(bare) == 1 and bare.isupper():  # an initial
        return True
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", bare):  # U.S, e.g
        return True
    nxt = following.split()[0] if following.split() else ""
    if not nxt:
        return False
    # an unseen abbreviation: a short capitalised word without vowels ("Drs", "Lt"), or one before a title
    if not (bare[:1].isupper() and len(bare) <= 5 and not bare.isupper() and not vocab().is_place(bare)):
        return False
    return bool(not re.search(r"[aeiouy]", bare[1:].lower()) and nxt[:1].isupper())


def sentences(line: Line) -> list[Span]:
    """Split a line into sentences, knowing abbreviations it has never seen (Dir., Assoc., Retd.)."""
    out: list[Span] = []
    text = line.text
    begin = 0
    for m in re.finditer(r"[.!?][\"”’)]?(?=\s+[\"“‘(]?[A-Z0-9])", text):
        before = text[begin : m.start() + 1]
        word = before.split()[-1] if before.split() else ""
        if m.group().startswith(".") and _is_abbreviation(word, text[m.end() :]):
            continue
        piece = text[begin : m.end()]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append(Span(line.start + begin + lead, line.start + m.end(), piece.strip()))
        begin = m.end()
    piece = text[begin:]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        out.append(Span(line.start + begin + lead, line.start + begin + lead + len(piece.strip()), piece.strip()))
    return out


def split_sentences(paragraph: str) -> list[str]:
    """Return the sentences of one paragraph as strings."""
    return [s.text for s in sentences(Line(0, len(paragraph), paragraph.strip(), "paragraph"))]
