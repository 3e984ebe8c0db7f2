"""The vocabularies of the extractor passes, read once from bot/ingest/data/*.txt (not kept in code)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def key(word: str) -> str:
    """Return the comparison key of a vocabulary word: lower case, no dots, straight apostrophes."""
    return re.sub(r"\s+", " ", word.replace(".", " ").replace("’", "'")).strip().lower()


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _pairs(name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _lines(name):
        left, _, right = line.partition("=")
        out[key(left)] = right.strip() or left.strip()
    return out


def pairs(name: str) -> list[tuple[str, str]]:
    """Return the "left = right" lines of a data file, as written (case kept)."""
    out = []
    for line in _lines(name):
        left, _, right = line.partition(" = ")
        out.append((left.strip(), right.strip()))
    return out


def words(name: str) -> list[str]:
    """Return the lines of a data file, as written."""
    return _lines(name)


@dataclass(frozen=True)
class Vocab:
    """Word lists of the passes, keyed by `key()`."""

    honorifics: dict[str, str]
    postnominals: frozenset[str]
    roles: frozenset[str]
    orgs: frozenset[str]
    not_names: frozenset[str]
    places: frozenset[str]
    speech: frozenset[str]
    labels: dict[str, str]
    furniture: tuple[str, ...]
    event_words: frozenset[str]

    def is_role(self, word: str) -> bool:
        """Whether a word is a role word (or its plural)."""
        k = key(word).strip("/")
        return k in self.roles or (k.endswith("s") and (k[:-1] in self.roles or k[:-2] in self.roles))

    def is_org(self, word: str) -> bool:
        """Whether a word is the head noun of an organisation name (or its plural)."""
        k = key(word)
        return k in self.orgs or (k.endswith("s") and k[:-1] in self.orgs)

    def is_place(self, word: str) -> bool:
        """Whether a word is a place or demonym."""
        k = key(word)
        return k in self.places or (k.endswith("'s") and k[:-2] in self.places)

    def is_not_name(self, word: str) -> bool:
        """Whether a capitalised word can never be part of a person's name."""
        return key(word) in self.not_names


@functools.cache
def vocab() -> Vocab:
    """Return the vocabularies (read once)."""
    return Vocab(
        honorifics=_pairs("honorifics.txt"),
        postnominals=frozenset(key(w) for w in _lines("postnominals.txt")),
        roles=frozenset(key(w) for w in _lines("role_words.txt")),
        orgs=frozenset(key(w) for w in _lines("organisations.txt")),
        not_names=frozenset(key(w) for w in _lines("not_names.txt")),
        places=frozenset(key(w) for w in _lines("places.txt")),
        speech=frozenset(key(w) for w in _lines("speech_verbs.txt")),
        labels=_pairs("labels.txt"),
        furniture=tuple(key(w) for w in _lines("furniture.txt")),
        event_words=frozenset(key(w) for w in _lines("event_words.txt")),
    )
