"""The Slack app manifest declares what the app serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.adapters.slack_app.app import COMMANDS
from bot.adapters.slack_app.server import EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yaml"


def test_manifest_declares_every_command() -> None:
    """Each slash command the app answers is declared, with a usage hint, at the events path."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    declared = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(declared) == set(COMMANDS)
    for command in declared.values():
        assert command["url"].endswith(EVENTS_PATH) and command["usage_hint"]


def test_manifest_scopes_and_interactivity() -> None:
    """The bot scopes cover commands and DMs, and interactivity points at the events path."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert {"commands", "chat:write", "im:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["socket_mode_enabled"] is False


def test_manifest_scopes_cover_pictures_and_digest_checks() -> None:
    """The picture upload and the in-doubt check of a slack_channel digest part have their scopes."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert {"files:write", "channels:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
