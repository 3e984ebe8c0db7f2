"""Questions -> neutral answers: pure functions over a Catalog, with no platform types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from bot import questions, speakers
from bot.answer import DRAFT_MARK, Answer, AnswerKind, Choice, Citation, Item
from bot.briefs.keys import fold, normalize_name
from bot.briefs.names import is_latin, role_text
from bot.index.catalog import Appearance, Catalog, PersonRecord
from bot.index.rows import PersonRow, PositionRow
from bot.index.text import TextHit
from bot.positions import positions
from bot.present import citation, describe, full_name, named, quoted
from bot.replies import (
    HELP_LINES,
    MAX_HITS,
    help_answer,
    line_citation,
    line_heading,
    not_found,
    person_choices,
    summary_citation,
    summary_heading,
)
from bot.suggest import suggest

if TYPE_CHECKING:
    from bot.briefs.models import Dialogue, Position, Session, Source
    from bot.briefs.plain import PlainDialogue, PlainPosition, PlainSession, PlainSource

    Brief = Dialogue | PlainDialogue  # a dialogue rendered whole: the model, or its plain twin read from the cache

MAX_QUESTION_CHARS = 300


def _date_text(dialogue: Brief) -> str:
    return dialogue.date or "date not given"


# ----- dialogues -------------------------------------------------------------------------------------------


def dialogue_items(catalog: Catalog, dialogue: Brief) -> tuple[Item, ...]:
    """Return the items of a full dialogue brief, each citing it."""
    cite = citation(dialogue)
    items = [Item(heading=dialogue.title, fields=_overview(dialogue), citation=cite)]
    if dialogue.participants:
        bullets = []
        for p in dialogue.participants:
            parts = dialogue.parts_of(p.name)
            bullets.append(f"{full_name(p)} — {describe(p)} ({', '.join(parts)})")
        items.append(Item(heading="Participants", bullets=tuple(bullets), citation=cite, path="participants"))
    sessions: Sequence[Session | PlainSession] = dialogue.sessions
    for number, session in enumerate(sessions):
        chair = named(dialogue, session.moderator) if session.moderator else None
        session_fields: tuple[tuple[str, str], ...] = (("Chair", chair),) if chair else ()
        summary = (session.summary,) if session.summary else ()
        path = f"sessions[{number}]"
        items.append(Item(f"Session: {session.title}", session_fields, summary, session.takeaways, cite, path=path))
    positions: Sequence[Position | PlainPosition] = dialogue.positions
    for number, position in enumerate(positions):
        items.append(
            replace(_position_item(dialogue, position, cite, with_dialogue=False), path=f"positions[{number}]")
        )
    extras = _extras(dialogue)
    if extras:
        items.append(Item(heading="Figures and names", fields=extras, citation=cite, path="figures"))
    sources: Sequence[Source | PlainSource] = dialogue.sources
    for number, source in enumerate(sources):
        bits = [b for b in (source.publisher, source.author and f"by {source.author}") if b]
        bits.append(f"published {source.published.isoformat()}" if source.published else "publication date not given")
        lines = (", ".join(bits), source.url or "no URL recorded")
        items.append(Item(heading="Source", lines=lines, citation=cite, path=f"sources[{number}]"))
    return tuple(items)


def _overview(dialogue: Brief) -> tuple[tuple[str, str], ...]:
    """Return the fields of a dialogue's first item: date, kind, place, organisers, host, moderators, chairs."""
    overview: list[tuple[str, str]] = [("Date", _date_text(dialogue))]
    if dialogue.date_note:
        overview.append(("Date note", dialogue.date_note))
    if dialogue.kind:
        overview.append(("Kind", dialogue.kind))
    if dialogue.location:
        overview.append(("Location", dialogue.location))
    if dialogue.organizers:
        orgs = "; ".join(
            o.name + (f" ({', '.join(x for x in (o.acronym, o.country) if x)})" if o.acronym or o.country else "")
            for o in dialogue.organizers
        )
        overview.append(("Organisers", orgs))
    if dialogue.host_unit:
        overview.append(("Hosted by", dialogue.host_unit))
    moderators = [named(dialogue, m) for m in dialogue.moderators]
    if moderators:
        overview.append(("Moderator" if len(moderators) == 1 else "Moderators", ", ".join(moderators)))
    elif any(s.moderator for s in dialogue.sessions):
        overview.append(("Moderator", "no overall moderator named"))
    chairs = [f"{named(dialogue, s.moderator)} ({s.title})" for s in dialogue.sessions if s.moderator]
    if chairs:
        overview.append(("Session chairs", "; ".join(chairs)))
    return tuple(overview)


def _extras(dialogue: Brief) -> tuple[tuple[str, str], ...]:
    """Return the fields of a dialogue's "Figures and names" item: figures, projects, forums, mentions, topics."""
    extras: list[tuple[str, str]] = [(f.what, f.value) for f in dialogue.figures]
    if dialogue.projects:
        extras.append(("Projects", "; ".join(dialogue.projects)))
    if dialogue.forums:
        extras.append(("Forums", ", ".join(dialogue.forums)))
    for mention in dialogue.mentions:
        extras.append((f"Mentioned: {mention.name}", mention.context or mention.role or ""))
    if dialogue.topics:
        extras.append(("Topics", ", ".join(dialogue.topics)))
    return tuple(extras)


def _draft_note(status: str) -> str:
    return f" [{DRAFT_MARK}]" if status == "draft" else ""


def _position_item(dialogue: Brief, position: Position | PlainPosition, cite: Citation, *, with_dialogue: bool) -> Item:
    by = []
    for name in position.by:
        p = dialogue.participant(name)
        by.append(full_name(p) if p else name)
    fields: list[tuple[str, str]] = [("By", ", ".join(by))]
    if with_dialogue:
        fields.append(("Dialogue", f"{dialogue.title} ({_date_text(dialogue)})"))
    if position.session:
        fields.append(("Session", position.session))
    return Item(f"Position: {position.topic}", tuple(fields), (position.summary,), (), cite)


def dialogue_answer(catalog: Catalog, dialogue: Brief, title_prefix: str = "") -> Answer:
    """Return one dialogue in full."""
    intro = _one_line_summary(dialogue)
    draft = f"[{DRAFT_MARK}] " if dialogue.status == "draft" else ""
    return Answer(
        AnswerKind.DIALOGUE,
        f"{draft}{title_prefix}{dialogue.title}",
        intro,
        dialogue_items(catalog, dialogue),
        refs=(dialogue.id,),
    )


def _one_line_summary(dialogue: Brief) -> str:
    orgs = " and ".join(o.acronym or o.name for o in dialogue.organizers) or "organisers not given"
    when = dialogue.date or "date not given"
    where = f", {dialogue.location}" if dialogue.location else ""
    kind = dialogue.kind or "dialogue"
    return f"{kind.capitalize()} of {orgs} · {when}{where} · {len(dialogue.sessions)} session(s)"


def latest(catalog: Catalog) -> Answer:
    """Return the most recent dialogue (read from the cache's packed record: no model is built)."""
    if not catalog.ordered:
        return Answer(AnswerKind.NOT_FOUND, "No dialogues yet", "The briefs folder has no published briefs.", ok=False)
    return dialogue_answer(catalog, catalog.plain(catalog.ordered_ids()[0]), "Latest: ")


LIST_FIELD_KINDS = ("title", "meta", "organizer", "topic")


def list_dialogues(
    catalog: Catalog, words: str = "", year: int | None = None, limit: int = 200, *, asked: str = ""
) -> Answer:
    """Return dialogues matching words (title, organisers, topics) and year, newest first (asked: echoed as typed)."""
    terms = fold(words).split()
    candidates: Iterable[str] = catalog.ordered_ids()
    if terms:
        # the text index narrows the candidates; the exact check below keeps the substring semantics
        hits = catalog.text.search(words, kinds=LIST_FIELD_KINDS, limit=50_000, ranked=False, texts=False)
        found = {h.dialogue_id for h in hits} | {did for did in catalog.dialogues if all(t in did for t in terms)}
        candidates = sorted((did for did in found if did in catalog.dialogues), key=catalog.rank)
    prefix = str(year) if year is not None else ""
    matches = []
    for did in candidates:
        if prefix and not (catalog.summary(did).date or "").startswith(prefix):
            continue
        dialogue = catalog.dialogues[did]
        if terms:
            hay = fold(
                " ".join(
                    [dialogue.title, dialogue.id, dialogue.kind or "", dialogue.location or ""]
                    + [f"{o.name} {o.acronym or ''} {o.country or ''}" for o in dialogue.organizers]
                    + list(dialogue.topics)
                )
            )
            if not all(t in hay for t in terms):
                continue
        matches.append(dialogue)
        if len(matches) >= limit:
            break
    what = " ".join(asked.split()) or " ".join(x for x in (words.strip(), str(year) if year else "") if x)
    if not matches:
        return not_found("No dialogues found", f"No dialogue matches {quoted(what)}." if what else "No dialogues yet.")
    items = tuple(
        Item(d.title, (("Date", _date_text(d)), ("Id", d.id)), (_one_line_summary(d),), (), citation(d))
        for d in matches
    )
    title = f"Dialogues matching {what}" if what else "Dialogues, newest first"
    return Answer(AnswerKind.DIALOGUES, title, f"{len(matches)} found.", items, refs=tuple(d.id for d in matches))


def show(catalog: Catalog, ref: str) -> Answer:
    """Return one dialogue by id or title words; several matches -> choose."""
    ref = ref.strip()
    if not ref:
        return help_answer("Which dialogue? Try `dialogue show issi-iras-dialogue-2025-07-29` or `dialogue list`.")
    dialogue = catalog.dialogues.get(ref) or catalog.dialogues.get(ref.lower())
    if dialogue:
        return dialogue_answer(catalog, dialogue)
    terms = fold(ref).split()
    matches = [catalog.dialogues[did] for did in catalog.titled(terms)]
    if len(matches) == 1:
        return dialogue_answer(catalog, matches[0])
    if matches:
        choices = tuple(
            Choice(f"{d.title} ({_date_text(d)})" + _draft_note(d.status), f"dialogue show {d.id}", d.id)
            for d in matches[:25]
        )
        return Answer(
            AnswerKind.CHOOSE,
            "Several dialogues match",
            f"{len(matches)} match {quoted(ref)}; pick one.",
            choices=choices,
            refs=tuple(d.id for d in matches),
        )
    hits = catalog.dialogue_choices("", limit=5)
    return not_found(
        "No such dialogue", f"No dialogue matches {quoted(ref)}.", tuple(value for _, value in hits), "dialogue show"
    )


# ----- people ----------------------------------------------------------------------------------------------


def who(catalog: Catalog, name: str) -> Answer:
    """Return a person's latest role, every dialogue they took part in and their positions."""
    name = name.strip()
    if not name:
        return help_answer("Whom do you mean? Try `who Sohail Mahmood`.")
    match = catalog.find_people(name)
    if not match.keys and not is_latin(name):
        # closest Latin spellings to a name in another script would be noise: say how to teach briefbot the name
        intro = (
            f"No participant matches {quoted(name)}. Names in Persian, Arabic or Urdu script are found through the"
            " aliases in that script in briefs/people.yaml; ask in Latin letters, or ask an editor to add the alias."
        )
        return not_found("Nobody by that name", intro)
    if not match.keys:
        intro = f"No participant matches {quoted(name)}."
        if not match.suggestions:
            intro += f" No name in the briefs is close to it; `search {name}` looks for it anywhere in the text."
        return not_found("Nobody by that name", intro, match.suggestions)
    if match.how != "exact":
        match = replace(match, keys=catalog.equally_close(name, match.keys, match.numbers))
    if len(match.keys) > 1:
        return Answer(
            AnswerKind.CHOOSE,
            f"{len(match.keys)} people match {quoted(name)}",
            "Pick one:",
            choices=person_choices(catalog, match.keys, lambda plain: f"who {plain}"),
            refs=match.keys,
        )
    return person_answer(catalog, catalog.people[match.keys[0]], match.how)


WHO_FULL = 5  # a person's most recent dialogues shown in full (role then, sessions moderated, positions)


class _Shown(NamedTuple):
    """What `who` shows of one recent appearance, from the compact display items (see rows.text_items)."""

    then: str  # "role, affiliation" or "role not given"
    honorific: str | None
    country: str | None
    moderated: tuple[str, ...]
    bullets: tuple[str, ...]


def _shown_appearances(catalog: Catalog, appearances: Sequence[Appearance]) -> dict[tuple[str, int], _Shown]:
    """Return what `who` shows of these appearances by (dialogue id, participant index): two primary-key
    queries when the index holds the rows; no participant list is read."""
    people = catalog.people_rows(a.dialogue_id for a in appearances)
    entries: dict[tuple[str, int], PersonRow] = {}
    for a in appearances:
        rows = people.get(a.dialogue_id)
        if rows is not None and a.index < len(rows):
            entries[(a.dialogue_id, a.index)] = rows[a.index]
    said = catalog.position_rows((did, ref) for (did, _), row in entries.items() for ref in row.positions)
    out: dict[tuple[str, int], _Shown] = {}
    for (did, index), row in entries.items():
        bullets = tuple(_said(said[(did, ref)], index) for ref in row.positions)
        out[(did, index)] = _Shown(row.then, row.honorific, row.country, row.chaired, bullets)
    return out


def _said(position: PositionRow, index: int) -> str:
    """Return "topic (jointly with B): summary" for a position of the participant at index, naming every co-author."""
    others = [s.shown for s in position.speakers if s.part != index]
    joint = f" (jointly with {', '.join(others)})" if others else ""
    return f"{position.topic}{joint}: {position.summary}"


def person_answer(catalog: Catalog, record: PersonRecord, how: str = "exact") -> Answer:
    """Return the profile of one person across dialogues."""
    first = record.appearances[0]
    # every appearance is listed (a heading and a citation each): held compactly in a bot, else read together
    lines = catalog.lines([a.dialogue_id for a in record.appearances])
    recent = _shown_appearances(catalog, record.appearances[:WHO_FULL])
    newest = recent.get((first.dialogue_id, first.index))
    if newest is None:
        newest_part = catalog.part(first.dialogue_id, first.index)
        then = role_text(newest_part.role, newest_part.affiliation)
        newest = _Shown(then, newest_part.honorific, newest_part.country, (), ())
    spelled = sorted({s for s in record.spellings if normalize_name(s) != normalize_name(record.name)})
    intro = "Most recent: " + newest.then
    country = newest.country or record.country
    if country:
        intro += f" ({country})"
    if lines[0].draft:  # the newest dialogue is an unreviewed draft
        intro += f" [{DRAFT_MARK}]"
    intro += f". Took part in {len(record.appearances)} dialogue(s)."
    if spelled:
        intro += " Also spelled: " + ", ".join(spelled) + "."
    items = []
    for appearance, line in zip(record.appearances[:WHO_FULL], lines, strict=False):
        # recent dialogues in full, from their display rows
        compact = recent.get((appearance.dialogue_id, appearance.index))
        if compact is None:  # pragma: no cover - a summary and its display rows list the same participants
            continue
        fields = [("Part", ", ".join(appearance.parts)), ("Then", compact.then)]
        if compact.moderated:
            fields.append(("Chaired", "; ".join(compact.moderated)))
        heading, cite = line_heading(line), line_citation(appearance.dialogue_id, line)
        path = f"participants[{appearance.index}]"
        items.append(Item(heading, tuple(fields), (), compact.bullets, cite, path=path))
    for appearance, line in zip(record.appearances[WHO_FULL:], lines[WHO_FULL:], strict=True):
        # older dialogues: one line each; line_heading and line_citation inlined: a person may have hundreds of them
        title, date, label, url, draft = line
        cite = Citation(appearance.dialogue_id, title, date, label, url, draft)
        heading = f"{title} ({date or 'date not given'})"
        path = f"participants[{appearance.index}]"
        items.append(Item(heading, (("Part", ", ".join(appearance.parts)),), citation=cite, path=path))
    honorific = newest.honorific or record.honorific
    title = f"{honorific} {record.name}" if honorific else record.name
    return Answer(AnswerKind.PERSON, title, intro, tuple(items), refs=(record.key,))


# ----- sessions, positions, search --------------------------------------------------------------------------


def sessions(catalog: Catalog, topic: str) -> Answer:
    """Return sessions about a topic, with dialogue, moderator and summary."""
    topic = topic.strip()
    if not topic:
        return help_answer("Which topic? Try `session Afghanistan`.")
    seen: dict[tuple[str, int], float] = {}
    hits = catalog.text.search(topic, kinds=("session",), limit=MAX_HITS * 3)
    for hit in hits:
        key = (hit.dialogue_id, hit.ref)
        if hit.dialogue_id in catalog.dialogues:
            if hit.recency:  # already in answer order: session titles, then session text, newest first
                seen.setdefault(key, -float(len(seen)))
            else:
                seen[key] = seen.get(key, 0.0) + hit.score + (5.0 if hit.field.endswith(".title") else 0.0)
    if not seen:
        better = suggest(catalog, topic, ("session",))
        if better:
            intro = f"No session is about {quoted(topic)}."
            return not_found("No sessions found", intro, (better,), "session", "Did you mean:")
        return not_found("No sessions found", f"No session is about {quoted(topic)}. Try `search {topic}`.")
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1], catalog.rank(kv[0][0])))[:MAX_HITS]
    shown = catalog.session_rows(key for key, _ in ranked)
    items = []
    for (did, ref), _ in ranked:
        session = shown[(did, ref)]
        fields = [("Dialogue", summary_heading(catalog, did))]
        if session.chair:
            fields.append(("Chair", session.chair))
        lines = (session.summary,) if session.summary else ()
        cite = summary_citation(catalog, did)
        items.append(Item(session.title, tuple(fields), lines, session.takeaways, cite, path=f"sessions[{ref}]"))
    intro, shown_topic = f"{len(items)} session(s).", topic
    if speakers.split_by(topic)[1]:  # sessions have no authors: "by X" is part of the topic, never a filter
        shown_topic = quoted(topic)
        intro += f" `by` filters statements only: try `positions {topic}`."
    return Answer(
        AnswerKind.SESSIONS,
        f"Sessions on {shown_topic}",
        intro,
        tuple(items),
        refs=tuple(f"{did}#{ref}" for (did, ref), _ in ranked),
    )


_FIELD_NAMES = {
    "participants": "Participant",
    "organizers": "Organiser",
    "sessions": "Session",
    "takeaways": "Takeaway",
    "positions": "Position",
    "figures": "Figure",
    "topics": "Topic",
    "projects": "Project",
    "forums": "Forum",
    "mentions": "Mentioned",
    "host_unit": "Hosted by",
}


def _field_label(path: str) -> str:
    """Return 'Session 2 › Takeaway 1' for 'sessions[1].takeaways[0]'."""
    out = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        label = _FIELD_NAMES.get(name, name.replace("_", " ").capitalize())
        out.append(f"{label} {int(index.rstrip(']')) + 1}" if index else label)
    return " › ".join(out)


def _labelled(catalog: Catalog, hit: TextHit) -> tuple[tuple[str, str], ...]:
    """Return the labelled fields of a hit on a participant, organiser or mention (their text runs together)."""
    if hit.kind not in {"participant", "organizer", "mention"}:
        return ()
    dialogue = catalog.dialogues[hit.dialogue_id]
    if hit.kind == "participant" and hit.ref < len(dialogue.participants):
        p = dialogue.participants[hit.ref]
        pairs = [("Name", full_name(p)), ("Role", p.role), ("Affiliation", p.affiliation), ("Country", p.country)]
    elif hit.kind == "organizer" and hit.ref < len(dialogue.organizers):
        o = dialogue.organizers[hit.ref]
        pairs = [("Name", o.name), ("Acronym", o.acronym), ("Country", o.country)]
    elif hit.kind == "mention" and hit.ref < len(dialogue.mentions):
        m = dialogue.mentions[hit.ref]
        pairs = [("Name", m.name), ("Role", m.role), ("Context", m.context)]
    else:
        return ()
    return tuple((k, v) for k, v in pairs if v)


def search(catalog: Catalog, text: str) -> Answer:
    """Return ranked full-text hits over every brief, each naming its dialogue and field."""
    text = text.strip()
    if not text:
        return help_answer("Search for what? Try `search pipeline`.")
    words = re.findall(r"\w+", fold(text))
    longer = [w for w in words if len(w) >= 2]
    if not longer and len(words) > 1:  # `%s %d {0}`: only stray letters, which match a possessive's s anywhere
        return not_found("Nothing found", f"No brief mentions {quoted(text)}: it has no word of two letters or more.")
    wanted = " ".join(longer) if longer else text  # a lone letter (`search x`) is searched as it is
    # the same words, those typed as one ("non-proliferation") kept together: the index plans by them (TextIndex)
    typed = [ws for chunk in text.split() if (ws := [w for w in re.findall(r"\w+", fold(chunk)) if len(w) >= 2])]
    if longer and [w for ws in typed for w in ws] == longer:
        wanted = " ".join("-".join(ws) for ws in typed)
    hits = [h for h in catalog.text.search(wanted, limit=MAX_HITS) if h.dialogue_id in catalog.dialogues]
    if not hits:
        better = suggest(catalog, text)
        return not_found(
            "Nothing found",
            f"No brief mentions {quoted(text)}.",
            (better,) if better else (),
            "search",
            "Did you mean:",
        )
    items = []
    for hit in hits:
        title = catalog.line(hit.dialogue_id).title
        labelled = _labelled(catalog, hit)
        snippet = hit.text if len(hit.text) <= 400 else hit.text[:397].rsplit(" ", 1)[0] + "…"
        lines = () if labelled else (snippet,)
        heading = f"{title} › {_field_label(hit.field)}"
        items.append(Item(heading, labelled, lines, (), summary_citation(catalog, hit.dialogue_id), path=hit.field))
    return Answer(
        AnswerKind.SEARCH,
        f"Search: {text}",
        f"{len(items)} hit(s), best first.",
        tuple(items),
        refs=tuple(f"{h.dialogue_id}:{h.field}" for h in hits),
    )


# ----- parsing a typed question -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """A parsed question: command and its argument text."""

    command: str
    args: str


COMMANDS = {
    "dialogue": "dialogue",
    "dialogues": "dialogue",
    "who": "who",
    "session": "session",
    "sessions": "session",
    "positions": "positions",
    "position": "positions",
    "search": "search",
    "help": "help",
    "latest": "latest",
    "timeline": "timeline",
    "compare": "compare",
    "network": "network",
    "series": "series",
}
_CONTROL = {c for c in map(chr, range(32)) if c not in "\t"}


def clean(text: str) -> str:
    """Return text with control and format characters removed and whitespace collapsed."""
    kept = "".join(
        " " if ch in _CONTROL or unicodedata.category(ch) in {"Cc", "Cs"} else ch
        for ch in text
        if unicodedata.category(ch) != "Cf" or ch == "\u200c"  # a Persian name's non-joiner is kept (see fold)
    )
    return " ".join(kept.split())


def parse(text: str) -> Question | None:
    """Parse '/who Sohail Mahmood', 'brief who X' or 'who X'; return None when the command is unknown."""
    body = clean(text)
    body = body.lstrip("/!").strip()
    if body.lower().startswith("brief "):
        body = body[6:].lstrip("/").strip()
    if not body:
        return Question("help", "")
    head, _, rest = body.partition(" ")
    command = COMMANDS.get(head.lower())
    if command is None:
        return None
    return Question(command, rest.strip())


def ask(catalog: Catalog, text: str) -> Answer:
    """Answer one typed question; unknown commands and bad input get a helpful answer, never an exception."""
    if len(text) > MAX_QUESTION_CHARS * 4 or len(clean(text)) > MAX_QUESTION_CHARS:
        return Answer(
            AnswerKind.ERROR,
            "That question is too long",
            f"Please keep questions under {MAX_QUESTION_CHARS} characters.",
            ok=False,
        )
    question = parse(text)
    if question is None:
        head = clean(text).lstrip("/!").split(" ", 1)[0][:40]
        return Answer(
            AnswerKind.ERROR,
            "Unknown question",
            f"I don't know {quoted(head)}. " + "Ask one of: " + ", ".join(c for c, _ in HELP_LINES) + ".",
            ok=False,
        )
    return answer(catalog, question)


def answer(catalog: Catalog, question: Question) -> Answer:
    """Answer a parsed question."""
    args = question.args
    match question.command:
        case "help":
            return help_answer()
        case "latest":
            return latest(catalog)
        case "who":
            return who(catalog, args)
        case "session":
            return sessions(catalog, args)
        case "search":
            return search(catalog, args)
        case "positions":
            topic, by = split_by(args)
            return positions(catalog, topic, by)
        case "timeline" | "compare" | "network" | "series":
            ask_about: dict[str, Callable[[Catalog, str], Answer]] = {
                "timeline": questions.timeline,
                "compare": questions.compare,
                "network": questions.network,
                "series": questions.series_answer,
            }
            return ask_about[question.command](catalog, args)
        case "dialogue":
            sub, _, rest = args.partition(" ")
            sub = sub.lower()
            if sub in {"", "latest"}:
                return latest(catalog)
            if sub == "list":
                words, year = split_year(rest)
                return list_dialogues(catalog, words, year, asked=rest)
            if sub == "show":
                return show(catalog, rest)
            if sub == "series":
                return questions.series_answer(catalog, rest)
            return show(catalog, args)
    return help_answer()  # pragma: no cover - COMMANDS only yields the cases above


def split_by(args: str) -> tuple[str, str | None]:
    """Split 'Afghanistan by Iran' or 'by Iran' into topic and speaker filter."""
    return speakers.split_by(args)


def split_year(args: str) -> tuple[str, int | None]:
    """Split 'IRAS 2025' into words and a year."""
    year = None
    words = []
    for token in args.split():
        if re.fullmatch(r"(19|20)\d\d", token) and year is None:
            year = int(token)
        else:
            words.append(token)
    return " ".join(words), year
