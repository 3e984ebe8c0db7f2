"""`briefbot ingest` writes drafts atomically, so the bot's watcher never reads half a draft (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.briefs.models import Dialogue
from bot.ingest.draft import DraftExists, write_draft
from tests.conftest import minimal_brief


def _draft() -> Dialogue:
    return Dialogue.model_validate(minimal_brief("draft-x", status="draft"))


def test_draft_appears_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    """The draft gets its name only once complete (a hard link of a finished temp file); no temp file remains."""
    path = write_draft(_draft(), tmp_path)
    assert "Asked for a joint river commission." in path.read_text(encoding="utf-8")
    assert path.stat().st_nlink == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft-x.yaml"]


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    """A file already at the draft's name is kept as it is, and no temp file is left behind."""
    (tmp_path / "draft-x.yaml").write_text("kept", encoding="utf-8")
    with pytest.raises(DraftExists):
        write_draft(_draft(), tmp_path)
    assert (tmp_path / "draft-x.yaml").read_text(encoding="utf-8") == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["draft-x.yaml"]
