"""The offline console end to end, as a subprocess: one question, batch from a pipe, unknown commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..conftest import BRIEFS_DIR


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_single_question() -> None:
    """`briefbot ask "/who Sohail Mahmood"` prints his profile and sources, exit 0."""
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), "/who Sohail Mahmood")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Ambassador Sohail Mahmood")
    assert "Sources:" in done.stdout and "issi-ipis-annual-dialogue" in done.stdout


def test_batch_from_pipe() -> None:
    """With no question, each stdin line is answered in turn, without a prompt."""
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), stdin="dialogue latest\n\nwho Mahmood\nsession Afghanistan\n")
    assert done.returncode == 0, done.stderr
    titles = [line for line in done.stdout.splitlines() if line.startswith("# ")]
    assert titles == [
        "# Latest: Iran-Pakistan Relations in the Context of New Regional Developments",
        "# 2 people match “Mahmood”",
        "# Sessions on Afghanistan",
    ]
    assert "> " not in done.stdout


def test_unknown_command_exits_non_zero() -> None:
    """An unknown command alone is a helpful message and exit 1."""
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), "/frobnicate now")
    assert done.returncode == 1
    assert "Unknown question" in done.stdout and "who <name>" in done.stdout
    assert "Traceback" not in done.stderr


def test_missing_briefs_folder_is_a_clear_error(tmp_path: object) -> None:
    """A briefs folder that does not exist is a one-line error, exit 2."""
    done = run_cli("ask", "--briefs", "/nonexistent/briefs", "help")
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_validate_command_clean() -> None:
    """`briefbot validate briefs` exits 0 with a summary."""
    done = run_cli("validate", str(BRIEFS_DIR))
    assert done.returncode == 0
    assert done.stdout.startswith("OK: 2 brief(s) valid")


def test_schema_command_is_json_schema() -> None:
    """`briefbot schema` prints a JSON Schema naming the brief's keys."""
    done = run_cli("schema")
    schema = json.loads(done.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"id", "title", "date", "participants", "sources"} <= set(schema["properties"])


def test_interactive_prompt_on_a_terminal() -> None:
    """On a terminal, the console shows a prompt and answers each line until end of input."""
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--briefs", str(BRIEFS_DIR)],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(follower)
    os.write(leader, b"who Amina Khan\n\x04")
    out, err = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0, err
    assert out.startswith("briefbot — ask a question")
    assert "# Ms. Amina Khan" in out and "\n> " in out


def test_compare_prints_two_blocks() -> None:
    """`compare` prints one block per side, each under its own title."""
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), "compare Afghanistan Pakistan vs Iran")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("=== Pakistan ===") < out.index("=== Iran ===") < out.index("Sources:")


def test_network_out_writes_the_picture(tmp_path: Path) -> None:
    """`ask --out FILE.png "network NAME"` prints the text answer and writes the PNG."""
    target = tmp_path / "amina.png"
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), "--out", str(target), "network Amina Khan")
    assert done.returncode == 0, done.stderr
    assert "## Sohail Mahmood" in done.stdout and "Shared dialogues: 2" in done.stdout
    assert target.read_bytes().startswith(b"\x89PNG") and "picture written" in done.stderr


def test_out_to_a_missing_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """`ask --out` into a folder that does not exist says it cannot write the file (exit 2), without a traceback."""
    target = tmp_path / "missing" / "amina.png"
    done = run_cli("ask", "--briefs", str(BRIEFS_DIR), "--out", str(target), "network Amina Khan")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"briefbot: cannot write {target}: No such file or directory" in done.stderr
