"""The optional LLM extractor against a local fake OpenAI-compatible endpoint, and its fallback to rules."""

from __future__ import annotations

import httpx

from bot.ingest.article import read_article
from bot.ingest.extract import extract
from bot.ingest.llm import LLMSettings, extract_with_llm
from tests.ingest.conftest import FIXTURES, Site

ARTICLE = read_article((FIXTURES / "roundtable.txt").read_text(encoding="utf-8"))
ANSWER = {
    "title": "Water Security in the Indus Basin",
    "kind": "roundtable",
    "date": "2024-03-12",
    "participants": [
        {"name": "Farah Naz Qureshi", "honorific": "Dr.", "role": "Senior Research Analyst", "affiliation": "IRS"},
        {"name": "Invented Person", "honorific": "Dr.", "role": "Nobody"},
    ],
    "moderators": ["Farah Naz Qureshi"],
    "sessions": [{"title": "Water Security in the Indus Basin", "moderator": "Farah Naz Qureshi"}],
}


def _settings(site: Site) -> LLMSettings:
    return LLMSettings(base_url=site.url("/v1"), model="fake-model", api_key="sk-test")


async def test_llm_draft_from_fake_endpoint(site: Site) -> None:
    """The endpoint's answer becomes the draft, with invented names dropped and the key sent as bearer."""
    site.llm_answer = ANSWER
    async with httpx.AsyncClient() as client:
        draft = await extract_with_llm(client, _settings(site), ARTICLE, extract(ARTICLE))
    assert draft.extractor == "llm" and [p.name for p in draft.dialogue.participants] == ["Farah Naz Qureshi"]
    assert site.llm_requests[0]["auth"] == "Bearer sk-test" and site.llm_requests[0]["body"]["model"] == "fake-model"


async def test_llm_failure_falls_back_to_rules(site: Site) -> None:
    """An endpoint error leaves the rules draft, with a note in the review."""
    site.llm_answer = 500
    async with httpx.AsyncClient() as client:
        draft = await extract_with_llm(client, _settings(site), ARTICLE, extract(ARTICLE))
    assert draft.extractor == "rules" and "HTTP 500" in draft.review.unsure[0]
    assert len(draft.dialogue.participants) == 4


async def test_llm_invalid_json_falls_back(site: Site) -> None:
    """An answer that is not JSON falls back to the rules draft."""
    site.llm_answer = "I cannot help with that."
    async with httpx.AsyncClient() as client:
        draft = await extract_with_llm(client, _settings(site), ARTICLE, extract(ARTICLE))
    assert draft.extractor == "rules" and "not valid JSON" in draft.review.unsure[0]


def test_settings_from_env() -> None:
    """Settings come from BRIEFBOT_LLM_* variables and are absent when unset."""
    assert LLMSettings.from_env({}) is None
    env = {"BRIEFBOT_LLM_BASE_URL": "http://127.0.0.1:9/v1/", "BRIEFBOT_LLM_MODEL": "m", "BRIEFBOT_LLM_API_KEY": "k"}
    settings = LLMSettings.from_env(env)
    assert settings is not None and settings.base_url == "http://127.0.0.1:9/v1" and "k" not in repr(settings)


async def test_llm_values_not_in_the_text_are_dropped(site: Site) -> None:
    """A role or affiliation the article does not contain becomes null, and a date it cannot support is not used."""
    answer = {
        **ANSWER,
        "date": "2023-01-01",
        "participants": [
            {"name": "Farah Naz Qureshi", "honorific": "Dr.", "role": "Chief Hydrologist", "affiliation": "IRS"}
        ],
    }
    site.llm_answer = answer
    async with httpx.AsyncClient() as client:
        draft = await extract_with_llm(client, _settings(site), ARTICLE, extract(ARTICLE))
    [person] = draft.dialogue.participants
    assert (person.role, person.affiliation, draft.dialogue.date) == (None, "IRS", "2024-03-12")
    assert any("Chief Hydrologist" in line for line in draft.review.check)
