"""Answers that cannot mislead: drafts marked, search hits labelled, misspellings and other scripts handled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import DRAFT_MARK, AnswerKind
from bot.briefs.models import fold
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from tests.conftest import minimal_brief

IPIS = "issi-ipis-annual-dialogue"


@pytest.fixture
def draft_catalog(write_brief: Callable[..., Path]) -> Catalog:
    """Return a catalog with drafts included: one published brief and one draft sharing a participant."""
    write_brief("done.yaml", minimal_brief("done", date="2024-01-01"))
    path = write_brief("raw.yaml", minimal_brief("raw", status="draft", title="Raw draft dialogue"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    return store.catalog


@pytest.mark.parametrize("question", ["dialogue list", "dialogue show raw", "who Omid Karimi", "positions Water"])
def test_drafts_are_marked_wherever_they_appear(draft_catalog: Catalog, question: str) -> None:
    """Every item citing the draft says "DRAFT — not reviewed"; the published brief's items do not."""
    answer = ask(draft_catalog, question)
    cited = [item for item in answer.items if item.citation]
    assert any(item.citation and item.citation.dialogue_id == "raw" for item in cited)
    for item in cited:
        assert item.citation is not None
        assert (DRAFT_MARK in (item.heading or "")) == (item.citation.dialogue_id == "raw")


def test_a_draft_dialogue_is_titled_as_one(draft_catalog: Catalog) -> None:
    """`dialogue show` of a draft says so in the title and in its source line."""
    answer = ask(draft_catalog, "dialogue show raw")
    assert answer.title.startswith(f"[{DRAFT_MARK}]")
    assert DRAFT_MARK in answer.citations()[0].label()


def test_drafts_are_left_out_without_the_option(write_brief: Callable[..., Path]) -> None:
    """Without --drafts a draft is never answered at all."""
    path = write_brief("raw.yaml", minimal_brief("raw", status="draft"))
    store = BriefStore(path.parent)
    assert store.load().ok
    assert ask(store.catalog, "dialogue list").kind is AnswerKind.NOT_FOUND


def test_search_hits_on_participants_show_labels(shipped_catalog: Catalog) -> None:
    """A hit on a participant shows Name, Role, Affiliation and Country as labelled fields."""
    answer = ask(shipped_catalog, "search Amina Khan")
    item = answer.items[0]
    assert item.heading is not None and item.heading.endswith("› Participant 1")
    assert dict(item.fields) == {
        "Name": "Ms. Amina Khan",
        "Role": "Director",
        "Affiliation": "CAMEA",
        "Country": "Pakistan",
    }


def test_search_field_labels_read_as_words(shipped_catalog: Catalog) -> None:
    """Nested fields are named in words: "Session 2 › Takeaway 1", never "sessions[1].takeaways[0]"."""
    headings = [item.heading or "" for item in ask(shipped_catalog, "search sanctions").items]
    assert any(h.endswith("› Session 2 › Takeaway 1") for h in headings)
    assert not any("[" in h or "_" in h for h in headings)


@pytest.mark.parametrize(
    ("question", "suggestion"),
    [
        ("session Afganistan", "session Afghanistan"),
        ("positions Palastine", "positions Palestine"),
        ("positions Afganistan by Iran", "positions Afghanistan by Iran"),
        ("search piplene", "search pipeline"),
    ],
)
def test_misspelt_topics_get_a_suggestion_from_the_index(
    shipped_catalog: Catalog, question: str, suggestion: str
) -> None:
    """A misspelt topic or word is answered with the nearest words the briefs actually hold, as a choice."""
    answer = ask(shipped_catalog, question)
    assert answer.kind is AnswerKind.NOT_FOUND
    assert [c.question for c in answer.choices] == [suggestion]
    assert ask(shipped_catalog, suggestion).ok


def test_nonsense_gets_no_suggestion(shipped_catalog: Catalog) -> None:
    """A word nowhere near the vocabulary gets no made-up suggestion."""
    assert ask(shipped_catalog, "session zzzzqq").choices == ()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("سہیل محمود", "sohail-mahmood"),  # Urdu: heh goal
        ("سهیل محمود", "sohail-mahmood"),  # Persian: heh, Persian yeh
        ("سهيل محمود", "sohail-mahmood"),  # Arabic yeh
        ("محمدحسن شیخ\u200cالاسلامی", "muhammad-hassan-shaykh-al-islami"),  # with a zero-width non-joiner
        ("رسول موسوی", "seyyed-rasoul-moosavi"),  # part of a registry alias
    ],
)
def test_names_in_arabic_script_match_registry_aliases(shipped_catalog: Catalog, typed: str, key: str) -> None:
    """A name typed in Persian, Arabic or Urdu script finds the person through the registry's alias in that script."""
    assert ask(shipped_catalog, f"who {typed}").refs == (key,)


def test_unknown_name_in_arabic_script_gets_no_latin_guesses(shipped_catalog: Catalog) -> None:
    """An unknown Persian name is not answered with random "closest" Latin names, but with how to add an alias."""
    answer = ask(shipped_catalog, "who علی رضایی")
    assert answer.kind is AnswerKind.NOT_FOUND
    assert answer.choices == ()
    assert "people.yaml" in (answer.intro or "")


def test_arabic_letter_variants_fold_alike() -> None:
    """Arabic yeh/kaf, Urdu heh and tatweel fold to the same letters."""
    assert fold("كريم") == fold("کریم")
    assert fold("سہیل") == fold("سهیل") == fold("سهـیل")


def test_unknown_speaker_in_arabic_script_gets_no_latin_guesses(shipped_catalog: Catalog) -> None:
    """`positions by <unknown Persian name>` offers no Latin names."""
    answer = ask(shipped_catalog, "positions by علی رضایی")
    assert answer.kind is AnswerKind.NOT_FOUND and answer.choices == ()


@pytest.mark.parametrize("question", ["compare Water: Omid Karimi vs Zara Ahmed", "timeline topic Water"])
def test_a_draft_statement_is_marked_once_across_dialogues(draft_catalog: Catalog, question: str) -> None:
    """In compare and a topic timeline a draft's statement says "DRAFT — not reviewed" once, headed like the rest."""
    answer = ask(draft_catalog, question)
    headings = [i.heading or "" for i in answer.items if i.citation and i.citation.dialogue_id == "raw"]
    assert headings and all(h.count(DRAFT_MARK) == 1 and "Position:" not in h for h in headings)


def test_a_most_recent_role_taken_from_a_draft_is_marked(draft_catalog: Catalog) -> None:
    """`who` says "Most recent: …" from the draft (the newer dialogue) only with the draft mark beside it."""
    intro = ask(draft_catalog, "who Omid Karimi").intro or ""
    assert intro.startswith("Most recent: Fellow, Tehran Forum") and f"[{DRAFT_MARK}]" in intro.split(".")[0]
