"""A local aiohttp server standing in for a Discord webhook, the Discord REST API, the Slack Web API and a Slack
incoming webhook, recording what it receives and failing on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from tests.conftest import minimal_brief

DISCORD_TOKEN = "discord-test-token"
SLACK_TOKEN = "xoxb-slack-test-token"
WEBHOOK_CHANNEL = "900"
KNOWN_CHANNELS = {"111", "222", WEBHOOK_CHANNEL}
KNOWN_SLACK = {"C111", "C222"}


@dataclass
class Failure:
    """One canned failure answer for a route."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class FakePlatforms:
    """Discord + Slack stand-ins on 127.0.0.1 (ephemeral port)."""

    def __init__(self) -> None:
        self.ids = itertools.count(1_300_000_000_000_000_000)
        self.discord: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel id -> messages
        self.webhook_posts: list[dict[str, Any]] = []
        self.slack: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.slack_hook_posts: list[dict[str, Any]] = []
        self.fail: dict[str, list[Failure]] = defaultdict(list)  # route name -> failures to serve first
        # route name -> failures to answer *after* accepting the post (None: accept, then never answer)
        self.accept_then: dict[str, list[Failure | None]] = defaultdict(list)
        self.released = asyncio.Event()  # set on close: ends the answers held back by accept_then None
        self.gone_webhooks: set[str] = set()
        self.requests: list[str] = []
        self.nonces: dict[str, dict[str, Any]] = {}
        self.runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> FakePlatforms:
        """Start serving on an ephemeral port."""
        app = web.Application()
        app.router.add_post("/api/webhooks/{wid}/{token}", self.webhook_post)
        app.router.add_get("/api/webhooks/{wid}/{token}", self.webhook_get)
        app.router.add_post("/api/v10/channels/{cid}/messages", self.channel_post)
        app.router.add_get("/api/v10/channels/{cid}/messages", self.channel_get)
        app.router.add_post("/slack/api/chat.postMessage", self.slack_post)
        app.router.add_post("/slack/api/conversations.history", self.slack_history)
        app.router.add_post("/slack/hook/{hid}", self.slack_hook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        """Stop serving."""
        self.released.set()
        if self.runner:
            await self.runner.cleanup()

    # urls
    def webhook_url(self, wid: str = "1") -> str:
        """Return a Discord webhook URL."""
        return f"{self.base}/api/webhooks/{wid}/secret-webhook-token-{wid}"

    def slack_hook_url(self, hid: str = "T1") -> str:
        """Return a Slack incoming webhook URL."""
        return f"{self.base}/slack/hook/{hid}"

    def _failure(self, route: str) -> web.Response | None:
        if self.fail[route]:
            f = self.fail[route].pop(0)
            body = json.dumps(f.body if f.body is not None else {"message": "fake failure"})
            return web.Response(status=f.status, text=body, headers=f.headers, content_type="application/json")
        return None

    async def _after_accept(self, route: str) -> web.Response | None:
        """Answer an accepted post with a canned failure, or hold the answer back until close, if asked to."""
        if not self.accept_then[route]:
            return None
        f = self.accept_then[route].pop(0)
        if f is None:
            await self.released.wait()
            return web.Response(status=504)
        body = json.dumps(f.body if f.body is not None else {"message": "fake failure"})
        return web.Response(status=f.status, text=body, headers=f.headers, content_type="application/json")

    def _discord_message(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        message = {"id": str(next(self.ids)), "channel_id": channel, **payload}
        self.discord[channel].append(message)
        return message

    # discord webhook
    async def webhook_post(self, request: web.Request) -> web.Response:
        """Execute webhook."""
        self.requests.append("webhook_post")
        if request.match_info["wid"] in self.gone_webhooks:
            return web.json_response({"message": "Unknown Webhook", "code": 10015}, status=404)
        failed = self._failure("webhook_post")
        if failed:
            return failed
        payload = await request.json()
        self.webhook_posts.append(payload)
        message = self._discord_message(WEBHOOK_CHANNEL, payload)
        after = await self._after_accept("webhook_post")
        if after:
            return after
        if request.query.get("wait") == "true":
            return web.json_response(message)
        return web.Response(status=204)

    async def webhook_get(self, request: web.Request) -> web.Response:
        """Get webhook with token."""
        if request.match_info["wid"] in self.gone_webhooks:
            return web.json_response({"message": "Unknown Webhook"}, status=404)
        return web.json_response({"id": request.match_info["wid"], "channel_id": WEBHOOK_CHANNEL})

    # discord REST
    def _bot_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {DISCORD_TOKEN}"

    async def channel_post(self, request: web.Request) -> web.Response:
        """Create message, honouring nonce + enforce_nonce."""
        self.requests.append("channel_post")
        if not self._bot_ok(request):
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        cid = request.match_info["cid"]
        if cid not in KNOWN_CHANNELS:
            return web.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        failed = self._failure("channel_post")
        if failed:
            return failed
        payload = await request.json()
        nonce = payload.pop("nonce", None)
        enforce = payload.pop("enforce_nonce", False)
        if nonce and enforce and nonce in self.nonces:
            return web.json_response(self.nonces[nonce])
        message = self._discord_message(cid, payload)
        if nonce:
            self.nonces[nonce] = message
        after = await self._after_accept("channel_post")
        if after:
            return after
        return web.json_response({**message, "nonce": nonce})

    async def channel_get(self, request: web.Request) -> web.Response:
        """Get channel messages (newest first), after a snowflake."""
        if not self._bot_ok(request):
            return web.json_response({"message": "401: Unauthorized"}, status=401)
        cid = request.match_info["cid"]
        if cid not in KNOWN_CHANNELS:
            return web.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = int(request.query.get("limit", "50"))
        return web.json_response(list(reversed(self.discord[cid]))[:limit])

    # slack
    def _slack_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {SLACK_TOKEN}"

    async def slack_post(self, request: web.Request) -> web.Response:
        """chat.postMessage."""
        self.requests.append("slack_post")
        failed = self._failure("slack_post")
        if failed:
            return failed
        if not self._slack_ok(request):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        payload = await request.json()
        channel = payload["channel"]
        if channel not in KNOWN_SLACK:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        ts = f"{1_700_000_000 + len(self.slack[channel])}.{next(self.ids) % 1_000_000:06d}"
        self.slack[channel].append({"ts": ts, **payload})
        after = await self._after_accept("slack_post")
        if after:
            return after
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    async def slack_history(self, request: web.Request) -> web.Response:
        """conversations.history (form-encoded), with metadata when asked."""
        if not self._slack_ok(request):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        form = await request.post()
        channel = str(form["channel"])
        messages = list(reversed(self.slack[channel]))
        if form.get("include_all_metadata") != "true":
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        return web.json_response({"ok": True, "messages": messages, "has_more": False})

    async def slack_hook(self, request: web.Request) -> web.Response:
        """Incoming webhook."""
        self.requests.append("slack_hook")
        if request.match_info["hid"] == "gone":
            return web.Response(status=404, text="no_service")
        failed = self._failure("slack_hook")
        if failed:
            return failed
        self.slack_hook_posts.append(await request.json())
        after = await self._after_accept("slack_hook")
        if after:
            return after
        return web.Response(text="ok")


def write_briefs(folder: Path, count: int, *, start: int = 0, long: bool = True) -> list[str]:
    """Write `count` published briefs with distinct dates (and long positions, so digests split); return ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(start, start + count):
        bid = f"brief-{i:03d}"
        text = f"Position {i} on regional connectivity and trade corridors. " * (5 if long else 1)
        data = minimal_brief(
            bid,
            title=f"Dialogue number {i}",
            date=f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}",
            positions=[{"by": ["Omid Karimi"], "topic": f"Topic {i}-{j}", "summary": text.strip()} for j in range(3)],
            sources=[{"url": f"https://example.org/report/{i}", "publisher": "Example Wire"}],
        )
        (folder / f"{bid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        ids.append(bid)
    return ids


def write_config(path: Path, fake: FakePlatforms, targets: list[dict[str, Any]], **digest: Any) -> Path:
    """Write a config with Discord and Slack pointed at the fake and one digest 'weekly' to `targets`."""
    data = {
        "briefs_dir": "briefs",
        "state_path": "state/state.db",
        "settle_seconds": 0,  # the tests write briefs and run digests at once
        "discord": {"token": DISCORD_TOKEN, "api_base_url": f"{fake.base}/api/v10"},
        "slack": {"bot_token": SLACK_TOKEN, "signing_secret": "s", "api_base_url": f"{fake.base}/slack/api/"},
        "digests": [
            {
                "name": "weekly",
                "schedule": "0 9 * * mon",
                "timezone": "Asia/Karachi",
                "targets": targets,
                **digest,
            }
        ],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
