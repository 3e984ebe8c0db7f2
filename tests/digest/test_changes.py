"""Digests say what changed in an updated brief, against the version the target last received."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.discord_app.render import payload_problems
from bot.adapters.slack_app.limits import check_message
from bot.briefs.models import Dialogue
from bot.digest.changes import CHANGE_CHARS, describe_changes, snapshot
from tests.conftest import minimal_brief
from tests.digest import test_delivery
from tests.digest.fakes import FakePlatforms

make_rig = test_delivery.make_rig  # the rig fixture of the delivery tests
BASE = minimal_brief("b", date="2024-05-01")


def changed(**overrides: Any) -> str:
    """Return the change note from BASE to BASE with overrides."""
    before = snapshot(Dialogue.model_validate(BASE))
    return describe_changes(before, Dialogue.model_validate({**BASE, **overrides}))


def test_participant_added_and_removed() -> None:
    """Participants added and removed are named."""
    people = [BASE["participants"][0], {"name": "Lina Haddad", "role": "Fellow"}]
    note = changed(participants=people, positions=[])
    assert note.startswith("Participants added: Lina Haddad; participants removed: Omid Karimi")
    assert "1 position(s) removed" in note


def test_date_and_title_changed() -> None:
    """A new date and title are said, with the old ones."""
    note = changed(date="2024-06-02", title="A better title")
    assert note == "Date changed from 2024-05-01 to 2024-06-02; title changed (was “Dialogue b”)"


def test_positions_added() -> None:
    """New positions are counted and named by topic and speaker."""
    extra = {"by": ["Zara Ahmed"], "topic": "Energy", "summary": "Wants a grid link."}
    assert changed(positions=[*BASE["positions"], extra]) == "1 position(s) added: Energy (Zara Ahmed)"


def test_other_changes() -> None:
    """A change elsewhere (a summary, a source) is 'other details changed'."""
    assert changed(location="Tehran") == "other details changed"


def test_long_notes_are_clipped() -> None:
    """Many changes still make a short note."""
    people = [{"name": f"Person Number{i} Longname", "role": "Fellow"} for i in range(40)]
    note = changed(participants=[*BASE["participants"], *people], title="T" * 200)
    assert len(note) <= CHANGE_CHARS and "and 36 more" in note


@pytest.mark.parametrize("target", ["discord_webhook", "slack_channel"])
async def test_digest_after_an_edit_says_what_changed_once(
    fake: FakePlatforms,
    make_rig: Any,
    site: Path,
    target: str,
) -> None:
    """Edit a delivered brief (a participant, the date, a position): the next digest says so, once; then nothing."""
    url = fake.webhook_url() if target == "discord_webhook" else "C111"
    rig = await make_rig([{target: url}], briefs=2)
    assert await rig.run() == {target: "posted"}
    path = site / "briefs" / "brief-001.yaml"
    data = yaml.safe_load(path.read_text())
    data["participants"].append({"name": "Lina Haddad", "role": "Fellow"})
    data["date"] = "2024-03-09"
    data["positions"].append({"by": ["Lina Haddad"], "topic": "Water", "summary": "Wants a river commission."})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    rig.store.reload()
    assert await rig.run() == {target: "posted"}
    posts = fake.webhook_posts if target == "discord_webhook" else fake.slack["C111"]
    text = str(posts[-1])
    assert "Updated brief: Participants added: Lina Haddad; date changed from 2024-01-02 to 2024-03-09" in text
    assert "1 position(s) added: Water (Lina Haddad)" in text
    if target == "discord_webhook":
        assert payload_problems(posts[-1]) == []
    else:
        assert check_message(posts[-1]) == []
    count = len(posts)
    assert await rig.run() == {target: "nothing"}
    assert len(posts) == count
