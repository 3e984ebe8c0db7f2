"""What many answers share: the help list, "not found" with the closest names, a dialogue cited from its summary."""

from __future__ import annotations

from collections.abc import Callable

from bot.answer import Answer, AnswerKind, Choice, Citation, Item
from bot.index.catalog import Catalog
from bot.index.lines import Line

MAX_HITS = 50  # items listed by one answer (the best or the most recent)

HELP_LINES = (
    ("dialogue latest", "the most recent dialogue"),
    ("dialogue list [words] [year]", "dialogues, newest first, e.g. `dialogue list IRAS 2025`"),
    ("dialogue show <id or title words>", "one dialogue in full"),
    ("who <name>", "a person's roles, dialogues and positions, e.g. `who Sohail Mahmood`"),
    ("session <topic>", "sessions on a topic, e.g. `session Afghanistan`"),
    (
        "positions [<topic>] [by <name, institute or country>]",
        "who said what on a topic, or by whom, e.g. `positions Afghanistan by Iran`, `positions by ISSI`",
    ),
    ("search <text>", "full text over every brief"),
    ("timeline <who or topic or series> [newest first]", "through time, e.g. `timeline Sohail Mahmood`"),
    ("compare <topic> <A> vs <B>", "positions side by side, e.g. `compare Afghanistan Pakistan vs Iran`"),
    ("network <who>", "who sat with whom, with a picture, e.g. `network Amina Khan`"),
    ("dialogue series <name>", "the rounds of a recurring dialogue, e.g. `dialogue series ISSI-IPIS`"),
    ("help", "this list"),
)


def person_choices(catalog: Catalog, keys: tuple[str, ...], question: Callable[[str], str]) -> tuple[Choice, ...]:
    """Return up to 25 people to pick from, each asking `question(name)` when picked."""
    people = catalog.shown_people(keys[:25])
    return tuple(Choice(person.shown, question(person.name), person.role) for person in people)


def help_answer(note: str | None = None) -> Answer:
    """Return the list of questions briefbot answers."""
    items = tuple(Item(fields=((cmd, what),)) for cmd, what in HELP_LINES)
    return Answer(AnswerKind.HELP, "briefbot: what you can ask", note, items)


def not_found(
    title: str, intro: str, suggestions: tuple[str, ...] = (), command: str = "who", lead: str = "Closest:"
) -> Answer:
    """Return a not-found answer, offering the closest names (or one did-you-mean) as choices."""
    choices = tuple(Choice(s, f"{command} {s}") for s in suggestions)
    if suggestions:
        intro += f" {lead} " + ", ".join(suggestions) + ("?" if lead.startswith("Did") else ".")
    return Answer(AnswerKind.NOT_FOUND, title, intro, choices=choices, ok=False)


def summary_citation(catalog: Catalog, dialogue_id: str) -> Citation:
    """Return the citation of a dialogue from its summary's line (Catalog.line), without loading the dialogue."""
    return line_citation(dialogue_id, catalog.line(dialogue_id))


def summary_heading(catalog: Catalog, dialogue_id: str) -> str:
    """Return 'Title (date)' of a dialogue from its summary's line (Catalog.line), without loading the dialogue."""
    return line_heading(catalog.line(dialogue_id))


def line_citation(dialogue_id: str, line: Line) -> Citation:
    """Return the citation of a dialogue from its line."""
    return Citation(dialogue_id, line.title, line.date, line.label, line.url, line.draft)


def line_heading(line: Line) -> str:
    """Return 'Title (date)' of a dialogue from its line."""
    return f"{line.title} ({line.date or 'date not given'})"
