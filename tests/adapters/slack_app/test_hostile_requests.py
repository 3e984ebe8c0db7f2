"""Forged and malformed requests to the Slack server: 4xx and one log line without the body; repeats never run twice."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse

import pytest

from tests.adapters.slack_app.helpers import USER, Running, all_text, signed_headers, slash_body

MARKER = "SECRET-BODY-MARKER"


def _no_trace(caplog: pytest.LogCaptureFixture) -> None:
    """Assert nothing was logged at ERROR, with a traceback, or longer than one short line."""
    for record in caplog.records:
        if not record.name.startswith(("bot.", "aiohttp")):
            continue  # slack_sdk's DEBUG lines about the fake API's answers
        text = record.getMessage()
        assert record.levelno < logging.ERROR, text[:200]
        assert record.exc_info is None, text[:200]
        assert "\n" not in text and len(text) < 300 and MARKER not in text, text[:200]


async def test_form_body_sent_as_json_gets_400_and_one_line(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """A correctly signed form body labelled application/json is refused with 400, logged in one line."""
    caplog.set_level(logging.DEBUG)
    body = slash_body("/brief", f"search {MARKER}", USER, running.fake.response_url())
    headers = {**signed_headers(body), "Content-Type": "application/json"}
    status, text = await running.post(body, headers)
    assert status == 400 and MARKER not in text
    assert "refused a request" in caplog.text
    _no_trace(caplog)


async def test_json_array_body_gets_400(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """A signed JSON body that is not an object is refused with 400."""
    caplog.set_level(logging.DEBUG)
    body = f'["{MARKER}"]'
    status, _ = await running.post(body, {**signed_headers(body), "Content-Type": "application/json"})
    assert status == 400
    _no_trace(caplog)


async def test_false_content_length_gets_4xx_and_one_line(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """A request whose Content-Length is smaller than its 100 KB body: 4xx, and none of its bytes in the log."""
    caplog.set_level(logging.DEBUG)
    body = slash_body("/brief", "search " + MARKER * 6000, USER, running.fake.response_url())
    head = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(body).items())
    reader, writer = await asyncio.open_connection("127.0.0.1", running.surface.port)
    request = f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{head}Content-Length: 40\r\n\r\n{body}"
    writer.write(request.encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    assert int(status_line.split()[1]) // 100 == 4
    _no_trace(caplog)


async def test_replayed_request_is_acknowledged_not_run_again(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """The same signed request sent twice within the window: the second gets 200 but is not answered again."""
    caplog.set_level(logging.INFO)
    body = slash_body("/brief", "who Sohail Mahmood", USER, running.fake.response_url())
    headers = signed_headers(body)
    assert (await running.post(body, headers))[0] == 200
    assert "Sohail Mahmood" in all_text(await running.fake.next_post())
    assert (await running.post(body, headers))[0] == 200
    await running.command("/brief", "help")  # a later, different request is answered next
    assert "what you can ask" in all_text(await running.fake.next_post())
    assert "acknowledged a replayed request" in caplog.text


async def test_slack_retry_is_not_run_twice(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """Slack's retry (X-Slack-Retry-Num, same body, fresh signature) is acknowledged but not run again."""
    caplog.set_level(logging.INFO)
    body = slash_body("/brief", "who Sohail Mahmood", USER, running.fake.response_url())
    assert (await running.post(body, signed_headers(body)))[0] == 200
    await running.fake.next_post()
    retry = {**signed_headers(body, timestamp=int(time.time()) + 1), "X-Slack-Retry-Num": "1"}
    assert (await running.post(body, retry))[0] == 200
    await running.command("/brief", "help")
    assert "what you can ask" in all_text(await running.fake.next_post())
    assert "acknowledged a Slack retry 1" in caplog.text


async def test_signed_action_without_its_id_gets_400(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """A signed block_actions payload whose action has no action_id is malformed: 400, one line, no ERROR."""
    caplog.set_level(logging.DEBUG)
    payload = {"type": "block_actions", "user": {"id": USER}, "actions": [{"value": MARKER}]}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    status, text = await running.post(body, signed_headers(body))
    assert status == 400 and MARKER not in text
    _no_trace(caplog)
