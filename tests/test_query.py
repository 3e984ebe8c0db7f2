"""Questions over the shipped briefs: the answers analysts rely on."""

from __future__ import annotations

import pytest

from bot.answer import AnswerKind
from bot.index.catalog import Catalog
from bot.query import ask, parse, split_by, split_year

IRAS = "issi-iras-dialogue-2025-07-29"
IPIS = "issi-ipis-annual-dialogue"


def test_latest_is_the_iras_dialogue(shipped_catalog: Catalog) -> None:
    """`dialogue latest` is the ISSI-IRAS dialogue of 29 July 2025."""
    answer = ask(shipped_catalog, "/dialogue latest")
    assert answer.kind is AnswerKind.DIALOGUE
    assert answer.refs == (IRAS,)
    assert answer.intro is not None and "2025-07-29" in answer.intro


def test_every_answer_cites_its_dialogue(shipped_catalog: Catalog) -> None:
    """Dialogue, person, session, position and search answers all carry citations."""
    for question in ("dialogue latest", "who Amina Khan", "session Afghanistan", "positions Palestine", "search gas"):
        answer = ask(shipped_catalog, question)
        assert answer.citations(), question
        assert all(item.citation for item in answer.items), question


def test_who_amina_khan_moderated_one_and_chaired_the_other(shipped_catalog: Catalog) -> None:
    """Amina Khan is one person: overall moderator of the IRAS dialogue, a session chair at the IPIS one."""
    answer = ask(shipped_catalog, "/who Amina Khan")
    assert answer.kind is AnswerKind.PERSON
    assert answer.refs == ("amina-khan",)
    assert [c.dialogue_id for c in answer.citations()] == [IRAS, IPIS]
    parts = [dict(item.fields)["Part"] for item in answer.items]
    assert parts == ["moderator", "session chair"]


def test_who_sohail_mahmood_spoke_in_both(shipped_catalog: Catalog) -> None:
    """Sohail Mahmood spoke in both dialogues and his latest role is Director General of ISSI."""
    answer = ask(shipped_catalog, "who Sohail Mahmood")
    assert answer.refs == ("sohail-mahmood",)
    assert len(answer.items) == 2
    assert (answer.intro or "").startswith("Most recent: Director General, ISSI")
    assert all(item.bullets for item in answer.items), "his positions are listed per dialogue"


@pytest.mark.parametrize(
    "typed",
    [
        "Ambassador Sohail Mahmood",
        "sohail mahmood",
        "SOHAIL MAHMOOD",
        "Sohial Mahmod",
        "Sohail Mehmood",
        "Amb. Sohail Mahmood",
        "Sóhail Máhmood",
        "Sohail",
    ],
)
def test_who_tolerates_how_a_name_is_typed(shipped_catalog: Catalog, typed: str) -> None:
    """Honorifics, case, accents, misspellings, aliases and part of the name all find the same person."""
    assert ask(shipped_catalog, f"who {typed}").refs == ("sohail-mahmood",)


def test_who_transliteration_variant(shipped_catalog: Catalog) -> None:
    """A Persian name spelled another way resolves to the registry person."""
    assert ask(shipped_catalog, "who Rasool Mousavi").refs == ("seyyed-rasoul-moosavi",)


def test_who_mahmood_lists_both_mahmoods(shipped_catalog: Catalog) -> None:
    """'Mahmood' matches two people, offered as choices that each resolve exactly."""
    answer = ask(shipped_catalog, "who Mahmood")
    assert answer.kind is AnswerKind.CHOOSE
    assert set(answer.refs) == {"sohail-mahmood", "khalid-mahmood"}
    for choice in answer.choices:
        assert ask(shipped_catalog, choice.question).kind is AnswerKind.PERSON


def test_who_unknown_suggests_closest(shipped_catalog: Catalog) -> None:
    """An unknown name close to known ones says so and offers the closest names."""
    answer = ask(shipped_catalog, "who Somaye Morovaty Qwerty")
    assert answer.kind is AnswerKind.NOT_FOUND
    assert not answer.ok
    assert answer.choices and "Closest" in (answer.intro or "")
    assert "Somaye Morovati" in (answer.intro or "")


@pytest.mark.parametrize("name", ["Zbigniew Brzezinski", "xqzzy", "zzzzzzzzzz qqqq"])
def test_who_unlike_anyone_offers_no_names(shipped_catalog: Catalog, name: str) -> None:
    """A name like no one in the briefs is not offered arbitrary people: the answer points to search instead."""
    answer = ask(shipped_catalog, f"who {name}")
    assert answer.kind is AnswerKind.NOT_FOUND and not answer.ok
    assert not answer.choices and "Closest" not in (answer.intro or "")
    assert f"search {name}" in (answer.intro or "")


def test_author_is_not_a_participant(shipped_catalog: Catalog) -> None:
    """The article's author is not a participant."""
    assert ask(shipped_catalog, "who Abu Bakr Alvi").kind is AnswerKind.NOT_FOUND


def test_session_afghanistan(shipped_catalog: Catalog) -> None:
    """`session Afghanistan` finds the Afghanistan session moderated by Sarah Akram."""
    answer = ask(shipped_catalog, "session Afghanistan")
    assert answer.kind is AnswerKind.SESSIONS
    first = answer.items[0]
    assert first.heading == "The Evolving Situation in Afghanistan"
    assert dict(first.fields)["Chair"].startswith("Sarah Akram")


def test_positions_afghanistan_span_both_dialogues(shipped_catalog: Catalog) -> None:
    """`positions Afghanistan` has statements from both dialogues, newest first."""
    answer = ask(shipped_catalog, "positions Afghanistan")
    dialogues = [ref.split("#")[0] for ref in answer.refs]
    assert dialogues[0] == IRAS
    assert set(dialogues) == {IRAS, IPIS}


def test_positions_by_country(shipped_catalog: Catalog) -> None:
    """`positions Afghanistan by Iran` keeps only statements with an Iranian speaker."""
    answer = ask(shipped_catalog, "positions Afghanistan by Iran")
    assert [ref.split("#")[0] for ref in answer.refs] == [IPIS]


def test_positions_by_person(shipped_catalog: Catalog) -> None:
    """`positions Palestine by Sohail Mahmood` finds his statement."""
    answer = ask(shipped_catalog, "positions Palestine by Sohail Mahmood")
    assert answer.kind is AnswerKind.POSITIONS
    assert {ref.split("#")[0] for ref in answer.refs} == {IPIS}


def test_search_names_dialogue_and_field(shipped_catalog: Catalog) -> None:
    """`search pipeline` finds the IPI gas pipeline and names the field it is in."""
    answer = ask(shipped_catalog, "search pipeline")
    assert answer.kind is AnswerKind.SEARCH
    assert all(ref.startswith(IPIS + ":") for ref in answer.refs)
    assert any("› Project " in (item.heading or "") for item in answer.items)


def test_search_trade_figure(shipped_catalog: Catalog) -> None:
    """The trade figure is searchable."""
    answer = ask(shipped_catalog, "search trade billion")
    assert any("$2 billion" in " ".join(item.lines) for item in answer.items)


def test_dialogue_list_by_year(shipped_catalog: Catalog) -> None:
    """`dialogue list 2025` lists only dated 2025 dialogues."""
    assert ask(shipped_catalog, "dialogue list 2025").refs == (IRAS,)


def test_dialogue_list_by_words(shipped_catalog: Catalog) -> None:
    """`dialogue list IPIS` matches organiser acronyms."""
    assert ask(shipped_catalog, "dialogue list IPIS").refs == (IPIS,)


def test_dialogue_show_by_title_words(shipped_catalog: Catalog) -> None:
    """`dialogue show annual` finds the annual dialogue by title words."""
    answer = ask(shipped_catalog, "dialogue show annual")
    assert answer.refs == (IPIS,)


def test_dialogue_show_by_title_words_builds_no_other_dialogue(
    shipped_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title words are matched against the catalog's titles: the dialogues themselves are not walked to find one."""
    monkeypatch.setattr(shipped_catalog, "ordered", ())  # every dialogue, newest first, each built when read
    assert ask(shipped_catalog, "dialogue show annual").refs == (IPIS,)


def test_undated_dialogue_says_so(shipped_catalog: Catalog) -> None:
    """The ISSI-IPIS dialogue has no invented date: it says the date is not given."""
    answer = ask(shipped_catalog, f"dialogue show {IPIS}")
    overview = dict(answer.items[0].fields)
    assert overview["Date"] == "date not given"
    assert "14 July 2024" in overview["Date note"]


def test_show_holds_trade_figure_and_visit(shipped_catalog: Catalog) -> None:
    """The briefs hold the trade figure and the forthcoming presidential visit."""
    ipis = shipped_catalog.dialogues[IPIS]
    iras = shipped_catalog.dialogues[IRAS]
    assert any("2 billion" in f.value for f in ipis.figures)
    assert any("President of Iran" in m.name for m in iras.mentions)
    assert {"ECO", "SCO", "OIC", "UN"} <= set(ipis.forums)


@pytest.mark.parametrize("text", ["", "   ", "/", "help", "/brief help"])
def test_empty_or_help_gives_help(shipped_catalog: Catalog, text: str) -> None:
    """Empty input and `help` answer with the list of questions."""
    assert ask(shipped_catalog, text).kind is AnswerKind.HELP


@pytest.mark.parametrize(
    "text",
    ["frobnicate", "@everyone", "<@123> who", "💥💥💥", "\x00\x01who", "who " + "a" * 5000, "ÿ" * 10_000],
)
def test_odd_input_never_raises(shipped_catalog: Catalog, text: str) -> None:
    """Unknown, huge, unicode and control-character input gets an answer object, not an exception."""
    answer = ask(shipped_catalog, text)
    assert answer.title


def test_too_long_question_is_refused(shipped_catalog: Catalog) -> None:
    """A question over the limit gets a clear error."""
    answer = ask(shipped_catalog, "search " + "x" * 1000)
    assert answer.kind is AnswerKind.ERROR and "too long" in answer.title


def test_parse_accepts_slash_and_brief_prefix() -> None:
    """'/who X', 'who X' and 'brief who X' parse the same."""
    assert parse("/who X") == parse("who X") == parse("/brief who X")


@pytest.mark.parametrize(
    ("text", "parts"), [("Afghanistan by Iran", ("Afghanistan", "Iran")), ("Bypass roads", ("Bypass roads", None))]
)
def test_split_by(text: str, parts: tuple[str, str | None]) -> None:
    """'Afghanistan by Iran' splits into topic and speaker; 'by' inside a word is no split."""
    assert split_by(text) == parts


def test_split_year() -> None:
    """'IRAS 2025' splits into the name and the year."""
    assert split_year("IRAS 2025") == ("IRAS", 2025)


def test_dialogue_list_words_across_fields(shipped_catalog: Catalog) -> None:
    """Words may match different fields: an organiser acronym and a topic."""
    assert ask(shipped_catalog, "dialogue list IRAS Palestine").refs == (IRAS,)
    assert ask(shipped_catalog, "dialogue list ISSI Palestine").refs == (IRAS, IPIS)


def test_dialogue_list_matches_ids(shipped_catalog: Catalog) -> None:
    """A piece of a brief id lists that dialogue."""
    assert ask(shipped_catalog, "dialogue list iras-dialogue").refs == (IRAS,)


@pytest.mark.parametrize("typed", ["Mahmod", "Mahmud", "Mehmud", "Mahmood"])
def test_equally_close_names_are_offered_not_guessed(shipped_catalog: Catalog, typed: str) -> None:
    """`who Mahmod` offers both Mahmoods, whatever aliases the registry happens to hold for one of them."""
    answer = ask(shipped_catalog, f"who {typed}")
    assert answer.kind is AnswerKind.CHOOSE
    assert sorted(answer.refs) == ["khalid-mahmood", "sohail-mahmood"]


@pytest.mark.parametrize(("typed", "key"), [("Sohail Mahmod", "sohail-mahmood"), ("Suhail", "sohail-mahmood")])
def test_a_clear_match_is_answered(shipped_catalog: Catalog, typed: str, key: str) -> None:
    """A name close to one person only is answered at once."""
    assert ask(shipped_catalog, f"who {typed}").refs == (key,)


def test_who_names_every_co_author(shipped_catalog: Catalog) -> None:
    """Sohail Mahmood's joint opening statements name Shaykh al-Islami as co-author."""
    answer = ask(shipped_catalog, "who Sohail Mahmood")
    ipis = next(item for item in answer.items if item.citation and item.citation.dialogue_id == IPIS)
    assert ipis.bullets and all("(jointly with Dr. Muhammad Hassan Shaykh al-Islami)" in b for b in ipis.bullets)


def test_affiliation_named_in_the_role_is_not_repeated(shipped_catalog: Catalog) -> None:
    """ "President of IPIS" is not followed by ", IPIS" again."""
    answer = ask(shipped_catalog, "who Shaykh al-Islami")
    assert answer.intro is not None
    assert "President of IPIS, IPIS" not in answer.intro
    assert answer.intro.startswith("Most recent: Deputy Foreign Minister of Iran and President of IPIS (Iran)")


def test_session_chairs_are_not_called_moderators(shipped_catalog: Catalog) -> None:
    """The IPIS brief has no overall moderator: its session chairs are shown as session chairs."""
    overview = dict(ask(shipped_catalog, f"dialogue show {IPIS}").items[0].fields)
    assert overview["Moderator"] == "no overall moderator named"
    assert overview["Session chairs"].startswith("Ms. Amina Khan (Pakistan-Iran Bilateral Relations); Arhama Siddiqa")
    assert dict(ask(shipped_catalog, f"dialogue show {IRAS}").items[0].fields)["Moderator"] == "Ms. Amina Khan"


@pytest.mark.parametrize("question", ["search \\\\", "who 'quoted'", "session \\x", "frobnicate \\\\"])
def test_questions_are_echoed_as_typed_never_as_python_reprs(shipped_catalog: Catalog, question: str) -> None:
    """What the user typed comes back in quotes as typed: no doubled backslashes, no Python quoting."""
    answer = ask(shipped_catalog, question)
    typed = question.split(" ", 1)[1] if not question.startswith("frobnicate") else "frobnicate"
    assert f"“{typed}”" in (answer.intro or "")
    assert "\\\\\\\\" not in (answer.intro or "")


def test_help_shows_the_topic_of_positions_as_optional(shipped_catalog: Catalog) -> None:
    """`help` says what README says: `positions [<topic>] [by <name, institute or country>]`."""
    lines = [f"{key}: {value}" for item in ask(shipped_catalog, "help").items for key, value in item.fields]
    lines += [line for item in ask(shipped_catalog, "help").items for line in (item.heading or "", *item.lines)]
    assert any("positions [<topic>] [by <name, institute or country>]" in line for line in lines)


def test_search_of_one_letter_words_only_finds_nothing(shipped_catalog: Catalog) -> None:
    """`search %s %d {0}` (no word of two letters or digits) says nothing matched, not hits on a possessive's s."""
    answer = ask(shipped_catalog, "search %s %d {0}")
    assert answer.kind is AnswerKind.NOT_FOUND and not answer.ok and not answer.items


def test_search_ignores_one_letter_words_beside_longer_ones(shipped_catalog: Catalog) -> None:
    """`search pipeline s` finds what `search pipeline` finds: the stray letter neither widens nor narrows it."""
    assert ask(shipped_catalog, "search pipeline s").refs == ask(shipped_catalog, "search pipeline").refs


def test_dialogue_list_echoes_the_words_in_the_order_typed(shipped_catalog: Catalog) -> None:
    """`dialogue list 1999 2025` is echoed as typed, not with the years swapped."""
    answer = ask(shipped_catalog, "dialogue list 1999 2025")
    assert "“1999 2025”" in (answer.intro or "")
