"""`compare TOPIC A vs B`: the positions of A and of B on a topic, side by side, each citing its dialogue."""

from __future__ import annotations

import re

from bot import speakers
from bot.answer import DRAFT_MARK, Answer, AnswerKind, Choice, Item
from bot.index.catalog import Catalog
from bot.positions import positions
from bot.present import quoted
from bot.questions.subjects import resolve
from bot.replies import help_answer, person_choices

_VS = re.compile(r"\s+(?:vs\.?|versus|v\.?)\s+", re.IGNORECASE)
MAX_SIDE = 20  # statements per side, newest first (the intro says when there are more)
USAGE = "Try `compare Afghanistan Pakistan vs Iran` or `compare Palestine: ISSI vs IPIS`."


def split_compare(text: str, catalog: Catalog | None = None) -> tuple[str, str, str] | None:
    """Split 'Afghanistan Pakistan vs Iran' into (topic, A, B); None when it has no 'vs'.

    'TOPIC: A vs B' (or 'TOPIC | A vs B') separates the topic explicitly. Otherwise A is the longest run of final
    words before 'vs' that names a person, institute or country (one word when nothing resolves).
    """
    parts = _VS.split(" ".join(text.split()), maxsplit=1)
    if len(parts) != 2 or not parts[1].strip():
        return None
    left, right = parts[0].strip(), parts[1].strip()
    for sep in (":", "|"):
        if sep in left:
            topic, _, a = left.rpartition(sep)
            return topic.strip(), a.strip(), right
    words = left.split()
    if len(words) < 2:
        return None
    if catalog is not None:
        for size in range(len(words) - 1, 0, -1):
            candidate = " ".join(words[-size:])
            subject = resolve(catalog, candidate, topics=False)
            if subject is not None:
                return " ".join(words[:-size]), candidate, right
    return " ".join(words[:-1]), words[-1], right


def _side(catalog: Catalog, topic: str, who: str, column: int) -> tuple[Item, ...]:
    """Return one column: the statements on topic by who, or one item saying plainly that there are none."""
    found = positions(catalog, topic, who, limit=MAX_SIDE)
    if not found.ok:
        return (
            Item(
                heading=f"{who}: no recorded position",
                lines=(f"No recorded position on {quoted(topic)} by {who} in the briefs.",),
                column=column,
            ),
        )
    items = []
    for item in found.items:
        cite = item.citation
        topic_text = (item.heading or "").removeprefix(f"[{DRAFT_MARK}] ").removeprefix("Position: ")
        when = (cite.date or "date not given") if cite else "date not given"
        items.append(Item(f"{when} · {topic_text}", item.fields, item.lines, item.bullets, cite, column))
    return tuple(items)


def _unresolved(catalog: Catalog, topic: str, sides: tuple[str, str], column: int) -> Answer | None:
    """Return the choice to make when a side fits several people, or not-found when it names no one; else None."""
    side = sides[column]
    speaker = speakers.resolve(catalog, side)

    def again(name: str) -> str:
        a, b = (name, sides[1]) if column == 0 else (sides[0], name)
        return f"compare {topic}: {a} vs {b}"

    if speaker.kind == speakers.CHOOSE:
        offered = person_choices(catalog, speaker.keys, again)
        title = f"{len(speaker.keys)} people match {quoted(side)}"
        return Answer(AnswerKind.CHOOSE, title, "Whom do you mean? Pick one:", choices=offered)
    if speaker.kind == speakers.UNKNOWN:
        intro = f"No participant, institute or country matches {quoted(side)}."
        if speaker.suggestions:
            intro += " Closest: " + ", ".join(speaker.suggestions) + "."
        closest = tuple(Choice(s, again(s)) for s in speaker.suggestions)
        return Answer(AnswerKind.NOT_FOUND, "Nobody by that name", intro, choices=closest, ok=False)
    return None


def compare(catalog: Catalog, text: str) -> Answer:
    """Return the positions of A and B on a topic side by side."""
    split = split_compare(text, catalog)
    if split is None or not all(split):
        return help_answer("Compare what? " + USAGE)
    return compare_sides(catalog, *split)


def compare_sides(catalog: Catalog, topic: str, a: str, b: str) -> Answer:
    """Return the positions of A (left) and B (right) on a topic, each statement with its dialogue and date."""
    topic, a, b = topic.strip(), a.strip(), b.strip()
    if not (topic and a and b):
        return help_answer("Compare what? " + USAGE)
    for column in (0, 1):
        unsure = _unresolved(catalog, topic, (a, b), column)
        if unsure is not None:
            return unsure
    left, right = _side(catalog, topic, a, 0), _side(catalog, topic, b, 1)

    def count(items: tuple[Item, ...]) -> int:
        return sum(1 for i in items if i.citation)

    na, nb = count(left), count(right)
    intro = f"{a}: {na} statement(s); {b}: {nb} statement(s), newest first."
    if max(na, nb) >= MAX_SIDE:
        intro += f" At most the {MAX_SIDE} most recent are shown a side (undated ones only if fewer are dated)."
    if not na and not nb:
        intro = f"Neither {a} nor {b} has a recorded position on {quoted(topic)}. Try `positions {topic}`."
    elif not na or not nb:
        intro += f" {a if not na else b} has no recorded position on {quoted(topic)}."
    refs = tuple(dict.fromkeys(i.citation.dialogue_id for i in (*left, *right) if i.citation))
    return Answer(
        AnswerKind.COMPARE,
        f"{topic}: {a} vs {b}",
        intro,
        (*left, *right),
        ok=bool(na or nb),
        refs=refs,
        columns=(a, b),
    )
