"""The Slack surface of `briefbot run`: signed HTTP requests served with aiohttp, or Socket Mode."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app.app import Sleep, build_client, create_app, slack_config
from bot.adapters.slack_app.render import notice
from bot.errors import ConfigError, shown
from bot.services import Services

log = logging.getLogger(__name__)


class _OneLine(logging.Filter):
    """Reduce every record of the HTTP server to one short line: no traceback, none of the sender's bytes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; keep it."""
        exc = record.exc_info[1] if record.exc_info else None
        lines = record.getMessage().splitlines()
        text = shown(lines[0][:200]) if lines else ""
        if exc is not None:
            text += f": {type(exc).__name__}"
        record.msg, record.args, record.exc_info, record.exc_text = f"slack http: {text}", (), None, None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


# aiohttp's own messages about requests it cannot parse (a false Content-Length, garbage) quote the sender's bytes
wire_log = logging.getLogger(__name__ + ".wire")
wire_log.addFilter(_OneLine())

EVENTS_PATH = "/slack/events"
MAX_BODY = 64 * 1024  # slash commands and button payloads are a few KiB; anything bigger is refused
MAX_SKEW = 5 * 60  # seconds a request timestamp may be off before it counts as a replay
MAX_BACKOFF = 300.0


def backoff(attempt: int) -> float:
    """Return the wait before connection attempt `attempt` + 1: 2, 4, 8 … up to five minutes."""
    return float(min(MAX_BACKOFF, 2 ** (attempt + 1)))


class RequestGate:
    """Checks size and Slack signature of a raw request before bolt sees it; logs refusals without bodies."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._clock = clock
        self._seen: dict[str, float] = {}  # signatures and body digests of requests run, -> when they expire

    def repeated(self, body: str, signature: str) -> bool:
        """Return whether this verified request (same signature, or same body: a Slack retry) was already run.

        Within the timestamp window a captured request could be replayed, and Slack retries (X-Slack-Retry-Num)
        resend the same body: either is acknowledged but not run twice. Each body carries a unique trigger_id or
        event_id, so two genuine requests never share one.
        """
        now = self._clock()
        if len(self._seen) > 1024:  # only verified requests get here, so this grows with real traffic only
            self._seen = {k: t for k, t in self._seen.items() if t >= now}
        keys = (signature, "body:" + hashlib.sha256(body.encode()).hexdigest())
        if any(self._seen.get(k, 0.0) >= now for k in keys):
            return True
        for key in keys:
            self._seen[key] = now + 2 * MAX_SKEW
        return False

    def refusal(self, body: str, timestamp: str | None, signature: str | None) -> str | None:
        """Return why a request must be refused, or None when it is genuinely from Slack."""
        if not timestamp or not signature:
            return "missing signature headers"
        try:
            stamp = int(timestamp)
        except ValueError:
            return "malformed timestamp"
        if abs(self._clock() - stamp) > MAX_SKEW:
            return "stale timestamp"
        if not self._verifier.is_valid(body, timestamp, signature):
            return "wrong signature"
        return None


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """Return the request body, or None as soon as it grows past limit bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


# auth.test errors that no retry can fix: the token itself is wrong, revoked or belongs to a closed account
TOKEN_REJECTED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})


def body_problem(content_type: str, body: str) -> str | None:
    """Return why a signed body cannot be what Slack sends with this content type, or None when it can."""
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return "content type is JSON but the body is not"
        return None if isinstance(data, dict) else "JSON body is not an object"
    if content_type == "application/x-www-form-urlencoded":
        return None
    return "unexpected content type"


class SlackSurface:
    """The Slack app inside `briefbot run`: HTTP on slack.host:port at /slack/events, or Socket Mode."""

    label = "slack"

    def __init__(
        self,
        services: Services,
        *,
        client: AsyncWebClient | None = None,
        sleep: Sleep = asyncio.sleep,
        retry_wait: Callable[[int], float] = backoff,
    ) -> None:
        self.services = services
        self.config = slack_config(services)
        self.client = client or build_client(self.config, sleep=sleep)
        self.app = create_app(services, client=self.client, sleep=sleep)
        self.gate = RequestGate(self.config.signing_secret.get_secret_value())
        self.connected = asyncio.Event()
        self.port: int | None = None
        self._sleep = sleep
        self._retry_wait = retry_wait
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._connector: asyncio.Task[None] | None = None
        self._problem = "connecting to the Slack API"

    def not_ready(self) -> str | None:
        """Return None once authenticated with Slack (and Socket Mode connected), else why not."""
        return None if self.connected.is_set() else self._problem

    def web_app(self) -> web.Application:
        """Return the aiohttp application serving POST /slack/events."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(EVENTS_PATH, self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Refuse oversized, unsigned or malformed requests (4xx, one log line, no body); dispatch the verified one."""
        try:
            return await self._handle(request)
        except (web.HTTPException, asyncio.CancelledError):
            raise
        except Exception as exc:  # whatever a hostile sender manages: a 400 and one line, never a traceback
            log.warning("slack: refused a malformed request from %s: %s", request.remote, type(exc).__name__)
            return web.json_response({"error": "bad request"}, status=400)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await read_limited(request, MAX_BODY)
        if raw is None:
            log.warning("slack: refused a request from %s: body larger than %d bytes", request.remote, MAX_BODY)
            return web.json_response({"error": "request too large"}, status=413)
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("slack: refused a request from %s: body is not UTF-8", request.remote)
            return web.json_response({"error": "bad request"}, status=400)
        why = self.gate.refusal(
            body, request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
        )
        if why:
            log.warning("slack: refused a request from %s: %s", request.remote, why)
            return web.json_response({"error": "invalid request"}, status=401)
        malformed = body_problem(request.content_type, body)
        if malformed:
            log.warning("slack: refused a request from %s: %s", request.remote, malformed)
            return web.json_response({"error": "bad request"}, status=400)
        if self.gate.repeated(body, request.headers["X-Slack-Signature"]):
            retry = request.headers.get("X-Slack-Retry-Num")
            what = f"Slack retry {retry}" if retry else "replayed request"
            log.info("slack: acknowledged a %s from %s without running it again", what, request.remote)
            return web.Response(status=200)
        bolt_request = AsyncBoltRequest(
            body=body, query=request.query_string, headers={k: v for k, v in request.headers.items()}
        )
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        """Start serving (HTTP or Socket Mode) and check the Slack API in the background, retrying."""
        self.services.admin_alerts.append(self.alert_admins)
        if self.config.app_token is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.config.app_token.get_secret_value())
            log.info("slack: Socket Mode; connecting in the background")
        else:
            runner = web.AppRunner(self.web_app(), access_log=None, logger=wire_log)
            await runner.setup()
            site = web.TCPSite(runner, self.config.host, self.config.port)
            try:
                await site.start()
            except OSError as exc:
                await runner.cleanup()
                raise ConfigError(
                    f"slack: cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
                ) from None
            self._runner = runner
            address = runner.addresses[0]
            self.port = int(address[1])
            log.info("slack: listening on http://%s:%d%s", self.config.host, self.port, EVENTS_PATH)
        self._connector = asyncio.create_task(self._connect(), name="slack-connect")

    async def _connect(self) -> None:
        base = self.client.base_url
        attempt = 0
        while True:
            try:
                result = await self.client.auth_test()
                log.info("slack: authenticated as %s in team %s", result.get("user"), result.get("team"))
                if self._socket is not None:
                    await self._socket.connect_async()
                    log.info("slack: Socket Mode connected")
                self.connected.set()
                return
            except SlackApiError as exc:
                error = str(exc.response.get("error", "unknown error"))
                if error in TOKEN_REJECTED:
                    await self._rejected(error)
                    return
                reason = f"Slack refused auth.test: {error}"
            except Exception as exc:
                reason = f"cannot reach the Slack API at {base} ({type(exc).__name__})"
            wait = self._retry_wait(attempt)
            self._problem = reason
            log.error("slack: %s; retrying in %.0f s", reason, wait)
            attempt += 1
            await self._sleep(wait)

    async def _rejected(self, error: str) -> None:
        where = "slack.bot_token (e.g. SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE)"
        reason = f"Slack rejected the bot token ({error}): check {where}"
        self._problem = "token rejected (slack.bot_token)"
        log.error("slack: %s; Slack stays off until briefbot is restarted", reason)
        if self.alert_admins in self.services.admin_alerts:
            self.services.admin_alerts.remove(self.alert_admins)
        if self._runner is not None:  # requests would be answered, but nothing could be posted with this token
            await self._runner.cleanup()
            self._runner = None
        self.services.give_up(self.label, reason)

    async def alert_admins(self, text: str) -> None:
        """DM every configured admin the alert text with chat.postMessage; failures are logged."""
        message = notice("briefbot alert", text)
        for user_id in self.config.admin_user_ids:
            try:
                await self.client.chat_postMessage(channel=user_id, text=message["text"], blocks=message["blocks"])
            except SlackApiError as exc:
                log.warning("slack: could not alert admin %s: %s", user_id, exc.response.get("error"))
            except Exception as exc:
                log.warning("slack: could not alert admin %s: %s", user_id, type(exc).__name__)

    async def close(self) -> None:
        """Stop serving, stop retrying and close the Socket Mode connection."""
        if self.alert_admins in self.services.admin_alerts:
            self.services.admin_alerts.remove(self.alert_admins)
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
            self._connector = None
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
