"""`dialogue series NAME`: the rounds of a recurring dialogue (the brief's optional `series` key), in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answer import Answer, AnswerKind, Choice, Item
from bot.index.catalog import Catalog
from bot.present import citation, quoted
from bot.questions.subjects import series_of

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue

LIST_SCAN = 2000  # up to this many dialogues, `dialogue series` without a name lists every series by a scan


def list_series(catalog: Catalog) -> Answer:
    """Return every series named in the briefs with its number of dialogues (small catalogs only)."""
    if len(catalog.dialogues) > LIST_SCAN:
        return Answer(AnswerKind.HELP, "Which series?", "Name the series, e.g. `dialogue series ISSI-IPIS`.")
    counts: dict[str, int] = {}
    for dialogue in catalog.ordered:
        if dialogue.series:
            counts[dialogue.series] = counts.get(dialogue.series, 0) + 1
    if not counts:
        return Answer(AnswerKind.NOT_FOUND, "No series", "No brief names a series yet (the `series` key).", ok=False)
    choices = tuple(Choice(f"{name} ({n})", f"dialogue series {name}") for name, n in sorted(counts.items()))
    return Answer(AnswerKind.CHOOSE, "Dialogue series", f"{len(counts)} series; pick one:", choices=choices[:25])


def series_answer(catalog: Catalog, name: str, *, newest_first: bool = False) -> Answer:
    """Return the dialogues of a series, rounds in order (by round number, else by date); undated ones apart."""
    name = name.strip()
    if not name:
        return list_series(catalog)
    found = series_of(catalog, name)
    if not found:
        return Answer(
            AnswerKind.NOT_FOUND,
            "No such series",
            f"No brief names a series like {quoted(name)}. Ask `dialogue series` for the list.",
            ok=False,
        )
    series = found[0][1]
    dialogues = [catalog.dialogues[did] for did, _ in found]
    numbered = sorted((d for d in dialogues if d.round is not None), key=lambda d: (d.round or 0, d.date or ""))
    dated = sorted((d for d in dialogues if d.round is None and d.date), key=lambda d: d.date or "")
    # a dated round without a number goes between the numbered ones by date only when every numbered one is dated;
    # otherwise its place against an undated numbered round is unknown, so it is listed apart (never placed by guess)
    ordered, apart = numbered, dated
    if all(d.date for d in numbered):
        ordered, apart = sorted(numbered + dated, key=lambda d: (d.date or "", d.round or 0)), []
    undated = [d for d in dialogues if d.round is None and not d.date]
    if newest_first:
        ordered.reverse()
        apart.reverse()
    items = [_round_item(d) for d in ordered]
    if apart:
        items.append(
            Item(
                heading="Not numbered",
                lines=(
                    "These rounds give no round number and a numbered round gives no date, so their place among "
                    "the numbered rounds is not known; they are listed apart by date, not placed by guess.",
                ),
            )
        )
        items += [_round_item(d) for d in apart]
    if undated:
        items.append(
            Item(
                heading="Date not given",
                lines=(
                    "These rounds give no event date and no round number; they are listed apart, not placed by guess.",
                ),
            )
        )
        for d in undated:
            items.append(
                Item(f"date not given — {d.title}", (("Round", "not numbered"),), (), _people_line(d), citation(d))
            )
    intro = f"{len(dialogues)} dialogue(s) in the series, " + ("newest first." if newest_first else "in order.")
    return Answer(AnswerKind.SERIES, f"Series: {series}", intro, tuple(items), refs=tuple(d.id for d in dialogues))


def _round_item(d: Dialogue) -> Item:
    """Return one round of a series: date and title, its number (or none), organisers and counts."""
    label = f"Round {d.round}" if d.round is not None else "Round not numbered"
    fields = (("Round", label.removeprefix("Round ")), ("Date", d.date or "date not given"))
    when = d.date or "date not given"
    return Item(f"{when} — {d.title}", fields, (), _people_line(d), citation(d))


def _people_line(dialogue: Dialogue) -> tuple[str, ...]:
    """Return one bullet naming the organisers and the number of participants of a dialogue."""
    orgs = " and ".join(o.acronym or o.name for o in dialogue.organizers) or "organisers not given"
    return (f"{orgs}; {len(dialogue.participants)} participant(s), {len(dialogue.positions)} position(s)",)
