"""Text keys of names and titles: fold (case, accents, punctuation) and normalize_name (honorifics too).

Plain functions with no model in sight, so that a question answered from the cache imports no pydantic.
"""

from __future__ import annotations

import functools
import re

__all__ = ["HONORIFICS", "fold", "normalize_name"]

HONORIFICS = (
    "ambassador",
    "amb",
    "dr",
    "prof",
    "professor",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sir",
    "h e",
    "he",
    "his excellency",
    "her excellency",
    "excellency",
    "sen",
    "senator",
    "gen",
    "general",
    "lt gen",
    "maj gen",
    "brig",
    "col",
    "retd",
    "rtd",
    "engr",
    "justice",
    "hon",
    "honourable",
    "honorable",
    "sheikh",
    "syed",
    "seyyed",
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_TITLE_HONORIFICS = re.compile(
    r"^(?:(?:ambassador|amb|dr|prof|professor|mr|mrs|ms|miss|sir|h\s?e|his excellency|her excellency"
    r"|excellency|senator|hon)\s)+"
)


# Arabic, Persian and Urdu spell the same letters with different code points (Arabic yeh and kaf, Urdu heh goal, teh
# marbuta); a zero-width non-joiner separates the parts of a Persian name like a space; tatweel is decoration only
_ARABIC_SCRIPT = str.maketrans(
    {
        "\u064a": "\u06cc",
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",
        "\u0629": "\u0647",
        "\u06c1": "\u0647",
        "\u06c3": "\u0647",
        "\u06be": "\u0647",
        "\u0640": "",
        "\u200c": " ",
    }
)


def fold(text: str) -> str:
    """Return text lowercased, without diacritics and punctuation, single-spaced (Arabic-script letter variants
    unified: Arabic, Persian and Urdu spellings of a name fold alike)."""
    if text.isascii():  # nothing to decompose (ASCII casefold is lower)
        stripped = text.lower()
    else:
        import unicodedata

        decomposed = unicodedata.normalize("NFKD", text.casefold())
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_ARABIC_SCRIPT)
    return " ".join(_NON_WORD.sub(" ", stripped.replace("_", " ")).split())


@functools.lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> str:
    """Return a comparison key for a person's name: folded, honorifics like 'Ambassador' removed."""
    folded = fold(name)
    stripped = _TITLE_HONORIFICS.sub("", folded + " ").strip()
    return stripped or folded
