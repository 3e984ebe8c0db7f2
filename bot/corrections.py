"""The correction path: where in which brief an answer's facts come from, and the report admins receive.

Nothing here changes a brief: a report names the dialogue, the field, the question and the file (and line) an
editor should look at; people fix briefs, reviewed like code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer, AnswerKind, Item

MAX_WHAT = 1000  # characters of "what is wrong" kept (Discord's modal allows up to 4000, Slack's 3000)
_REF = re.compile(r"^(?P<did>[^#:]+)(?:#(?P<ref>\d+)|:(?P<field>.+))?$")
_REF_FIELDS = {AnswerKind.POSITIONS: "positions", AnswerKind.SESSIONS: "sessions"}


@dataclass(frozen=True, slots=True)
class Spot:
    """One place in a brief that an answer shows: the dialogue, the field path ('' = the brief) and the item."""

    dialogue_id: str
    field: str
    label: str


@dataclass(frozen=True, slots=True)
class Report:
    """A problem a reader reported in an answer; only ever read by people."""

    question: str
    answer_title: str
    spots: tuple[Spot, ...]
    what: str
    part: str = ""
    reporter: str = ""
    surface: str = ""
    where: str = ""


def spots(answer: Answer, items: Sequence[Item] | None = None) -> tuple[Spot, ...]:
    """Return the places in briefs the given items of an answer (all of them by default) come from."""
    shown = list(answer.items if items is None else items)
    refs = answer.refs
    out: dict[tuple[str, str], Spot] = {}
    aligned = len(refs) == len(answer.items) and answer.kind in {*_REF_FIELDS, AnswerKind.SEARCH}
    position = {id(item): i for i, item in enumerate(answer.items)}
    for item in shown:
        label = item.heading or ""
        field = ""
        did = item.citation.dialogue_id if item.citation else ""
        if aligned and id(item) in position:  # a piece of a split item is matched by its path only
            match = _REF.match(refs[position[id(item)]])
            if match:
                did = match["did"]
                if match["ref"] is not None:
                    field = f"{_REF_FIELDS[answer.kind]}[{match['ref']}]"
                elif match["field"]:
                    field = match["field"]
        if item.path and item.citation:  # the item says which field it shows
            did, field = item.citation.dialogue_id, item.path
        if did:
            out.setdefault((did, field), Spot(did, field, label))
    if not out:
        out = {(r, ""): Spot(r, "", answer.title) for r in refs if _REF.match(r) and "#" not in r and ":" not in r}
    return tuple(out.values())


def _loc(field: str) -> list[str | int]:
    """Return the location list of a field path: 'sessions[1].takeaways[0]' -> ['sessions', 1, 'takeaways', 0]."""
    out: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", field):
        out.append(name if name else int(index))
    return out


def line_of(path: Path, field: str) -> int | None:
    """Return the line of a field in a brief file (1 for the whole brief), or None when the file cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not field:
        return 1
    from bot.briefs.parsing import locate  # here: the YAML parser is no cost of a question that links nothing

    line, _ = locate(text, _loc(field))
    return line


def link(spot: Spot, file_of: Callable[[str], Path], template: str | None = None) -> str:
    """Return where to edit a spot: the brief_url template filled in ({file}, {id}, {line}), else path:line."""
    path = file_of(spot.dialogue_id)
    line = line_of(path, spot.field) or 1
    if template:
        return template.format(file=path.name, id=spot.dialogue_id, line=line)
    return f"{path}:{line}"


def admin_text(report: Report, file_of: Callable[[str], Path], template: str | None = None) -> str:
    """Return the message admins receive: who reported what, in which answer, and which brief fields to check."""
    by = f" by {report.reporter}" if report.reporter else ""
    where = f" in {report.where}" if report.where else ""
    lines = [
        f"Problem reported{by} on {report.surface or 'briefbot'}{where}",
        f"Question: {report.question}",
        f"Answer: {report.answer_title}",
        f"What is wrong: {report.what[:MAX_WHAT]}",
    ]
    if report.part:
        lines.append(f"Part named: {report.part[:200]}")
    for spot in report.spots[:10]:
        field = spot.field or "(whole brief)"
        lines.append(f"Brief: {spot.dialogue_id} · field {field} · {spot.label} · {link(spot, file_of, template)}")
    if len(report.spots) > 10:
        lines.append(f"… and {len(report.spots) - 10} more place(s) in this answer")
    lines.append("Nothing was changed: edit the brief, have it reviewed, and it is reloaded.")
    return "\n".join(lines)


def console_lines(answer: Answer, file_of: Callable[[str], Path]) -> list[str]:
    """Return the file and line to edit for each place the answer shows (what `report` prints in the console)."""
    found = spots(answer)
    if not found:
        return ["Nothing to correct here: this answer shows no brief."]
    lines = ["To correct this answer, edit (nothing is changed automatically):"]
    for spot in found:
        path = file_of(spot.dialogue_id)
        line = line_of(path, spot.field) or 1
        field = spot.field or "(whole brief)"
        lines.append(f"  {path}:{line}  {field}  {spot.label}")
    return lines
