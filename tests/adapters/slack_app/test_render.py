"""Block Kit rendering: Slack limits, pages of whole facts, escaping, choices."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.slack_app.limits import check_message
from bot.adapters.slack_app.render import decode_value, encode_value, escape, render
from bot.answer import Answer, AnswerKind, Choice
from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask
from tests.adapters.slack_app.briefs import hostile_brief, long_brief, namesakes_brief
from tests.adapters.slack_app.helpers import BRIEFS, all_text

QUESTIONS = [
    "who Sohail Mahmood",
    "who Mahmood",
    "dialogue latest",
    "dialogue list",
    "dialogue show issi-ipis-annual-dialogue",
    "session Afghanistan",
    "positions Afghanistan by Iran",
    "search pipeline",
    "help",
    "who Nobody Atall",
    "frobnicate",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_shipped_answers_within_limits(question: str) -> None:
    """Every answer over the shipped briefs renders within Block Kit limits with fallback text."""
    answer = ask(BriefStore(BRIEFS).catalog, question)
    rendered = render(answer, question=question)
    assert check_message(rendered.message()) == []
    assert rendered.text.strip()


def test_answer_cites_dialogue_and_source() -> None:
    """An answer names its dialogue id and source, and says when the brief records no link."""
    answer = ask(BriefStore(BRIEFS).catalog, "dialogue latest")
    text = all_text(render(answer).message())
    assert "Source: DNA, 2025-07-29 (no link recorded)" in text
    assert "`issi-iras-dialogue-2025-07-29`" in text


def _pages(answer: Answer, question: str) -> list[dict[str, object]]:
    first = render(answer, question=question)
    return [render(answer, question=question, page=i).message() for i in range(first.pages)]


def test_long_answer_pages_keep_every_fact_whole(tmp_path: Path) -> None:
    """A brief with 240 takeaways pages within limits, and each takeaway appears whole on exactly one page."""
    facts = long_brief(tmp_path)
    answer = ask(BriefStore(tmp_path).catalog, "session corridor")
    pages = _pages(answer, "session corridor")
    assert len(pages) > 2
    for message in pages:
        assert check_message(message) == []
    texts = [all_text(m) for m in pages]
    for fact in facts:
        assert sum(fact in t for t in texts) == 1, fact


def test_huge_fact_split_at_sentences(tmp_path: Path) -> None:
    """A summary far over 3,000 characters is split between sentences, never inside one."""
    long_brief(tmp_path, takeaways=1, summary_sentences=400)
    answer = ask(BriefStore(tmp_path).catalog, "session corridor")
    pages = _pages(answer, "session corridor")
    for message in pages:
        assert check_message(message) == []
    joined = "\n".join(all_text(m) for m in pages)
    for i in range(400):
        assert f"Sentence {i:04d} of the very long summary ends here." in joined


def test_every_page_cites_its_source(tmp_path: Path) -> None:
    """Every page of a long answer carries the source link of the facts on it."""
    long_brief(tmp_path)
    answer = ask(BriefStore(tmp_path).catalog, "session corridor")
    for message in _pages(answer, "session corridor"):
        assert "<https://example.org/long?a=1&amp;b=2|Example Wire>" in all_text(message)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@\u2060U123&gt;"),
        ("<#C1|general>", "&lt;#C1|general&gt;"),
        ("<!subteam^S1>", "&lt;!subteam^S1&gt;"),
        ("a & b", "a &amp; b"),
        ("hi @here", "hi @\u2060here"),
        ("@everyone now", "@\u2060everyone now"),
        ("mail a@example.org", "mail a@example.org"),
    ],
)
def test_escape(raw: str, safe: str) -> None:
    """Brief text is escaped so that nothing becomes a mention, a ping or a link."""
    assert escape(raw) == safe


def test_hostile_brief_pings_nobody(tmp_path: Path) -> None:
    """Rendered hostile brief text contains no raw mention syntax and no bare @here/@channel/@everyone."""
    hostile_brief(tmp_path)
    catalog = BriefStore(tmp_path).catalog
    for question in ("dialogue latest", "positions pipeline", "who Mallory Ping", "session pipeline"):
        message = render(ask(catalog, question), question=question).message()
        assert check_message(message) == []
        dumped = json.dumps(message, ensure_ascii=False)
        for bad in ("<!channel>", "<!here>", "<!everyone>", "<@U1>", "<@U999>", "<#C1>", "<!subteam"):
            assert bad not in dumped, (question, bad)
        for word in ("@here", "@channel", "@everyone"):
            assert word not in dumped, (question, word)


def test_few_matches_become_buttons() -> None:
    """Two people matching a name are offered as two buttons asking for each one."""
    rendered = render(ask(BriefStore(BRIEFS).catalog, "who Mahmood"), question="who Mahmood")
    buttons = [e for b in rendered.blocks if b.get("block_id") == "brief_choices" for e in b["elements"]]
    assert [decode_value(b["value"])[0] for b in buttons] == ["who Khalid Mahmood", "who Sohail Mahmood"]


def test_many_matches_become_a_select(tmp_path: Path) -> None:
    """Seven namesakes are offered in one static select, one option each."""
    names = namesakes_brief(tmp_path)
    rendered = render(ask(BriefStore(tmp_path).catalog, "who Rahimzadeh"), question="who Rahimzadeh")
    assert check_message(rendered.message()) == []
    (select,) = [e for b in rendered.blocks if b.get("block_id") == "brief_choices" for e in b["elements"]]
    assert select["type"] == "static_select"
    assert sorted(o["value"] for o in select["options"]) == sorted(f"who {n}" for n in names)


def test_long_titles_and_labels_are_shortened_within_limits() -> None:
    """An answer with a 400-character title and choices with long labels stays within limits."""
    long = "Word " * 80
    answer = Answer(
        AnswerKind.CHOOSE,
        long,
        "intro",
        choices=tuple(Choice(f"{long} {i}", f"who x{i}", long) for i in range(30)),
    )
    assert check_message(render(answer, question="who x").message()) == []


def test_button_value_round_trip() -> None:
    """A button value decodes to the question and page it encodes; select values are questions."""
    assert decode_value(encode_value("who Ülkü <x>", 3)) == ("who Ülkü <x>", 3)
    assert decode_value("who Sohail Mahmood") == ("who Sohail Mahmood", 0)


def test_checker_reports_broken_messages() -> None:
    """The limits checker reports a missing fallback, too many blocks, long text and duplicate action ids."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b"}}
    message = {"blocks": [section] * 51 + [{"type": "actions", "elements": [button, button]}]}
    problems = check_message(message)
    assert any("fallback" in p for p in problems)
    assert any("blocks: 52 > 50" in p for p in problems)
    assert any("3001 characters > 3000" in p for p in problems)
    assert any("duplicate action_ids" in p for p in problems)


def test_drafts_carry_a_visible_tag(write_brief: Callable[..., Path]) -> None:
    """A draft's items show "DRAFT — not reviewed" in the Slack message; the published brief's do not."""
    from tests.conftest import minimal_brief

    write_brief("raw.yaml", minimal_brief("raw", status="draft", title="Raw draft"))
    path = write_brief("done.yaml", minimal_brief("done", date="2020-01-01", title="Done brief"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    text = json.dumps(render(ask(store.catalog, "dialogue list")).message(), ensure_ascii=False)
    assert "[DRAFT — not reviewed] Raw draft" in text
    assert "[DRAFT — not reviewed] Done brief" not in text


@pytest.mark.parametrize("question", ["who Mahmod", "who Nobody Atall", "help"])
def test_nothing_to_share_has_no_share_button(shipped_catalog: Catalog, question: str) -> None:
    """A pick list, a not-found answer or the help offers no Share in channel (as on Discord); a real answer does."""
    blocks = render(ask(shipped_catalog, question), question=question).message()["blocks"]
    assert "brief_share" not in json.dumps(blocks)
    assert "brief_share" in json.dumps(render(ask(shipped_catalog, "who Amina Khan"), question="x").message()["blocks"])
