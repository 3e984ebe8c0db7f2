"""Neutral answers -> Slack Block Kit pages within Slack's limits, with every brief text escaped."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from bot.adapters.slack_app import limits as L
from bot.answer import (
    Answer,
    AnswerKind,
    Choice,
    Citation,
    Item,
    iter_paginate,
    iter_split_item,
    paginate,
    split_item,
    split_text,
    unique_citations,
)

Block = dict[str, Any]

ACTION_PREV = "brief_prev"
ACTION_NEXT = "brief_next"
ACTION_SHARE = "brief_share"
ACTION_REPORT = "brief_report"  # opens the Report a problem modal (bot.adapters.slack_app.report)
ACTION_CHOOSE = "brief_choose"  # buttons are brief_choose_0.., the select is brief_choose_select
ACTION_PATTERN = re.compile(r"^brief_(prev|next|share|choose_\w+)$")

PAGE_CHARS = 12_000  # escaped characters of items per page, to keep messages readable
PAGE_BLOCKS = 40  # blocks of items per page; the rest (header, intro, sources, buttons) fits in the other 10
PAGE_ITEMS = 20  # items per page, which also bounds the sources cited on one page
MAX_HEADING = 1000
MAX_BUTTONS = 5
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_AT = re.compile(r"(?<![\w.+-])@(?=\w)")
_WORD_JOINER = "\u2060"


# ----- escaping ---------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape text for mrkdwn: &, <, > become entities and @words cannot ping anyone."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT.sub("@" + _WORD_JOINER, text)


def plain(text: str) -> str:
    """Make plain_text safe: it is not parsed for mentions, but <...> and @here-style words are defused anyway."""
    return _AT.sub("@" + _WORD_JOINER, text.replace("<", "‹").replace(">", "›"))


def link(url: str | None, label: str) -> str:
    """Return a mrkdwn link to an http(s) URL with an escaped label, or just the escaped label."""
    if url and re.match(r"^https?://\S+$", url) and len(url) <= 1000:
        safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
        return f"<{safe}|{escape(label)}>"
    return escape(label)


def shorten(text: str, limit: int) -> str:
    """Return text cut at a word boundary to at most limit characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return split_text(text, limit - 1)[0][: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link channel names or parse mentions in brief text
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain(text: str, limit: int = L.BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(plain(text), limit) or " ", "emoji": False}


def escaped(text: str, limit: int) -> str:
    """Return text escaped for mrkdwn and, if needed, shortened so the escaped form fits in limit."""
    cut = limit
    out = escape(shorten(text, cut))
    while len(out) > limit:
        cut = max(1, cut * 3 // 4)
        out = escape(shorten(text, cut))
    return out


# ----- button values ----------------------------------------------------------------------------------------


def encode_value(question: str, page: int = 0) -> str:
    """Return the button value that asks question again and shows page."""
    return json.dumps({"q": question, "p": page}, ensure_ascii=False, separators=(",", ":"))


def decode_value(value: str) -> tuple[str, int]:
    """Return (question, page) from a button value; plain strings (select options) are questions."""
    try:
        data = json.loads(value)
    except ValueError:
        return value, 0
    if isinstance(data, dict) and isinstance(data.get("q"), str):
        page = data.get("p", 0)
        return data["q"], page if isinstance(page, int) and page >= 0 else 0
    return value, 0


# ----- items ------------------------------------------------------------------------------------------------


def item_blocks(item: Item) -> list[Block]:
    """Return the section blocks of one item: heading, lines and bullets as text, fields in pairs."""
    parts: list[str] = []
    if item.heading:
        parts.append(f"*{escape(shorten(item.heading, MAX_HEADING))}*")
    parts += [escape(line) for line in item.lines]
    parts += [f"• {escape(b)}" for b in item.bullets]
    fields = [_mrkdwn(f"*{escape(k)}*\n{escape(v)}" if v.strip() else f"*{escape(k)}*") for k, v in item.fields]
    blocks: list[Block] = []
    first: Block = {"type": "section"}
    if parts:
        first["text"] = _mrkdwn("\n".join(parts))
    if fields:
        first["fields"] = fields[: L.MAX_FIELDS]
    if parts or fields:
        blocks.append(first)
    for start in range(L.MAX_FIELDS, len(fields), L.MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + L.MAX_FIELDS]})
    return blocks


def _fits(blocks: list[Block]) -> bool:
    if len(blocks) > PAGE_BLOCKS // 2:
        return False
    for block in blocks:
        if len(block.get("text", {}).get("text", "")) > L.SECTION_TEXT:
            return False
        if any(len(f["text"]) > L.FIELD_TEXT for f in block.get("fields", ())):
            return False
    return True


def fit_item(item: Item) -> list[Item]:
    """Return the item, or consecutive '(continued)' pieces of it, each renderable within Slack's limits."""
    if _fits(item_blocks(item)):
        return [item]
    step = L.MAX_FIELDS * (PAGE_BLOCKS // 2)
    parts = [item]
    if len(item.fields) > step:  # too many fields for one message: split them into groups first
        parts = [replace(item, fields=item.fields[:step])]
        parts += [
            Item(
                f"{item.heading} (continued)" if item.heading else None,
                item.fields[i : i + step],
                (),
                (),
                item.citation,
            )
            for i in range(step, len(item.fields), step)
        ]
    budget = L.SECTION_TEXT - 200
    pieces = parts
    while budget >= 40:
        pieces = [p for part in parts for p in split_item(part, budget)]
        if all(_fits(item_blocks(p)) for p in pieces):
            return pieces
        budget //= 2
    return pieces


def _iter_fit(item: Item) -> Iterator[Item]:
    """Yield the pieces of an item renderable within Slack's limits, splitting its texts only as far as read."""
    if len(item.fields) > L.MAX_FIELDS * (PAGE_BLOCKS // 2):
        yield from fit_item(item)  # a table-like item: grouped by fields, as fit_item does
        return
    for piece in iter_split_item(item, L.SECTION_TEXT - 200):
        yield from fit_item(piece)


def _size(blocks: list[Block]) -> int:
    chars = 0
    for block in blocks:
        chars += len(block.get("text", {}).get("text", ""))
        chars += sum(len(f["text"]) for f in block.get("fields", ()))
    return chars


Row = tuple[Item | None, Item | None]  # one row of a side-by-side answer: left and right cells
Unit = Item | Row


def cell_text(item: Item | None) -> str:
    """Return one side-by-side cell as escaped mrkdwn (heading, fields, lines, bullets), within a section field."""
    if item is None:
        return "—"  # an empty side of the row (Slack refuses empty text)
    parts = [f"*{escape(shorten(item.heading, 300))}*"] if item.heading else []
    parts += [f"*{escape(k)}:* {escape(v)}" for k, v in item.fields]
    parts += [escape(line) for line in item.lines]
    parts += [f"• {escape(b)}" for b in item.bullets]
    return "\n".join(parts) or " "


def row_blocks(row: Row) -> list[Block]:
    """Return one section whose two fields show the left and right cells side by side."""
    return [{"type": "section", "fields": [_mrkdwn(cell_text(row[0])), _mrkdwn(cell_text(row[1]))]}]


def _cells(items: list[Item]) -> list[Item]:
    """Split items so that each cell stays within a section field's 2,000 characters once escaped."""
    out: list[Item] = []
    for item in items:
        budget = L.FIELD_TEXT - 300
        pieces = [item]
        while budget >= 40 and any(len(cell_text(p)) > L.FIELD_TEXT for p in pieces):
            pieces = split_item(item, budget)
            budget //= 2
        out += pieces
    return out


def column_pages(answer: Answer) -> list[list[Unit]]:
    """Return the pages of a side-by-side answer: a title row, then rows pairing the left and right items."""
    left = _cells([i for i in answer.items if i.column == 0])
    right = _cells([i for i in answer.items if i.column == 1])
    titles = (Item(heading=answer.columns[0]), Item(heading=answer.columns[1] if len(answer.columns) > 1 else ""))
    rows: list[Row] = [
        (left[n] if n < len(left) else None, right[n] if n < len(right) else None)
        for n in range(max(len(left), len(right)))
    ]
    pages: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for row in rows:
        cost = len(cell_text(row[0])) + len(cell_text(row[1]))
        if current and (used + cost > PAGE_CHARS or len(current) >= PAGE_ITEMS // 2):
            pages.append(current)
            current, used = [], 0
        if not current:
            current.append(titles)
        current.append(row)
        used += cost
    if current:
        pages.append(current)
    wide = [i for i in answer.items if i.column is None]
    return [[*wide, *page] for page in pages] if pages else [[*wide]]


def _items_of(units: list[Unit]) -> list[Item]:
    return [x for u in units for x in ((u,) if isinstance(u, Item) else u) if x is not None]


def _cost(item: Item) -> int:
    blocks = item_blocks(item)
    return max(math.ceil(len(blocks) * PAGE_CHARS / PAGE_BLOCKS), _size(blocks))


def pages_of(answer: Answer) -> list[list[Unit]]:
    """Group an answer's items (split only when one alone is too big) into pages of whole items."""
    if answer.columns:
        return column_pages(answer)
    items = [piece for item in answer.items for piece in fit_item(item)]
    pages: list[list[Unit]] = [list(page) for page in paginate(items, _cost, PAGE_CHARS, PAGE_ITEMS)]
    return pages or [[]]


# Work budget per answer: a large answer is paged lazily (a page turn renders only its page, reading the answer
# no further than the next page) and stops after MAX_PAGES pages with a note. Smaller answers are paged at once.
MAX_PAGES = 50
EAGER_CHARS = 12 * PAGE_CHARS
TOO_LONG = "The answer goes on beyond {n} pages. Ask a narrower question, e.g. /brief positions TOPIC by NAME."


def _iter_pages(answer: Answer) -> Iterator[list[Unit]]:
    items = (piece for item in answer.items for piece in _iter_fit(item))
    pages = iter_paginate(items, _cost, PAGE_CHARS, PAGE_ITEMS)
    for number, page in enumerate(pages, 1):
        if number == MAX_PAGES and next(pages, None) is not None:
            yield [Item(lines=(TOO_LONG.format(n=MAX_PAGES - 1),))]
            return
        yield list(page)


def pages_upto(answer: Answer, page: int) -> tuple[list[list[Unit]], bool]:
    """Return the pages of an answer up to page + 1 (to know whether a next one exists) and whether that is all."""
    if answer.columns or sum(item.text_size() for item in answer.items) <= EAGER_CHARS:
        return pages_of(answer), True
    out: list[list[Unit]] = []
    for found in _iter_pages(answer):
        out.append(found)
        if len(out) > page + 1:
            return out, False
    return out or [[]], True


# ----- citations and choices --------------------------------------------------------------------------------


def citation_text(cite: Citation) -> str:
    """Return 'Source: <url|publisher> · dialogue title (date) `id`' in escaped mrkdwn."""
    when = cite.date or "date not given"
    source = link(cite.url, shorten(cite.source or "source", 200)) if cite.url else escape(cite.source or "")
    if not cite.url:
        source = (source + " " if source else "") + "(no link recorded)"
    title = escape(shorten(cite.dialogue_title, 200))
    return f"Source: {source} · {title} ({escape(when)}) `{escape(shorten(cite.dialogue_id, 100))}`"


def _citation_block(items: list[Item]) -> Block | None:
    cites = unique_citations(items)
    if not cites:
        return None
    lines = [citation_text(c) for c in cites]
    elements: list[str] = []
    for line in lines:
        if len(elements) < L.CONTEXT_ELEMENTS:
            elements.append(line)
        elif len(elements[-1]) + len(line) + 1 <= L.CONTEXT_TEXT:
            elements[-1] += "\n" + line
        else:
            elements[-1] = elements[-1] + "\n…"  # unreachable with PAGE_ITEMS citations of bounded size
            break
    return {"type": "context", "elements": [_mrkdwn(e[: L.CONTEXT_TEXT]) for e in elements]}


def _choice_blocks(choices: tuple[Choice, ...]) -> list[Block]:
    listed = "\n".join(f"• {c.label}" + (f" — {c.description}" if c.description else "") for c in choices)
    blocks: list[Block] = [{"type": "section", "text": _mrkdwn(escaped(listed, L.SECTION_TEXT))}]
    usable = [c for c in choices if len(c.question) <= L.OPTION_VALUE]
    if not usable:
        return blocks
    if len(usable) <= MAX_BUTTONS:
        buttons = [
            {
                "type": "button",
                "action_id": f"{ACTION_CHOOSE}_{i}",
                "text": _plain(c.label, L.BUTTON_TEXT),
                "value": encode_value(c.question),
            }
            for i, c in enumerate(usable)
        ]
        blocks.append({"type": "actions", "block_id": "brief_choices", "elements": buttons})
    else:
        options = []
        for c in usable[: L.SELECT_OPTIONS]:
            option: dict[str, Any] = {"text": _plain(c.label, L.OPTION_TEXT), "value": c.question}
            if c.description:
                option["description"] = _plain(c.description, L.OPTION_TEXT)
            options.append(option)
        select = {
            "type": "static_select",
            "action_id": f"{ACTION_CHOOSE}_select",
            "placeholder": _plain("Choose…"),
            "options": options,
        }
        blocks.append({"type": "actions", "block_id": "brief_choices", "elements": [select]})
    return blocks


# ----- messages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Slack message of an answer: fallback text, blocks, and which page of how many it is."""

    text: str
    blocks: list[Block]
    page: int
    pages: int  # 0 while the answer has not been paged to its end

    def message(self) -> dict[str, Any]:
        """Return the message body (text and blocks) for chat.postMessage or a response_url."""
        return {"text": self.text, "blocks": self.blocks}


def fallback_text(answer: Answer, page: int, pages: int) -> str:
    """Return the escaped notification text of an answer page."""
    raw = answer.title + (f": {answer.intro}" if answer.intro else "")
    text = escaped(raw, 1000)
    if pages == 0:  # not paged to its end
        return text + f" (page {page + 1})"
    return text + (f" (page {page + 1} of {pages})" if pages > 1 else "")


def render(
    answer: Answer,
    *,
    question: str | None = None,
    page: int = 0,
    shared_by: str | None = None,
) -> Rendered:
    """Render one page of an answer; with a question, add paging and share buttons, unless already shared."""
    pages, complete = pages_upto(answer, max(page, 0))
    return _render(answer, pages, complete, question=question, page=page, shared_by=shared_by)


def _render(
    answer: Answer,
    pages: list[list[Unit]],
    complete: bool,
    *,
    question: str | None = None,
    page: int = 0,
    shared_by: str | None = None,
) -> Rendered:
    page = min(max(page, 0), len(pages) - 1)
    items = pages[page]
    blocks: list[Block] = [{"type": "header", "text": _plain(answer.title, L.HEADER_TEXT)}]
    intro = answer.intro or ""
    if len(answer.title) > L.HEADER_TEXT:
        intro = f"{answer.title}\n{intro}".strip()
    if intro and page == 0:
        blocks.append({"type": "section", "text": _mrkdwn(escaped(intro, L.SECTION_TEXT))})
    for unit in items:
        blocks.extend(item_blocks(unit) if isinstance(unit, Item) else row_blocks(unit))
    if answer.choices and complete and page == len(pages) - 1 and not shared_by:
        blocks.extend(_choice_blocks(answer.choices))
    cites = _citation_block(_items_of(items))
    if cites:
        blocks.append(cites)
    notes: list[str] = []
    if not complete:
        notes.append(f"Page {page + 1}")
    elif len(pages) > 1:
        notes.append(f"Page {page + 1} of {len(pages)}")
    if shared_by and _USER_ID.match(shared_by):
        notes.append(f"Shared by <@{shared_by}>")
    if shared_by and question and len(pages) > 1:
        notes.append(f"ask `/brief {escape(shorten(question, 200))}` for the other pages")
    if notes:
        blocks.append({"type": "context", "elements": [_mrkdwn(" · ".join(notes))]})
    if question is not None and not shared_by and len(encode_value(question, page)) <= L.BUTTON_VALUE:
        buttons: list[Block] = []
        if page > 0:
            buttons.append(_button(ACTION_PREV, "‹ Previous", encode_value(question, page - 1)))
        if page < len(pages) - 1:
            buttons.append(_button(ACTION_NEXT, "Next ›", encode_value(question, page + 1)))
        if answer.ok and answer.kind not in {AnswerKind.HELP, AnswerKind.CHOOSE}:  # nothing else worth sharing
            buttons.append(_button(ACTION_SHARE, "Share in channel", encode_value(question, page)))
        if answer.kind is not AnswerKind.HELP:
            buttons.append(_button(ACTION_REPORT, "Report a problem", encode_value(question, page)))
        if buttons:
            blocks.append({"type": "actions", "block_id": "brief_nav", "elements": buttons})
    elif (
        shared_by
        and question
        and answer.kind is not AnswerKind.HELP
        and len(encode_value(question, page)) <= L.BUTTON_VALUE
    ):
        report = _button(ACTION_REPORT, "Report a problem", encode_value(question, page))
        blocks.append({"type": "actions", "block_id": "brief_nav", "elements": [report]})
    total = len(pages) if complete else 0  # 0: not paged to its end
    return Rendered(fallback_text(answer, page, total), blocks, page, total)


def _button(action_id: str, label: str, value: str) -> Block:
    return {"type": "button", "action_id": action_id, "text": _plain(label), "value": value}


def render_all(answer: Answer) -> list[Rendered]:
    """Render every page of an answer without buttons (for reports and alerts), at most MAX_PAGES."""
    pages, complete = pages_upto(answer, MAX_PAGES)
    return [_render(answer, pages, complete, page=i) for i in range(min(len(pages), MAX_PAGES))]


def notice(title: str, text: str) -> dict[str, Any]:
    """Return a short message (title and one paragraph) as text + blocks, escaped."""
    return {
        "text": escaped(f"{title}: {text}", 1000),
        "blocks": [
            {"type": "header", "text": _plain(title, L.HEADER_TEXT)},
            {"type": "section", "text": _mrkdwn(escaped(text, L.SECTION_TEXT))},
        ],
    }
