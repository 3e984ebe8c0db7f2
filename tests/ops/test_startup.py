"""Resilient start-up: Discord unreachable or its token rejected leaves Slack, digests and health running."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
import yarl
from pydantic import SecretStr

from bot.adapters.discord_app import DiscordSurface
from bot.cli import main
from bot.config import BotConfig, DiscordConfig
from bot.digest.state import StateStore
from bot.index.store import BriefStore
from bot.services import Services
from tests.adapters.discord_app.fake_discord import FakeDiscord
from tests.adapters.slack_app.helpers import ADMIN, all_text
from tests.conftest import BRIEFS_DIR

from .conftest import DIGEST_CHANNEL, Deploy, eventually, free_port


@pytest.fixture
async def strict_discord() -> AsyncIterator[FakeDiscord]:
    """Return a fake Discord that accepts only its own bot token (any other gets 401)."""
    fake = FakeDiscord(token="the-right-token")
    await fake.start()
    yield fake
    await fake.close()


def dead_discord() -> str:
    """Return a Discord API base on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/api/v10"


async def test_discord_unreachable_slack_keeps_answering(deploy: Deploy) -> None:
    """With Discord unreachable at start, Slack questions are still answered."""
    bot = await deploy(discord_api=dead_discord())
    await bot.slack_command("who Sohail Mahmood")
    assert "Sohail Mahmood" in all_text(await bot.slack.next_post())
    assert await bot.finish() == 0


async def test_discord_unreachable_digests_keep_posting(deploy: Deploy) -> None:
    """With Discord unreachable at start, a digest is still posted (here on an admin's `digest now` in Slack)."""
    bot = await deploy(discord_api=dead_discord(), digests=True)
    await bot.slack_command("digest now weekly", user=ADMIN)
    posted = await bot.slack.next_call("chat.postMessage")
    assert posted["channel"] == DIGEST_CHANNEL
    assert "Posted to 1 of 1 target(s)" in all_text(await bot.slack.next_post())
    assert await bot.finish() == 0


async def test_discord_unreachable_scheduled_digest_posted(deploy: Deploy, tmp_path: Path) -> None:
    """With Discord unreachable, the scheduler still runs a digest whose time passed while briefbot was down."""
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    state = StateStore(tmp_path / "state" / "state.db", clock=lambda: long_ago)
    state.first_seen("weekly")  # scheduled since a month ago, never run: the start-up catch-up runs it once
    state.close()
    bot = await deploy(discord_api=dead_discord(), digests=True)
    posted = await bot.slack.next_call("chat.postMessage")
    assert posted["channel"] == DIGEST_CHANNEL
    assert await bot.finish() == 0


async def test_ready_only_for_what_is_connected(deploy: Deploy) -> None:
    """/readyz is 503 naming Discord as unreachable, while briefs, Slack and digests report ok."""
    bot = await deploy(discord_api=dead_discord(), digests=True)

    async def settled() -> bool:
        _, checks = await bot.ready()
        return checks["slack"] == "ok" and checks["discord"].startswith("cannot reach Discord")

    await eventually(settled)
    status, checks = await bot.ready()
    assert status == 503
    assert {k: v for k, v in checks.items() if k != "discord"} == {"briefs": "ok", "slack": "ok", "digests": "ok"}
    assert (await bot.get("/healthz"))[0] == 200
    await bot.finish()


async def test_discord_unreachable_is_one_clear_line(deploy: Deploy) -> None:
    """The outage is logged as one error line with the retry delay, and no traceback."""
    bot = await deploy(discord_api=dead_discord())

    async def logged() -> bool:
        return any("cannot reach Discord" in line["message"] for line in bot.log_lines())

    await eventually(logged)
    await bot.finish()
    lines = bot.log_lines()
    (first, *_) = [line for line in lines if "cannot reach Discord" in line["message"]]
    assert first["level"] == "ERROR" and "retrying in 2 s" in first["message"]
    assert not [line for line in lines if "exception" in line]


async def test_login_retries_until_discord_answers(strict_discord: FakeDiscord, tmp_path: Path) -> None:
    """Login is retried with backoff after a network error, then the gateway connects."""
    fake = strict_discord
    section = DiscordConfig(token=SecretStr("the-right-token"), api_base_url=dead_discord(), gateway_url=fake.gateway)
    config = BotConfig(briefs_dir=BRIEFS_DIR, state_path=tmp_path / "state.db", discord=section)
    waits: list[float] = []

    async def back_online(seconds: float) -> None:  # the backoff "sleep": Discord comes back meanwhile
        waits.append(seconds)
        discord.http.Route.BASE = fake.base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway)

    surface = DiscordSurface(Services(config=config, store=BriefStore(config.briefs_dir)), sleep=back_online)
    await surface.start()
    async with asyncio.timeout(10):
        await fake.identified.wait()
    assert waits == [2.0]
    assert surface.problem is None  # logged in; readiness follows once discord.py has its guilds
    await surface.close()


async def test_rejected_token_alone_exits_2(deploy: Deploy, strict_discord: FakeDiscord) -> None:
    """With Discord the only surface, a rejected token ends the run with exit code 2 and one line naming the key."""
    bot = await deploy(strict_discord, with_slack=False)
    assert await asyncio.wait_for(bot.task, 20) == 2
    errors = [line["message"] for line in bot.log_lines() if line["level"] == "ERROR"]
    assert any("rejected the bot token" in m and "discord.token" in m for m in errors)
    assert not [line for line in bot.log_lines() if "exception" in line]


async def test_rejected_token_others_keep_running_and_admins_told(deploy: Deploy, strict_discord: FakeDiscord) -> None:
    """With Slack configured too, a rejected Discord token is told to the admins on Slack, and Slack answers."""
    bot = await deploy(strict_discord)
    alert = await bot.slack.next_call("chat.postMessage")
    assert alert["channel"] == ADMIN and "discord.token" in json.dumps(alert)
    await bot.slack_command("who Sohail Mahmood")
    assert "Sohail Mahmood" in all_text(await bot.slack.next_post())
    _, checks = await bot.ready()
    assert checks["discord"] == "token rejected (discord.token)"
    assert await bot.finish() == 0


def test_sync_unreachable_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`briefbot sync` with Discord unreachable prints one line and exits 1."""
    api = dead_discord()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"state_path: {tmp_path / 'state.db'}\ndiscord:\n  token: x.y.z\n  api_base_url: {api}\n", encoding="utf-8"
    )
    assert main(["sync", "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"briefbot sync: cannot reach Discord at {api} (ClientConnectorError); nothing was synced"]


async def test_sync_rejected_token_is_one_line(
    strict_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefbot sync` with a rejected token prints one line naming discord.token and exits 1."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"state_path: {tmp_path / 'state.db'}\ndiscord:\n  token: ${{DISCORD_TOKEN}}\n"
        f"  api_base_url: {strict_discord.base}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DISCORD_TOKEN", "a-wrong-token")
    # the command runs its own event loop in a thread; the fake keeps serving in this one
    assert await asyncio.to_thread(main, ["sync", "--config", str(config)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "discord.token" in lines[0] and "a-wrong-token" not in lines[0]


async def test_rejected_slack_token_alone_exits_2(deploy: Deploy) -> None:
    """With Slack the only surface, a rejected bot token ends the run with exit code 2 and one line naming the key."""
    bot = await deploy(slack_errors={"auth.test": "invalid_auth"}, slack_listens=False)
    assert await asyncio.wait_for(bot.task, 20) == 2
    errors = [line["message"] for line in bot.log_lines() if line["level"] == "ERROR"]
    assert any("rejected the bot token" in m and "slack.bot_token" in m for m in errors)
    assert [m for m in errors if "auth.test" in m or "retrying" in m] == []
    assert bot.env["SLACK_BOT_TOKEN"] not in json.dumps(bot.log_lines())


async def test_rejected_slack_token_others_keep_running(deploy: Deploy, strict_discord: FakeDiscord) -> None:
    """With Discord configured too, a rejected Slack token leaves Discord running and readiness names the key."""
    rejected = {"auth.test": "token_revoked"}
    bot = await deploy(strict_discord, discord_token="the-right-token", slack_errors=rejected, slack_listens=False)

    async def slack_rejected() -> bool:
        return (await bot.ready())[1].get("slack") == "token rejected (slack.bot_token)"

    await eventually(slack_rejected)
    assert not bot.task.done()
    assert await bot.finish() == 0
