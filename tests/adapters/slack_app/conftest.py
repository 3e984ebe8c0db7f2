"""Fixtures: the fake Slack Web API and a running Slack surface over the shipped briefs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack_app.helpers import BRIEFS, FakeSlack, Running, make_services, start_surface


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Run the fake Slack on an ephemeral port."""
    fake = FakeSlack()
    runner = await fake.start()
    yield fake
    await runner.cleanup()


@pytest.fixture
async def running(fake_slack: FakeSlack) -> AsyncIterator[Running]:
    """The Slack surface over the shipped briefs, talking to the fake Slack."""
    async for run in start_surface(make_services(BRIEFS, fake_slack.api_url), fake_slack):
        yield run
