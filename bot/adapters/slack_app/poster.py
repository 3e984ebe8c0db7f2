"""Digests on Slack: Web API or webhook posting of the digest payloads (see digest.py) behind the Poster protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack_app.digest import render_digest
from bot.answer import Answer
from bot.digest.delivery import (
    Found,
    Http,
    InDoubt,
    PartRef,
    Poster,
    Rejected,
    TargetGone,
    Unavailable,
    gone_or_rejected,
)

SLACK_API = "https://slack.com/api/"
SLACK_EVENT_TYPE = "briefbot_digest"
RECONCILE_SLACK_SECONDS = 120


class _SlackPoster(Poster):
    """What both Slack posters share: the digest payloads."""

    def render(self, answer: Answer) -> list[dict[str, Any]]:
        """Return the Slack payloads of a digest answer."""
        return render_digest(answer)


# Slack answers these with HTTP 200 and ok:false; the post may or may not have been made, and a retry soon may work.
SLACK_TRANSIENT = frozenset({"service_unavailable", "internal_error", "fatal_error", "request_timeout", "ratelimited"})


SLACK_GONE = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "access_denied",
}


class SlackChannelPoster(_SlackPoster):
    """chat.postMessage with our key in message metadata; conversations.history finds it after a crash."""

    kind = "slack_channel"

    def __init__(self, http: Http, api_base: str, token: str | None, channel: str) -> None:
        base = api_base if api_base.endswith("/") else api_base + "/"
        self.http, self.api, self.token, self.channel = http, base, token, channel

    def _headers(self) -> dict[str, str]:
        if not self.token:
            raise TargetGone("no slack bot_token in the config")
        return {"Authorization": f"Bearer {self.token}"}

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Add message metadata carrying the idempotency key and part."""
        meta = {"event_type": SLACK_EVENT_TYPE, "event_payload": {"key": ref.key, "part": ref.index, "digest": digest}}
        return {**payload, "metadata": meta}

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part and return its ts."""
        what = f"slack channel {self.channel}"
        body = {**payload, "channel": self.channel, "unfurl_links": False, "unfurl_media": False}
        resp = await self.http.send_once(
            "POST", self.api + "chat.postMessage", what, json=body, headers=self._headers()
        )
        if resp.status_code >= 300:
            raise gone_or_rejected(resp, what)
        data = resp.json()
        if not data.get("ok"):
            error = str(data.get("error", "unknown_error"))
            if error in SLACK_GONE:
                raise TargetGone(f"{what}: {error}")
            if error in SLACK_TRANSIENT:
                raise InDoubt(f"{what}: {error}")
            raise Rejected(f"{what}: {error}")
        return str(data.get("ts")) if data.get("ts") else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Look for a message whose metadata carries the part's key in the channel since the intent."""
        oldest = f"{since.timestamp() - RECONCILE_SLACK_SECONDS:.6f}"
        form = {"channel": self.channel, "oldest": oldest, "limit": "200", "include_all_metadata": "true"}
        what = f"slack channel {self.channel} history"
        try:
            resp = await self.http.request(
                "POST", self.api + "conversations.history", what, data=form, headers=self._headers()
            )
        except Unavailable:
            return Found.UNKNOWN, None
        data = resp.json() if resp.status_code == 200 else {}
        if not data.get("ok"):
            return Found.UNKNOWN, None
        for message in data.get("messages", []):
            meta = message.get("metadata") or {}
            load = meta.get("event_payload") or {}
            if (
                meta.get("event_type") == SLACK_EVENT_TYPE
                and load.get("key") == ref.key
                and load.get("part") == ref.index
            ):
                return Found.YES, str(message.get("ts"))
        return Found.NO, None


class SlackWebhookPoster(_SlackPoster):
    """Incoming webhook: no message id, no history; a crash right after a post cannot be checked."""

    kind = "slack_webhook"

    def __init__(self, http: Http, url: str) -> None:
        self.http, self.url = http, url

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post one part."""
        resp = await self.http.send_once("POST", self.url, "slack webhook", json=dict(payload))
        if resp.status_code >= 300:
            raise gone_or_rejected(resp, "slack webhook")
        if resp.text.strip() in SLACK_TRANSIENT:  # webhooks answer errors as plain text
            raise InDoubt(f"slack webhook: {resp.text.strip()}")
        return None
