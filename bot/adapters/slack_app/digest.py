"""Digest answers -> Slack message payloads (one section per dialogue), escaped like every Slack answer."""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.slack_app.render import escape, link, plain, shorten
from bot.answer import Answer, Item, paginate
from bot.digest.compose import NOTHING_NEW

# 50 blocks per message, 3000 characters per section text, 150 per header.
BLOCKS_PER_MESSAGE = 50
SECTION_LIMIT = 3000
MESSAGE_BUDGET = 12000
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")  # an entity cut in two by a length limit


def _cut(text: str, limit: int) -> str:
    """Return escaped mrkdwn cut to at most limit characters, never inside an entity such as &amp;."""
    if len(text) <= limit:
        return text
    return _ENTITY_TAIL.sub("", text[: limit - 1]) + "…"


def _item(item: Item) -> tuple[list[dict[str, Any]], str]:
    url = next((v for k, v in item.fields if k == "Link"), None)
    head = f"*{link(url, item.heading or 'Brief')}*"
    lines = [head] + [f"_{escape(x)}_" for x in item.lines]
    lines += [f"*{escape(k)}:* {escape(v)}" for k, v in item.fields if k != "Link"]
    lines += [f"• {escape(b)}" for b in item.bullets]
    text = _cut("\n".join(lines), SECTION_LIMIT)
    fallback = escape(item.heading or "Brief")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}, {"type": "divider"}], fallback


def render_digest(answer: Answer) -> list[dict[str, Any]]:
    """Return Slack message payloads (blocks + escaped text fallback), split between items within limits."""
    rendered = {id(item): _item(item) for item in answer.items}
    pages = paginate(
        list(answer.items),
        lambda it: sum(len(b.get("text", {}).get("text", "")) for b in rendered[id(it)][0]),
        MESSAGE_BUDGET,
        (BLOCKS_PER_MESSAGE - 2) // 2,
    )
    intro = answer.intro or NOTHING_NEW
    header: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(shorten(answer.title, 150))}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(intro)}]},
    ]
    if not pages:
        return [{"text": escape(f"{answer.title}: {intro}"), "blocks": header}]
    payloads = []
    for i, page in enumerate(pages):
        blocks = [b for it in page for b in rendered[id(it)][0]]
        fallback = "; ".join(rendered[id(it)][1] for it in page)
        if i == 0:
            blocks = header + blocks
            fallback = f"{escape(answer.title)}: {escape(intro)} {fallback}"
        payloads.append({"text": _cut(fallback, 3000), "blocks": blocks})
    return payloads
