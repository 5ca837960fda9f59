"""Two bot processes in webhook mode behind one address, on one PostgreSQL: every update is
processed once, notifications are not lost, and when the leader is killed the other replica takes
over the scheduler within a minute."""

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select, text

from bot.db import Sessions
from models import Case
from sandbox import FakeUser
from services.clock import FrozenClock
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.harness import TOKEN, ZHANG, World, build_world

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="replicas share their state through PostgreSQL; SQLite serves one process")
SECRET = "replica-test-secret"
RESIDENTS = [FakeUser(id=8000 + n, first_name=f"居民{n}") for n in range(30)]


def free_port() -> int:
    """Ask the kernel for an unused local port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RoundRobin:
    """A tiny load balancer: alternates between replicas and skips one that does not answer."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.turn, self.served = ports, 0, dict.fromkeys(ports, 0)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = int(self.runner.addresses[0][1])

    async def forward(self, request: web.Request) -> web.Response:
        """Pass the request to the next replica that answers."""
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        for _ in range(len(self.ports)):
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            try:
                async with aiohttp.ClientSession() as http, http.request(
                    request.method, f"http://127.0.0.1:{port}{request.path}", data=body,
                    headers=headers, timeout=aiohttp.ClientTimeout(total=10),
                ) as answer:
                    self.served[port] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except (aiohttp.ClientError, TimeoutError):
                continue
        return web.Response(status=502)

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()


async def start_replica(
    world: World, port: int, proxy: int, log: Path
) -> asyncio.subprocess.Process:
    """Run `gridbot run` as its own process, in webhook mode on `port`."""
    env = {**os.environ, "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": world.fake.base_url,
           "DATABASE_URL": world.database_url, "MIGRATE_ON_START": "false",
           "WEBHOOK_URL": f"http://127.0.0.1:{proxy}/hook", "WEBHOOK_SECRET": SECRET,
           "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port), "LEADER_POLL_S": "0.5",
           "OUTBOX_LEASE_S": "2", "SEND_RATE_GLOBAL_PER_S": "1000",
           "SEND_RATE_GROUP_PER_MIN": "1000", "SEND_RATE_PRIVATE_PER_S": "1000",
           # Every report its own case: fifteen lights in one building are not 我也遇到 here.
           "DUPLICATE_WINDOW": "0m", "LOG_FORMAT": "json"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=log.parent,
        stdout=log.open("wb"), stderr=asyncio.subprocess.STDOUT)


async def health(port: int) -> dict:
    """Read a replica's /healthz, or {} when it does not answer."""
    try:
        async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)
        ) as answer:
            return dict(await answer.json()) if answer.status == 200 else {}
    except (aiohttp.ClientError, TimeoutError):
        return {}


async def until(check, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    """Wait until `check()` is true; return how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not await check():
        if loop.time() - start > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
    return loop.time() - start


@pytest.mark.heavy
async def test_two_replicas_share_the_traffic_and_survive_losing_the_leader(
    database_url: str, clock: FrozenClock, sessions: Sessions, tmp_path: Path
) -> None:
    world = await build_world(database_url, clock)
    ports = [free_port(), free_port()]
    proxy = RoundRobin(ports)
    await proxy.start()
    first = await start_replica(world, ports[0], proxy.port, tmp_path / "first.log")
    second = None
    try:
        await until(lambda: _leads(ports[0]), 60, "the first replica to lead")
        second = await start_replica(world, ports[1], proxy.port, tmp_path / "second.log")
        await until(lambda: _up(ports[1]), 60, "the second replica")
        assert (await health(ports[1])).get("leader") is False

        for n, user in enumerate(RESIDENTS[:15]):
            world.fake.user_sends(user, f"/report 3号楼第{n + 1}处灯坏了")
        await until(lambda: _receipts(world, 5), 30, "the first receipts")
        first.kill()  # SIGKILL, mid-run: no clean shutdown, no lock released by the process
        await first.wait()
        in_flight = await _leased_unsent(sessions)
        took_over = await until(lambda: _leads(ports[1]), 60, "the second replica to lead")
        for n, user in enumerate(RESIDENTS[15:], start=15):
            world.fake.user_sends(user, f"/report 3号楼第{n + 1}处灯坏了")
        await until(lambda: _receipts(world, 30), 60, "every receipt")
        await until(lambda: _all_sent(sessions), 30, "an empty outbox")

        async with sessions() as session:
            total = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
            per_reporter = (await session.execute(select(func.count(func.distinct(
                Case.reporter_id))).select_from(Case))).scalar_one()
        assert total == 30 and per_reporter == 30  # every update processed exactly once
        receipts = [t for u in RESIDENTS for t in world.texts(u.id) if "已受理" in t]
        cards = [t for t in world.texts(ZHANG.id) if t.startswith("📋 新工单")]
        assert len({c.split()[2] for c in cards}) == 30  # every worker card arrived
        # Telegram has no idempotency key: only a message on the wire at the kill can repeat.
        assert (len(receipts) - 30) + (len(cards) - 30) <= in_flight
        assert took_over < 60
        assert proxy.served[ports[0]] > 0 and proxy.served[ports[1]] > 0
        assert world.fake.rejections == []
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()
        await proxy.stop()
        await world.fake.stop()


async def _leads(port: int) -> bool:
    return (await health(port)).get("leader") is True


async def _up(port: int) -> bool:
    return (await health(port)).get("status") == "ok"


async def _receipts(world: World, count: int) -> bool:
    return sum(any("已受理" in t for t in world.texts(u.id)) for u in RESIDENTS) >= count


async def _leased_unsent(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            "AND lease_until IS NOT NULL"))).scalar_one())


async def _all_sent(sessions: Sessions) -> bool:
    async with sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ))).scalar_one()) == 0
