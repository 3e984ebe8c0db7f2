"""The one Discord escaper, used by answers and digests alike: brief text shows as typed, only http(s) links."""

from __future__ import annotations

import re

from discord.utils import escape_markdown

_MENTION = re.compile(r"<(?=[@#!&]|a?:\w+:\d)")  # <@id>, <#channel>, <@&role>, <:emoji:id>: shown, never a pill
_WEB_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)
MAX_URL = 2048


def md(text: str) -> str:
    """Return brief text escaped for Discord markdown: no formatting, masked links, headings or mentions of its own."""
    # discord.py escapes a masked link by one backslash before the first `[` of the line and leaves the rest of the
    # line raw (its pattern is greedy), so a second `[label](url)` would still be a link: escape each `[` ourselves.
    escaped = "\\[".join(escape_markdown(part) for part in text.split("["))
    return _MENTION.sub(r"\\<", escaped)


def web_url(url: str | None) -> str | None:
    """Return url when it is an http(s) URL Discord can link to (never javascript:, data: ...), else None."""
    if url and len(url) <= MAX_URL and _WEB_URL.match(url):
        return url.replace("(", "%28").replace(")", "%29")  # a ) would end a masked link early
    return None
