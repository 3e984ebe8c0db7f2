"""Turn an Article into a draft Dialogue: run the passes (bot/ingest/passes) over its text and assemble the brief."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.briefs.models import Dialogue, PeopleRegistry, Person, fold, normalize_name
from bot.briefs.names import skeleton
from bot.ingest.article import _MONTH, Article, _mon
from bot.ingest.passes.dates import event_date, posted_date
from bot.ingest.passes.descriptors import has_role_word, is_org
from bot.ingest.passes.event import (
    COUNTRIES,
    DEMONYMS,
    HOST_VERB,
    UNIT_HEADS,
    Org,
    country_of,
    find_kind,
    find_location,
    find_orgs,
    find_title,
    named_organisers,
    unit_without_acronym,
)
from bot.ingest.passes.people import Person as FoundPerson
from bot.ingest.passes.people import find_people
from bot.ingest.passes.positions import find_positions
from bot.ingest.passes.segment import lines as segment_lines
from bot.ingest.passes.segment import sentences as segment_sentences
from bot.ingest.passes.segment import split_sentences as sentences
from bot.ingest.passes.sessions import ORDINALS, find_sessions
from bot.ingest.passes.vocab import pairs, words

FoundPosition = tuple[list[str], str, str, str | None]  # by, topic, summary, session (see find_positions)

# --------------------------------------------------------------------------- vocabularies


FORUMS = tuple(words("forums.txt"))

_TAKEAWAY = re.compile(
    r"\b(?:highlighted|emphasi[sz]ed|stressed|underlined|underscored|called for|agreed|recogni[sz]ed|urged|"
    r"recommended|proposed|considered|applauded|essential|were seen as|was seen as|need for|noted that|"
    r"observed that|concluded|warned)\b",
    re.IGNORECASE,
)
TOPICS = tuple(pairs("topics.txt"))
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}

_LABEL_LINE = re.compile(
    r"^(?:Chair|Chaired by|Moderator|Moderated by|Speakers|Panel(?:l)?ists|Discussants|(?:Event )?Date|When|Time|"
    r"Venue|Location|Place|Platform)\s*[:-]",
    re.I,
)
_DATELINE = re.compile(
    rf"^\s*(?P<city>[A-Z][A-Za-z .'-]{{2,30}}?),?\s+(?:(?P<mon>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH})\.?)"
    r"(?:,?\s+(?P<year>\d{4}))?"
    r"\s*(?:/(?P<agency1>[A-Z]{2,8})/|\((?P<agency2>[A-Z][A-Za-z]{1,10})\))?\s*[-–—:]",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------- article


# --------------------------------------------------------------------------- sentences


# --------------------------------------------------------------------------- organisations


# --------------------------------------------------------------------------- people


@dataclass
class Found:
    """One person as found in the text."""

    name: str
    honorific: str | None = None
    role: str | None = None
    affiliation: str | None = None
    country: str | None = None
    person: str | None = None
    moderator: bool = False
    mention_only: bool = True
    mention_role: str | None = None


# --------------------------------------------------------------------------- the draft


@dataclass
class Review:
    """What the extractor found, what it was unsure of, and what an analyst should check."""

    found: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Draft:
    """A draft brief and its review notes."""

    dialogue: Dialogue
    review: Review
    extractor: str = "rules"
    # where each participant (by name), session ("session: <title>") and the date were read:
    # [start, end) offsets into the text the passes ran over (the article's text, its dateline kept)
    evidence: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass
class _SessionDraft:
    title: str
    order: float
    moderator: str | None = None
    paragraphs: list[int] = field(default_factory=list)
    intro: str | None = None
    from_heading: bool = False
    span: tuple[int, int] = (0, 0)


def _hosts(sentence: str, org: Org) -> bool:
    """Whether the sentence makes the organisation a host: named before the verb, or after 'by', 'between', 'with'."""
    at = sentence.find(f"({org.acronym})")
    named = sentence.find(org.name)
    if named > 0 and re.search(r"\bdelegation\s+(?:of|from)\s+(?:the\s+)?$", sentence[:named], re.I):
        return False  # a visiting delegation's institute is the visitors' affiliation, not a host
    verb = HOST_VERB.search(sentence)
    if verb is None or at < verb.start() or verb.group().lower().endswith((" of", " between", " with")):
        return True
    return bool(re.search(r"\b(?:by|between|with)\b", sentence[verb.start() : at]))


def _part_role(part: str | None) -> str | None:
    """Return the person's part in the event as a role when the text gives no title ("speaker", "Moderator")."""
    return part if part else None


def _sentence_at(text: str, offset: int) -> str:
    """Return the whole sentence of the text around an offset."""
    for line in segment_lines(text):
        if line.start <= offset <= line.end:
            return next((s.text for s in segment_sentences(line) if s.start <= offset <= s.end), line.text)
    return ""


def _session_of(sessions: list[_SessionDraft], offset: int, text: str) -> _SessionDraft | None:
    """Return the session a moderator mention belongs to: inside a programme block, or a sentence naming it."""
    for s in sessions:
        if s.span[0] <= offset < s.span[1]:
            if s.from_heading:
                return s
            sentence = _sentence_at(text, offset)
            if s.span[0] >= text.rfind("\n", 0, offset) and re.search(r"\b(?:session|panel)\b", sentence, re.I):
                return s
    return None


def _paragraphs_in(paras: list[str], text: str, span: tuple[int, int]) -> list[int]:
    """Return the indexes of the paragraphs that lie in a span of the text."""
    out, pos = [], 0
    for i, para in enumerate(paras):
        if span[0] <= pos < span[1] or pos <= span[0] < pos + len(para) + 1:
            out.append(i)
        pos += len(para) + 1
    return out


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", fold(text))).strip("-")[:80] or "draft"


def _event_date(article: Article, paras: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """Return (date, date_note, location from dateline, agency)."""
    first = paras[0] if paras else ""
    dl = _DATELINE.match(first)
    city = agency = None
    dateline: dt.date | None = None
    dateline_text = None
    if dl:
        city = dl["city"].strip().title()
        agency = dl["agency1"] or dl["agency2"]
        page_date = article.published or posted_date("\n".join(paras))
        year = int(dl["year"]) if dl["year"] else (page_date.year if page_date else None)
        if year is not None:
            try:
                dateline = dt.date(year, _mon(dl["mon"] or dl["mon2"]), int(dl["day"] or dl["day2"]))
            except (ValueError, KeyError):
                dateline = None
            if dateline is not None and page_date and not dl["year"] and dateline > page_date:
                dateline = None  # a dateline after the page's date would borrow the wrong year
        dateline_text = f"{city}, {dl['day'] or dl['day2']} {(dl['mon'] or dl['mon2']).title()}" + (
            "" if dl["year"] else "; year from the page"
        )
    body = [first[dl.end() :], *paras[1:]] if dl else paras
    found = event_date("\n".join(body), article.published, dateline, dateline_text)
    note = found.note
    if (
        found.date is None
        and article.display_date
        and not article.published
        and re.search(r"^(?:Speakers|Panel(?:l)?ists|Moderators?|Featuring)\b", "\n".join(paras), re.M)
    ):
        # an event page (it lists its speakers): the date under its title is the event's
        day = article.display_date.isoformat()
        return day, f"The date shown under the event page's title ({day}).", city, agency
    if found.date is None and article.display_date and not article.published:
        note += f" The page shows {article.display_date.isoformat()}, a display date, not the event date."
    article.date_basis = "weekday" if found.from_weekday else ("dateline" if found.from_dateline else "")
    return found.date, note, city, agency


def _resolve(name: str, registry: PeopleRegistry | None) -> tuple[Person | None, bool]:
    """Return the registry person for a name and whether the spelling is already known."""
    if registry is None:
        return None, False
    key = normalize_name(name)
    for person in registry.people:
        if key in {normalize_name(s) for s in (person.name, *person.aliases)}:
            return person, True
    skel = skeleton(name)
    for person in registry.people:
        if skel in {skeleton(s) for s in (person.name, *person.aliases)}:
            return person, False
    return None, False


_MENTION_TITLE = re.compile(
    r"visit (?:of|by) (?:the )?(?:(?:[A-Z][a-z]+'s|"
    + "|".join(DEMONYMS)
    + r") )?(?P<title>President|Prime Minister|Foreign Minister|Supreme Leader|King|Crown Prince|"
    r"Chief of Army Staff|Speaker)(?: of (?:the )?(?P<country>[A-Z][\w ]+?))?"
    r"(?:\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3}))?(?=\s(?:to|in|at|on|as|and|for)\b|[,.])",
)


def _organisers(text: str, paras: list[str]) -> tuple[list[Org], Org | None, dict[str, str | None]]:
    """Return the organisers named as hosts, the host unit (a centre or department of one), and each acronym's
    country."""
    orgs = find_orgs(text)
    host_sentence = next(
        (
            s
            for p in paras[:4]
            for s in sentences(p)
            if HOST_VERB.search(s) and any(o.acronym and f"({o.acronym})" in s for o in orgs)
        ),
        "",
    )
    host_unit: Org | None = None
    organisers: list[Org] = []
    for org in orgs:
        if any(o.acronym == org.acronym for o in organisers) or (host_unit and host_unit.acronym == org.acronym):
            continue
        sent = next((s for p in paras for s in sentences(p) if f"({org.acronym})" in s), "")
        words = org.name.split()
        is_unit = (words[0] in UNIT_HEADS or words[-1] in UNIT_HEADS) and bool(
            re.search(rf"\bby (?:the )?{re.escape(org.name)}", sent)
            or re.search(rf"\({re.escape(org.acronym or '')}\)\s+(?:at|of)\s+(?:the\s+)?[A-Z]", sent)
            or re.search(rf"\b[A-Z]{{2,}}'s {re.escape(org.name)}", sent)
        )
        if is_unit and host_unit is None and org.start < len(text) // 2:
            host_unit = org
        elif host_sentence and f"({org.acronym})" in host_sentence and not is_unit and _hosts(host_sentence, org):
            organisers.append(org)
    if host_unit is None:
        host_unit = unit_without_acronym(paras[:6])
    unit_name = fold(host_unit.label) if host_unit else ""
    for host in named_organisers(paras[:12]):
        if fold(host.name) in unit_name:
            continue
        known = any(fold(host.name) in fold(o.name) or (host.acronym and host.acronym == o.acronym) for o in organisers)
        if not known:
            organisers.append(host)
    org_country = {o.acronym: o.country for o in organisers if o.acronym}
    if host_unit and host_unit.acronym and organisers:
        org_country[host_unit.acronym] = organisers[0].country
    return organisers, host_unit, org_country


def extract(article: Article, registry: PeopleRegistry | None = None, *, brief_id: str | None = None) -> Draft:
    """Build a draft Dialogue from an article by rules; every draft passes the brief validator."""
    review = Review()
    paras = [p.replace("\u00a0", " ") for p in article.paragraphs]
    text = "\n".join(paras)
    if not text.strip():
        raise ValueError("no article text found in the source")
    first_para = next((p for p in paras if len(p) > 100), paras[0])

    organisers, host_unit, org_country = _organisers(text, paras)
    title, title_sure = find_title(article, text, first_para)
    kind = find_kind(" ".join([article.label or "", title, *paras[:3]]))
    date, date_note, dl_city, agency = _event_date(article, paras)
    passes_text = text  # the passes read the text as written (dateline kept), so offsets point into it
    dateline = _DATELINE.match(paras[0])
    if dateline:
        paras[0] = paras[0][dateline.end() :].strip()
        text = "\n".join(paras)
    location = find_location(" ".join(paras[:3]), dl_city, paras)

    # people, sessions, moderators, positions: the passes over the text (bot/ingest/passes)
    excluded = {normalize_name(article.author)} if article.author else set()
    found_people, found_mentions = find_people(passes_text, _registry_keys(registry), excluded)
    participants = [_participant(p) for p in found_people]
    mentions = _mentions(passes_text, paras, found_mentions)
    sessions = _sessions(passes_text)
    overall_mods = _seat_moderators(found_people, sessions, passes_text)
    positions = find_positions(passes_text, found_people, sessions)
    for ses in sessions:
        ses.paragraphs = _paragraphs_in(passes_text.split("\n"), passes_text, ses.span)
    if not sessions:
        positions = _assume_one_session(sessions, positions, title, overall_mods, len(paras), review)
    sessions.sort(key=lambda s: s.order)

    _use_registry(participants, registry, org_country, review)

    data = _assemble(
        article=article,
        brief_id=brief_id or _make_id(organisers, kind, date, title),
        title=title,
        kind=kind,
        date=date,
        date_note=date_note,
        location=location,
        organisers=organisers,
        host_unit=host_unit,
        overall_mods=overall_mods,
        participants=participants,
        sessions=sessions,
        positions=positions,
        paras=paras,
        mentions=mentions,
        agency=agency,
        text=text,
    )
    dialogue = Dialogue.model_validate(data)
    _fill_review(review, dialogue, article, title_sure, found_people)
    return Draft(
        dialogue=dialogue, review=review, evidence=_evidence_spans(dialogue, found_people, sessions, passes_text)
    )


def _assume_one_session(
    sessions: list[_SessionDraft],
    positions: list[FoundPosition],
    title: str,
    overall_mods: list[str],
    paragraphs: int,
    review: Review,
) -> list[FoundPosition]:
    """Add the one session of a text that names none (titled after the dialogue, chaired by its only moderator);
    return the positions placed in it."""
    single = _SessionDraft(title=title, order=1, moderator=overall_mods[0] if len(overall_mods) == 1 else None)
    single.paragraphs = list(range(paragraphs))
    sessions.append(single)
    review.unsure.append("sessions: none named in the text; a single session was assumed, titled after the dialogue")
    return [(b, t, summary, title) for b, t, summary, _ in positions]


def _registry_keys(registry: PeopleRegistry | None) -> set[str]:
    """Return every name and alias of the registry, normalised."""
    if registry is None:
        return set()
    return {normalize_name(s) for p in registry.people for s in (p.name, *p.aliases)}


def _participant(p: FoundPerson) -> Found:
    """Return the draft participant of a person the people pass found (their part stands in for a missing role)."""
    return Found(
        name=p.name,
        honorific=p.honorific,
        role=p.role or _part_role(p.part),
        affiliation=p.affiliation,
        moderator=p.moderator,
        mention_only=False,
    )


def _mentions(passes_text: str, paras: list[str], found: Iterable[FoundPerson]) -> dict[str, tuple[str | None, str]]:
    """Return the people only mentioned, by name, with their role and the sentence that names them; a visit by an
    unnamed office holder ("the visit of the President of Iran") counts as a mention of the office."""
    mentions: dict[str, tuple[str | None, str]] = {
        m.name: (m.role, _sentence_at(passes_text, m.spans[0][0])) for m in found
    }
    for sent_line in paras:
        for mm in _MENTION_TITLE.finditer(sent_line):
            if mm["name"]:
                continue
            country = mm["country"] or country_of(sent_line[max(0, mm.start() - 30) : mm.start()])
            label_text = f"{mm['title']} of {country}" if country else mm["title"]
            mentions.setdefault(label_text, (label_text, _sentence_at(sent_line, mm.start())))
    return mentions


def _sessions(passes_text: str) -> list[_SessionDraft]:
    """Return the sessions the text names (by the sessions pass, a heading or an introducing sentence), in text
    order, each spanning up to the next."""
    sessions: list[_SessionDraft] = []
    for named in find_sessions(passes_text):
        draft_session = _SessionDraft(title=named.title, order=named.order, from_heading=named.heading)
        draft_session.span = (named.start, named.end)
        sessions.append(draft_session)
    pos = 0
    for para in passes_text.split("\n"):
        heading = _session_heading(para)
        if heading and not any(fold(x.title) == fold(heading[0]) for x in sessions):
            sessions.append(_SessionDraft(title=heading[0], order=heading[1], from_heading=True, span=(pos, pos)))
        elif not heading:
            for sent in sentences(para):
                intro = _session_intro(sent)
                if intro and not any(fold(x.title) == fold(intro[0]) for x in sessions):
                    at = pos + para.find(sent)
                    sessions.append(_SessionDraft(title=intro[0], order=intro[1], intro=sent, span=(at, at)))
        pos += len(para) + 1
    sessions.sort(key=lambda x: x.span[0])
    for k, x in enumerate(sessions):
        if x.span[1] <= x.span[0]:
            x.span = (x.span[0], sessions[k + 1].span[0] if k + 1 < len(sessions) else len(passes_text))
    return sessions


def _seat_moderators(found_people: Iterable[FoundPerson], sessions: list[_SessionDraft], passes_text: str) -> list[str]:
    """Give each session the first moderator named inside it; return the moderators of the event as a whole."""
    overall_mods: list[str] = []
    for fp in found_people:
        if not fp.moderator or fp.moderator_at is None:
            continue
        home = _session_of(sessions, fp.moderator_at, passes_text)
        if home is not None and home.moderator is None:
            home.moderator = fp.name
        elif home is None and fp.name not in overall_mods:
            # the chair of a session the text does not name counts as a moderator of the event (its part says which)
            overall_mods.append(fp.name)
    return overall_mods


def _use_registry(
    participants: list[Found], registry: PeopleRegistry | None, org_country: dict[str, str | None], review: Review
) -> None:
    """Link participants to registry people (proposing new spellings as aliases) and give each a country."""
    for p in participants:
        person, known = _resolve(p.name, registry)
        if person is None:
            continue
        if not known:
            p.person = person.id
            review.aliases.append((p.name, person.id))
        p.country = p.country or None
        if p.honorific is None and person.honorific:
            review.check.append(f"{p.name}: no honorific in the text; the registry has {person.honorific!r}")
        p.country = _participant_country(p, org_country) or person.country
    for p in participants:
        p.country = p.country or _participant_country(p, org_country)


def _evidence_spans(
    dialogue: Dialogue, found_people: Iterable[FoundPerson], sessions: list[_SessionDraft], passes_text: str
) -> dict[str, list[tuple[int, int]]]:
    """Return where the text shows each person, each session and the date, as (start, end) offsets."""
    evidence: dict[str, list[tuple[int, int]]] = {p.name: list(p.spans) for p in found_people}
    for ses in sessions:
        if ses.span[1] > ses.span[0]:
            evidence[f"session: {ses.title}"] = [ses.span]
    # the date_note quotes what the date was read from: "Stated in the text (4 September 2024)", "says 'on Monday'"
    quoted = re.findall(r"'([^']+)'|\(([^()]+)\)", dialogue.date_note or "")
    found = next((q for pair in quoted for q in pair if q and q in passes_text), None) if dialogue.date else None
    if found:
        at = passes_text.find(found)
        evidence["date"] = [(at, at + len(found))]
    return evidence


def _is_heading(para: str) -> bool:
    return len(para) < 140 and not re.search(r"[.!?]$", para)


def _session_heading(para: str) -> tuple[str, float] | None:
    """Recognise 'Session II: Title', 'Panel 1 - Title', or a numbered heading '1. Title'."""
    if not _is_heading(para):
        return None
    m = re.match(
        r"^(?:(?:Working|Plenary|Technical)\s+)?(?:Session|Panel)\s+(?P<n>[IVX]+|\d+|"
        + "|".join(_WORD_NUMBERS)
        + r")\s*[:.–—-]\s*(?P<title>.+)$",
        para,
        re.I,
    )
    if m:
        n = m["n"].lower()
        order = _ROMAN.get(n) or _WORD_NUMBERS.get(n) or (int(n) if n.isdigit() else 50)
        return m["title"].strip().strip('“”"'), float(order)
    m = re.match(
        r"^(?P<label>Inaugural|Opening|Concluding|Closing)\s+Session\s*(?:[:.–—-]\s*(?P<title>.+))?$", para, re.I
    )
    if m:
        return (m["title"] or f"{m['label'].title()} session").strip(), float(ORDINALS[m["label"].lower()])
    return None


def _session_intro(sentence: str) -> tuple[str, float] | None:
    """Recognise 'The first session, titled "X", was moderated by ...' and 'The inaugural session ...'."""
    m = re.search(
        r"\b(?P<ord>first|second|third|fourth|fifth|sixth|final|last|\d(?:st|nd|rd|th)|inaugural|opening|concluding|closing)"
        r"\s+(?:working\s+|plenary\s+|technical\s+)?(?:session|panel|plenary)\b[^“\"]{0,60}?[“\"](?P<title>[^”\"]{3,200})[”\"]",
        sentence,
        re.I,
    )
    if m:
        return m["title"].strip().rstrip(",."), float(ORDINALS[m["ord"].lower()])
    m = re.search(
        r"\b(?:the|an?)\s+(?P<ord>inaugural|opening|concluding|closing)\s+(?P<what>session|plenary)\b", sentence, re.I
    )
    if m and not re.search(r"\b(?:featured|included|comprised)\b", sentence[: m.start()]):
        return f"{m['ord'].title()} {m['what'].lower()}", float(ORDINALS[m["ord"].lower()])
    return None


def _participant_country(p: Found, org_country: dict[str, str | None]) -> str | None:
    for text in (p.role or "", p.affiliation or ""):
        m = re.search(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)'s\b", text)
        if m and (m.group(1) in COUNTRIES):
            return m.group(1)
    if p.affiliation:
        for acr, country in org_country.items():
            if acr and re.search(rf"\b{re.escape(acr)}\b", p.affiliation) and country:
                return country
        found = country_of(p.affiliation)
        if found:
            return found
    if p.role:
        for acr, country in org_country.items():
            if acr and re.search(rf"\b{re.escape(acr)}\b", p.role) and country:
                return country
    return None


def _make_id(organisers: list[Org], kind: str | None, date: str | None, title: str) -> str:
    acrs = [o.acronym.lower() for o in organisers if o.acronym]
    if acrs:
        kind_slug = {
            "annual dialogue": "annual-dialogue",
            "roundtable": "roundtable",
            "conference": "conference",
            "seminar": "seminar",
            "virtual dialogue": "virtual-dialogue",
        }.get(kind or "", "dialogue")
        parts = ["-".join(acrs), kind_slug]
    else:
        parts = [_slug(title)[:60]]
    if date and len(date) == 10:
        parts.append(date)
    return _slug("-".join(parts)).replace("--", "-")


def _figures(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    rx = re.compile(
        r"(?:(?P<what>[A-Za-z][\w -]{2,60}?)\s+(?:had |has |have )?(?P<verb>exceeded|reached|stood at|surpassed|"
        r"crossed|totalled|totaled|amounted to|was|is|of|rose to|grew to|fell to)\s+)?"
        r"(?P<value>(?:about |around |nearly |over |more than |almost )?"
        r"(?:US\s?\$|\$|USD\s?|Rs\.?\s?|PKR\s?)?\d[\d,.]*\s?"
        r"(?:billion|million|trillion|bn|m\b|per\s?cent|percent|%))"
    )
    for m in rx.finditer(text):
        value = m["value"].strip()
        if m["verb"] in {"exceeded", "surpassed", "crossed"}:
            value = f"more than {value}"
        what = (m["what"] or "").strip()
        what = re.sub(r"^.*\b(?:that|which|as|where|when|while|and|the)\s+", "", what).strip() or "figure"
        if not any(f["value"] == value for f in out):
            out.append({"what": what[:120], "value": value})
    return out[:10]


def _session_data(s: _SessionDraft, paras: list[str], known: set[str]) -> dict[str, Any]:
    """Return a session's brief data: its first sentence as summary, up to five takeaway sentences, its moderator
    if a participant."""
    sents = [
        x
        for pi in s.paragraphs
        if not _is_heading(paras[pi]) and not _LABEL_LINE.match(paras[pi])
        for x in sentences(paras[pi])
        if x != s.intro
    ]
    # whole sentences, never cut mid-sentence; no sentence twice
    takeaways = list(dict.fromkeys(x.strip() for x in sents if _TAKEAWAY.search(x)))[:5]
    summary = sents[0].strip() if sents else None
    return {
        "title": s.title,
        "moderator": s.moderator if s.moderator and normalize_name(s.moderator) in known else None,
        "summary": summary,
        "takeaways": takeaways,
    }


def _positions_data(positions: list[FoundPosition], known: set[str]) -> list[dict[str, Any]]:
    """Return the brief data of the positions taken by participants (other speakers dropped, as are positions
    of none)."""
    out = []
    for by, topic, summary, session in positions:
        names = [b for b in by if normalize_name(b) in known]
        if names:
            out.append({"by": names, "topic": topic, "summary": summary, "session": session or None})
    return out


def _assemble(**kw: Any) -> dict[str, Any]:
    article: Article = kw["article"]
    paras: list[str] = kw["paras"]
    participants: list[Found] = kw["participants"]
    known = {normalize_name(p.name) for p in participants}
    sessions_out = [_session_data(s, paras, known) for s in kw["sessions"]]
    positions_out = _positions_data(kw["positions"], known)
    text: str = kw["text"]
    forums = [f for f in FORUMS if re.search(rf"\b{f}\b", text)]
    topics = []
    for topic, pattern in TOPICS:
        if re.search(pattern, text.lower()):
            topics.append(topic)
    mentions = [
        {"name": name, "role": role, "context": ctx}
        for name, (role, ctx) in kw["mentions"].items()
        if normalize_name(name) not in known
    ]
    host_unit: Org | None = kw["host_unit"]
    return {
        "id": kw["brief_id"],
        "title": kw["title"],
        "kind": kw["kind"],
        "date": kw["date"],
        "date_note": kw["date_note"],
        "location": kw["location"],
        "status": "draft",
        "organizers": [{"name": o.name, "acronym": o.acronym, "country": o.country} for o in kw["organisers"]],
        "host_unit": host_unit.label if host_unit else None,
        "moderators": [m for m in kw["overall_mods"] if normalize_name(m) in known],
        "participants": [
            {
                "name": p.name,
                "honorific": p.honorific,
                "role": p.role,
                "affiliation": p.affiliation,
                "country": p.country,
                **({"person": p.person} if p.person else {}),
            }
            for p in participants
        ],
        "sessions": sessions_out,
        "positions": positions_out,
        "figures": _figures(text),
        "topics": topics,
        "projects": [],
        "forums": forums,
        "mentions": mentions,
        "sources": [
            {
                "url": article.url,
                "publisher": article.publisher or kw["agency"],
                "published": article.published,
                "author": article.author,
                "file": article.file,
            }
        ],
    }


def _fill_review(
    review: Review, d: Dialogue, article: Article, title_sure: bool, people: Iterable[FoundPerson]
) -> None:
    """List what was found and, per field, what is uncertain, so the analyst knows where to look first."""
    review.found.append(
        f"{len(d.participants)} participant(s), {len(d.sessions)} session(s), "
        f"{len(d.moderators) + sum(1 for s in d.sessions if s.moderator)} moderator slot(s), "
        f"{len(d.organizers)} organiser(s), {len(d.positions)} position(s)"
    )
    review.found.append(f"date: {d.date or 'none'}; location: {d.location or 'none'}")
    if not title_sure:
        review.unsure.append(f"title: taken from the page heading or composed: {d.title!r}")
    if d.date is None:
        review.unsure.append("date: none in the text (see date_note)")
    elif article.date_basis == "weekday":
        review.unsure.append(f"date: {d.date} was derived from a weekday (see date_note)")
    elif article.date_basis == "dateline" or (d.date_note and "dateline" in d.date_note):
        review.unsure.append(f"date: {d.date} is the report's dateline, not a stated event date")
    acronyms = {o.acronym for o in d.organizers if o.acronym}
    weak, org_roles, parts, no_role = [], [], [], []
    for p in people:
        if p.mention:
            continue
        if p.score < LOW_SCORE:
            weak.append(f"{p.name} ({_evidence(p)})")
        if p.role and (is_org(_first_clause(p.role), acronyms) and not has_role_word(p.role)):
            org_roles.append(f"{p.name}: {p.role!r}")
        if not p.role and p.part:
            parts.append(f"{p.name} ({p.part})")
        elif not p.role:
            no_role.append(p.name)
    for label, items in (
        ("participants found on weak evidence", weak),
        ("participants whose role may be an organisation", org_roles),
        ("participants with no title in the text; the role is their part in the event", parts),
        ("participants with no role", no_role),
    ):
        if items:
            review.unsure.append(f"{label}: " + "; ".join(items))
    if not d.organizers:
        review.unsure.append("organizers: no organising institute found")
    if article.author:
        review.check.append(f"author {article.author!r} was left out of the participants")
    for name, pid in review.aliases:
        review.check.append(f"{name!r} looks like registry person {pid!r}: add it to their aliases if right")
    if d.mentions:
        review.check.append("mentioned, not participants: " + ", ".join(m.name for m in d.mentions))
    review.check.append("summaries, takeaways and positions quote the article: rewrite them in your own words")


LOW_SCORE = 3.0


def _evidence(p: FoundPerson) -> str:
    return "only a capitalised name in a list" if p.score < 2.5 else "no title, honorific or description"


def _first_clause(role: str) -> str:
    return role.split(",")[0]
