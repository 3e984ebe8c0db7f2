"""Platform adapters: parse a message, ask the core, render the neutral answer, send it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.answer import Answer

DigestRenderer = Callable[[Answer], list[dict[str, Any]]]


def digest_renderers() -> dict[str, DigestRenderer]:
    """Return each platform's digest renderer, keyed 'discord' and 'slack' (this imports both platform libraries)."""
    from bot.adapters.discord_app.digest import render_digest as discord
    from bot.adapters.slack_app.digest import render_digest as slack

    return {"discord": discord, "slack": slack}
