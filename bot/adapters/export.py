"""`briefbot export --format md|csv|json [QUESTION]`: an answer (or every dialogue) for a report.

Markdown keeps the citations (one numbered source per dialogue), CSV gives one row per item (or, without a
question, people x dialogues, or positions), JSON is the neutral answer itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from bot.answer import DRAFT_MARK, Answer, Citation, Item
from bot.index.catalog import Catalog
from bot.query import ask, dialogue_answer

FORMATS = ("md", "csv", "json")
TABLES = ("people", "positions")


def citation_data(cite: Citation | None) -> dict[str, Any] | None:
    """Return a citation as plain data."""
    if cite is None:
        return None
    return {
        "dialogue_id": cite.dialogue_id,
        "title": cite.dialogue_title,
        "date": cite.date,
        "source": cite.source,
        "url": cite.url,
        "draft": cite.draft,
    }


def answer_data(answer: Answer) -> dict[str, Any]:
    """Return the neutral answer as plain data (the picture is left out: it is drawn from the same data)."""
    items = []
    for item in answer.items:
        entry: dict[str, Any] = {
            "heading": item.heading,
            "fields": [list(kv) for kv in item.fields],
            "lines": list(item.lines),
            "bullets": list(item.bullets),
            "citation": citation_data(item.citation),
        }
        if answer.columns:
            entry["column"] = answer.columns[item.column] if item.column is not None else None
        items.append(entry)
    data: dict[str, Any] = {
        "kind": str(answer.kind),
        "title": answer.title,
        "intro": answer.intro,
        "ok": answer.ok,
        "items": items,
        "choices": [{"label": c.label, "question": c.question, "description": c.description} for c in answer.choices],
        "sources": [citation_data(c) for c in answer.citations()],
    }
    if answer.columns:
        data["columns"] = list(answer.columns)
    return data


def to_json(answer: Answer) -> str:
    """Return the answer as JSON."""
    return json.dumps(answer_data(answer), ensure_ascii=False, indent=2) + "\n"


def _md_escape(text: str) -> str:
    """Return text safe inside Markdown: no accidental headings, emphasis, links or HTML."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_item(item: Item, notes: dict[str, int], level: str = "###") -> list[str]:
    mark = f" [^{notes[item.citation.dialogue_id]}]" if item.citation else ""
    out = [f"{level} {_md_escape(item.heading or '')}{mark}".rstrip(), ""] if item.heading or mark else []
    out += [f"- **{_md_escape(k)}:** {_md_escape(v)}" for k, v in item.fields]
    if item.fields:
        out.append("")
    for line in item.lines:
        out += [_md_escape(line), ""]
    out += [f"- {_md_escape(b)}" for b in item.bullets]
    if item.bullets:
        out.append("")
    return out


def to_markdown(answer: Answer) -> str:
    """Return the answer as Markdown for a report, each item footnoted to its dialogue and source."""
    notes = {c.dialogue_id: n for n, c in enumerate(answer.citations(), 1)}
    out = [f"# {_md_escape(answer.title)}", ""]
    if answer.intro:
        out += [_md_escape(answer.intro), ""]
    if answer.columns:
        for number, title in enumerate(answer.columns):
            out += [f"## {_md_escape(title)}", ""]
            for item in answer.items:
                if item.column == number:
                    out += _md_item(item, notes)
    else:
        for item in answer.items:
            out += _md_item(item, notes, "##")
    for choice in answer.choices:
        out.append(f"- {_md_escape(choice.label)} (ask: `{choice.question}`)")
    if answer.citations():
        out += ["", "## Sources", ""]
        for cite in answer.citations():
            label = f"{_md_escape(cite.dialogue_title)} ({cite.date or 'date not given'})"
            if cite.source:
                label += f", {_md_escape(cite.source)}"
            if cite.url:
                label += f", <{cite.url}>"
            if cite.draft:
                label += f", {DRAFT_MARK}"
            out.append(f"[^{notes[cite.dialogue_id]}]: {label}; briefbot id `{cite.dialogue_id}`")
    return "\n".join(out).rstrip() + "\n"


# a cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets (OWASP "CSV injection");
# a leading apostrophe makes it text there and is not shown
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(text: str) -> str:
    """Return a CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterator[list[str]] | list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([inert_cell(cell) for cell in row])
    return buffer.getvalue()


def to_csv(answer: Answer) -> str:
    """Return the answer as CSV: one row per item, with its dialogue, date and source."""
    header = ["column", "heading", "fields", "text", "dialogue_id", "dialogue_title", "date", "source", "url"]
    rows = [header]
    for item in answer.items:
        cite = item.citation
        column = answer.columns[item.column] if answer.columns and item.column is not None else ""
        fields = "; ".join(f"{k}: {v}" for k, v in item.fields)
        text = "\n".join([*item.lines, *(f"- {b}" for b in item.bullets)])
        rows.append(
            [
                column,
                item.heading or "",
                fields,
                text,
                cite.dialogue_id if cite else "",
                cite.dialogue_title if cite else "",
                (cite.date or "") if cite else "",
                (cite.source or "") if cite else "",
                (cite.url or "") if cite else "",
            ]
        )
    return _csv(rows)


def people_table(catalog: Catalog) -> str:
    """Return people x dialogues as CSV: one row per person and dialogue, with the part and the role then."""

    def rows() -> Iterator[list[str]]:
        header = "person person_id dialogue_id date dialogue_title part role affiliation country status"
        yield header.split()  # status: published, or draft (unreviewed, only with --drafts)
        for key in sorted(catalog.people, key=lambda k: catalog.people[k].name):
            record = catalog.people[key]
            for a in reversed(record.appearances):  # oldest first
                if a.dialogue_id not in catalog.dialogues:
                    continue
                summary = catalog.summary(a.dialogue_id)
                part = catalog.part(a.dialogue_id, a.index)
                yield [
                    record.name,
                    key,
                    a.dialogue_id,
                    summary.date or "",
                    summary.title,
                    ", ".join(a.parts),
                    part.role or "",
                    part.affiliation or "",
                    part.country or "",
                    summary.status,
                ]

    return _csv(rows())


def positions_table(catalog: Catalog) -> str:
    """Return every position as CSV: dialogue, date, speakers, topic, session and summary."""

    def rows() -> Iterator[list[str]]:
        yield ["dialogue_id", "date", "dialogue_title", "by", "topic", "session", "summary", "status"]
        for dialogue in reversed(list(catalog.ordered)):
            for pos in dialogue.positions:
                yield [
                    dialogue.id,
                    dialogue.date or "",
                    dialogue.title,
                    "; ".join(pos.by),
                    pos.topic,
                    pos.session or "",
                    pos.summary,
                    dialogue.status,
                ]

    return _csv(rows())


def every_dialogue(catalog: Catalog, fmt: str, table: str = "people") -> str:
    """Return every visible dialogue: JSON briefs, a Markdown report of each, or a CSV table."""
    if fmt == "json":
        data = [d.model_dump(mode="json", exclude_none=False) for d in catalog.ordered]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return positions_table(catalog) if table == "positions" else people_table(catalog)
    return "\n".join(to_markdown(dialogue_answer(catalog, d)) for d in catalog.ordered)


def export(catalog: Catalog, question: str, fmt: str, table: str = "people") -> tuple[str, bool]:
    """Return the export of a question's answer (or, with no question, of every dialogue) and whether it is ok."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not question.strip():
        return every_dialogue(catalog, fmt, table), True
    answer = ask(catalog, question)
    render = {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt]
    return render(answer), answer.ok
