"""One phrasing of people, roles, moderators and citations, for answers, digests and index rows alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Citation
from bot.briefs.names import role_text

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue, Participant, Source
    from bot.briefs.plain import PlainDialogue, PlainParticipant, PlainSource

__all__ = [
    "citation",
    "describe",
    "full_name",
    "moderator_label",
    "moderators",
    "quoted",
    "role_text",
    "shown_name",
    "source_label",
]


def shown_name(honorific: str | None, name: str) -> str:
    """Return 'Ambassador Sohail Mahmood' style names."""
    return f"{honorific} {name}" if honorific else name


def full_name(participant: Participant | PlainParticipant) -> str:
    """Return a participant's name with their honorific."""
    return shown_name(participant.honorific, participant.name)


def describe(participant: Participant | PlainParticipant) -> str:
    """Return role and affiliation as one phrase, e.g. 'Director General, ISSI' (or 'role not given')."""
    return role_text(participant.role, participant.affiliation)


def moderator_label(shown: str, role: str) -> str:
    """Return how a moderator who is a participant is shown: 'Name — role, affiliation'.

    Index rows store this label and `who` matches a person's sessions by it, so it is built here only.
    """
    return f"{shown} — {role}"


def named(dialogue: Dialogue | PlainDialogue, name: str) -> str:
    """Return a name as the dialogue's participant list shows it (with honorific), or as written."""
    participant = dialogue.participant(name)
    return full_name(participant) if participant else name


def moderators(dialogue: Dialogue) -> list[str]:
    """Return the dialogue's moderators, then its session moderators not already named, as shown."""
    names = list(dialogue.moderators)
    names += [s.moderator for s in dialogue.sessions if s.moderator and s.moderator not in names]
    return [named(dialogue, name) for name in names]


def source_label(source: Source | PlainSource | None) -> tuple[str | None, str | None]:
    """Return the citation label ('publisher, author, date') and URL of a source."""
    if source is None:
        return (None, None)
    bits = [b for b in (source.publisher, source.author) if b]
    if source.published:
        bits.append(source.published.isoformat())
    return (", ".join(bits) or None, source.url)


def citation(dialogue: Dialogue | PlainDialogue) -> Citation:
    """Return the citation of a dialogue: its title, date and first source."""
    label, url = source_label(dialogue.sources[0] if dialogue.sources else None)
    return Citation(dialogue.id, dialogue.title, dialogue.date, label, url, dialogue.status == "draft")


def quoted(text: str) -> str:
    """Return text as the user typed it, in quotes (never a Python repr: no escaped backslashes or quotes)."""
    return f"“{text}”"
