"""`dialogue series NAME`: rounds of a recurring dialogue in order; the `series` and `round` keys of a brief."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.answer import AnswerKind
from bot.briefs.models import Dialogue
from bot.digest.compose import brief_version
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask

from ..conftest import minimal_brief


def test_shipped_annual_dialogue_is_a_series(shipped_catalog: Catalog) -> None:
    """The ISSI-IPIS report calls it their Annual Dialogue: one round, undated, listed apart."""
    answer = ask(shipped_catalog, "dialogue series ISSI-IPIS")
    assert answer.kind is AnswerKind.SERIES
    assert answer.title == "Series: ISSI-IPIS Annual Dialogue"
    assert answer.refs == ("issi-ipis-annual-dialogue",)
    assert answer.items[0].heading == "Date not given"


def test_iras_dialogue_is_in_no_series(shipped_catalog: Catalog) -> None:
    """The ISSI-IRAS report names no series, so its brief has none (faithfulness)."""
    assert shipped_catalog.dialogues["issi-iras-dialogue-2025-07-29"].series is None


def test_rounds_in_order(write_brief: Callable[..., Path]) -> None:
    """Rounds by number (and date); an undated, unnumbered one apart at the end."""
    specs = [("r3", "2024-05-01", 3), ("r1", "2022-04-01", 1), ("r2", "2023-04-01", 2), ("rx", None, None)]
    for bid, date, number in specs:
        write_brief(f"{bid}.yaml", minimal_brief(bid, date=date, series="Tehran-Islamabad Dialogue", round=number))
    write_brief("other.yaml", minimal_brief("other", series="Beijing Forum"))
    store = BriefStore(write_brief("people.yaml", {"people": []}).parent)
    store.load()
    answer = ask(store.catalog, "dialogue series tehran-islamabad")
    assert answer.refs and [c.dialogue_id for c in answer.citations()] == ["r1", "r2", "r3", "rx"]
    assert [dict(i.fields).get("Round") for i in answer.items[:3]] == ["1", "2", "3"]
    assert answer.items[3].heading == "Date not given"


def test_series_list(write_brief: Callable[..., Path]) -> None:
    """`dialogue series` alone lists the series to pick from."""
    write_brief("a.yaml", minimal_brief("a", series="Beijing Forum"))
    write_brief("b.yaml", minimal_brief("b", series="Beijing Forum", round=2))
    store = BriefStore(write_brief("people.yaml", {"people": []}).parent)
    store.load()
    answer = ask(store.catalog, "dialogue series")
    assert [c.label for c in answer.choices] == ["Beijing Forum (2)"]


def test_unknown_series(shipped_catalog: Catalog) -> None:
    """No such series: not found, with a pointer to the list."""
    answer = ask(shipped_catalog, "dialogue series Moscow Format")
    assert not answer.ok and "dialogue series" in (answer.intro or "")


def test_round_without_series_is_invalid() -> None:
    """A round number needs the series it is a round of."""
    with pytest.raises(ValidationError, match="round is given without a series"):
        Dialogue.model_validate(minimal_brief("x", round=2))


@pytest.mark.parametrize("number", [0, -1, "second"])
def test_round_must_be_a_positive_number(number: object) -> None:
    """Round 0, negative or words are refused."""
    with pytest.raises(ValidationError):
        Dialogue.model_validate(minimal_brief("x", series="S", round=number))


def test_version_of_a_brief_without_series_is_unchanged(shipped_catalog: Catalog) -> None:
    """The new keys do not change the version of a brief that leaves them out (no digest re-sends everything)."""
    iras = shipped_catalog.dialogues["issi-iras-dialogue-2025-07-29"]
    assert brief_version(iras) == "178da9c6f5d238661cfaa7c0758be66e"


def test_validate_reports_a_round_used_twice_and_two_spellings(write_brief: Callable[..., Path]) -> None:
    """`briefbot validate`: round 2 twice in one series, and one series spelled two ways, are errors."""
    from bot.briefs.validate import validate_dir

    write_brief("a.yaml", minimal_brief("a", series="Beijing Forum", round=2))
    write_brief("b.yaml", minimal_brief("b", series="Beijing Forum", round=2))
    write_brief("c.yaml", minimal_brief("c", series="Beijing forum", round=3))
    result = validate_dir(write_brief("people.yaml", {"people": []}).parent)
    messages = [str(e) for e in result.errors]
    assert any("round 2 of series 'Beijing Forum' is also a" in m for m in messages)
    assert any("spelled 'Beijing Forum' in a" in m for m in messages)
    assert len(messages) == 2


def test_validate_reports_a_round_dated_before_an_earlier_round(write_brief: Callable[..., Path]) -> None:
    """`briefbot validate`: round 2 dated before round 1 of the same series is an error (a date or number typo)."""
    from bot.briefs.validate import validate_dir

    write_brief("a.yaml", minimal_brief("a", series="Water Talks", round=1, date="2020-03-01"))
    write_brief("b.yaml", minimal_brief("b", series="Water Talks", round=2, date="2019-03-01"))
    write_brief("c.yaml", minimal_brief("c", series="Water Talks", round=3, date=None))
    result = validate_dir(write_brief("people.yaml", {"people": []}).parent)
    messages = [str(e) for e in result.errors]
    assert len(messages) == 1
    assert "round 2 of series 'Water Talks' is dated 2019-03-01, before round 1 (a, 2020-03-01)" in messages[0]


def test_validate_accepts_a_partial_date_that_contains_the_earlier_round(write_brief: Callable[..., Path]) -> None:
    """Round 1 on 2025-07-01 and round 2 in "2025": no contradiction, nothing reported."""
    from bot.briefs.validate import validate_dir

    write_brief("a.yaml", minimal_brief("a", series="Water Talks", round=1, date="2025-07-01"))
    write_brief("b.yaml", minimal_brief("b", series="Water Talks", round=2, date="2025"))
    assert validate_dir(write_brief("people.yaml", {"people": []}).parent).errors == []


def test_unnumbered_round_is_not_placed_after_an_undated_numbered_one(write_brief: Callable[..., Path]) -> None:
    """Round 2 has no date: a dated round without a number cannot be placed against it, so it is listed apart."""
    specs = [("r1", "2022-04-01", 1), ("r2", None, 2), ("rx", "2023-04-01", None)]
    for bid, date, number in specs:
        write_brief(f"{bid}.yaml", minimal_brief(bid, date=date, series="Water Talks", round=number))
    store = BriefStore(write_brief("people.yaml", {"people": []}).parent)
    store.load()
    headings = [i.heading for i in ask(store.catalog, "dialogue series Water Talks").items]
    assert headings == [
        "2022-04-01 — Dialogue r1",
        "date not given — Dialogue r2",
        "Not numbered",
        "2023-04-01 — Dialogue rx",
    ]
