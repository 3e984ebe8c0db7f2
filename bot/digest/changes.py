"""What changed in a brief since the version a digest target last received, in a few words (pure).

A snapshot is the compact JSON of what a change note talks about: title, date, participants, positions. The
delivery state keeps one per delivered version (keyed by the version hash), so the next digest can compare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.briefs.keys import normalize_name

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue

CHANGE_CHARS = 300  # a change note never makes a digest entry much longer (platform limits hold as before)
NAMES_SHOWN = 4


def snapshot(dialogue: Dialogue) -> str:
    """Return the compact JSON a later change note is computed from."""
    data = {
        "title": dialogue.title,
        "date": dialogue.date,
        "participants": [p.name for p in dialogue.participants],
        "positions": [[pos.topic, list(pos.by)] for pos in dialogue.positions],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def describe_changes(before: str, dialogue: Dialogue) -> str:
    """Return what changed from the snapshot `before` to the dialogue now, e.g. 'participants added: X; date
    changed from not given to 2025-07-29'; 'other details changed' when none of those did."""
    old = json.loads(before)
    notes: list[str] = []
    old_people = {normalize_name(n): n for n in old.get("participants", [])}
    new_people = {normalize_name(p.name): p.name for p in dialogue.participants}
    added = [n for k, n in new_people.items() if k not in old_people]
    removed = [n for k, n in old_people.items() if k not in new_people]
    if added:
        notes.append(f"participants added: {_names(added)}")
    if removed:
        notes.append(f"participants removed: {_names(removed)}")
    if old.get("date") != dialogue.date:
        notes.append(f"date changed from {old.get('date') or 'not given'} to {dialogue.date or 'not given'}")
    if old.get("title") != dialogue.title:
        notes.append(f"title changed (was “{_clip(str(old.get('title')), 80)}”)")
    old_positions = [(t, tuple(normalize_name(b) for b in by)) for t, by in old.get("positions", [])]
    left = list(old_positions)
    new_positions = []
    for pos in dialogue.positions:
        key = (pos.topic, tuple(normalize_name(b) for b in pos.by))
        if key in left:
            left.remove(key)
        else:
            new_positions.append(f"{pos.topic} ({', '.join(pos.by)})")
    if new_positions:
        notes.append(f"{len(new_positions)} position(s) added: {'; '.join(new_positions[:3])}")
    if left:
        notes.append(f"{len(left)} position(s) removed")
    if not notes:
        return "other details changed"
    text = "; ".join(notes)
    return _clip(text[0].upper() + text[1:], CHANGE_CHARS)


def change_notes(
    changed: tuple[Dialogue, ...], delivered: Mapping[str, str], snapshots: Mapping[str, str]
) -> dict[str, str]:
    """Return a change note per changed dialogue whose last delivered version has a snapshot."""
    notes = {}
    for dialogue in changed:
        before = snapshots.get(delivered.get(dialogue.id, ""))
        if before is not None:
            notes[dialogue.id] = describe_changes(before, dialogue)
    return notes
