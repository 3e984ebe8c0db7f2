"""The slash commands: parse the options, ask bot.query, render embeds, send; each handler stays thin."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot import query
from bot.adapters.discord_app.escape import md
from bot.adapters.discord_app.questions import Autocomplete, add_question_commands
from bot.adapters.discord_app.render import CHOICE_TEXT, MAX_CHOICES, Pages, clip, render_pages
from bot.adapters.discord_app.trust import ReportModal, is_private, question_text
from bot.answer import Answer, AnswerKind, Choice
from bot.config import DiscordConfig
from bot.digest.questions import DigestQuestion, digest_problem, digest_status
from bot.index.catalog import Catalog
from bot.positions import positions
from bot.replies import help_answer
from bot.services import DigestRunner, Services

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
DEFER_AFTER = 1.5  # seconds since the interaction was created; Discord drops unanswered ones at 3
EXPIRES_AFTER = 3.0  # Discord forgets an interaction not answered or deferred this long after its creation
SEND_MARGIN = 0.3  # an answer started closer than this to the deadline could not reach Discord in time
OPTION_LIMIT = 200  # characters of a string option or autocomplete value Discord allows; longer input is cut
VIEW_TIMEOUT = 600.0
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)
SORRY = "Sorry, something went wrong while answering. The error was logged; please try again later."


def to_choices(pairs: Sequence[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    """Return at most 25 autocomplete choices, names and values clipped to 100 characters."""
    out: list[app_commands.Choice[str]] = []
    for label, value in pairs:
        if label and value and len(value) <= CHOICE_TEXT:
            out.append(app_commands.Choice(name=clip(label, CHOICE_TEXT), value=value))
        if len(out) >= MAX_CHOICES:
            break
    return out


def is_admin(interaction: discord.Interaction[Any], config: DiscordConfig) -> bool:
    """Return whether the user is a configured admin (by user id or role); with none configured, Manage Server."""
    if interaction.user.id in config.admin_user_ids:
        return True
    roles = {role.id for role in getattr(interaction.user, "roles", ())}
    if roles & set(config.admin_role_ids):
        return True
    if not config.admin_user_ids and not config.admin_role_ids:
        return interaction.permissions.manage_guild
    return False


async def send(interaction: discord.Interaction[Any], *, ephemeral: bool = False, **kwargs: Any) -> None:
    """Send the reply: the first response, the edit of a deferred one, or a follow-up; never pinging anyone."""
    kwargs["allowed_mentions"] = NO_MENTIONS
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
    elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(**kwargs)  # replaces the "thinking…" message
    else:
        await interaction.followup.send(ephemeral=ephemeral, wait=True, **kwargs)


async def send_text(interaction: discord.Interaction[Any], text: str, *, ephemeral: bool = True) -> None:
    """Send a short plain-text reply."""
    await send(interaction, content=clip(text, 2000), ephemeral=ephemeral)


async def apologise(interaction: discord.Interaction[Any]) -> None:
    """Tell the user politely that answering failed; never raises."""
    try:
        await send_text(interaction, SORRY)
    except Exception:  # the interaction may be gone; the error is already logged
        log.warning("could not send the apology for interaction %s", interaction.id, exc_info=True)


class Expired(Exception):
    """The interaction's deadline passed before its answer was computed: it is dropped, not computed."""


def age(interaction: discord.Interaction[Any]) -> float:
    """Return the seconds since Discord created the interaction."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def expired(interaction: discord.Interaction[Any]) -> bool:
    """Return whether it is too late to answer or defer the interaction (nothing was sent yet)."""
    return not interaction.response.is_done() and age(interaction) > EXPIRES_AFTER - SEND_MARGIN


def cut(text: str, limit: int = OPTION_LIMIT) -> str:
    """Return an option value cut to Discord's limit (a forged longer value costs no more than a genuine one)."""
    return text[:limit]


async def in_time(interaction: discord.Interaction[Any], compute: Callable[[], Answer], *, ephemeral: bool) -> Answer:
    """Compute an answer off the event loop; defer first when it is not ready well within 3 seconds.

    Under load, an interaction that waited past its deadline (in the event loop or the worker queue) raises
    Expired instead of being computed: nobody could receive that answer, and computing it would only delay others.
    """
    if expired(interaction):
        raise Expired

    def guarded() -> Answer:
        if expired(interaction):
            raise Expired
        return compute()

    future = asyncio.get_running_loop().run_in_executor(None, guarded)
    done, _ = await asyncio.wait({future}, timeout=max(0.0, DEFER_AFTER - age(interaction)))
    if not done and not interaction.response.is_done():
        if expired(interaction):
            raise Expired
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    return await future


class AnswerView(discord.ui.View):
    """Prev/Next buttons over the pages of an answer, a menu of its choices (only the asker may use them), Share
    (on a private answer) and Report a problem (anyone)."""

    def __init__(
        self,
        owner_id: int,
        answer: Answer,
        pages: Pages | list[list[discord.Embed]],
        services: Services,
        *,
        question: str = "",
        share: bool = False,
    ) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.pages = pages if isinstance(pages, Pages) else Pages.of(answer, pages)
        self.page = 0
        self.services = services
        self.answer = answer
        self.question = question
        self.share = share
        self.choices: tuple[Choice, ...] = answer.choices[:MAX_CHOICES]
        self.origin: discord.Interaction[Any] | None = None  # whose response carries these buttons
        self.prev = discord.ui.Button[AnswerView](label="◀ Prev", custom_id="briefbot:prev", row=0)
        self.counter = discord.ui.Button[AnswerView](label="", custom_id="briefbot:page", disabled=True, row=0)
        self.next = discord.ui.Button[AnswerView](label="Next ▶", custom_id="briefbot:next", row=0)
        if self.pages.has(1):
            self.prev.callback = self._prev  # type: ignore[method-assign]
            self.next.callback = self._next  # type: ignore[method-assign]
            for button in (self.prev, self.counter, self.next):
                self.add_item(button)
            self._update()
        if self.choices:
            menu = discord.ui.Select[AnswerView](
                custom_id="briefbot:choose",
                placeholder="Pick one…" if answer.kind is AnswerKind.CHOOSE else "Did you mean…",
                options=[
                    discord.SelectOption(
                        label=clip(c.label, CHOICE_TEXT),
                        value=str(i),
                        description=clip(c.description, CHOICE_TEXT) if c.description else None,
                    )
                    for i, c in enumerate(self.choices)
                ],
                row=1,
            )
            menu.callback = self._choose  # type: ignore[method-assign]
            self.menu = menu
            self.add_item(menu)
        if share:
            sharing = discord.ui.Button[AnswerView](
                label="Share in channel", custom_id="briefbot:share", style=discord.ButtonStyle.primary, row=2
            )
            sharing.callback = self._share  # type: ignore[method-assign]
            self.add_item(sharing)
        if answer.kind is not AnswerKind.HELP:
            report = discord.ui.Button[AnswerView](label="Report a problem", custom_id="briefbot:report", row=2)
            report.callback = self._report  # type: ignore[method-assign]
            self.add_item(report)

    def _update(self) -> None:
        total = self.pages.total
        self.counter.label = f"{self.page + 1}/{total if total is not None else '…'}"
        self.prev.disabled = self.page == 0
        self.next.disabled = not self.pages.has(self.page + 1)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Let only the person who asked turn pages, pick or share; anyone may report a problem."""
        if interaction.user.id == self.owner_id or dict(interaction.data or {}).get("custom_id") == "briefbot:report":
            return True
        await send_text(interaction, "Only the person who asked can use these buttons; ask your own question.")
        return False

    async def on_timeout(self) -> None:
        """Remove the expired buttons so nobody presses a dead one."""
        if self.origin is None:
            return
        try:
            await self.origin.edit_original_response(view=None)
        except discord.HTTPException:  # message deleted or token expired: nothing left to tidy
            log.debug("could not remove expired buttons", exc_info=True)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Any) -> None:
        """Log the error and apologise."""
        log.error("button or menu %s failed", getattr(item, "custom_id", item), exc_info=error)
        await apologise(interaction)

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        if (step > 0 and self.pages.has(self.page + step)) or step < 0:
            self.page = max(self.page + step, 0)
        embeds = self.pages[self.page]  # only this page is rendered
        self._update()
        await interaction.response.edit_message(embeds=embeds, view=self, allowed_mentions=NO_MENTIONS)

    async def _prev(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction[Any]) -> None:
        await self._turn(interaction, 1)

    async def _report(self, interaction: discord.Interaction[Any]) -> None:
        page = f" (page {self.page + 1} of {len(self.pages)})" if len(self.pages) > 1 else ""
        shown = self.pages.items_on(self.page)
        await interaction.response.send_modal(ReportModal(self.services, self.question + page, self.answer, shown))

    async def _share(self, interaction: discord.Interaction[Any]) -> None:
        """Post the page on show to the channel, for everyone, saying who shared it (nobody is pinged)."""
        view = AnswerView(
            interaction.user.id, self.answer, [self.pages[self.page]], self.services, question=self.question
        )
        await interaction.response.send_message(
            content=f"Shared by {interaction.user.mention}",
            embeds=self.pages[self.page],
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        view.origin = interaction

    async def _choose(self, interaction: discord.Interaction[Any]) -> None:
        choice = self.choices[int(self.menu.values[0])]
        catalog = self.services.store.catalog
        answer = await asyncio.get_running_loop().run_in_executor(None, query.ask, catalog, choice.question)
        pages = render_pages(answer)
        view = answer_view(
            interaction.user.id, answer, pages, self.services, question=choice.question, share=self.share
        )
        self.stop()
        picture = await attachment_file(answer)
        extra: dict[str, Any] = {"attachments": [picture]} if picture is not None else {}
        if picture is not None:
            pages[0][-1].set_image(url=f"attachment://{picture.filename}")
        await interaction.response.edit_message(embeds=pages[0], view=view, allowed_mentions=NO_MENTIONS, **extra)
        if view is not None:
            view.origin = interaction


async def attachment_file(answer: Answer) -> discord.File | None:
    """Return the answer's picture as a file to attach, drawn off the event loop; None if none or it failed."""
    if answer.attachment is None:
        return None
    try:
        data = await asyncio.get_running_loop().run_in_executor(None, answer.attachment.render)
    except Exception:  # the text answer is complete without the picture
        log.exception("could not draw %s", answer.attachment.filename)
        return None
    return discord.File(
        io.BytesIO(data), filename=answer.attachment.filename, description=answer.attachment.description[:1000]
    )


def answer_view(
    owner_id: int,
    answer: Answer,
    pages: Pages | list[list[discord.Embed]],
    services: Services,
    *,
    question: str = "",
    share: bool = False,
) -> AnswerView | None:
    """Return the buttons/menu an answer needs: every answer but help can be reported; None for help on one page."""
    if len(pages) <= 1 and not answer.choices and not share and answer.kind is AnswerKind.HELP:
        return None
    return AnswerView(owner_id, answer, pages, services, question=question, share=share)


async def send_answer(
    interaction: discord.Interaction[Any],
    answer: Answer,
    services: Services,
    *,
    ephemeral: bool = False,
    question: str = "",
    share: bool = False,
) -> None:
    """Render an answer and send its first page, with paging buttons, a choice menu, Share and Report buttons."""
    pages = render_pages(answer)
    share = share and ephemeral and answer.ok and answer.kind not in {AnswerKind.HELP, AnswerKind.CHOOSE}
    view = answer_view(interaction.user.id, answer, pages, services, question=question or answer.title, share=share)
    kwargs: dict[str, Any] = {"embeds": pages[0]}
    if view is not None:
        kwargs["view"] = view
    picture = await attachment_file(answer)
    if picture is not None:
        kwargs["file"] = picture
        pages[0][-1].set_image(url=f"attachment://{picture.filename}")
    await send(interaction, ephemeral=ephemeral or not answer.ok, **kwargs)
    if view is not None:
        view.origin = interaction


async def respond(
    interaction: discord.Interaction[Any],
    services: Services,
    ask: Callable[[Catalog], Answer],
    *,
    ephemeral: bool = False,
) -> None:
    """Answer one command: compute (deferring if slow), render, send; on failure log and apologise."""
    name = interaction.command.qualified_name if interaction.command else "?"
    config = services.config.discord
    private = config is not None and is_private(interaction, config)  # seen by the asker only, until shared
    ephemeral = ephemeral or private
    with services.metrics.question("discord", name):
        try:
            answer = await in_time(interaction, lambda: ask(services.store.catalog), ephemeral=ephemeral)
            if interaction.response.is_done():
                services.metrics.deferred.labels("discord").inc()
            question = question_text(interaction)
            await send_answer(interaction, answer, services, ephemeral=ephemeral, question=question, share=private)
        except Expired:
            services.metrics.expired.labels("discord").inc()
            log.debug(
                "/%s: interaction %s expired (%.1f s old) before it was computed; dropped",
                name,
                interaction.id,
                age(interaction),
            )
        except Exception:
            services.metrics.errors.labels("discord").inc()
            log.exception("/%s failed", name)
            await apologise(interaction)


def build_tree(client: discord.Client, services: Services) -> app_commands.CommandTree[discord.Client]:
    """Return the command tree of every briefbot slash command, bound to the shared services."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        client, allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
    )
    config = services.config.discord
    assert config is not None, "the discord section of the config is required"

    async def on_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        log.error("command %s failed", getattr(interaction.command, "qualified_name", "?"), exc_info=error)
        await apologise(interaction)

    tree.on_error = on_error  # type: ignore[method-assign]

    def catalog() -> Catalog:
        return services.store.catalog

    async def dialogue_names(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(catalog().dialogue_choices(cut(current), limit=MAX_CHOICES))

    async def people_names(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(catalog().name_choices(cut(current), limit=MAX_CHOICES))

    dialogue = _dialogue_group(services, dialogue_names)
    add_question_commands(tree, dialogue, services, lambda i, ask: respond(i, services, ask), to_choices)
    tree.add_command(dialogue)

    @tree.command(name="who", description="A person's roles, dialogues and positions")
    @app_commands.describe(name="the person's name (any spelling)")
    @app_commands.autocomplete(name=people_names)
    async def who(interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 200]) -> None:
        await respond(interaction, services, lambda c: query.who(c, name))

    @tree.command(name="session", description="Sessions on a topic")
    @app_commands.describe(topic="e.g. Afghanistan")
    async def session(interaction: discord.Interaction[Any], topic: app_commands.Range[str, 1, 200]) -> None:
        await respond(interaction, services, lambda c: query.sessions(c, topic))

    @tree.command(name="positions", description="Who said what on a topic, or by whom")
    @app_commands.describe(topic="e.g. Afghanistan (optional with by)", by="a person, institute or country, e.g. ISSI")
    @app_commands.autocomplete(by=people_names)
    async def positions_(
        interaction: discord.Interaction[Any],
        topic: app_commands.Range[str, 1, 200] | None = None,
        by: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        await respond(interaction, services, lambda c: positions(c, topic or "", by))

    @tree.command(name="search", description="Full text over every brief")
    @app_commands.describe(query="words to look for")
    async def search(interaction: discord.Interaction[Any], query: app_commands.Range[str, 1, 200]) -> None:
        await respond(interaction, services, lambda c: _search(c, query))

    @tree.command(name="help", description="What briefbot answers")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await respond(interaction, services, lambda c: help_answer(), ephemeral=True)

    tree.add_command(_reload_command(services, config))
    tree.add_command(_digest_group(services, config))
    return tree


def _dialogue_group(services: Services, dialogue_names: Autocomplete) -> app_commands.Group:
    """Return /dialogue latest|list|show (the cross-dialogue questions are added to it by add_question_commands)."""
    dialogue = app_commands.Group(name="dialogue", description="Dialogue briefs: latest, list, show")

    @dialogue.command(name="latest", description="The most recent dialogue")
    async def dialogue_latest(interaction: discord.Interaction[Any]) -> None:
        await respond(interaction, services, query.latest)

    @dialogue.command(name="list", description="Dialogues, newest first")
    @app_commands.describe(query="words in the title, organisers or topics, e.g. IRAS", year="only this year")
    async def dialogue_list(
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 0, 200] | None = None,
        year: app_commands.Range[int, 1900, 2100] | None = None,
    ) -> None:
        await respond(interaction, services, lambda c: _list(c, query or "", year))

    @dialogue.command(name="show", description="One dialogue in full")
    @app_commands.describe(dialogue="title words or id")
    @app_commands.autocomplete(dialogue=dialogue_names)
    async def dialogue_show(interaction: discord.Interaction[Any], dialogue: app_commands.Range[str, 1, 200]) -> None:
        await respond(interaction, services, lambda c: query.show(c, dialogue))

    return dialogue


def _reload_command(services: Services, config: DiscordConfig) -> app_commands.Command[Any, Any, None]:
    """Return /reload: re-read the briefs folder now (admins)."""

    @app_commands.command(name="reload", description="Reload the briefs from disk (admins)")
    @app_commands.default_permissions(manage_guild=True)
    async def reload(interaction: discord.Interaction[Any]) -> None:
        if not is_admin(interaction, config):
            await send_text(interaction, "Only briefbot admins can reload the briefs.")
            return
        try:
            await interaction.response.defer(thinking=True, ephemeral=True)
            report = await services.reload()
            text = (
                f"Reloaded: {report.loaded} read, {report.reused} unchanged, {report.removed} removed, "
                f"{len(report.errors)} problem(s)."
            )
            if report.errors:
                text += " Last good versions kept:\n" + "\n".join(f"- {md(str(e))}" for e in report.errors[:10])
            await send_text(interaction, text)
        except Exception:
            log.exception("/reload failed")
            await apologise(interaction)

    return reload


def _digest_group(services: Services, config: DiscordConfig) -> app_commands.Group:
    """Return /digest preview|status|now, checked and answered by the core's digest questions."""
    digest = app_commands.Group(
        name="digest", description="Scheduled digests", default_permissions=ADMIN_PERMISSIONS, guild_only=True
    )

    async def digest_names(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        names = services.digests.names() if services.digests else []
        return to_choices([(n, n) for n in names if current.lower() in n.lower()])

    async def known_digest(interaction: discord.Interaction[Any], name: str, action: str) -> DigestRunner | None:
        """Return the digest runner if the core finds the question answerable; else tell the user why not."""
        question = DigestQuestion(action, name)
        problem = digest_problem(services.digests, question, admin=is_admin(interaction, config))
        if problem is not None:
            await send_text(interaction, problem.intro or problem.title)
            return None
        return services.digests

    @digest.command(name="preview", description="What a digest would post now")
    @app_commands.autocomplete(name=digest_names)
    async def digest_preview(interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 200]) -> None:
        runner = await known_digest(interaction, name, "preview")
        if runner is not None:
            await respond(interaction, services, lambda c: runner.preview(name), ephemeral=True)

    @digest.command(name="status", description="Last and next run of each digest, per target")
    @app_commands.autocomplete(name=digest_names)
    async def digest_status_command(
        interaction: discord.Interaction[Any], name: app_commands.Range[str, 0, 200] = ""
    ) -> None:
        runner = await known_digest(interaction, name, "status")
        if runner is not None:
            await respond(interaction, services, lambda c: digest_status(runner, name), ephemeral=True)

    @digest.command(name="now", description="Post a digest now (admins)")
    @app_commands.autocomplete(name=digest_names)
    async def digest_now(interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 200]) -> None:
        runner = await known_digest(interaction, name, "now")
        if runner is None:
            return
        try:
            await interaction.response.defer(thinking=True, ephemeral=True)
            answer = await runner.run_now(name)
            await send_answer(interaction, answer, services, ephemeral=True)
        except Exception:
            log.exception("/digest now %s failed", name)
            await apologise(interaction)

    return digest


def _list(catalog: Catalog, words: str, year: int | None) -> Answer:
    return query.list_dialogues(catalog, words, year)


def _search(catalog: Catalog, text: str) -> Answer:
    return query.search(catalog, text)
