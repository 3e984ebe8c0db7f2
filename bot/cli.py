"""The `briefbot` command line: ask, validate, schema, and the commands later parts register."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import BriefbotError, write_out
from bot.ops.logs import configure_logging

if TYPE_CHECKING:
    from bot.answer import Answer

log = logging.getLogger("bot")

# Modules whose `register(subparsers)` adds subcommands (run, sync, digest, ingest); imported lazily.
COMMAND_MODULES: tuple[str, ...] = ("bot.run", "bot.adapters.discord_app.cli", "bot.digest.cli", "bot.ingest.cli")
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


def _briefs_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "briefs", None):
        return Path(args.briefs)
    if getattr(args, "config", None):
        from bot.config import load_config

        return load_config(args.config, secrets=False).briefs_dir  # analysts need none of the bot's secrets
    return Path("briefs")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per line from standard input."""
    from bot.adapters.console import render_text, run_console, run_questions
    from bot.adapters.terminal import split_questions, terminal_width, use_colour
    from bot.digest.questions import DigestQuestion, parse_digest
    from bot.index.store import BriefStore
    from bot.query import ask

    store = BriefStore(_briefs_dir(args), include_drafts=args.drafts)
    catalog = store.catalog
    questions = split_questions(args.question)
    if args.question and not questions:  # `ask ""` (an empty variable): the help, as an empty /brief gets
        questions = ["help"]

    def digests(question: DigestQuestion) -> Answer:
        # the digest commands' module (asyncio, ssl, zoneinfo: ~20 ms) is imported only when a digest is asked for
        from bot.digest.cli import console_digests

        return console_digests(args)(question)

    if len(questions) > 1 or (questions and questions[0].split(" ", 1)[0].lower().lstrip("/") == "report"):
        if args.out:
            print("briefbot: --out writes the picture of one question; it is ignored with several", file=sys.stderr)
        return run_questions(catalog, questions, file_of=store.file_of, digests=digests)
    if questions:
        digest = parse_digest(questions[0])
        answer = digests(digest) if digest else ask(catalog, questions[0])
        sys.stdout.write(render_text(answer, terminal_width(), use_colour(sys.stdout)))
        if args.out:
            from bot.adapters.console import save_attachment

            print(save_attachment(answer, Path(args.out)), file=sys.stderr)
        return 0 if answer.ok else 1
    return run_console(catalog, file_of=store.file_of, digests=digests)


def cmd_export(args: argparse.Namespace) -> int:
    """Export an answer (or every dialogue) as Markdown, CSV or JSON, to stdout or --out."""
    from bot.adapters.export import export
    from bot.index.store import BriefStore

    store = BriefStore(_briefs_dir(args), include_drafts=args.drafts)
    text, ok = export(store.catalog, " ".join(args.question), args.format, args.table)
    if args.out:
        write_out(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0 if ok else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Report every problem in every brief; exit 1 if there is any."""
    from bot.briefs.validate import validate_dir

    directory = Path(args.dir) if args.dir else _briefs_dir(args)
    result = validate_dir(directory)
    for error in result.errors:
        print(error)
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(result.summary(), file=sys.stderr if result.errors else sys.stdout)
    return 1 if result.errors else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print (or write) the JSON Schema of a brief or of the people registry."""
    from bot.briefs.models import Dialogue, PeopleRegistry, json_schema

    schema = json_schema(PeopleRegistry if args.people else Dialogue)
    text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        write_out(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return 0


def version() -> str:
    """Return the installed briefbot version (the package's own when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("briefbot")
    except PackageNotFoundError:
        from bot import __version__

        return __version__


class _VersionAction(argparse.Action):
    """`--version`: the version is looked up only when asked for (importlib.metadata costs every command ~20 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show program's version number and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"briefbot {version()}")
        parser.exit()


BUILTIN_COMMANDS = frozenset({"ask", "export", "validate", "schema", "health", "state"})


def build_parser(*, builtin_only: bool = False) -> argparse.ArgumentParser:
    """Return the argument parser of every briefbot command (builtin_only: without importing the others)."""
    parser = argparse.ArgumentParser(prog="briefbot", description="Briefings on Track-II dialogues.")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR (default WARNING)")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ask", help="answer a question offline, e.g. briefbot ask '/who Sohail Mahmood'")
    p.add_argument("question", nargs="*", help="the question; none = read one per line from stdin")
    p.add_argument("--briefs", help="briefs folder (default: from --config, else ./briefs)")
    p.add_argument("--config", help="config file to take briefs_dir from")
    p.add_argument("--drafts", action="store_true", help="include draft briefs in answers")
    p.add_argument("--out", help="write the answer's picture (e.g. of `network NAME`) to this PNG file")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("export", help="export an answer for a report, e.g. briefbot export --format md who Amina Khan")
    p.add_argument("question", nargs="*", help="any question (timeline, compare, who ...); none = every dialogue")
    p.add_argument("--format", choices=("md", "csv", "json"), default="md", help="Markdown (default), CSV or JSON")
    p.add_argument("--table", choices=("people", "positions"), default="people", help="CSV of every dialogue: which")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.add_argument("--briefs", help="briefs folder (default: from --config, else ./briefs)")
    p.add_argument("--config", help="config file to take briefs_dir from")
    p.add_argument("--drafts", action="store_true", help="include draft briefs")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("validate", help="check every brief and report every problem")
    p.add_argument("dir", nargs="?", help="briefs folder (default: from --config, else ./briefs)")
    p.add_argument("--config", help="config file to take briefs_dir from")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of a brief (for editors)")
    p.add_argument("--people", action="store_true", help="schema of briefs/people.yaml instead")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)

    from bot.ops.cli import register as register_ops  # light: health checks run it every 30 s

    register_ops(sub)
    if not builtin_only:
        for register in _extra_commands():
            register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """Return the subcommand named in argv (the first word that is not an option or an option's value)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--log-level":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _extra_commands() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    import importlib

    return [*EXTRA_COMMANDS, *(importlib.import_module(m).register for m in COMMAND_MODULES)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the briefbot command line."""
    words = list(sys.argv[1:] if argv is None else argv)
    # `briefbot ask` answers in well under a second: it need not import Discord, Slack and the scheduler
    parser = build_parser(builtin_only=_command_of(words) in BUILTIN_COMMANDS)
    args = parser.parse_args(words)
    level = (args.log_level or getattr(args, "default_log_level", None) or "WARNING").upper()
    configure_logging(level)
    try:
        code: int = args.func(args)
    except BriefbotError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
