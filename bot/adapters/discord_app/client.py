"""The Discord surface: a discord.py client serving the slash commands inside `briefbot run`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.adapters.discord_app.commands import NO_MENTIONS, build_tree
from bot.adapters.discord_app.escape import md
from bot.adapters.discord_app.render import clip
from bot.config import BotConfig, DiscordConfig
from bot.errors import ConfigError
from bot.services import Services

log = logging.getLogger(__name__)

HASH_FILE = "discord_commands.hash"
MAX_BACKOFF = 300.0
Sleep = Callable[[float], Awaitable[None]]


def backoff(attempt: int) -> float:
    """Return the wait before login attempt `attempt` + 1: 2, 4, 8 … up to five minutes (as the Slack surface)."""
    return float(min(MAX_BACKOFF, 2 ** (attempt + 1)))


def discord_config(config: BotConfig) -> DiscordConfig:
    """Return the discord section of the config, or raise ConfigError when it is missing."""
    if config.discord is None:
        raise ConfigError("the config has no discord: section (see config.example.yaml)")
    return config.discord


def apply_endpoints(config: DiscordConfig) -> None:
    """Point discord.py at another REST base / gateway (a local fake in tests) when the config says so."""
    if config.api_base_url:
        discord.http.Route.BASE = config.api_base_url.rstrip("/")
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def intents() -> discord.Intents:
    """Return the gateway intents briefbot needs: guilds only (roles for admin checks); nothing privileged."""
    return discord.Intents(guilds=True)


def make_client(config: DiscordConfig) -> discord.Client:
    """Return an AutoShardedClient when shard_count is set, else a Client; mentions off everywhere."""
    # briefbot never joins voice: without this, every start warns that the voice libraries are missing
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    options: dict[str, Any] = {"intents": intents(), "allowed_mentions": NO_MENTIONS}
    if config.shard_count:
        return discord.AutoShardedClient(shard_count=config.shard_count, **options)
    return discord.Client(**options)


def commands_hash(tree: app_commands.CommandTree[Any], guild_ids: tuple[int, ...]) -> str:
    """Return a hash of the command definitions and where they are synced."""
    definitions = sorted((c.to_dict(tree) for c in tree.get_commands()), key=lambda d: str(d.get("name")))
    blob = json.dumps({"commands": definitions, "guilds": sorted(guild_ids)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def hash_path(config: BotConfig) -> Path:
    """Return where the hash of the last synced command definitions is kept (next to the state file)."""
    return config.state_path.parent / HASH_FILE


async def sync_commands(tree: app_commands.CommandTree[Any], guild_ids: tuple[int, ...]) -> int:
    """Sync the commands to each guild (copying the global ones there) or globally; return how many."""
    if not guild_ids:
        return len(await tree.sync())
    count = 0
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        count += len(await tree.sync(guild=guild))
    return count


async def sync_if_changed(tree: app_commands.CommandTree[Any], config: BotConfig, guild_ids: tuple[int, ...]) -> bool:
    """Sync only when the definitions differ from the last recorded sync; record the new hash. Return if synced."""
    path = hash_path(config)
    digest = commands_hash(tree, guild_ids)
    try:
        if path.read_text(encoding="utf-8").strip() == digest:
            log.debug("slash commands unchanged since the last sync")
            return False
    except OSError:
        pass
    count = await sync_commands(tree, guild_ids)
    record_hash(path, digest)
    log.info("synced %d slash command(s) %s", count, f"to {len(guild_ids)} guild(s)" if guild_ids else "globally")
    return True


def record_hash(path: Path, digest: str) -> None:
    """Write the hash of the synced definitions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(digest + "\n", encoding="utf-8")


class DiscordSurface:
    """briefbot on Discord: logs in (retrying while Discord is unreachable), syncs commands only when they changed,
    and serves them in a task, so the other surfaces never wait for Discord."""

    label = "discord"

    def __init__(
        self, services: Services, *, retry_wait: Callable[[int], float] = backoff, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.services = services
        self.config = discord_config(services.config)
        apply_endpoints(self.config)
        self.client = make_client(self.config)
        self.tree = build_tree(self.client, services)
        self.problem: str | None = "not connected yet"
        self._retry_wait = retry_wait
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        services.admin_alerts.append(self.alert)

    async def start(self) -> None:
        """Log in, sync and connect in a task (retrying with backoff); return at once."""
        self._task = asyncio.create_task(self._run(), name="briefbot-discord")

    def not_ready(self) -> str | None:
        """Return None while the gateway session is up (every shard's), else why not."""
        if self.problem is not None:
            return self.problem
        if not self.client.is_ready():
            return "connecting to the Discord gateway"
        if isinstance(self.client, discord.AutoShardedClient):
            up = bool(self.client.shards) and not any(s.is_closed() for s in self.client.shards.values())
        else:
            up = self.client.ws is not None and self.client.ws.open
        return None if up and not self.client.is_closed() else "disconnected from the Discord gateway; reconnecting"

    async def login(self) -> bool:
        """Log in, retrying with backoff while Discord is unreachable; False when the token is rejected."""
        attempt = 0
        while True:
            try:
                await self.client.login(self.config.token.get_secret_value())
                return True
            except discord.LoginFailure:
                return False
            except discord.HTTPException as exc:
                if exc.status in {401, 403}:
                    return False
                reason = f"Discord answered HTTP {exc.status} at {discord.http.Route.BASE}"
            except (OSError, aiohttp.ClientError, TimeoutError) as exc:
                reason = f"cannot reach Discord at {discord.http.Route.BASE} ({type(exc).__name__})"
            # a failed login leaves an HTTP session behind: start again from a fresh client
            await self.client.close()
            self.client = make_client(self.config)
            self.tree = build_tree(self.client, self.services)
            wait = self._retry_wait(attempt)
            self.problem = reason
            log.error("discord: %s; retrying in %.0f s", reason, wait)
            attempt += 1
            await self._sleep(wait)

    async def _run(self) -> None:
        if not await self.login():
            await self._rejected()
            return
        self.problem = None
        try:
            await sync_if_changed(self.tree, self.services.config, self.config.guild_ids)
        except (discord.HTTPException, OSError, aiohttp.ClientError, TimeoutError) as exc:
            log.error("discord: could not sync the slash commands (%s); trying again at the next start", exc)
        try:
            await self.client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except discord.ConnectionClosed as exc:
            if exc.code == 4004:  # the gateway's "authentication failed"
                await self._rejected()
                return
            self.problem = f"the gateway closed the connection (code {exc.code})"
            log.error("discord: %s; Discord stays off until briefbot is restarted", self.problem)
        except Exception as exc:
            self.problem = f"the gateway connection stopped ({type(exc).__name__})"
            log.error("discord: %s; Discord stays off until briefbot is restarted", self.problem)

    async def _rejected(self) -> None:
        reason = "Discord rejected the bot token: check discord.token (e.g. DISCORD_TOKEN or DISCORD_TOKEN_FILE)"
        self.problem = "token rejected (discord.token)"
        log.error("discord: %s; Discord stays off until briefbot is restarted", reason)
        if self.alert in self.services.admin_alerts:
            self.services.admin_alerts.remove(self.alert)
        await self.client.close()
        self.services.give_up(self.label, reason)

    async def close(self) -> None:
        """Close the gateway and HTTP connections and wait for the connection task."""
        if self.alert in self.services.admin_alerts:
            self.services.admin_alerts.remove(self.alert)
        await self.client.close()
        if self._task is not None:
            if self.problem is not None:  # still logging in, or waiting to retry: nothing to close gracefully
                self._task.cancel()
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    async def alert(self, text: str) -> None:
        """Send an admin alert as a direct message to every configured admin user."""
        for user_id in self.config.admin_user_ids:
            try:
                user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
                await user.send(clip(md(text), 2000), allowed_mentions=NO_MENTIONS)  # may quote brief text
            except discord.HTTPException:
                log.warning("could not DM admin alert to user %s", user_id, exc_info=True)
