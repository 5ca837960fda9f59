"""The bots under test run as their own processes, so their memory is theirs alone."""

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def start_gridbot(base_url: str, token: str, database_url: str, log: Path, *,
                        flood: bool, profile: Path | None = None,
                        framework: str = "aiogram",
                        sql_counts: Path | None = None) -> asyncio.subprocess.Process:
    """`gridbot run` against the emulator; Telegram's flood limits kept only when `flood`;
    statements and commits counted into `sql_counts` (bot/sqlcount.py)."""
    env = {**os.environ, "BOT_TOKEN": token, "TELEGRAM_API_BASE": base_url,
           "DATABASE_URL": database_url, "MIGRATE_ON_START": "false", "FRAMEWORK": framework}
    if sql_counts is not None:
        env["SQL_COUNTS"] = str(sql_counts)
    if not flood:  # the emulator does not limit: neither should the bot's own limiter
        env.update(SEND_RATE_GLOBAL_PER_S="100000", SEND_RATE_GROUP_PER_MIN="100000",
                   SEND_RATE_PRIVATE_PER_S="100000")
    command = ["-m", "bot.cli", "run"]
    if profile is not None:
        command = ["-m", "bench.profiled", str(profile)]
    return await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, cwd=ROOT, stdout=log.open("wb"),
        stderr=asyncio.subprocess.STDOUT)


async def start_echo(base_url: str, token: str, log: Path) -> asyncio.subprocess.Process:
    """The aiogram echo bot against the emulator."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.echo_bot", base_url, token, cwd=ROOT,
        stdout=log.open("wb"), stderr=asyncio.subprocess.STDOUT)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stop(process: asyncio.subprocess.Process, timeout: float = 20.0) -> None:
    """Ask the process to stop (SIGINT, like Ctrl-C) and wait; kill it if it hangs."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
