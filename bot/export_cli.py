"""`gridbot export`: a community's monthly ledger (台账) as an Excel workbook or CSV file."""

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.db import make_engine, make_sessions
from bot.db_check import database_problem
from handlers.texts import Texts
from services import ledger
from services.clock import SystemClock
from services.staff import community_by_code


async def export_ledger(settings: Settings, args: argparse.Namespace) -> int:
    """Write the ledger file; report what was written, or why not."""
    month = ledger.parse_month(args.month)
    if month is None:
        print(f"--month: write a month such as 2026-11, not {args.month!r}", file=sys.stderr)
        return 2
    kinds = tuple(args.kind or ledger.KINDS)
    unknown = [k for k in kinds if k not in ledger.KINDS]
    if unknown:
        print(f"--kind: unknown {', '.join(unknown)}; choose from {', '.join(ledger.KINDS)}",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    fmt = "csv" if args.csv or out.suffix.lower() == ".csv" else "xlsx"
    problem = await database_problem(settings, needs_tables=True)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    texts, tz = Texts(settings.locale), settings.timezone
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            community = await community_by_code(session, args.community)
            if community is None:
                print(f"--community: no community with code {args.community!r}",
                      file=sys.stderr)
                return 1
            book = await ledger.collect(session, community=community, month=month, kinds=kinds,
                                        policy=settings.deadlines,
                                        now=SystemClock().now(), tz=tz, label=texts)
    finally:
        await engine.dispose()
    content = (ledger.csv_bytes if fmt == "csv" else ledger.workbook_bytes)(book, texts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"wrote {out}: {len(book.rows)} cases of {community.name}, {month:%Y-%m} ({fmt})")
    return 0


def add_export_command(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `gridbot export` on the CLI."""
    export = sub.add_parser("export", help="write a community's monthly ledger (Excel or CSV)")
    export.add_argument("--community", required=True, help="community code, e.g. yulan")
    export.add_argument("--month", required=True, help="month, e.g. 2026-11")
    export.add_argument("--kind", action="append", choices=list(ledger.KINDS),
                        help="only this kind (repeat for several); default: all")
    export.add_argument("--csv", action="store_true", help="CSV instead of Excel")
    export.add_argument("out", help="file to write, e.g. ledger-2026-11.xlsx")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    return asyncio.run(export_ledger(Settings(), args))
