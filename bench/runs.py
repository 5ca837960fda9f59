"""One measured run: the emulator, a bot process (ours or the echo bot), the load, the figures."""

import asyncio
import gc
import json
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import database
from bench.community import Community
from bench.load import (
    Driver,
    Stats,
    drive,
    echo_case,
    echo_report,
    gridbot_case,
    report_case,
    warm_up,
)
from bench.observe import Observer
from bench.processes import cpu_seconds, peak_rss_mb, start_echo, start_gridbot, stop
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
    reports_only: bool = False  # one report per script (up to the card), not the whole case


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
    cpu_s: float = 0.0  # the bot process's CPU time during the load (until all was sent)
    server_cpu_s: float = 0.0  # PostgreSQL's backends serving the bot, the same span
    sql: dict[str, dict[str, int]] = field(default_factory=dict)  # bot/sqlcount.py's counts

    @property
    def cpu_per_update_ms(self) -> float:
        """The bot's CPU per update (per report in a reports-only run), in ms."""
        return self.cpu_s / self.stats.updates * 1000 if self.stats.updates else 0.0

    @property
    def server_cpu_per_update_ms(self) -> float:
        """PostgreSQL's CPU per update, in ms."""
        return self.server_cpu_s / self.stats.updates * 1000 if self.stats.updates else 0.0


async def measure(spec: RunSpec, community: Community, texts: list[str], *, workdir: Path,
                  database_url: str | None) -> RunResult:
    """Run the load against a freshly started bot and collect the figures."""
    fake = FakeTelegram(token=TOKEN, bot_username="bench_grid_bot", flood_limits=spec.flood,
                        latency=spec.latency_ms / 1000)
    await fake.start()
    observer = Observer(fake)
    url = database_url or database.sqlite_url(workdir / f"{spec.bot}.db")
    result = RunResult(spec, Stats())
    name = (f"{spec.bot}-{spec.framework}-{int(spec.latency_ms)}ms"
            f"{'-flood' if spec.flood else ''}{'-seeded' if spec.seed_cases else ''}"
            f"{'-reports' if spec.reports_only else ''}{f'-{spec.rate:.0f}s' if spec.rate else ''}")
    log, counts = workdir / f"{name}.log", workdir / f"{name}-sql.json"
    try:
        if spec.bot == "gridbot":
            await database.fresh_database(url, community.yaml())
            if spec.seed_cases:
                began = time.perf_counter()
                await database.seed_cases(url, spec.seed_cases)
                result.seed_seconds = time.perf_counter() - began
            before = await database.size_bytes(url)
            process = await start_gridbot(fake.base_url, TOKEN, url, log, flood=spec.flood,
                                          profile=spec.profile, framework=spec.framework,
                                          sql_counts=counts)
        else:
            process = await start_echo(fake.base_url, TOKEN, log)
        try:
            await asyncio.wait_for(observer.polled.wait(), 120)
            driver = Driver(fake, observer, community, rate=spec.rate, timeout=spec.timeout)
            await warm_up(driver)
            if spec.bot == "gridbot":
                await _quiet(fake, url, 30)
                process.send_signal(signal.SIGUSR1)  # the counts start after the warm-up
            scripts = {("gridbot", False): gridbot_case, ("echo", False): echo_case,
                       ("gridbot", True): report_case, ("echo", True): echo_report}
            # The load generator's own full collections walked everything this process holds
            # (the community, the emulator's chats and messages, earlier runs' leftovers) and
            # stalled the emulator 50-200 ms in the middle of a run, which showed as the bot's
            # latency. What exists now is frozen out of them, for either bot.
            gc.collect()
            gc.freeze()
            cpu, server = cpu_seconds(process.pid), await database.server_cpu(url)
            try:
                result.stats = await drive(driver, scripts[(spec.bot, spec.reports_only)],
                                           cases=spec.cases, texts=texts)
            finally:
                gc.unfreeze()
            if spec.bot == "gridbot":
                await _quiet(fake, url, 120 if spec.flood else 30)
            result.cpu_s = cpu_seconds(process.pid) - cpu
            result.server_cpu_s = _spent(await database.server_cpu(url), server)
            result.peak_rss_mb = peak_rss_mb(process.pid)
            if spec.bot == "gridbot":
                result.sql = await _counts(process, counts)
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


def _spent(after: dict[int, float], before: dict[int, float]) -> float:
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


async def _counts(process: asyncio.subprocess.Process, path: Path) -> dict[str, dict[str, int]]:
    """Ask the bot for its statement counts (SIGUSR1 writes them) and read them."""
    path.unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    for _ in range(100):
        await asyncio.sleep(0.05)
        try:
            data: dict[str, dict[str, int]] = json.loads(path.read_text())
            return data
        except (OSError, ValueError):
            continue
    return {}


async def _quiet(fake: FakeTelegram, url: str, timeout: float) -> None:
    """Wait until the bot has taken every update and sent every queued message."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if fake.pending_updates() == 0 and (await database.outcome(url)).pending == 0:
            return
        await asyncio.sleep(0.25)
