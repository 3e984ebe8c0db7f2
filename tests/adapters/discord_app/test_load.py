"""Load shedding on Discord: expired interactions are not computed, pages are rendered lazily, inputs are cut."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import query
from bot.adapters.discord_app.render import MAX_PAGES, render_pages
from bot.index.store import BriefStore
from tests.adapters.discord_app.helpers import autocomplete, command_data, invoke, reply, slash
from tests.conftest import minimal_brief

SENTENCE = "The delegation set out its view on regional connectivity, trade corridors and water. "


def huge_brief() -> dict[str, Any]:
    """Return a valid brief of about 0.9 MB: 45 positions of 20,000 characters by Omid Karimi."""
    text = (SENTENCE * 240)[:20_000].rsplit(" ", 1)[0] + "."
    return minimal_brief(
        "huge", positions=[{"by": ["Omid Karimi"], "topic": f"Topic {i}", "summary": text} for i in range(45)]
    )


@functools.cache
def huge_yaml() -> str:
    """Return the huge brief as YAML text (dumped once per test run)."""
    return yaml.safe_dump(huge_brief(), sort_keys=False)


@pytest.fixture
def huge_folder(write_brief: Callable[..., Path]) -> Path:
    """Return a folder holding the huge brief."""
    return write_brief("huge.yaml", huge_yaml()).parent


def test_only_the_page_asked_for_is_rendered(huge_folder: Path) -> None:
    """A /who over 0.9 MB of positions pages only as far as asked: the total is not even known at first."""
    store = BriefStore(huge_folder)
    pages = render_pages(query.who(store.catalog, "Omid Karimi"))
    assert pages.total is None and len(pages) == 2
    assert "page 1" in (pages[0][0].footer.text or "")
    pages[4]
    assert len(pages) == 6


def test_answer_stops_at_the_page_budget_with_a_note(huge_folder: Path) -> None:
    """However large the brief, an answer has at most MAX_PAGES pages; the last one says to narrow the question."""
    store = BriefStore(huge_folder)
    pages = list(render_pages(query.who(store.catalog, "Omid Karimi")))
    assert len(pages) == MAX_PAGES
    assert "narrower question" in (pages[-1][0].fields[0].value or "")


def test_small_answer_knows_its_page_count(shipped_catalog: Any) -> None:
    """An ordinary answer is paged in full at once, so its counter and footer show the exact total."""
    pages = render_pages(query.show(shipped_catalog, "issi-iras-dialogue-2025-07-29"))
    assert pages.total == len(pages)


async def test_expired_interaction_is_not_computed(
    connect: Any, huge_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An interaction older than Discord's 3 s gets no answer and no work; the next one is answered."""
    caplog.set_level(logging.DEBUG, logger="bot.adapters.discord_app.commands")
    bot = await connect(briefs=huge_folder)
    stale = await invoke(bot.fake, 2, command_data("who", name="Omid Karimi"), age=3.5)
    fresh = await slash(bot.fake, "who", name="Omid Karimi")
    assert fresh["embeds"]
    assert not [c for c in bot.fake.calls if stale in c.path]
    assert "expired" in caplog.text
    registry = bot.services.metrics.registry
    assert registry.get_sample_value("briefbot_interactions_expired_total", {"platform": "discord"}) == 1


async def test_huge_who_is_answered_at_once_with_lazy_pages(connect: Any, huge_folder: Path) -> None:
    """/who over the 0.9 MB brief is answered directly (no deferral) with page 1 and a Next button."""
    bot = await connect(briefs=huge_folder)
    token = await invoke(bot.fake, 2, command_data("who", name="Omid Karimi"))
    message = await reply(bot.fake, token)
    callback = next(c for c in bot.fake.calls if c.path.endswith(f"/{token}/callback"))
    assert callback.body["type"] == 4
    labels = [c.get("label") for row in message["components"] for c in row["components"]]
    assert "1/…" in labels and "Next ▶" in labels


async def test_long_autocomplete_input_is_cut(bot: Any) -> None:
    """A forged 5,000-character autocomplete value is cut to Discord's 200 and answered normally."""
    choices = await autocomplete(bot.fake, "who", None, "name", name="Mahmood " + "x" * 5000)
    assert isinstance(choices, list)


def test_every_string_option_is_limited_to_200_characters(bot: Any) -> None:
    """Every free-text string option the bot registers declares at most Discord's 200 characters."""
    tree = bot.surface.tree

    def options(node: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for opt in node.get("options", []):
            out += options(opt) if opt["type"] in (1, 2) else [opt]
        return out

    strings = [
        o for c in tree.get_commands() for o in options(c.to_dict(tree)) if o["type"] == 3 and not o.get("choices")
    ]
    assert strings and all(o.get("max_length", 6000) <= 200 for o in strings)
