"""Lines gives back each dialogue's line exactly as it was made from, found by its id alone."""

from __future__ import annotations

import pytest
from pytest import MonkeyPatch

from bot.index import lines as lines_module
from bot.index.lines import MAX_LABEL_PARTS, MAX_TITLE_PARTS, Line, Lines

CASES: list[tuple[str, Line]] = [
    ("plain", Line("ISSI-CASS Dialogue: Arms control", "2025-12-28", "DNA, Ali Khan, 2025-12-28", None, False)),
    ("draft", Line("Draft dialogue", None, None, None, True)),
    ("empty", Line("", "", "", "", False)),  # "" is kept apart from None
    ("seps", Line(": a: : b:", "2020", ", x, , y,", "https://e.org/a, b: c", False)),
    ("id-in-url", Line("T", "2024-01-02", "APP", "https://example.org/news/id-in-url/id-in-url-2", False)),
    ("nul-url", Line("T", None, "L", "https://e.org/\0/nul-url", False)),  # a NUL in the URL: kept as it is
    ("other", Line("Ünïcode: تیتر: 标题", "2021-05", "Xinhua, Wáng, 2021-05", "https://e.org/ünï", True)),
    ("many", Line(": ".join(["p"] * (MAX_TITLE_PARTS + 5)), "d", ", ".join(["q"] * (MAX_LABEL_PARTS + 5)), "u", False)),
    ("edge", Line(": ".join(["t"] * MAX_TITLE_PARTS), "d", ", ".join(["l"] * MAX_LABEL_PARTS), "u", True)),
]


def test_lines_give_back_what_they_were_made_from() -> None:
    """Every line (None and "" apart, separators anywhere, an id in its URL, very many parts) decodes as made."""
    held = Lines(CASES)
    assert len(held) == len(CASES)
    for did, line in CASES:
        assert held.get(did) == line, did
    assert held.many([did for did, _ in reversed(CASES)]) == [line for _, line in reversed(CASES)]


def test_an_unknown_id_has_no_line() -> None:
    """An id not made into the lines gives None, in a table with lines and in an empty one."""
    assert Lines(CASES).many(["nope", "plain", "plai"]) == [None, CASES[0][1], None]
    assert Lines([]).get("plain") is None


def test_ids_of_one_hash_are_told_apart(monkeypatch: MonkeyPatch) -> None:
    """Ids whose hashes collide are found by the id itself."""
    monkeypatch.setattr(lines_module, "_hash", lambda _: 7)
    held = Lines(CASES)
    for did, line in CASES:
        assert held.get(did) == line, did
    assert held.get("unknown") is None


@pytest.mark.parametrize("count", [10, 70_000])
def test_many_phrases_take_wider_codes(count: int) -> None:
    """A phrase table of more than 65,535 phrases still decodes every line."""
    made = [
        (f"d{i}", Line(f"Title {i}: topic {i % 7}", f"date {i}", None, f"https://e.org/d{i}", False))
        for i in range(count)
    ]
    held = Lines(made)
    assert held.many([did for did, _ in made[:: max(1, count // 500)]]) == [
        line for _, line in made[:: max(1, count // 500)]
    ]
    assert held.get(made[-1][0]) == made[-1][1]
