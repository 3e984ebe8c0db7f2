"""Slash commands for the questions across dialogues: /timeline, /compare, /network and /dialogue series."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NamedTuple

import discord
from discord import app_commands

from bot import questions
from bot.adapters.discord_app.render import MAX_CHOICES
from bot.answer import Answer
from bot.index.catalog import Catalog
from bot.questions import choices
from bot.services import Services

Respond = Callable[[discord.Interaction[Any], Callable[[Catalog], Answer]], Awaitable[None]]
Autocomplete = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
ToChoices = Callable[[list[tuple[str, str]]], list[app_commands.Choice[str]]]

ORDERS = [
    app_commands.Choice(name="oldest first", value="oldest first"),
    app_commands.Choice(name="newest first", value="newest first"),
]


class _Completers(NamedTuple):
    """The autocomplete callbacks of the question commands' options."""

    subjects: Autocomplete
    topics: Autocomplete
    sides: Autocomplete
    series_names: Autocomplete


def _completers(services: Services, to_choices: ToChoices) -> _Completers:
    """Return autocomplete callbacks that read the store's current catalog at each keystroke."""

    def catalog() -> Catalog:
        return services.store.catalog

    async def subjects(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(choices.subject_choices(catalog(), current, MAX_CHOICES))

    async def topics(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(choices.topic_choices(catalog(), current, MAX_CHOICES))

    async def sides(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(choices.who_choices(catalog(), current, MAX_CHOICES))

    async def series_names(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return to_choices(choices.series_choices(catalog(), current, MAX_CHOICES))

    return _Completers(subjects, topics, sides, series_names)


def add_question_commands(
    tree: app_commands.CommandTree[discord.Client],
    dialogue: app_commands.Group,
    services: Services,
    respond: Respond,
    to_choices: ToChoices,
) -> None:
    """Register /timeline, /compare, /network and /dialogue series, with autocomplete for every option."""
    complete = _completers(services, to_choices)

    @tree.command(name="timeline", description="A person, institute, country, topic or series through time")
    @app_commands.describe(subject="a person, institute, country, topic or series", order="oldest or newest first")
    @app_commands.autocomplete(subject=complete.subjects)
    @app_commands.choices(order=ORDERS)
    async def timeline(
        interaction: discord.Interaction[Any],
        subject: app_commands.Range[str, 1, 200],
        order: app_commands.Choice[str] | None = None,
    ) -> None:
        text = f"{subject} {order.value}" if order else subject
        await respond(interaction, lambda c: questions.timeline(c, text))

    @tree.command(name="compare", description="Two sides' positions on a topic, side by side")
    @app_commands.describe(topic="e.g. Afghanistan", a="a person, institute or country", b="the other side")
    @app_commands.autocomplete(topic=complete.topics, a=complete.sides, b=complete.sides)
    async def compare(
        interaction: discord.Interaction[Any],
        topic: app_commands.Range[str, 1, 200],
        a: app_commands.Range[str, 1, 200],
        b: app_commands.Range[str, 1, 200],
    ) -> None:
        await respond(interaction, lambda c: questions.compare_sides(c, topic, a, b))

    @tree.command(name="network", description="Who sat with whom, with a picture")
    @app_commands.describe(name="a person or institute")
    @app_commands.autocomplete(name=complete.sides)
    async def network(interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 200]) -> None:
        await respond(interaction, lambda c: questions.network(c, name))

    @dialogue.command(name="series", description="The rounds of a recurring dialogue, in order")
    @app_commands.describe(name="the series, e.g. ISSI-IPIS Annual Dialogue (empty: the list)")
    @app_commands.autocomplete(name=complete.series_names)
    async def series(
        interaction: discord.Interaction[Any], name: app_commands.Range[str, 0, 200] | None = None
    ) -> None:
        await respond(interaction, lambda c: questions.series_answer(c, name or ""))

    del timeline, compare, network, series  # registered on the tree and the group
