"""Autocomplete for the new questions: topics, institutes and countries, series, and who (people and groups).

Invariant: each call reads the text index a few rows deep and loads at most a handful of dialogues, so it answers
in milliseconds at 10,000 briefs (Discord drops an autocomplete left unanswered for 3 seconds).
"""

from __future__ import annotations

from bot.index.catalog import Catalog

LOADED = 8  # dialogues read at most to list their organisers


def _add(out: dict[str, tuple[str, str]], label: str, value: str) -> None:
    key = " ".join(value.casefold().split())
    if key and key not in out:
        out[key] = (label, value)


def topic_choices(catalog: Catalog, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Return (label, value) of topics and position topics containing the words typed, newest first."""
    out: dict[str, tuple[str, str]] = {}
    if current.strip():
        for hit in catalog.text.search(current, kinds=("topic",), limit=limit * 4, ranked=False):
            _add(out, hit.text, hit.text)
        for hit in catalog.text.search(current, kinds=("position",), limit=limit * 4, ranked=False):
            topic = hit.text.split(". ", 1)[0]  # position rows are "topic. summary"
            if current.casefold().strip() in topic.casefold():
                _add(out, topic, topic)
    else:
        for dialogue in catalog.ordered[:3]:
            for topic in dialogue.topics:
                _add(out, topic, topic)
    return list(out.values())[:limit]


def group_choices(catalog: Catalog, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Return (label, value) of institutes (acronym or name) and countries of organisers matching the words typed."""
    out: dict[str, tuple[str, str]] = {}
    typed = current.casefold().strip()
    if typed:
        dids = list(
            dict.fromkeys(
                h.dialogue_id for h in catalog.text.search(current, kinds=("organizer",), limit=40, ranked=False)
            )
        )
    else:
        dids = list(catalog.ordered_ids()[:LOADED])
    for did in dids[:LOADED]:
        if did not in catalog.dialogues:
            continue
        for org in catalog.dialogues[did].organizers:
            for value, label in (
                (org.acronym, f"{org.acronym} — {org.name}" if org.acronym else ""),
                (org.name, org.name),
                (org.country, f"{org.country} (country)"),
            ):
                if value and (not typed or typed in f"{value} {label}".casefold()):
                    _add(out, label or value, value)
    return list(out.values())[:limit]


def series_choices(catalog: Catalog, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Return (label, value) of series names containing the words typed (or of the newest dialogues' series)."""
    out: dict[str, tuple[str, str]] = {}
    if current.strip():
        for hit in catalog.text.search(current, kinds=("meta",), limit=200, ranked=False):
            if hit.field == "series":
                _add(out, hit.text, hit.text)
    else:
        for dialogue in catalog.ordered[:50]:
            if dialogue.series:
                _add(out, dialogue.series, dialogue.series)
    return list(out.values())[:limit]


def who_choices(catalog: Catalog, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Return people first, then institutes and countries (for network, compare sides)."""
    people = catalog.name_choices(current, limit=limit)
    groups = group_choices(catalog, current, limit=limit)
    half = max(limit - len(groups), limit // 2)
    return (people[:half] + groups)[:limit]


def subject_choices(catalog: Catalog, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Return series, people, institutes and countries, and topics, for `timeline`."""
    merged: list[tuple[str, str]] = []
    seen: set[str] = set()
    for pairs in (
        series_choices(catalog, current, 5),
        catalog.name_choices(current, limit=10),
        group_choices(catalog, current, 5),
        topic_choices(catalog, current, limit),
    ):
        for label, value in pairs:
            if value.casefold() not in seen:
                seen.add(value.casefold())
                merged.append((label, value))
    return merged[:limit]
