"""`network WHO`: who sat with whom, strongest ties first, and the ego-network picture."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import DRAFT_MARK, AnswerKind
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from bot.questions.network import person_network
from bot.questions.picture import ego_figure

from ..conftest import minimal_brief

PNG = b"\x89PNG\r\n\x1a\n"


def test_amina_khan_sat_twice_with_sohail_mahmood(shipped_catalog: Catalog) -> None:
    """Sohail Mahmood comes first, with two shared dialogues, the latest the ISSI-IRAS one."""
    answer = ask(shipped_catalog, "network Amina Khan")
    assert answer.kind is AnswerKind.NETWORK
    first = answer.items[0]
    assert first.heading == "Sohail Mahmood"
    assert dict(first.fields)["Shared dialogues"] == "2"
    assert dict(first.fields)["Latest"].startswith("Iran-Pakistan Relations")
    assert first.citation is not None and first.citation.dialogue_id == "issi-iras-dialogue-2025-07-29"
    assert len(answer.items) == 8 and all(dict(i.fields)["Shared dialogues"] == "1" for i in answer.items[1:])


def test_text_is_complete_without_the_picture(shipped_catalog: Catalog) -> None:
    """Every tie is in the text; the picture is only offered beside it."""
    answer = ask(shipped_catalog, "network Amina Khan")
    assert "sat with 8 people in 2 dialogue(s)" in (answer.intro or "")
    assert answer.attachment is not None and answer.attachment.filename == "network-amina-khan.png"


def test_picture_is_a_png(shipped_catalog: Catalog) -> None:
    """The attachment renders to PNG bytes."""
    answer = ask(shipped_catalog, "network Amina Khan")
    assert answer.attachment is not None
    data = answer.attachment.render()
    assert data.startswith(PNG) and len(data) > 10_000


def test_institute_network(shipped_catalog: Catalog) -> None:
    """`network ISSI`: the institutes its dialogues brought it together with."""
    answer = ask(shipped_catalog, "network ISSI")
    assert answer.kind is AnswerKind.NETWORK
    labels = [i.heading for i in answer.items]
    assert labels[0] == "CAMEA" and "IPIS" in labels


def test_ambiguous_name_asks_to_choose(shipped_catalog: Catalog) -> None:
    """`network Mahmood`: two people match; choose one."""
    answer = ask(shipped_catalog, "network Mahmood")
    assert answer.kind is AnswerKind.CHOOSE
    assert {c.question for c in answer.choices} == {"network person Sohail Mahmood", "network person Khalid Mahmood"}


def test_nobody_is_not_found(shipped_catalog: Catalog) -> None:
    """An unknown name gets a not-found answer."""
    assert not ask(shipped_catalog, "network Zzyzx Qwerty").ok


def test_a_misspelling_as_close_to_two_people_asks_which_one(shipped_catalog: Catalog) -> None:
    """`network Mahmod` is one letter from both Mahmoods: the user picks (an alias of one is no reason to guess)."""
    answer = ask(shipped_catalog, "network Mahmod")
    assert answer.kind is AnswerKind.CHOOSE and len(answer.choices) == 2


def test_draft_dialogues_in_a_tie_count_are_marked(write_brief: Callable[..., Path]) -> None:
    """With drafts included, a tie whose shared dialogues include a draft says how many, even when its latest is not."""
    write_brief("old.yaml", minimal_brief("old", date="2023-01-01", status="draft"))
    path = write_brief("new.yaml", minimal_brief("new", date="2024-05-01"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    answer = ask(store.catalog, "network Zara Ahmed")
    tie = answer.items[0]
    assert tie.citation is not None and not tie.citation.draft
    assert dict(tie.fields)["Shared dialogues"] == f"2 (including 1 [{DRAFT_MARK}])"


def test_picture_says_its_counts_include_drafts(write_brief: Callable[..., Path]) -> None:
    """With drafts included, the picture (and its description) says the line counts include unreviewed drafts."""
    write_brief("old.yaml", minimal_brief("old", date="2023-01-01", status="draft"))
    path = write_brief("new.yaml", minimal_brief("new", date="2024-05-01"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    picture = ask(store.catalog, "network Zara Ahmed").attachment
    assert picture is not None and DRAFT_MARK in picture.description


def test_latest_does_not_place_an_undated_dialogue_by_guess(shipped_catalog: Catalog) -> None:
    """Amina Khan and Sohail Mahmood also shared an undated dialogue: "Latest" says it may be later, not hides it."""
    first = ask(shipped_catalog, "network Amina Khan").items[0]
    latest = dict(first.fields)["Latest"]
    assert latest == (
        "Iran-Pakistan Relations in the Context of New Regional Developments (2025-07-29); "
        "1 more without a date (may be later)"
    )


def test_latest_of_undated_dialogues_only_is_not_known(write_brief: Callable[..., Path]) -> None:
    """Two shared dialogues, neither dated: which was the latest is not known, and the answer says so."""
    write_brief("one.yaml", minimal_brief("one", date=None))
    path = write_brief("two.yaml", minimal_brief("two", date=None))
    store = BriefStore(path.parent)
    assert store.load().ok
    tie = ask(store.catalog, "network Zara Ahmed").items[0]
    assert dict(tie.fields)["Latest"] == "not known: neither of the 2 is dated"


def test_twenty_long_labels_do_not_overlap(write_brief: Callable[..., Path]) -> None:
    """With 20 ties of long names the picture's labels stay readable: inside the picture, no two of them overlapping."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    first = ["Muhammad Hassan", "Seyyed Rasoul", "Abdul Rahman", "Khalid", "Zainab", "Fatemeh", "Omid", "Riffat"]
    first += ["Somaye", "Arhama", "Sarah", "Ali Akbar"]
    last = ["Shaykh al-Islami", "Moosavi Nejad", "Chaudhry", "Morovati", "Siddiqa", "Velayati", "Karimi", "Masood"]
    last += ["Hosseini-Tabatabaei", "Akram"]
    people = [f"{first[i % 12]} {last[i % 10]} {chr(65 + i)}" for i in range(25)]
    for d in range(6):
        parts = [{"name": "Zara Ahmed", "role": "Director", "affiliation": "EXI"}]
        parts += [{"name": p, "role": "Fellow", "affiliation": "Tehran Forum"} for p in people[: 25 - d * 3]]
        path = write_brief(f"p{d}.yaml", minimal_brief(f"p{d}", date=f"202{d}-01-01", participants=parts, positions=[]))
    store = BriefStore(path.parent)
    assert store.load().ok
    key = ask(store.catalog, "network Zara Ahmed").refs[0]
    figure = ego_figure(person_network(store.catalog, key), limit=20)
    FigureCanvasAgg(figure)  # measured as the PNG is drawn (Agg, the figure's dpi)
    boxes = [t.get_window_extent() for t in figure.axes[0].texts if t.get_gid() == "label"]
    assert len(boxes) == 20
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
    assert not overlaps
    assert all(figure.bbox.contains(b.x0, b.y0) and figure.bbox.contains(b.x1, b.y1) for b in boxes)


def test_a_capped_institute_network_says_which_dialogues_it_counts(
    write_brief: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An institute in more dialogues than the network counts: the intro says only the most recent are counted."""
    monkeypatch.setattr(sys.modules["bot.questions.network"], "GROUP_DIALOGUES", 2)  # the module, not the function
    write_brief("a.yaml", minimal_brief("a", date="2020-01-01"))
    write_brief("b.yaml", minimal_brief("b", date="2021-01-01"))
    path = write_brief("c.yaml", minimal_brief("c", date=None))
    store = BriefStore(path.parent)
    assert store.load().ok
    intro = ask(store.catalog, "network EXI").intro or ""
    assert "Only its 2 most recent dialogues are counted (undated ones only if fewer are dated)." in intro
