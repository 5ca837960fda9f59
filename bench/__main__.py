"""`python -m bench` (`make bench`): the real bot and a bare aiogram echo bot under the same load
on the local Bot API emulator; prints throughput, latency, memory and database size."""

import argparse
import asyncio
import logging
import platform
import sys
import tempfile
from itertools import islice
from pathlib import Path

from bench import hotpaths, intake
from bench.community import build_community, report_stream
from bench.report import Report
from bench.runs import RunSpec, measure


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--chats", type=int, default=200, help="residents' group chats (200)")
    p.add_argument("--cases", type=int, default=200,
                   help="full-lifecycle cases per throughput run, 8 updates each (200)")
    p.add_argument("--latency-ms", type=float, action="append",
                   help="added to every Bot API call; repeat for several runs (0 and 20)")
    p.add_argument("--reports", type=int, default=1000,
                   help="reports in each reports-only run: burst, 20/s and 50/s (1000)")
    p.add_argument("--report-runs", default="burst,20,50",
                   help="which reports-only runs: burst and/or rates a second (burst,20,50)")
    p.add_argument("--rate", type=float, default=50.0,
                   help="updates a second in the latency run (50)")
    p.add_argument("--duration", type=float, default=20.0,
                   help="seconds of the latency run at --rate (20)")
    p.add_argument("--flood-cases", type=int, default=100,
                   help="cases in the run with Telegram's flood limits on (100)")
    p.add_argument("--seed-cases", type=int, default=100_000,
                   help="old cases in the database for the memory run (100000)")
    p.add_argument("--postgres", metavar="URL",
                   help="PostgreSQL instead of SQLite (postgresql+asyncpg://...); the bench "
                        "drops and recreates everything in that database")
    p.add_argument("--only", action="append",
                   choices=["intake", "hotpaths", "reports", "throughput", "latency", "flood",
                            "memory"],
                   help="run only these parts (repeatable; default: all)")
    p.add_argument("--profile", metavar="FILE",
                   help="profile our bot in the first throughput run (or the latency run when "
                        "throughput is not measured): FILE.pstats with cProfile, else pyinstrument")
    p.add_argument("--quick", action="store_true",
                   help="a short run (20 chats, few cases, 10,000 seeded cases) in ~2 minutes")
    p.add_argument("--workdir", help="where databases and bot logs go (a temporary folder)")
    return p


def quicken(args: argparse.Namespace, argv: list[str]) -> None:
    """Shrink every part for --quick (explicit options still win)."""
    given = {a.split("=")[0] for a in argv}
    small = {"--chats": ("chats", 20), "--cases": ("cases", 60), "--duration": ("duration", 5.0),
             "--flood-cases": ("flood_cases", 20), "--seed-cases": ("seed_cases", 10_000)}
    for flag, (name, value) in small.items():
        if flag not in given:
            setattr(args, name, value)


async def run(args: argparse.Namespace) -> Report:
    """Run the parts asked for and collect the figures."""
    parts = set(args.only or ["intake", "hotpaths", "reports", "throughput", "latency", "flood",
                              "memory"])
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gridbot-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    community = build_community(args.chats)
    stream = report_stream()

    def texts(n: int) -> list[str]:
        return list(islice(stream, n))

    report = Report(args=vars(args), workdir=workdir)
    report.machine()
    if "intake" in parts:  # the classifier on the corpus's test part (README, "Intake")
        print("\nintake classifier:\n" + "\n".join(intake.report()))
    if "hotpaths" in parts:
        report.hotpaths = await hotpaths.measure(quick=args.quick)
        report.print_hotpaths()
    if "reports" in parts:  # issue 19: reports only, as the peers were measured
        runs = [("burst", None) if r == "burst" else (f"{float(r):.0f}/s", float(r))
                for r in args.report_runs.split(",")]
        for label, rate in runs:
            for bot in ("gridbot", "echo") if rate is None else ("gridbot",):
                profile = (Path(args.profile) if args.profile and bot == "gridbot"
                           and label == "20/s" else None)
                spec = RunSpec(bot, args.reports, rate=rate, reports_only=True, profile=profile)
                report.add_reports(label, await measure(spec, community, texts(args.reports),
                                                        workdir=workdir,
                                                        database_url=args.postgres))
    for latency in (args.latency_ms or [0.0, 20.0]) if "throughput" in parts else []:
        for bot in ("gridbot", "echo"):
            profile = (Path(args.profile) if args.profile and bot == "gridbot"
                       and not report.throughput and "reports" not in parts else None)
            spec = RunSpec(bot, args.cases, latency_ms=latency, profile=profile)
            result = await measure(spec, community, texts(args.cases), workdir=workdir,
                                   database_url=args.postgres)
            report.add_throughput(result)
            if bot == "gridbot" and latency == (args.latency_ms or [0.0])[0]:
                report.print_statements(result)
    if "latency" in parts:
        cases = max(1, int(args.rate * args.duration / 8))
        profile = (Path(args.profile) if args.profile and not parts & {"throughput", "reports"}
                   else None)
        spec = RunSpec("gridbot", cases, rate=args.rate, profile=profile)
        report.add_paced(await measure(spec, community, texts(cases), workdir=workdir,
                                       database_url=args.postgres))
    if "flood" in parts:
        spec = RunSpec("gridbot", args.flood_cases, flood=True, timeout=300)
        report.add_flood(await measure(spec, community, texts(args.flood_cases),
                                       workdir=workdir, database_url=args.postgres))
    if "memory" in parts:
        cases = min(args.cases, 100)
        for framework in ("aiogram", "ptb"):  # aiogram's types alone take ~150 MB
            spec = RunSpec("gridbot", cases, seed_cases=args.seed_cases, framework=framework)
            report.add_memory(await measure(spec, community, texts(cases), workdir=workdir,
                                            database_url=args.postgres))
    report.print_summary()
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    if args.quick:
        quicken(args, sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(run(args))
    print(f"\n{platform.python_implementation()} {platform.python_version()}; "
          f"bot logs and databases in {report.workdir}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
