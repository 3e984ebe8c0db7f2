"""Slack answers over a 0.9 MB brief: only the page asked for is rendered, and an answer stops at its page budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot import query
from bot.adapters.slack_app.limits import check_message
from bot.adapters.slack_app.render import ACTION_NEXT, MAX_PAGES, render, render_all
from bot.answer import Answer
from bot.index.store import BriefStore
from tests.adapters.discord_app.test_load import huge_yaml


def _answer(write_brief: Callable[..., Path]) -> Answer:
    store = BriefStore(write_brief("huge.yaml", huge_yaml()).parent)
    return query.who(store.catalog, "Omid Karimi")


def _actions(blocks: list[dict[str, object]]) -> list[object]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined]


def test_first_page_is_rendered_without_paging_the_rest(write_brief: Callable[..., Path]) -> None:
    """Page 1 of a /who over 45 positions of 20,000 characters comes without its total, with a Next button."""
    rendered = render(_answer(write_brief), question="who Omid Karimi")
    assert rendered.pages == 0
    assert ACTION_NEXT in _actions(rendered.blocks)
    assert check_message(rendered.message()) == []


def test_answer_stops_at_the_page_budget(write_brief: Callable[..., Path]) -> None:
    """Asking for a page beyond the budget shows the last one, which says to narrow the question."""
    rendered = render(_answer(write_brief), question="who Omid Karimi", page=500)
    assert rendered.page == MAX_PAGES - 1 and rendered.pages == MAX_PAGES
    assert "narrower question" in str(rendered.blocks)
    assert ACTION_NEXT not in _actions(rendered.blocks)


def test_render_all_is_bounded(write_brief: Callable[..., Path]) -> None:
    """Rendering every page (for reports) stops at the budget too."""
    assert len(render_all(_answer(write_brief))) == MAX_PAGES
