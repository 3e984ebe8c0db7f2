"""Private answers shared on purpose, and "Report a problem" end to end: real discord.py against the fake Discord."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.adapters.discord_app.conftest import ADMIN_USER_ID, Bot
from tests.adapters.discord_app.fake_discord import GUILD_ID, USER_ID, FakeDiscord
from tests.adapters.discord_app.helpers import click, components, invoke, slash
from tests.conftest import minimal_brief

EPHEMERAL = 64
REPORT, SHARE = "briefbot:report", "briefbot:share"
REPORTS_CHANNEL = 900000000000000700


def ids(message: dict[str, Any]) -> list[str]:
    """Return the custom ids of a message's components."""
    return [str(c.get("custom_id")) for c in components(message)]


async def ask(fake: FakeDiscord, command: str, sub: str | None = None, **kw: Any) -> tuple[str, dict[str, Any]]:
    """Run a slash command; return its token and the message it answered with."""
    from tests.adapters.discord_app.helpers import command_data, reply

    token = await invoke(fake, 2, command_data(command, sub, **kw))
    return token, await reply(fake, token)


async def submit_report(fake: FakeDiscord, token: str, what: str, part: str = "", user_id: int = USER_ID) -> str:
    """Press Report a problem on an answer, fill in the modal the bot opened and submit it; return the token."""
    _, callback = await click(fake, token, REPORT, user_id=user_id)
    assert callback.body["type"] == 9  # MODAL
    modal = callback.body["data"]
    inputs = [c for row in modal["components"] for c in row["components"]]
    values = [what, part]
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": c["custom_id"], "value": v}]}
        for c, v in zip(inputs, values, strict=True)
    ]
    return await invoke(fake, 5, {"custom_id": modal["custom_id"], "components": rows}, user_id=user_id)


def dm_to_admin(fake: FakeDiscord) -> Any:
    """Return a predicate for the bot's message into a channel (the DM opened for the admin)."""
    return lambda c: c.method == "POST" and c.path.startswith("/channels/") and c.path.endswith("/messages")


async def test_answers_are_private_by_default_with_share_and_report(bot: Bot) -> None:
    """An answer is seen by the asker only and carries Share in channel and Report a problem."""
    _, message = await ask(bot.fake, "who", name="Sohail Mahmood")
    assert message["flags"] & EPHEMERAL
    assert SHARE in ids(message) and REPORT in ids(message)


async def test_every_answer_carries_report_a_problem(bot: Bot) -> None:
    """Dialogue, person, session, positions, search and not-found answers can all be reported."""
    for command, sub, kw in [
        ("dialogue", "latest", {}),
        ("session", None, {"topic": "Afghanistan"}),
        ("positions", None, {"by": "Iran"}),
        ("search", None, {"query": "pipeline"}),
        ("who", None, {"name": "Nobody Atall"}),
    ]:
        _, message = await ask(bot.fake, command, sub, **kw)
        assert REPORT in ids(message), command


async def test_share_posts_the_page_for_everyone_saying_who_shared(bot: Bot) -> None:
    """Share in channel posts the page publicly with "Shared by", pinging nobody, and it can be reported too."""
    token, private = await ask(bot.fake, "positions", topic="Afghanistan")
    _, callback = await click(bot.fake, token, SHARE)
    data = callback.body["data"]
    assert callback.body["type"] == 4
    assert not (data.get("flags") or 0) & EPHEMERAL
    assert data["content"] == f"Shared by <@{USER_ID}>"
    assert data["allowed_mentions"] == {"parse": []}
    assert data["embeds"] == private["embeds"]
    assert REPORT in ids(data) and SHARE not in ids(data)


async def test_only_the_asker_can_share(bot: Bot) -> None:
    """Someone else pressing Share on the asker's answer is refused (only they see it anyway)."""
    token, _ = await ask(bot.fake, "who", name="Amina Khan")
    _, callback = await click(bot.fake, token, SHARE, user_id=12345)
    assert "Only the person who asked" in callback.body["data"]["content"]


async def test_a_server_can_make_answers_public(connect: Any) -> None:
    """answers_by_guild: public answers are posted in the channel, without a Share button."""
    bot: Bot = await connect(answers_by_guild={GUILD_ID: "public"})
    _, message = await ask(bot.fake, "who", name="Sohail Mahmood")
    assert not (message.get("flags") or 0) & EPHEMERAL
    assert SHARE not in ids(message) and REPORT in ids(message)


async def test_positions_by_without_a_topic(bot: Bot) -> None:
    """/positions by:Shaykh al-Islami needs no topic and lists his statements only."""
    message = await slash(bot.fake, "positions", by="Shaykh al-Islami")
    assert message["embeds"][0]["title"] == "Positions by Muhammad Hassan Shaykh al-Islami"


async def test_report_reaches_the_admins_by_dm_with_question_field_and_file(bot: Bot) -> None:
    """Report a problem: the modal's text goes to the admin by DM with dialogue id, field, question and the brief
    file and line; the reporter is thanked privately; no brief is changed."""
    before = {p: p.read_bytes() for p in bot.services.store.directory.glob("*.yaml")}
    token, _ = await ask(bot.fake, "positions", topic="Afghanistan", by="Iran")
    submitted = await submit_report(bot.fake, token, "The IPIS speaker did not say this.", "Position: Afghanistan")
    opened = await bot.fake.wait_for(lambda c: c.path == "/users/@me/channels")
    assert opened.body["recipient_id"] in (ADMIN_USER_ID, str(ADMIN_USER_ID))
    sent = await bot.fake.wait_for(dm_to_admin(bot.fake))
    text = sent.body["content"]
    assert "Question: /positions topic:Afghanistan by:Iran" in text
    assert "What is wrong: The IPIS speaker did not say this." in text
    assert "Part named: Position: Afghanistan" in text
    assert "Brief: issi-ipis-annual-dialogue · field positions[2] · Position: Afghanistan" in text
    assert "issi-ipis-annual-dialogue.yaml:98" in text
    assert sent.body["allowed_mentions"] == {"parse": []}
    thanks = await bot.fake.wait_for(lambda c: c.path.endswith(f"/{submitted}/callback"))
    assert thanks.body["data"]["flags"] & EPHEMERAL and "Nothing was changed" in thanks.body["data"]["content"]
    assert {p: p.read_bytes() for p in bot.services.store.directory.glob("*.yaml")} == before


async def test_anyone_may_report_a_shared_answer(bot: Bot) -> None:
    """A reader other than the asker can report (the modal opens for them)."""
    token, _ = await ask(bot.fake, "who", name="Amina Khan")
    _, callback = await click(bot.fake, token, REPORT, user_id=12345)
    assert callback.body["type"] == 9


async def test_report_goes_to_the_configured_channel_with_a_link(connect: Any, tmp_path: Path) -> None:
    """With reports_channel_id and brief_url set, the report is posted there, linking the brief file at its line."""
    bot: Bot = await connect(reports_channel_id=REPORTS_CHANNEL)
    bot.services.config = bot.services.config.model_copy(
        update={"brief_url": "https://example.org/briefs/blob/main/briefs/{file}#L{line}"}
    )
    token, _ = await ask(bot.fake, "session", topic="Afghanistan")
    await submit_report(bot.fake, token, "Wrong chair.")
    sent = await bot.fake.wait_for(lambda c: c.method == "POST" and c.path == f"/channels/{REPORTS_CHANNEL}/messages")
    assert "https://example.org/briefs/blob/main/briefs/issi-ipis-annual-dialogue.yaml#L76" in sent.body["content"]
    assert "field sessions[3]" in sent.body["content"]
    assert not [c for c in bot.fake.calls if c.path == "/users/@me/channels"]


def test_drafts_carry_a_visible_tag(write_brief: Any) -> None:
    """An answer citing a draft shows "DRAFT — not reviewed" in its embed, in the item and in the sources."""
    from bot.adapters.discord_app.render import render_pages
    from bot.index.store import BriefStore
    from bot.query import ask as answer_to

    write_brief("raw.yaml", minimal_brief("raw", status="draft"))
    path = write_brief("done.yaml", minimal_brief("done", date="2020-01-01"))
    store = BriefStore(path.parent, include_drafts=True)
    assert store.load().ok
    embed = render_pages(answer_to(store.catalog, "dialogue list"))[0][0].to_dict()
    names = [f["name"].replace("\\[", "[") for f in embed.get("fields", [])]  # as Discord shows them
    assert any(n.startswith("[DRAFT — not reviewed]") for n in names)
    assert not any("DRAFT" in n for n in names if "done" in n.lower())


async def test_a_report_from_a_later_page_says_which_page(connect: Any, long_briefs: Path) -> None:
    """Reporting from page 2 of a long answer tells the admins it was page 2."""
    bot: Bot = await connect(briefs=long_briefs)
    token, _ = await ask(bot.fake, "dialogue", "show", dialogue="long-dialogue")
    await click(bot.fake, token, "briefbot:next")
    await submit_report(bot.fake, token, "Fact 3.1 is wrong.")
    sent = await bot.fake.wait_for(dm_to_admin(bot.fake))
    text = sent.body["content"]
    assert "Question: /dialogue show dialogue:long-dialogue (page 2 of " in text
    assert "· field sessions[0] ·" not in text  # the first sessions are on page 1: only this page's are named
    assert "Brief: long-dialogue · field sessions[" in text


async def test_a_list_to_pick_from_is_not_shared(bot: Bot) -> None:
    """`/who Mahmod` offers both Mahmoods privately, with no Share button (there is nothing to share yet)."""
    _, message = await ask(bot.fake, "who", name="Mahmod")
    assert "2 people match" in message["embeds"][0]["title"]
    assert SHARE not in ids(message) and "briefbot:choose" in ids(message)


async def test_a_report_shows_the_reporters_markdown_as_typed(bot: Bot) -> None:
    """A masked link typed into the report reaches the admins as text, never as a link with a made-up label."""
    token, _ = await ask(bot.fake, "who", name="Amina Khan")
    await submit_report(
        bot.fake, token, "Verify [your admin session](https://evil.example) **now**", "[x](https://e.x)"
    )
    text = (await bot.fake.wait_for(dm_to_admin(bot.fake))).body["content"]
    assert "\\[your admin session](https://evil.example) \\*\\*now\\*\\*" in text
    assert "Part named: \\[x](https://e.x)" in text
