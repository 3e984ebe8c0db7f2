"""Log lines: one JSON object per event, and no secret or short-lived credential at any level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.ops.logs import REDACTED, REDACTOR, JsonFormatter, Redactor, configure_logging


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Configure JSON logging at DEBUG into a buffer; restore the root logger afterwards."""
    root = logging.getLogger()
    level, secrets = root.level, set(REDACTOR.secrets)
    stream = io.StringIO()
    handler = configure_logging("DEBUG", "json", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    REDACTOR.secrets = secrets


LEAKS = [
    # discord.py http DEBUG: interaction callback and follow-up URLs carry the interaction token
    ("POST https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb246MTIz/callback with {} has returned 204",
     "aW50ZXJhY3Rpb246MTIz"),
    ("PATCH https://discord.com/api/v10/webhooks/900/itok-abcdef123/messages/@original has returned 200",
     "itok-abcdef123"),
    # discord.py gateway DEBUG: the raw INTERACTION_CREATE payload
    ("For Shard ID None: WebSocket Event: {'t': 'INTERACTION_CREATE', 'd': {'token': 'tok-xyz-123', 'id': '5'}}",
     "tok-xyz-123"),
    # slack_sdk DEBUG: response_url and incoming webhook URLs
    ("Sending a request - url: https://hooks.slack.com/commands/T01/123/r3sp0ns3, body: {}", "r3sp0ns3"),
    ("Sending a request - url: https://hooks.slack.com/services/T01/B02/w3bh00k, body: {}", "w3bh00k"),
    ('{"response_url": "http://127.0.0.1:1/response/abc-secret", "text": "hi"}', "abc-secret"),
    ("token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2Fz9",
     "gIkuvaNzQIHg97ATvDxqgjtO"),
    ("headers: {'Authorization': 'Bearer xoxb-1-2-abc'}", "xoxb-1-2-abc"),
    ("Authorization: Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz1234", "GaBcDe.abcdefghij"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "secret"), LEAKS)
def test_credentials_are_redacted(line: str, secret: str) -> None:
    """Short-lived credentials and secret URLs in library DEBUG lines are replaced by [redacted]."""
    redacted = Redactor().redact(line)
    assert secret not in redacted
    assert REDACTED in redacted


def test_known_secrets_are_redacted_exactly() -> None:
    """A value registered from the config is redacted wherever it appears, whatever its shape."""
    redactor = Redactor(["plain-looking-secret", "short"])
    assert redactor.redact("a plain-looking-secret b") == f"a {REDACTED} b"
    assert redactor.redact("a short word") == "a short word"  # under 8 characters: never a real secret


@pytest.mark.parametrize(
    "line",
    [
        "POST https://slack.com/api/chat.postMessage: 200; loaded 12 brief(s)",
        "discord: Discord rejected the bot token: check discord.token (e.g. DISCORD_TOKEN or DISCORD_TOKEN_FILE)",
        "slack: Slack refused auth.test: invalid_auth; retrying in 2 s",
    ],
)
def test_ordinary_text_is_left_alone(line: str) -> None:
    """Log lines without credentials are unchanged (API method URLs and briefbot's own advice stay readable)."""
    assert Redactor().redact(line) == line


def test_library_debug_lines_are_redacted_through_the_root_handler(captured: io.StringIO) -> None:
    """A library logger's DEBUG line with a token passes the root handler's filter: one JSON line, no token."""
    logging.getLogger("discord.http").debug("POST %s with %s", "https://x/interactions/1/SECRETTOKEN/callback", {})
    (line,) = captured.getvalue().splitlines()
    record = json.loads(line)
    assert record["logger"] == "discord.http" and record["level"] == "DEBUG"
    assert "SECRETTOKEN" not in line


def test_json_line_has_context_fields(captured: io.StringIO) -> None:
    """extra= fields appear as keys of the JSON object, beside logger, level and message."""
    logging.getLogger("bot.test").info("question answered", extra={"platform": "slack", "command": "who"})
    record = json.loads(captured.getvalue())
    assert record["message"] == "question answered"
    assert (record["platform"], record["command"], record["logger"]) == ("slack", "who", "bot.test")


def test_a_traceback_stays_in_one_json_line(captured: io.StringIO) -> None:
    """An exception with a multi-line traceback is still one line of JSON, its secrets redacted."""
    REDACTOR.add(["s3cret-in-exception"])
    try:
        raise RuntimeError("failed with s3cret-in-exception")
    except RuntimeError:
        logging.getLogger("bot.test").exception("boom")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert "RuntimeError" in record["exception"] and "s3cret" not in lines[0]


def test_reconnect_tracebacks_become_one_line(captured: io.StringIO) -> None:
    """discord.py's traceback on every reconnect attempt is logged as one line naming the error."""
    try:
        raise ConnectionRefusedError(111, "Connect call failed")
    except OSError:
        logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 2.0)
    record = json.loads(captured.getvalue())
    assert record["message"].startswith("Attempting a reconnect in 2.00s (ConnectionRefusedError")
    assert "exception" not in record


def test_json_formatter_of_a_plain_record() -> None:
    """The formatter writes time, level, logger and message."""
    record = logging.LogRecord("bot.x", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "hello world" and out["level"] == "WARNING" and out["time"].endswith("+00:00")


def test_an_existing_logging_setup_is_kept_and_redacted() -> None:
    """With the root logger already configured (pytest's handlers here), briefbot adds no handler of its own
    and only puts its redaction filter on the existing ones, as logging.basicConfig would leave them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    assert handlers  # pytest's capture handlers
    configure_logging("DEBUG")
    assert root.handlers == handlers and root.level == level
    assert all(REDACTOR in h.filters for h in handlers)
    for handler in handlers:
        handler.removeFilter(REDACTOR)
