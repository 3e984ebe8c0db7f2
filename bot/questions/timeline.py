"""`timeline WHO|TOPIC|SERIES`: a person, institute, country, topic or series through time, dialogue by dialogue.

Undated dialogues are never placed by guess: they come after the dated ones, under "date not given".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.answer import DRAFT_MARK, Answer, AnswerKind, Choice, Citation, Item
from bot.index.catalog import Catalog
from bot.positions import positions
from bot.present import quoted, role_text
from bot.questions.series import series_answer
from bot.questions.subjects import (
    Subject,
    SubjectKind,
    group_count,
    group_dialogues,
    is_group,
    resolve,
    suggestions,
)
from bot.replies import MAX_HITS, help_answer, person_choices, summary_citation
from bot.speakers import split_by

MAX_ENTRIES = 50  # dialogues shown in one timeline (the most recent ones when there are more)
FULL_ENTRIES = 30  # the most recent dialogues of a person shown with their positions; older ones with the part
UNDATED = "Date not given"
UNDATED_NOTE = "These dialogues give no event date; they are listed apart, not placed by guess."

_ORDER = re.compile(r"\s*(?:,|\border\s*[:=]?)?\s*\b(newest|latest|oldest|earliest)\s+(first|last)\s*$", re.IGNORECASE)


def split_order(text: str) -> tuple[str, bool]:
    """Split 'Sohail Mahmood newest first' into the subject and whether the newest come first (default: last)."""
    match = _ORDER.search(text)
    if not match:
        return text.strip(), False
    which, where = match.group(1).lower(), match.group(2).lower()
    newest = which in {"newest", "latest"}
    return text[: match.start()].strip(), newest == (where == "first")


def date_heading(cite: Citation, title: str | None = None) -> str:
    """Return '2025-07-29 — Title' (or 'date not given — Title')."""
    return f"{cite.date or 'date not given'} — {title or cite.dialogue_title}"


def arrange(entries: Sequence[tuple[str | None, int, Item]], newest_first: bool) -> tuple[Item, ...]:
    """Return timeline items in date order (ties: catalog order), with undated ones apart at the end.

    entries are (date or None, newest-first rank, item).
    """
    dated = [e for e in entries if e[0]]
    undated = [e for e in entries if not e[0]]
    # partial dates ("2025", "2025-07") sort before the full dates they contain; ties keep catalog order
    dated.sort(key=lambda e: (e[0] or "", -e[1]), reverse=newest_first)
    undated.sort(key=lambda e: e[1] if newest_first else -e[1])
    items = [e[2] for e in dated]
    if undated:
        items.append(Item(heading=UNDATED, lines=(UNDATED_NOTE,)))
        items += [e[2] for e in undated]
    return tuple(items)


def _intro(count: int, dated: int, newest_first: bool, capped: bool, hidden: tuple[int, int] | None = None) -> str:
    """Return a timeline's intro; hidden, when known, is (older dated, undated) dialogues left out by the cap."""
    order = "newest first" if newest_first else "oldest first"
    text = f"{count} dialogue(s), {order}"
    if count > dated:
        text += f"; {count - dated} without a date listed apart"
    text += "."
    if hidden is not None and any(hidden):
        older, undated = hidden
        parts = [f"{older} older dated dialogue(s)"] if older else []
        parts += [f"{undated} without a date, which cannot be ranked"] if undated else []
        text += " Not shown: " + " and ".join(parts) + "."
    elif capped:  # undated dialogues cannot be ranked: they are shown only when fewer than the cap are dated
        text += f" The {MAX_ENTRIES} most recent are shown (dialogues without a date only if fewer are dated)."
    return text


def timeline(catalog: Catalog, text: str) -> Answer:
    """Return a person, institute, country, topic or series through time."""
    what, newest_first = split_order(text)
    if not what:
        return help_answer(
            "Timeline of what? Try `timeline Sohail Mahmood`, `timeline ISSI`, `timeline Afghanistan newest first`."
        )
    subject = resolve(catalog, what)
    if subject is None:
        intro = f"No person, institute, country, topic or series matches {quoted(what)}."
        close = suggestions(catalog, what)
        if close:
            intro += " Closest: " + ", ".join(close) + "."
        choices = tuple(Choice(s, f"timeline {s}") for s in close)
        return Answer(AnswerKind.NOT_FOUND, "Nothing to show", intro, choices=choices, ok=False)
    return timeline_of(catalog, subject, newest_first)


def timeline_of(catalog: Catalog, subject: Subject, newest_first: bool = False) -> Answer:
    """Return the timeline of a resolved subject."""
    if subject.kind is SubjectKind.PERSON:
        if len(subject.keys) > 1:
            choices = person_choices(catalog, subject.keys, lambda plain: f"timeline person {plain}")
            return Answer(
                AnswerKind.CHOOSE,
                f"{len(subject.keys)} people match {subject.label}",
                "Whose timeline? Pick one:",
                choices=choices,
                refs=subject.keys,
            )
        return person_timeline(catalog, subject.keys[0], newest_first)
    if subject.kind is SubjectKind.GROUP:
        return group_timeline(catalog, subject.label, newest_first)
    if subject.kind is SubjectKind.SERIES:
        return series_timeline(catalog, subject.label, newest_first)
    return topic_timeline(catalog, subject.label, newest_first)


def _position_bullets(catalog: Catalog, wanted: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, ...]]:
    """Return 'topic: summary' of the positions each (dialogue id, participant index) took, from the display rows
    (two primary-key reads when the index holds the served versions; else built from the dialogue itself)."""
    people = catalog.people_rows(did for did, _ in wanted)
    refs: dict[tuple[str, int], tuple[int, ...]] = {}
    for did, index in wanted:
        rows = people.get(did)
        if rows is not None and index < len(rows):
            refs[(did, index)] = rows[index].positions
    said = catalog.position_rows((did, ref) for (did, _), rs in refs.items() for ref in rs)
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    for key, rs in refs.items():
        found = [said.get((key[0], ref)) for ref in rs]
        if all(x is not None for x in found):
            out[key] = tuple(f"{x.topic}: {x.summary}" for x in found if x is not None)
    return out


def person_timeline(catalog: Catalog, key: str, newest_first: bool = False) -> Answer:
    """Return one person's dialogues through time: the part played, the role then and the positions taken."""
    record = catalog.people[key]
    apps = [a for a in record.appearances if a.dialogue_id in catalog.dialogues]
    capped = len(apps) > MAX_ENTRIES
    every = apps
    apps = apps[:MAX_ENTRIES]
    full = [(a.dialogue_id, a.index) for a in apps[:FULL_ENTRIES]]
    bullets = _position_bullets(catalog, full)
    entries: list[tuple[str | None, int, Item]] = []
    for n, a in enumerate(apps):
        cite = summary_citation(catalog, a.dialogue_id)
        part = catalog.part(a.dialogue_id, a.index)
        then = role_text(part.role, part.affiliation)
        fields: tuple[tuple[str, str], ...] = (("Part", ", ".join(a.parts)), ("Then", then))
        said = bullets.get((a.dialogue_id, a.index), ()) if n < FULL_ENTRIES else ()
        entries.append((cite.date, catalog.rank(a.dialogue_id), Item(date_heading(cite), fields, (), said, cite)))
    dated = sum(1 for e in entries if e[0])
    person = catalog.shown_person(key)
    intro = _intro(len(entries), dated, newest_first, capped)
    if capped:  # the undated come last in catalog order, so the cap would drop them first: say what is left out
        all_dated = sum(1 for a in every if catalog.summary(a.dialogue_id).date)
        hidden = (all_dated - dated, len(every) - all_dated - (len(entries) - dated))
        intro = f"{len(every)} dialogue(s) in all. " + _intro(len(entries), dated, newest_first, capped, hidden)
    return Answer(
        AnswerKind.TIMELINE,
        f"Timeline: {person.shown or person.name}",
        intro,
        arrange(entries, newest_first),
        refs=tuple(a.dialogue_id for a in apps),
    )


def group_timeline(catalog: Catalog, name: str, newest_first: bool = False) -> Answer:
    """Return an institute's or country's dialogues through time: organised, and who of it took part."""
    exact = is_group(catalog, name, exact=True)
    found = group_dialogues(catalog, name, exact=exact, limit=MAX_ENTRIES + 1)
    if not found:
        return Answer(AnswerKind.NOT_FOUND, "Nothing to show", f"No dialogue involves {quoted(name)}.", ok=False)
    capped = len(found) > MAX_ENTRIES
    found = found[:MAX_ENTRIES]
    entries: list[tuple[str | None, int, Item]] = []
    for g in found:
        cite = summary_citation(catalog, g.dialogue_id)
        part = ["organiser"] if g.organiser else []
        bullets = tuple(f"{p.name} — {p.role}" for p in g.people)
        if bullets:
            part.append(f"{len(bullets)} of its people took part")
        fields = [("Part", "; ".join(part))]
        entries.append(
            (cite.date, catalog.rank(g.dialogue_id), Item(date_heading(cite), tuple(fields), (), bullets, cite))
        )
    dated = sum(1 for e in entries if e[0])
    intro = _intro(len(entries), dated, newest_first, capped)
    if capped:
        intro = f"{group_count(catalog, name, exact=exact)} dialogue(s) in all. " + intro
    return Answer(
        AnswerKind.TIMELINE,
        f"Timeline: {name}",
        intro,
        arrange(entries, newest_first),
        refs=tuple(g.dialogue_id for g in found),
    )


def series_timeline(catalog: Catalog, name: str, newest_first: bool = False) -> Answer:
    """Return the rounds of a dialogue series through time."""
    answer = series_answer(catalog, name, newest_first=newest_first)
    return replace(answer, kind=AnswerKind.TIMELINE) if answer.ok else answer


def topic_timeline(catalog: Catalog, topic: str, newest_first: bool = False) -> Answer:
    """Return who said what on a topic, when and where, through time (the most recent statements); `TOPIC by X`
    keeps only X's statements, as `positions TOPIC by X` does (never a heading "by X" over someone else's)."""
    found = positions(catalog, *split_by(topic))
    if found.kind is AnswerKind.CHOOSE:  # several people fit X: the choices ask for this timeline again
        again = tuple(
            replace(c, question="timeline topic " + c.question.removeprefix("positions ")) for c in found.choices
        )
        return replace(found, choices=again)
    if not found.ok:
        return found
    entries: list[tuple[str | None, int, Item]] = []
    for n, item in enumerate(found.items):
        cite = item.citation
        if cite is None:  # pragma: no cover - every position item cites its dialogue
            continue
        fields = tuple(kv for kv in item.fields if kv[0] != "Dialogue")
        topic_text = (item.heading or "").removeprefix(f"[{DRAFT_MARK}] ").removeprefix("Position: ")
        heading = f"{date_heading(cite)} · {topic_text}" if topic_text else date_heading(cite)
        entries.append((cite.date, n, Item(heading, fields, item.lines, item.bullets, cite)))
    dated = sum(1 for e in entries if e[0])
    dialogues = len({e[2].citation.dialogue_id for e in entries if e[2].citation})
    order = "newest first" if newest_first else "oldest first"
    intro = f"{len(entries)} statement(s) from {dialogues} dialogue(s), {order}"
    if len(entries) >= MAX_HITS:
        # undated statements cannot be ranked: positions lists them after the dated ones, so the cap drops them first
        intro += f" (the {MAX_HITS} most recent; statements from dialogues without a date only if fewer are dated)"
    if len(entries) > dated:
        intro += f"; {len(entries) - dated} from dialogues without a date listed apart"
    intro += "."
    return Answer(
        AnswerKind.TIMELINE,
        f"Timeline: {topic}",
        intro,
        arrange(entries, newest_first),
        refs=found.refs,
    )
