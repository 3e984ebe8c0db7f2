"""A whole `briefbot run` (serve) in the test's loop: Slack and Discord fakes on 127.0.0.1, health, JSON logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.config import load_config
from bot.ops.logs import REDACTOR, configure_logging
from bot.run import serve
from tests.adapters.discord_app.fake_discord import FakeDiscord
from tests.adapters.slack_app.helpers import ADMIN, BOT_TOKEN, SECRET, USER, FakeSlack, signed_headers, slash_body
from tests.conftest import BRIEFS_DIR

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-discord-bot-token-0123456789"
DISCORD_ADMIN = 900000000000000500
DIGEST_CHANNEL = "CDIGEST01"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (nothing listens on it afterwards either)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def eventually(check: Callable[[], Awaitable[bool]], tries: int = 500) -> None:
    """Re-check an observable condition (an HTTP answer, a log line) until it holds; fail after `tries` checks."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.02)  # between checks of a condition, not a wait for time to pass
    raise AssertionError("the condition never held")


@dataclass
class Deployment:
    """A running serve() task with its fakes, health port and captured JSON log."""

    task: asyncio.Task[int]
    stop: asyncio.Event
    health_port: int
    slack_port: int
    slack: FakeSlack
    logs: io.StringIO
    session: aiohttp.ClientSession
    discord: FakeDiscord | None = None
    env: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str) -> tuple[int, str]:
        """GET a path of the health endpoint; return status and body."""
        async with self.session.get(f"http://127.0.0.1:{self.health_port}{path}") as resp:
            return resp.status, await resp.text()

    async def ready(self) -> tuple[int, dict[str, str]]:
        """Return /readyz's status and its checks."""
        status, body = await self.get("/readyz")
        return status, json.loads(body)["checks"]

    async def slack_command(self, text: str, user: str = USER, secret: str = "s3cret-response-path") -> None:
        """Send a signed `/brief` command whose response_url is Slack-shaped (its secret in the path)."""
        body = slash_body("/brief", text, user, self.slack.slack_shaped_response_url(secret))
        url = f"http://127.0.0.1:{self.slack_port}/slack/events"
        async with self.session.post(url, data=body.encode(), headers=signed_headers(body)) as resp:
            assert resp.status == 200

    def log_lines(self) -> list[dict[str, Any]]:
        """Return every captured log line, each parsed as JSON (fails if one is not)."""
        return [json.loads(line) for line in self.logs.getvalue().splitlines()]

    async def finish(self) -> int:
        """Stop the bot like SIGTERM does and return its exit code."""
        self.stop.set()
        return await asyncio.wait_for(self.task, 20)


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Iterator[None]:
    """Put discord.py's REST base and gateway back after each test (the config sets class attributes)."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Log every record at DEBUG as JSON into a buffer, through the redaction filter, as `run` does."""
    root = logging.getLogger()
    level, secrets = root.level, set(REDACTOR.secrets)
    stream = io.StringIO()
    handler = configure_logging("DEBUG", "json", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    REDACTOR.secrets = secrets


Deploy = Callable[..., Awaitable[Deployment]]


@pytest.fixture
async def deploy(tmp_path: Path, json_logs: io.StringIO) -> AsyncIterator[Deploy]:
    """Return a factory starting serve() from a config file: Slack + health, Discord as given, digests optional."""
    slack = FakeSlack()
    slack_runner = await slack.start()
    session = aiohttp.ClientSession()
    running: list[Deployment] = []

    async def factory(
        discord_fake: FakeDiscord | None = None,
        *,
        discord_api: str | None = None,
        discord_token: str = DISCORD_TOKEN,
        with_slack: bool = True,
        digests: bool = False,
        slack_rate_limits: dict[str, list[int]] | None = None,
        slack_errors: dict[str, str] | None = None,
        slack_listens: bool = True,  # False when Slack is expected to stop listening (a rejected token)
    ) -> Deployment:
        slack.rate_limits.update(slack_rate_limits or {})
        slack.errors.update(slack_errors or {})
        health_port, slack_port = free_port(), free_port()
        text = (
            f"briefs_dir: {BRIEFS_DIR}\nstate_path: {tmp_path / 'state' / 'state.db'}\nwatch_briefs: false\n"
            f"log_level: DEBUG\nlog_format: json\nhealth:\n  host: 127.0.0.1\n  port: {health_port}\n"
        )
        if with_slack:
            text += (
                "slack:\n  bot_token: ${SLACK_BOT_TOKEN}\n  signing_secret: ${SLACK_SIGNING_SECRET}\n"
                f"  host: 127.0.0.1\n  port: {slack_port}\n  api_base_url: {slack.api_url}\n"
                f"  admin_user_ids: [{ADMIN}]\n"
            )
        if discord_fake is not None or discord_api is not None:
            api = discord_api or (discord_fake.base if discord_fake else "")
            gateway = discord_fake.gateway if discord_fake else api.replace("http://", "ws://")
            text += (
                "discord:\n  token: ${DISCORD_TOKEN}\n"
                f"  api_base_url: {api}\n  gateway_url: {gateway}\n  admin_user_ids: [{DISCORD_ADMIN}]\n"
            )
        if digests:
            text += (
                "digests:\n  - name: weekly\n    schedule: '0 9 * * mon'\n    backfill: 2\n"
                f"    targets:\n      - slack_channel: {DIGEST_CHANNEL}\n"
            )
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "DISCORD_TOKEN": discord_token}
        config = load_config(path, env=env)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(config, stop))
        deployment = Deployment(task, stop, health_port, slack_port, slack, json_logs, session, discord_fake, env)
        running.append(deployment)

        async def health_up() -> bool:
            if task.done():
                return True
            try:
                return (await deployment.get("/healthz"))[0] == 200
            except aiohttp.ClientConnectionError:
                return False

        async def slack_up() -> bool:
            if task.done() or not with_slack or not slack_listens:
                return True
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", slack_port)
            except OSError:
                return False
            writer.close()
            await writer.wait_closed()
            return True

        await eventually(health_up)
        await eventually(slack_up)
        return deployment

    yield factory
    for deployment in running:
        if not deployment.task.done():
            deployment.stop.set()
            await asyncio.wait_for(deployment.task, 20)
    await session.close()
    await slack_runner.cleanup()
