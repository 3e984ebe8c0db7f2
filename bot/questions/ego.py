"""The ego network: the person or institute in the middle and their ties, what both the answer and the picture show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer import DRAFT_MARK


@dataclass(frozen=True, slots=True)
class Tie:
    """One neighbour of the person (or institute) in the middle: shared dialogues and the latest of them."""

    key: str
    label: str
    shared: int
    latest: str  # dialogue id
    detail: str = ""  # e.g. their latest role
    drafts: int = 0  # how many of the shared dialogues are unreviewed drafts
    undated: int = 0  # how many of the shared dialogues give no date (never placed by guess)


@dataclass(frozen=True, slots=True)
class EgoNetwork:
    """The person or institute in the middle and their ties, strongest first."""

    centre: str
    dialogues: int
    ties: tuple[Tie, ...]
    of: str = "people"  # what the ties are: people, or institutes
    counted: int = 0  # when set, only the centre's this many most recent dialogues were counted (there are more)


def draft_note(ties: Sequence[Tie]) -> str:
    """Return "; counts include [DRAFT — not reviewed] dialogues (*)" when any of these ties counts a draft, else ""."""
    return f"; counts include [{DRAFT_MARK}] dialogues (*)" if any(t.drafts for t in ties) else ""
