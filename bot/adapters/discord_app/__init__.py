"""Discord surface: slash commands over the brief store (discord.py)."""

from bot.adapters.discord_app.client import DiscordSurface

__all__ = ["DiscordSurface"]
