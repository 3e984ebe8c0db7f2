"""`briefbot sync`: register the slash commands with Discord explicitly, then exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import BotConfig, load_config

log = logging.getLogger(__name__)


async def sync(config: BotConfig, guild_ids: tuple[int, ...]) -> int:
    """Log in, sync the commands to the guilds (or globally), record their hash, and return how many."""
    from bot.adapters.discord_app.client import (
        apply_endpoints,
        commands_hash,
        discord_config,
        hash_path,
        make_client,
        record_hash,
        sync_commands,
    )
    from bot.adapters.discord_app.commands import build_tree
    from bot.index.store import BriefStore
    from bot.services import Services

    section = discord_config(config)
    apply_endpoints(section)
    client = make_client(section)
    tree = build_tree(client, Services(config=config, store=BriefStore(config.briefs_dir)))
    async with client:
        await client.login(section.token.get_secret_value())
        digest = commands_hash(tree, guild_ids)
        count = await sync_commands(tree, guild_ids)
    record_hash(hash_path(config), digest)
    return count


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync the slash commands and report where they went."""
    import aiohttp
    import discord

    config = load_config(args.config)
    guild_ids = tuple(args.guild) if args.guild else discord_guilds(config)
    try:
        count = asyncio.run(sync(config, guild_ids))
    except discord.LoginFailure:
        return _failed("Discord rejected the bot token: check discord.token (e.g. DISCORD_TOKEN or DISCORD_TOKEN_FILE)")
    except discord.HTTPException as exc:
        return _failed(f"Discord refused the sync: HTTP {exc.status} {exc.text or ''}".rstrip())
    except (OSError, aiohttp.ClientError, TimeoutError) as exc:
        return _failed(f"cannot reach Discord at {discord.http.Route.BASE} ({type(exc).__name__})")
    where = f"guild(s) {', '.join(map(str, guild_ids))}" if guild_ids else "globally (may take up to an hour to show)"
    print(f"synced {count} command(s) {where}")
    return 0


def _failed(reason: str) -> int:
    print(f"briefbot sync: {reason}; nothing was synced", file=sys.stderr)
    return 1


def discord_guilds(config: BotConfig) -> tuple[int, ...]:
    """Return the configured development guilds (empty = global)."""
    return config.discord.guild_ids if config.discord else ()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `briefbot sync`."""
    p = subparsers.add_parser("sync", help="register the Discord slash commands (per guild while developing)")
    p.add_argument("--config", required=True, help="config file")
    p.add_argument(
        "--guild", type=int, action="append", help="guild id to sync to (repeatable; default: discord.guild_ids)"
    )
    p.set_defaults(func=cmd_sync)
