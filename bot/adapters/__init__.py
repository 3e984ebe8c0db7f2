"""Platform adapters: parse a message, ask the core, render the neutral answer, send it; post digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import BotConfig
    from bot.digest.delivery import PosterFactory


def digest_posters(config: BotConfig) -> PosterFactory:
    """Return the factory giving each digest target its platform's poster (this imports both platforms' code)."""
    from bot.adapters.posters import platform_posters

    return platform_posters(config)
