"""What the Slack surface counts: questions per command and failed answers."""

from __future__ import annotations

from pathlib import Path

from bot.ops.metrics import Metrics
from tests.adapters.slack_app.helpers import FakeSlack, Running, make_services, start_surface


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """Return one sample of a metrics registry (0 when never observed)."""
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_question_counted_by_command(running: Running) -> None:
    """`/who NAME` counts once under platform slack, command who."""
    await running.command("/who", "Sohail Mahmood")
    await running.fake.next_post()
    metrics = running.services.metrics
    assert sample(metrics, "briefbot_questions_total", platform="slack", command="who") == 1
    assert sample(metrics, "briefbot_questions_total", platform="slack", command="dialogue") == 0


async def test_failed_answer_counted_as_error(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """A question that fails (the briefs folder is gone) counts one error; the user got the apology."""
    async for run in start_surface(make_services(tmp_path / "gone", fake_slack.api_url), fake_slack):
        await run.command("/brief", "who Sohail Mahmood")
        await fake_slack.next_post()
        assert sample(run.services.metrics, "briefbot_errors_total", platform="slack") == 1
