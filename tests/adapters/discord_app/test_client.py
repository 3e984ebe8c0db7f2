"""The surface's operations: login, command sync only on change, `briefbot sync`, sharding, gateway upkeep."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord

from bot.adapters.discord_app import DiscordSurface
from bot.adapters.discord_app.client import HASH_FILE
from bot.cli import main
from bot.index.store import BriefStore
from bot.services import Services
from tests.adapters.discord_app.conftest import Bot, make_config
from tests.adapters.discord_app.fake_discord import APP_ID, GUILD_ID, FakeDiscord
from tests.adapters.discord_app.helpers import slash
from tests.conftest import BRIEFS_DIR


def puts(fake: FakeDiscord) -> list[str]:
    """Return the paths of the command sync PUTs the bot made."""
    return [c.path for c in fake.calls if c.method == "PUT"]


async def test_first_start_syncs_globally_and_records_hash(bot: Bot, tmp_path: Path) -> None:
    """The first start syncs the commands globally and writes the hash next to the state file."""
    assert puts(bot.fake) == [f"/applications/{APP_ID}/commands"]
    assert (tmp_path / "state" / HASH_FILE).read_text().strip()


async def test_synced_commands_keep_their_option_names(bot: Bot) -> None:
    """The synced definitions contain every command with the documented option names."""
    body = next(c.body for c in bot.fake.calls if c.method == "PUT")
    by_name = {c["name"]: c for c in body}
    assert set(by_name) == {
        *("dialogue", "who", "session", "positions", "search", "help", "reload", "digest"),
        *("timeline", "compare", "network"),
    }
    assert [o["name"] for o in by_name["positions"]["options"]] == ["topic", "by"]
    assert [o["name"] for o in by_name["timeline"]["options"]] == ["subject", "order"]
    assert [o["name"] for o in by_name["compare"]["options"]] == ["topic", "a", "b"]
    assert [o["name"] for o in by_name["network"]["options"]] == ["name"]
    subs = {o["name"]: [x["name"] for x in o.get("options", [])] for o in by_name["dialogue"]["options"]}
    assert subs == {"latest": [], "list": ["query", "year"], "show": ["dialogue"], "series": ["name"]}


async def test_admin_commands_need_manage_guild(bot: Bot) -> None:
    """/reload and /digest carry default_member_permissions of Manage Server; /who does not."""
    body = {c["name"]: c for c in next(c.body for c in bot.fake.calls if c.method == "PUT")}
    manage_guild = str(discord.Permissions(manage_guild=True).value)
    assert str(body["reload"]["default_member_permissions"]) == manage_guild
    assert str(body["digest"]["default_member_permissions"]) == manage_guild
    assert body["who"]["default_member_permissions"] is None


async def test_restart_with_same_commands_does_not_sync(connect: Any) -> None:
    """A second start with unchanged definitions does not sync again."""
    first = await connect()
    await first.surface.close()
    first.fake.identified.clear()
    await connect()
    assert len(puts(first.fake)) == 1


async def test_changed_guilds_resync_to_the_guild(connect: Any) -> None:
    """A start whose guild_ids changed syncs again, to the guild."""
    first = await connect()
    await first.surface.close()
    first.fake.identified.clear()
    await connect(guild_ids=(GUILD_ID,))
    assert puts(first.fake)[-1] == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"


async def test_reconnect_does_not_sync(bot: Bot) -> None:
    """A gateway RECONNECT (the client resumes on the resume_gateway_url) triggers no command sync."""
    for ws in list(bot.fake._sockets):
        await ws.send_json({"op": 7, "d": None, "s": None, "t": None})
    await bot.fake.wait_until(lambda: bot.fake.resumes > 0)
    assert len(puts(bot.fake)) == 1
    assert (await slash(bot.fake, "help"))["embeds"]


async def test_heartbeats_are_acknowledged(fake: FakeDiscord, connect: Any) -> None:
    """With a short heartbeat interval the client heartbeats and gets an ACK (latency becomes finite)."""
    fake.heartbeat_interval_ms = 20
    bot = await connect()
    await fake.wait_until(lambda: fake.heartbeats >= 2)
    assert bot.surface.client.latency < 10


async def test_shard_count_uses_autosharded_client(fake: FakeDiscord, connect: Any) -> None:
    """shard_count set -> AutoShardedClient identifying with that shard count, and commands still work."""
    bot = await connect(shard_count=1)
    assert isinstance(bot.surface.client, discord.AutoShardedClient)
    assert fake.identify_payloads[-1]["shard"] == [0, 1]
    assert (await slash(fake, "help"))["embeds"]


async def test_no_privileged_intents(bot: Bot) -> None:
    """The bot identifies without the members, presences or message content intents."""
    intents = discord.Intents._from_value(bot.fake.identify_payloads[-1]["intents"])
    assert not (intents.members or intents.presences or intents.message_content)


async def test_close_disconnects_cleanly(fake: FakeDiscord, tmp_path: Path) -> None:
    """close() closes the client and ends the connection task."""
    config = make_config(fake, tmp_path)
    surface = DiscordSurface(Services(config=config, store=BriefStore(config.briefs_dir)))
    await surface.start()
    await fake.identified.wait()
    await surface.close()
    assert surface.client.is_closed()
    assert surface._task is None


async def test_cli_sync_to_guild_records_hash(fake: FakeDiscord, tmp_path: Path, monkeypatch: Any) -> None:
    """`briefbot sync --config F --guild ID` logs in, syncs to that guild, records the hash and exits 0."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        "briefs_dir: {b}\nstate_path: {s}\ndiscord:\n  token: ${{T}}\n  api_base_url: {u}\n  gateway_url: {g}\n".format(
            b=BRIEFS_DIR, s=tmp_path / "st" / "state.db", u=fake.base, g=fake.gateway
        )
    )
    monkeypatch.setenv("T", "fake-token")
    code = await asyncio.to_thread(main, ["sync", "--config", str(config_file), "--guild", str(GUILD_ID)])
    assert code == 0
    assert puts(fake) == [f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"]
    assert (tmp_path / "st" / HASH_FILE).exists()
