"""What the Discord surface counts: questions per command, deferred interactions, failures."""

from __future__ import annotations

import asyncio

from tests.adapters.discord_app.conftest import Bot
from tests.adapters.discord_app.helpers import command_data, invoke, reply, slash
from tests.adapters.discord_app.test_commands import Runner


def sample(bot: Bot, name: str, **labels: str) -> float:
    """Return one sample of the surface's metrics (0 when never observed)."""
    return bot.services.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_question_counted_by_command(bot: Bot) -> None:
    """A /who question counts once under platform discord, command who, and its latency is observed."""
    await slash(bot.fake, "who", name="Sohail Mahmood")
    assert sample(bot, "briefbot_questions_total", platform="discord", command="who") == 1
    for _ in range(200):  # the handler observes the latency just after the reply left; let it finish
        if sample(bot, "briefbot_answer_seconds_count", platform="discord"):
            break
        await asyncio.sleep(0.01)
    assert sample(bot, "briefbot_answer_seconds_count", platform="discord") == 1


async def test_deferred_interaction_counted(bot: Bot) -> None:
    """An interaction that had to be deferred (created 2 s ago) counts as deferred."""
    token = await invoke(bot.fake, 2, command_data("who", name="Sohail Mahmood"), age=2.0)
    await reply(bot.fake, token)
    assert sample(bot, "briefbot_interactions_deferred_total", platform="discord") == 1


async def test_failed_answer_counted_as_error(bot: Bot) -> None:
    """A command whose handler fails counts one error (the user got the apology)."""
    bot.services.digests = Runner(fail=True)
    await slash(bot.fake, "digest", "preview", name="weekly")
    assert sample(bot, "briefbot_errors_total", platform="discord") == 1
