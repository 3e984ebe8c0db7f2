"""Packed dialogues: validated models stored as compressed marshal bytes and rebuilt without validating again.

Invariant: unpack(pack(d)) == d for every validated Dialogue (and a registry likewise); this holds because the
model family is plain, alias-free and frozen, so its validated data can be set on a new object as is.
A packed dialogue is marshal bytes squeezed (bot.index.squeeze): about 0.28 of them, some 20-50 us to inflate.
"""

from __future__ import annotations

import datetime as dt
import marshal
from typing import Any

from pydantic import BaseModel

from bot.briefs.models import (
    Dialogue,
    Figure,
    Mention,
    Organizer,
    Participant,
    PeopleRegistry,
    Person,
    Position,
    Session,
    Source,
)
from bot.index.records import packed_data
from bot.index.squeeze import squeeze

# ----- packed dialogues: validated data rebuilt without validating again ------------------------------------

_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    Dialogue: {
        "organizers": Organizer,
        "participants": Participant,
        "sessions": Session,
        "positions": Position,
        "figures": Figure,
        "mentions": Mention,
        "sources": Source,
    },
}


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: f.get_default(call_default_factory=True) for name, f in cls.model_fields.items()}


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {
    c: _defaults(c)
    for c in (Dialogue, Organizer, Participant, Session, Position, Figure, Mention, Source, Person, PeopleRegistry)
}
_SET = object.__setattr__


def _make(cls: type[BaseModel], data: dict[str, Any]) -> Any:
    # What model_construct does for this plain, alias-free, frozen model family, without its per-field loop.
    values = dict(_DEFAULTS[cls])
    values.update(data)
    obj = cls.__new__(cls)
    _SET(obj, "__dict__", values)
    _SET(obj, "__pydantic_fields_set__", set(data))
    _SET(obj, "__pydantic_extra__", None)
    _SET(obj, "__pydantic_private__", None)
    return obj


def pack(dialogue: Dialogue) -> bytes:
    """Return the validated content of a dialogue as compact bytes."""
    data = dialogue.model_dump(exclude_unset=True)
    if "sources" in data:
        data["sources"] = tuple(
            {**s, "published": s["published"].isoformat()} if s.get("published") else s for s in data["sources"]
        )
    return squeeze(marshal.dumps(data))


def unpack(blob: bytes) -> Dialogue:
    """Rebuild a dialogue packed by pack(), equal to the validated original."""
    data = packed_data(blob)
    for name, cls in _NESTED[Dialogue].items():
        items = data.get(name)
        if items:
            if cls is Source:
                items = tuple(
                    {**s, "published": dt.date.fromisoformat(s["published"])} if s.get("published") else s
                    for s in items
                )
            data[name] = tuple(_make(cls, item) for item in items)
    dialogue: Dialogue = _make(Dialogue, data)
    return dialogue


def pack_registry(registry: PeopleRegistry) -> Any:
    """Return a people registry as plain data."""
    return tuple(p.model_dump(exclude_unset=True) for p in registry.people)


def unpack_registry(data: Any) -> PeopleRegistry:
    """Rebuild a registry packed by pack_registry()."""
    registry: PeopleRegistry = _make(PeopleRegistry, {"people": tuple(_make(Person, p) for p in data)})
    return registry
