"""The digest poster of each target's platform, built from the config (injected into the delivery engine)."""

from __future__ import annotations

from bot.adapters.discord_app.poster import DISCORD_API, DiscordChannelPoster, DiscordWebhookPoster
from bot.adapters.slack_app.poster import SLACK_API, SlackChannelPoster, SlackWebhookPoster
from bot.config import BotConfig, DigestTarget
from bot.digest.delivery import Http, Poster, PosterFactory


def platform_posters(config: BotConfig) -> PosterFactory:
    """Return the factory that gives each digest target the poster of its platform."""
    discord = config.discord
    slack = config.slack
    discord_api = (discord.api_base_url if discord else None) or DISCORD_API
    discord_token = discord.token.get_secret_value() if discord else None
    slack_api = (slack.api_base_url if slack else None) or SLACK_API
    slack_token = slack.bot_token.get_secret_value() if slack else None

    def poster(target: DigestTarget, http: Http) -> Poster:
        if target.discord_channel is not None:
            return DiscordChannelPoster(http, discord_api, discord_token, target.discord_channel)
        if target.discord_webhook is not None:
            return DiscordWebhookPoster(http, target.discord_webhook.get_secret_value(), discord_api, discord_token)
        if target.slack_channel is not None:
            return SlackChannelPoster(http, slack_api, slack_token, target.slack_channel)
        assert target.slack_webhook is not None
        return SlackWebhookPoster(http, target.slack_webhook.get_secret_value())

    return poster
