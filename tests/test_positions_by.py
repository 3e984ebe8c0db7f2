"""`positions TOPIC by X` tells an institute or country from a person, and a person's filter reads their dialogues."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answer import AnswerKind
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from tests.conftest import minimal_brief


def _brief(brief_id: str, date: str, speakers: list[dict[str, Any]], summary: str) -> dict[str, Any]:
    return minimal_brief(
        brief_id,
        date=date,
        moderators=[],
        participants=speakers,
        sessions=[{"title": "Energy", "takeaways": ["Gas matters."]}],
        positions=[{"by": [speakers[0]["name"]], "topic": "Energy", "summary": summary}],
    )


IRINA = {"name": "Irina Volkova", "role": "Fellow", "affiliation": "RIAC", "country": "Russia"}
CHEN = {"name": "Chen Hui", "role": "Fellow", "affiliation": "CIIS", "country": "China"}
REZA = {"name": "Reza Tehrani", "role": "Director", "affiliation": "IPIS", "country": "Iran"}
ALI = {"name": "Ali Raza Khan", "role": "Fellow", "affiliation": "ISSI", "country": "Pakistan"}


def _catalog(write_brief: Callable[..., Path]) -> Catalog:
    write_brief("a.yaml", _brief("a", "2024-01-01", [IRINA, REZA], "Irina on pipelines."))
    write_brief("b.yaml", _brief("b", "2024-02-01", [REZA, IRINA], "Reza on pipelines."))
    write_brief("c.yaml", _brief("c", "2024-03-01", [CHEN, ALI], "Chen on pipelines."))
    write_brief("d.yaml", _brief("d", "2024-04-01", [ALI, CHEN], "Ali on pipelines."))
    store = BriefStore(write_brief("x.txt", "").parent)
    assert store.load().ok
    return store.catalog


def test_country_word_like_a_name_is_a_country(write_brief: Callable[..., Path]) -> None:
    """`by Iran` filters by country, not by Irina (whose name shares its transliteration key)."""
    answer = ask(_catalog(write_brief), "positions energy by Iran")
    assert answer.refs == ("b#0",)
    assert answer.title == "Positions on energy by Iran"


def test_china_is_not_chen(write_brief: Callable[..., Path]) -> None:
    """`by China` keeps the Chinese speaker's statement, not a person named Chen."""
    assert ask(_catalog(write_brief), "positions energy by China").refs == ("c#0",)


def test_institute_acronym(write_brief: Callable[..., Path]) -> None:
    """`by ISSI` keeps statements by speakers from ISSI."""
    assert ask(_catalog(write_brief), "positions energy by ISSI").refs == ("d#0",)


def test_full_name_is_a_person(write_brief: Callable[..., Path]) -> None:
    """`by Irina Volkova` is a person filter: only her statements, named in the title."""
    answer = ask(_catalog(write_brief), "positions energy by Irina Volkova")
    assert answer.kind is AnswerKind.POSITIONS
    assert answer.refs == ("a#0",)
    assert answer.title.endswith("by Irina Volkova")


def test_family_name_is_a_person(write_brief: Callable[..., Path]) -> None:
    """A whole name part (`by Khan`) that is no institute or country is a person filter."""
    assert ask(_catalog(write_brief), "positions pipelines by Khan").refs == ("d#0",)


def test_misspelt_full_name_is_a_person(write_brief: Callable[..., Path]) -> None:
    """A transliteration of a full name (`by Reza Tehraani`) still finds that person."""
    assert ask(_catalog(write_brief), "positions energy by Reza Tehraani").refs == ("b#0",)


def test_person_filter_matches_topic_words(write_brief: Callable[..., Path]) -> None:
    """A person's statements are kept only when they hold the topic's words."""
    answer = ask(_catalog(write_brief), "positions water by Irina Volkova")
    assert answer.kind is AnswerKind.NOT_FOUND


def test_single_word_sound_alike_is_no_person(write_brief: Callable[..., Path]) -> None:
    """A lone word matching a name only by transliteration (`by Irena`) is no person filter."""
    assert ask(_catalog(write_brief), "positions energy by Irena").kind is AnswerKind.NOT_FOUND


def test_shipped_by_iran_is_the_ipis_statement(shipped_catalog: Catalog) -> None:
    """`positions Afghanistan by Iran` on the shipped briefs gives the IPIS statement only."""
    answer = ask(shipped_catalog, "positions Afghanistan by Iran")
    assert [ref.split("#")[0] for ref in answer.refs] == ["issi-ipis-annual-dialogue"]
