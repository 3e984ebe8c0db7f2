"""One validated configuration, read once at start-up; ${NAME} values come from the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.briefs.parsing import field_path
from bot.errors import ConfigError
from bot.ops.logs import REDACTOR, secrets_of
from bot.ops.secrets import SecretUnavailable, env_value

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Karachi") from None
    return value


class DiscordConfig(_Section):
    """Discord bot settings."""

    token: SecretStr = Field(description="Bot token, e.g. ${DISCORD_TOKEN}.")
    guild_ids: tuple[int, ...] = Field((), description="Guilds `briefbot sync` targets; empty = global.")
    admin_role_ids: tuple[int, ...] = ()
    admin_user_ids: tuple[int, ...] = ()
    shard_count: int | None = Field(None, ge=1, description="Set to use AutoShardedClient.")
    api_base_url: str | None = Field(None, description="REST base, for tests or a proxy (default Discord's).")
    gateway_url: str | None = Field(None, description="Gateway URL, for tests (default Discord's).")
    answers: Literal["private", "public"] = Field(
        "private", description="private: answers only the asker sees, with a Share button; public: posted in channel."
    )
    answers_by_guild: dict[int, Literal["private", "public"]] = Field(
        default_factory=dict, description="Per-server override of `answers`, by guild id."
    )
    reports_channel_id: int | None = Field(
        None, description="Channel that receives 'Report a problem' reports; unset: DMs to admin_user_ids."
    )


class SlackConfig(_Section):
    """Slack app settings."""

    bot_token: SecretStr
    signing_secret: SecretStr
    app_token: SecretStr | None = Field(None, description="xapp- token: use Socket Mode instead of HTTP.")
    host: str = "127.0.0.1"
    port: int = Field(3000, ge=0, le=65535)
    api_base_url: str | None = Field(None, description="Slack Web API base, e.g. for GovSlack or a proxy.")
    admin_user_ids: tuple[str, ...] = ()
    reports_channel: str | None = Field(
        None, description="Channel id that receives 'Report a problem' reports; unset: DMs to admin_user_ids."
    )


class DigestTarget(_Section):
    """Exactly one place a digest goes."""

    discord_channel: int | None = None
    discord_webhook: SecretStr | None = None
    slack_channel: str | None = None
    slack_webhook: SecretStr | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> DigestTarget:
        set_keys = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(set_keys) != 1:
            raise ValueError(
                "a target needs exactly one of discord_channel, discord_webhook, slack_channel, slack_webhook"
            )
        return self


class DigestFilters(_Section):
    """Which dialogues a digest covers; empty lists mean all."""

    organizers: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


class DigestConfig(_Section):
    """One scheduled digest."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    schedule: str = Field(description="Cron with day names, e.g. '0 9 * * mon'.")
    timezone: str = "UTC"
    targets: tuple[DigestTarget, ...] = Field(min_length=1)
    filters: DigestFilters = DigestFilters()
    post_when_empty: bool = False
    backfill: int = Field(5, ge=0, le=100)
    title: str = "New dialogue briefs"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_timezone(value)


class HealthConfig(_Section):
    """The health, readiness and metrics endpoint (GET /healthz, /readyz, /metrics)."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)


class BotConfig(_Section):
    """The whole configuration file."""

    briefs_dir: Path = Path("briefs")
    state_path: Path = Path(".briefbot/state.db")
    timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per log line.")
    watch_briefs: bool = Field(True, description="Reload briefs when files change.")
    settle_seconds: float = Field(
        2.0, ge=0, le=300, description="Read a new or changed brief only once it has not changed for this long."
    )
    brief_url: str | None = Field(
        None,
        description="Link to a brief file in reports, with {file}, {id} and {line}, e.g. "
        "https://github.com/org/briefs/blob/main/briefs/{file}#L{line}; unset: the file path and line.",
    )
    health: HealthConfig | None = Field(None, description="Serve /healthz, /readyz and /metrics (off when absent).")
    discord: DiscordConfig | None = None
    slack: SlackConfig | None = None
    digests: tuple[DigestConfig, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _check_timezone(value)

    @model_validator(mode="before")
    @classmethod
    def _digest_timezone_default(cls, data: Any) -> Any:
        # A digest without its own time zone uses the top-level one.
        if isinstance(data, dict) and isinstance(data.get("digests"), list) and "timezone" in data:
            data = {
                **data,
                "digests": [{"timezone": data["timezone"], **d} if isinstance(d, dict) else d for d in data["digests"]],
            }
        return data

    @model_validator(mode="after")
    def _unique_digest_names(self) -> BotConfig:
        names = [d.name for d in self.digests]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"digest names must be unique: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _targets_have_platforms(self) -> BotConfig:
        # A channel target is posted by the bot of its platform: without that section it could never work.
        problems = [
            f"digests.{d.name}.targets[{i}].{key}: needs a {section}: section (or use a {section}_webhook target)"
            for d in self.digests
            for i, t in enumerate(d.targets)
            for key, section in (("discord_channel", "discord"), ("slack_channel", "slack"))
            if getattr(t, key) is not None and getattr(self, section) is None
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def expand_env(
    data: Any, env: dict[str, str], path: tuple[str | int, ...] = (), missing: list[tuple[str | int, ...]] | None = None
) -> tuple[Any, list[str]]:
    """Replace ${NAME} in every string with the environment value (or NAME_FILE's contents); report missing ones.

    missing, when given, collects the paths of unavailable values instead of reporting them (they become "").
    """
    problems: list[str] = []
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for key, value in data.items():
            out[key], sub = expand_env(value, env, (*path, str(key)), missing)
            problems += sub
        return out, problems
    if isinstance(data, list):
        items = []
        for i, value in enumerate(data):
            item, sub = expand_env(value, env, (*path, i), missing)
            items.append(item)
            problems += sub
        return items, problems
    if isinstance(data, str):

        def lookup(match: re.Match[str]) -> str:
            try:
                return env_value(match.group(1), env)
            except SecretUnavailable as exc:
                if missing is None:
                    problems.append(f"{field_path(path)}: {exc}")
                else:
                    missing.append(path)
                return ""

        return _ENV_REF.sub(lookup, data), problems
    return data, problems


def _without_sections_needing(
    unset: list[tuple[str | int, ...]], data: dict[str, Any], problems: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """Leave out the sections (discord, slack, digests, ...) holding unavailable secrets; report top-level ones."""
    dropped = {str(u[0]) for u in unset if len(u) > 1}
    problems = problems + [f"{u[0]}: environment variable is not set" for u in unset if len(u) == 1]
    if dropped & {"discord", "slack"}:
        dropped.add("digests")  # their channel targets need the platform sections
    return {k: v for k, v in data.items() if k not in dropped}, problems


def load_config(path: Path | str, env: dict[str, str] | None = None, *, secrets: bool = True) -> BotConfig:
    """Read, expand and validate a config file; raise ConfigError listing every problem.

    secrets=False (for `ask`, `validate`): a section holding an unset ${NAME} (discord, slack; digests with them)
    is left out instead of being a problem, so analysts need none of the bot's secrets.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (copy config.example.yaml to start)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys")
    unset: list[tuple[str | int, ...]] | None = None if secrets else []
    data, problems = expand_env(raw, dict(os.environ) if env is None else env, missing=unset)
    if unset:
        data, problems = _without_sections_needing(unset, data, problems)
    try:
        config = BotConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = field_path([p for p in err["loc"] if isinstance(p, str | int)])
            msg = "unknown key (check its spelling)" if err["type"] == "extra_forbidden" else err["msg"]
            if not loc and err["type"] == "value_error":  # whole-file checks name their keys themselves
                problems += str(err["ctx"]["error"]).split("; ")
            else:
                problems.append(f"{loc or '(top level)'}: {msg}")
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))
    REDACTOR.add(secrets_of(config))  # from now on no log line of this process shows them
    base = path.parent
    return config.model_copy(
        update={
            "briefs_dir": config.briefs_dir if config.briefs_dir.is_absolute() else base / config.briefs_dir,
            "state_path": config.state_path if config.state_path.is_absolute() else base / config.state_path,
        }
    )
