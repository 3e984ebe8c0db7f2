"""After a (re)load the bot builds the question indexes in a worker thread, so no question waits for them."""

from __future__ import annotations

from bot.config import BotConfig
from bot.index.store import BriefStore
from bot.questions import subjects
from bot.services import Services

from ..conftest import BRIEFS_DIR


async def test_reload_warms_the_indexes_of_the_new_snapshot() -> None:
    """Services.reload starts the build; once done, the snapshot's series and group indexes exist."""
    services = Services(config=BotConfig(briefs_dir=BRIEFS_DIR), store=BriefStore(BRIEFS_DIR))
    await services.reload()
    await services.warm_questions()
    catalog = services.store.catalog
    assert catalog in subjects._GROUPS and catalog in subjects._SERIES
