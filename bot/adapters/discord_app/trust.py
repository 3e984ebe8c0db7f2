"""Discord side of trust: private answers shared on purpose, and "Report a problem" (a modal, delivered to admins)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import discord

from bot.adapters.discord_app.escape import md
from bot.adapters.discord_app.render import clip
from bot.answer import Answer, Item
from bot.config import DiscordConfig
from bot.corrections import MAX_WHAT, Report, admin_text, spots
from bot.services import Services

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
THANKS = (
    "Thank you: your report went to the briefbot admins with the question and the brief it concerns. "
    "Nothing was changed; an editor will check the brief."
)
NOBODY = "Sorry: no briefbot admin or reports channel is configured to receive reports here."


def is_private(interaction: discord.Interaction[Any], config: DiscordConfig) -> bool:
    """Return whether answers in this place are seen by the asker only (per server, default private; DMs are)."""
    if interaction.guild_id is None:
        return False  # a direct message is private already: there is nobody to share with
    return config.answers_by_guild.get(interaction.guild_id, config.answers) == "private"


def question_text(interaction: discord.Interaction[Any]) -> str:
    """Return the slash command as the user gave it, e.g. `/positions topic:Afghanistan by:Iran`."""
    name = interaction.command.qualified_name if interaction.command else "?"
    options = " ".join(f"{k}:{v}" for k, v in interaction.namespace)
    return f"/{name} {options}".strip()


def where(interaction: discord.Interaction[Any]) -> str:
    """Return where an interaction happened, for a report: server and channel ids, or a DM."""
    if interaction.guild_id is None:
        return "a direct message"
    return f"server {interaction.guild_id}, channel <#{interaction.channel_id}>"


async def deliver(client: discord.Client, config: DiscordConfig, text: str) -> int:
    """Send a report to the reports channel, else as a DM to every admin user; return how many received it."""
    text = clip(text, 2000)
    if config.reports_channel_id is not None:
        try:
            channel = client.get_channel(config.reports_channel_id) or await client.fetch_channel(
                config.reports_channel_id
            )
            if isinstance(channel, discord.abc.Messageable):
                await channel.send(text, allowed_mentions=NO_MENTIONS)
                return 1
        except discord.HTTPException:
            log.warning("could not post a report to channel %s", config.reports_channel_id, exc_info=True)
    sent = 0
    for user_id in config.admin_user_ids:
        try:
            user = client.get_user(user_id) or await client.fetch_user(user_id)
            await user.send(text, allowed_mentions=NO_MENTIONS)
            sent += 1
        except discord.HTTPException:
            log.warning("could not DM a report to admin %s", user_id, exc_info=True)
    return sent


class ReportModal(discord.ui.Modal, title="Report a problem"):
    """What the reader says is wrong with an answer; sent to the admins, never applied to a brief."""

    what: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        label="What is wrong?",
        style=discord.TextStyle.paragraph,
        placeholder="e.g. this statement was made by the other speaker; the date is wrong",
        max_length=MAX_WHAT,
    )
    part: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        label="Which part? (optional)",
        placeholder="e.g. Position: Afghanistan",
        required=False,
        max_length=200,
    )

    def __init__(self, services: Services, question: str, answer: Answer, shown: Sequence[Item] = ()) -> None:
        super().__init__(custom_id="briefbot:report-modal")
        self.services = services
        self.question = question
        self.answer = answer
        self.shown = shown  # the items on the page the reader was looking at

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Deliver the report to the admins and thank the reporter (only they see the thanks)."""
        config = self.services.config.discord
        assert config is not None
        # what readers typed (and brief text) is shown as typed: no masked link or formatting reaches the admins
        report = Report(
            question=md(self.question),
            answer_title=md(self.answer.title),
            spots=tuple(replace(s, label=md(s.label)) for s in spots(self.answer, self.shown) or spots(self.answer)),
            what=md(self.what.value.strip()),
            part=md((self.part.value or "").strip()),
            reporter=f"{md(interaction.user.name)} ({interaction.user.id})",
            surface="Discord",
            where=where(interaction),
        )
        store = self.services.store
        text = admin_text(report, store.file_of, self.services.config.brief_url)
        log.info("report on %s from user %s", self.question[:80], interaction.user.id)
        sent = await deliver(interaction.client, config, text)
        await interaction.response.send_message(THANKS if sent else NOBODY, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        """Log the failure and tell the reporter, who may try again."""
        log.error("report could not be delivered", exc_info=error)
        if not interaction.response.is_done():
            await interaction.response.send_message(
                "Sorry, the report could not be sent; please try again.", ephemeral=True
            )
