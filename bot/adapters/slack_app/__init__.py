"""Slack surface: slash commands answered with Block Kit, over signed HTTP or Socket Mode."""

from bot.adapters.slack_app.app import create_app
from bot.adapters.slack_app.server import SlackSurface

__all__ = ["SlackSurface", "create_app"]
