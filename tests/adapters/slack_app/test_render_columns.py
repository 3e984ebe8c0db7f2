"""Side-by-side answers (compare) in Block Kit: rows of two section fields, every page within Slack's limits."""

from __future__ import annotations

from bot.adapters.slack_app.limits import check_message
from bot.adapters.slack_app.render import pages_of, render
from bot.answer import Answer, AnswerKind, Citation, Item


def _side(column: int, count: int, words: int) -> tuple[Item, ...]:
    cite = Citation(f"d{column}", "A dialogue with a title", "2024-01-01", "Wire", "https://example.org/x")
    text = " ".join(f"Fact {column}.{n} <b> & @here." for n in range(words))
    return tuple(Item(f"2024-01-01 · Topic {i}", (("By", "Someone"),), (text,), (), cite, column) for i in range(count))


def test_long_sides_fit_every_page() -> None:
    """20 long statements against 3 short ones: every page is valid, escaped, and the short side is padded."""
    answer = Answer(AnswerKind.COMPARE, "T: A vs B", "intro", (*_side(0, 20, 120), *_side(1, 3, 5)), columns=("A", "B"))
    count = len(pages_of(answer))
    assert count > 1
    for page in range(count):
        message = render(answer, question="compare T: A vs B", page=page).message()
        assert check_message(message) == []
        rows = [b["fields"] for b in message["blocks"] if b["type"] == "section" and len(b.get("fields", [])) == 2]
        assert [f["text"] for f in rows[0]] == ["*A*", "*B*"]
        assert all("<b>" not in f["text"] and "@here" not in f["text"] for row in rows for f in row)
    last = render(answer, question="compare T: A vs B", page=count - 1).message()
    cells = [b["fields"][1]["text"] for b in last["blocks"] if len(b.get("fields", [])) == 2]
    assert cells[-1] == "—"
