"""Neutral answers -> pages of Discord embeds, every page within Discord's message limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import discord

from bot.adapters.discord_app.escape import md, web_url
from bot.answer import (
    Answer,
    AnswerKind,
    Citation,
    Item,
    iter_paginate,
    iter_split_item,
    split_item,
    split_text,
    unique_citations,
)

log = logging.getLogger(__name__)

# Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT = 2000
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
EMBEDS = 10
CHOICE_TEXT = 100  # select option label/value/description, autocomplete choice name/value
MAX_CHOICES = 25

# Our own, tighter budgets, so that formatting overhead never pushes a page over a limit.
_ITEM_CHARS = 640  # item text per field before split_item cuts it at sentences
_INTRO_CHARS = 1000  # description on page 1; a longer intro continues in fields
_FOOTER_CHARS = 300
# Per page: title 256 + description 1000 + sources field 1024 + footer 300 + item fields <= 6000.
_PAGE_BUDGET = EMBED_TOTAL - TITLE - _INTRO_CHARS - FIELD_VALUE - _FOOTER_CHARS - 120
_PAGE_ITEMS = FIELDS - 2  # one slot for the sources field, one spare
_BLANK = "\u200b"

_COLOURS = {
    AnswerKind.NOT_FOUND: discord.Colour.orange(),
    AnswerKind.ERROR: discord.Colour.red(),
    AnswerKind.CHOOSE: discord.Colour.gold(),
    AnswerKind.HELP: discord.Colour.light_grey(),
}


def clip(text: str, limit: int) -> str:
    """Return text shortened to limit characters with an ellipsis (for labels only, never for facts)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_value(item: Item) -> str:
    """Return the body of an item as one embed field value (markdown, the brief text escaped)."""
    out = [f"**{md(key)}:** {md(value)}" for key, value in item.fields]
    out += [md(line) for line in item.lines]
    out += [f"• {md(bullet)}" for bullet in item.bullets]
    return "\n".join(x for x in out if x) or _BLANK


def _item_name(item: Item) -> tuple[str, Item]:
    """Return the field name of an item; a heading too long for a name moves into the body."""
    if not item.heading:
        return _BLANK, item
    heading = md(item.heading)
    if len(heading) <= FIELD_NAME:
        return heading, item
    return clip(heading, FIELD_NAME), replace(item, lines=(item.heading, *item.lines))


def _fit(item: Item) -> list[Item]:
    """Split an item into pieces whose field value stays within Discord's 1,024 characters."""
    pieces: list[Item] = []
    for piece in split_item(item, _ITEM_CHARS):
        if len(item_value(_item_name(piece)[1])) <= FIELD_VALUE:
            pieces.append(piece)
        else:  # formatting overhead pushed it over: split harder
            pieces.extend(split_item(piece, _ITEM_CHARS // 2))
    return pieces


def citation_line(cite: Citation) -> str:
    """Return one source line: the dialogue (linked to its source when known) and the source label."""
    label = md(clip(f"{cite.dialogue_title} ({cite.date or 'date not given'})", 120))
    url = web_url(cite.url)
    line = f"[{label}]({url})" if url and len(url) <= 400 else label
    if cite.source:
        line += f" — {md(clip(cite.source, 120))}"
    return line  # at most ~650 characters, so one always fits a field


def _sources(items: list[Item]) -> list[Citation]:
    return list(unique_citations(items))


def _cost(item: Item) -> int:
    name, body = _item_name(item)
    return len(name) + len(item_value(body))


def sources_value(cites: list[Citation]) -> str:
    """Return the sources field value: one line per cited dialogue."""
    return "\n".join(citation_line(c) for c in cites)


def _split_sources(pages: list[list[Item]]) -> list[list[Item]]:
    """Split pages citing so many dialogues that their sources would not fit one field."""
    out: list[list[Item]] = []
    for page in pages:
        current: list[Item] = []
        for item in page:
            if current and len(sources_value(_sources([*current, item]))) > FIELD_VALUE:
                out.append(current)
                current = []
            current.append(item)
        if current:
            out.append(current)
    return out


_ROWS = (FIELDS - 1 - 3) // 3  # side-by-side rows per page: three inline fields each, a title row, the sources


def column_pages(answer: Answer) -> list[list[discord.Embed]]:
    """Return the pages of a side-by-side answer: two columns of inline fields (a blank third keeps them two)."""
    title = clip(md(answer.title), TITLE)
    left = [p for i in answer.items if i.column == 0 for p in _fit(i)]
    right = [p for i in answer.items if i.column == 1 for p in _fit(i)]
    rows = [
        (left[n] if n < len(left) else None, right[n] if n < len(right) else None)
        for n in range(max(len(left), len(right)))
    ]
    pages: list[list[tuple[Item | None, Item | None]]] = []
    used = 0
    for row in rows:
        cost = sum(_cost(x) for x in row if x is not None) + 4
        if not pages or len(pages[-1]) >= _ROWS or used + cost > _PAGE_BUDGET:
            pages.append([])
            used = 0
        pages[-1].append(row)
        used += cost
    pages = _split_row_sources(pages) or [[]]
    colour = discord.Colour.blurple() if answer.ok else discord.Colour.orange()
    description = md(clip(answer.intro, _INTRO_CHARS)) if answer.intro else None
    out: list[list[discord.Embed]] = []
    for number, page in enumerate(pages, 1):
        embed = discord.Embed(title=title, description=description if number == 1 else None, colour=colour)
        for name in (*answer.columns[:2], _BLANK):
            embed.add_field(
                name=clip(f"__{md(name)}__" if name != _BLANK else name, FIELD_NAME), value=_BLANK, inline=True
            )
        for row in page:
            for cell in row:
                if cell is None:
                    embed.add_field(name=_BLANK, value=_BLANK, inline=True)
                else:
                    name, body = _item_name(cell)
                    embed.add_field(name=name, value=item_value(body), inline=True)
            embed.add_field(name=_BLANK, value=_BLANK, inline=True)
        cites = _sources([x for row in page for x in row if x is not None])
        if cites:
            embed.add_field(name="Sources", value=sources_value(cites), inline=False)
        embed.set_footer(text=footer(cites, number, len(pages)))
        out.append([embed])
    return out


def _split_row_sources(
    pages: list[list[tuple[Item | None, Item | None]]],
) -> list[list[tuple[Item | None, Item | None]]]:
    """Split pages of rows citing so many dialogues that their sources would not fit one field."""
    out: list[list[tuple[Item | None, Item | None]]] = []
    for page in pages:
        current: list[tuple[Item | None, Item | None]] = []
        for row in page:
            cells = [x for r in (*current, row) for x in r if x is not None]
            if current and len(sources_value(_sources(cells))) > FIELD_VALUE:
                out.append(current)
                current = []
            current.append(row)
        if current:
            out.append(current)
    return out


# Work budget per answer: an answer is paged lazily (only the page asked for is rendered), and it stops after
# MAX_PAGES pages with a note, however large the briefs behind it. Answers under EAGER_CHARS are paged at once,
# so their page count is exact from the start.
MAX_PAGES = 50
EAGER_CHARS = 12 * _PAGE_BUDGET
TOO_LONG = "The answer goes on beyond {n} pages. Ask a narrower question, e.g. /positions TOPIC by NAME."


def _fit_iter(item: Item) -> Iterator[Item]:
    """Yield the pieces _fit returns, splitting the item's texts only as far as the pages asked for need."""
    for piece in iter_split_item(item, _ITEM_CHARS):
        if len(item_value(_item_name(piece)[1])) <= FIELD_VALUE:
            yield piece
        else:  # formatting overhead pushed it over: split harder
            yield from split_item(piece, _ITEM_CHARS // 2)


class Pages:
    """The pages of one answer, each the embeds of one message, rendered only when first asked for."""

    def __init__(self, answer: Answer, source: Iterator[list[Item]] | None = None, *, ready: bool = False) -> None:
        self.answer = answer
        self._source = source if source is not None else iter(())
        self._items: list[list[Item]] = []
        self._embeds: dict[int, list[discord.Embed]] = {}
        self._done = False
        self._title = clip(md(answer.title), TITLE)
        intro: list[str] = split_text(answer.intro, _INTRO_CHARS) if answer.intro else []
        if len(md(answer.title)) > TITLE:  # the full title goes into the text, so nothing is lost
            intro = [*split_text(answer.title, _INTRO_CHARS), *intro]
        self._description = md(intro[0]) if intro else None
        self._extra = [Item(lines=(p,)) for p in intro[1:]]
        self._colour = _COLOURS.get(answer.kind, discord.Colour.blurple() if answer.ok else discord.Colour.orange())
        if ready:
            self._done = True

    @classmethod
    def of(cls, answer: Answer, pages: list[list[discord.Embed]]) -> Pages:
        """Return Pages holding already rendered pages."""
        out = cls(answer, ready=True)
        out._embeds = dict(enumerate(pages))
        out._items = [[] for _ in pages]
        return out

    @classmethod
    def lazy(cls, answer: Answer) -> Pages:
        """Return the pages of an answer; only a small answer is paged in full at once."""
        out = cls(answer)
        out._source = out._pages()
        size = sum(item.text_size() for item in answer.items)
        out._fill(MAX_PAGES if size <= EAGER_CHARS else 2)
        return out

    def _pages(self) -> Iterator[list[Item]]:
        items = (piece for item in (*self._extra, *self.answer.items) for piece in _fit_iter(item))
        pages = (p for page in iter_paginate(items, _cost, _PAGE_BUDGET, _PAGE_ITEMS) for p in _split_sources([page]))
        for number, page in enumerate(pages, 1):
            if number == MAX_PAGES and next(pages, None) is not None:
                yield [Item(lines=(TOO_LONG.format(n=MAX_PAGES - 1),))]
                return
            yield page

    def _fill(self, count: int) -> None:
        while not self._done and len(self._items) < count:
            page = next(self._source, None)
            if page is None:
                self._done = True
            else:
                self._items.append(page)
        if self._done and not self._items:
            self._items.append([])

    def items_on(self, index: int) -> list[Item]:
        """Return the items (or pieces of items) page index shows; [] for pages rendered from embeds alone."""
        self._fill(index + 1)
        return list(self._items[index]) if 0 <= index < len(self._items) else []

    @property
    def total(self) -> int | None:
        """Return the number of pages, or None while the answer has not been paged to its end."""
        return len(self._items) if self._done else None

    def has(self, index: int) -> bool:
        """Return whether page index (0-based) exists, paging just far enough to know."""
        self._fill(index + 1)
        return index < len(self._items)

    def __len__(self) -> int:
        """Return the number of pages known so far (all of them once total is known)."""
        return len(self._items)

    def __getitem__(self, index: int) -> list[discord.Embed]:
        """Return page index (0-based), rendering it on first use; paging one further to know if more follow."""
        self._fill(index + 2)
        if index < 0:
            index += len(self._items)
        if not 0 <= index < len(self._items):
            raise IndexError(index)
        if index not in self._embeds:
            self._embeds[index] = self._render(index)
        return self._embeds[index]

    def __iter__(self) -> Iterator[list[discord.Embed]]:
        """Yield every page (rendering all of them)."""
        index = 0
        while self.has(index):
            yield self[index]
            index += 1

    def _render(self, index: int) -> list[discord.Embed]:
        page, number = self._items[index], index + 1
        embed = discord.Embed(
            title=self._title, description=self._description if number == 1 else None, colour=self._colour
        )
        cites = _sources(page)
        if len(cites) == 1 and web_url(cites[0].url):
            embed.url = web_url(cites[0].url)
        for item in page:
            name, body = _item_name(item)
            embed.add_field(name=name, value=item_value(body), inline=False)
        if cites:
            embed.add_field(name="Sources", value=sources_value(cites), inline=False)
        embed.set_footer(text=footer(cites, number, self.total or 0))
        return [embed]


def render_pages(answer: Answer) -> Pages:
    """Return the pages of an answer; each page is the embeds of one message, within every limit, rendered lazily."""
    if answer.columns:
        return Pages.of(answer, column_pages(answer))
    return Pages.lazy(answer)


def footer(cites: list[Citation], number: int, total: int) -> str:
    """Return the footer: page number and the ids of the dialogues cited on the page."""
    bits = ["briefbot"]
    if total > 1:
        bits.append(f"page {number}/{total}")
    elif total == 0:  # not paged to its end yet
        bits.append(f"page {number}")
    if cites:
        bits.append("cites " + ", ".join(c.dialogue_id for c in cites))
    return clip(" · ".join(bits), _FOOTER_CHARS)


def embed_size(embed: discord.Embed) -> int:
    """Return the characters Discord counts towards the 6,000 per-message total for one embed."""
    size = len(embed.title or "") + len(embed.description or "")
    size += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size


def limit_problems(content: str | None, embeds: list[discord.Embed]) -> list[str]:
    """Return every Discord limit one message (content and embeds) breaks; empty when it is sendable."""
    problems: list[str] = []
    if content and len(content) > CONTENT:
        problems.append(f"content {len(content)} > {CONTENT}")
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds > {EMBEDS}")
    total = 0
    for i, embed in enumerate(embeds):
        checks = [
            ("title", len(embed.title or ""), TITLE),
            ("description", len(embed.description or ""), DESCRIPTION),
            ("fields", len(embed.fields), FIELDS),
            ("footer", len(embed.footer.text or ""), FOOTER),
            ("author", len(embed.author.name or ""), AUTHOR),
        ]
        for j, f in enumerate(embed.fields):
            checks.append((f"field {j} name", len(f.name or ""), FIELD_NAME))
            checks.append((f"field {j} value", len(f.value or ""), FIELD_VALUE))
            if not f.name or not f.value:
                problems.append(f"embed {i} field {j} is empty")
        problems += [f"embed {i} {what} {size} > {limit}" for what, size, limit in checks if size > limit]
        total += embed_size(embed)
    if total > EMBED_TOTAL:
        problems.append(f"embeds total {total} > {EMBED_TOTAL}")
    return problems


def payload_problems(payload: dict[str, object]) -> list[str]:
    """Return the limit problems of a raw message JSON payload, as Discord would receive it."""
    embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds") or []]  # type: ignore[attr-defined]
    content = payload.get("content")
    return limit_problems(content if isinstance(content, str) else None, embeds)
