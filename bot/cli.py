"""The `gridbot` command: run, demo, import-structure, parse, db, export."""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from bot import loop
from bot.cli_errors import guarded
from bot.config import Settings, problems
from bot.logs import configure


def _database_ok(settings: Settings, **needs: bool) -> bool:
    """Run the one database check; print its one or two lines when something is wrong."""
    from bot.db_check import database_problem
    problem = asyncio.run(database_problem(settings, **needs))
    if problem is not None:
        print(problem, file=sys.stderr)
    return problem is None


def _run(args: argparse.Namespace) -> int:
    settings = Settings(**({"framework": args.framework} if args.framework else {}))
    if settings.webhook_url and not settings.webhook_secret:
        print("WEBHOOK_URL is set but WEBHOOK_SECRET is not: choose 1-256 characters of "
              "A-Z, a-z, 0-9, _ and -.", file=sys.stderr)
        return 2
    if not settings.has_token:
        print("gridbot run needs a bot token.\n"
              "  1. Talk to @BotFather in Telegram, create a bot, copy its token.\n"
              "  2. Put it in .env as BOT_TOKEN=123456:ABC... (see .env.example), or export it.\n"
              "  3. Load your community: gridbot import-structure examples/community.yaml\n"
              "  4. Run gridbot run again.\n"
              "No token yet? `gridbot demo` shows the whole bot working against a local "
              "Telegram emulator.", file=sys.stderr)
        return 2
    if not _database_ok(settings, may_create=settings.migrate_on_start):
        return 1
    from bot.runner import run_forever
    return loop.run(run_forever(settings))


def _demo(args: argparse.Namespace) -> int:
    if args.transcript:
        from bot.demo import play
        return loop.run(play(database=args.database, keep_running=args.keep_running))
    from bot.simulator import serve
    try:
        return loop.run(serve(database=args.database, port=args.port,
                              browser=not args.no_browser))
    except KeyboardInterrupt:
        return 0


def _import(args: argparse.Namespace) -> int:
    from bot.structure_cli import import_file
    settings = Settings()
    if not _database_ok(settings, may_create=settings.migrate_on_start,
                        needs_tables=not settings.migrate_on_start):
        return 1
    return asyncio.run(import_file(settings, Path(args.file)))


def _parse(args: argparse.Namespace) -> int:
    from services.intake import parse_report
    texts = args.text or [line.strip() for line in sys.stdin if line.strip()]
    for text in texts:
        print(json.dumps({"text": text, **parse_report(text).as_dict()}, ensure_ascii=False))
    return 0


def _db(args: argparse.Namespace) -> int:
    from alembic.util import CommandError
    from sqlalchemy import make_url

    from bot import migrate

    settings = Settings()
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    if not _database_ok(settings, may_create=args.db_command in ("upgrade", "stamp")):
        return 1
    try:
        if args.db_command == "upgrade":
            asyncio.run(migrate.upgrade(url, args.revision))
            print(f"{shown}: at revision {asyncio.run(migrate.current(url))}")
        elif args.db_command == "stamp":
            asyncio.run(migrate.stamp(url, args.revision))
            print(f"{shown}: stamped at revision {asyncio.run(migrate.current(url))}")
        elif args.db_command == "current":
            rev, head = asyncio.run(migrate.current(url)), migrate.head_revision()
            if rev == head:
                print(f"{shown}: {rev} (head)")
            else:
                print(f"{shown}: {rev or 'no revision'}; head is {head}, "
                      "run `gridbot db upgrade`", file=sys.stderr)
                return 1
        else:
            paths = asyncio.run(migrate.revision(url, args.message,
                                                 autogenerate=args.autogenerate))
            for path in paths:
                print(f"wrote {path}: review it, then run `gridbot db upgrade`")
            if not paths:
                print("the models match the database: no revision written")
    except CommandError as exc:
        print(f"gridbot db {args.db_command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _add_db_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    db = sub.add_parser("db", help="database migrations (DATABASE_URL from .env or environment)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate the database to a revision (the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    db_sub.add_parser("current", help="show the database's revision and the newest one")
    stamp = db_sub.add_parser("stamp", help="mark a database made without migrations as migrated")
    stamp.add_argument("revision", nargs="?", default="head")
    revision = db_sub.add_parser("revision", help="developers: write a new migration script")
    revision.add_argument("-m", "--message", required=True, help="what the change is")
    revision.add_argument("--autogenerate", action="store_true",
                          help="compare the models with the database (which must be at head)")
    db.set_defaults(func=_db)


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(prog="gridbot", description="网格助手 gridbot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling, or a webhook when WEBHOOK_URL "
                                     "is set) with the token from .env")
    run.add_argument("--framework", choices=["aiogram", "ptb"],
                     help="the Telegram library (default: FRAMEWORK from .env, else aiogram)")
    run.set_defaults(func=_run)
    demo = sub.add_parser("demo", help="try the bot in the browser: a chat-app simulator on a "
                                       "local Telegram emulator (no token, no internet)")
    demo.add_argument("--port", type=int, default=8088,
                      help="port of the simulator page on 127.0.0.1 (default 8088; a free one "
                           "if taken)")
    demo.add_argument("--no-browser", action="store_true",
                      help="only print the page's address (on a desktop it opens by itself)")
    demo.add_argument("--transcript", action="store_true",
                      help="instead: play a scripted repair case and print the transcript")
    demo.add_argument("--database", default="data/demo.db", help="SQLite file for the demo")
    demo.add_argument("--keep-running", action="store_true",
                      help="with --transcript: keep the emulator and bot running afterwards")
    demo.set_defaults(func=_demo)
    imp = sub.add_parser("import-structure", help="load or update communities, grids and staff")
    imp.add_argument("file")
    imp.set_defaults(func=_import)
    parse = sub.add_parser("parse", help="show how texts are understood (kind, address)")
    parse.add_argument("text", nargs="*", help="texts; read lines from stdin when none")
    parse.set_defaults(func=_parse)
    _add_db_commands(sub)
    from bot.export_cli import add_export_command
    add_export_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:  # checked once, before anything starts
        print(f"gridbot: a setting cannot be used (see .env.example):\n{problems(error)}",
              file=sys.stderr)
        return 2
    configure(settings.log_level, settings.log_format)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return guarded(args.command, lambda: int(args.func(args) or 0), settings.database_url)


if __name__ == "__main__":
    sys.exit(main())
