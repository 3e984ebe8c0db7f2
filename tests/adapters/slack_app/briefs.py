"""Synthetic briefs for the Slack tests: long ones, hostile text, many namesakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.adapters.slack_app.helpers import write_brief

HOSTILE = "Alert <!channel> and @here and <@U1> and <#C1> and <!subteam^S1|team> & <!everyone> @channel"


def takeaway(i: int) -> str:
    """Return the i-th synthetic takeaway: a distinct fact of about 200 characters."""
    return (
        f"Fact number {i:03d}: delegates examined the corridor question in detail, weighing trade, transit and "
        f"energy links across the region. They agreed that item {i:03d} needs a follow-up meeting."
    )


def long_brief(folder: Path, takeaways: int = 240, summary_sentences: int = 0) -> list[str]:
    """Write a brief with many takeaways (and optionally one huge summary); return the takeaways."""
    facts = [takeaway(i) for i in range(takeaways)]
    summary = " ".join(f"Sentence {i:04d} of the very long summary ends here." for i in range(summary_sentences))
    data: dict[str, Any] = {
        "id": "long-dialogue-2030-01-01",
        "title": "Long Synthetic Dialogue on Corridors",
        "date": "2030-01-01",
        "organizers": [{"name": "Synthetic Institute", "acronym": "SYN"}],
        "participants": [{"name": "Zarina Quill", "role": "Director", "affiliation": "SYN"}],
        "sessions": [{"title": "Corridor session", "moderator": "Zarina Quill", "takeaways": facts}],
        "sources": [{"url": "https://example.org/long?a=1&b=2", "publisher": "Example Wire"}],
    }
    if summary:
        data["sessions"][0]["summary"] = summary
    write_brief(folder, data)
    return facts


def hostile_brief(folder: Path) -> None:
    """Write a brief whose text tries to ping everyone and mention users."""
    write_brief(
        folder,
        {
            "id": "hostile-2031-01-01",
            "title": "Hostile <!here> Dialogue & Friends",
            "date": "2031-01-01",
            "participants": [{"name": "Mallory Ping", "role": "Speaker <@U999>", "affiliation": "@everyone Inc"}],
            "sessions": [{"title": "Pipeline <!channel>", "moderator": "Mallory Ping", "summary": HOSTILE}],
            "positions": [{"by": ["Mallory Ping"], "topic": "Pipeline", "summary": HOSTILE}],
            "sources": [{"url": "https://example.org/x?a=1&b=<2>", "publisher": "Wire <!channel>"}],
        },
    )


def namesakes_brief(folder: Path, count: int = 7) -> list[str]:
    """Write a brief with several participants sharing the surname Rahimzadeh; return their names."""
    first = ["Ali", "Bahar", "Cyrus", "Dara", "Elham", "Farid", "Golnar", "Hamid", "Iraj"][:count]
    names = [f"{f} Rahimzadeh" for f in first]
    write_brief(
        folder,
        {
            "id": "namesakes-2029-05-05",
            "title": "Namesakes Roundtable",
            "date": "2029-05-05",
            "participants": [{"name": n, "role": "Researcher", "affiliation": f"Lab {i}"} for i, n in enumerate(names)],
            "sources": [{"url": "https://example.org/namesakes", "publisher": "Example Wire"}],
        },
    )
    return names
