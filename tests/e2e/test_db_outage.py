"""PostgreSQL goes away mid-run and comes back: the bot reconnects, loses nothing, and handles
what arrived meanwhile. The outage is real: the bot reaches the database through a local TCP
proxy that the test cuts (every connection dropped, new ones refused) and restores."""

import asyncio
import contextlib
import re
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from models import Case
from sandbox import FakeUser
from services.clock import FrozenClock
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.harness import World, build_world

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                reason="a database server that can go away: PostgreSQL")
NOT_PROCESSED = re.compile(r"update (\d+) not processed, retrying")


class Proxy:
    """Forwards 127.0.0.1:port to the database; cut() drops and refuses connections."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (on the same port again after a cut)."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The database is gone: close every connection and stop listening."""
        assert self.server is not None
        self.server.close()
        for writer in list(self.pipes):
            writer.transport.abort()
        self.pipes.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.pipes.update({writer, up_writer})

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self.pipes.difference_update({writer, up_writer})


@pytest.fixture
async def behind_proxy(database_url: str, clock: FrozenClock) -> AsyncIterator[tuple[World, Proxy]]:
    """The bot with its database behind the proxy."""
    url = make_url(database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    world = await build_world(database_url, clock)
    world.database_url = url.set(port=proxy.port).render_as_string(hide_password=False)
    # Every report its own case (issue 17 off): the reports retried after the outage race each
    # other, and whichever commits first would make the next alike one a 我也遇到 offer.
    world.extra_settings.update(duplicate_window="0m")
    await world.start_bot()
    try:
        yield world, proxy
    finally:
        await world.stop_bot()
        await world.fake.stop()
        with contextlib.suppress(Exception):
            await proxy.cut()


async def test_the_database_going_away_mid_run_loses_nothing(
    behind_proxy: tuple[World, Proxy], caplog: pytest.LogCaptureFixture,
) -> None:
    world, proxy = behind_proxy
    people = [FakeUser(id=9100 + n, first_name=f"居民{n}") for n in range(16)]
    for user in people[:6]:
        world.fake.user_sends(user, "/report 5号楼电梯停了")
    # Handled and answered first: a cut while a reply is on the wire leaves its lease to run out
    # (30 s, and the test's clock stands still), and may repeat it, as a crash does.
    await world.settle()
    await proxy.cut()
    for user in people[6:]:
        world.fake.user_sends(user, "/report 6号楼楼道灯坏了")  # arrive while it is down
    arrived = {u["update_id"] for u in world.fake.core.queue.peek(100)[-len(people[6:]):]}

    def retried() -> bool:
        failed = Counter(int(m.group(1)) for r in caplog.records
                         if (m := NOT_PROCESSED.match(r.getMessage())))
        return all(failed[update_id] >= 2 for update_id in arrived)

    # Down until the bot has failed on every update that arrived meanwhile, and retried it.
    await world.fake.wait_for(retried, 60)
    await proxy.start()
    await world.settle(timeout=60)
    for user in people:
        assert sum("已受理" in t for t in world.texts(user.id)) == 1, world.texts(user.id)
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        reporters = (await session.execute(select(func.count(func.distinct(Case.reporter_id)))))
        cases = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
    assert cases == len(people) and reporters.scalar_one() == len(people)
