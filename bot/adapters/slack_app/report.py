"""Slack side of "Report a problem": the button opens a modal, the submission goes to the admins; nothing changes."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack_app.render import ACTION_REPORT, decode_value, escaped, notice, pages_of
from bot.answer import Answer, Item
from bot.corrections import MAX_WHAT, Report, admin_text, spots
from bot.services import Services

log = logging.getLogger(__name__)

CALLBACK = "brief_report"
THANKS = notice(
    "Thank you",
    "Your report went to the briefbot admins with the question and the brief it concerns. Nothing was changed; "
    "an editor will check the brief.",
)
NOBODY = notice("Not sent", "No briefbot admin or reports channel is configured to receive reports here.")

Answerer = Callable[[str, str], Awaitable[tuple[Answer, bool]]]
Poster = Callable[[str | None, dict[str, Any]], Awaitable[None]]


def modal(question: str, page: int, response_url: str | None, channel: str) -> dict[str, Any]:
    """Return the modal asking what is wrong; the question, page and where to answer travel in private_metadata."""
    meta = json.dumps({"q": question[:1500], "p": page, "u": response_url or "", "c": channel}, ensure_ascii=False)
    return {
        "type": "modal",
        "callback_id": CALLBACK,
        "private_metadata": meta[:3000],
        "title": {"type": "plain_text", "text": "Report a problem"},
        "submit": {"type": "plain_text", "text": "Send to admins"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": escaped(f"About: /brief {question}", 300)}],
            },
            {
                "type": "input",
                "block_id": "what",
                "label": {"type": "plain_text", "text": "What is wrong?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "what",
                    "multiline": True,
                    "max_length": MAX_WHAT,
                    "placeholder": {"type": "plain_text", "text": "e.g. this statement was made by the other speaker"},
                },
            },
            {
                "type": "input",
                "block_id": "part",
                "optional": True,
                "label": {"type": "plain_text", "text": "Which part? (optional)"},
                "element": {"type": "plain_text_input", "action_id": "part", "max_length": 200},
            },
        ],
    }


def _value(state: dict[str, Any], block: str) -> str:
    return str(((state.get(block) or {}).get(block) or {}).get("value") or "").strip()


def register_reports(app: AsyncApp, services: Services, answer: Answerer, post: Poster) -> None:
    """Add the Report a problem button and modal listeners to the bolt app."""
    config = services.config.slack
    assert config is not None

    async def on_report(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        question, page = decode_value(str(action.get("value") or ""))
        channel = str((body.get("channel") or {}).get("id") or "")
        view = modal(question, page, body.get("response_url"), channel)
        await client.views_open(trigger_id=body.get("trigger_id"), view=view)

    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        question, url = str(meta.get("q", "")), meta.get("u") or None
        user = str((body.get("user") or {}).get("id", ""))
        state = (view.get("state") or {}).get("values") or {}
        try:
            result, _ = await answer(question, user)
            pages = pages_of(result)
            shown = [u for u in pages[min(int(meta.get("p", 0) or 0), len(pages) - 1)] if isinstance(u, Item)]
            report = Report(
                question=f"/brief {question}" + (f" (page {int(meta.get('p', 0) or 0) + 1})" if len(pages) > 1 else ""),
                answer_title=result.title,
                spots=spots(result, shown) or spots(result),
                what=_value(state, "what"),
                part=_value(state, "part"),
                reporter=f"user {user}" if user.isalnum() else "",
                surface="Slack",
                where=f"channel {meta['c']}" if str(meta.get("c", "")).isalnum() else "",
            )
            text = admin_text(report, services.store.file_of, services.config.brief_url)
            sent = await deliver(client, config.reports_channel, config.admin_user_ids, text)
            log.info("slack: report on a question from %s delivered to %d place(s)", user, sent)
            await post(url, {**(THANKS if sent else NOBODY), "response_type": "ephemeral", "replace_original": False})
        except Exception:  # the reporter is told; the app keeps serving
            log.exception("slack: could not deliver a report")
            sorry = notice("Not sent", "Sorry, the report could not be sent; please try again.")
            await post(url, {**sorry, "response_type": "ephemeral", "replace_original": False})

    app.action(ACTION_REPORT)(on_report)
    app.view(CALLBACK)(on_submit)


def _escaped_lines(text: str) -> str:
    """Escape a report for mrkdwn: nobody is pinged by what a reader typed."""
    return "\n".join(escaped(line, 3000) for line in text.splitlines())


async def deliver(client: Any, channel: str | None, admins: tuple[str, ...], text: str) -> int:
    """Post a report to the reports channel, else as a DM to every admin; return how many received it."""
    body = _escaped_lines(text)
    targets = [channel] if channel else list(admins)
    sent = 0
    for target in targets:
        try:
            await client.chat_postMessage(channel=target, text=body[:3900], unfurl_links=False)
            sent += 1
        except Exception as exc:  # one unreachable admin must not stop the others
            log.warning("slack: could not deliver a report to %s: %s", target, type(exc).__name__)
    return sent
