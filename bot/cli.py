"""The `gridbot` command: run, demo, import-structure, parse."""

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.config import Settings


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.has_token:
        print("gridbot run needs a bot token.\n"
              "  1. Talk to @BotFather in Telegram, create a bot, copy its token.\n"
              "  2. Put it in .env as BOT_TOKEN=123456:ABC... (see .env.example), or export it.\n"
              "  3. Load your community: gridbot import-structure examples/community.yaml\n"
              "  4. Run gridbot run again.\n"
              "No token yet? `gridbot demo` shows the whole bot working against a local "
              "Telegram emulator.", file=sys.stderr)
        return 2
    from bot.runner import run_forever
    return asyncio.run(run_forever(settings))


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import play
    return asyncio.run(play(database=args.database, keep_running=args.keep_running))


def _import(args: argparse.Namespace) -> int:
    from bot.structure_cli import import_file
    return asyncio.run(import_file(Settings(), Path(args.file)))


def _parse(args: argparse.Namespace) -> int:
    from services.intake import parse_report
    texts = args.text or [line.strip() for line in sys.stdin if line.strip()]
    for text in texts:
        print(json.dumps({"text": text, **parse_report(text).as_dict()}, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(prog="gridbot", description="网格助手 gridbot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling) with the token from .env")
    run.set_defaults(func=_run)
    demo = sub.add_parser("demo", help="play a full repair case against a local Telegram emulator")
    demo.add_argument("--database", default="data/demo.db", help="SQLite file for the demo")
    demo.add_argument("--keep-running", action="store_true",
                      help="keep the emulator and bot running after the script")
    demo.set_defaults(func=_demo)
    imp = sub.add_parser("import-structure", help="load or update communities, grids and staff")
    imp.add_argument("file")
    imp.set_defaults(func=_import)
    parse = sub.add_parser("parse", help="show how texts are understood (kind, address)")
    parse.add_argument("text", nargs="*", help="texts; read lines from stdin when none")
    parse.set_defaults(func=_parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=Settings().log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
