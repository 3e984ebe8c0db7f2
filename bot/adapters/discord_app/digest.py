"""Digest answers -> Discord message payloads (one embed per dialogue), escaped like every Discord answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.adapters.discord_app.escape import md, web_url
from bot.adapters.discord_app.render import clip
from bot.answer import Answer, Item, paginate
from bot.digest.compose import NOTHING_NEW

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBEDS_PER_MESSAGE = 10
MESSAGE_BUDGET = 5600  # of the 6000 characters all embeds of a message may hold; room for the footer
CONTENT_LIMIT = 2000


def _embed(item: Item) -> dict[str, Any]:
    link = web_url(next((v for k, v in item.fields if k == "Link"), None))
    embed: dict[str, Any] = {"title": clip(md(item.heading or "Brief"), 256)}
    if link:
        embed["url"] = link
    desc = "\n".join([f"*{md(line)}*" for line in item.lines] + [f"• {md(b)}" for b in item.bullets])
    if desc:
        embed["description"] = clip(desc, 4096)
    fields = [
        {"name": clip(md(k), 256), "value": clip(md(v), 1024), "inline": k != "Moderators"}
        for k, v in item.fields
        if k != "Link"
    ]
    if fields:
        embed["fields"] = fields[:25]
    return embed


def _embed_size(embed: Mapping[str, Any]) -> int:
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", ""))


def render_digest(answer: Answer) -> list[dict[str, Any]]:
    """Return Discord message payloads (content + embeds), split between items within Discord's limits."""
    embeds = {id(item): _embed(item) for item in answer.items}
    pages = paginate(list(answer.items), lambda it: _embed_size(embeds[id(it)]), MESSAGE_BUDGET, EMBEDS_PER_MESSAGE)
    intro = md(answer.intro) if answer.intro else None
    headline = f"**{md(answer.title)}**" + (f" — {intro}" if intro and answer.items else "")
    groups = [[embeds[id(it)] for it in page] for page in pages] or [[{"description": intro or NOTHING_NEW}]]
    payloads: list[dict[str, Any]] = []
    for i, group in enumerate(groups):
        payload: dict[str, Any] = {"embeds": group, "allowed_mentions": {"parse": []}}
        if i == 0:
            payload["content"] = clip(headline, CONTENT_LIMIT)
        payloads.append(payload)
    return payloads
