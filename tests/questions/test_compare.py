"""`compare TOPIC A vs B`: positions side by side, each with its dialogue and date; an empty side said plainly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import AnswerKind
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from bot.questions.compare import MAX_SIDE, split_compare

from ..conftest import minimal_brief


def test_afghanistan_pakistan_vs_iran_shows_both_sides(shipped_catalog: Catalog) -> None:
    """Pakistan's two statements on the left, Iran's one on the right, each citing its dialogue."""
    answer = ask(shipped_catalog, "compare Afghanistan Pakistan vs Iran")
    assert answer.kind is AnswerKind.COMPARE and answer.ok
    assert answer.columns == ("Pakistan", "Iran")
    left = [i for i in answer.items if i.column == 0]
    right = [i for i in answer.items if i.column == 1]
    assert len(left) == 2 and len(right) == 1
    assert all(i.citation for i in (*left, *right))
    assert left[0].heading == "2025-07-29 · Afghanistan"
    assert "Shaykh al-Islami" in dict(right[0].fields)["By"]


def test_one_empty_side_is_said_plainly(shipped_catalog: Catalog) -> None:
    """A side with no recorded position gets one item saying so, and the intro names it."""
    answer = ask(shipped_catalog, "compare Multipolarity Pakistan vs Iran")
    right = [i for i in answer.items if i.column == 1]
    assert len(right) == 1 and right[0].citation is None
    assert right[0].heading == "Iran: no recorded position"
    assert "Iran has no recorded position" in (answer.intro or "")


def test_both_sides_empty_is_not_ok(shipped_catalog: Catalog) -> None:
    """Neither side said anything on the topic: the answer says so and is not ok."""
    answer = ask(shipped_catalog, "compare Kashmir Pakistan vs Iran")
    assert not answer.ok and "Neither Pakistan nor Iran" in (answer.intro or "")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Afghanistan Pakistan vs Iran", ("Afghanistan", "Pakistan", "Iran")),
        ("Palestine: ISSI vs IPIS", ("Palestine", "ISSI", "IPIS")),
        ("Pakistan-Iran relations | Sohail Mahmood versus Iran", ("Pakistan-Iran relations", "Sohail Mahmood", "Iran")),
        ("Afghanistan Sohail Mahmood vs Iran", ("Afghanistan", "Sohail Mahmood", "Iran")),
        ("Afghanistan Pakistan", None),
    ],
)
def test_split(shipped_catalog: Catalog, typed: str, expected: tuple[str, str, str] | None) -> None:
    """A names a person, institute or country: the longest run of final words that resolves."""
    assert split_compare(typed, shipped_catalog) == expected


def test_without_vs_explains(shipped_catalog: Catalog) -> None:
    """No 'vs': a help answer with an example."""
    answer = ask(shipped_catalog, "compare Afghanistan")
    assert answer.kind is AnswerKind.HELP and "compare Afghanistan Pakistan vs Iran" in (answer.intro or "")


def test_a_side_naming_two_people_asks_which_one(shipped_catalog: Catalog) -> None:
    """`… vs Mahmood` fits both Mahmoods: the user picks, never "Mahmood has no recorded position"."""
    answer = ask(shipped_catalog, "compare Afghanistan Iran vs Mahmood")
    assert answer.kind is AnswerKind.CHOOSE
    assert [c.question for c in answer.choices] == [
        "compare Afghanistan: Iran vs Khalid Mahmood",
        "compare Afghanistan: Iran vs Sohail Mahmood",
    ]


def test_a_side_naming_nobody_says_so(shipped_catalog: Catalog) -> None:
    """`… vs Nobody Atall` matches no one: not found, never "Nobody Atall has no recorded position"."""
    answer = ask(shipped_catalog, "compare Palestine: ISSI vs Nobody Atall")
    assert answer.kind is AnswerKind.NOT_FOUND and not answer.ok
    assert "No participant, institute or country matches “Nobody Atall”" in (answer.intro or "")


def test_a_capped_side_does_not_pass_undated_statements_off_as_the_oldest(write_brief: Callable[..., Path]) -> None:
    """More statements than a side holds: the intro says undated ones (never ranked) come only if room is left."""
    for n in range(MAX_SIDE + 1):
        write_brief(f"d{n:02}.yaml", minimal_brief(f"d{n:02}", date=f"{2000 + n // 12}-{n % 12 + 1:02}-01"))
    path = write_brief("undated.yaml", minimal_brief("undated", date=None))
    store = BriefStore(path.parent)
    assert store.load().ok
    intro = ask(store.catalog, "compare Water: Omid Karimi vs Zara Ahmed").intro or ""
    expected = f"At most the {MAX_SIDE} most recent are shown a side (undated ones only if fewer are dated)."
    assert expected in intro
