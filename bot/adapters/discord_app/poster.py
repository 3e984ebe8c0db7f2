"""Digests on Discord: REST posting of the digest payloads (see digest.py) behind the Poster protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.adapters.discord_app.digest import render_digest
from bot.answer import Answer
from bot.digest.delivery import Found, Http, PartRef, Poster, TargetGone, Unavailable, gone_or_rejected

DISCORD_API = "https://discord.com/api/v10"
DISCORD_EPOCH_MS = 1420070400000


class _DiscordPoster(Poster):
    """What both Discord posters share: the digest payloads and the footer marker on the last embed."""

    def render(self, answer: Answer) -> list[dict[str, Any]]:
        """Return the Discord payloads of a digest answer."""
        return render_digest(answer)

    def prepare(self, payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
        """Add the footer marker to the last embed."""
        return _with_footer(payload, ref, digest)


def snowflake_at(when: dt.datetime) -> int:
    """Return the smallest Discord snowflake of a moment (for `after=` in message history)."""
    return max(0, int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


class DiscordChannelPoster(_DiscordPoster):
    """The bot posts to a channel via REST, with `nonce` + `enforce_nonce`; history shows our footer marker."""

    kind = "discord_channel"

    def __init__(self, http: Http, api_base: str, token: str | None, channel_id: int) -> None:
        self.http, self.api, self.token, self.channel_id = http, api_base.rstrip("/"), token, channel_id

    def _headers(self) -> dict[str, str]:
        if not self.token:
            raise TargetGone("no discord token in the config")
        return {"Authorization": f"Bot {self.token}"}

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post with the part's nonce, so Discord itself drops a repeat within its dedup window."""
        body = {**payload, "nonce": ref.nonce, "enforce_nonce": True}
        what = f"discord channel {self.channel_id}"
        url = f"{self.api}/channels/{self.channel_id}/messages"
        resp = await self.http.send_once("POST", url, what, json=body, headers=self._headers())
        if resp.status_code >= 300:
            raise gone_or_rejected(resp, what)
        return str(resp.json().get("id")) if resp.content else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Look for the part's footer marker in the channel's messages since the intent."""
        return await find_in_channel(self.http, self.api, self._headers(), self.channel_id, ref, since)


def _with_footer(payload: Mapping[str, Any], ref: PartRef, digest: str) -> dict[str, Any]:
    out = dict(payload)
    embeds = [dict(e) for e in out.get("embeds", [])] or [{"description": "\u200b"}]
    embeds[-1]["footer"] = {"text": f"{digest} · {ref.index + 1}/{ref.total} · {ref.marker}"}
    out["embeds"] = embeds
    return out


async def find_in_channel(
    http: Http, api: str, headers: Mapping[str, str], channel_id: int | str, ref: PartRef, since: dt.datetime
) -> tuple[Found, str | None]:
    """Search a Discord channel's messages after `since` for the part's footer marker."""
    after = snowflake_at(since - dt.timedelta(minutes=5))
    try:
        resp = await http.request(
            "GET",
            f"{api}/channels/{channel_id}/messages",
            f"discord channel {channel_id} history",
            params={"limit": 100, "after": str(after)},
            headers=dict(headers),
        )
    except Unavailable:
        return Found.UNKNOWN, None
    if resp.status_code != 200:
        return Found.UNKNOWN, None
    for message in resp.json():
        for embed in message.get("embeds", []):
            if ref.marker in (embed.get("footer") or {}).get("text", ""):
                return Found.YES, str(message.get("id"))
    return Found.NO, None


class DiscordWebhookPoster(_DiscordPoster):
    """Posts to a webhook with `?wait=true` (recording the message id); finds parts via the bot, if configured."""

    kind = "discord_webhook"

    def __init__(self, http: Http, url: str, api_base: str, token: str | None) -> None:
        self.http, self.url, self.api, self.token = http, url, api_base.rstrip("/"), token

    async def post(self, payload: Mapping[str, Any], ref: PartRef) -> str | None:
        """Post and return the created message's id."""
        resp = await self.http.send_once(
            "POST", self.url, "discord webhook", json=dict(payload), params={"wait": "true"}
        )
        if resp.status_code >= 300:
            raise gone_or_rejected(resp, "discord webhook")
        return str(resp.json().get("id")) if resp.content else None

    async def find(self, ref: PartRef, since: dt.datetime) -> tuple[Found, str | None]:
        """Read the webhook's channel with the bot token, when there is one; else the answer is unknown."""
        if not self.token:
            return Found.UNKNOWN, None
        try:
            resp = await self.http.request("GET", self.url, "discord webhook lookup")
        except Unavailable:
            return Found.UNKNOWN, None
        if resp.status_code != 200 or not resp.json().get("channel_id"):
            return Found.UNKNOWN, None
        headers = {"Authorization": f"Bot {self.token}"}
        return await find_in_channel(self.http, self.api, headers, resp.json()["channel_id"], ref, since)
