"""Brief metrics: briefs served, files broken (also across targeted reloads), reload time; command labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import BotConfig
from bot.index.store import BriefStore
from bot.ops.metrics import command_label
from bot.services import Services

from ..conftest import minimal_brief


async def test_broken_files_stay_counted_across_targeted_reloads(write_brief: Callable[..., Path]) -> None:
    """A broken file is still counted after a reload that only re-read another (changed) file."""
    good = write_brief("good.yaml", minimal_brief("good"))
    write_brief("bad.yaml", "id: bad\ntitle: [unclosed\n")
    services = Services(config=BotConfig(briefs_dir=good.parent), store=BriefStore(good.parent))
    await services.reload()
    value = services.metrics.registry.get_sample_value
    assert (value("briefbot_briefs_loaded"), value("briefbot_briefs_broken")) == (1, 1)
    write_brief("good.yaml", minimal_brief("good", title="Retitled"))
    await services.reload([good])
    assert value("briefbot_briefs_broken") == 1
    assert value("briefbot_reload_seconds_count") == 2


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("who Sohail Mahmood", "who"),
        ("/dialogue latest", "dialogue"),
        ("WHO x", "who"),
        ("blah", "other"),
        ("", "other"),
    ],
)
def test_command_label(question: str, label: str) -> None:
    """A question's metric label is its command word, or 'other' (labels stay few)."""
    assert command_label(question) == label
