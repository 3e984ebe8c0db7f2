"""The plain twins of the brief models hold exactly what the models hold, and answers rendered from them are the
models' answers, byte for byte."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot.adapters.console import render_text
from bot.briefs import models, plain
from bot.briefs.parsing import dialogue_from_data, read_yaml
from bot.index.catalog import Catalog
from bot.index.pack import pack
from bot.index.records import packed_data
from bot.query import dialogue_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.gen_corpus import generate

TWINS: list[tuple[type[BaseModel], type[Any]]] = [
    (models.Dialogue, plain.PlainDialogue),
    (models.Organizer, plain.PlainOrganizer),
    (models.Participant, plain.PlainParticipant),
    (models.Session, plain.PlainSession),
    (models.Position, plain.PlainPosition),
    (models.Figure, plain.PlainFigure),
    (models.Mention, plain.PlainMention),
    (models.Source, plain.PlainSource),
]


@pytest.fixture(scope="module")
def dialogues(tmp_path_factory: pytest.TempPathFactory) -> list[models.Dialogue]:
    """Return the validated dialogues of a generated corpus, and one draft with every optional field left out."""
    folder = tmp_path_factory.mktemp("plain")
    generate(folder, 40, seed=11)
    out = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "people.yaml":
            continue
        data, errors = read_yaml(path)
        dialogue, errors = dialogue_from_data(path, data)
        assert dialogue is not None, errors
        out.append(dialogue)
    out.append(models.Dialogue(id="bare", title="Bare", status="draft", sources=(models.Source(url="u"),)))
    return out


def _same(model: Any, twin: Any) -> None:
    """Assert a twin holds what its model holds, field by field, nested ones too."""
    if isinstance(model, BaseModel):
        assert set(twin._fields) == set(type(model).model_fields)
        for name in type(model).model_fields:
            _same(getattr(model, name), getattr(twin, name))
    elif isinstance(model, tuple):
        assert isinstance(twin, tuple) and len(twin) == len(model)
        for a, b in zip(model, twin, strict=True):
            _same(a, b)
    else:
        assert type(twin) is type(model) and twin == model


@pytest.mark.parametrize(("model", "twin"), TWINS)
def test_twins_have_the_models_fields_and_defaults(model: type[BaseModel], twin: type[Any]) -> None:
    """Each twin has its model's fields, in order, with the same defaults (a field added to a model fails here)."""
    assert list(twin._fields) == list(model.model_fields)
    for name, info in model.model_fields.items():
        if info.is_required():
            assert name not in twin._field_defaults, name
        else:
            assert twin._field_defaults[name] == info.get_default(call_default_factory=True), name


def test_packed_dialogues_read_as_twins_equal_the_models(dialogues: list[models.Dialogue]) -> None:
    """A packed dialogue read as a twin holds every value the model holds, and its reading methods agree."""
    for dialogue in dialogues:
        twin = plain.plain_dialogue(packed_data(pack(dialogue)))
        _same(dialogue, twin)
        assert twin.is_published == dialogue.is_published
        names = [p.name for p in dialogue.participants] + list(dialogue.moderators) + ["Nobody Here", "dr. x"]
        for name in names + [n.upper() for n in names]:
            assert twin.parts_of(name) == dialogue.parts_of(name), name
            found, want = twin.participant(name), dialogue.participant(name)
            assert (found is None) == (want is None)
            if want is not None:
                _same(want, found)


def test_answers_from_twins_are_the_models_answers(dialogues: list[models.Dialogue]) -> None:
    """A dialogue answered from its twin is the answer from the model, and renders to the same text."""
    catalog = Catalog({d.id: d for d in dialogues}, include_drafts=True)
    for dialogue in dialogues:
        twin = plain.plain_dialogue(packed_data(pack(dialogue)))
        expected = dialogue_answer(catalog, dialogue, "Latest: ")
        assert dialogue_answer(catalog, twin, "Latest: ") == expected
        assert render_text(dialogue_answer(catalog, twin)) == render_text(dialogue_answer(catalog, dialogue))
