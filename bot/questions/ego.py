"""The ego network: the person or institute in the middle and their ties, what both the answer and the picture show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tie:
    """One neighbour of the person (or institute) in the middle: shared dialogues and the latest of them."""

    key: str
    label: str
    shared: int
    latest: str  # dialogue id
    detail: str = ""  # e.g. their latest role
    drafts: int = 0  # how many of the shared dialogues are unreviewed drafts


@dataclass(frozen=True, slots=True)
class EgoNetwork:
    """The person or institute in the middle and their ties, strongest first."""

    centre: str
    dialogues: int
    ties: tuple[Tie, ...]
    of: str = "people"  # what the ties are: people, or institutes
