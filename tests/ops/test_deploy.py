"""The deployment files: the systemd unit verifies, the Dockerfile and compose.yaml say what README says."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.config import BotConfig, HealthConfig, load_config
from bot.ops.cli import health_url
from bot.run import CLOSE_TIMEOUT_SECONDS

from ..conftest import ROOT
from .conftest import Deploy

UNIT = ROOT / "deploy" / "briefbot.service"
SURFACES = 3  # discord, slack, digests: each may take CLOSE_TIMEOUT_SECONDS to close on SIGTERM


def unit_settings(text: str) -> dict[str, list[str]]:
    """Return every Key=Value of a unit file (keys may repeat)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions (continuation lines joined) as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_unit_file_verifies(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit with no warning (ExecStart pointed at this venv's briefbot)."""
    briefbot = Path(sys.executable).parent / "briefbot"
    unit = tmp_path / "briefbot.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/briefbot/.venv/bin/briefbot", str(briefbot)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "briefbot.service" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_unit_restarts_and_outlasts_the_shutdown() -> None:
    """The unit restarts on failure (not after exit 2), runs as its own user with a state directory, and
    gives briefbot longer to stop than its own shutdown can take."""
    unit = unit_settings(UNIT.read_text(encoding="utf-8"))
    assert unit["Restart"] == ["on-failure"] and unit["RestartPreventExitStatus"] == ["2"]
    assert unit["User"] == ["briefbot"] and unit["StateDirectory"] == ["briefbot"]
    assert float(unit["TimeoutStopSec"][0].removesuffix("s")) > SURFACES * CLOSE_TIMEOUT_SECONDS
    assert unit["ExecStart"][0].startswith("/opt/briefbot/.venv/bin/briefbot run --config ")


def test_unit_reads_every_secret_from_a_credential() -> None:
    """Each *_FILE the unit sets names a systemd credential it loads."""
    unit = unit_settings(UNIT.read_text(encoding="utf-8"))
    loaded = {value.split(":", 1)[0] for value in unit["LoadCredential"]}
    files = dict(value.split("=", 1) for value in unit["Environment"] if "_FILE=" in value)
    assert {path.removeprefix("%d/") for path in files.values()} == loaded
    assert set(files) == {"DISCORD_TOKEN_FILE", "SLACK_BOT_TOKEN_FILE", "SLACK_SIGNING_SECRET_FILE"}


def test_dockerfile_is_slim_non_root_and_installs_as_readme_does() -> None:
    """Slim base, README's install command, a non-root USER before the entry point."""
    steps = dockerfile_instructions()
    assert steps[0][0] == "FROM" and steps[0][1].endswith("-slim")
    install = re.search(r"python3 -m venv \.venv && \.venv/bin/pip install -q -e \.", (ROOT / "README.md").read_text())
    assert install is not None
    assert any(op == "RUN" and install.group(0) in args for op, args in steps)
    users = [args for op, args in steps if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert json.loads(dict(steps)["ENTRYPOINT"]) == ["briefbot"]


async def test_dockerfile_healthcheck_runs_against_a_bot(deploy: Deploy, tmp_path: Path) -> None:
    """The HEALTHCHECK command, run as written (the config path swapped for the test's), passes on a running bot."""
    healthcheck = dict(dockerfile_instructions())["HEALTHCHECK"]
    command = json.loads(healthcheck.split("CMD", 1)[1])
    assert command[:2] == ["briefbot", "health"]
    argv = [str(tmp_path / "config.yaml") if arg == "/config/config.yaml" else arg for arg in command[1:]]
    bot = await deploy()
    assert await asyncio.to_thread(main, argv) == 0
    await bot.finish()
    assert await asyncio.to_thread(main, argv) == 1  # stopped: the container would turn unhealthy


def test_container_command_runs_the_container_config() -> None:
    """ENTRYPOINT + CMD is `briefbot run --config /config/config.yaml`, the file compose.yaml mounts."""
    steps = dict(dockerfile_instructions())
    command = json.loads(steps["ENTRYPOINT"]) + json.loads(steps["CMD"])
    assert command == ["briefbot", "run", "--config", "/config/config.yaml"]
    mounts = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["briefbot"]["volumes"]
    assert "./deploy/config.container.yaml:/config/config.yaml:ro" in mounts


def test_compose_mounts_briefs_read_only_and_state_on_a_volume() -> None:
    """compose.yaml mounts the briefs read-only where the container config reads them, and the state on a volume."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["briefbot"]
    config = yaml.safe_load((ROOT / "deploy" / "config.container.yaml").read_text())
    mounts = {m.split(":")[1]: m for m in service["volumes"]}
    assert mounts[config["briefs_dir"]].endswith(":ro")
    state_dir = str(Path(config["state_path"]).parent)
    volume = mounts[state_dir].split(":")[0]
    assert volume in compose["volumes"]
    assert service.get("deploy", {}).get("replicas", 1) == 1
    grace = float(service["stop_grace_period"].removesuffix("s"))
    assert grace > SURFACES * CLOSE_TIMEOUT_SECONDS


def test_compose_gives_every_secret_as_a_file(tmp_path: Path) -> None:
    """Every ${NAME} of the container config is given to compose as NAME_FILE from a secret, and the config loads."""
    text = (ROOT / "deploy" / "config.container.yaml").read_text()
    names = {m for m in re.findall(r"^[^#\n]*\$\{(\w+)\}", text, flags=re.M)}
    service = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["briefbot"]
    env = service["environment"]
    assert {f"{n}_FILE" for n in names} == set(env)
    assert {Path(path).name for path in env.values()} == set(service["secrets"])
    files = {}
    for name in names:
        secret = tmp_path / name
        secret.write_text(f"value-of-{name}\n", encoding="utf-8")
        files[f"{name}_FILE"] = str(secret)
    config = load_config(ROOT / "deploy" / "config.container.yaml", env=files)
    assert config.discord is not None and config.discord.token.get_secret_value() == "value-of-DISCORD_TOKEN"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080/healthz"),
        ("::", "http://[::1]:8080/healthz"),
        ("10.1.2.3", "http://10.1.2.3:8080/healthz"),
    ],
)
def test_health_check_url_of_a_wildcard_host(host: str, url: str) -> None:
    """A health endpoint listening on every interface (as in the container) is checked over loopback."""
    config = BotConfig(health=HealthConfig(host=host, port=8080))
    assert health_url(config, ready=False) == url
