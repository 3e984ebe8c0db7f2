"""`who` shows a person's recent dialogues from per-dialogue "people" items exactly as the slower paths do."""

from __future__ import annotations

import marshal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answer
from bot.briefs.models import normalize_name
from bot.index.catalog import Catalog
from bot.index.rows import text_items
from bot.index.store import BriefStore
from bot.query import person_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate

PEOPLE = 150


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Return a catalog over 60 generated briefs, served from the on-disk cache."""
    root = tmp_path_factory.mktemp("who-recent")
    generate(root / "briefs", 60, seed=11)
    store = BriefStore(root / "briefs", cache_dir=root / "cache")
    assert store.load().ok
    return store.catalog


def _answers(catalog: Catalog) -> list[Answer]:
    answers = [person_answer(catalog, catalog.people[key]) for key in list(catalog.people)[:PEOPLE]]
    recent = [item for answer in answers for item in answer.items if item.fields[1:]]
    # the comparison means something only if some recent dialogues show sessions moderated and positions
    assert any(dict(item.fields).get("Chaired") for item in recent)
    assert any(item.bullets for item in recent)
    return answers


def _without(catalog: Catalog, kind: str) -> Callable[[Iterable[tuple[str, str, int]]], dict[Any, Any]]:
    """Return catalog.text.items as if no item of this kind were stored."""
    items = catalog.text.items
    return lambda keys: items([key for key in keys if key[1] != kind])


@pytest.mark.parametrize("missing", ["people", "position"])
def test_answers_equal_the_fallback_path(catalog: Catalog, missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the people items (or the positions they refer to) every answer is the same, field for field."""
    fast = _answers(catalog)
    monkeypatch.setattr(catalog.text, "items", _without(catalog, missing))
    assert _answers(catalog) == fast


def test_answers_equal_the_full_dialogue_path(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any indexed display data (the dialogues themselves are read) the answers are the same."""
    fast = _answers(catalog)
    monkeypatch.setattr(catalog.text, "items", lambda keys: {})
    slow = _answers(catalog)
    assert slow == fast


def test_recent_dialogues_read_no_dialogue(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the people items at hand, no dialogue or participant list is read."""

    def forbidden(*args: object) -> None:
        raise AssertionError("read on the fast path")

    monkeypatch.setattr(catalog, "part", forbidden)
    monkeypatch.setattr(catalog, "dialogues", {})
    answers = _answers(catalog)
    assert sum(len(a.items) for a in answers) > PEOPLE


def test_people_item_lists_each_participants_part(catalog: Catalog) -> None:
    """The people item holds, per participant, role then, honorific, country, sessions moderated and positions."""
    dialogue = next(d for d in catalog.ordered if any(s.moderator for s in d.sessions) and d.positions)
    data = {(kind, ref): marshal.loads(blob) for kind, ref, blob in text_items(dialogue)}
    people = data[("people", 0)]
    assert len(people) == len(dialogue.participants)
    moderator = next(p for s in dialogue.sessions if s.moderator and (p := dialogue.participant(s.moderator)))
    assert [entry[:3] for entry in people] == [
        (", ".join(b for b in (p.role, p.affiliation) if b) or "role not given", p.honorific, p.country)
        for p in dialogue.participants
    ]
    moderated = people[dialogue.participants.index(moderator)][3]
    key = normalize_name(moderator.name)
    assert moderated == tuple(s.title for s in dialogue.sessions if normalize_name(s.moderator or "") == key)
    speaker = dialogue.participant(dialogue.positions[0].by[0])
    assert speaker is not None
    assert 0 in people[dialogue.participants.index(speaker)][4]
