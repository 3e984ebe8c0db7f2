"""`who` shows a person's recent dialogues from compact records exactly as the full dialogues would."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.briefs.models import Dialogue, normalize_name
from bot.index.store import BriefStore
from bot.present import describe
from bot.query import WHO_FULL, person_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate


def _joint(dialogue: Dialogue, by: tuple[str, ...], name: str) -> str:
    """Return " (jointly with ...)" naming the other authors of a position, as `who` shows them."""
    others = []
    for author in by:
        p = dialogue.participant(author)
        if normalize_name(author) != name:
            others.append(f"{p.honorific} {p.name}" if p and p.honorific else p.name if p else author)
    return f" (jointly with {', '.join(others)})" if others else ""


def test_recent_dialogues_match_the_full_briefs(tmp_path: Path) -> None:
    """Role then, sessions moderated and positions of each recent dialogue agree with the loaded dialogue."""
    generate(tmp_path, 40, seed=5)
    store = BriefStore(tmp_path)
    assert store.load().ok
    catalog = store.catalog
    checked = 0
    for key in list(catalog.people)[:60]:
        record = catalog.people[key]
        answer = person_answer(catalog, record)
        for appearance, item in zip(record.appearances[:WHO_FULL], answer.items, strict=False):
            dialogue = catalog.dialogues[appearance.dialogue_id]
            p = dialogue.participants[appearance.index]
            name = normalize_name(p.name)
            fields = dict(item.fields)
            assert fields["Then"] == describe(p)
            moderated = [s.title for s in dialogue.sessions if s.moderator and normalize_name(s.moderator) == name]
            assert fields.get("Chaired") == ("; ".join(moderated) if moderated else None)
            said = [
                f"{x.topic}{_joint(dialogue, x.by, name)}: {x.summary}"
                for x in dialogue.positions
                if name in map(normalize_name, x.by)
            ]
            assert list(item.bullets) == said
            checked += 1
    assert checked > 60
