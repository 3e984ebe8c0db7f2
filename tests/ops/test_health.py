"""/healthz, /readyz and /metrics of a running bot; `briefbot health`; no secret in DEBUG JSON logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.cli import main
from bot.ops.health import HealthServer, readiness
from bot.ops.metrics import Metrics
from tests.adapters.discord_app.fake_discord import FakeDiscord
from tests.adapters.discord_app.helpers import command_data as discord_command
from tests.adapters.discord_app.helpers import invoke, reply
from tests.adapters.slack_app.helpers import BOT_TOKEN, SECRET, all_text

from .conftest import DISCORD_TOKEN, Deploy, Deployment, eventually


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Return the samples of one metric from an exposition parsed by prometheus_client's own parser."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    """Return a running fake Discord."""
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def strict_fake() -> AsyncIterator[FakeDiscord]:
    """Return a fake Discord that rejects the bot's token (so briefbot alerts the admins on Slack)."""
    fake = FakeDiscord(token="another-token")
    await fake.start()
    yield fake
    await fake.close()


async def ask_both(bot: Deployment, fake: FakeDiscord) -> str:
    """Ask `who Sohail Mahmood` on Slack and on Discord; return the Discord interaction token."""
    await bot.slack_command("who Sohail Mahmood")
    assert "Sohail Mahmood" in all_text(await bot.slack.next_post())
    async with asyncio.timeout(10):
        await fake.identified.wait()
    token = await invoke(fake, 2, discord_command("who", name="Sohail Mahmood"))
    answer = await reply(fake, token)
    assert "Sohail Mahmood" in json.dumps(answer)
    return token


async def test_metrics_count_a_question_per_surface(deploy: Deploy, discord_fake: FakeDiscord) -> None:
    """/metrics parses with prometheus_client's parser and counts the question asked on Slack and on Discord."""
    bot = await deploy(discord_fake)
    await ask_both(bot, discord_fake)
    status, text = await bot.get("/metrics")
    assert status == 200
    questions = samples(text, "briefbot_questions_total")
    assert questions[(("command", "who"), ("platform", "slack"))] == 1
    assert questions[(("command", "who"), ("platform", "discord"))] == 1
    assert samples(text, "briefbot_briefs_loaded") == {(): 2}

    async def both_timed() -> bool:  # latency is observed just after each reply has left
        latency = samples((await bot.get("/metrics"))[1], "briefbot_answer_seconds_count")
        return latency == {(("platform", "slack"),): 1, (("platform", "discord"),): 1}

    await eventually(both_timed)
    await bot.finish()


async def test_metrics_report_digest_deliveries(deploy: Deploy) -> None:
    """After a digest is posted, /metrics shows the posted delivery and no disabled target, read from the state."""
    bot = await deploy(digests=True)
    await bot.slack_command("digest now weekly", user="UADMIN1")
    await bot.slack.next_post()
    _, text = await bot.get("/metrics")
    deliveries = samples(text, "briefbot_digest_deliveries")
    assert deliveries[(("status", "posted"),)] == 1 and deliveries[(("status", "pending"),)] == 0
    assert samples(text, "briefbot_digest_targets_disabled") == {(): 0}
    assert samples(text, "briefbot_digest_retries_total") == {(): 0}
    await bot.finish()


async def test_each_question_is_one_log_event_with_context(deploy: Deploy, discord_fake: FakeDiscord) -> None:
    """Each answered question is one JSON log line with platform, command and seconds, without the question."""
    bot = await deploy(discord_fake)
    await ask_both(bot, discord_fake)

    def events() -> list[dict[str, Any]]:
        return [line for line in bot.log_lines() if line["logger"] == "bot.ops.metrics"]

    async def both_logged() -> bool:  # each is logged just after its reply has left
        return len(events()) == 2

    await eventually(both_logged)
    await bot.finish()
    assert sorted((e["platform"], e["command"]) for e in events()) == [("discord", "who"), ("slack", "who")]
    assert all(isinstance(e["seconds"], float) and "Sohail" not in e["message"] for e in events())


async def test_no_secret_in_debug_json_logs(deploy: Deploy, discord_fake: FakeDiscord) -> None:
    """At DEBUG, every log line is one JSON object and none shows a token, secret, response_url or interaction token."""
    bot = await deploy(discord_fake)
    interaction_token = await ask_both(bot, discord_fake)
    await bot.finish()
    text = bot.logs.getvalue()
    lines = bot.log_lines()  # each line parses as JSON
    assert len(lines) > 50 and any(line["logger"].startswith("discord.") for line in lines)
    for secret in (DISCORD_TOKEN, BOT_TOKEN, SECRET, interaction_token, "s3cret-response-path"):
        assert secret not in text, secret
    assert any("[redacted]" in line["message"] for line in lines if line["logger"].startswith("discord."))


async def test_healthz_answers_before_surfaces(deploy: Deploy) -> None:
    """/healthz is 200 and unknown paths are 404."""
    bot = await deploy()
    assert await bot.get("/healthz") == (200, "ok\n")
    assert (await bot.get("/nope"))[0] == 404
    await bot.finish()


async def test_readiness_names_each_reason() -> None:
    """/readyz is 503 with each check's reason until all pass, then 200."""
    state = {"slack": "connecting to the Slack API"}
    server = HealthServer("127.0.0.1", 0, Metrics(), {"briefs": lambda: None, "slack": lambda: state.get("slack")})
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/readyz"
            async with session.get(url) as resp:
                assert resp.status == 503
                assert await resp.json() == {
                    "ready": False,
                    "checks": {"briefs": "ok", "slack": "connecting to the Slack API"},
                }
            state.clear()
            async with session.get(url) as resp:
                assert resp.status == 200
            async with session.post(url) as resp:
                assert resp.status == 405
    finally:
        await server.close()


def test_a_failing_check_is_not_ready() -> None:
    """A check that raises makes readiness false with its error type, never a crashed endpoint."""

    def broken() -> str | None:
        raise RuntimeError("boom")

    assert readiness({"x": broken}) == (False, {"x": "check failed (RuntimeError)"})


async def test_health_command_is_the_container_check(
    deploy: Deploy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefbot health --config` (the Dockerfile's HEALTHCHECK) exits 0 while the bot runs, 1 after it stopped."""
    bot = await deploy()
    config = str(tmp_path / "config.yaml")
    assert await asyncio.to_thread(main, ["health", "--config", config]) == 0
    assert capsys.readouterr().out.startswith("healthy: http://127.0.0.1:")
    await bot.finish()
    assert await asyncio.to_thread(main, ["health", "--config", config]) == 1
    assert capsys.readouterr().out.startswith("unhealthy:")


async def test_health_command_ready_flag(deploy: Deploy, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`briefbot health --ready` checks /readyz and fails while a configured surface is not connected."""
    bot = await deploy(discord_api="http://127.0.0.1:9/api/v10")

    async def discord_down() -> bool:
        return (await bot.ready())[1].get("discord", "").startswith("cannot reach")

    await eventually(discord_down)
    assert await asyncio.to_thread(main, ["health", "--ready", "--config", str(tmp_path / "config.yaml")]) == 1
    assert "cannot reach Discord" in capsys.readouterr().out
    await bot.finish()


async def test_ready_when_every_surface_is_connected(deploy: Deploy, discord_fake: FakeDiscord) -> None:
    """/readyz turns 200 once Discord's gateway session is up and Slack is authenticated (discord.py first
    waits 2 s for guilds after READY, so this test takes that long)."""
    bot = await deploy(discord_fake)

    async def ready() -> bool:
        return (await bot.ready())[0] == 200

    await eventually(ready, tries=1000)
    assert (await bot.ready())[1] == {"briefs": "ok", "discord": "ok", "slack": "ok"}
    await bot.finish()


async def test_garbage_requests_do_not_break_the_endpoint() -> None:
    """A request line too long or not HTTP gets closed or a 400, and the next request is answered."""
    server = HealthServer("127.0.0.1", 0, Metrics(), {})
    await server.start()
    try:
        for junk in (b"x" * 70_000, b"\x00\xff garbage\r\n\r\n"):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            try:
                writer.write(junk)
                await writer.drain()
                answer = await reader.read()
            except ConnectionResetError:  # the server hung up on the oversized line before reading it all
                answer = b""
            assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
            writer.close()
            with contextlib.suppress(ConnectionResetError):
                await writer.wait_closed()
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{server.port}/healthz") as resp:
            assert resp.status == 200
    finally:
        await server.close()


async def test_rate_limited_requests_are_counted(deploy: Deploy, discord_fake: FakeDiscord) -> None:
    """A Discord reply that got a 429 and was retried is counted under briefbot_rate_limited_total."""
    bot = await deploy(discord_fake)
    async with asyncio.timeout(10):
        await discord_fake.identified.wait()
    discord_fake.rate_limit["/callback"] = 1
    token = await invoke(discord_fake, 2, discord_command("help"))
    await reply(discord_fake, token)
    _, text = await bot.get("/metrics")
    assert samples(text, "briefbot_rate_limited_total") == {(("platform", "discord"),): 1}
    await bot.finish()


async def test_slack_rate_limits_are_counted(deploy: Deploy, strict_fake: FakeDiscord) -> None:
    """A Slack API call answered 429 and retried (here the admin alert) is counted for slack."""
    bot = await deploy(strict_fake, slack_rate_limits={"chat.postMessage": [0]})
    await bot.slack.next_call("chat.postMessage")  # the 429
    await bot.slack.next_call("chat.postMessage")  # the retry, accepted
    _, text = await bot.get("/metrics")
    assert samples(text, "briefbot_rate_limited_total")[(("platform", "slack"),)] == 1
    await bot.finish()
