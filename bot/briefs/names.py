"""Name keys that survive honorifics, case, diacritics and the usual Persian/Urdu transliteration variants."""

from __future__ import annotations

import re
import unicodedata

from bot.briefs.keys import fold, normalize_name

_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(name: str) -> str:
    """Return a transliteration-tolerant key: consonants only per word (Mahmood, Mehmood, Mahmud -> mhmd)."""
    return skeleton_of_normal(normalize_name(name))


def skeleton_of_normal(normal: str) -> str:
    """Return the skeleton of a name already normalised (what normalize_name returned)."""
    words = []
    for word in normal.split():
        if word in {"al", "el", "ul", "ud", "bin", "ibn"}:
            continue
        word = word.replace("ph", "f").replace("q", "k").replace("w", "v").replace("kh", "k")
        if len(word) > 2 and word.endswith("h"):
            word = word[:-1]
        head, tail = word[0], _VOWELS.sub("", word[1:])
        words.append(_DOUBLE.sub(r"\1", head + tail))
    return " ".join(words)


def name_tokens(name: str) -> set[str]:
    """Return the words of a normalised name, for part-of-name lookups."""
    return set(normalize_name(name).replace("-", " ").split())


# name particles: never a name of their own, never a word prefix to match ("al" would match "along", "Alvi")
PARTICLES = frozenset({"al", "el", "ul", "ud", "bin", "ibn", "bint", "abu", "de", "da", "di", "van", "von"})


def role_text(role: str | None, affiliation: str | None) -> str:
    """Return "role, affiliation" without repeating an affiliation the role already names ("President of IPIS")."""
    if role and affiliation:
        said = f" {fold(role)} "
        if f" {fold(affiliation)} " in said:
            return role
    return ", ".join(b for b in (role, affiliation) if b) or "role not given"


def is_latin(text: str) -> bool:
    """Return whether every letter of text is Latin (accents allowed): names in other scripts match aliases only."""
    import unicodedata

    return all(ch.isascii() or "LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def mixed_script(name: str) -> str | None:
    """Return a warning when a word of a name mixes Latin letters with Cyrillic or Greek ones, naming those."""
    for word in name.split():
        scripts: dict[str, list[str]] = {}
        for char in word:
            if not char.isalpha():
                continue
            script = unicodedata.name(char, "").split(" ")[0]
            if script in _SCRIPTS:
                scripts.setdefault(script, []).append(char)
        if "LATIN" in scripts and len(scripts) > 1:
            odd = [c for script, chars in scripts.items() if script != "LATIN" for c in dict.fromkeys(chars)]
            named = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in odd)
            others = " and ".join(s.title() for s in scripts if s != "LATIN")
            return f"name {name!r} mixes Latin with {others} letters: {named}; a look-alike makes a different person"
    return None
