"""Fixtures: a fake Discord on 127.0.0.1 and a briefbot DiscordSurface connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from bot.adapters.discord_app import DiscordSurface
from bot.config import BotConfig, DiscordConfig
from bot.index.store import BriefStore
from bot.services import Services
from tests.adapters.discord_app.fake_discord import ADMIN_ROLE_ID, FakeDiscord
from tests.conftest import BRIEFS_DIR, minimal_brief

ADMIN_USER_ID = 900000000000000500


def long_brief(brief_id: str, facts: int = 60) -> dict[str, Any]:
    """Return a valid brief with many long sessions and positions, each sentence a numbered fact."""

    def text(n: int, words: int = 40) -> str:
        return " ".join(
            f"Fact {n}.{i} says the rivers and the corridor matter greatly for everyone." for i in range(words // 10)
        )

    sessions = [
        {
            "title": f"Session {i} on water",
            "moderator": "Zara Ahmed",
            "summary": text(i, 80),
            "takeaways": [text(1000 + i)],
        }
        for i in range(facts // 2)
    ]
    positions = [
        {"by": ["Omid Karimi"], "topic": f"Water {i}", "summary": text(2000 + i, 30)} for i in range(facts // 2)
    ]
    return minimal_brief(brief_id, sessions=sessions, positions=positions, title="A very long synthetic dialogue")


@pytest.fixture(autouse=True)
def _restore_endpoints() -> Any:
    """Put discord.py's REST base and gateway back after each test (they are class attributes)."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """Return a running fake Discord."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


def make_config(fake: FakeDiscord, tmp_path: Path, briefs: Path = BRIEFS_DIR, **discord_kw: Any) -> BotConfig:
    """Return a config pointing discord.py at the fake."""
    section = DiscordConfig(
        token=SecretStr("fake-token"),
        api_base_url=fake.base,
        gateway_url=fake.gateway,
        admin_role_ids=(ADMIN_ROLE_ID,),
        admin_user_ids=(ADMIN_USER_ID,),
        **discord_kw,
    )
    return BotConfig(briefs_dir=briefs, state_path=tmp_path / "state" / "state.db", discord=section)


@dataclass
class Bot:
    """A connected surface and its fake."""

    surface: DiscordSurface
    services: Services
    fake: FakeDiscord


@pytest.fixture
async def connect(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Any]:
    """Return an async factory of connected surfaces (closed at teardown)."""
    surfaces: list[DiscordSurface] = []

    async def factory(briefs: Path = BRIEFS_DIR, **discord_kw: Any) -> Bot:
        config = make_config(fake, tmp_path, briefs, **discord_kw)
        services = Services(config=config, store=BriefStore(config.briefs_dir))
        surface = DiscordSurface(services)
        surfaces.append(surface)
        await surface.start()
        async with asyncio.timeout(10):
            await fake.identified.wait()
        return Bot(surface, services, fake)

    yield factory
    for surface in surfaces:
        await surface.close()


@pytest.fixture
async def bot(connect: Any) -> AsyncIterator[Bot]:
    """Return a surface over the shipped briefs, connected to the fake."""
    b: Bot = await connect()
    yield b


@pytest.fixture
def long_briefs(write_brief: Callable[..., Path]) -> Path:
    """Return a briefs folder with one very long synthetic brief and a shipped-like short one."""
    path = write_brief("long-dialogue.yaml", long_brief("long-dialogue"))
    write_brief("short-dialogue.yaml", minimal_brief("short-dialogue", date="2023-01-01"))
    return path.parent
