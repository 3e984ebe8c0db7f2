"""Turn an article (HTML or text) into its main text and metadata, then into a draft Dialogue by rules."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bot.briefs.models import Dialogue, PeopleRegistry, Person, fold, normalize_name
from bot.briefs.names import skeleton
from bot.ingest.passes.dates import event_date, posted_date
from bot.ingest.passes.people import find_people
from bot.ingest.passes.positions import find_positions
from bot.ingest.passes.segment import lines as segment_lines
from bot.ingest.passes.segment import sentences as segment_sentences
from bot.ingest.passes.sessions import find_sessions

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- vocabularies

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?"
    r"|Nov(?:ember)?|Dec(?:ember)?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

CITIES = {
    "Islamabad": "Pakistan",
    "Karachi": "Pakistan",
    "Lahore": "Pakistan",
    "Rawalpindi": "Pakistan",
    "Peshawar": "Pakistan",
    "Quetta": "Pakistan",
    "Tehran": "Iran",
    "Mashhad": "Iran",
    "Isfahan": "Iran",
    "Kabul": "Afghanistan",
    "Beijing": "China",
    "Shanghai": "China",
    "Moscow": "Russia",
    "New Delhi": "India",
    "Dhaka": "Bangladesh",
    "Colombo": "Sri Lanka",
    "Kathmandu": "Nepal",
    "Tashkent": "Uzbekistan",
    "Almaty": "Kazakhstan",
    "Astana": "Kazakhstan",
    "Bishkek": "Kyrgyzstan",
    "Dushanbe": "Tajikistan",
    "Ashgabat": "Turkmenistan",
    "Baku": "Azerbaijan",
    "Ankara": "Türkiye",
    "Istanbul": "Türkiye",
    "Riyadh": "Saudi Arabia",
    "Doha": "Qatar",
    "Muscat": "Oman",
    "Cairo": "Egypt",
    "London": "United Kingdom",
    "Washington": "United States",
    "New York": "United States",
    "Brussels": "Belgium",
    "Geneva": "Switzerland",
    "Berlin": "Germany",
    "Tokyo": "Japan",
    "Seoul": "South Korea",
    "Kuala Lumpur": "Malaysia",
    "Jakarta": "Indonesia",
}
COUNTRIES = {
    "Pakistan",
    "Iran",
    "Afghanistan",
    "China",
    "India",
    "Russia",
    "Türkiye",
    "Turkey",
    "Saudi Arabia",
    "Qatar",
    "Oman",
    "Egypt",
    "Uzbekistan",
    "Kazakhstan",
    "Kyrgyzstan",
    "Tajikistan",
    "Turkmenistan",
    "Azerbaijan",
    "Bangladesh",
    "Sri Lanka",
    "Nepal",
    "Japan",
    "Germany",
    "France",
    "Malaysia",
    "Indonesia",
    "United States",
    "United Kingdom",
}
DEMONYMS = {
    "Pakistani": "Pakistan",
    "Iranian": "Iran",
    "Afghan": "Afghanistan",
    "Chinese": "China",
    "Indian": "India",
    "Russian": "Russia",
    "Turkish": "Türkiye",
    "Saudi": "Saudi Arabia",
    "Qatari": "Qatar",
    "Uzbek": "Uzbekistan",
    "Kazakh": "Kazakhstan",
    "Tajik": "Tajikistan",
    "Turkmen": "Turkmenistan",
    "Azerbaijani": "Azerbaijan",
    "Bangladeshi": "Bangladesh",
    "Japanese": "Japan",
    "German": "Germany",
    "British": "United Kingdom",
    "American": "United States",
}
FORUMS = (
    "UN",
    "OIC",
    "SCO",
    "ECO",
    "SAARC",
    "ASEAN",
    "BRICS",
    "GCC",
    "CICA",
    "EU",
    "NATO",
    "IAEA",
    "CAREC",
    "WTO",
    "IMF",
)
ORG_HEADS = {
    "Institute",
    "Institutes",
    "Institution",
    "Centre",
    "Center",
    "Council",
    "Foundation",
    "University",
    "Academy",
    "Ministry",
    "Forum",
    "Society",
    "Organisation",
    "Organization",
    "Commission",
    "Association",
    "Agency",
    "Bureau",
    "School",
    "College",
    "Department",
    "Division",
    "Programme",
    "Program",
    "Group",
    "Network",
    "Office",
    "Chamber",
    "Initiative",
    "Authority",
    "Trust",
    "Observatory",
    "Studies",
    "Secretariat",
    "Embassy",
    "Board",
}
UNIT_HEADS = ("Centre", "Center", "Department", "Division", "Programme", "Program", "Unit", "Desk", "Cell", "Chair")
ROLE_WORDS = {
    "Director",
    "Directors",
    "Chairman",
    "Chairperson",
    "Chairwoman",
    "Chair",
    "President",
    "Vice",
    "Minister",
    "Head",
    "Senior",
    "Research",
    "Former",
    "Deputy",
    "Secretary",
    "Ambassador",
    "Professor",
    "Executive",
    "Member",
    "Fellow",
    "Dean",
    "Adviser",
    "Advisor",
    "Chief",
    "Editor",
    "Founder",
    "Coordinator",
    "Associate",
    "Assistant",
    "Lecturer",
    "Analyst",
    "Consul",
    "Counsellor",
    "Spokesperson",
    "Governor",
    "Commissioner",
    "Researcher",
    "Journalist",
    "Officer",
    "Manager",
    "Lead",
    "Programme",
    "Program",
    "General",
    "The",
    "On",
    "In",
    "At",
    "From",
    "Of",
    "During",
    "He",
    "She",
    "They",
    "It",
    "This",
    "Speakers",
    "Participants",
    "Session",
    "Panel",
    "Counselor",
    "Expert",
    "Economic",
    "Visiting",
}
_HONORIFIC = (
    r"(?:(?:His|Her) Excellency|H\.\s?E\.|Ambassador|Amb\.|Professor|Prof\.?|Dr\.?|Mrs\.?|Mr\.?|Ms\.?|Miss|Senator|"
    r"Sen\.|Lt\.?\s?Gen\.?|Maj\.?\s?Gen\.?|Brig\.?|Air Marshal|Vice Admiral|Engr\.|Justice|Sir|Madam|"
    # military ranks, as retired officers are often introduced: "Col (Retd)", "Air Cdre (R)", "Rear Admiral"
    r"Gen\.?|Lt\.?\s?Col\.?|Col\.?|Maj\.?|Capt\.?|Cdr\.?|Cdre\.?|Commodore|Air\s(?:Vice|Chief)\sMarshal|"
    r"Air\sCdre\.?|Rear\sAdmiral|Admiral)"
)
_HONORIFICS = rf"(?:{_HONORIFIC}(?:\s*\((?:Retd|retd|R)\.?\))?\s+)+"
_NAME_TOKEN = (
    r"(?:[A-ZÀ-ÖØ-ÞĀ-ſ][a-zß-öø-ÿĀ-ſ]+(?:[A-Z][a-z]+)?(?:['’-][A-Za-zÀ-ÿĀ-ſ]+)*|[A-Z]\."
    r"|(?:al|el|ul|ud|bin|ibn|van|von|de|da|di|du|der|den|le)-[A-Z][a-z]+|(?:al|bin|ibn|van|von|de|da|di|der|le))"
)
_NAME = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,5}}"
_ANCHOR = re.compile(rf"(?<![\w.])(?P<hon>{_HONORIFICS})(?P<name>{_NAME})")
_PLAIN_NAME = re.compile(rf"(?P<name>{_NAME})")
_PARTICLES = {"al", "el", "ul", "ud", "bin", "ibn", "van", "von", "de", "da", "di", "du", "der", "den", "le"}

_LIST_TRIGGER = re.compile(
    r"\b(?:(?:moderated|chaired|presided over|conducted|anchored|steered|introduced) by|"
    r"speakers (?:included|were|comprised|also included)|"
    r"pan(?:el)?l?ists?(?:[^.:;]{0,40}?)(?:included|were|comprised)|participants included|"
    r"(?:featured|featuring|including|such as|joined by|addressed by)|"
    r"(?:remarks|presentations|contributions|statements|talks|addresses) (?:from|by)|"
    r"(?:speakers|panel(?:l)?ists|chair|chairs|moderator|moderators|discussants|with)\s*:)",
    re.IGNORECASE,
)
_MODERATOR_BEFORE = re.compile(
    r"(?:moderated|chaired|presided over|conducted|anchored|steered) by\s*$|(?:moderator|chair|chaired by)\s*[:,]?\s*$",
    re.IGNORECASE,
)
_MODERATOR_AFTER = re.compile(r"^[^.;]{0,160}?\b(?:moderated|chaired|presided over)\s+(?:the|both|all|each)\b")
_MENTION_BEFORE = re.compile(
    r"(?:visit (?:of|by)|message (?:from|of)|tribute to|on behalf of|invitation (?:of|from)|memory of|"
    r"the late|condolences? (?:to|for))\s+(?:the\s+)?(?:[A-Z][\w'-]*,?\s+|(?:for|of)\s+){0,6}$",
    re.IGNORECASE,
)
_SPEECH = (
    r"(?:said|says|stated|noted|observed|argued|remarked|added|told|highlighted|emphasi[sz]ed|stressed|underlined|"
    r"underscored|called|urged|shared|described|welcomed|warned|pointed|explained|proposed|suggested|maintained|"
    r"acknowledged|expressed|discussed|reaffirmed|presented|outlined|recalled|cautioned|believed|contended|"
    r"recommended|identified|spoke|gave|delivered|opened|concluded|agreed|insisted|appreciated|lauded|praised)"
)
_DESC_CUT = re.compile(
    rf"\s+(?:{_SPEECH}|was|were|who|which|had|has|have|also|while|in (?:his|her|their)|during|at the outset)\b.*$",
    re.IGNORECASE,
)
_ROLE_PREFIX_OK = ("former", "then", "acting", "retired", "a", "an", "another", "the", "currently", "now", "also")
_HOST_VERB = re.compile(
    r"\b(?:held|hold|holds|hosted|hosts?|organi[sz]ed|organi[sz]es|co-organi[sz]ed|co-hosted|convened|jointly|"
    r"came together|in collaboration with|in partnership with|partnered|teamed up|brought together|met|"
    r"consultations between|dialogue between|talks between|joint meeting of)\b",
    re.IGNORECASE,
)
_TAKEAWAY = re.compile(
    r"\b(?:highlighted|emphasi[sz]ed|stressed|underlined|underscored|called for|agreed|recogni[sz]ed|urged|"
    r"recommended|proposed|considered|applauded|essential|were seen as|was seen as|need for|noted that|"
    r"observed that|concluded|warned)\b",
    re.IGNORECASE,
)
TOPICS = (
    ("Afghanistan", r"afghan"),
    ("Palestine", r"palestin|gaza"),
    ("multipolarity", r"multipolar"),
    ("multilateralism", r"multilateral"),
    ("counterterrorism", r"terror"),
    ("trade", r"\btrade\b"),
    ("energy", r"\benergy\b|\bgas\b|pipeline"),
    ("connectivity", r"connectivity|corridor|railway"),
    ("climate", r"climate"),
    ("water", r"\bwater\b"),
    ("security", r"\bsecurity\b"),
    ("regional integration", r"integration"),
    ("economy", r"econom"),
    ("Middle East", r"middle east"),
    ("global order", r"global order|world order|global environment|instability"),
)
_ORDINALS = {
    "inaugural": 0,
    "opening": 0,
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "final": 90,
    "last": 90,
    "concluding": 99,
    "closing": 99,
}
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}

_BOILERPLATE_LINE = re.compile(
    r"^(?:related (?:stories|posts|articles|news)|more (?:stories|news)|latest (?:stories|news|posts)|read more|"
    r"share(?: this)?(?: article)?|tweet|leave a (?:reply|comment)|please enter your .*|"
    r"you have entered an incorrect .*|advertisement|subscribe.*|comments?|\d+ comments?|print|email|"
    r"follow us.*|tags?:.*|also read:?.*|you may also like|trending|popular posts?)$",
    re.IGNORECASE,
)
_BLOCK_START = re.compile(r"^(?:related (?:stories|posts|articles|news)|more stories|you may also like)$", re.I)
_TAIL_START = re.compile(
    r"^(?:latest (?:stories|news|posts)|leave a (?:reply|comment)|please enter your .*|about the author|"
    r"comments?|\d+ comments?|you may also like|more from .*)$",
    re.IGNORECASE,
)
_GENERIC_HEADING = re.compile(
    r"^(?:(?:webinar|event|seminar|dialogue|conference|news|press|media|meeting)\s+)?"
    r"(?:recap|report|release|update|summary|highlights|news|announcement|brief)$",
    re.I,
)
_AUTHOR_WORDS = re.compile(
    r"\b(?:journalist|writer|author|correspondent|columnist|reporter|contributor|editor)\b", re.I
)
_LABEL_LINE = re.compile(
    r"^(?:Chair|Chaired by|Moderator|Moderated by|Speakers|Panel(?:l)?ists|Discussants|(?:Event )?Date|When|Time|"
    r"Venue|Location|Place|Platform)\s*[:-]",
    re.I,
)
_DATE_LABEL = re.compile(r"^(?:event\s+)?(?:date|when)\s*:\s*(?P<value>.{6,80})$", re.I)
_VENUE_LABEL = re.compile(r"^(?:venue|location|place)\s*:\s*(?P<value>.{2,120})$", re.I)
_BYLINE = re.compile(r"^(?:by|By|BY)\s+(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})(?:\s*[,|–-].*)?$")
_DATELINE = re.compile(
    rf"^\s*(?P<city>[A-Z][A-Za-z .'-]{{2,30}}?),?\s+(?P<mon>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
    r"(?:,?\s+(?P<year>\d{4}))?"
    r"\s*(?:/(?P<agency1>[A-Z]{2,8})/|\((?P<agency2>[A-Z][A-Za-z]{1,10})\))?\s*[-–—:]",
    re.IGNORECASE,
)
_DATE_DMY = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:of\s+)?(?P<mon>{_MONTH})\.?,?(?:\s+(?P<year>\d{{4}}))?"
)
_DATE_MDY = re.compile(
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?(?:,?\s+(?P<year>\d{{4}}))?\b"
)
_EVENT_WORDS = re.compile(
    r"\b(?:held|hosted|organi[sz]ed|convened|took place|met|meeting|dialogue|roundtable|round-table|conference|"
    r"webinar|seminar|session|forum|consultations?)\b",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------- article


@dataclass
class Article:
    """The main text of a source and what is known about the page it came from."""

    text: str
    title: str | None = None
    published: dt.date | None = None
    display_date: dt.date | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    file: str | None = None
    dropped: list[str] = field(default_factory=list)
    label: str | None = None
    date_basis: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """Return the non-empty lines of the main text."""
        return [p.strip() for p in self.text.split("\n") if p.strip()]


def _parse_any_date(text: str) -> dt.date | None:
    text = text.strip()
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    for rx in (_DATE_DMY, _DATE_MDY):
        m = rx.search(text)
        if m and m["year"]:
            try:
                return dt.date(int(m["year"]), _mon(m["mon"]), int(m["day"]))
            except (ValueError, KeyError):
                return None
    return None


def _mon(text: str) -> int:
    key = text.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


def clean_text(raw: str) -> Article:
    """Split a plain-text page into main text and header metadata; drop related stories, author box, comments."""
    lines = [ln.rstrip() for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    article = Article(text="")
    kept: list[str] = []
    in_block = False
    total = sum(len(x) for x in lines) or 1
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        head = not kept
        if head:
            m = re.match(r"^(?:date|published|posted|updated)\s*[:]?\s*(.+?)(?=\s+[A-Z]{3,}|$)", s, re.IGNORECASE)
            if m and _parse_any_date(m.group(1)):
                article.published = _parse_any_date(m.group(1))
                s = s[m.end() :].strip()
                if not s:
                    continue
            if re.fullmatch(rf"{_WEEKDAY},?\s+.*\d{{4}}", s):
                article.display_date = _parse_any_date(s)
                continue
            if s.lower().startswith("home") and len(s) < 200 and not s.endswith("."):
                article.title = article.title or s
                continue
            by = _BYLINE.match(s)
            if by:
                article.author = by["name"].strip()
                continue
        if _BLOCK_START.match(s):
            in_block = True
            article.dropped.append(s)
            continue
        if in_block:
            if len(s) < 200:
                continue
            in_block = False
        if _TAIL_START.match(s):
            break
        if _BOILERPLATE_LINE.match(s):
            article.dropped.append(s)
            continue
        # an author box closes a page: a line that merely looks like one, higher up or in a list, is body text
        at_tail = sum(len(x) for x in lines[i + 1 :]) < 0.3 * total and not re.match(r"^[•·▪◦‣∙*–-]\s", s)
        if at_tail and i + 1 < len(lines) and lines[i + 1].strip() == s and len(s) < 60 and not s.endswith("."):
            # an author box repeats the name (link text + caption): the rest is the author's blurb
            article.author = article.author or s
            break
        if at_tail and len(s) < 160 and _AUTHOR_WORDS.search(s) and "," in s and not s.endswith("."):
            name = _ANCHOR.match(s)
            article.author = article.author or (name["name"] if name else s.split(",")[0])
            break
        if head and article.title is None and _GENERIC_HEADING.match(s):
            article.label = article.label or s
            article.dropped.append(s)
            continue
        if head and article.title is None and len(s) < 160 and not s.endswith("."):
            article.title = s
            # the title often repeats right after the breadcrumb; keep it out of the body
            continue
        if kept and kept[-1] == s:
            continue
        kept.append(s)
    article.text = "\n".join(_join_wrapped(kept))
    return article


def _join_wrapped(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) > 60 and not re.search(r"[.!?:;”\"]$", out[-1]) and line[:1].islower():
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def article_from_text(raw: str, *, url: str | None = None, file: str | None = None) -> Article:
    """Return the article of a plain-text source."""
    article = clean_text(raw)
    article.url, article.file = url, file
    return article


def article_from_html(html: str, *, url: str | None = None, file: str | None = None) -> Article:
    """Return the main text (trafilatura) and page metadata (title, author, site, publication date) of HTML."""
    import trafilatura
    from htmldate import find_date

    text = trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_links=False,
        include_images=False,
        favor_precision=True,
        deduplicate=True,
    )
    if not text:
        text = trafilatura.extract(html, url=url, include_comments=False, favor_recall=True) or ""
    article = clean_text(text)
    article.url, article.file = url, file
    recovered = [ln for ln in _label_lines(html) if ln not in article.text]
    if recovered:
        article.text = "\n".join([*recovered, article.text])
    meta = trafilatura.extract_metadata(html, default_url=url)
    if meta is not None:
        article.title = meta.title or article.title
        article.author = _clean_author(meta.author) or article.author
        article.publisher = meta.sitename or None
    try:
        found = find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate raises a variety of parser errors on odd pages
        log.debug("htmldate failed", exc_info=True)
        found = None
    if found:
        article.published = dt.date.fromisoformat(found)
    return article


class _LabelLines(HTMLParser):
    """Collect the text lines of a page outside navigation, sidebars, comments and footers."""

    _BLOCKS = frozenset(
        {"p", "li", "dd", "dt", "td", "th", "div", "section", "article", "main", "ul", "ol", "dl", "table", "tr"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "br", "header"}
    )
    _VOID = frozenset({"br", "meta", "img", "input", "link", "hr", "source", "wbr", "col", "area", "base", "embed"})
    _SKIP_TAGS = frozenset({"nav", "footer", "aside", "script", "style", "form", "noscript", "template"})
    _SKIP_CLASS = re.compile(r"related|sidebar|widget|comment|cookie|share|footer|menu|\bnav", re.I)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.skipping = 0
        self.buf: list[str] = []
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._flush()
        if tag in self._VOID:
            return
        marks = " ".join(v or "" for k, v in attrs if k in {"class", "id"})
        skip = tag in self._SKIP_TAGS or bool(self._SKIP_CLASS.search(marks))
        self.stack.append((tag, skip))
        self.skipping += skip

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self._flush()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                self.skipping -= sum(skip for _, skip in self.stack[i:])
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buf.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self.buf).split())
        self.buf = []
        if line:
            self.lines.append(line)


def _label_lines(html: str) -> list[str]:
    """Return the page's 'Date: ...' and 'Venue: ...' lines, which event pages keep in a block of their own."""
    parser = _LabelLines()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a malformed page: the labels are a bonus, not a requirement
        log.debug("label scan failed", exc_info=True)
    parser._flush()
    out: list[str] = []
    for line in parser.lines:
        line = _ascii_quotes(line)
        date = _DATE_LABEL.match(line)
        if ((date and _parse_any_date(date["value"])) or _VENUE_LABEL.match(line)) and line not in out:
            out.append(line)
    return out[:4]


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    author = re.sub(r"^by\s+", "", author.strip(), flags=re.IGNORECASE)
    return author.split(";")[0].split("|")[0].strip() or None


def read_article(raw: str, *, url: str | None = None, file: str | None = None, html: bool | None = None) -> Article:
    """Return the article of a source, sniffing HTML when not told."""
    if html is None:
        html = bool(re.search(r"<(?:html|body|p|div|article|head)\b", raw[:5000], re.IGNORECASE))
    return article_from_html(raw, url=url, file=file) if html else article_from_text(raw, url=url, file=file)


# --------------------------------------------------------------------------- sentences


_ABBREV = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|Amb|St|Gen|Lt|Col|Brig|Maj|Capt|Cdr|Cdre|Sen|No|Jr|Sr|Retd|Engr|vs|etc|e\.g|i\.e)|"
    r"\b[A-Z]|\bH\.E|\bU\.S|\bU\.K)\.$"
)


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations such as Dr. and initials together."""
    parts = re.split(r"(?<=[.!?])([”\"’']?)\s+(?=[A-Z“\"(])", paragraph)
    out: list[str] = []
    buf = ""
    # re.split with a group interleaves the captured closing quotes
    pieces = [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
    for piece in pieces:
        buf = f"{buf} {piece}".strip() if buf else piece
        if not _ABBREV.search(buf):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def _ascii_quotes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ")


# --------------------------------------------------------------------------- organisations


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


def _country_of(text: str) -> str | None:
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
                country = _country_of(tok[:-2]) or None
                break
            if tok.endswith(".") and len(tok) > 2:
                break
            if tok in {"and", "of", "for", "&", "on", "in", "de"} or (tok[:1].isupper() and tok not in {"The"}):
                name_toks.insert(0, tok)
                start = m.start() - len(before) + tok_m.start()
                if tok.strip("()") in ORG_HEADS:
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
        if not name or not any(t.strip(",") in ORG_HEADS for t in name_toks) or len(name_toks) > 16:
            continue
        country = country or _country_of(name)
        orgs.append(Org(name=name, acronym=m["acr"], country=country, start=start, end=m.end()))
    return orgs


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


@dataclass
class Anchor:
    """A person's name at a position in a sentence."""

    start: int
    end: int
    name: str
    honorific: str | None


def _trim_name(name: str) -> str:
    words = name.split()
    while words and (words[-1] in _PARTICLES or words[-1] in ROLE_WORDS or _is_place(words[-1])):
        words.pop()
    cut = next((i for i, w in enumerate(words) if i > 0 and (w in ROLE_WORDS or _is_place(w))), len(words))
    return " ".join(words[:cut])


def _is_place(word: str) -> bool:
    return word in CITIES or word in COUNTRIES or word in MONTHS or word.lower() in MONTHS


def _anchors(sentence: str, list_mode: bool) -> list[Anchor]:
    anchors: list[Anchor] = []
    for m in _ANCHOR.finditer(sentence):
        name = _trim_name(m["name"])
        if not name:
            continue
        hon = " ".join(m["hon"].split())
        anchors.append(Anchor(m.start(), m.start("name") + len(name), name, hon))
    if list_mode:
        for trig in _LIST_TRIGGER.finditer(sentence):
            for cand in re.finditer(
                rf"(?:^|[:;,]|\band\b)\s*(?P<name>{_NAME})(?=\s*(?:[,;.]|\band\b|$))", sentence[trig.end() :]
            ):
                start = trig.end() + cand.start("name")
                if any(a.start <= start < a.end + 1 for a in anchors):
                    continue
                name = cand["name"].strip()
                if _looks_like_person(name):
                    anchors.append(Anchor(start, start + len(name), name, None))
    anchors.sort(key=lambda a: a.start)
    return anchors


def _looks_like_person(name: str) -> bool:
    words = name.split()
    if not 2 <= len(words) <= 5:
        return False
    if any(w in ROLE_WORDS or w in ORG_HEADS or _is_place(w) or w in DEMONYMS for w in words):
        return False
    return not re.search(r"[A-Z]{2,}", name) and not name.endswith("'s")


_ROLE_NOUN = re.compile(
    r"^(?:director|chairman|chairperson|chairwoman|chair|president|minister|head|secretary|ambassador|professor|"
    r"fellow|dean|adviser|advisor|chief|editor|founder|coordinator|lecturer|analyst|consul|counsellor|counselor|"
    r"spokesperson|governor|commissioner|researcher|officer|manager|lead|expert|member|specialist|scholar|diplomat|"
    r"envoy|representative|associate|economist|commander|attach[eé]|rector|principal|partner)s?$",
    re.IGNORECASE,
)
_NOT_BEFORE_ROLE = {
    "in", "as", "at", "of", "on", "for", "with", "by", "his", "her", "their", "its", "this", "that", "these",
    "who", "which", "and", "to", "from", "said", "says", "time", "also",
}  # fmt: skip
_WHO_HEADS = re.compile(
    r"^,?\s*who\s+(?:currently\s+|now\s+)?(?P<verb>heads|leads|chairs|directs)\s+(?:the\s+)?"
    r"(?P<org>[A-Z][^,;.]*?)(?=\s*(?:[,;.]|\band\b|$))"
)
_WHO_ROLE = {"heads": "Head", "leads": "Head", "chairs": "Chair", "directs": "Director"}


def _lowercase_role(chunk: str) -> bool:
    """Tell whether a lower-case descriptor ('a former defence secretary', 'associate professor of ...') is a role."""
    words = re.sub(r"^(?:a|an|another|the)\s+", "", chunk).split()
    for i, word in enumerate(words[:5]):
        if _ROLE_NOUN.match(word.strip("'")):
            return True
        if word.lower() in _NOT_BEFORE_ROLE or (i < len(words) - 1 and re.search(r"(?:ing|ed)$", word)):
            return False
    return False


def _parse_descriptor(text: str, acronyms: set[str]) -> tuple[str | None, str | None]:
    """Split the words after a name (', Director General ISSI; ...') into role and affiliation."""
    text = _ascii_quotes(text)
    who = _WHO_HEADS.match(text.lstrip())
    if who:
        # prose introduces people by what they do: "said Prof. X, who heads ACST"
        return _WHO_ROLE[who["verb"]], who["org"].strip()
    lead = re.match(r"^\s*(?:[–—]|-\s)", text)
    if lead:
        # a speakers list may separate name and role with a dash: "Dr. X – Senior Fellow, CICIR"
        text = "," + text[lead.end() :]
    if not text.lstrip().startswith(","):
        return None, None
    text = text.lstrip()[1:].split(";")[0]
    text = re.split(r"[.](?:\s|$)", text)[0] if not re.search(r"\b(?:St|No)\.$", text) else text
    chunks: list[str] = []
    for raw in re.split(r",\s*", text):
        chunk = raw.strip().rstrip(",")
        if not chunk:
            continue
        if chunk.startswith("and ") or chunk in {"and", "as well as"}:
            break
        first = chunk.split()[0]
        if (
            first[:1].islower()
            and (first not in _ROLE_PREFIX_OK or len(chunk.split()) < 2 or not chunk.split()[1][:1].isupper())
            and (chunks or not _lowercase_role(_DESC_CUT.sub("", chunk)))
        ):
            break
        cut = _DESC_CUT.sub("", chunk)
        if cut != chunk:
            if cut.strip():
                chunks.append(cut.strip())
            break
        if chunks and re.search(r"\b(?:said|stated|noted)\b", chunk):
            break
        chunks.append(chunk)
    if not chunks:
        return None, None
    role = re.sub(r"^(?:a|an|another|the)\s+", "", chunks[0])
    if len(chunks) > 1:
        at = re.search(r"\s+at\s+(?:the\s+)?(?=[A-Z])", role)
        if at and any(w in ORG_HEADS or w in acronyms for w in role[at.end() :].split()):
            # "Assistant Professor at the Faculty of World Studies, University of Tehran"
            return role[: at.start()], ", ".join([role[at.end() :], *chunks[1:]])
        return role or None, ", ".join(chunks[1:])
    splits = [*re.finditer(r"\s+at\s+(?:the\s+)?", role), *re.finditer(r"\s+(?:of|with)\s+(?:the\s+)?", role)]
    for split in splits:
        head, org = role[: split.start()], role[split.end() :]
        if not org[:1].isupper():
            continue
        if org in acronyms or any(w.strip(",") in ORG_HEADS for w in org.split()):
            # a compound title ("Deputy Foreign Minister of Iran and President of IPIS") stays whole
            compound = "/" in head or any(
                _ROLE_NOUN.match(w) for w in re.findall(r"\band\s+(?:(?:Vice|Deputy|Acting)\s+)?(\w+)", head)
            )
            return (role if compound else head), org
    m = re.match(r"^(?P<role>.+?)\s+(?P<org>[A-Z][A-Za-z&]{1,9})$", role)
    if m and m["org"] in acronyms:
        return m["role"], m["org"]
    return role, None


_TITLE_BEFORE = (
    r"(?:(?:Vice|Deputy|Executive|Acting|Associate)\s+)?(?:President|Director[- ]General|Director|Chairman|Chairperson|"
    r"Chairwoman|Chair|Head|Dean|Secretary[- ]General|Chief Executive|Founder|Rector)"
)


def _role_before(before: str, acronyms: set[str]) -> tuple[str | None, str | None]:
    """Read a title written before the name: 'IPRI President Ambassador X', 'Director General ISSI Dr. Y'."""
    m = re.search(rf"(?:^|[\s,(])(?P<org>[A-Z][A-Za-z&]{{1,9}})\s+(?P<role>{_TITLE_BEFORE})\s+$", before)
    if m is None:
        m = re.search(rf"(?:^|[\s,(])(?P<role>{_TITLE_BEFORE})\s+(?:of\s+)?(?P<org>[A-Z][A-Za-z&]{{1,9}})\s+$", before)
    if m and m["org"] in acronyms and m["org"].isupper():
        return m["role"], m["org"]
    return None, None


def _org_alt(acronyms: set[str]) -> str:
    alts = [re.escape(a) for a in sorted(acronyms, key=len, reverse=True)]
    return "|".join([*alts, r"[A-Z][\w'&-]*"])


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


@dataclass
class _SessionDraft:
    title: str
    order: float
    moderator: str | None = None
    paragraphs: list[int] = field(default_factory=list)
    intro: str | None = None
    from_heading: bool = False
    span: tuple[int, int] = (0, 0)


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


_QUOTED_THEME = re.compile(
    r"(?:\b(?:on|titled|entitled|themed|theme|under the theme)\s*:?\s*|\btheme\b[^.“\"]{0,50}?\b(?:was|is)\s+)"
    r"[“\"]([^”\"]{8,200})[”\"]"
)
_REPORT_SUFFIX = re.compile(
    r"\s*[:|–—-]\s*(?:an?\s+|the\s+)?(?:report|summary|recap|proceedings|highlights)\b(?:\s+(?:on|of)\b.*)?$", re.I
)


def _unit_without_acronym(paras: list[str]) -> Org | None:
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


def _find_title(article: Article, text: str, first_para: str) -> tuple[str, bool]:
    host = next((s for s in sentences(first_para) if _HOST_VERB.search(s) or _EVENT_WORDS.search(s)), first_para)
    m = _QUOTED_THEME.search(host)
    if m:
        return m.group(1).strip().rstrip(",."), True
    # the theme is often stated in the second or third paragraph, after a lead about what was said
    for para in text.split("\n")[:5]:
        for sent in sentences(para):
            m = _QUOTED_THEME.search(sent)
            if m and (_HOST_VERB.search(sent) or _EVENT_WORDS.search(sent) or re.search(r"\btheme\b", sent, re.I)):
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
    if article.title and not article.title.lower().startswith("home"):
        # "Dialogue X: Report on the Fourth Meeting" -> "Dialogue X"
        heading = _EVENT_PREFIX.sub("", _REPORT_SUFFIX.sub("", article.title.strip()))
        return heading or article.title.strip(), False
    return (first_para[:80].rsplit(" ", 1)[0] if first_para else "Untitled dialogue"), False


def _find_kind(text: str) -> str | None:
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


def _year_hint(article: Article, text: str) -> tuple[int | None, str]:
    if article.published:
        return article.published.year, "the page's publication date"
    if article.display_date:
        return article.display_date.year, "the date shown on the page"
    years = re.findall(r"\b(20\d\d)\b", text)
    if years:
        return int(years[0]), "a year the text states"
    return None, ""


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
                dateline = dt.date(year, _mon(dl["mon"]), int(dl["day"]))
            except (ValueError, KeyError):
                dateline = None
            if dateline is not None and page_date and not dl["year"] and dateline > page_date:
                dateline = None  # a dateline after the page's date would borrow the wrong year
        dateline_text = f"{city}, {dl['day']} {dl['mon'].title()}" + ("" if dl["year"] else "; year from the page")
    found = event_date("\n".join(paras), article.published, dateline, dateline_text)
    note = found.note
    if found.date is None and article.display_date and not article.published:
        note += f" The page shows {article.display_date.isoformat()}, a display date, not the event date."
    article.date_basis = "weekday" if found.from_weekday else ("dateline" if found.from_dateline else "")
    return found.date, note, city, agency


def _find_location(text: str, dateline_city: str | None, paras: list[str] | None = None) -> str | None:
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


class _People:
    """Collect people across sentences, merging repeated mentions of the same person."""

    def __init__(self) -> None:
        self.items: list[Found] = []

    def lookup(self, name: str) -> Found | None:
        key = normalize_name(name)
        for f in self.items:
            if normalize_name(f.name) == key:
                return f
        words = key.split()
        if len(words) == 1:
            hits = [f for f in self.items if normalize_name(f.name).split()[-1:] == words]
            if len(hits) == 1:
                return hits[0]
        return None

    def add(self, name: str, honorific: str | None, role: str | None, aff: str | None) -> Found | None:
        found = self.lookup(name)
        if found is None:
            if len(name.split()) < 2:
                return None
            found = Found(name=name)
            self.items.append(found)
        found.honorific = found.honorific or honorific
        if role and not found.role:
            found.role, found.affiliation = role, aff
        return found


_MENTION_TITLE = re.compile(
    r"visit (?:of|by) (?:the )?(?:(?:[A-Z][a-z]+'s|"
    + "|".join(DEMONYMS)
    + r") )?(?P<title>President|Prime Minister|Foreign Minister|Supreme Leader|King|Crown Prince|"
    r"Chief of Army Staff|Speaker)(?: of (?:the )?(?P<country>[A-Z][\w ]+?))?"
    r"(?:\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,3}))?(?=\s(?:to|in|at|on|as|and|for)\b|[,.])",
)


def extract(article: Article, registry: PeopleRegistry | None = None, *, brief_id: str | None = None) -> Draft:
    """Build a draft Dialogue from an article by rules; every draft passes the brief validator."""
    review = Review()
    paras = [p.replace("\u00a0", " ") for p in article.paragraphs]
    text = "\n".join(paras)
    if not text.strip():
        raise ValueError("no article text found in the source")
    first_para = next((p for p in paras if len(p) > 100), paras[0])

    # organisers, host unit
    orgs = find_orgs(text)
    {o.acronym for o in orgs if o.acronym} | set(re.findall(r"\b[A-Z]{2,8}\b", text))
    host_sentence = next(
        (
            s
            for p in paras[:4]
            for s in sentences(p)
            if _HOST_VERB.search(s) and any(o.acronym and f"({o.acronym})" in s for o in orgs)
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
        elif host_sentence and f"({org.acronym})" in host_sentence and not is_unit:
            organisers.append(org)
    if host_unit is None:
        host_unit = _unit_without_acronym(paras[:6])
    org_country = {o.acronym: o.country for o in organisers if o.acronym}
    if host_unit and host_unit.acronym and organisers:
        org_country[host_unit.acronym] = organisers[0].country

    title, title_sure = _find_title(article, text, first_para)
    kind = _find_kind(" ".join([article.label or "", title, *paras[:3]]))
    date, date_note, dl_city, agency = _event_date(article, paras)
    dateline = _DATELINE.match(paras[0])
    if dateline:
        paras[0] = paras[0][dateline.end() :].strip()
        text = "\n".join(paras)
    location = _find_location(" ".join(paras[:3]), dl_city, paras)

    # people, sessions, moderators, positions: the passes over the text (bot/ingest/passes)
    excluded = {normalize_name(article.author)} if article.author else set()
    registry_keys = (
        {normalize_name(s) for p in registry.people for s in (p.name, *p.aliases)} if registry is not None else set()
    )
    found_people, found_mentions = find_people(text, registry_keys, excluded)
    participants = [
        Found(
            name=p.name,
            honorific=p.honorific,
            role=p.role or _part_role(p.part),
            affiliation=p.affiliation,
            moderator=p.moderator,
            mention_only=False,
        )
        for p in found_people
    ]
    mentions: dict[str, tuple[str | None, str]] = {
        m.name: (m.role, _sentence_at(text, m.spans[0][0])) for m in found_mentions
    }
    for sent_line in paras:
        for mm in _MENTION_TITLE.finditer(sent_line):
            if mm["name"]:
                continue
            country = mm["country"] or _country_of(sent_line[max(0, mm.start() - 30) : mm.start()])
            label_text = f"{mm['title']} of {country}" if country else mm["title"]
            mentions.setdefault(label_text, (label_text, _sentence_at(sent_line, mm.start())))
    sessions: list[_SessionDraft] = []
    for named in find_sessions(text):
        draft_session = _SessionDraft(title=named.title, order=named.order, from_heading=named.heading)
        draft_session.span = (named.start, named.end)
        sessions.append(draft_session)
    pos = 0
    for para in paras:
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
            x.span = (x.span[0], sessions[k + 1].span[0] if k + 1 < len(sessions) else len(text))
    overall_mods: list[str] = []
    for fp in found_people:
        if not fp.moderator or fp.moderator_at is None:
            continue
        home = _session_of(sessions, fp.moderator_at, text)
        if home is not None and home.moderator is None:
            home.moderator = fp.name
        elif home is None and fp.name not in overall_mods:
            overall_mods.append(fp.name)
    positions = find_positions(text, found_people, sessions)
    for ses in sessions:
        ses.paragraphs = _paragraphs_in(paras, text, ses.span)
    if not sessions:
        single = _SessionDraft(title=title, order=1, moderator=overall_mods[0] if len(overall_mods) == 1 else None)
        single.paragraphs = list(range(len(paras)))
        sessions.append(single)
        review.unsure.append("no sessions named in the text; one session was assumed, titled after the dialogue")
        positions = [(b, t, summary, title) for b, t, summary, _ in positions]
    sessions.sort(key=lambda s: s.order)

    # registry: reuse people, propose aliases
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
    _fill_review(review, dialogue, article, title_sure, participants)
    return Draft(dialogue=dialogue, review=review)


def _honorific(hon: str | None) -> str | None:
    if not hon:
        return None
    return re.sub(r"\s+", " ", hon).strip()


def _shorten(sentence: str, limit: int = 400) -> str:
    s = sentence.strip()
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


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
        return (m["title"] or f"{m['label'].title()} session").strip(), float(_ORDINALS[m["label"].lower()])
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
        return m["title"].strip().rstrip(",."), float(_ORDINALS[m["ord"].lower()])
    m = re.search(
        r"\b(?:the|an?)\s+(?P<ord>inaugural|opening|concluding|closing)\s+(?P<what>session|plenary)\b", sentence, re.I
    )
    if m and not re.search(r"\b(?:featured|included|comprised)\b", sentence[: m.start()]):
        return f"{m['ord'].title()} {m['what'].lower()}", float(_ORDINALS[m["ord"].lower()])
    return None


def _subject(
    sentence: str, anchors: list[Anchor], names_here: list[str], last: list[str], people: _People
) -> list[str]:
    head = sentence[:160]
    if (
        re.match(rf"^(?:Furthermore,|Moreover,|Additionally,|Also,)?\s*(?:He|She)\s+(?:also\s+)?{_SPEECH}\b", head)
        and len(last) == 1
    ):
        return last
    if (
        re.match(
            rf"^(?:Furthermore,|Moreover,|Additionally,|Also,)?\s*(?:They|Both)\s+(?:also\s+)?{_SPEECH}\b", head, re.I
        )
        and len(last) > 1
    ):
        return last
    if names_here:
        first = anchors[0] if anchors else None
        if (
            first
            and first.start < 80
            and re.search(rf"\b{_SPEECH}\b", sentence[first.end : first.end + 140])
            and not re.search(r"\b(?:moderated|chaired)\b", sentence[: first.end + 60])
        ):
            found = people.lookup(first.name)
            return [found.name] if found else []
    return []


def _topic(sentence: str) -> str:
    low = sentence.lower()
    for topic, pattern in TOPICS:
        if re.search(pattern, low):
            return topic
    return "Remarks"


def _participant_country(p: Found, org_country: dict[str, str | None]) -> str | None:
    for text in (p.role or "", p.affiliation or ""):
        m = re.search(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)'s\b", text)
        if m and (m.group(1) in COUNTRIES):
            return m.group(1)
    if p.affiliation:
        for acr, country in org_country.items():
            if acr and re.search(rf"\b{re.escape(acr)}\b", p.affiliation) and country:
                return country
        found = _country_of(p.affiliation)
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


def _assemble(**kw: Any) -> dict[str, Any]:
    article: Article = kw["article"]
    paras: list[str] = kw["paras"]
    participants: list[Found] = kw["participants"]
    known = {normalize_name(p.name) for p in participants}
    sessions_out = []
    for s in kw["sessions"]:
        sents = [
            x
            for pi in s.paragraphs
            if not _is_heading(paras[pi]) and not _LABEL_LINE.match(paras[pi])
            for x in sentences(paras[pi])
            if x != s.intro
        ]
        takeaways = [_shorten(x) for x in sents if _TAKEAWAY.search(x)][:5]
        summary = _shorten(sents[0]) if sents else None
        sessions_out.append(
            {
                "title": s.title,
                "moderator": s.moderator if s.moderator and normalize_name(s.moderator) in known else None,
                "summary": summary,
                "takeaways": takeaways,
            }
        )
    positions_out = []
    for by, topic, summary, session in kw["positions"]:
        names = [b for b in by if normalize_name(b) in known]
        if names:
            positions_out.append({"by": names, "topic": topic, "summary": summary, "session": session or None})
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


def _fill_review(review: Review, d: Dialogue, article: Article, title_sure: bool, people: Iterable[Found]) -> None:
    review.found.append(
        f"{len(d.participants)} participant(s), {len(d.sessions)} session(s), "
        f"{len(d.moderators) + sum(1 for s in d.sessions if s.moderator)} moderator slot(s), "
        f"{len(d.organizers)} organiser(s), {len(d.positions)} position(s)"
    )
    review.found.append(f"date: {d.date or 'none'}; location: {d.location or 'none'}")
    if not title_sure:
        review.unsure.append(f"title taken from the page heading: {d.title!r}")
    if d.date is None:
        review.unsure.append("no event date in the text (see date_note)")
    elif d.date_note and "dateline" in d.date_note:
        review.unsure.append("event date inferred from the dateline")
    for p in people:
        if not p.role:
            review.unsure.append(f"{p.name}: no role found")
    if not d.organizers:
        review.unsure.append("no organising institute found")
    if article.author:
        review.check.append(f"author {article.author!r} was left out of the participants")
    for name, pid in review.aliases:
        review.check.append(f"{name!r} looks like registry person {pid!r}: add it to their aliases if right")
    if d.mentions:
        review.check.append("mentioned, not participants: " + ", ".join(m.name for m in d.mentions))
    review.check.append("summaries, takeaways and positions quote the article: rewrite them in your own words")
