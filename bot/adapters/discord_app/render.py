"""Neutral answers -> pages of Discord embeds, every page within Discord's message limits."""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot.adapters.discord_app.escape import md, web_url
from bot.answer import Answer, AnswerKind, Citation, Item, paginate, split_item, split_text, unique_citations

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


def render_pages(answer: Answer) -> list[list[discord.Embed]]:
    """Return the pages of an answer; each page is the embeds of one message, within every limit."""
    if answer.columns:
        return column_pages(answer)
    title = clip(md(answer.title), TITLE)
    intro_pieces: list[str] = split_text(answer.intro, _INTRO_CHARS) if answer.intro else []
    if len(md(answer.title)) > TITLE:  # the full title goes into the text, so nothing is lost
        intro_pieces = [*split_text(answer.title, _INTRO_CHARS), *intro_pieces]
    description = md(intro_pieces[0]) if intro_pieces else None
    extra = [Item(lines=(p,)) for p in intro_pieces[1:]]
    items = [piece for item in (*extra, *answer.items) for piece in _fit(item)]
    pages = _split_sources(paginate(items, _cost, _PAGE_BUDGET, _PAGE_ITEMS)) or [[]]
    colour = _COLOURS.get(answer.kind, discord.Colour.blurple() if answer.ok else discord.Colour.orange())
    total = len(pages)
    out: list[list[discord.Embed]] = []
    for number, page in enumerate(pages, 1):
        embed = discord.Embed(title=title, description=description if number == 1 else None, colour=colour)
        cites = _sources(page)
        if len(cites) == 1 and web_url(cites[0].url):
            embed.url = web_url(cites[0].url)
        for item in page:
            name, body = _item_name(item)
            embed.add_field(name=name, value=item_value(body), inline=False)
        if cites:
            embed.add_field(name="Sources", value=sources_value(cites), inline=False)
        embed.set_footer(text=footer(cites, number, total))
        out.append([embed])
    return out


def footer(cites: list[Citation], number: int, total: int) -> str:
    """Return the footer: page number and the ids of the dialogues cited on the page."""
    bits = ["briefbot"]
    if total > 1:
        bits.append(f"page {number}/{total}")
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
