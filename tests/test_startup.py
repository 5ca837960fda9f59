"""Start-up when Telegram does not answer yet, or refuses the token; the command line on bad
input says one clear line, never a traceback."""

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import GridBot
from bot.cli_errors import StartupError
from bot.config import Settings
from sandbox import FakeTelegram
from services.clock import FrozenClock

TOKEN = "123456:TEST-TOKEN"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reserved_port() -> socket.socket:
    """A bound socket that never listens: its port refuses connections, and no other test (or
    xdist worker) can take it until the socket is closed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s


def _settings(database_url: str, api_port: int, **extra: object) -> Settings:
    values: dict[str, object] = {"bot_token": TOKEN, "database_url": database_url,
                                 "telegram_api_base": f"http://127.0.0.1:{api_port}",
                                 "migrate_on_start": False, "polling_timeout_s": 1, **extra}
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


async def test_the_bot_waits_for_telegram_at_start_and_healthz_says_why(
    database_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture,
) -> None:
    reserved = _reserved_port()  # Telegram is not there yet, and nothing else either
    api_port, web_port = reserved.getsockname()[1], _free_port()
    settings = _settings(database_url, api_port, webhook_url="https://bot.example/hook",
                         webhook_secret="s3cret", webhook_host="127.0.0.1",
                         webhook_port=web_port, webhook_register=False)
    bot = GridBot(settings, clock=clock)
    starting = asyncio.create_task(bot.start())
    loop = asyncio.get_running_loop()
    deadline, status, body = loop.time() + 60, 0, dict[str, str]()
    async with aiohttp.ClientSession() as http:
        while "waiting for Telegram" not in body.get("reason", ""):  # as soon as it says so
            assert loop.time() < deadline, f"healthz never said why: {status} {body}"
            await asyncio.sleep(0.02)
            try:
                async with http.get(f"http://127.0.0.1:{web_port}/healthz") as answer:
                    status, body = answer.status, await answer.json()
            except aiohttp.ClientError:
                continue
        assert status == 503 and f"127.0.0.1:{api_port}" in body["reason"]
        reserved.close()
        fake = FakeTelegram(token=TOKEN, port=api_port)  # Telegram comes back
        await fake.start()
        try:
            await asyncio.wait_for(starting, 60)  # at its next try (1, 2, 4 s... apart)
            async with http.get(f"http://127.0.0.1:{web_port}/healthz") as answer:
                assert answer.status == 200
        finally:
            await bot.stop()
            await fake.stop()
    waits = [r for r in caplog.records if "waiting for Telegram" in r.getMessage()]
    assert waits and all(r.exc_info is None for r in waits)


async def test_a_token_telegram_refuses_stops_the_start_with_one_clear_line(
    database_url: str, clock: FrozenClock,
) -> None:
    fake = FakeTelegram(token="999:OTHER")
    await fake.start()
    try:
        bot = GridBot(_settings(database_url, fake.port), clock=clock)
        with pytest.raises(StartupError, match="BOT_TOKEN"):
            await asyncio.wait_for(bot.start(), 10)
        await bot.channel.close()
    finally:
        await fake.stop()


def _cli(tmp_path: Path, *args: str, database_url: str | None = None,
         ) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, env=env, timeout=60, cwd=Path(__file__).parent.parent)


@pytest.mark.heavy
def test_bad_structure_files_and_an_unreachable_database_give_one_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("communities:\n  - name: 玉兰\n".encode("gb18030"))
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 50_000)
    with _reserved_port() as nothing_listens:
        port = nothing_listens.getsockname()[1]
        runs = [_cli(tmp_path, "import-structure", str(latin)),
                _cli(tmp_path, "import-structure", str(deep)),
                _cli(tmp_path, "db", "current",
                     database_url=f"postgresql+asyncpg://u:pw@127.0.0.1:{port}/x")]
    for run in runs:
        errors = [line for line in run.stderr.splitlines() if " INFO " not in line]
        assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
        assert len(errors) <= 2, run.stderr
    assert "UTF-8" in runs[0].stderr and "nested" in runs[1].stderr
    assert "cannot reach the database" in runs[2].stderr and "pw" not in runs[2].stderr


async def test_the_intake_model_is_read_before_the_first_update(database_url: str,
                                                                clock: FrozenClock) -> None:
    from services.intake_model import model

    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    model.cache_clear()  # as in a process that has not read it yet
    bot = GridBot(_settings(database_url, int(fake.base_url.rsplit(":", 1)[1])), clock=clock)
    try:
        await bot.start()
        assert model.cache_info().currsize == 1  # the first resident does not wait for it
    finally:
        await bot.stop()
        await fake.stop()
