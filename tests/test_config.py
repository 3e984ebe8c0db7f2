"""The config file: env expansion, every problem reported, unknown keys refused, no secrets echoed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError

from .conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    """Write a config file and return its path."""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid() -> None:
    """config.example.yaml loads (its optional sections are commented out)."""
    config = load_config(ROOT / "config.example.yaml", env={})
    assert config.briefs_dir == ROOT / "briefs"


def uncommented_example() -> str:
    """config.example.yaml with its commented-out sections (health, discord, slack, digests, brief_url) switched on."""
    out, inside = [], False
    for line in (ROOT / "config.example.yaml").read_text(encoding="utf-8").splitlines():
        if re.match(r"# (brief_url|health|discord|slack|digests):", line):
            inside = True
            out.append(line[2:])
        elif inside and line.startswith("#  "):
            out.append(line[2:])
        else:
            inside = False
            out.append(line)
    return "\n".join(out) + "\n"


def test_example_config_sections_are_valid(tmp_path: Path) -> None:
    """Every commented-out section of config.example.yaml validates once switched on, with its secrets set."""
    env = {
        "DISCORD_TOKEN": "example-discord-token",
        "SLACK_BOT_TOKEN": "xoxb-example-bot-token",
        "SLACK_SIGNING_SECRET": "example-signing-secret",
        "DISCORD_DIGEST_WEBHOOK": "https://discord.com/api/webhooks/1/example-webhook",
        "SLACK_DIGEST_WEBHOOK": "https://hooks.slack.com/services/T0/B0/example-webhook",
    }
    config = load_config(write(tmp_path, uncommented_example()), env=env)
    assert config.health is not None and config.discord is not None and config.slack is not None
    assert [d.name for d in config.digests] == ["weekly"] and config.brief_url is not None


def test_example_config_sections_need_no_secrets_for_ask(tmp_path: Path) -> None:
    """With every section switched on and no secrets set, `ask`/`validate` still load the example."""
    config = load_config(write(tmp_path, uncommented_example()), env={}, secrets=False)
    assert config.briefs_dir == tmp_path / "briefs"


def test_env_values_are_expanded_and_secret(tmp_path: Path) -> None:
    """${NAME} reads the environment; tokens are SecretStr and never shown in repr."""
    path = write(tmp_path, "discord:\n  token: ${DISCORD_TOKEN}\n")
    config = load_config(path, env={"DISCORD_TOKEN": "s3cr3t-token"})
    assert config.discord is not None
    assert config.discord.token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t" not in repr(config)


def test_missing_env_names_the_key(tmp_path: Path) -> None:
    """A missing environment variable is an error naming the key and the variable."""
    path = write(tmp_path, "discord:\n  token: ${DISCORD_TOKEN}\n")
    with pytest.raises(ConfigError, match=r"discord\.token: environment variable DISCORD_TOKEN is not set"):
        load_config(path, env={})


def test_every_problem_is_reported(tmp_path: Path) -> None:
    """Unknown keys, bad time zones and bad values are all reported at once."""
    path = write(tmp_path, "brief_dir: x\ntimezone: Mars/Olympus\nlog_level: LOUD\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    text = str(info.value)
    assert "3 problem(s)" in text
    assert "brief_dir: unknown key" in text and "Mars/Olympus" in text and "log_level" in text


def test_digest_target_needs_exactly_one_kind(tmp_path: Path) -> None:
    """A digest target naming two destinations is an error."""
    path = write(
        tmp_path,
        "digests:\n  - name: weekly\n    schedule: '0 9 * * mon'\n    targets:\n"
        "      - {discord_channel: 1, slack_channel: C1}\n",
    )
    with pytest.raises(ConfigError, match="exactly one"):
        load_config(path, env={})


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, bot
for info in pkgutil.walk_packages(bot.__path__, "bot."):
    if info.name != "bot.__main__":
        importlib.import_module(info.name)
print("imported")
"""


def test_importing_needs_no_config() -> None:
    """Importing every module of the package needs no config and no environment variable at all."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE], env={}, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


def test_digest_inherits_top_level_timezone(tmp_path: Path) -> None:
    """A digest without a time zone uses the top-level one; its own wins when set."""
    path = write(
        tmp_path,
        "timezone: Asia/Tehran\ndigests:\n"
        "  - {name: a, schedule: '0 9 * * mon', targets: [{slack_webhook: x}]}\n"
        "  - {name: b, schedule: '0 9 * * mon', timezone: Asia/Karachi, targets: [{slack_webhook: x}]}\n",
    )
    config = load_config(path, env={})
    assert [d.timezone for d in config.digests] == ["Asia/Tehran", "Asia/Karachi"]
