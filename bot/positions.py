"""`positions TOPIC [by X]`: who said what on a topic across dialogues, newest first; X a person (their own
statements), or an institute or country (its people's statements, see bot.speakers).

Invariant: compare and timeline ask this module for their statements, so they never disagree with `positions`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import speakers
from bot.answer import Answer, AnswerKind, Item
from bot.briefs.keys import fold
from bot.briefs.names import PARTICLES
from bot.index.catalog import Catalog
from bot.index.rows import PersonRow, PositionRow
from bot.index.text import STOP_WORDS, TextHit
from bot.present import quoted
from bot.replies import MAX_HITS, help_answer, not_found, person_choices, summary_citation, summary_heading
from bot.suggest import suggest

_PLAIN_WORD = re.compile(r"[^\W_]+")
_TEXT_WORD = re.compile(r"\w+")


SHORT_WORD = 2  # words this short match whole words only, never as a prefix


def _topic_words(topic: str) -> list[str]:
    """Return the words a topic is matched by: name particles ("al") and stop words left out when others remain."""
    words = _TEXT_WORD.findall(fold(topic))[:12]
    return [w for w in words if w not in PARTICLES and w not in STOP_WORDS] or words


def _topic_matcher(topic: str) -> Callable[[str], tuple[bool, bool]] | None:
    """Return a test of a position's text for the topic's words as the text index reads them (each as a word
    prefix, a short word whole): whether the text holds every word, and whether it holds any; None when the topic
    has no words."""
    words = _topic_words(topic)
    if not words:
        return None

    def matches(text: str) -> tuple[bool, bool]:
        if text.isascii():
            lowered = text.lower()
            found = [_starts_a_word(lowered, w, whole=len(w) <= SHORT_WORD) for w in words]
        else:
            tokens = _TEXT_WORD.findall(fold(text))
            # a short word ("al", "UN") is matched whole: as a prefix it would match "along", "Alvi", "until"
            found = [any(t == w if len(w) <= SHORT_WORD else t.startswith(w) for t in tokens) for w in words]
        return all(found), any(found)

    return matches


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _starts_a_word(lowered: str, word: str, *, whole: bool) -> bool:
    """Return whether a word (or with whole, the whole word) starts a word of fold(text), given text.lower() of an
    ASCII text: fold only splits it at every character but a-z and 0-9, so the text need not be folded."""
    at = lowered.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or lowered[at - 1] not in _ALNUM) and not (whole and end < len(lowered) and lowered[end] in _ALNUM):
            return True
        at = lowered.find(word, at + 1)
    return False


def _person_positions(
    catalog: Catalog, topic: str, keys: tuple[str, ...], limit: int = MAX_HITS
) -> dict[tuple[str, int], PositionRow]:
    """Return the newest positions on a topic by these people, dialogue by dialogue newest first, until `limit`
    hold every word of the topic (as the text index: every word, or failing that any)."""
    mine: dict[str, set[int]] = {}  # their participant entries, by dialogue
    for key in keys:
        for a in catalog.people[key].appearances:
            if a.dialogue_id in catalog.dialogues:
                mine.setdefault(a.dialogue_id, set()).add(a.index)
    dids = sorted(mine, key=catalog.rank)
    matches = _topic_matcher(topic) or (lambda text: (True, True))  # no topic: every position of theirs
    every_word: dict[tuple[str, int], PositionRow] = {}
    some_word: dict[tuple[str, int], PositionRow] = {}  # kept while no position holds every word
    step = 32
    for start in range(0, len(dids), step):
        chunk = dids[start : start + step]
        # a dialogue's people row lists each participant's own positions: only those are read (a busy person's
        # dialogues hold several times more statements by others)
        people = catalog.people_rows(chunk)
        own = [(did, ref) for did in chunk for ref in _own_refs(people.get(did), mine[did])]
        said = catalog.position_rows(own)
        for did, ref in own:
            item = said[(did, ref)]
            every, some = matches(f"{item.topic}. {item.summary}")
            if every:
                every_word[(did, ref)] = item
            elif some and not every_word:
                some_word[(did, ref)] = item
        if len(every_word) >= limit:
            break
    return every_word or some_word


def _own_refs(people: tuple[PersonRow, ...] | None, indexes: set[int]) -> list[int]:
    """Return the refs of the positions that these participants of a dialogue are among the authors of, in order."""
    rows = people or ()
    return sorted({ref for i in indexes if i < len(rows) for ref in rows[i].positions})


def _filtered(
    catalog: Catalog,
    hits: list[TextHit],
    predicate: Callable[[str, PositionRow], bool] | None,
    limit: int = MAX_HITS,
) -> dict[tuple[str, int], PositionRow]:
    """Return the newest `limit` position hits that pass the predicate, with their display data."""
    hits = [h for h in hits if h.dialogue_id in catalog.dialogues]
    hits.sort(key=lambda h: (catalog.rank(h.dialogue_id), h.ref))
    found: dict[tuple[str, int], PositionRow] = {}
    # newest first, as many at a time as are still wanted: only the newest `limit` that pass are shown
    start = 0
    while start < len(hits) and len(found) < limit:
        chunk = hits[start : start + limit - len(found)]
        start += len(chunk)
        shown = catalog.position_rows((h.dialogue_id, h.ref) for h in chunk)
        for hit in chunk:
            key = (hit.dialogue_id, hit.ref)
            data = shown[key]
            if not predicate or predicate(hit.dialogue_id, data):
                found[key] = data
    return found


def _topic_shown(topic: str, suffix: str) -> str:
    """Return the topic as a heading shows it: quoted when it holds a "by X" of its own, so that X never reads as
    an author ("Positions on “Afghanistan by Iran” by Pakistan")."""
    return quoted(topic) if suffix and speakers.split_by(topic)[1] else topic


def _positions_found(
    catalog: Catalog,
    topic: str,
    people: tuple[str, ...],
    predicate: Callable[[str, PositionRow], bool] | None,
    narrow: tuple[str, ...],
    limit: int,
) -> dict[tuple[str, int], PositionRow]:
    """Return the newest positions on a topic (or on anything) by these people, or passing the predicate."""
    if people:
        return _person_positions(catalog, topic, people, limit=limit)
    if not topic:  # `positions by ISSI`: every position of theirs, newest first
        return _filtered(catalog, catalog.text.speaker_positions(narrow, limit * 4), predicate, limit)
    # narrowed by the index, nearly every candidate passes the predicate: a page and a little is enough,
    # and if too few pass, the walk is repeated without the cap
    cap = limit + 10 if narrow else None if predicate else limit
    kinds = ("position",)
    hits = catalog.text.search(
        topic, kinds, limit=limit * 4, recent_limit=cap, speakers=narrow, ranked=False, texts=False
    )
    found = _filtered(catalog, hits, predicate, limit)
    if narrow and len(found) < limit and cap is not None and len(hits) >= cap:
        hits = catalog.text.search(topic, kinds, limit=limit * 4, speakers=narrow, ranked=False, texts=False)
        found = _filtered(catalog, hits, predicate, limit)
    return found


def _position_row_item(catalog: Catalog, did: str, ref: int, position: PositionRow) -> Item:
    """Return one position as an answer item: topic, authors, dialogue, session, citing its brief."""
    fields = [("By", ", ".join(author.shown for author in position.speakers))]
    fields.append(("Dialogue", summary_heading(catalog, did)))
    if position.session:
        fields.append(("Session", position.session))
    cite = summary_citation(catalog, did)
    item_title = f"Position: {position.topic}"
    return Item(item_title, tuple(fields), (position.summary,), (), cite, path=f"positions[{ref}]")


def positions(catalog: Catalog, topic: str, by: str | None = None, *, limit: int = MAX_HITS) -> Answer:
    """Return statements on a topic (or on anything, given a speaker) across dialogues, newest first (at most
    `limit`); with `by`, only positions X is among the authors of (a person, or an author's own institute or
    country)."""
    topic = topic.strip()
    if not topic and not (by and by.strip()):
        return help_answer(
            "Which topic? Try `positions Afghanistan`, `positions by ISSI` or `positions Palestine by Iran`."
        )
    predicate: Callable[[str, PositionRow], bool] | None = None
    who_text = ""
    narrow: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    if by and by.strip():
        speaker = speakers.resolve(catalog, by)
        who_text = speaker.typed
        on = f"positions {topic} by" if topic else "positions by"
        if speaker.kind == speakers.CHOOSE:
            return Answer(
                AnswerKind.CHOOSE,
                f"{len(speaker.keys)} people match {quoted(who_text)}",
                "Whose positions? Pick one:",
                choices=person_choices(catalog, speaker.keys, lambda plain: f"{on} {plain}"),
                refs=speaker.keys,
            )
        if speaker.kind == speakers.UNKNOWN:
            intro = f"No participant, institute or country matches {quoted(who_text)}."
            return not_found("Nobody by that name", intro, speaker.suggestions, on)
        if speaker.kind == speakers.PERSON:
            people = speaker.keys
            who_text = speaker.label
        else:
            words = speaker.words
            predicate = lambda did, data: speakers.group_authored(words, data)  # noqa: E731
            narrow = words if all(_PLAIN_WORD.fullmatch(w) for w in words) else ()
    found = _positions_found(catalog, topic, people, predicate, narrow, limit)
    suffix = f" by {who_text}" if who_text else ""
    if not found:
        on_topic = f" on {quoted(topic)}" if topic else ""
        better = suggest(catalog, topic, ("position",)) if topic else None
        if better:
            intro = f"No recorded position{on_topic}{suffix}."
            return not_found("No positions found", intro, (better + suffix,), "positions", "Did you mean:")
        hint = f" Try `search {topic}`." if topic else ""
        return not_found("No positions found", f"No recorded position{on_topic}{suffix}.{hint}")
    ordered = sorted(found, key=lambda k: (catalog.rank(k[0]), k[1]))[:limit]
    items = [_position_row_item(catalog, did, ref, found[(did, ref)]) for did, ref in ordered]
    dialogues = len({d for d, _ in ordered})
    return Answer(
        AnswerKind.POSITIONS,
        f"Positions on {_topic_shown(topic, suffix)}{suffix}" if topic else f"Positions{suffix}",
        f"{len(items)} statement(s) from {dialogues} dialogue(s), newest first.",
        tuple(items),
        refs=tuple(f"{d}#{i}" for d, i in ordered),
    )
