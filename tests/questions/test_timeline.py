"""`timeline`: a person, institute, topic or series through time, undated dialogues apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import AnswerKind
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from bot.questions.timeline import UNDATED, split_order
from bot.replies import MAX_HITS

from ..conftest import minimal_brief

IRAS = "issi-iras-dialogue-2025-07-29"
IPIS = "issi-ipis-annual-dialogue"


def headings(answer: object) -> list[str]:
    """Return the item headings of an answer."""
    return [item.heading or "" for item in answer.items]  # type: ignore[attr-defined]


def test_sohail_mahmood_lists_both_with_the_undated_apart(shipped_catalog: Catalog) -> None:
    """`timeline Sohail Mahmood`: the dated dialogue first, then "Date not given" and the undated one."""
    answer = ask(shipped_catalog, "timeline Sohail Mahmood")
    assert answer.kind is AnswerKind.TIMELINE
    assert headings(answer)[0].startswith("2025-07-29 — Iran-Pakistan Relations")
    assert headings(answer)[1] == UNDATED
    assert headings(answer)[2] == "date not given — ISSI-IPIS Annual Dialogue"
    assert [c.dialogue_id for c in answer.citations()] == [IRAS, IPIS]
    assert "1 without a date listed apart" in (answer.intro or "")


def test_person_timeline_is_the_same_without_indexed_display_rows(
    shipped_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no display rows in the text index (the catalog builds them from the dialogues) the timeline is the same."""
    fast = ask(shipped_catalog, "timeline Sohail Mahmood")
    assert any(item.bullets for item in fast.items)
    monkeypatch.setattr(shipped_catalog.text, "items", lambda keys: {})
    assert ask(shipped_catalog, "timeline Sohail Mahmood") == fast


def test_person_timeline_shows_part_role_and_positions(shipped_catalog: Catalog) -> None:
    """Each dialogue of a person says the part played, the role then and the positions taken."""
    answer = ask(shipped_catalog, "timeline Amina Khan")
    first = answer.items[0]
    assert dict(first.fields) == {"Part": "moderator", "Then": "Director, CAMEA"}
    sohail = ask(shipped_catalog, "timeline Sohail Mahmood").items[0]
    assert any(b.startswith("Afghanistan: Urged closer") for b in sohail.bullets)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Sohail Mahmood", ("Sohail Mahmood", False)),
        ("Sohail Mahmood newest first", ("Sohail Mahmood", True)),
        ("Afghanistan, oldest first", ("Afghanistan", False)),
        ("ISSI order: latest first", ("ISSI", True)),
        ("ISSI newest last", ("ISSI", False)),
    ],
)
def test_order_option(typed: str, expected: tuple[str, bool]) -> None:
    """'newest first' / 'oldest first' (or latest/earliest, first/last) at the end choose the order."""
    assert split_order(typed) == expected


def test_newest_first_keeps_the_undated_apart(write_brief: Callable[..., Path]) -> None:
    """Newest first reverses the dated dialogues; the undated ones still come last, under their own heading."""
    people = [{"name": "Zara Ahmed", "role": "Director", "affiliation": "EXI"}]
    for bid, date in (("a-2019", "2019-03-01"), ("b-2023", "2023-06"), ("c-undated", None)):
        write_brief(f"{bid}.yaml", minimal_brief(bid, date=date, participants=people, positions=[], sessions=[]))
    store = BriefStore(write_brief("people.yaml", {"people": []}).parent)
    store.load()
    oldest = ask(store.catalog, "timeline Zara Ahmed")
    newest = ask(store.catalog, "timeline Zara Ahmed newest first")
    assert [c.dialogue_id for c in oldest.citations()] == ["a-2019", "b-2023", "c-undated"]
    assert [c.dialogue_id for c in newest.citations()] == ["b-2023", "a-2019", "c-undated"]
    assert headings(newest)[2] == UNDATED


def test_topic_timeline_says_who_when_where(shipped_catalog: Catalog) -> None:
    """`timeline Afghanistan`: each statement with its date and dialogue, speakers named, undated apart."""
    answer = ask(shipped_catalog, "timeline Afghanistan")
    assert answer.kind is AnswerKind.TIMELINE
    assert headings(answer)[0].startswith("2025-07-29 — ") and headings(answer)[0].endswith("· Afghanistan")
    assert dict(answer.items[0].fields)["By"] == "Ambassador Sohail Mahmood"
    assert headings(answer)[1] == UNDATED


def test_institute_timeline(shipped_catalog: Catalog) -> None:
    """`timeline ISSI`: both dialogues it organised, with its people who took part."""
    answer = ask(shipped_catalog, "timeline ISSI")
    assert [c.dialogue_id for c in answer.citations()] == [IRAS, IPIS]
    assert "organiser" in dict(answer.items[0].fields)["Part"]
    assert "Ambassador Khalid Mahmood — Chairman BoG, ISSI" in answer.items[0].bullets


def test_country_timeline(shipped_catalog: Catalog) -> None:
    """`timeline Iran`: a country, through the organisers and participants from it."""
    answer = ask(shipped_catalog, "timeline Iran")
    assert answer.kind is AnswerKind.TIMELINE
    assert {c.dialogue_id for c in answer.citations()} == {IRAS, IPIS}


def test_series_timeline(shipped_catalog: Catalog) -> None:
    """`timeline ISSI-IPIS Annual Dialogue` is the series through time."""
    answer = ask(shipped_catalog, "timeline ISSI-IPIS Annual Dialogue")
    assert answer.kind is AnswerKind.TIMELINE
    assert answer.refs == (IPIS,)


def test_unknown_subject_is_not_found(shipped_catalog: Catalog) -> None:
    """Nothing by that name: a not-found answer, never an exception."""
    answer = ask(shipped_catalog, "timeline Zzyzx Qwerty")
    assert not answer.ok and answer.kind is AnswerKind.NOT_FOUND


def test_empty_timeline_asks_what(shipped_catalog: Catalog) -> None:
    """`timeline` alone explains how to ask."""
    answer = ask(shipped_catalog, "timeline")
    assert answer.kind is AnswerKind.HELP and "timeline Sohail Mahmood" in (answer.intro or "")


def test_a_misspelling_as_close_to_two_people_asks_which_one(shipped_catalog: Catalog) -> None:
    """`timeline Mahmod` is one letter from both Mahmoods: the user picks (an alias of one is no reason to guess)."""
    answer = ask(shipped_catalog, "timeline Mahmod")
    assert answer.kind is AnswerKind.CHOOSE
    assert {c.label for c in answer.choices} == {"Ambassador Khalid Mahmood", "Ambassador Sohail Mahmood"}


@pytest.mark.parametrize("question", ["timeline \\\\", "network \\\\", "dialogue series \\\\"])
def test_the_question_is_quoted_as_typed_not_as_a_python_repr(shipped_catalog: Catalog, question: str) -> None:
    """What the user typed comes back quoted as typed, never as a Python repr with doubled backslashes."""
    intro = ask(shipped_catalog, question).intro or ""
    assert "“\\\\”" in intro and "'" not in intro


def test_a_topic_timeline_by_someone_lists_only_their_statements(shipped_catalog: Catalog) -> None:
    """`timeline Afghanistan by Iran` lists the statement with an Iranian co-author, never Sohail Mahmood's own."""
    answer = ask(shipped_catalog, "timeline Afghanistan by Iran")
    said = [dict(i.fields)["By"] for i in answer.items if i.citation]
    assert said == ["Ambassador Sohail Mahmood, Dr. Muhammad Hassan Shaykh al-Islami"]


def test_a_capped_person_timeline_says_how_many_in_all_and_that_undated_ones_are_left_out(
    write_brief: Callable[..., Path],
) -> None:
    """52 dialogues, one undated: the intro gives the total and does not pass the undated one off as the oldest."""
    for n in range(51):
        write_brief(f"d{n:02}.yaml", minimal_brief(f"d{n:02}", date=f"{2000 + n // 12}-{n % 12 + 1:02}-01"))
    path = write_brief("undated.yaml", minimal_brief("undated", date=None))
    store = BriefStore(path.parent)
    assert store.load().ok
    intro = ask(store.catalog, "timeline Omid Karimi").intro or ""
    assert intro.startswith("52 dialogue(s) in all.")
    assert "Not shown: 1 older dated dialogue(s) and 1 without a date, which cannot be ranked." in intro


def test_a_capped_topic_timeline_does_not_pass_undated_statements_off_as_the_oldest(
    write_brief: Callable[..., Path],
) -> None:
    """More statements than fit: the intro says undated ones, which cannot be ranked, are shown only if room is left."""
    for n in range(MAX_HITS + 1):
        write_brief(f"d{n:02}.yaml", minimal_brief(f"d{n:02}", date=f"{2000 + n // 12}-{n % 12 + 1:02}-01"))
    path = write_brief("undated.yaml", minimal_brief("undated", date=None))
    store = BriefStore(path.parent)
    assert store.load().ok
    intro = ask(store.catalog, "timeline topic Water").intro or ""
    assert f"(the {MAX_HITS} most recent; statements from dialogues without a date only if fewer are dated)" in intro
