"""`positions [TOPIC] [by WHO]` over the shipped briefs: no statement is ever listed "by" someone not its author."""

from __future__ import annotations

import itertools

import pytest

from bot.answer import Answer, AnswerKind
from bot.briefs.models import Dialogue, Participant, fold, normalize_name
from bot.index.catalog import Catalog
from bot.query import ask
from bot.speakers import CHOOSE, GROUP, PERSON, UNKNOWN, resolve, split_by
from tests.conftest import BRIEFS_DIR

IRAS = "issi-iras-dialogue-2025-07-29"
IPIS = "issi-ipis-annual-dialogue"


def _authors(catalog: Catalog, ref: str) -> tuple[Dialogue, list[Participant]]:
    did, index = ref.split("#")
    dialogue = catalog.dialogues[did]
    position = dialogue.positions[int(index)]
    found = [dialogue.participant(name) for name in position.by]
    return dialogue, [p for p in found if p is not None]


def _is_by(catalog: Catalog, author: Participant, label: str) -> bool:
    """Return whether X (as the answer names it) is this author, or the author's own institute or country."""
    person = next((r for r in catalog.people.values() if normalize_name(r.name) == normalize_name(label)), None)
    if person is not None and normalize_name(author.name) in {normalize_name(s) for s in person.spellings}:
        return True
    own = set(fold(f"{author.affiliation or ''} {author.country or ''}").split())
    return bool(fold(label).split()) and set(fold(label).split()) <= own


def _check(catalog: Catalog, answer: Answer) -> int:
    """Assert every listed position has X among its authors; return how many were checked."""
    if answer.kind is not AnswerKind.POSITIONS:
        return 0
    label = answer.title.rsplit(" by ", 1)[1]
    for ref in answer.refs:
        _, authors = _authors(catalog, ref)
        assert any(_is_by(catalog, a, label) for a in authors), (answer.title, ref)
    return len(answer.refs)


def _by_values(catalog: Catalog) -> list[str]:
    values: set[str] = {"Iran", "Pakistan", "ISSI", "IPIS", "CAMEA", "al-Islami", "Shaykh al-Islami", "al", "Mahmood"}
    for dialogue in catalog.ordered:
        for p in dialogue.participants:
            values.update(x for x in (p.name, p.affiliation, p.country) if x)
            values.update(p.name.split())
    for person in catalog.registry.people:
        values.update((person.name, *person.aliases))
    return sorted(values)


TOPICS = ("", "Afghanistan", "Palestine", "relations", "al", "Iran", "global order")


def test_no_position_is_listed_by_someone_not_its_author(shipped_catalog: Catalog) -> None:
    """Every `positions [topic] by X` over every name, alias, name part, institute and country lists only
    positions X (or X's institute or country) is an author of."""
    checked = 0
    for topic, who in itertools.product(TOPICS, _by_values(shipped_catalog)):
        checked += _check(shipped_catalog, ask(shipped_catalog, f"positions {topic} by {who}".replace("  ", " ")))
    assert checked > 100


def test_positions_by_person_without_topic(shipped_catalog: Catalog) -> None:
    """`positions by Shaykh al-Islami` lists his five joint statements, headed with his name, none by others."""
    answer = ask(shipped_catalog, "positions by Shaykh al-Islami")
    assert answer.kind is AnswerKind.POSITIONS
    assert answer.title == "Positions by Muhammad Hassan Shaykh al-Islami"
    assert answer.refs == tuple(f"{IPIS}#{i}" for i in range(5))


def test_positions_by_country_excludes_other_countries_speakers(shipped_catalog: Catalog) -> None:
    """`positions by Iran` lists no statement made by the Pakistani speaker alone."""
    answer = ask(shipped_catalog, "positions by Iran")
    assert answer.refs and not any(ref.startswith(IRAS) for ref in answer.refs)


def test_a_role_naming_a_country_is_not_that_country(write_brief: object) -> None:
    """ "Pakistan's former Ambassador to Iran" speaks for Pakistan: `positions by Iran` does not list her."""
    from bot.index.store import BriefStore
    from tests.conftest import minimal_brief

    path = write_brief(  # type: ignore[operator]
        "envoy.yaml",
        minimal_brief(
            "envoy",
            participants=[
                {"name": "Zara Ahmed", "role": "Director", "affiliation": "EXI", "country": "Pakistan"},
                {"name": "Omid Karimi", "role": "Pakistan's former Ambassador to Iran", "country": "Pakistan"},
            ],
        ),
    )
    store = BriefStore(path.parent)
    assert store.load().ok
    assert ask(store.catalog, "positions Water by Iran").kind is AnswerKind.NOT_FOUND
    assert ask(store.catalog, "positions Water by Pakistan").refs == ("envoy#0",)


def test_heading_has_no_trailing_by(shipped_catalog: Catalog) -> None:
    """`positions Afghanistan by` is read as the topic alone, headed "Positions on Afghanistan"."""
    assert ask(shipped_catalog, "positions Afghanistan by").title == "Positions on Afghanistan"


def test_a_short_particle_is_no_word_prefix(shipped_catalog: Catalog) -> None:
    """`positions al` matches no statement through words that merely start with "al" (along, Alvi, all)."""
    assert ask(shipped_catalog, "positions al").kind is AnswerKind.NOT_FOUND
    assert ask(shipped_catalog, "search al").refs == (f"{IPIS}:participants[1]",)  # al-Islami: the whole word


def test_several_close_people_are_offered(shipped_catalog: Catalog) -> None:
    """`positions by Mahmod` offers both Mahmoods, never a guess."""
    answer = ask(shipped_catalog, "positions by Mahmod")
    assert answer.kind is AnswerKind.CHOOSE
    assert sorted(c.question for c in answer.choices) == [
        "positions by Khalid Mahmood",
        "positions by Sohail Mahmood",
    ]


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Sohail Mahmood", PERSON),
        ("Ambassador Sohail Mahmood", PERSON),
        ("Shaykh al-Islami", PERSON),
        ("Iran", GROUP),
        ("Saudi Arabia", UNKNOWN),
        ("ISSI", GROUP),
        ("Mahmood", CHOOSE),
        ("Zzyzx", UNKNOWN),
    ],
)
def test_resolve(shipped_catalog: Catalog, typed: str, kind: str) -> None:
    """X of `by X` resolves to a person, an institute or country, a choice, or nothing."""
    assert resolve(shipped_catalog, typed).kind == kind


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("Afghanistan by Iran", ("Afghanistan", "Iran")),
        ("by Iran", ("", "Iran")),
        ("BY Iran", ("", "Iran")),
        ("Afghanistan by", ("Afghanistan", None)),
        ("Afghanistan", ("Afghanistan", None)),
        ("nearby states", ("nearby states", None)),
        ("", ("", None)),
    ],
)
def test_split_by(args: str, expected: tuple[str, str | None]) -> None:
    """The topic and the `by` part are both optional, and "by" is a whole word."""
    assert split_by(args) == expected


def test_shipped_briefs_folder_is_the_one_checked() -> None:
    """The misattribution tests run against the shipped briefs folder."""
    assert (BRIEFS_DIR / f"{IRAS}.yaml").exists() and (BRIEFS_DIR / f"{IPIS}.yaml").exists()


def test_an_institute_named_in_full_is_its_acronym(shipped_catalog: Catalog) -> None:
    """`positions by Institute for Political and International Studies` lists IPIS's statements, as `by IPIS`."""
    full = ask(shipped_catalog, "positions by Institute for Political and International Studies")
    assert full.title == "Positions by IPIS"
    assert full.refs == ask(shipped_catalog, "positions by IPIS").refs


def test_a_group_whose_people_said_nothing_is_known(shipped_catalog: Catalog) -> None:
    """`positions by CAMEA` knows CAMEA (its people chaired sessions) and says it has no recorded position."""
    answer = ask(shipped_catalog, "positions by CAMEA")
    assert answer.kind is AnswerKind.NOT_FOUND
    assert answer.intro == "No recorded position by CAMEA."


def test_a_topic_holding_by_is_quoted_in_the_heading(shipped_catalog: Catalog) -> None:
    """`positions Afghanistan by Iran by Pakistan` lists Pakistan's statements under a heading that never reads
    "by Iran": the topic (which holds the word) is quoted."""
    answer = ask(shipped_catalog, "positions Afghanistan by Iran by Pakistan")
    assert answer.title == "Positions on “Afghanistan by Iran” by Pakistan"


def test_an_organiser_whose_people_said_nothing_is_known(shipped_catalog: Catalog) -> None:
    """`positions by IRAS` knows IRAS (it organised a dialogue): no recorded position, not "nothing matches"."""
    answer = ask(shipped_catalog, "positions by IRAS")
    assert answer.kind is AnswerKind.NOT_FOUND
    assert answer.intro == "No recorded position by IRAS."


def test_a_session_topic_holding_by_never_reads_as_a_filter(shipped_catalog: Catalog) -> None:
    """`session Afghanistan by Iran` (sessions have no authors) is headed by the quoted topic, not "by Iran"."""
    answer = ask(shipped_catalog, "session Afghanistan by Iran")
    assert answer.title == "Sessions on “Afghanistan by Iran”"
    assert "`positions Afghanistan by Iran`" in (answer.intro or "")
