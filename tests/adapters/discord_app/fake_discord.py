"""A local fake Discord (REST + gateway) on 127.0.0.1 that the real discord.py client connects to."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = APP_ID
GUILD_ID = 900000000000000100
CHANNEL_ID = 900000000000000200
USER_ID = 900000000000000300
ADMIN_ROLE_ID = 900000000000000400
DISCORD_EPOCH = 1420070400000

_counter = itertools.count(1)


def snowflake(age: float = 0.0) -> int:
    """Return a fresh snowflake of the current time less age seconds (discord.py derives interaction age from it)."""
    return ((int((time.time() - age) * 1000) - DISCORD_EPOCH) << 22) | (next(_counter) % 4096)


def user(user_id: int = USER_ID, name: str = "asker", *, bot: bool = False) -> dict[str, Any]:
    """Return a user payload."""
    return {"id": str(user_id), "username": name, "discriminator": "0", "avatar": None, "global_name": name, "bot": bot}


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response with exactly the content type discord.py checks for."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    at: float = field(default_factory=time.perf_counter)  # when the fake received it
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # multipart part name -> (filename, bytes)


@dataclass
class FakeDiscord:
    """The fake: records every REST call, speaks the gateway, dispatches interactions."""

    heartbeat_interval_ms: int = 41250
    calls: list[Call] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    rate_limit: dict[str, int] = field(default_factory=dict)  # path suffix -> how many 429s to answer first
    heartbeats: int = 0
    resumes: int = 0
    identify_payloads: list[dict[str, Any]] = field(default_factory=list)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    new_call: asyncio.Condition = field(default_factory=asyncio.Condition)
    gateway_changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _seq: int = 0
    _runner: web.AppRunner | None = None
    port: int = 0
    commands: list[dict[str, Any]] = field(default_factory=list)
    _original: dict[str, int] = field(default_factory=dict)  # interaction token -> its original response message
    token: str | None = None  # when set, REST calls with another bot token get 401 (a rejected token)

    @property
    def base(self) -> str:
        """Return the REST base URL."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        """Return the gateway URL."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Serve on an ephemeral port."""
        app = web.Application()
        app.router.add_get("/gateway", self._ws)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Close sockets and the server."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # ----- REST --------------------------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self.new_call:
            self.calls.append(call)
            self.new_call.notify_all()

    async def wait_for(self, predicate: Any, within: float = 10.0) -> Call:
        """Wait until a recorded call satisfies predicate; return it."""

        def found() -> Call | None:
            return next((c for c in self.calls if predicate(c)), None)

        async with asyncio.timeout(within), self.new_call:
            await self.new_call.wait_for(lambda: found() is not None)
        result = found()
        assert result is not None
        return result

    async def wait_until(self, predicate: Any, within: float = 10.0) -> None:
        """Wait until predicate() holds, re-checking after each gateway frame the client sends."""
        async with asyncio.timeout(within), self.gateway_changed:
            await self.gateway_changed.wait_for(predicate)

    def _message(self, body: dict[str, Any], *, flags: int = 0, message_id: int | None = None) -> dict[str, Any]:
        mid = message_id or snowflake()
        old = self.messages.get(mid, {})
        msg = {
            "id": str(mid),
            "channel_id": str(CHANNEL_ID),
            "type": 0,
            "author": user(BOT_ID, "briefbot", bot=True),
            "content": body.get("content", old.get("content", "")) or "",
            "embeds": body.get("embeds", old.get("embeds", [])) or [],
            "components": body.get("components", old.get("components", [])) or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": "2025-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "flags": body.get("flags", old.get("flags", flags)) or 0,
        }
        self.messages[mid] = msg
        return msg

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):  # a message with attachments: payload_json + files[n]
            body = None
            form = await request.post()
            for name, value in form.items():
                if name == "payload_json":
                    body = json.loads(str(value))
                elif isinstance(value, web.FileField):
                    files[name] = (value.filename, value.file.read())
        else:
            body = await request.json() if request.can_read_body else None
        for suffix, left in list(self.rate_limit.items()):
            if left > 0 and path.endswith(suffix):
                self.rate_limit[suffix] = left - 1
                await self._record(Call(request.method, path, dict(request.query), body, 429))
                return _json(
                    {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
                    status=429,
                    headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
                )
        auth = request.headers.get("Authorization")
        if self.token is not None and auth is not None and auth != f"Bot {self.token}":
            await self._record(Call(request.method, path, dict(request.query), body, 401, files=files))
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        await self._record(Call(request.method, path, dict(request.query), body, files=files))
        return _json(self._answer(request.method, path, body or {}))

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/users/@me":
            return user(BOT_ID, "briefbot", bot=True)
        if path == "/oauth2/applications/@me":
            return {
                "id": str(APP_ID),
                "name": "briefbot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user(USER_ID),
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
            }
        if method == "PUT" and path.endswith("/commands"):
            self.commands = [{**c, "id": str(snowflake()), "application_id": str(APP_ID), "version": "1"} for c in body]
            return self.commands
        if path.endswith("/callback"):
            return self._callback(path, body)
        if path.startswith("/webhooks/") and method in {"PATCH", "POST", "GET"}:
            parts = path.split("/")
            if path.endswith("/messages/@original"):
                token = parts[3]
                return self._message(body if method != "GET" else {}, message_id=self._original.get(token))
            if "/messages/" in path:
                return self._message(body if method != "GET" else {}, message_id=int(parts[-1]))
            return self._message(body)
        if path == "/users/@me/channels":
            return {
                "id": str(snowflake()),
                "type": 1,
                "recipients": [user(body["recipient_id"])],
                "last_message_id": None,
            }
        if path.startswith("/channels/") and path.endswith("/messages") and method == "POST":
            return self._message(body)
        if path.startswith("/channels/") and path.count("/") == 2 and method == "GET":  # fetch_channel
            return {"id": path.split("/")[2], "type": 0, "guild_id": str(GUILD_ID), "name": "reports", "position": 1}
        if path.startswith("/users/"):
            return user(int(path.split("/")[2]), "admin")
        return {}

    def _callback(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        interaction_id, token = path.split("/")[2:4]
        kind = body.get("type")
        data = body.get("data") or {}
        out: dict[str, Any] = {"interaction": {"id": interaction_id, "type": 2}}
        if kind in (4, 5):
            msg = self._message(data)
            self._original[token] = int(msg["id"])
            out["interaction"].update(
                response_message_id=msg["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool((data.get("flags") or 0) & 64),
            )
            out["resource"] = {"type": kind, "message": msg}
        elif kind == 7:
            mid = self._original.get(token)
            msg = self._message(data, message_id=mid)
            out["resource"] = {"type": kind, "message": msg}
        return out

    # ----- gateway -----------------------------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                async with self.gateway_changed:
                    self.gateway_changed.notify_all()
                if data["op"] == 1:
                    self.heartbeats += 1
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif data["op"] == 2:
                    self.identify_payloads.append(data["d"])
                    shard = data["d"].get("shard", [0, 1])
                    await self._send(ws, "READY", self._ready(shard))
                    await self._send(ws, "GUILD_CREATE", self._guild())
                    self.identified.set()
                elif data["op"] == 6:
                    self.resumes += 1
                    await self._send(ws, "RESUMED", {})
        finally:
            self._sockets.remove(ws)
        return ws

    def _ready(self, shard: list[int]) -> dict[str, Any]:
        return {
            "v": 10,
            "user": user(BOT_ID, "briefbot", bot=True),
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway,
            "shard": shard,
            "application": {"id": str(APP_ID), "flags": 0},
        }

    def _guild(self) -> dict[str, Any]:
        role = {
            "id": str(ADMIN_ROLE_ID),
            "name": "briefbot-admin",
            "color": 0,
            "hoist": False,
            "position": 1,
            "permissions": "0",
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        everyone = {**role, "id": str(GUILD_ID), "name": "@everyone", "position": 0}
        return {
            "id": str(GUILD_ID),
            "name": "Test guild",
            "icon": None,
            "owner_id": str(USER_ID),
            "roles": [everyone, role],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "members": [],
            "channels": [],
            "threads": [],
            "unavailable": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "large": False,
            "joined_at": "2025-01-01T00:00:00+00:00",
        }

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a dispatch event to every connected gateway socket."""
        for ws in list(self._sockets):
            await self._send(ws, event, data)

    # ----- interactions ------------------------------------------------------------------------------------

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int = USER_ID,
        roles: tuple[int, ...] = (),
        permissions: int = 0,
        message: dict[str, Any] | None = None,
        age: float = 0.0,
    ) -> dict[str, Any]:
        """Return an INTERACTION_CREATE payload in the test guild's channel, created age seconds ago."""
        iid = snowflake(age)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"tok{iid}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "general", "position": 0},
            "member": {
                "user": user(user_id),
                "roles": [str(r) for r in roles],
                "joined_at": "2025-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
            },
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": "0",
            "attachment_size_limit": 8388608,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
            self._original[payload["token"]] = int(message["id"])  # an update (type 7) edits this message
        return payload
