"""Helpers: a fake Slack Web API on 127.0.0.1, the Slack surface serving real HTTP, signed requests."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from bot.adapters.slack_app.server import SlackSurface
from bot.config import BotConfig, SlackConfig
from bot.index.store import BriefStore
from bot.services import DigestRunner, Services

BRIEFS = Path(__file__).resolve().parents[3] / "briefs"
SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-bot-token-abcdef"
ADMIN = "UADMIN1"
USER = "UUSER01"
WAIT = 10.0  # seconds to wait for an expected post before failing (never reached when things work)


@dataclass
class FakeSlack:
    """A local stand-in for slack.com: Web API methods under /api/, response_urls under /response/."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    posts: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    api_calls: asyncio.Queue[tuple[str, dict[str, Any]]] = field(default_factory=asyncio.Queue)
    rate_limits: dict[str, list[int]] = field(default_factory=dict)  # method -> Retry-After of next 429s
    errors: dict[str, str] = field(default_factory=dict)  # method -> Slack error code it answers (ok: false)
    auth_failures: int = 0
    auth_headers: list[str] = field(default_factory=list)
    url: str = ""
    uploads: asyncio.Queue[tuple[str, bytes]] = field(default_factory=asyncio.Queue)  # file id, bytes
    sockets: asyncio.Queue[web.WebSocketResponse] = field(default_factory=asyncio.Queue)
    socket_frames: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    @property
    def api_url(self) -> str:
        """Return the Web API base URL clients use."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        """Return a response_url that posts into this fake."""
        return f"{self.url}/response/{name}"

    def slack_shaped_response_url(self, secret: str) -> str:
        """Return a response_url shaped like Slack's own (/commands/TEAM/ID/SECRET) that posts into this fake."""
        return f"{self.url}/commands/T0001/1234567890/{secret}"

    async def api(self, request: web.Request) -> web.Response:
        """Answer one Web API method call."""
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = dict(await request.json())
        else:
            params = dict(await request.post())
        params = {**request.query, **params}  # some methods (files.getUploadURLExternal) send query parameters
        self.auth_headers.append(request.headers.get("Authorization", ""))
        self.calls.append((method, params))
        await self.api_calls.put((method, params))
        waits = self.rate_limits.get(method)
        if waits:
            retry_after = waits.pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        if method == "auth.test":
            if self.auth_failures:
                self.auth_failures -= 1
                return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
            return web.json_response(
                {"ok": True, "user": "briefbot", "user_id": "UBOT", "team": "Test", "team_id": "T1", "bot_id": "B1"}
            )
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": self.url.replace("http://", "ws://") + "/ws"})
        if method == "chat.postMessage":
            return web.json_response({"ok": True, "channel": params.get("channel"), "ts": "1.000001"})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "D" + str(params.get("users", ""))[1:]}})
        if method == "files.getUploadURLExternal":  # files_upload_v2, step 1: where to send the bytes
            file_id = f"F{len(self.calls)}"
            return web.json_response({"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id})
        if method == "files.completeUploadExternal":  # step 3: share the uploaded file in a channel
            files = json.loads(str(params.get("files", "[]")))
            return web.json_response({"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]})
        return web.json_response({"ok": True})

    async def upload(self, request: web.Request) -> web.Response:
        """Receive the bytes of a file (files_upload_v2, step 2)."""
        await self.uploads.put((request.match_info["file_id"], await request.read()))
        return web.Response(text="OK")

    async def response(self, request: web.Request) -> web.Response:
        """Record a response_url post."""
        body = await request.json()
        body["_url"] = request.match_info.get("name", request.path)
        await self.posts.put(body)
        return web.Response(text="ok")

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Play Slack's Socket Mode endpoint: say hello, then queue every frame the app sends."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        await self.sockets.put(ws)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await self.socket_frames.put(json.loads(msg.data))
        return ws

    async def next_post(self) -> dict[str, Any]:
        """Return the next response_url post (waiting for it)."""
        return await asyncio.wait_for(self.posts.get(), WAIT)

    async def start(self) -> web.AppRunner:
        """Serve the fake on an ephemeral port of 127.0.0.1; return the runner to clean up."""
        app = web.Application()
        app.router.add_post("/api/{method}", self.api)
        app.router.add_post("/response/{name}", self.response)
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_post("/commands/{tail:.*}", self.response)
        app.router.add_get("/ws", self.socket)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return runner

    async def next_call(self, method: str) -> dict[str, Any]:
        """Return the params of the next call of a Web API method (waiting for it)."""
        while True:
            name, params = await asyncio.wait_for(self.api_calls.get(), WAIT)
            if name == method:
                return params


def make_services(briefs: Path, api_url: str, digests: DigestRunner | None = None, **slack: Any) -> Services:
    """Return Services for a briefs folder and a Slack config pointing at api_url."""
    settings: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SECRET,
        "host": "127.0.0.1",
        "port": 0,
        "api_base_url": api_url,
        "admin_user_ids": (ADMIN,),
    }
    settings.update(slack)
    config = BotConfig(briefs_dir=briefs, slack=SlackConfig(**settings))
    return Services(config=config, store=BriefStore(briefs), digests=digests)


class Waits:
    """An injected sleep that records what it was asked to wait, without waiting."""

    def __init__(self, hold_from: float | None = None) -> None:
        self.asked: list[float] = []
        self.hold_from = hold_from  # waits this long or longer block until cancelled
        self.holding = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        if self.hold_from is not None and seconds >= self.hold_from:
            self.holding.set()
            await asyncio.Event().wait()
        await asyncio.sleep(0)


@dataclass
class Running:
    """A started Slack surface and an HTTP session to talk to it."""

    surface: SlackSurface
    services: Services
    session: aiohttp.ClientSession
    fake: FakeSlack
    waits: Waits

    @property
    def url(self) -> str:
        """Return the events URL of the running surface."""
        return f"http://127.0.0.1:{self.surface.port}/slack/events"

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        """POST a raw body; return status and text."""
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def command(self, command: str, text: str, user: str = USER, response: str = "r1") -> tuple[int, str]:
        """Send a slash command exactly as Slack does, signed."""
        body = slash_body(command, text, user, self.fake.response_url(response))
        return await self.post(body, signed_headers(body))

    async def click(self, action: dict[str, Any], user: str = USER, response: str = "r2") -> tuple[int, str]:
        """Send a block_actions payload as Slack does when a button or select is used."""
        body = action_body(action, user, self.fake.response_url(response))
        return await self.post(body, signed_headers(body))


_TRIGGERS = itertools.count(1)


def slash_body(command: str, text: str, user: str, response_url: str) -> str:
    """Return the form-encoded body Slack sends for a slash command."""
    fields = {
        "token": "verification-token-unused",
        "team_id": "T1",
        "team_domain": "test",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user,
        "user_name": "analyst",
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"1.2.abc{next(_TRIGGERS)}",  # unique per request, as Slack's are
    }
    return urllib.parse.urlencode(fields)


def action_body(action: dict[str, Any], user: str, response_url: str) -> str:
    """Return the form-encoded `payload=` body Slack sends for block_actions."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "analyst", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "verification-token-unused",
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": True},
        "trigger_id": f"1.2.def{next(_TRIGGERS)}",
        "team": {"id": "T1", "domain": "test"},
        "channel": {"id": "C1", "name": "general"},
        "response_url": response_url,
        "actions": [{**action, "action_ts": "1.3"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Return the headers Slack adds: timestamp and v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """Return the element with action_id from a message's actions blocks, as Slack echoes it back."""
    for block in message["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                if element["action_id"] == action_id:
                    return {**element, "block_id": block.get("block_id", "b")}
    raise AssertionError(f"no {action_id} in message")


def all_text(message: dict[str, Any]) -> str:
    """Return every text string of a message joined, for content assertions."""
    out: list[str] = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks", []))
    return "\n".join(out)


def write_brief(folder: Path, data: dict[str, Any]) -> None:
    """Write one synthetic brief YAML named after its id."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


async def start_surface(services: Services, fake: FakeSlack, waits: Waits | None = None) -> AsyncIterator[Running]:
    """Start a surface with a recording sleep and yield it with a client session; close both."""
    waits = waits or Waits()
    surface = SlackSurface(services, sleep=waits)
    await surface.start()
    session = aiohttp.ClientSession()
    try:
        yield Running(surface, services, session, fake, waits)
    finally:
        await session.close()
        await surface.close()


def view_submission_body(view: dict[str, Any], values: dict[str, str], user: str = USER) -> str:
    """Return the form-encoded body Slack sends when a modal (as the app opened it) is submitted with values."""
    state = {block: {block: {"type": "plain_text_input", "value": value}} for block, value in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": user, "username": "analyst", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "verification-token-unused",
        "trigger_id": "1.2.ghi",
        "view": {**view, "id": "V1", "team_id": "T1", "state": {"values": state}, "hash": "1.abc"},
        "response_urls": [],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
