"""Side-by-side answers (compare) as Discord embeds: two columns, every page within Discord's limits."""

from __future__ import annotations

from bot.adapters.discord_app.render import limit_problems, render_pages
from bot.answer import Answer, AnswerKind, Citation, Item


def _side(column: int, count: int, words: int) -> tuple[Item, ...]:
    cite = Citation(f"d{column}", "A dialogue with a title", "2024-01-01", "Wire", "https://example.org/x")
    text = " ".join(f"Fact {column}.{n} is stated plainly." for n in range(words))
    return tuple(Item(f"2024-01-01 · Topic {i}", (("By", "Someone"),), (text,), (), cite, column) for i in range(count))


def test_long_sides_fit_every_page() -> None:
    """20 long statements a side (one side longer than the other) fit in pages that break no limit."""
    answer = Answer(AnswerKind.COMPARE, "T: A vs B", "intro", (*_side(0, 20, 40), *_side(1, 7, 5)), columns=("A", "B"))
    pages = render_pages(answer)
    assert len(pages) > 1
    for page in pages:
        assert limit_problems(None, page) == []
        fields = page[0].fields
        assert [f.name for f in fields[:2]] == ["__A__", "__B__"]
        assert all(f.inline for f in fields[:-1])
    text = "".join(f.value or "" for page in pages for f in page[0].fields)
    assert all(f"Fact 0.{n} is stated plainly." in text for n in range(40)), "no fact is cut off"
