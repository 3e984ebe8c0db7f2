"""How a dialogue becomes index rows: its text fields, its display items and the row-id layout of the text index.

The one contract between the writer (compile, CacheDB) and the readers (TextIndex, query): a row's key = field
class (3 bits) | event date (27 bits) | slot (19 bits) | field number (14 bits), and its row id = ROW_TOP - key
(row_id, row_key), so a walk in ascending row-id order meets titles before bodies and, within a class, newer
dialogues first, whenever the rows were written. (FTS5 walks its row lists about twice as fast ascending.)
"""

from __future__ import annotations

import functools
import logging
import marshal
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from bot.briefs.keys import fold, normalize_name
from bot.briefs.names import role_text
from bot.index.squeeze import squeeze, unsqueeze
from bot.present import full_name, moderator_label

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue

log = logging.getLogger(__name__)


# speaker words are indexed as WHO_MARK + word: tokens of their own, so their lists hold positions only, not every
# mention of "iran" in the text
WHO_MARK = "zqw"
_PLAIN_WORDS = re.compile(r"[^\W_]+")


TextRow = tuple[str, int, str, str]  # kind, ref, field path, text
ItemRow = tuple[str, int, bytes]  # kind, ref, marshalled display data (see text_items)
ItemGroup = tuple[str, bytes]  # kind, the dialogue's items of that kind as stored (see group_items)
# row-id class and field number, kind, ref, field as stored (see stored_field), text as stored (stored_body), speakers
PreparedRow = tuple[int, int | str, int, int | str, str | bytes, str]


# ----- display rows: what answers show, stored as plain tuples (marshal) and read back typed ------------------


class SessionRow(NamedTuple):
    """What answers show of a session."""

    title: str
    chair: str | None  # the moderator as shown: "Name — role, affiliation" for a participant (see present)
    summary: str | None
    takeaways: tuple[str, ...]


class Speaker(NamedTuple):
    """One author of a position: as written, their participant index (-1: none), as shown, their words."""

    name: str
    part: int
    shown: str
    hay: str  # folded affiliation and country, for `positions X by Iran`


class PositionRow(NamedTuple):
    """What answers show of a position."""

    topic: str
    summary: str
    session: str | None
    speakers: tuple[Speaker, ...]


class PersonRow(NamedTuple):
    """What `who` shows of one participant's part in one dialogue."""

    then: str  # "role, affiliation" or "role not given"
    honorific: str | None
    country: str | None
    chaired: tuple[str, ...]  # titles of the sessions they moderated
    positions: tuple[int, ...]  # refs of their positions


DisplayRow = SessionRow | PositionRow | tuple[PersonRow, ...]


def display_row(kind: str, data: bytes) -> DisplayRow:
    """Return a stored display row (see text_items) typed: a session, a position, or a dialogue's people."""
    plain = marshal.loads(data)
    new = tuple.__new__
    if kind == "session":
        session: SessionRow = new(SessionRow, plain)
        return session
    if kind == "position":
        topic, summary, session_title, speakers = plain
        return PositionRow(topic, summary, session_title, tuple(new(Speaker, s) for s in speakers))
    return tuple(new(PersonRow, p) for p in plain)


def group_items(items: Iterable[ItemRow]) -> tuple[ItemGroup, ...]:
    """Return a dialogue's display items grouped by kind, each group squeezed marshal of ((ref, data), ...).

    One group per kind compresses to about a quarter of the items' bytes (an item alone: about half), and a
    question reads a dialogue's positions or sessions together: one row and one inflate of a few kB each.
    """
    groups: dict[str, list[tuple[int, bytes]]] = {}
    for kind, ref, data in items:
        groups.setdefault(kind, []).append((ref, data))
    return tuple((kind, squeeze(marshal.dumps(tuple(rows)))) for kind, rows in groups.items())


def ungroup_items(blob: bytes) -> tuple[tuple[int, bytes], ...]:
    """Return the (ref, data) items of one group made by group_items(), in ref order."""
    rows: tuple[tuple[int, bytes], ...] = marshal.loads(unsqueeze(blob))
    return rows


# ----- text row keys: class (3 bits) | date (27 bits) | slot (19 bits) | field number (14 bits) --------------

CLASSES = 5
CLASS_SHIFT = 60
DATE_SHIFT = 33
SLOT_SHIFT = 14
SEQ_MASK = (1 << SLOT_SHIFT) - 1
SLOT_MASK = (1 << (DATE_SHIFT - SLOT_SHIFT)) - 1
DATE_MASK = (1 << (CLASS_SHIFT - DATE_SHIFT)) - 1
CLASS_HEAD, CLASS_SESSION_TITLE, CLASS_SESSION, CLASS_POSITION, CLASS_REST = 4, 3, 2, 1, 0
ROW_TOP = (1 << 63) - 1  # a row id is ROW_TOP - its key: the highest key (newest title) is the lowest row id


def row_id(key: int) -> int:
    """Return the row id of a text row's key (class | date | slot | field number): the highest key, the lowest id."""
    return ROW_TOP - key


def row_key(rowid: int) -> int:
    """Return the key (class | date | slot | field number) of a text row id (the inverse of row_id)."""
    return ROW_TOP - rowid


def prepare_text(did: str, rows: Iterable[TextRow], items: Iterable[ItemRow]) -> tuple[PreparedRow, ...]:
    """Return a dialogue's text rows with the date-free part of their keys (see row_id) and their speakers' words."""
    who: dict[int, str] = {}
    for kind, ref, data in items:
        if kind == "position":
            hay = " ".join(hay for _, index, _, hay in marshal.loads(data)[3] if index >= 0 and hay)
            who[ref] = " ".join(WHO_MARK + w for w in _PLAIN_WORDS.findall(hay))
    out: list[PreparedRow] = []
    for seq, (kind, ref, field, body) in enumerate(rows):
        if seq > SEQ_MASK:
            log.warning("dialogue %s has more than %d text fields; the rest are not indexed", did, SEQ_MASK + 1)
            break
        low = (field_class(kind, field) << CLASS_SHIFT) | seq
        code, sub = stored_field(kind, ref, field)
        out.append((low, code, ref, sub, stored_body(body), who.get(ref, "") if kind == "position" else ""))
    return tuple(out)


# ----- text rows as stored: kind and field path as small codes, long texts squeezed ---------------------------

KINDS: tuple[str, ...] = (
    *("title", "meta", "organizer", "participant", "session", "position"),
    *("figure", "topic", "project", "forum", "mention"),
)  # the kinds of text rows (text_fields), by their code in the text store
META_FIELDS = ("kind", "series", "location", "host_unit")
_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
_META_CODE = {name: code for code, name in enumerate(META_FIELDS)}
_TITLE, _META, _SESSION = _KIND_CODE["title"], _KIND_CODE["meta"], _KIND_CODE["session"]


@functools.lru_cache(maxsize=1 << 12)  # the same few hundred shapes recur in every brief: a lookup, not a parse
def stored_field(kind: str, ref: int, field: str) -> tuple[int | str, int | str]:
    """Return a text row's kind and field path as the text store keeps them: a kind code (KINDS) and a field
    number the view spells out again (KIND_SQL, FIELD_SQL), or the text itself for a field of another shape."""
    code = _KIND_CODE.get(kind)
    if code is None:
        return kind, field
    sub: int | None = None
    if code == _TITLE:
        sub = 0 if field == "title" else None
    elif code == _META:
        sub = _META_CODE.get(field)
    elif code == _SESSION:  # sessions[i].title -> 0, .summary -> 1, .takeaways[j] -> 2 + j
        head = f"sessions[{ref}]."
        rest = field[len(head) :] if field.startswith(head) else ""
        if rest == "title":
            sub = 0
        elif rest == "summary":
            sub = 1
        elif rest.startswith("takeaways[") and rest.endswith("]"):
            j = rest[10:-1]
            sub = int(j) + 2 if j.isdigit() and str(int(j)) == j else None
    elif field == f"{kind}s[{ref}]":
        sub = 0
    return code, field if sub is None else sub


_KIND_WHENS = " ".join(f"WHEN {code} THEN '{kind}'" for code, kind in enumerate(KINDS))
_LIST_WHENS = " ".join(f"WHEN {code} THEN '{kind}s'" for code, kind in enumerate(KINDS))
_META_WHENS = " ".join(f"WHEN {code} THEN '{name}'" for code, name in enumerate(META_FIELDS))
KIND_SQL = f"CASE b.kind {_KIND_WHENS} ELSE b.kind END"  # textbody b's kind, spelled out
FIELD_SQL = (  # textbody b's field path, spelled out (the inverse of stored_field)
    "CASE WHEN typeof(b.field) <> 'integer' THEN b.field"
    f" WHEN b.kind = {_TITLE} THEN 'title'"
    f" WHEN b.kind = {_META} THEN CASE b.field {_META_WHENS} END"
    f" WHEN b.kind = {_SESSION} THEN 'sessions[' || b.ref || '].' || CASE b.field WHEN 0 THEN 'title'"
    " WHEN 1 THEN 'summary' ELSE 'takeaways[' || (b.field - 2) || ']' END"
    f" ELSE (CASE b.kind {_LIST_WHENS} END) || '[' || b.ref || ']' END"
)


# a field's text of this many characters or more is stored squeezed (to 0.4-0.6 of its bytes); shorter ones save
# little for the ~4 us each costs (10k briefs: 384 saves 32 MB for 0.35 s of worker time, 256 34 MB for 0.44 s)
LONG_BODY = 384


def stored_body(body: str) -> str | bytes:
    """Return a field's text as the text store keeps it: squeezed UTF-8 when long (see LONG_BODY), else as is."""
    return squeeze(body.encode()) if len(body) >= LONG_BODY else body


def plain_body(stored: str | bytes) -> str:
    """Return the text of a field kept by stored_body()."""
    return stored if isinstance(stored, str) else unsqueeze(stored).decode()


def field_class(kind: str, field: str) -> int:
    """Return the class of a text field: titles and topics rank first, then session titles, bodies, the rest."""
    if kind in ("title", "topic"):
        return CLASS_HEAD
    if kind == "session":
        return CLASS_SESSION_TITLE if field.endswith(".title") else CLASS_SESSION
    if kind == "position":
        return CLASS_POSITION
    return CLASS_REST


def date_key(date: str | None) -> int:
    """Return an event date as an integer that sorts like the text (2025 < 2025-07 < 2025-07-29; none = 0)."""
    if not date:
        return 0
    bits = [*date.split("-"), "0", "0"][:3]
    try:
        year, month, day = (int(b) for b in bits)
    except ValueError:
        return 0
    return max(0, min(year, 9999)) * 10000 + month * 100 + day


def text_items(dialogue: Dialogue) -> Iterator[tuple[str, int, bytes]]:
    """Yield (kind, ref, marshalled data) of what answers show of each session and position, without the dialogue.

    session: (title, moderator shown as "Name — role, affiliation", summary, takeaways);
    position: (topic, summary, session, ((name, participant index or -1, shown name, folded
    affiliation and country), ...));
    people (ref 0, one per dialogue): per participant, what `who` shows of that appearance: ("role, affiliation"
    or "role not given", honorific, country, titles of the sessions they moderated, refs of their positions).
    """
    people = dialogue.participants
    index: dict[str, int] = {}
    for i, p in enumerate(people):
        index.setdefault(normalize_name(p.name), i)

    roles = [role_text(p.role, p.affiliation) for p in people]
    moderated: dict[str, list[str]] = {}  # session titles by their moderator as shown
    for i, s in enumerate(dialogue.sessions):
        moderator = None
        if s.moderator:
            j = index.get(normalize_name(s.moderator))
            moderator = s.moderator if j is None else moderator_label(full_name(people[j]), roles[j])
            moderated.setdefault(moderator, []).append(s.title)
        yield "session", i, marshal.dumps((s.title, moderator, s.summary, tuple(s.takeaways)))
    spoken: list[list[int]] = [[] for _ in people]  # the refs of each participant's positions
    for i, pos in enumerate(dialogue.positions):
        by = []
        for name in pos.by:
            j = index.get(normalize_name(name))
            if j is None:
                by.append((name, -1, name, ""))
            else:
                p = people[j]
                # a speaker is "by X" for their own institute or country, never for words of their role
                # ("Pakistan's former Ambassador to Iran" is not by Iran)
                hay = fold(" ".join(x for x in (p.affiliation, p.country) if x))
                by.append((name, j, full_name(p), hay))
                if not spoken[j] or spoken[j][-1] != i:
                    spoken[j].append(i)
        yield "position", i, marshal.dumps((pos.topic, pos.summary, pos.session, tuple(by)))
    if people:
        # a participant moderated the sessions whose moderator is shown as they are (as bot.query matches them)
        yield (
            "people",
            0,
            marshal.dumps(
                tuple(
                    (
                        role,
                        p.honorific,
                        p.country,
                        tuple(moderated.get(moderator_label(full_name(p), role), ())) if moderated else (),
                        tuple(refs),
                    )
                    for p, role, refs in zip(people, roles, spoken, strict=True)
                )
            ),
        )


def text_fields(dialogue: Dialogue) -> Iterator[tuple[str, int, str, str]]:
    """Yield (kind, ref, field path, text) for every searchable field of a dialogue."""
    yield "title", 0, "title", dialogue.title
    if dialogue.kind:
        yield "meta", 0, "kind", dialogue.kind
    if dialogue.series:
        yield "meta", 0, "series", dialogue.series
    if dialogue.location:
        yield "meta", 0, "location", dialogue.location
    if dialogue.host_unit:
        yield "meta", 0, "host_unit", dialogue.host_unit
    for i, org in enumerate(dialogue.organizers):
        yield (
            "organizer",
            i,
            f"organizers[{i}]",
            " ".join(x for x in (org.name, org.acronym, org.country) if x),
        )
    for i, p in enumerate(dialogue.participants):
        parts = (p.honorific, p.name, p.role, p.affiliation, p.country)
        yield "participant", i, f"participants[{i}]", " ".join(x for x in parts if x)
    for i, s in enumerate(dialogue.sessions):
        yield "session", i, f"sessions[{i}].title", s.title
        if s.summary:
            yield "session", i, f"sessions[{i}].summary", s.summary
        for j, takeaway in enumerate(s.takeaways):
            yield "session", i, f"sessions[{i}].takeaways[{j}]", takeaway
    for i, pos in enumerate(dialogue.positions):
        yield "position", i, f"positions[{i}]", f"{pos.topic}. {pos.summary}"
    for i, fig in enumerate(dialogue.figures):
        yield "figure", i, f"figures[{i}]", f"{fig.what}: {fig.value}"
    for i, topic in enumerate(dialogue.topics):
        yield "topic", i, f"topics[{i}]", topic
    for i, project in enumerate(dialogue.projects):
        yield "project", i, f"projects[{i}]", project
    for i, forum in enumerate(dialogue.forums):
        yield "forum", i, f"forums[{i}]", forum
    for i, mention in enumerate(dialogue.mentions):
        yield (
            "mention",
            i,
            f"mentions[{i}]",
            " ".join(x for x in (mention.name, mention.role, mention.context) if x),
        )
