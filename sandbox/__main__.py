"""Run the emulator standalone: python -m sandbox --port 8081 [--token ...] [--flood-limits]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.fake import FakeTelegram


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox",
                                     description="Local Telegram Bot API emulator (127.0.0.1).")
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--token", default="123456:TEST", help="the bot token to accept")
    parser.add_argument("--bot-username", default="gridbot_test_bot")
    parser.add_argument("--flood-limits", action="store_true",
                        help="answer 429 like Telegram when sending too fast")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every Bot API call")
    parser.add_argument("--group", action="append", default=[], metavar="ID:TITLE",
                        help="add a group the bot administers: --group=-1001000000001:Title "
                             "(use =, as the id starts with -)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Start the emulator and keep it running until cancelled."""
    fake = FakeTelegram(args.token, args.bot_username, flood_limits=args.flood_limits,
                        latency=args.latency, port=args.port)
    for spec in args.group:
        chat_id, _, title = spec.partition(":")
        fake.add_group(int(chat_id), title or chat_id, bot_is_admin=True)
    await fake.start()
    print(f"Telegram Bot API emulator on {fake.base_url} (token {fake.token}); "
          f"control endpoints under {fake.base_url}/_sandbox/. Ctrl-C stops it.", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point for `python -m sandbox`."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
