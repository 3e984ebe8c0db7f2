"""Parse what is written next to a name into a role and an affiliation (an institution is never a role)."""

from __future__ import annotations

import re

from bot.ingest.passes.vocab import key, vocab

_WORD = re.compile(r"[^\W\d_][\w'’\-/&.]*")
# where a descriptor stops: the next clause
_CUT = re.compile(
    r"\s*(?:,\s*)?\b(?:who|which|whose|while|whereas|where|when|during|was|were|is|are|has|have|had|will|would|"
    r"also|then|based|in (?:his|her|their)|at the outset|on behalf)\b.*$"
    r"|\s*,\s*and\b.*$|\s*,?\s*(?:and|with) (?:the|a|an|its|their)\b [a-z].*$",
    re.IGNORECASE | re.DOTALL,
)
_LEAD = re.compile(
    r"^\s*(?:[,:;|–—-]\s*|\(\s*)?(?:(?:is|was|serves as|served as|holds|held)\s+)?(?:(?:the|an?)\s+)?", re.I
)


def _words(text: str) -> list[str]:
    return [w.rstrip(".") for w in _WORD.findall(text)]


def has_role_word(text: str) -> bool:
    """Whether a phrase has a role word (Director, minister, Fellows ...)."""
    v = vocab()
    return any(v.is_role(w) for w in _words(text))


def is_org(text: str, acronyms: set[str]) -> bool:
    """Whether a phrase names an organisation: an organisation head noun, a known acronym, or an ampersand name."""
    v = vocab()
    words = _words(text)
    if not words:
        return False
    if any(v.is_org(part) for w in words for part in w.split("-")):
        return True
    if any(w in acronyms or (w.isupper() and len(w) >= 2 and not v.is_role(w)) for w in words):
        return True
    # "WWF-Pakistan", "SDSB-LUMS": an acronym inside a hyphenated name; "TabadLab": a capital inside a word
    if any(any(p.isupper() and len(p) >= 2 for p in w.split("-")) for w in words if "-" in w):
        return True
    if len(words) == 1 and re.fullmatch(r"[A-Z][a-z]+[A-Z][A-Za-z]+", words[0]):
        return True
    return "&" in text and all(w[:1].isupper() for w in words)


def is_place(text: str) -> bool:
    """Whether a phrase is only places ("Maldives", "Washington, DC")."""
    v = vocab()
    words = [w for w in _words(text) if w.lower() not in {"the", "of"}]
    return bool(words) and all(v.is_place(w) or key(w) in {"republic", "islamic", "people's", "state"} for w in words)


def cut_verbs(text: str) -> str:
    """Cut a descriptor at its first verb ("Director General ISSI thanked the delegation")."""
    v = vocab()
    for m in re.finditer(r"(?<![\w-])[a-z][a-z]+\b", text):
        w = m.group()
        if (w.endswith("ed") and not v.is_role(w) and w not in _NOT_VERBS) or w in _VERBS or w in v.speech:
            text = text[: m.start()]
            break
    clause = re.search(r"(?<=\S),\s+(?:the|this|these|its|their)\s+[a-z]", text)
    return text[: clause.start()] if clause else text


_VERBS = frozenset(
    [
        "made",
        "gave",
        "spoke",
        "led",
        "took",
        "read",
        "met",
        "thanked",
        "said",
        "says",
        "assesses",
        "focuses",
        "opens",
        "closes",
    ]
)
_NOT_VERBS = frozenset(["retired", "united", "based", "advanced", "applied", "limited", "red", "bed"])


def clean(text: str) -> str:
    """Strip leading separators and articles and trailing punctuation from a descriptor."""
    text = _LEAD.sub("", text, count=1)
    text = re.sub(r"\s+here\s+(?=at\b)", " ", text)
    # a second appointment ("X Foundation and Senior Advisor for ...") is left out
    text = re.sub(r"\s+and\s+(?:a\s+)?(?:Senior|Chief|Special|Visiting|Former|Deputy)\b.*$", "", text)
    labels = "|".join(re.escape(k) for k in vocab().labels)
    text = re.sub(rf"\s+(?:{labels})\s*:?\s*$", "", text, flags=re.I)
    if re.match(r"^(?:and|or|with)\b", text):
        return ""  # ", and B": the next name, not a descriptor
    text = re.sub(r"^(?:another|also an?|an?other)\s+", "", text, flags=re.I)
    text = cut_verbs(text)
    text = _CUT.sub("", text)
    text = re.sub(r"\s*(?:\b(?:and|of|at|for|the|in|to|from|with)\b|[,;:(–—-])\s*$", "", text.strip())
    text = re.sub(r"\s*(?:\b(?:and|of|at|for|the|in|to)\b|[,;:(–—-])\s*$", "", text.strip())
    text = text.strip().rstrip(".").strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:]
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(" .")
    if text.count("(") > text.count(")"):
        text = text + ")"
    words = text.split()
    while words and key(words[-1]) in vocab().event_words:
        words.pop()
    return " ".join(words).strip().strip(",;").strip()


def _strip_the(text: str) -> str:
    return re.sub(r"^(?:the)\s+", "", text.strip(), flags=re.I)


def _before_head(text: str, acronyms: set[str]) -> str:
    """Return the words of an organisation phrase before its head noun ("the Center" of "the Center ... President")."""
    words = text.split(",")[0].split()
    for i, w in enumerate(words):
        bare = w.strip("().,")
        if vocab().is_org(bare) or bare in acronyms or (bare.isupper() and len(bare) > 1):
            return " ".join(words[:i])
    return " ".join(words)


def split_role(text: str, acronyms: set[str]) -> tuple[str | None, str | None]:
    """Split one role phrase at 'at ORG' or 'of ORG' ("Director of CISS" -> Director, CISS)."""
    for sep in (" at ", " of ", " in "):
        parts = [m.start() for m in re.finditer(re.escape(sep), text)]
        order = parts[::-1] if sep == " at " else parts
        for pos in order:
            left, right = text[:pos].strip(), _strip_the(text[pos + len(sep) :])
            if (
                left
                and has_role_word(left)
                and is_org(right, acronyms)
                and not has_role_word(_before_head(right, acronyms))
            ):
                if (
                    sep == " of "
                    and re.search(r"\band\s+(?:the\s+)?[A-Z]", left)
                    and has_role_word(left.split(" and ")[-1])
                ):
                    return text, right  # "Deputy Minister of X and President of IPIS": two roles, kept whole
                return left, right
    # "director of Carnegie India": a lower-case role, then a proper name
    m = re.match(r"^(?P<role>[a-z][\w -]*?) (?:of|at) (?:the )?(?P<org>[A-Z][\w’'&-]*(?: [A-Z][\w’'&-]*)*)$", text)
    if m and has_role_word(m["role"]) and not is_place(m["org"]) and not has_role_word(m["org"]):
        return m["role"], m["org"]
    # "IPRI President": an acronym, then the role
    m = re.match(r"^(?P<org>[A-Z][A-Z&]{1,9})\s+(?P<role>[A-Z].*)$", text)
    if m and has_role_word(m["role"]) and not vocab().is_role(m["org"]):
        return m["role"], m["org"]
    # "Chairperson Department of X": capitalised role words, then an organisation head
    words = text.split()
    for i in range(1, len(words)):
        if vocab().is_org(words[i]) and all(vocab().is_role(w) for w in words[:i]) and words[i][:1].isupper():
            return " ".join(words[:i]), " ".join(words[i:])
    # "Director CAMEA", "MNA PPP": a role followed by an acronym
    m = re.match(r"^(?P<role>.*\S)\s+(?P<org>[A-Z][A-Z&]{1,9})$", text)
    if m and has_role_word(m["role"]) and not vocab().is_role(m["org"]):
        return m["role"], m["org"]
    # "former chairman Human Rights Association": lower-case role words, then a capitalised organisation
    m = re.match(r"^(?P<role>(?:[a-z][\w/-]*\s+)+)(?P<org>[A-Z].*)$", text)
    if m and has_role_word(m["role"]) and is_org(m["org"], acronyms) and not has_role_word(m["org"]):
        return m["role"].strip(), m["org"].strip()
    return text, None


def parse(text: str, acronyms: set[str]) -> tuple[str | None, str | None]:
    """Return (role, affiliation) of a descriptor such as "Senior Associate, South Asia Program, Stimson Center"."""
    text = clean(text)
    if not text or len(text) > 400:
        return None, None
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    segments = [s.strip() for s in re.split(r"\s*[,;]\s*", text) if s.strip()]
    post = vocab().postnominals
    # "ndc, psc" after a name are letters, not a role
    segments = [s for s in segments if s.lower() not in {"and", "the"} and key(s) not in post]
    if not segments:
        return None, None
    # the affiliation is the run of organisation (and place) segments at the end: "Dean, School of X, Y University"
    org_at = None
    for i in range(len(segments) - 1, -1, -1):
        seg = segments[i]
        if is_place(seg) and org_at is None and i == len(segments) - 1:
            continue
        if (is_org(seg, acronyms) and not has_role_word(seg)) or (
            i > 0 and not has_role_word(seg) and seg[:1].isupper() and _all_caps_words(seg) and not is_place(seg)
        ):
            org_at = i
            continue
        if is_place(seg) and org_at is not None:
            continue
        break
    if org_at is not None:
        role_text = ", ".join(segments[:org_at]) or None
        aff = _strip_the(", ".join(segments[org_at:]))
        if role_text is None:
            return None, aff
        if "," not in role_text:
            inner_role, inner_aff = split_role(role_text, acronyms)
            if inner_aff and (re.match(r"^[A-Z][A-Z&]{1,9}$", inner_aff) or " at " in role_text):
                return inner_role, _strip_the(inner_aff) + ", " + aff
        return role_text, aff
    if all(is_place(s) for s in segments[1:]) and len(segments) > 1:
        first_role, first_aff = split_role(segments[0], acronyms)
        return first_role, first_aff or ", ".join(segments[1:])
    joined = ", ".join(segments)
    if len(segments) > 1:
        # several roles ("Member of X Committee, Former Ambassador to Egypt"): the first organisation named
        for seg in segments:
            _, seg_aff = split_role(seg, acronyms)
            if seg_aff:
                return joined, _strip_the(seg_aff)
    if len(segments) == 1:
        one_role, one_aff = split_role(joined, acronyms)
        if not has_role_word(one_role or "") and is_org(joined, acronyms):
            return None, _strip_the(joined)
        return one_role, _strip_the(one_aff) if one_aff else None
    return joined, None


def _all_caps_words(text: str) -> bool:
    words = [w for w in _words(text) if w.lower() not in {"of", "the", "and", "for", "on", "in"}]
    return bool(words) and all(w[:1].isupper() for w in words)


def singular(role: str) -> str:
    """Return a shared plural role in the singular ("Fellows of CISS" -> "Fellow of CISS")."""
    words = role.split()
    for i, w in enumerate(words):
        bare = w.rstrip(",")
        if vocab().is_role(bare) and key(bare) not in vocab().roles and bare.endswith("s"):
            stem = bare[:-2] if bare.endswith("ies") is False and key(bare[:-2]) in vocab().roles else bare[:-1]
            words[i] = stem + w[len(bare) :]
    return " ".join(words)
