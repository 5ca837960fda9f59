"""One measured run: the emulator, a bot process (ours or the echo bot), the load, the figures."""

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import database
from bench.community import Community
from bench.load import Driver, Stats, drive, echo_case, gridbot_case, warm_up
from bench.observe import Observer
from bench.processes import peak_rss_mb, start_echo, start_gridbot, stop
from sandbox import FakeTelegram

TOKEN = "654321:BENCH"


@dataclass
class RunSpec:
    """What to run and under which conditions."""

    bot: str  # "gridbot" or "echo"
    cases: int
    latency_ms: float = 0.0
    rate: float | None = None  # updates a second; None = as fast as the bot answers
    flood: bool = False
    seed_cases: int = 0  # old cases put in the database before the run
    profile: Path | None = None
    timeout: float = 60.0
    framework: str = "aiogram"  # our bot's Telegram library


@dataclass
class RunResult:
    """What one run measured."""

    spec: RunSpec
    stats: Stats
    peak_rss_mb: float = 0.0
    db_growth_bytes: int = 0
    db_bytes: int = 0
    outcome: database.Outcome | None = None
    sends: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    rejections: list[str] = field(default_factory=list)
    seed_seconds: float = 0.0


async def measure(spec: RunSpec, community: Community, texts: list[str], *, workdir: Path,
                  database_url: str | None) -> RunResult:
    """Run the load against a freshly started bot and collect the figures."""
    fake = FakeTelegram(token=TOKEN, bot_username="bench_grid_bot", flood_limits=spec.flood,
                        latency=spec.latency_ms / 1000)
    await fake.start()
    observer = Observer(fake)
    url = database_url or database.sqlite_url(workdir / f"{spec.bot}.db")
    result = RunResult(spec, Stats())
    log = workdir / (f"{spec.bot}-{spec.framework}-{int(spec.latency_ms)}ms"
                     f"{'-flood' if spec.flood else ''}{'-seeded' if spec.seed_cases else ''}.log")
    try:
        if spec.bot == "gridbot":
            await database.fresh_database(url, community.yaml())
            if spec.seed_cases:
                began = time.perf_counter()
                await database.seed_cases(url, spec.seed_cases)
                result.seed_seconds = time.perf_counter() - began
            before = await database.size_bytes(url)
            process = await start_gridbot(fake.base_url, TOKEN, url, log, flood=spec.flood,
                                          profile=spec.profile, framework=spec.framework)
        else:
            process = await start_echo(fake.base_url, TOKEN, log)
        try:
            await asyncio.wait_for(observer.polled.wait(), 120)
            driver = Driver(fake, observer, community, rate=spec.rate, timeout=spec.timeout)
            await warm_up(driver)
            script = gridbot_case if spec.bot == "gridbot" else echo_case
            result.stats = await drive(driver, script, cases=spec.cases, texts=texts)
            if spec.bot == "gridbot":
                await _quiet(fake, url, 120 if spec.flood else 30)
            result.peak_rss_mb = peak_rss_mb(process.pid)
        finally:
            await stop(process, timeout=300 if spec.profile else 20)
        if spec.bot == "gridbot":
            result.db_bytes = await database.size_bytes(url)
            result.db_growth_bytes = result.db_bytes - before
            result.outcome = await database.outcome(url)
        result.sends = dict(observer.counts)
        result.throttled = len(fake.throttled)
        result.rejections = [f"{m}: {d}" for m, _, d in fake.rejections]
    finally:
        await fake.stop()
    return result


async def _quiet(fake: FakeTelegram, url: str, timeout: float) -> None:
    """Wait until the bot has taken every update and sent every queued message."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if fake.pending_updates() == 0 and (await database.outcome(url)).pending == 0:
            return
        await asyncio.sleep(0.25)
