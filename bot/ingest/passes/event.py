"""What the event is: its organisers and host unit, title, kind and place, from the text as written."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.briefs.models import fold
from bot.ingest.article import _VENUE_LABEL, Article
from bot.ingest.passes.dates import full_dates
from bot.ingest.passes.segment import split_sentences as sentences
from bot.ingest.passes.sessions import HEAD as _SESSION_HEAD
from bot.ingest.passes.vocab import key, pairs, vocab, words

CITIES = dict(pairs("cities.txt"))


COUNTRIES = set(words("countries.txt"))


DEMONYMS = dict(pairs("demonyms.txt"))


ORG_HEADS = set(words("org_name_heads.txt"))


UNIT_HEADS = tuple(words("unit_heads.txt"))


HOST_VERB = re.compile(
    r"\b(?:held|hold|holds|hosted|hosts?|organi[sz]ed|organi[sz]es|co-organi[sz]ed|co-hosted|convened|jointly|"
    r"came together|in collaboration with|in partnership with|partnered|teamed up|brought together|met|"
    r"consultations between|dialogue between|talks between|joint meeting of|launched)\b",
    re.IGNORECASE,
)


_EVENT_WORDS = re.compile(
    r"\b(?:held|hosted|organi[sz]ed|convened|took place|met|meeting|dialogue|roundtable|round-table|conference|"
    r"webinar|seminar|session|forum|consultations?)\b",
    re.IGNORECASE,
)


@dataclass
class Org:
    """An organisation the text defines, e.g. 'Institute of Strategic Studies Islamabad (ISSI)'."""

    name: str
    acronym: str | None
    country: str | None
    start: int
    end: int

    @property
    def label(self) -> str:
        """Return 'Name (ACR)'."""
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


def country_of(text: str) -> str | None:
    for city, country in CITIES.items():
        if re.search(rf"\b{re.escape(city)}\b", text):
            return country
    for country in sorted(COUNTRIES, key=len, reverse=True):
        if re.search(rf"\b{re.escape(country)}\b", text):
            return "Türkiye" if country == "Turkey" else country
    for demonym, country in DEMONYMS.items():
        if re.search(rf"\b{demonym}\b", text):
            return country
    return None


def find_orgs(text: str) -> list[Org]:
    """Return organisations defined with an acronym in parentheses, walking back to the start of the name."""
    orgs: list[Org] = []
    for m in re.finditer(r"\((?P<acr>[A-Z][A-Za-z&]{1,11}(?: [A-Z]{2,6})?)\)", text):
        before = text[max(0, m.start() - 220) : m.start()]
        tokens = list(re.finditer(r"[^\s,]+|,", before))
        name_toks: list[str] = []
        start = m.start()
        country: str | None = None
        seg_head = False
        crossed = False
        for tok_m in reversed(tokens):
            tok = tok_m.group()
            if tok == ",":
                if seg_head or not name_toks:
                    break
                crossed, seg_head = True, False
                name_toks.insert(0, ",")
                continue
            if re.fullmatch(r"[A-Z][\w&.-]*'s", tok):
                country = country_of(tok[:-2]) or None
                break
            if tok.endswith(".") and len(tok) > 2:
                break
            if tok in {"and", "of", "for", "&", "on", "in", "de"} or (tok[:1].isupper() and tok not in {"The"}):
                name_toks.insert(0, tok)
                start = m.start() - len(before) + tok_m.start()
                if tok.strip("()") in ORG_HEADS or tok.strip("()").split("-")[-1] in ORG_HEADS:
                    seg_head = True
                continue
            break
        if crossed and "," in name_toks:
            left = name_toks[: name_toks.index(",")]
            if not any(t in ORG_HEADS for t in left):
                cut = name_toks.index(",") + 1
                name_toks = name_toks[cut:]
                start = m.start() - len(" ".join(name_toks)) - 1
        while name_toks and name_toks[0] in {"and", "of", "for", "&", "on", "in", "de", ","}:
            name_toks.pop(0)
        name = " ".join(name_toks).replace(" ,", ",")
        heads = [t.strip(",").split("-")[-1] for t in name_toks]
        if not name or not any(
            t.strip(",") in ORG_HEADS or h in ORG_HEADS for t, h in zip(name_toks, heads, strict=True)
        ):
            continue
        if len(name_toks) > 16:
            continue
        country = country or country_of(name)
        orgs.append(Org(name=name, acronym=m["acr"], country=country, start=start, end=m.end()))
    return orgs


_QUOTED_THEME = re.compile(
    r"(?:\b(?:on|titled|entitled|themed|theme|under the theme)\s*:?\s*|\btheme\b[^.“\"]{0,50}?\b(?:was|is)\s+)"
    r"(?:[“\"]|[‘’]{2})([^”\"‘’]{8,200})(?:[”\"]|[‘’]{2})"
)


_REPORT_SUFFIX = re.compile(
    r"\s*[:|–—-]\s*(?:an?\s+|the\s+)?(?:report|summary|recap|proceedings|highlights)\b(?:\s+(?:on|of)\b.*)?$", re.I
)


_ORG_PHRASE = r"(?:[A-Z][\w&’'.-]*|of|for|and|on|the|&)(?:\s+(?:[A-Z][\w&’'.-]*|of|for|and|on|the|&)){0,12}"
_ORG_SUBJECT = re.compile(
    rf"(?:^|[.:;–—-]\s*|\b[Tt]he\s+)(?P<org>{_ORG_PHRASE})(?:\s*,\s*(?:(?P<acr>[A-Z]{{2,8}})|[A-Z][a-z]+)\s*,)?\s+"
    r"(?:has\s+|have\s+|jointly\s+|will\s+)?(?:hosted|organi[sz]ed|held|convened|launched|hold|host)\b"
)
_ORG_AGENT = re.compile(
    rf"\b(?:hosted|organi[sz]ed|convened|held)\s+by\s+(?:the\s+)?(?P<org>{_ORG_PHRASE})"
    rf"(?:\s+and\s+(?:the\s+)?(?P<org2>{_ORG_PHRASE}))?"
)


def named_organisers(paras: list[str]) -> list[Org]:
    """Find hosts named without an acronym in brackets ("the Sejong Institute hosted", "organised by X Club")."""
    out: list[Org] = []
    for para in paras:
        for sent in sentences(para):
            for rx in (_ORG_SUBJECT, _ORG_AGENT):
                for m in rx.finditer(sent):
                    for group in ("org", "org2"):
                        name = _org_name(m.groupdict().get(group) or "")
                        if name and not any(fold(o.name) == fold(name) for o in out):
                            acr = m.groupdict().get("acr")
                            out.append(Org(name=name, acronym=acr, country=country_of(name), start=0, end=0))
        if out:
            return out
    return out


def _org_name(phrase: str) -> str | None:
    """Trim an organisation phrase to the name that ends with its head noun ("Valdai Discussion Club")."""
    words = phrase.split()
    while words and words[0].lower() in {"the", "of", "for", "and", "on", "&"}:
        words.pop(0)
    last = max((i for i, w in enumerate(words) if vocab().is_org(w.strip(",.")) or w in ORG_HEADS), default=-1)
    if last < 0:
        return None
    words = words[: last + 1]
    # "Center for X" keeps its complement; a name is at least two words or a head with a proper name before it
    return " ".join(words) if len(words) >= 2 and words[0][:1].isupper() else None


def unit_without_acronym(paras: list[str]) -> Org | None:
    """Find 'hosted by the Centre for South Asian Studies of IOS RAS', a host unit the text gives no acronym."""
    heads = "|".join(UNIT_HEADS)
    for para in paras:
        m = re.search(
            rf"\b(?:hosted|organi[sz]ed|convened) by (?:the |its )?"
            rf"(?P<unit>(?:{heads})\s+(?:for|of|on)\s+[A-Z][^,.;:]{{3,100}}?)"
            r"(?=\s+and\s+[a-z]|\s+(?:in|on|at|with)\s|[,.;:]|$)",
            para,
        )
        if m:
            return Org(name=m["unit"], acronym=None, country=None, start=0, end=0)
    return None


_EVENT_PREFIX = re.compile(
    r"^(?:[\w-]+\s+){0,2}(?:roundtable|round-table|webinar|seminar|workshop|panel discussion|lecture)"
    r"\s*[:–—|]\s+(?=\S{3})",
    re.I,
)


def find_title(article: Article, text: str, first_para: str) -> tuple[str, bool]:
    host = next((s for s in sentences(first_para) if HOST_VERB.search(s) or _EVENT_WORDS.search(s)), first_para)
    m = _QUOTED_THEME.search(host)
    if m:
        return m.group(1).strip().rstrip(",."), True
    # the theme is often stated in the second or third paragraph, after a lead about what was said
    for para in text.split("\n")[:5]:
        for sent in sentences(para):
            m = _QUOTED_THEME.search(sent)
            if m and (HOST_VERB.search(sent) or _EVENT_WORDS.search(sent) or re.search(r"\btheme\b", sent, re.I)):
                return m.group(1).strip().rstrip(",."), True
    m = re.search(
        r"\b([A-Z]{2,8}(?:[-–][A-Z]{2,8})+\s+(?:(?:Annual|Bilateral|Trilateral|Strategic|Joint)\s+)?"
        r"(?:Dialogue|Roundtable|Round-table|Conference|Forum|Seminar|Consultations|Webinar))",
        text,
    )
    if m:
        return m.group(1).replace("–", "-"), True
    m = re.search(
        r"\bthe\s+((?:[A-Z][\w-]+\s){1,4}(?:Dialogue|Conference|Forum|Summit|Roundtable|Consultations)(?:\s(?:19|20)\d\d)?)\b",
        host,
    )
    if m:
        return m.group(1), True
    for para in text.split("\n")[:12]:
        for sent in sentences(para):
            m = _TITLED.search(sent)
            if m and (HOST_VERB.search(sent) or _EVENT_WORDS.search(sent) or "theme" in m.group()):
                return (m["quoted"] or m["title"]).strip().rstrip(".,"), True
    if article.title and _title_like(article.title):
        # "Dialogue X: Report on the Fourth Meeting" -> "Dialogue X"
        heading = _EVENT_PREFIX.sub("", _REPORT_SUFFIX.sub("", article.title.strip()))
        return heading or article.title.strip(), False
    for line in text.split("\n")[:5]:
        if len(line) < 160 and not re.search(r"[.!]$", line.strip()) and _title_like(line):
            return line.strip(), False
    for para in text.split("\n")[:4]:
        for sent in sentences(para):
            m = _ON_TOPIC.search(sent)
            if m and HOST_VERB.search(sent):
                return m["title"].strip(), False
    # never the first characters of the lead: a label made of what was found, marked unsure
    return "Untitled event", False


_TITLED = re.compile(
    r"\b(?:titled|entitled|under the title of|(?:umbrella |overarching )?theme of)\s+"
    r"(?:[‘'“\"]+(?P<quoted>[^’”\"]{4,150}?)[’'”\"]+(?![A-Za-z])"
    r"|(?P<title>[A-Z][^;:.“”\"]{6,150}?)(?=\s+(?:here|on|in|at)\s|,\s+(?![A-Z])|[;.]|$))"
)
_ON_TOPIC = re.compile(
    r"\b(?:discussion|dialogue|seminar|roundtable|webinar|conference|talks?|meeting)\s+on\s+(?:the\s+)?"
    r"(?P<title>[a-zA-Z][^.;]{10,150}?)(?=\.|;|$)"
)


def _title_like(line: str) -> bool:
    """Whether a heading can be the event's title: not page furniture, a date, a menu or a one-word label."""
    s = line.strip()
    low = key(s)
    if any(low.startswith(f) for f in vocab().furniture) or "!" in s or low.startswith("home"):
        return False
    if re.fullmatch(r"[\W\d]*(?:\w+\W*){0,2}", s) or (full_dates(s) and len(s) < 40):
        return False
    if _SESSION_HEAD.match(s):
        return False  # a session's heading, not the event's title
    return len(s.split()) >= 3 and not re.match(r"^(?:date|source|by)\b", s, re.I)


def find_kind(text: str) -> str | None:
    low = text.lower()
    for pattern, kind in (
        (r"annual dialogue", "annual dialogue"),
        (r"trilateral dialogue", "trilateral dialogue"),
        (r"bilateral dialogue", "bilateral dialogue"),
        (r"strategic dialogue", "strategic dialogue"),
        (r"track[- ]ii (?:dialogue|meeting)", "Track-II dialogue"),
        (r"webinar", "webinar"),
        (r"virtual dialogue|online dialogue|held virtually|video link|held online", "virtual dialogue"),
        (r"round-?\s?table", "roundtable"),
        (r"conference", "conference"),
        (r"seminar", "seminar"),
        (r"dialogue", "dialogue"),
        (r"\bforum\b", "forum"),
        (r"\bworkshop\b", "workshop"),
    ):
        if re.search(pattern, low):
            return kind
    return None


def find_location(text: str, dateline_city: str | None, paras: list[str] | None = None) -> str | None:
    if re.search(
        r"\b(?:held virtually|virtual(?:ly)? (?:dialogue|meeting|roundtable)|webinar|video link|"
        r"held online|online (?:dialogue|roundtable|meeting)|via zoom)\b",
        text,
        re.IGNORECASE,
    ):
        return "online"
    for para in (paras or [])[:10]:
        venue = _VENUE_LABEL.match(para)
        if venue:
            city = next((c for c in CITIES if re.search(rf"\b{re.escape(c)}\b", venue["value"])), None)
            return city or venue["value"].split(",")[-1].strip()
    if dateline_city:
        return dateline_city
    verb = re.search(r"\b(?:held|hosted|took place|convened|organi[sz]ed|met)\b", text)
    if verb:
        for m in re.finditer(r"\bin\s+(?:the\s+)?([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)", text[verb.end() : verb.end() + 220]):
            if m.group(1) in CITIES:
                return m.group(1)
    press = re.match(r"^([A-Z][A-Za-z ]+?)(?:,\s[^:]{4,30})?:\s", text)
    if press and press.group(1).title() in CITIES:
        return press.group(1).title()
    return None
