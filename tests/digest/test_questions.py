"""Digest questions: one grammar, parsed in the core; the same checks and answers on every surface."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Answer, AnswerKind
from bot.cli import main
from bot.digest.questions import DigestQuestion, answer_digest, parse_digest
from bot.services import DigestStatus, TargetStatus
from tests.digest.fakes import FakePlatforms, write_briefs, write_config


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("digest preview weekly", DigestQuestion("preview", "weekly")),
        ("/brief digests NOW weekly", DigestQuestion("now", "weekly")),
        ("digest status", DigestQuestion("status", "")),
        ("digest", DigestQuestion("")),
        ("digest bogus weekly", DigestQuestion("")),
        ("who Omid Karimi", None),
    ],
)
def test_parse_digest(text: str, parsed: DigestQuestion | None) -> None:
    """`digest [preview|now|status] [NAME]`, with the chat prefixes; anything else is no digest question."""
    assert parse_digest(text) == parsed


class Runner:
    """A DigestRunner over one digest, recording what was posted."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def names(self) -> list[str]:
        """Return the digest names."""
        return ["weekly"]

    def preview(self, name: str) -> Answer:
        """Return a fixed preview."""
        return Answer(AnswerKind.DIGEST, f"Digest {name}")

    async def run_now(self, name: str) -> Answer:
        """Record the run."""
        self.ran.append(name)
        return Answer(AnswerKind.DIGEST, f"Posted {name}")

    def status(self) -> list[DigestStatus]:
        """Return one digest with one target."""
        target = TargetStatus("slack_channel:C1", None, None, None, None, 3, 0)
        return [DigestStatus("weekly", "0 9 * * mon", "UTC", None, None, None, (target,))]


async def test_without_digests_says_so() -> None:
    """With no digest runner, every digest question says none are configured."""
    answer = await answer_digest(None, DigestQuestion("preview", "weekly"), admin=True)
    assert not answer.ok and "No digests are configured" in (answer.intro or "")


async def test_now_is_for_admins_only() -> None:
    """`digest now` by a non-admin posts nothing and says why."""
    runner = Runner()
    answer = await answer_digest(runner, DigestQuestion("now", "weekly"), admin=False)
    assert runner.ran == [] and answer.title == "Admins only"
    assert (await answer_digest(runner, DigestQuestion("now", "weekly"), admin=True)).title == "Posted weekly"


async def test_unknown_digest_offers_the_configured_ones() -> None:
    """A name that is no digest gets the configured ones as choices."""
    answer = await answer_digest(Runner(), DigestQuestion("preview", "monthly"), admin=True)
    assert answer.title == "No such digest" and [c.question for c in answer.choices] == ["digest preview weekly"]


async def test_status_lists_each_target() -> None:
    """`digest status` shows each digest with one line per target."""
    answer = await answer_digest(Runner(), DigestQuestion("status"), admin=False)
    assert answer.items[0].heading == "weekly"
    assert answer.items[0].bullets == ("slack_channel:C1: enabled; last nothing delivered yet; 3 brief(s) delivered",)


def test_console_answers_digest_questions(
    fake: FakePlatforms, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`briefbot ask --config CONFIG 'digest status'` answers from the config's digests, on the console."""
    write_briefs(tmp_path / "briefs", 2)
    config = write_config(tmp_path / "config.yaml", fake, [{"slack_channel": "C111"}])
    assert main(["ask", "--config", str(config), "digest status weekly"]) == 0
    out = capsys.readouterr().out
    assert "weekly" in out and "slack_channel:C111: enabled" in out


def test_console_without_config_has_no_digests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a config the console says no digests are configured, and exits 1."""
    write_briefs(tmp_path / "briefs", 1)
    assert main(["ask", "--briefs", str(tmp_path / "briefs"), "digest preview weekly"]) == 1
    assert "No digests are configured" in capsys.readouterr().out
