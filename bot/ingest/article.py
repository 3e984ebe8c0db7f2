"""Read a source (HTML or plain text) into an Article: the main text as written, and what the page says about itself."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

log = logging.getLogger(__name__)


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


_DATE_LABEL = re.compile(r"^(?:event\s+)?(?:date|when)\s*:\s*(?P<value>.{6,80})$", re.I)


_VENUE_LABEL = re.compile(r"^(?:venue|location|place)\s*:\s*(?P<value>.{2,120})$", re.I)


_BYLINE = re.compile(r"^(?:by|By|BY)\s+(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})(?:\s*[,|–-].*)?$")


_DATE_DMY = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:of\s+)?(?P<mon>{_MONTH})\.?,?(?:\s+(?P<year>\d{{4}}))?"
)


_DATE_MDY = re.compile(
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?(?:,?\s+(?P<year>\d{{4}}))?\b"
)


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
            rest = _header_line(article, s)
            if rest is None:
                continue
            s = rest
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
        if _author_box(article, lines, i, s, total):
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


def _header_line(article: Article, s: str) -> str | None:
    """Read a line above the body: a publication date, a display date, a breadcrumb or a byline goes into the
    article's metadata. Return what is left of the line, or None when the line is used up."""
    m = re.match(r"^(?:date|published|posted|updated)\s*[:]?\s*(.+?)(?=\s+[A-Z]{3,}|$)", s, re.IGNORECASE)
    if m and _parse_any_date(m.group(1)):
        article.published = _parse_any_date(m.group(1))
        s = s[m.end() :].strip()
        if not s:
            return None
    if re.fullmatch(rf"{_WEEKDAY},?\s+.*\d{{4}}", s):
        article.display_date = _parse_any_date(s)
        return None
    if s.lower().startswith("home") and len(s) < 200 and not s.endswith("."):
        article.title = article.title or s
        return None
    by = _BYLINE.match(s)
    if by:
        article.author = by["name"].strip()
        return None
    return s


def _author_box(article: Article, lines: list[str], i: int, s: str, total: int) -> bool:
    """Return whether line i (stripped: s) opens the author box that closes a page, noting the author it names."""
    # an author box closes a page: a line that merely looks like one, higher up or in a list, is body text
    at_tail = sum(len(x) for x in lines[i + 1 :]) < 0.3 * total and not re.match(r"^[•·▪◦‣∙*–-]\s", s)
    if at_tail and i + 1 < len(lines) and lines[i + 1].strip() == s and len(s) < 60 and not s.endswith("."):
        # an author box repeats the name (link text + caption): the rest is the author's blurb
        article.author = article.author or s
        return True
    if (
        at_tail
        and len(s) < 160
        and _AUTHOR_WORDS.search(s)
        and "," in s
        and not s.endswith(".")
        and _looks_like_name(s.split(",")[0])
    ):
        name = _ANCHOR.match(s)
        article.author = article.author or (name["name"] if name else s.split(",")[0])
        return True
    return False


def _looks_like_name(text: str) -> bool:
    """Whether an author box starts with a person's name ("Asma Tariq, journalist"), not a title ("Editor, X")."""
    words = re.sub(r"^(?:by\s+)?(?:(?:Dr|Mr|Ms|Mrs|Prof)\.?\s+)?", "", text.strip(), flags=re.I).split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    return not _AUTHOR_WORDS.search(text) and not re.search(
        r"\b(?:Director|Editor|Fellow|Professor|Chair|President|Head|Senior|Minister|Secretary|Review|Institute)\b",
        text,
    )


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


def _ascii_quotes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ")
