"""Optional extractor through any OpenAI-compatible chat-completions endpoint; the rules stay the fallback."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from bot.briefs.models import Dialogue, fold, normalize_name, reference_problems
from bot.errors import BriefbotError
from bot.ingest.article import Article
from bot.ingest.extract import Draft, Review

log = logging.getLogger(__name__)

ENV_BASE_URL = "BRIEFBOT_LLM_BASE_URL"
ENV_MODEL = "BRIEFBOT_LLM_MODEL"
ENV_API_KEY = "BRIEFBOT_LLM_API_KEY"
MAX_ARTICLE_CHARS = 30_000

_FIELDS = (
    *("title", "kind", "date", "date_note", "location", "organizers", "host_unit", "moderators", "participants"),
    *("sessions", "positions", "figures", "topics", "projects", "forums", "mentions"),
)

SYSTEM_PROMPT = """You turn a news report about a Track-II dialogue into JSON for a brief. Use only facts the text
states. Keys: title, kind, date (YYYY-MM-DD of the event, or null unless the text or its dateline states it),
date_note, location, organizers [{name, acronym, country}], host_unit, moderators [names of overall moderators],
participants [{name (no honorific), honorific, role, affiliation, country}] with role and affiliation as written,
sessions [{title, moderator, summary, takeaways []}], positions [{by [participant names], topic, summary, session}],
figures [{what, value}], topics [], projects [], forums [], mentions [{name, role, context}].
The article's author, people in sidebars and commenters are not participants; people merely mentioned (for
example a head of state whose visit is expected) go to mentions. Answer with one JSON object only."""


class LLMError(BriefbotError):
    """The LLM endpoint failed or answered something that is not a valid brief."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the chat-completions endpoint is and which model to ask; the key is never logged."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LLMSettings | None:
        """Return settings from BRIEFBOT_LLM_BASE_URL / _MODEL / _API_KEY, or None when not configured."""
        env = os.environ if env is None else env
        base, model = env.get(ENV_BASE_URL, "").strip(), env.get(ENV_MODEL, "").strip()
        if not base or not model:
            return None
        return cls(base_url=base.rstrip("/"), model=model, api_key=env.get(ENV_API_KEY) or None)


async def complete(client: httpx.AsyncClient, settings: LLMSettings, article_text: str) -> dict[str, Any]:
    """Ask the endpoint for the brief fields of an article; return the parsed JSON object."""
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    payload = {
        "model": settings.model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": article_text[:MAX_ARTICLE_CHARS]},
        ],
    }
    url = f"{settings.base_url}/chat/completions"
    try:
        response = await client.post(url, json=payload, headers=headers, timeout=settings.timeout)
    except httpx.HTTPError as exc:
        raise LLMError(f"LLM endpoint {settings.base_url} unreachable: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise LLMError(f"LLM endpoint answered HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("LLM endpoint answered something that is not a chat completion") from None
    return _json_object(str(content))


def _json_object(content: str) -> dict[str, Any]:
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise LLMError("LLM answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise LLMError("LLM answer is not a JSON object")
    return data


def _in_text(name: str, text: str) -> bool:
    """Whether every word of a name occurs in the article (guards against invented people)."""
    words = normalize_name(name).split()
    body = f" {fold(text)} "
    return bool(words) and all(f" {w} " in body for w in words)


def _phrase_in_text(value: str, text: str) -> bool:
    """Whether a phrase occurs in the article (folded, punctuation and spacing ignored)."""
    phrase = _squash(value)
    return bool(phrase) and f" {phrase} " in f" {_squash(text)} "


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def draft_from_llm(data: Mapping[str, Any], article: Article, brief_id: str, rules: Draft) -> Draft:
    """Build a validated draft from the endpoint's fields; keep id, status and sources from the rules draft."""
    fields = {k: data[k] for k in _FIELDS if k in data}
    review = Review(aliases=list(rules.review.aliases))
    people = [p for p in fields.get("participants") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    author = normalize_name(article.author) if article.author else None
    kept = [p for p in people if _in_text(p["name"], article.text) and normalize_name(p["name"]) != author]
    dropped = [p["name"] for p in people if p not in kept]
    if dropped:
        review.check.append("left out names the article does not contain or its author: " + ", ".join(dropped))
    fields["participants"] = kept
    ungrounded: list[str] = []
    for p in kept:
        for key in ("honorific", "role", "affiliation"):
            value = p.get(key)
            if value is not None and not (isinstance(value, str) and _phrase_in_text(value, article.text)):
                # every role and affiliation must be written in the text; what is not becomes unknown
                ungrounded.append(f"{p['name']}: {key} {value!r}")
                p[key] = None
    if ungrounded:
        review.check.append("left out values the article does not contain: " + "; ".join(ungrounded))
    for p in kept:
        rule = next(
            (r for r in rules.dialogue.participants if normalize_name(r.name) == normalize_name(p["name"])), None
        )
        if rule and rule.person:
            p["person"] = rule.person
    known = {normalize_name(p["name"]) for p in kept}
    fields["moderators"] = [m for m in fields.get("moderators") or [] if normalize_name(str(m)) in known]
    for s in fields.get("sessions") or []:
        if isinstance(s, dict) and s.get("moderator") and normalize_name(str(s["moderator"])) not in known:
            s["moderator"] = None
    positions = []
    for pos in fields.get("positions") or []:
        if isinstance(pos, dict) and isinstance(pos.get("by"), list):
            pos["by"] = [b for b in pos["by"] if normalize_name(str(b)) in known]
            if pos["by"]:
                positions.append(pos)
    fields["positions"] = positions
    base = rules.dialogue.model_dump(mode="json")
    merged = {**base, **fields, "id": brief_id, "status": "draft", "sources": base["sources"]}
    if merged.get("date") != base["date"]:
        # dates come from the rules, which take a year only from the dateline or the page's date
        if merged.get("date"):
            review.check.append(f"the LLM proposed date {merged['date']!r}; kept the date the text supports")
        merged["date"], merged["date_note"] = base["date"], base["date_note"]
    try:
        dialogue = Dialogue.model_validate(merged)
    except ValidationError as exc:
        raise LLMError(f"LLM answer is not a valid brief ({exc.error_count()} problem(s))") from None
    if reference_problems(dialogue):
        raise LLMError("LLM answer names moderators or speakers who are not participants")
    review.found.append(
        f"{len(dialogue.participants)} participant(s), {len(dialogue.sessions)} session(s), "
        f"{len(dialogue.organizers)} organiser(s), {len(dialogue.positions)} position(s) (LLM)"
    )
    if dialogue.date is None:
        review.unsure.append("no event date in the text (see date_note)")
    review.check.append("the LLM wrote this draft: check every name, role and date against the source")
    return Draft(dialogue=dialogue, review=review, extractor="llm")


async def extract_with_llm(client: httpx.AsyncClient, settings: LLMSettings, article: Article, rules: Draft) -> Draft:
    """Return the LLM draft of an article, or the rules draft with a note when the endpoint fails."""
    try:
        data = await complete(client, settings, article.text)
        return draft_from_llm(data, article, rules.dialogue.id, rules)
    except LLMError as exc:
        log.warning("LLM extractor failed, using rules: %s", exc)
        rules.review.unsure.insert(0, f"LLM extractor failed ({exc}); this draft is from the rules")
        return rules
