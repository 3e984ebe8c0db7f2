"""The Slack app over real HTTP: signed slash commands and button clicks in, fake Slack API posts out."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.slack_app.limits import check_message
from bot.adapters.slack_app.render import ACTION_NEXT, ACTION_PREV, ACTION_SHARE, decode_value
from bot.answer import Answer, AnswerKind, Item
from bot.services import DigestStatus
from tests.adapters.slack_app.briefs import hostile_brief, long_brief, namesakes_brief, takeaway
from tests.adapters.slack_app.helpers import (
    ADMIN,
    BOT_TOKEN,
    BRIEFS,
    SECRET,
    USER,
    FakeSlack,
    Running,
    Waits,
    all_text,
    button,
    make_services,
    signed_headers,
    slash_body,
    start_surface,
)

CASES = [
    ("/brief", "who Sohail Mahmood", "Director General"),
    ("/brief", "dialogue latest", "Iran-Pakistan Relations in the Context of New Regional Developments"),
    ("/brief", "session Afghanistan", "Sessions on Afghanistan"),
    ("/brief", "positions Afghanistan by Iran", "Positions on Afghanistan by Iran"),
    ("/brief", "search pipeline", "pipeline"),
    ("/brief", "help", "what you can ask"),
    ("/brief", "", "what you can ask"),
    ("/dialogue", "latest", "Latest: Iran-Pakistan Relations"),
    ("/dialogue", "list", "Dialogues, newest first"),
    ("/who", "Sohail Mahmood", "Ambassador Sohail Mahmood"),
]


@pytest.mark.parametrize(("command", "text", "expected"), CASES)
async def test_slash_command_answered(running: Running, command: str, text: str, expected: str) -> None:
    """A signed slash command is acked with 200 and answered ephemerally via response_url, within limits."""
    status, _ = await running.command(command, text)
    assert status == 200
    post = await running.fake.next_post()
    assert post["response_type"] == "ephemeral"
    assert expected in all_text(post)
    assert check_message(post) == []


async def test_ack_is_fast(running: Running) -> None:
    """The HTTP response (the ack) comes back well within Slack's 3 seconds."""
    started = time.monotonic()
    status, _ = await running.command("/brief", "dialogue latest")
    elapsed = time.monotonic() - started
    await running.fake.next_post()
    assert status == 200 and elapsed < 3.0


async def test_answer_cites_source(running: Running) -> None:
    """A /who answer cites the dialogue and its source."""
    await running.command("/who", "Sohail Mahmood")
    text = all_text(await running.fake.next_post())
    assert "`issi-iras-dialogue-2025-07-29`" in text and "Source: DNA" in text


async def test_share_in_channel(running: Running) -> None:
    """Share in channel posts the answer in_channel via response_url, naming who shared it."""
    await running.command("/brief", "who Sohail Mahmood")
    first = await running.fake.next_post()
    status, _ = await running.click(button(first, ACTION_SHARE))
    assert status == 200
    shared = await running.fake.next_post()
    assert shared["response_type"] == "in_channel"
    assert f"Shared by <@{USER}>" in all_text(shared)
    assert "Ambassador Sohail Mahmood" in all_text(shared)
    assert check_message(shared) == []


async def test_choose_a_person_with_buttons(running: Running) -> None:
    """Two matching people come as buttons; clicking one replaces the message with that person."""
    await running.command("/who", "Mahmood")
    choose = await running.fake.next_post()
    assert "2 people match" in all_text(choose)
    await running.click(button(choose, "brief_choose_1"))
    chosen = await running.fake.next_post()
    assert chosen["replace_original"] is True
    assert all_text(chosen).splitlines()[0].startswith("Ambassador Sohail Mahmood")


@pytest.fixture
async def synthetic(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Running]:
    """The Slack surface over synthetic briefs: a long one, a hostile one and namesakes."""
    long_brief(tmp_path)
    hostile_brief(tmp_path)
    namesakes_brief(tmp_path)
    async for run in start_surface(make_services(tmp_path, fake_slack.api_url), fake_slack):
        yield run


async def test_choose_a_person_with_select(synthetic: Running) -> None:
    """Seven namesakes come as a select; choosing an option answers for that person."""
    await synthetic.command("/who", "Rahimzadeh")
    choose = await synthetic.fake.next_post()
    select = button(choose, "brief_choose_select")
    option = next(o for o in select["options"] if o["value"] == "who Dara Rahimzadeh")
    action = {"type": "static_select", "action_id": select["action_id"], "block_id": select["block_id"]}
    await synthetic.click({**action, "selected_option": option})
    chosen = await synthetic.fake.next_post()
    assert "Dara Rahimzadeh" in all_text(chosen).splitlines()[0]


async def test_paging_buttons(synthetic: Running) -> None:
    """Next and Previous replace the message with the neighbouring page, each within limits."""
    await synthetic.command("/brief", "session corridor")
    first = await synthetic.fake.next_post()
    assert "Page 1 of" in all_text(first)
    await synthetic.click(button(first, ACTION_NEXT))
    second = await synthetic.fake.next_post()
    assert second["replace_original"] is True and "Page 2 of" in all_text(second)
    assert check_message(second) == []
    assert takeaway(0) in all_text(first) and takeaway(0) not in all_text(second)
    await synthetic.click(button(second, ACTION_PREV))
    back = await synthetic.fake.next_post()
    assert decode_value(button(back, ACTION_NEXT)["value"])[1] == 1
    assert all_text(back) == all_text(first)


async def test_hostile_text_pings_nobody_over_http(synthetic: Running) -> None:
    """An answer about a brief full of <!channel> and @here reaches Slack with nothing that pings."""
    await synthetic.command("/brief", "positions pipeline")
    post = await synthetic.fake.next_post()
    dumped = json.dumps(post, ensure_ascii=False)
    assert "Mallory Ping" in dumped
    for bad in ("<!channel>", "<!here>", "<!everyone>", "<@U1>", "<#C1>", "<!subteam", "@here", "@channel"):
        assert bad not in dumped, bad


# ----- signatures and sizes ---------------------------------------------------------------------------------


def _body() -> str:
    return slash_body("/brief", "help SECRET-BODY-MARKER", USER, "http://127.0.0.1:9/none")


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("missing", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("wrong secret", signed_headers(_body(), secret="not-the-secret")),
        ("stale", signed_headers(_body(), timestamp=int(time.time()) - 6 * 60)),
        ("future", signed_headers(_body(), timestamp=int(time.time()) + 6 * 60)),
        ("garbage", {**signed_headers(_body()), "X-Slack-Signature": "v0=deadbeef"}),
    ],
)
async def test_unsigned_requests_refused(
    running: Running, caplog: pytest.LogCaptureFixture, case: str, headers: dict[str, str]
) -> None:
    """Missing, wrong or stale signatures get 401, are logged without the body and reach no handler."""
    caplog.set_level(logging.DEBUG)
    status, text = await running.post(_body(), headers)
    assert status == 401, case
    assert "SECRET-BODY-MARKER" not in caplog.text and "SECRET-BODY-MARKER" not in text
    assert "refused a request" in caplog.text
    assert running.fake.posts.empty()


async def test_oversized_body_refused(running: Running) -> None:
    """A body over 64 KiB is refused with 413 even when correctly signed."""
    body = slash_body("/brief", "search " + "x" * 70_000, USER, running.fake.response_url())
    status, _ = await running.post(body, signed_headers(body))
    assert status == 413


async def test_tampered_body_refused(running: Running) -> None:
    """A body changed after signing is refused with 401."""
    body = slash_body("/brief", "help", USER, running.fake.response_url())
    headers = signed_headers(body)
    status, _ = await running.post(body.replace("help", "who+x"), headers)
    assert status == 401


async def test_secrets_never_logged(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """Serving a command and an admin alert logs neither the bot token nor the signing secret."""
    caplog.set_level(logging.DEBUG)
    await running.command("/brief", "who Sohail Mahmood")
    post = await running.fake.next_post()
    await running.services.alert_admins("briefs reloaded")
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text
    assert BOT_TOKEN not in json.dumps(post) and SECRET not in json.dumps(post)
    assert f"Bearer {BOT_TOKEN}" in running.fake.auth_headers


# ----- errors, start-up, rate limits, alerts ----------------------------------------------------------------


async def test_error_gives_helpful_reply_and_app_keeps_serving(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """A failing store yields a polite ephemeral reply without a traceback, and later questions still work."""
    missing = tmp_path / "gone"
    async for run in start_surface(make_services(missing, fake_slack.api_url), fake_slack):
        await run.command("/brief", "who Sohail Mahmood")
        sorry = await fake_slack.next_post()
        assert sorry["response_type"] == "ephemeral"
        assert "try again" in all_text(sorry) and "Traceback" not in json.dumps(sorry)
        long_brief(missing)
        await run.command("/brief", "session corridor")
        assert "Sessions on corridor" in all_text(await fake_slack.next_post())


async def test_rate_limited_post_is_retried_after_retry_after(running: Running) -> None:
    """A 429 from chat.postMessage is retried after exactly the Retry-After seconds."""
    running.fake.rate_limits["chat.postMessage"] = [7]
    await running.services.alert_admins("briefbot: 2 brief problem(s)")
    posts = [p for m, p in running.fake.calls if m == "chat.postMessage"]
    assert len(posts) == 2 and posts[1]["channel"] == ADMIN
    assert 7.0 in running.waits.asked


async def test_admin_alert_is_a_dm(running: Running) -> None:
    """An admin alert goes to each admin by chat.postMessage, escaped and within limits."""
    await running.services.alert_admins("brief <!channel> broke")
    params = await running.fake.next_call("chat.postMessage")
    assert params["channel"] == ADMIN
    assert "&lt;!channel&gt;" in params["text"]
    assert check_message(params) == []


async def test_slack_unreachable_at_start(fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    """auth.test failing at start-up is logged clearly and retried with backoff until it works."""
    fake_slack.auth_failures = 2
    async for run in start_surface(make_services(BRIEFS, fake_slack.api_url), fake_slack):
        await run.surface.connected.wait()
        assert run.waits.asked[:2] == [2.0, 4.0]
        assert caplog.text.count("Slack refused auth.test: service_unavailable; retrying") == 2


async def test_slack_api_down_does_not_crash(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """With nothing listening at the API URL, start() still returns and the error names the API."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fake = FakeSlack(url=f"http://127.0.0.1:{port}")
    waits = Waits(hold_from=2.0)
    async for run in start_surface(make_services(BRIEFS, fake.api_url), fake, waits):
        await asyncio.wait_for(waits.holding.wait(), 10)  # the connect task failed and is backing off
        assert f"cannot reach the Slack API at http://127.0.0.1:{port}/api/" in caplog.text
        assert not run.surface.connected.is_set()


# ----- digests ----------------------------------------------------------------------------------------------


class Digests:
    """A DigestRunner over one fixed digest, recording what was posted."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    def names(self) -> list[str]:
        return ["weekly"]

    def preview(self, name: str) -> Answer:
        return Answer(AnswerKind.DIGEST, f"Digest {name} (preview)", "1 new dialogue", (Item("New: X"),))

    async def run_now(self, name: str) -> Answer:
        self.posted.append(name)
        return Answer(AnswerKind.DIGEST, f"Digest {name} posted", "posted to 1 target")

    def status(self) -> list[DigestStatus]:
        return [DigestStatus(name, "0 9 * * mon", "UTC", None, None, None, ()) for name in self.names()]


@pytest.fixture
async def with_digests(fake_slack: FakeSlack) -> AsyncIterator[tuple[Running, Digests]]:
    """The surface with a digest runner."""
    digests = Digests()
    async for run in start_surface(make_services(BRIEFS, fake_slack.api_url, digests), fake_slack):
        yield run, digests


async def test_digest_preview(with_digests: tuple[Running, Digests]) -> None:
    """`/brief digest preview weekly` shows the preview and posts nothing."""
    run, digests = with_digests
    await run.command("/brief", "digest preview weekly")
    assert "Digest weekly (preview)" in all_text(await run.fake.next_post())
    assert digests.posted == []


async def test_digest_now_needs_admin(with_digests: tuple[Running, Digests]) -> None:
    """`/brief digest now weekly` from a non-admin is refused and posts nothing."""
    run, digests = with_digests
    await run.command("/brief", "digest now weekly")
    assert "Admins only" in all_text(await run.fake.next_post())
    assert digests.posted == []


async def test_digest_now_by_admin(with_digests: tuple[Running, Digests]) -> None:
    """An admin's `/brief digest now weekly` runs the digest and reports it."""
    run, digests = with_digests
    await run.command("/brief", "digest now weekly", user=ADMIN)
    assert "Digest weekly posted" in all_text(await run.fake.next_post())
    assert digests.posted == ["weekly"]


async def test_digest_unknown_name(with_digests: tuple[Running, Digests]) -> None:
    """An unknown digest name is answered with the names that exist."""
    run, _ = with_digests
    await run.command("/brief", "digest preview monthly")
    post = await run.fake.next_post()
    assert "No such digest" in all_text(post) and "weekly" in all_text(post)


async def test_no_digests_configured(running: Running) -> None:
    """Without a digest runner, digest commands say none are configured."""
    await running.command("/brief", "digest preview weekly")
    assert "No digests are configured" in all_text(await running.fake.next_post())


# ----- Socket Mode ------------------------------------------------------------------------------------------


async def test_socket_mode_answers_a_command(fake_slack: FakeSlack) -> None:
    """With an app token, a slash command envelope over the socket is acked and answered via response_url."""
    services = make_services(BRIEFS, fake_slack.api_url, app_token="xapp-test-app-token")
    async for run in start_surface(services, fake_slack):
        assert run.surface.port is None  # no HTTP listener in Socket Mode
        ws = await asyncio.wait_for(fake_slack.sockets.get(), 10)
        fields = dict(urllib.parse.parse_qsl(slash_body("/who", "Sohail Mahmood", USER, fake_slack.response_url())))
        envelope = {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True}
        await ws.send_json({**envelope, "payload": fields})
        ack = await asyncio.wait_for(fake_slack.socket_frames.get(), 10)
        assert ack["envelope_id"] == "env-1"
        assert "Ambassador Sohail Mahmood" in all_text(await fake_slack.next_post())


async def test_help_lists_digest_commands(with_digests: tuple[Running, Digests]) -> None:
    """With digests configured, `/brief help` also lists the digest commands."""
    run, _ = with_digests
    await run.command("/brief", "help")
    text = all_text(await run.fake.next_post())
    assert "digest preview NAME" in text and "digest now NAME" in text
