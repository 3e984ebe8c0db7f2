"""Rendering neutral answers to Discord embeds: limits, pages, citations."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import discord
import pytest

from bot.adapters.discord_app.render import limit_problems, render_pages
from bot.answer import Answer, AnswerKind, Item
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from tests.adapters.discord_app.conftest import long_brief

QUESTIONS = [
    "dialogue latest",
    "dialogue list",
    "dialogue list IRAS 2025",
    "dialogue show issi-iras-dialogue-2025-07-29",
    "dialogue show issi-ipis-annual-dialogue",
    "who Sohail Mahmood",
    "who Mahmood",
    "who Nobody Atall",
    "session Afghanistan",
    "positions Afghanistan",
    "positions Afghanistan by Iran",
    "search pipeline",
    "help",
]


def page_text(page: list[discord.Embed]) -> str:
    """Return all the text of one page."""
    return "\n".join(
        "\n".join(
            [e.title or "", e.description or "", *(f"{f.name}\n{f.value}" for f in e.fields), e.footer.text or ""]
        )
        for e in page
    )


@pytest.fixture
def long_catalog(write_brief: Callable[..., Path]) -> Catalog:
    """Return a catalog over one very long synthetic brief."""
    folder = write_brief("long-dialogue.yaml", long_brief("long-dialogue", facts=80)).parent
    store = BriefStore(folder)
    assert store.load().ok
    return store.catalog


@pytest.mark.parametrize("question", QUESTIONS)
def test_shipped_answers_fit_discord_limits(shipped_catalog: Catalog, question: str) -> None:
    """Every page of every answer over the shipped briefs is within every Discord limit."""
    for page in render_pages(ask(shipped_catalog, question)):
        assert limit_problems(None, page) == []


def test_long_brief_pages_fit_limits(long_catalog: Catalog) -> None:
    """A very long brief renders as several pages, each within every limit."""
    pages = render_pages(ask(long_catalog, "dialogue show long-dialogue"))
    assert pages.has(3)
    for page in pages:
        assert limit_problems(None, page) == []


def test_long_brief_loses_no_fact(long_catalog: Catalog) -> None:
    """Every numbered fact sentence of the long brief appears whole on some page."""
    text = "\n".join(page_text(p) for p in render_pages(ask(long_catalog, "dialogue show long-dialogue")))
    facts = set(re.findall(r"Fact \d+\.\d+ says the rivers and the corridor matter greatly for everyone\.", text))
    assert len(facts) == 40 * 8 + 40 * 4 + 40 * 3


def test_every_page_cites_its_dialogue(shipped_catalog: Catalog) -> None:
    """Each page of a multi-page answer has a Sources field and names the dialogue in the footer."""
    pages = render_pages(ask(shipped_catalog, "dialogue show issi-iras-dialogue-2025-07-29"))
    for page in pages:
        embed = page[0]
        assert embed.fields[-1].name == "Sources"
        assert "Iran-Pakistan Relations" in (embed.fields[-1].value or "")
        assert "issi-iras-dialogue-2025-07-29" in (embed.footer.text or "")


def test_source_link_is_rendered_as_a_link() -> None:
    """A citation with a URL becomes a markdown link in the Sources field and the embed URL."""
    from bot.answer import Citation

    cite = Citation("d1", "Some dialogue", "2024-01-01", "Dawn", "https://example.org/a")
    page = render_pages(Answer(AnswerKind.DIALOGUE, "T", items=(Item("H", lines=("x",), citation=cite),)))[0]
    assert "[Some dialogue (2024-01-01)](https://example.org/a)" in (page[0].fields[-1].value or "")
    assert page[0].url == "https://example.org/a"


def test_overlong_title_is_clipped_but_kept_in_text() -> None:
    """A title longer than 256 characters is clipped in the title and shown whole in the description."""
    title = "word " * 100
    page = render_pages(Answer(AnswerKind.SEARCH, title.strip()))[0]
    assert len(page[0].title or "") <= 256
    assert title.strip() in (page[0].description or "")


def test_overlong_single_word_is_split_within_limits() -> None:
    """An unbroken 5,000-character token still renders within the field limits."""
    page_list = render_pages(Answer(AnswerKind.SEARCH, "T", items=(Item("H", lines=("x" * 5000,)),)))
    assert sum(len(f.value or "") for p in page_list for f in p[0].fields) >= 5000
    assert all(limit_problems(None, p) == [] for p in page_list)


@pytest.mark.parametrize(
    ("embed", "content", "problem"),
    [
        (discord.Embed(title="t" * 257), None, "title"),
        (discord.Embed(description="d" * 4097), None, "description"),
        (discord.Embed().add_field(name="n", value="v" * 1025), None, "value"),
        (discord.Embed().add_field(name="n" * 257, value="v"), None, "name"),
        (discord.Embed().set_footer(text="f" * 2049), None, "footer"),
        (
            discord.Embed(description="d" * 4000)
            .add_field(name="n", value="v" * 1000)
            .add_field(name="n", value="v" * 1000),
            None,
            "total",
        ),
        (discord.Embed(), "c" * 2001, "content"),
    ],
)
def test_limit_checker_finds_each_violation(embed: discord.Embed, content: str | None, problem: str) -> None:
    """The limit checker reports each kind of over-limit message."""
    page = [embed]
    if problem == "total":
        page = [embed, embed.copy()]
    assert any(problem in p for p in limit_problems(content, page))


def test_limit_checker_counts_fields_and_embeds() -> None:
    """More than 25 fields or 10 embeds is reported."""
    many = discord.Embed()
    for _ in range(26):
        many.add_field(name="n", value="v")
    assert any("fields" in p for p in limit_problems(None, [many]))
    assert any("embeds" in p for p in limit_problems(None, [discord.Embed() for _ in range(11)]))
