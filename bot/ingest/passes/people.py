"""Score name candidates with context features, attach descriptors, and merge mentions of the same person."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.briefs.models import fold, normalize_name
from bot.ingest.passes import descriptors
from bot.ingest.passes.candidates import Candidate, candidates
from bot.ingest.passes.segment import Line, Span, lines, sentences
from bot.ingest.passes.vocab import key, vocab

THRESHOLD = 2.0
_BOUNDARY = re.compile(
    r"[;:(]|,|\b(?:by|with|included|including|include|includes|comprised|comprising|featuring|featured|were|was|"
    r"are|is|as|from|among|between|like|namely|joined|met|and(?=\s+(?:the\s+)?[a-z]|\s*$))\b",
)
_MODERATOR_BEFORE = re.compile(
    r"(?:moderated|chaired|presided over|conducted|anchored|hosted|facilitated|steered)\s+by\s*(?:the\s+)?[^,;.]{0,80}$"
    r"|\b(?:moderator|chair|chairperson)\s*[:,]?\s*$",
    re.I,
)
_MODERATOR_AFTER = re.compile(r"^[^.;]{0,120}?\b(?:moderated|chaired|presided over)\b", re.I)
_MENTION_BEFORE = re.compile(
    r"(?:visit (?:of|by)|message (?:from|of)|tribute to|on behalf of|invitation (?:of|from)|memory of|"
    r"the late|condolences? (?:to|for)|edited by|written by|authored by|founded by|co-founder,?|quoting|quoted|"
    r"citing|according to|in memory of|a message from|on the invitation of)\s+"
    r"(?:the\s+)?(?:[A-Z][\w'’.-]*,?\s+|(?:for|of|and)\s+){0,8}$",
    re.IGNORECASE,
)
_MENTION_AFTER = re.compile(r"^[’']s\s+(?:message|letter|speech|statement|greetings|remarks)\b", re.I)
_ABSENT_AFTER = re.compile(r"^[^.;]{0,80}?\b(?:was|were) (?:not able|unable) to (?:join|attend)", re.I)
_PART_BEFORE = re.compile(
    r"\bthe\s+(?P<part>(?:keynote\s+)?speaker|keynote|moderator|chair|discussant)s?\s+(?:was|were)\s*$", re.I
)
# "The speakers were A, B and C", "Panellists included ...": each name after it took that part
_PART_LIST = re.compile(
    r"\b(?P<part>(?:keynote\s+)?speaker|panel(?:l)?ist|discussant|presenter)s\b[^.;:]{0,40}?"
    r"\b(?:were|included|include|comprised|are)\b|\b(?P<part2>speaker|panel(?:l)?ist|discussant)s\s*:",
    re.I,
)
_LIST_CUE = re.compile(
    r"\b(?:featuring|featured|attended by|joined by|addressed by|speakers (?:were|are)|panel(?:l)?ists (?:were|are)|"
    r"participants (?:were|are)|participated|took part|(?:remarks|presentations|talks) by)\b"
    # "included", "such as" introduce people only after a word for people ("speakers included", "they included")
    r"|\b(?:speakers|panel(?:l)?ists|participants|delegat\w*|members|experts|scholars|guests|attendees|officials|"
    r"they|who|panel|dignitaries|representatives|ambassadors|discussants)\b[^.;:]{0,40}?"
    r"\b(?:included|including|includes|comprised|comprising|consisted of|such as|namely|were)\b",
    re.I,
)
_FROM_ORG = re.compile(r"^\s+(?:from|of)\s+(?:the\s+)?(?P<org>[A-Z][^;.]*)")
_WHO = re.compile(
    r"^\s*,?\s*who\s+(?:also\s+)?(?P<verb>heads|leads|chairs|directs)\s+(?:the\s+)?(?P<org>[^,;.]+)", re.I
)
_WHO_ROLE = {"heads": "Head", "leads": "Head", "chairs": "Chair", "directs": "Director"}
_BIO_LEAD = re.compile(r"^\s+(?:is|was|serves as|served as|holds|held)\s+(?:(?:a|an|the)\s+)?", re.I)
_FROM = re.compile(r"(?:^|[,;:]\s*|\bincluded,?\s*)from (?P<place>[A-Z][\w-]+(?: [A-Z][\w-]+)?),", re.I)
_MEMBER_OF = re.compile(
    r"\b(?:the\s+|an?\s+)?(?P<who>[A-Z][\w-]*|visiting)?\s*delegation\b[^.;]{0,80}?\b(?:comprised|comprising|included|"
    r"including|consisting of|consisted of|members were|made up of)\b[^.;]*$"
)
_DELEGATION = re.compile(r"\bdelegat(?:e|es|ion|ions)\b", re.I)


@dataclass
class Person:
    """A participant (or mention) after merging its mentions, with where it was seen."""

    name: str
    honorific: str | None
    role: str | None
    affiliation: str | None
    score: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    moderator: bool = False
    moderator_at: int | None = None  # offset of the moderator mention (to place it in a session)
    mention: bool = False
    part: str | None = None
    notes: list[str] = field(default_factory=list)


def acronyms_of(text: str) -> set[str]:
    """Return the acronyms a text defines "(ISSI)" or repeats, which are never names."""
    found = set(re.findall(r"\(([A-Z][A-Za-z&]{1,9})\)", text))
    counts: dict[str, int] = {}
    for w in re.findall(r"\b[A-Z]{2,9}\b", text):
        counts[w] = counts.get(w, 0) + 1
    # a surname in capitals before a given name ("AOKI Kenta") is a name, however often it recurs
    paired = {m.group(1) for m in re.finditer(r"\b([A-Z]{2,9}) [A-Z][a-z]+\b", text) if _given_name(m.group())}
    titled = {m.group(1) for m in re.finditer(r"\b(?:Mr|Ms|Mrs|Dr|Prof|Amb|H\.E)\.?\s+([A-Z]{2,9})\b", text)}
    lower_after = {m.group(1) for m in re.finditer(r"\b([A-Z]{2,9}) [a-z]", text)}
    surnames = {w for w in paired if w in titled or w not in lower_after}
    return found | {w for w, n in counts.items() if n >= 2 and w not in surnames}


def _given_name(pair: str) -> bool:
    word = pair.split()[1]
    v = vocab()
    return not (v.is_role(word) or v.is_org(word) or v.is_place(word) or v.is_not_name(word))


def _speech_after(text: str) -> bool:
    words = re.findall(r"[a-z]+", text[:60].lower())
    return any(w in vocab().speech for w in words[:8])


def _cut_at_speech(text: str) -> str:
    for m in re.finditer(r"\b[a-z]+\b", text):
        if m.group() in vocab().speech:
            return text[: m.start()]
    return text


def _role_before(pre: str, from_start: bool) -> tuple[str, int]:
    """Return the role phrase right before a name ("Director of X Name", "The Director of X, Name") and its start."""
    # a role before a comma counts only after the sentence start or a verb (from_start: no earlier name)
    masked = re.sub(r"\([^()]*\)", lambda m: "x" * len(m.group()), pre)  # "(Slavic)" is no boundary
    marks = list(_BOUNDARY.finditer(masked))
    cut = marks[-1].end() if marks else 0
    phrase = pre[cut:]
    if not phrase.strip() and marks and marks[-1].group() == ",":
        # the role stands before a comma: "The Actg. Director General of the LKI, Ms. X"
        earlier = marks[-2] if len(marks) > 1 else None
        if (earlier is None and from_start) or (earlier is not None and earlier.group()[:1].isalpha()):
            start = earlier.end() if earlier else 0
            segment = pre[start : marks[-1].start()]
            if descriptors.has_role_word(segment) and descriptors.cut_verbs(segment) == segment:
                cut, phrase = start, segment
    lead = len(phrase) - len(phrase.lstrip())
    phrase = phrase.strip()
    article = re.match(r"^(?:(?:and|or)\s+)?(?:(?:the|a|an)\s+)?", phrase, re.I)
    if article:
        phrase, lead = phrase[article.end() :], lead + article.end()
    if not phrase or len(phrase.split()) > 20 or not descriptors.has_role_word(phrase):
        return "", len(pre)
    if re.search(r"\b(?:on|of|for|to|at|in|under|about|with|the)$", phrase, re.I):
        return "", len(pre)  # "Adviser to the Prime Minister on X": X is not a person
    return phrase, cut + lead


def _without_furniture(all_lines: list[Line]) -> list[Line]:
    """Drop page furniture: labelled lines ("Related experts: ..."), and the short lines under a furniture heading."""
    out: list[Line] = []
    in_block = False
    for line in all_lines:
        if _furniture(line):
            in_block = len(line.text) < 40 and not re.search(r"[:：]\s*\S", line.text)
            continue
        if in_block and len(line.text) < 80 and not line.text.endswith("."):
            continue  # "Our Experts" / "Dr. A" / "Dr. B": a sidebar list, not the event
        in_block = False
        out.append(line)
    return out


def _furniture(line: Line) -> bool:
    """Whether a line is page furniture: a label alone, a label before a list, or a short line starting with one."""
    low = key(line.text)
    short = len(line.text) < 60 and not line.text.endswith(".")
    return any(
        low == f or low.startswith((f + ":", f + " :", f + " |")) or (short and low.startswith(f + " "))
        for f in vocab().furniture
    )


@dataclass
class _Seen:
    cand: Candidate
    sentence: Span
    line: Line
    item_start: int  # where the candidate's list item starts (its role phrase, or its honorific/name)
    before: str = ""
    desc: str = ""


def find_people(text: str, registry_keys: set[str], exclude: set[str]) -> tuple[list[Person], list[Person]]:
    """Return (participants, mentions) found in a text."""
    acronyms = acronyms_of(text)
    seen: list[_Seen] = []
    all_lines = _without_furniture(lines(text))
    for i, line in enumerate(all_lines):
        nxt = all_lines[i + 1] if i + 1 < len(all_lines) else None
        for sent in sentences(line):
            found = candidates(sent.text, sent.start, acronyms)
            below = _descriptor_below(found, line, nxt, acronyms)
            local = _context(found, sent, line, text, acronyms, registry_keys, below)
            # again with the likely names only, so a rejected span does not cut its neighbour's descriptor
            likely = [s.cand for s in local if s.cand.score >= THRESHOLD or s.cand.mention]
            if len(likely) < len(found):
                for c in likely:
                    c.features.clear()
                    c.role = c.affiliation = c.part = None
                    c.moderator = c.mention = False
                local = _context(likely, sent, line, text, acronyms, registry_keys, below)
            seen.extend(local)
    kept = [s for s in seen if s.cand.score >= THRESHOLD or s.cand.mention]
    return _merge(kept, exclude)


_PART_WORDS = {"chair", "co-chair", "moderator", "speaker", "discussant", "panelist", "panellist", "presenter"}


def _descriptor_below(found: list[Candidate], line: Line, nxt: Line | None, acronyms: set[str]) -> str:
    """A line that is only a name, above a line that describes someone ("Jane Doe" / "Senior Fellow, X")."""
    if len(found) != 1 or nxt is None or len(nxt.text) > 200 or nxt.text.endswith((".", ":", "：")):
        return ""
    c = found[0]
    rest = line.text[c.postnominal_end - line.start :].strip(" ,;:–-()")
    head = line.text[: c.lead - line.start].strip(" •·▪◦‣∙*–-")
    if head or (rest and key(rest) not in _PART_WORDS):
        return ""  # only "Name" or "Name, Chair" (a part) leaves the descriptor to the line below
    if (
        candidates(nxt.text, nxt.start, acronyms)[:1]
        and nxt.text[:1].isupper()
        and not descriptors.has_role_word(nxt.text.split(",")[0])
    ):
        return ""
    if descriptors.has_role_word(nxt.text) or descriptors.is_org(nxt.text, acronyms):
        return ", " + nxt.text
    return ""


def _context(
    found: list[Candidate],
    sent: Span,
    line: Line,
    text: str,
    acronyms: set[str],
    registry_keys: set[str],
    below: str = "",
) -> list[_Seen]:
    """Give each candidate of one sentence its features, role phrase, descriptor and part."""
    out: list[_Seen] = []
    prev_end = sent.start
    for c in found:
        pre = text[prev_end : c.lead]
        role_before, at = _role_before(pre, prev_end == sent.start)
        run_role = c.run_before if descriptors.has_role_word(c.run_before) else ""
        if role_before and run_role and not role_before.endswith(run_role):
            role_before = ""
        item_start = prev_end + at if role_before else c.lead
        out.append(_Seen(c, sent, line, item_start, before=role_before or run_role))
        prev_end = c.postnominal_end
    # style of a list: "Name, Role, Org" (descriptors after) or "Role Name" (role before): vote on the gaps
    gaps = [text[a.cand.postnominal_end : b.item_start] for a, b in itertools.pairwise(out)]
    after_style = sum(g.count(",") >= 2 for g in gaps) > len(gaps) / 2 if len(out) >= 3 else False
    for i, s in enumerate(out):
        if (
            after_style
            and i > 0
            and s.before
            and text[out[i - 1].cand.postnominal_end : s.item_start].strip()
            in {
                ",",
                "",
            }
        ):
            # "Polly Nayak, Independent Consultant Sameer Lalwani, ...": the role belongs to the name before
            s.item_start, s.before = s.cand.lead, ""
    for i, s in enumerate(out):
        # a span that cannot be a name ("Maurice R. Greenberg Director's Chair") does not end a descriptor
        nxt = next(
            (t for t in out[i + 1 :] if not (t.cand.possessive or t.cand.after_org_head or t.cand.of_chain)), None
        )
        limit = nxt.item_start if nxt is not None else sent.end
        s.desc = _cut_at_speech(text[s.cand.postnominal_end : limit])
        own = s.desc.strip(" ,;:–-()")
        if below and (not own or key(own) in _PART_WORDS):
            if own:
                s.cand.part = own.lower()
                s.cand.moderator = s.cand.moderator or key(own) in {"chair", "co-chair", "moderator"}
            s.desc = below
    for i, s in enumerate(out):
        _features(s, out[i - 1] if i else None, text, acronyms, registry_keys)
    _share(out, text)
    _respectively(out, text, acronyms)
    return out


def _features(s: _Seen, prev: _Seen | None, text: str, acronyms: set[str], registry_keys: set[str]) -> None:
    c = s.cand
    f = c.features
    pre = text[s.sentence.start : c.lead]
    if c.honorific:
        f["honorific"] = 3.0
    former = re.search(r"\b(?:former|then|retired|late)\s+$", pre, re.I)
    if former and c.honorific:
        # "former Air Chief Marshal X": a rank after "former" is a role
        base = s.before if s.before and s.before.lower().endswith(former.group().strip().lower()) else ""
        s.before, c.honorific = (base or former.group().strip()) + " " + c.honorific, None
    if s.before:
        f["role_before"] = 2.0
    if s.line.label or s.line.kind == "item":
        head = re.match(r"^\s*(?:[•·▪◦‣∙*–-]|\d{1,2}[.)])?\s*(?:[A-Za-z][A-Za-z -]{1,30}?\s*[:：])?\s*", s.line.text)
        if s.line.label or c.lead - s.line.start <= (head.end() if head else 0) + 12:
            f["list_line"] = 2.0
    if normalize_name(c.name) in registry_keys:
        f["registry"] = 3.0
    words = c.words
    f["shape"] = 1.0 if 2 <= len(words) <= 4 else (0.0 if len(words) > 4 else -0.5)
    if c.possessive:
        f["possessive"] = -5.0
    if c.after_org_head:
        f["org_name"] = -6.0
    if c.of_chain:
        f["of_chain"] = -6.0
    if not c.honorific and re.search(r"\b(?:on|of|for|to|at|in|under|about)\s+(?:the\s+)?$", pre):
        f["after_preposition"] = -2.0  # "Adviser to the Prime Minister on Institutional Reforms"
    if _LIST_CUE.search(pre):
        f["list_cue"] = 1.5
    if any(fold(w) in {"university", "institute"} for w in words):
        f["org_name"] = -4.0
    desc = s.desc
    bio = _BIO_LEAD.match(desc)
    who = _WHO.match(desc)
    role = aff = None
    if who:
        role, aff = _WHO_ROLE[who["verb"].lower()], descriptors.clean(who["org"])
    elif _FROM_ORG.match(desc) and descriptors.is_org(_FROM_ORG.match(desc)["org"], acronyms):  # type: ignore[index]
        role, aff = None, descriptors.clean(_FROM_ORG.match(desc)["org"])  # type: ignore[index]
    elif bio:
        role, aff = descriptors.parse(desc[bio.end() :], acronyms)
        at_org = re.search(r"\bat (?:the )?(?P<org>[A-Z][^,.;]*?)(?=\s+in\s+[A-Z]|[,.;]|$)", desc)
        if at_org and descriptors.is_org(at_org["org"], acronyms) and (aff is None or at_org["org"] not in aff):
            aff = at_org["org"]  # "a senior fellow in the X Project ... at the Brookings Institution"
    elif re.match(r"^\s*(?:[,(|]|[–—-]\s)", desc) or (
        desc.strip() and descriptors.has_role_word(desc.split(",")[0][:40])
    ):
        role, aff = descriptors.parse(desc, acronyms)
    if s.before:
        b_role, b_aff = descriptors.split_role(descriptors.clean(s.before), acronyms)
        if role is None or (aff is None and b_aff is None and not desc.strip().startswith("(")):
            role, aff = b_role, aff or b_aff
        elif b_role and not aff:
            aff = aff or b_aff
    if role and not aff:
        # "Acting SAM Chairman": an acronym the text defines, inside the role, is the affiliation
        inner = [w for w in re.findall(r"\b[A-Z][A-Z&]{1,9}\b", role) if w in acronyms and not vocab().is_role(w)]
        if len(inner) == 1:
            aff = inner[0]
    if role or aff:
        f["descriptor"] = 2.0
    if _speech_after(text[c.postnominal_end : c.postnominal_end + 200]) or _speech_after(desc[-60:] + " "):
        f["speech"] = 2.0
    if re.search(r"\b(?:by|with)\s*$", pre[-6:]):
        f["by"] = 1.0
    gap = text[prev.cand.postnominal_end : c.lead] if prev is not None else ""
    if prev is not None and prev.cand.score >= THRESHOLD and re.fullmatch(r"\s*(?:,|and|, and|;)\s*", gap):
        f["listed"] = 1.0
    if (
        not c.honorific
        and not ({"by", "list_cue", "listed", "descriptor", "role_before"} & set(f))
        and re.match(r"^\s+(?:in|of|for|on)\s+(?:the\s+)?[A-Z]", text[c.end : c.end + 30])
    ):
        f["title_like"] = -1.5  # "Changing Dynamics in the Middle East": a title, not a person
    if role:
        # "Hon'ble State Minister ...": a courtesy prefix before a role is an honorific, not part of the role
        lead_hon = re.match(r"^(?P<h>Hon['’]ble|Honourable|Honorable|H\.\s?E\.|His Excellency|Her Excellency)\s+", role)
        if lead_hon:
            role = role[lead_hon.end() :]
            c.honorific = c.honorific or lead_hon["h"]
    c.role, c.affiliation = role, aff
    part = _PART_BEFORE.search(pre)
    if part:
        c.part = part["part"].lower()
    listed_as = _PART_LIST.search(pre)
    if listed_as and not c.part:
        c.part = (listed_as["part"] or listed_as["part2"]).lower().replace("panellist", "panelist")
    origin = list(_FROM.finditer(pre))
    if origin and _DELEGATION.search(text):
        c.part = c.part or f"delegate from {origin[-1]['place']}"
    delegation = _MEMBER_OF.search(pre)
    if delegation:
        team = (
            f"{delegation['who']} "
            if delegation["who"] and delegation["who"].lower() not in {"a", "the", "visiting"}
            else ""
        )
        c.part = c.part or f"member of the {team}delegation"
    chaired = re.search(r"\b(?P<verb>moderated|chaired|hosted|anchored)\s+by\s*(?:the\s+)?$", pre[-40:], re.I)
    if chaired and not c.part:
        c.part = {"moderated": "moderator", "chaired": "chair", "hosted": "host", "anchored": "moderator"}[
            chaired["verb"].lower()
        ]
        which = re.search(
            r"\b(?:the\s+)?(?P<ord>first|second|third|fourth|fifth|final|last|opening|closing|inaugural|"
            r"concluding)\s+(?P<what>session|panel)\b",
            pre,
            re.I,
        )
        if which:
            c.part = f"{c.part} of the {which['ord'].lower()} {which['what'].lower()}"  # "chair of the second session"
    if s.line.label:
        c.part = c.part or s.line.label
    label = s.line.label
    if (
        _MODERATOR_BEFORE.search(text[max(s.sentence.start, c.lead - 120) : c.lead])
        or re.search(r"\bco-(?:chaired|moderated)\s+by\b|\bjointly (?:chaired|moderated)\b", pre, re.I)
        or (label in {"Moderator", "Chair"} and (prev is None))
        or re.search(r"\((?:session\s+)?(?:moderator|chair)\)", desc, re.I)
        or (_MODERATOR_AFTER.match(desc) and not re.search(r"\b(?:moderated|chaired|presided over) by\b", desc))
    ):
        c.moderator = True
    if role and key(role) in {"moderator", "session moderator", "co-moderator"}:
        c.moderator = True  # "Frank Aum, moderator"
    if re.search(r"\((?:session\s+)?moderator\)", desc, re.I) and not c.role:
        c.role = re.search(r"\(((?:session\s+)?moderator)\)", desc, re.I).group(1)  # type: ignore[union-attr]
    after_name = text[c.start + len(c.name) : c.start + len(c.name) + 30]
    if re.match(r"^\s*As\s+(?:[A-Z][\w.’']*\s+){0,4}$", pre) and re.match(
        r"^\s*(?:once\s+)?(?:said|put it|noted|wrote)\b", after_name
    ):
        c.mention = True  # "As President X said ...": quoted from elsewhere
    if _MENTION_BEFORE.search(pre) or _MENTION_AFTER.match(after_name) or _ABSENT_AFTER.match(desc):
        c.mention = True


def _share(out: list[_Seen], text: str) -> None:
    """Share a plural role or honorific across a list ("Ambassadors A, B and C", "A and B, Fellows of X")."""
    for i, s in enumerate(out):
        c = s.cand
        plural_role = bool(c.role and re.search(r"\b\w+s\b", c.role) and s.before)
        if c.plural_honorific or plural_role:
            for t in out[i + 1 :]:
                gap = text[out[out.index(t) - 1].cand.postnominal_end : t.item_start]
                if not re.fullmatch(r"\s*(?:,|,?\s*and)\s*", gap) or t.before or (t.cand.honorific and not plural_role):
                    break
                if c.plural_honorific and not t.cand.honorific:
                    t.cand.honorific = c.honorific
                    t.cand.features["honorific"] = 2.0
                if plural_role and not t.cand.role:
                    t.cand.role, t.cand.affiliation = descriptors.singular(c.role or ""), c.affiliation
                t.cand.features["listed"] = 1.5
                if "and" in gap:
                    break
            if plural_role:
                c.role = descriptors.singular(c.role or "")
    # "A, B, and C, Fellows of X": a plural role after the last name applies to the names joined before it
    for i in range(len(out) - 1, 0, -1):
        s = out[i]
        role = s.cand.role
        if not role or not re.match(r"^\s*,", s.desc) or not _plural_head(role):
            continue
        j = i - 1
        while j >= 0:
            gap = text[out[j].cand.postnominal_end : out[j + 1].item_start]
            if not re.fullmatch(r"\s*(?:,|,?\s*and)\s*", gap) or out[j].cand.role:
                break
            out[j].cand.role, out[j].cand.affiliation = descriptors.singular(role), s.cand.affiliation
            out[j].cand.features["listed"] = 1.5
            j -= 1
        s.cand.role = descriptors.singular(role)


def _respectively(out: list[_Seen], text: str, acronyms: set[str]) -> None:
    """Pair "A and B, Director and Deputy Director of X respectively" name by name."""
    for i, s in enumerate(out):
        m = _RESPECTIVELY.match(s.desc)
        if not m:
            continue
        roles = [r.strip() for r in re.split(r",\s*(?:and\s+)?|\s+and\s+", m["roles"]) if r.strip()]
        group = [s]
        j = i - 1
        while j >= 0 and len(group) < len(roles):
            gap = text[out[j].cand.postnominal_end : out[j + 1].item_start]
            if not re.fullmatch(r"\s*(?:,|,?\s*and)\s*", gap):
                break
            group.insert(0, out[j])
            j -= 1
        if len(group) != len(roles):
            continue
        _, aff = descriptors.split_role(roles[-1], acronyms)
        if aff:
            roles[-1] = descriptors.split_role(roles[-1], acronyms)[0] or roles[-1]
        for member, role in zip(group, roles, strict=True):
            member.cand.role, member.cand.affiliation = role, aff or member.cand.affiliation
            member.cand.features["descriptor"] = 2.0


_RESPECTIVELY = re.compile(r"^\s*,\s*(?:the\s+)?(?P<roles>[^;]+?),?\s+respectively\b")


def _plural_head(role: str) -> bool:
    v = vocab()
    head = role.split(" of ")[0].split(" at ")[0].split()
    return bool(head) and head[-1].endswith("s") and v.is_role(head[-1]) and key(head[-1]) not in v.roles


def _merge(seen: list[_Seen], exclude: set[str]) -> tuple[list[Person], list[Person]]:
    """Merge mentions of one person (full name, then surname or a respelling) in order of appearance."""
    people: list[Person] = []
    mentions: list[Person] = []
    short: list[_Seen] = []
    for s in seen:
        c = s.cand
        if normalize_name(c.name) in exclude:
            continue
        if len([w for w in c.words if len(w.rstrip(".")) > 1]) < 2 and not re.search(r"[A-Z]\.?\s", c.name):
            short.append(s)
            continue
        target = _find(people + mentions, c.name)
        if target is None:
            p = Person(c.name, c.honorific, c.role, c.affiliation, c.score, part=c.part)
            (mentions if c.mention else people).append(p)
            target = p
        elif target.mention and not c.mention:
            mentions.remove(target)
            people.append(target)
            target.mention = False
        _absorb(target, s)
    for s in short:
        target = _find(people, s.cand.name)
        if target is not None:
            _absorb(target, s)
    return people, mentions


def _absorb(p: Person, s: _Seen) -> None:
    c = s.cand
    p.spans.append((c.start, c.end))
    if len(c.words) >= 2 or not p.spans[:-1]:
        p.honorific = p.honorific or c.honorific
    if c.role and not p.role:
        p.role, p.affiliation = c.role, p.affiliation or c.affiliation
    elif c.affiliation and not p.affiliation and p.role and c.role and key(c.role) == key(p.role):
        p.affiliation = c.affiliation
    p.part = p.part or c.part
    p.score = max(p.score, c.score)
    if c.moderator and not p.moderator:
        p.moderator, p.moderator_at = True, c.start


def _find(people: list[Person], name: str) -> Person | None:
    k = normalize_name(name)
    words = k.split()
    for p in people:
        if normalize_name(p.name) == k:
            return p
    hits = [p for p in people if normalize_name(p.name).split()[-1:] == words[-1:]]
    if not hits and len(words) == 1:
        # "Prof. Zha" after "ZHA Daojiong": the surname is the word in capitals
        hits = [p for p in people if any(w.isupper() and fold(w) == words[0] for w in p.name.split())]
    if len(words) == 1 or all(len(w) <= 3 and w.isalpha() for w in name.split()[:-1]):
        # a surname, or initials/abbreviations and a surname ("AM Alvi")
        return hits[0] if len(hits) == 1 else None
    for p in people:
        pk = normalize_name(p.name)
        pw = pk.split()
        dropped_middle = len(pw) != len(words) and pw[0] == words[0] and pw[-1] == words[-1]
        if fuzz.ratio(pk, k) >= 92 or dropped_middle:
            return p
    return None
