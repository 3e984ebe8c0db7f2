"""The slack-bolt app: /brief, /dialogue and /who answered from the briefs, with paging, sharing and choosing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack_app.pictures import upload_picture
from bot.adapters.slack_app.render import (
    ACTION_PATTERN,
    ACTION_SHARE,
    Rendered,
    decode_value,
    notice,
    render,
    render_all,
)
from bot.adapters.slack_app.report import register_reports
from bot.answer import Answer, AnswerKind, Choice
from bot.config import SlackConfig
from bot.digest.questions import answer_digest, parse_digest
from bot.digest.questions import help_items as digest_help_items
from bot.errors import ConfigError
from bot.query import ask
from bot.services import Services

log = logging.getLogger(__name__)

COMMANDS = ("/brief", "/dialogue", "/who")
COMMAND_PREFIX = {"/brief": "", "/dialogue": "dialogue ", "/who": "who "}
MAX_RETRY_AFTER = 120.0
MAX_PAGES_SENT = 5  # a response_url accepts five messages; reports without buttons send at most this many

Sleep = Callable[[float], Awaitable[None]]


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 retry handler, waiting exactly Retry-After seconds (capped) with an injectable sleep."""

    def __init__(self, max_retry_count: int = 3, *, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait as long as Slack's Retry-After header asks, then allow the next attempt."""
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        state.next_attempt_requested = True
        wait = 1.0
        for key, values in response.headers.items():
            if key.lower() == "retry-after" and values:
                try:
                    wait = float(values[0])
                except ValueError:
                    wait = 1.0
        wait = min(max(wait, 0.0), MAX_RETRY_AFTER)
        log.warning("slack: rate limited on %s; retrying in %.0f s", request.url.rsplit("/", 1)[-1], wait)
        await self._sleep(wait)
        state.increment_current_attempt()


class ConnectionRetry(AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error retry handler with an injectable sleep."""

    def __init__(self, *, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=1)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Wait the library's backoff interval, then allow the next attempt."""
        state.next_attempt_requested = True
        await self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


def retry_handlers(sleep: Sleep = asyncio.sleep) -> list[AsyncRetryHandler]:
    """Return the retry handlers every Slack client uses: connection errors, and 429s honouring Retry-After."""
    return [ConnectionRetry(sleep=sleep), RateLimitRetry(sleep=sleep)]


def build_client(config: SlackConfig, *, sleep: Sleep = asyncio.sleep) -> AsyncWebClient:
    """Return a Web API client for the bot token, at the configured base URL, retrying 429s."""
    kwargs: dict[str, Any] = {}
    if config.api_base_url:
        kwargs["base_url"] = config.api_base_url.rstrip("/") + "/"
    return AsyncWebClient(token=config.bot_token.get_secret_value(), retry_handlers=retry_handlers(sleep), **kwargs)


def slack_config(services: Services) -> SlackConfig:
    """Return the slack section of the config, or raise ConfigError when there is none."""
    if services.config.slack is None:
        raise ConfigError("the config has no slack: section (see config.example.yaml)")
    return services.config.slack


def question_for(command: str, text: str) -> str:
    """Return the briefbot question a slash command asks (Slack sends &, <, > as entities)."""
    text = (text or "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return (COMMAND_PREFIX.get(command, "") + text).strip()


def _problem(title: str, intro: str, choices: tuple[Choice, ...] = ()) -> Answer:
    return Answer(AnswerKind.ERROR, title, intro, choices=choices, ok=False)


class Responder:
    """Answers questions for one app: briefs through bot.query.ask, digests through services.digests."""

    def __init__(self, services: Services, *, sleep: Sleep = asyncio.sleep) -> None:
        self.services = services
        self.config = slack_config(services)
        self._sleep = sleep

    def is_admin(self, user_id: str) -> bool:
        """Return whether a Slack user may run admin-only commands."""
        return user_id in self.config.admin_user_ids

    async def answer(self, question: str, user_id: str) -> tuple[Answer, bool]:
        """Return the answer to a question and whether it may be asked again (for paging and sharing)."""
        digest = parse_digest(question)
        if digest is not None:
            if digest.action == "now" and self.is_admin(user_id) and digest.name in self._digest_names():
                log.info("slack: digest %s posted now by an admin", digest.name)
            answer = await answer_digest(self.services.digests, digest, admin=self.is_admin(user_id))
            return answer, answer.ok and digest.action in {"preview", "status"}
        store = self.services.store
        result = await asyncio.to_thread(lambda: ask(store.catalog, question))
        if result.kind is AnswerKind.HELP and self.services.digests is not None:
            result = replace(result, items=result.items + digest_help_items())
        return result, True

    def _digest_names(self) -> list[str]:
        return self.services.digests.names() if self.services.digests else []


async def post_response(url: str, message: dict[str, Any], *, sleep: Sleep = asyncio.sleep) -> bool:
    """Post a message to a response_url (retrying 429s); return whether Slack accepted it."""
    client = AsyncWebhookClient(url, retry_handlers=retry_handlers(sleep))
    try:
        response = await client.send_dict(message)
    except Exception as exc:  # network trouble must not escape a listener
        log.warning("slack: response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("slack: response_url post refused: HTTP %s", response.status_code)
        return False
    return True


def _ephemeral(rendered: Rendered, *, replace: bool) -> dict[str, Any]:
    return {**rendered.message(), "response_type": "ephemeral", "replace_original": replace}


SORRY = notice(
    "Sorry, that did not work",
    "briefbot could not answer just now. Please try again in a moment, or ask `/brief help`.",
)


def create_app(
    services: Services,
    *,
    client: AsyncWebClient | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AsyncApp:
    """Return the bolt app answering /brief, /dialogue and /who, with paging, share and choose buttons."""
    config = slack_config(services)
    client = client or build_client(config, sleep=sleep)
    app = AsyncApp(
        name="briefbot",
        client=client,
        signing_secret=config.signing_secret.get_secret_value(),
        process_before_response=False,
    )
    listeners = _Listeners(services, Responder(services, sleep=sleep), client, sleep)

    async def on_command(ack: Any, command: dict[str, Any]) -> None:
        await listeners.on_command(ack, command)

    async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await listeners.on_action(ack, body, action)

    async def on_error(error: Exception, response: BoltResponse | None = None) -> None:
        if response is not None and response.status >= 500:
            # bolt failed before any listener acknowledged: a malformed (if signed) payload, such as an action
            # without its id, gets a 4xx and one line, as any malformed request does
            response.status = 400
            log.warning("slack: refused a malformed payload: %s", type(error).__name__)
            return
        log.error("slack: unhandled error in a listener: %s", type(error).__name__)

    for name in COMMANDS:
        app.command(name)(on_command)
    app.action(ACTION_PATTERN)(on_action)
    register_reports(app, services, listeners.responder.answer, listeners.send)
    app.error(on_error)
    return app


class _Listeners:
    """What the app's listeners do: answer a command or a button ephemerally, share an answer in the channel."""

    def __init__(self, services: Services, responder: Responder, client: AsyncWebClient, sleep: Sleep) -> None:
        self.services, self.responder, self.client, self.sleep = services, responder, client, sleep

    async def send(self, url: str | None, message: dict[str, Any]) -> None:
        """Post a message to a response_url (none: nothing is sent)."""
        if not url:
            log.warning("slack: request without response_url; nothing sent")
            return
        await post_response(url, message, sleep=self.sleep)

    async def answer_to(self, url: str | None, question: str, user_id: str, *, page: int = 0, replace: bool) -> None:
        """Answer a question (or turn its page) ephemerally; every failure becomes a polite reply."""
        try:
            result, again = await self.responder.answer(question, user_id)
            if again:
                await self.send(url, _ephemeral(render(result, question=question, page=page), replace=replace))
                if result.attachment is not None and not replace:  # a new question, not a page turned
                    comment = f"{result.title}: the picture of your answer (the text is in the channel, only for you)"
                    await upload_picture(self.client, result.attachment, comment=comment, user_id=user_id)
            else:
                for rendered in render_all(result)[:MAX_PAGES_SENT]:
                    await self.send(url, _ephemeral(rendered, replace=replace))
                    replace = False
        except Exception:  # every failure becomes a polite ephemeral reply; the app keeps serving
            self.services.metrics.errors.labels("slack").inc()
            log.exception("slack: could not answer a question")
            await self.send(url, {**SORRY, "response_type": "ephemeral", "replace_original": False})

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        """Acknowledge a slash command, then answer it."""
        await ack()
        question = question_for(str(command.get("command", "")), str(command.get("text", "")))
        log.debug("slack: %s from %s", command.get("command"), command.get("user_id"))
        with self.services.metrics.question("slack", question):
            await self.answer_to(command.get("response_url"), question, str(command.get("user_id", "")), replace=False)

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Acknowledge a button or select, then turn the page, choose, or share the answer."""
        await ack()
        url = body.get("response_url")
        user_id = str((body.get("user") or {}).get("id", ""))
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        question, page = decode_value(str(value))
        if action.get("action_id") != ACTION_SHARE:
            await self.answer_to(url, question, user_id, page=page, replace=True)
            return
        try:
            result, again = await self.responder.answer(question, user_id)
            if not again:
                raise ValueError("this answer cannot be shared")
            shared = render(result, question=question, page=page, shared_by=user_id)
            await self.send(url, {**shared.message(), "response_type": "in_channel", "replace_original": False})
            channel = str((body.get("channel") or {}).get("id") or "")
            if result.attachment is not None and channel:
                await upload_picture(self.client, result.attachment, comment=result.title, channel=channel)
        except Exception:
            log.exception("slack: could not share an answer")
            await self.send(url, {**SORRY, "response_type": "ephemeral", "replace_original": False})
