"""One Discord escaper for answers and digests: brief text shows as typed; only http(s) URLs become links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord

from bot import query
from bot.adapters.discord_app.digest import render_digest
from bot.adapters.discord_app.escape import md, web_url
from bot.adapters.discord_app.render import render_pages
from bot.config import DigestConfig
from bot.digest.compose import compose, select_briefs
from bot.index.store import BriefStore
from tests.conftest import minimal_brief

EVIL = "[here](https://evil.example) **loud** `code` > quote"


def _hostile(write_brief: Callable[..., Path], url: str = "javascript:alert(1)") -> BriefStore:
    data = minimal_brief(
        "evil",
        title="Talks [click](https://evil.example)",
        positions=[{"by": ["Omid Karimi"], "topic": "Water", "summary": EVIL}],
        sources=[{"url": url, "publisher": "Wire"}],
    )
    store = BriefStore(write_brief("evil.yaml", data).parent)
    store.load()
    return store


def _text(embed: discord.Embed) -> str:
    return "\n".join([embed.title or "", embed.description or ""] + [f"{f.name}\n{f.value}" for f in embed.fields])


def test_masked_link_in_brief_text_is_escaped_in_answers(write_brief: Callable[..., Path]) -> None:
    """`[here](https://evil.example)` in a summary is shown as typed, not as a link with any label."""
    store = _hostile(write_brief)
    (embed,) = render_pages(query.show(store.catalog, "evil"))[0]
    text = _text(embed)
    assert "\\[here](https://evil.example)" in text and "\\*\\*loud\\*\\*" in text
    assert "[here](https://evil.example)" not in text.replace("\\[here]", "")


def test_javascript_source_never_becomes_embed_url_in_answers(write_brief: Callable[..., Path]) -> None:
    """A javascript: source URL is neither the embed URL nor a link target (it may show as plain text)."""
    store = _hostile(write_brief)
    (embed,) = render_pages(query.show(store.catalog, "evil"))[0]
    assert embed.url is None
    assert "](javascript:" not in _text(embed)


def test_http_source_still_links(write_brief: Callable[..., Path]) -> None:
    """An https source URL stays the embed URL and the Sources link."""
    store = _hostile(write_brief, url="https://example.org/report")
    (embed,) = render_pages(query.show(store.catalog, "evil"))[0]
    assert embed.url == "https://example.org/report"


def _digest_embeds(store: BriefStore) -> list[dict[str, Any]]:
    config = DigestConfig.model_validate(
        {"name": "weekly", "schedule": "0 9 * * mon", "targets": [{"discord_channel": 1}]}
    )
    answer = compose(config, select_briefs(store.catalog.all.values(), config, None, store.catalog))
    return [e for p in render_digest(answer) for e in p["embeds"]]


def test_digest_escapes_with_the_same_escaper(write_brief: Callable[..., Path]) -> None:
    """The digest embed shows the title and summary escaped exactly as answers do."""
    (embed,) = _digest_embeds(_hostile(write_brief, url="https://example.org/r"))
    assert embed["title"] == md("Talks [click](https://evil.example)")
    assert md(EVIL) in embed["description"]
    assert embed["url"] == "https://example.org/r"


def test_digest_never_links_a_javascript_url(write_brief: Callable[..., Path]) -> None:
    """A javascript: source URL gives the digest embed no URL."""
    (embed,) = _digest_embeds(_hostile(write_brief))
    assert "url" not in embed


def test_web_url_accepts_only_http_and_https() -> None:
    """Only http(s) URLs pass; javascript:, data:, file: and relative ones do not; ) is encoded."""
    assert web_url("https://a.example/x_(y)") == "https://a.example/x_%28y%29"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "file:///etc/passwd", "/x", None):
        assert web_url(bad) is None


def test_mentions_are_shown_not_rendered() -> None:
    """<@id>, <@&role> and <#channel> are escaped so Discord shows them as text."""
    assert md("<@123> <@&4> <#5>") == "\\<@123> \\<@&4> \\<#5>"


def test_a_second_masked_link_on_a_line_is_escaped_too(write_brief: Callable[..., Path]) -> None:
    """Two masked links in one summary: neither becomes a link (discord.py escapes only the first `[` of a line)."""
    data = minimal_brief(
        "two",
        positions=[
            {
                "by": ["Omid Karimi"],
                "topic": "Water",
                "summary": "See [a](https://a.example) and [b](https://evil.example) **x**.",
            }
        ],
    )
    store = BriefStore(write_brief("two.yaml", data).parent)
    store.load()
    (embed,) = render_pages(query.show(store.catalog, "two"))[0]
    text = _text(embed)
    assert "\\[b](https://evil.example)" in text and "\\*\\*x\\*\\*" in text
    assert "[b](https://evil.example)" not in text.replace("\\[b]", "")
