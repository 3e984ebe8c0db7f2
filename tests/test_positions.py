"""A topic's words match a position's text as the text index reads them, on ASCII and on other text alike."""

from __future__ import annotations

import pytest

from bot.positions import _topic_matcher

CASES = [
    ("al", "Talks along the border", (False, False)),  # a short word matches whole words only
    ("al", "The al-Qaeda threat", (True, True)),
    ("energy security", "Energy-security talks", (True, True)),
    ("energy security", "energy_security", (True, True)),  # an underscore splits words, as fold does
    ("energy security", "Securing energy", (False, True)),  # "security" is no prefix of "securing"
    ("energ secur", "ENERGY SECURITY", (True, True)),  # every word as a prefix
    ("1a", "x1a and 1ab", (False, False)),
    ("1a", "Route 1a", (True, True)),
    ("gas", "Iran–Pakistan gas pipeline", (True, True)),  # not ASCII: read through fold
    ("turkiye", "Türkiye's view", (True, True)),
    ("al", "Ça al", (True, True)),
]


@pytest.mark.parametrize(("topic", "text", "expected"), CASES)
def test_topic_words_match_as_folded_words(topic: str, text: str, expected: tuple[bool, bool]) -> None:
    """Every word and any word of a topic are found at the start of the text's folded words, short ones whole."""
    matches = _topic_matcher(topic)
    assert matches is not None
    assert matches(text) == expected
