"""The Slack digest uses the answers' escaper: &<> and mentions defused; only http(s) URLs become links."""

from __future__ import annotations

import json

from bot.adapters.slack_app.digest import render_digest
from bot.adapters.slack_app.render import escape
from bot.briefs.models import Dialogue
from bot.config import DigestConfig
from bot.digest.compose import compose, select_briefs
from tests.conftest import minimal_brief

CONFIG = DigestConfig.model_validate(
    {"name": "weekly", "schedule": "0 9 * * mon", "targets": [{"slack_channel": "C1"}]}
)


def _payload(title: str, url: str) -> dict[str, object]:
    brief = Dialogue.model_validate(minimal_brief("x", title=title, sources=[{"url": url, "publisher": "Wire"}]))
    return render_digest(compose(CONFIG, select_briefs([brief], CONFIG, None)))[0]


def test_title_mentions_and_markup_are_escaped_as_in_answers() -> None:
    """<!channel>, <@U1>, @here and <https://evil|label> in a title reach Slack escaped, as answers escape them."""
    title = "Talks <!channel> <@U1> @here <https://evil.example|click>"
    text = json.dumps(_payload(title, "https://example.org/r"))
    assert "<!channel>" not in text and "<@U1>" not in text and "<https://evil.example" not in text
    assert json.dumps(escape(title))[1:-1] in text


def test_javascript_url_never_becomes_a_link() -> None:
    """A javascript: source URL gives a plain title, never <javascript:...|title>."""
    text = json.dumps(_payload("Talks", "javascript:alert(1)"))
    assert "<javascript:" not in text


def test_https_url_links_the_title() -> None:
    """An https source URL links the title."""
    text = json.dumps(_payload("Talks", "https://example.org/r"))
    assert "<https://example.org/r|Talks>" in text


def test_cut_never_splits_an_entity() -> None:
    """A section or fallback cut to Slack's 3000 characters ends on a whole entity, never inside `&amp;`."""
    import re

    positions = [{"by": ["Omid Karimi"], "topic": f"T{j}", "summary": "R&D " * 100} for j in range(3)]
    brief = Dialogue.model_validate(minimal_brief("x", title="&" * 490, positions=positions))
    payload = render_digest(compose(CONFIG, select_briefs([brief], CONFIG, None)))[0]
    section = next(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert len(section) <= 3000 and re.search(r"&[a-z]{0,4}…$", section) is None
    assert len(payload["text"]) <= 3000 and re.search(r"&[a-z]{0,4}…$", payload["text"]) is None
