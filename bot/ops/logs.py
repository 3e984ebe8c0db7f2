"""Log lines as text or one JSON object each, with secrets and short-lived credentials redacted at any level.

The redaction is a filter on the root handlers, so it also covers the libraries' own DEBUG lines (discord.py logs
interaction tokens in URLs and gateway payloads; slack_sdk logs response_urls and webhook URLs).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Patterns for credentials briefbot cannot know in advance: per-interaction tokens and URLs that are secrets.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Discord: interaction tokens and webhook tokens travel in URL paths
    (re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?'\"]+"), rf"\1{REDACTED}"),
    # Slack: response_urls, webhook and workflow URLs carry their secret in the path (any host: proxies, fakes)
    (re.compile(r"(/(?:commands|actions|services|workflows|triggers)/)[^\s'\"?&<>]+"), rf"\1{REDACTED}"),
    # "token": "...", 'response_url': '...' and the like: quoted keys in JSON and Python reprs
    (
        re.compile(
            r"""(["'](?:token|response_url|webhook_url|webhook|bot_token|app_token|access_token|signing_secret"""
            r"""|authorization|Authorization)["']\s*:\s*["']?)(?!\[redacted\])[^"'\s,}&]+"""
        ),
        rf"\1{REDACTED}",
    ),
    # form-encoded bodies (Slack sends slash commands as application/x-www-form-urlencoded)
    (re.compile(r"((?:^|[?&\s])(?:token|response_url|trigger_id|webhook_url)=)[^&\s'\"]+"), rf"\1{REDACTED}"),
    # Slack tokens and Authorization headers wherever they appear
    (re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\b(Bot|Bearer) [A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    # the shape of a Discord bot token
    (re.compile(r"\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{20,}\b"), REDACTED),
)

# LogRecord attributes that are not context fields
_RECORD_KEYS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class Redactor(logging.Filter):
    """Rewrite every record so that no known secret or credential-shaped text reaches a handler."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Also redact these exact values (tokens, signing secrets, webhook URLs from the config)."""
        self.secrets |= {s for s in secrets if len(s) >= 8}  # shorter ones are test values, not secrets

    def redact(self, text: str) -> str:
        """Return text with every secret and credential-shaped part replaced by [redacted]."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message, the traceback and context fields of record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_KEYS and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context fields (from extra=) and exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Return record as one line of JSON."""
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_KEYS and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False, default=str)


class RoutineRetries(logging.Filter):
    """Turn a library's traceback on every reconnect attempt into one line naming the error."""

    PREFIXES = ("Attempting a reconnect", "Failed to connect for shard_id")  # discord.py, on every retry

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the traceback of routine retry records, keeping the exception's type and text."""
        if record.exc_info and record.exc_info[1] is not None and str(record.msg).startswith(self.PREFIXES):
            error = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__}: {error})", None
            record.exc_info, record.exc_text = None, None
        return True


RETRY_LOGGERS = ("discord.client", "discord.shard")
HANDLER_NAME = "briefbot"
REDACTOR = Redactor()  # one per process: the root handlers share it, so secrets added later apply everywhere


def configure_logging(level: str = "WARNING", fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to one stderr handler (text or JSON), through the redaction filter; return it.

    When someone else already configured the root logger (a test runner, an embedding program) and no stream is
    given, their handlers are kept as they are and only get the redaction filter, as logging.basicConfig would.
    """
    root = logging.getLogger()
    foreign = [h for h in root.handlers if h.get_name() != HANDLER_NAME]
    if stream is None and foreign:
        for other in foreign:
            if REDACTOR not in other.filters:
                other.addFilter(REDACTOR)
        return foreign[0]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(REDACTOR)
    handler.set_name(HANDLER_NAME)
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME:  # ours from an earlier call (e.g. before the config was read)
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in RETRY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RoutineRetries) for f in logger.filters):
            logger.addFilter(RoutineRetries())
    return handler


def secrets_of(model: BaseModel) -> list[str]:
    """Return every SecretStr value inside a config model (tokens, signing secrets, webhook URLs)."""
    from pydantic import BaseModel, SecretStr

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(model)
    return found
