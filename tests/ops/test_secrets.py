"""Secrets from NAME_FILE (container secrets), and config commands that need no secrets at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_config
from bot.errors import ConfigError

from ..conftest import BRIEFS_DIR

SURFACES = (
    f"briefs_dir: {BRIEFS_DIR}\n"
    "discord:\n  token: ${DISCORD_TOKEN}\n"
    "slack:\n  bot_token: ${SLACK_BOT_TOKEN}\n  signing_secret: ${SLACK_SIGNING_SECRET}\n"
    "digests:\n  - name: weekly\n    schedule: '0 9 * * mon'\n"
    "    targets:\n      - discord_channel: 1\n      - slack_webhook: ${SLACK_DIGEST_WEBHOOK}\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    """Write a file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_secret_can_come_from_a_file(tmp_path: Path) -> None:
    """DISCORD_TOKEN_FILE, SLACK_BOT_TOKEN_FILE, SLACK_SIGNING_SECRET_FILE and a webhook's _FILE are read."""
    env = {
        f"{name}_FILE": str(write(tmp_path, name.lower(), f"{name.lower()}-value\n"))
        for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_DIGEST_WEBHOOK")
    }
    config = load_config(write(tmp_path, "config.yaml", SURFACES), env=env)
    assert config.discord is not None and config.slack is not None
    assert config.discord.token.get_secret_value() == "discord_token-value"
    assert config.slack.bot_token.get_secret_value() == "slack_bot_token-value"
    assert config.slack.signing_secret.get_secret_value() == "slack_signing_secret-value"
    webhook = config.digests[0].targets[1].slack_webhook
    assert webhook is not None and webhook.get_secret_value() == "slack_digest_webhook-value"


def test_the_variable_wins_over_nothing_but_not_over_a_file(tmp_path: Path) -> None:
    """Setting both NAME and NAME_FILE is an error naming both, never showing either value."""
    path = write(tmp_path, "config.yaml", "discord:\n  token: ${DISCORD_TOKEN}\n")
    env = {"DISCORD_TOKEN": "tok-in-env", "DISCORD_TOKEN_FILE": str(write(tmp_path, "t", "tok-in-file"))}
    with pytest.raises(ConfigError, match=r"discord\.token: both DISCORD_TOKEN and DISCORD_TOKEN_FILE") as err:
        load_config(path, env=env)
    assert "tok-in" not in str(err.value)


def test_an_unreadable_secret_file_names_the_variable(tmp_path: Path) -> None:
    """A NAME_FILE that does not exist is an error naming the key, the variable and the path."""
    path = write(tmp_path, "config.yaml", "discord:\n  token: ${DISCORD_TOKEN}\n")
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match=rf"discord\.token: DISCORD_TOKEN_FILE: cannot read {missing}"):
        load_config(path, env={"DISCORD_TOKEN_FILE": str(missing)})


def test_channel_targets_need_their_platform(tmp_path: Path) -> None:
    """A discord_channel target without a discord: section is a config error at start, not a disabled target."""
    text = "digests:\n  - name: weekly\n    schedule: '0 9 * * mon'\n    targets:\n      - discord_channel: 1\n"
    with pytest.raises(ConfigError, match=r"digests\.weekly\.targets\[0\]\.discord_channel: needs a discord: section"):
        load_config(write(tmp_path, "config.yaml", text), env={})


def test_slack_channel_target_needs_slack(tmp_path: Path) -> None:
    """A slack_channel target without a slack: section is a config error too."""
    text = "digests:\n  - name: weekly\n    schedule: '0 9 * * mon'\n    targets:\n      - slack_channel: C1\n"
    with pytest.raises(ConfigError, match=r"targets\[0\]\.slack_channel: needs a slack: section"):
        load_config(write(tmp_path, "config.yaml", text), env={})


def test_ask_with_config_needs_no_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefbot ask --config` answers from the config's briefs with none of the bot's secrets set."""
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_DIGEST_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    config = write(tmp_path, "config.yaml", SURFACES)
    assert main(["ask", "--config", str(config), "who Sohail Mahmood"]) == 0
    assert "Sohail Mahmood" in capsys.readouterr().out


def test_validate_with_config_needs_no_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefbot validate --config` checks the config's briefs with none of the bot's secrets set."""
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["validate", "--config", str(write(tmp_path, "config.yaml", SURFACES))]) == 0
    assert "problem" not in capsys.readouterr().err


def test_run_still_requires_its_secrets(tmp_path: Path) -> None:
    """The bot itself (load_config with secrets) still refuses to start without them."""
    with pytest.raises(ConfigError, match=r"discord\.token: environment variable DISCORD_TOKEN is not set"):
        load_config(write(tmp_path, "config.yaml", SURFACES), env={})
