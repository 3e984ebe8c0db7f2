"""Shared services: reload alerts admins once per new problem; run refuses an empty config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import BotConfig
from bot.errors import BriefbotError
from bot.index.store import BriefStore
from bot.run import serve
from bot.services import Services

from .conftest import minimal_brief


async def test_reload_alerts_admins_once_per_problem(write_brief: Callable[..., Path]) -> None:
    """A broken edit is reported to admins once, not on every reload while it stays broken."""
    path = write_brief("good.yaml", minimal_brief("good"))
    services = Services(config=BotConfig(briefs_dir=path.parent), store=BriefStore(path.parent))
    alerts: list[str] = []

    async def alert(text: str) -> None:
        alerts.append(text)

    services.admin_alerts.append(alert)
    await services.reload()
    write_brief("bad.yaml", "id: bad\ntitle: [\n")
    await services.reload()
    await services.reload()
    assert len(alerts) == 1
    assert "bad.yaml:" in alerts[0] and "last good versions kept" in alerts[0]
    assert "good" in services.store.catalog.dialogues


async def test_failing_alert_does_not_break_reload(write_brief: Callable[..., Path]) -> None:
    """An admin channel that cannot be reached does not stop the reload."""
    path = write_brief("bad.yaml", "id: bad\ntitle: [\n")
    services = Services(config=BotConfig(briefs_dir=path.parent), store=BriefStore(path.parent))

    async def broken(text: str) -> None:
        raise ConnectionError("unreachable")

    services.admin_alerts.append(broken)
    report = await services.reload()
    assert report.errors


async def test_run_without_surfaces_is_a_clear_error(write_brief: Callable[..., Path]) -> None:
    """`briefbot run` with neither Discord, Slack nor digests configured says what to do."""
    path = write_brief("good.yaml", minimal_brief("good"))
    with pytest.raises(BriefbotError, match="nothing to run"):
        await serve(BotConfig(briefs_dir=path.parent))
