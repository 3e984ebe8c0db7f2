"""timeline, compare, network (its picture uploaded with files_upload_v2) and dialogue series through the fake Slack."""

from __future__ import annotations

import asyncio
import json
import logging

from bot.adapters.slack_app.limits import check_message
from bot.adapters.slack_app.render import ACTION_SHARE
from tests.adapters.slack_app.helpers import USER, WAIT, Running, all_text, button


async def test_timeline_lists_both_dialogues_with_the_undated_apart(running: Running) -> None:
    """`/brief timeline Sohail Mahmood`: the dated dialogue, then "Date not given" and the undated one."""
    await running.command("/brief", "timeline Sohail Mahmood")
    post = await running.fake.next_post()
    text = all_text(post)
    assert text.index("2025-07-29 — Iran-Pakistan Relations") < text.index("*Date not given*")
    assert text.index("*Date not given*") < text.index("date not given — ISSI-IPIS Annual Dialogue")
    assert check_message(post) == []


async def test_compare_uses_section_fields(running: Running) -> None:
    """`/brief compare Afghanistan Pakistan vs Iran`: rows of two section fields, Pakistan left, Iran right."""
    await running.command("/brief", "compare Afghanistan Pakistan vs Iran")
    post = await running.fake.next_post()
    rows = [b["fields"] for b in post["blocks"] if b["type"] == "section" and len(b.get("fields", [])) == 2]
    assert [f["text"] for f in rows[0]] == ["*Pakistan*", "*Iran*"]
    assert "Urged closer Pakistan-Iran coordination" in rows[1][0]["text"]
    assert "Shaykh al-Islami" in rows[1][1]["text"]
    assert check_message(post) == []


async def test_network_uploads_the_picture_to_the_asker(running: Running) -> None:
    """`/brief network Amina Khan`: the text names Sohail Mahmood with two shared dialogues; the PNG is uploaded
    with files_upload_v2 to the asker's direct message."""
    await running.command("/brief", "network Amina Khan")
    post = await running.fake.next_post()
    text = all_text(post)
    assert text.index("*Sohail Mahmood*") < text.index("*Khalid Mahmood*")
    assert "*Shared dialogues*\n2" in text
    asked = await running.fake.next_call("files.getUploadURLExternal")
    assert asked["filename"] == "network-amina-khan.png"
    file_id, data = await asyncio.wait_for(running.fake.uploads.get(), WAIT)
    assert data.startswith(b"\x89PNG") and int(asked["length"]) == len(data)
    done = await running.fake.next_call("files.completeUploadExternal")
    assert done["channel_id"] == "D" + USER[1:]
    assert json.loads(done["files"])[0]["id"] == file_id


async def test_shared_network_uploads_the_picture_to_the_channel(running: Running) -> None:
    """Sharing the answer in the channel uploads the picture there too."""
    await running.command("/brief", "network Amina Khan")
    first = await running.fake.next_post()
    await running.fake.next_call("files.completeUploadExternal")
    await running.click(button(first, ACTION_SHARE))
    shared = await running.fake.next_post()
    assert shared["response_type"] == "in_channel"
    done = await running.fake.next_call("files.completeUploadExternal")
    assert done["channel_id"] == "C1"


async def test_dialogue_series(running: Running) -> None:
    """`/dialogue series ISSI-IPIS` lists the series."""
    await running.command("/dialogue", "series ISSI-IPIS")
    assert "Series: ISSI-IPIS Annual Dialogue" in all_text(await running.fake.next_post())


class _Seen(logging.Handler):
    """A log handler that sets an event when a record holding `text` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(message)
        if self.text in message:
            self.seen.set()


async def test_without_files_write_the_text_still_arrives(running: Running) -> None:
    """An app installed without files:write: the upload is refused, logged with a hint, and the answer stands."""
    running.fake.errors["files.getUploadURLExternal"] = "missing_scope"
    handler = _Seen("files:write")
    logger = logging.getLogger("bot.adapters.slack_app.pictures")
    logger.addHandler(handler)
    try:
        await running.command("/brief", "network Amina Khan")
        post = await running.fake.next_post()
        assert "*Sohail Mahmood*" in all_text(post)
        await asyncio.wait_for(handler.seen.wait(), WAIT)
    finally:
        logger.removeHandler(handler)
    assert any("missing_scope" in m for m in handler.messages)
    assert running.fake.uploads.empty()
