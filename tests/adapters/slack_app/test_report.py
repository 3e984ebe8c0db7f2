"""Report a problem on Slack end to end: signed requests to the real bolt app, the fake Slack Web API receiving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.adapters.slack_app.render import ACTION_NEXT, ACTION_REPORT, ACTION_SHARE
from tests.adapters.slack_app.briefs import long_brief
from tests.adapters.slack_app.helpers import (
    ADMIN,
    BRIEFS,
    FakeSlack,
    Running,
    all_text,
    button,
    make_services,
    signed_headers,
    start_surface,
    view_submission_body,
)

REPORTS = "C0REPORTS"


async def open_report(running: Running, question: str) -> dict[str, Any]:
    """Ask a question, press Report a problem and return the modal the app opened with views.open."""
    await running.command("/brief", question)
    answer = await running.fake.next_post()
    status, _ = await running.click(button(answer, ACTION_REPORT))
    assert status == 200
    opened = await running.fake.next_call("views.open")
    assert str(opened["trigger_id"]).startswith("1.2.def")  # the click's trigger
    view = opened["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


async def submit(running: Running, view: dict[str, Any], what: str, part: str = "") -> None:
    """Submit the modal with what is wrong (and which part)."""
    body = view_submission_body(view, {"what": what, "part": part})
    status, _ = await running.post(body, signed_headers(body))
    assert status == 200


async def test_every_answer_has_report_a_problem(running: Running) -> None:
    """Private answers carry Share in channel and Report a problem."""
    for question in ("who Sohail Mahmood", "session Afghanistan", "who Nobody Atall"):
        await running.command("/brief", question)
        message = await running.fake.next_post()
        assert button(message, ACTION_REPORT)["text"]["text"] == "Report a problem"


async def test_report_reaches_the_admin_with_question_field_and_file(running: Running) -> None:
    """The modal's text goes to the admin by DM with dialogue id, field, question and the brief file and line;
    the reporter is thanked privately; nothing is changed."""
    before = {p: p.read_bytes() for p in BRIEFS.glob("*.yaml")}
    view = await open_report(running, "positions Afghanistan by Iran")
    assert view["callback_id"] == "brief_report"
    await submit(running, view, "Not said by the IPIS president.", "Position: Afghanistan")
    sent = await running.fake.next_call("chat.postMessage")
    assert sent["channel"] == ADMIN
    text = sent["text"]
    assert "Question: /brief positions Afghanistan by Iran" in text
    assert "Brief: issi-ipis-annual-dialogue · field positions[2] · Position: Afghanistan" in text
    assert "issi-ipis-annual-dialogue.yaml:98" in text
    assert "What is wrong: Not said by the IPIS president." in text
    thanks = await running.fake.next_post()
    assert thanks["response_type"] == "ephemeral" and "Nothing was changed" in all_text(thanks)
    assert {p: p.read_bytes() for p in BRIEFS.glob("*.yaml")} == before


async def test_a_report_pings_nobody(running: Running) -> None:
    """What a reporter types is escaped: <!channel> in a report notifies nobody."""
    view = await open_report(running, "who Amina Khan")
    await submit(running, view, "<!channel> wrong <@U999> role")
    sent = await running.fake.next_call("chat.postMessage")
    assert "<!channel>" not in sent["text"] and "<@U999>" not in sent["text"]
    assert "&lt;!channel&gt;" in sent["text"]


async def test_report_goes_to_the_reports_channel(fake_slack: FakeSlack) -> None:
    """With slack.reports_channel set, reports are posted there instead of DMs."""
    services = make_services(BRIEFS, fake_slack.api_url, reports_channel=REPORTS)
    async for run in start_surface(services, fake_slack):
        view = await open_report(run, "session Afghanistan")
        await submit(run, view, "Wrong chair.")
        sent = await run.fake.next_call("chat.postMessage")
        assert sent["channel"] == REPORTS and "field sessions[3]" in sent["text"]


async def test_a_shared_answer_can_be_reported(running: Running) -> None:
    """The copy shared in the channel keeps a Report a problem button."""
    await running.command("/brief", "who Amina Khan")
    answer = await running.fake.next_post()
    await running.click(button(answer, ACTION_SHARE))
    shared = await running.fake.next_post()
    assert shared["response_type"] == "in_channel"
    assert button(shared, ACTION_REPORT)


async def test_a_report_from_a_later_page_names_that_page_and_its_field(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """On page 2 of a long session, the report says page 2 and still names the field the split item comes from."""
    long_brief(tmp_path)
    async for run in start_surface(make_services(tmp_path, fake_slack.api_url), fake_slack):
        await run.command("/brief", "session corridor")
        first = await run.fake.next_post()
        await run.click(button(first, ACTION_NEXT))
        second = await run.fake.next_post()
        await run.click(button(second, ACTION_REPORT))
        opened = await run.fake.next_call("views.open")
        view = opened["view"]
        await submit(run, dict(json.loads(view) if isinstance(view, str) else view), "Takeaway 130 is wrong.")
        text = (await run.fake.next_call("chat.postMessage"))["text"]
        assert "Question: /brief session corridor (page 2)" in text
        assert "Brief: long-dialogue-2030-01-01 · field sessions[0]" in text
