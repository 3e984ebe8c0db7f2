"""Generate person-name candidates: runs of capitalised tokens, split into role words, honorifics and a name."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.ingest.passes.vocab import key, vocab

_TOKEN = re.compile(
    r"\((?:R|r|Retd|retd|Rtd|rtd|Retired|retired|Ret|ret|M)\.?\)"  # (R), (Retd), (M) after ranks and awards
    r"|(?:[A-Z]\.){2,}(?![a-z])"  # U.S., H.E., S.L.
    r"|[^\W\d_][\w'’\-/&]*\.?"  # a word, with a dot if one follows
    r"|\d[\w,.:/\-–]*"
    r"|[^\w\s]"
)
_RETIRED = frozenset({"(r)", "(retd)", "(rtd)", "(retired)", "retd", "rtd", "r", "(ret)", "ret"})
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "ud",
        "bin",
        "ibn",
        "van",
        "von",
        "de",
        "da",
        "di",
        "du",
        "der",
        "den",
        "le",
        "la",
        "dos",
        "das",
        "del",
        "bint",
        "abu",
    ]
)
_JOINERS = frozenset({"to", "of", "and", "the", "for", "by", "on", "in", "with"})
_NOUN_SUFFIX = re.compile(r"(?:tions?|ments?|ship|ism|ology|ities|ness|[^aeiou]{2}ing)$")
_NAME_TITLES = frozenset({"sheikh", "shaikh", "shaykh", "syed", "sayed", "mir"})
_INITIALS = re.compile(r"^(?:[A-Z]\.){1,3}$|^[A-Z]$")


@dataclass(frozen=True, slots=True)
class Token:
    """A token of a line: its text and absolute offsets."""

    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        """The token without a final dot."""
        return self.text[:-1] if self.text.endswith(".") and len(self.text) > 1 else self.text


def tokens(text: str, offset: int = 0) -> list[Token]:
    """Return the tokens of a text with absolute offsets."""
    return [Token(m.group(), offset + m.start(), offset + m.end()) for m in _TOKEN.finditer(text)]


def is_initial(tok: Token) -> bool:
    """Whether a token is an initial ("A.", "S.L.")."""
    return bool(_INITIALS.match(tok.text)) or (len(tok.bare) <= 2 and tok.text.endswith(".") and tok.bare.isupper())


def _capitalised(tok: Token) -> bool:
    t = tok.bare
    if re.match(r"^(?:al|el|ul|ud|ad|as|ash|ar|an|az|bin|ibn|abu)-[A-Z]", t):
        return True  # "al-Islami", "ul-Haq"
    return bool(t) and (t[0].isupper() or t.lower() in PARTICLES) and any(c.isalpha() for c in t)


def _joined(a: Token, b: Token, text: str, base: int) -> bool:
    """Whether two tokens are separated by plain spaces only (no line break, no punctuation)."""
    gap = text[a.end - base : b.start - base]
    return gap.strip() == "" and "\n" not in gap and len(gap) <= 3


@dataclass
class Candidate:
    """A possible person: the name span, honorifics before it, role words before it inside the run."""

    name: str
    start: int
    end: int
    honorific: str | None = None
    hon_start: int | None = None
    run_before: str = ""  # role/organisation words in the same capitalised run, before the honorific or name
    run_start: int = 0
    plural_honorific: bool = False
    possessive: bool = False
    after_org_head: bool = False  # the run continues with an organisation head ("Ehwa Womans University")
    of_chain: bool = False  # inside "X of Y of Z"
    postnominal_end: int = 0
    features: dict[str, float] = field(default_factory=dict)
    role: str | None = None
    affiliation: str | None = None
    part: str | None = None
    moderator: bool = False
    mention: bool = False

    @property
    def lead(self) -> int:
        """Offset where the candidate starts, honorific included."""
        return self.hon_start if self.hon_start is not None else self.start

    @property
    def score(self) -> float:
        """Sum of the feature weights."""
        return sum(self.features.values())

    @property
    def words(self) -> list[str]:
        """The words of the name."""
        return self.name.split()


def _honorific_at(toks: list[Token], i: int) -> tuple[int, str, str] | None:
    """Return (tokens used, honorific as written, canonical) for the longest honorific starting at token i."""
    hons = vocab().honorifics
    best: tuple[int, str, str] | None = None
    for n in range(1, 5):
        if i + n > len(toks):
            break
        written = " ".join(t.text for t in toks[i : i + n])
        k = key(written)
        if k in hons:
            best = (n, written, hons[k])
    if best is None and i < len(toks) and toks[i].text[:1].isupper() and len(toks[i].bare) >= 8:
        # a misspelt long honorific ("Ambasador", "Proffessor") is still one
        k = key(toks[i].bare)
        close = process.extractOne(k, _long_honorifics(), scorer=fuzz.ratio, score_cutoff=85)
        if close is not None:
            best = (1, toks[i].text, hons[close[0]])
    return best


@functools.cache
def _long_honorifics() -> tuple[str, ...]:
    return tuple(k for k in vocab().honorifics if len(k) >= 8 and " " not in k)


def _postnominals(toks: list[Token], j: int) -> int:
    """Return how many tokens from j are post-nominal letters ("HI (M)", "(Retd)", "ndc")."""
    post = vocab().postnominals
    n = 0
    while j + n < len(toks):
        t = toks[j + n]
        two = key(" ".join(x.text for x in toks[j + n : j + n + 2]))
        if j + n + 1 < len(toks) and two in post:
            n += 2
        elif key(t.text) in post and (t.text.isupper() or t.text.startswith("(") or t.text.islower()):
            n += 1
        else:
            break
    return n


def _name_like(tok: Token, acronyms: set[str], caps_line: bool) -> bool:
    v = vocab()
    t = tok.bare
    if t.lower() in PARTICLES or is_initial(tok):
        return True
    if key(t) in v.postnominals and (t.isupper() or t.islower()) and not caps_line:
        return False
    if not _capitalised(tok):
        return False
    if t.endswith(("'s", "’s")):
        t = t[:-2]  # "Ahmed's message": the name, possessive
    if key(t) in _NAME_TITLES and not t.isupper():
        return True  # "Sheikh Shahidul Islam": part of the name unless it stands before "bin"/"al" (checked first)
    if v.is_not_name(t) or v.is_role(t) or v.is_org(t) or v.is_place(t) or key(t) in v.honorifics:
        return False
    parts = t.split("-")
    if len(parts) > 1 and (
        any(v.is_place(p) for p in parts)
        or any(p in _JOINERS for p in parts[1:-1])
        or all(v.is_not_name(p) or v.is_org(p) for p in parts)
    ):
        return False  # "Pakistan-Iran", "People-to-People", "Sea-to-Gulf"; not "Young-joon", "In-hwi"
    if len(t) >= 7 and _NOUN_SUFFIX.search(t.lower()):
        return False  # "Broadcasting", "Operations", "Peacebuilding": common nouns of a title
    if t.isupper() and len(t) > 1 and not caps_line and t in acronyms:
        return False
    return "/" not in t and "&" not in t


def candidates(text: str, offset: int, acronyms: set[str]) -> list[Candidate]:
    """Find name candidates in one line of text (offset: where the line starts in the article)."""
    v = vocab()
    toks = tokens(text, offset)
    letters = [c for c in text if c.isalpha()]
    caps_line = bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8
    out: list[Candidate] = []
    i = 0
    while i < len(toks):
        if not (_capitalised(toks[i]) or toks[i].text.startswith("(")):
            i += 1
            continue
        # a run of capitalised tokens joined by spaces; a word with a sentence-final dot ends it
        j = i + 1
        while j < len(toks) and _joined(toks[j - 1], toks[j], text, offset):
            prev = toks[j - 1]
            if prev.text.endswith(".") and not (is_initial(prev) or _honorific_at(toks, j - 1) or len(prev.bare) <= 4):
                break
            if not (_capitalised(toks[j]) or toks[j].text.startswith("(") or key(toks[j].text) in v.postnominals):
                break
            if prev.bare.endswith(("'s", "’s")):
                break
            j += 1
        out.extend(_split_run(toks[i:j], toks[j:], text, offset, acronyms, caps_line))
        i = j
    return out


def _split_run(
    run: list[Token], rest: list[Token], text: str, offset: int, acronyms: set[str], caps_line: bool
) -> list[Candidate]:
    """Find the names inside one capitalised run ("Foreign Secretary Admiral Professor Jayanath Colombage")."""
    out: list[Candidate] = []
    k = 0
    hon: tuple[int, int, str, bool] | None = None  # start index, start offset, written, plural
    while k < len(run):
        h = _honorific_at(run, k)
        nxt = k + h[0] if h else k
        while h and nxt < len(run) and (key(run[nxt].text).replace(" ", "") in _RETIRED or _honorific_at(run, nxt)):
            nxt += 1
        if h and (nxt >= len(run) or not _name_like(run[nxt], acronyms, caps_line)):
            h = None  # "Tahira Sheikh": a title word with no name after it is part of a name
        if (
            h
            and key(h[1]) in {"sheikh", "shaikh", "shaykh"}
            and not any(t.bare.lower() in {"bin", "ibn", "al", "bint"} for t in run[k:])
        ):
            h = None  # "Sheikh Shahidul Islam": a given name; "Sheikh Hamad bin ..." a title
        if h and not (
            # "Director General", "Secretary General": a role, not an honorific
            h[2] in {"General", "Gen."} and k > 0 and vocab().is_role(run[k - 1].bare)
        ):
            n, written, canonical = h
            # "(R)" after a rank belongs to the honorific
            while k + n < len(run) and key(run[k + n].text).replace(" ", "") in _RETIRED:
                n += 1
                written = " ".join(t.text for t in run[k : k + n])
            if hon is None or hon[0] + len(hon[2].split()) < k:
                hon = (k, run[k].start, written, key(canonical) != key(written))
            else:
                hon = (hon[0], hon[1], text[hon[1] - offset : run[k + n - 1].end - offset], hon[3])
            k += n
            continue
        if not _name_like(run[k], acronyms, caps_line):
            hon = None
            k += 1
            continue
        m = k
        while m < len(run) and (
            (
                _name_like(run[m], acronyms, caps_line)
                and (not _honorific_at(run, m) or (m == k and key(run[m].bare) in _NAME_TITLES))
            )
            or _trailing_title(run, m, acronyms)
        ):
            if (
                run[m].bare.lower() in PARTICLES
                and m + 1 < len(run)
                and not _name_like(run[m + 1], acronyms, caps_line)
            ):
                break
            m += 1
            if (run[m - 1].text.endswith(".") and not is_initial(run[m - 1])) or run[m - 1].bare.endswith(("'s", "’s")):
                break
        words = run[k:m]
        while words and words[-1].bare.lower() in PARTICLES:
            words = words[:-1]
        real = [
            w
            for j, w in enumerate(words)
            if not is_initial(w) and (w.bare.lower() not in PARTICLES or (j == 0 and w.bare[:1].isupper()))
        ]
        after = run[m] if m < len(run) else (rest[0] if rest else None)
        possessive = bool(after and after.bare.endswith(("'s", "’s")) and m < len(run))
        if m < len(run) and run[m].bare.endswith(("'s", "’s")):
            possessive = True
        last = words[-1] if words else None
        if last and last.bare.endswith(("'s", "’s")):
            possessive = True
        if real:
            name = text[words[0].start - offset : words[-1].end - offset]
            name = re.sub(r"[’']s$", "", name).rstrip(".") if not is_initial(words[-1]) else name
            post = _postnominals(run, m)
            cand = Candidate(
                name=name,
                start=words[0].start,
                end=words[-1].end if not name.endswith("’s") else words[-1].end - 2,
                run_before=text[run[0].start - offset : (hon[1] if hon else words[0].start) - offset].strip(),
                run_start=run[0].start,
                possessive=possessive,
                after_org_head=_org_follows(run, m),
                of_chain=_of_chain(text, offset, words[0].start, words[-1].end),
                postnominal_end=run[m + post - 1].end if post else words[-1].end,
            )
            if hon and hon[0] + len(hon[2].split()) >= k - 0:
                cand.honorific, cand.hon_start, cand.plural_honorific = _canonical(hon[2]), hon[1], hon[3]
            acronym_only = len(real) == 1 and real[0].bare.isupper() and len(real[0].bare) <= 5 and not caps_line
            if len(real) >= 2 or (
                len(real) == 1 and not acronym_only and (cand.honorific or any(is_initial(w) for w in words))
            ):
                out.append(cand)
        hon = None
        k = max(m, k + 1)
    return out


def _trailing_title(run: list[Token], m: int, acronyms: set[str]) -> bool:
    """Whether a title word ends a name rather than starting one ("Tahira Sheikh", "Khalid Mahmood Sheikh")."""
    h = _honorific_at(run, m)
    return bool(
        h
        and h[0] == 1
        and run[m].text[:1].isupper()
        and not run[m].text.endswith(".")
        and key(run[m].text) in {"sheikh", "shaikh", "syed", "khan", "mir", "pasha", "bey"}
        and (m + 1 >= len(run) or not _name_like(run[m + 1], acronyms, False))
    )


def _org_follows(run: list[Token], m: int) -> bool:
    """Whether an organisation head follows within the run ("Al-Farabi Kazakh National University")."""
    v = vocab()
    for t in run[m : m + 4]:
        if v.is_org(t.bare):
            return True
        if not (v.is_not_name(t.bare) or v.is_place(t.bare)):
            return False
    return False


def _of_chain(text: str, offset: int, start: int, end: int) -> bool:
    """Whether a span sits inside an "X of Y of Z" title ("Committee of Majlisi Milli of the Republic")."""
    before = text[max(0, start - offset - 8) : start - offset].lower()
    after = text[end - offset : end - offset + 5].lower()
    return bool(re.search(r"\b(?:of|and|for)\s+(?:the\s+)?$", before)) and after.startswith(" of ")


def _canonical(written: str) -> str:
    """Return the honorific as written, singular when it was a plural ("Ambassadors" -> "Ambassador")."""
    hons = vocab().honorifics
    k = key(written)
    if k in hons and hons[k] != written and key(hons[k]) != k:
        return hons[k]
    return re.sub(r"\s+", " ", written).strip()
