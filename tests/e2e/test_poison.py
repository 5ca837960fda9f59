"""One update the library cannot parse never stalls the bot: it is recorded, skipped after a few
attempts, an admin is told once, and every update after it is handled, also after a restart."""

import time

from sqlalchemy import select

from models import FailedUpdate
from sandbox import FakeUser
from tests.e2e.harness import RESIDENT, ZHOU, World


def _broken_poll(world: World, message_id: int) -> None:
    """A poll as an older or self-hosted Bot API server sends it: fields the library requires
    are missing."""
    chat = world.fake.private_chat(RESIDENT)
    world.fake.core.queue.push("message", {
        "message_id": message_id, "date": int(time.time()), "from": RESIDENT.to_dict(),
        "chat": {"id": chat.id, "type": "private", "first_name": RESIDENT.first_name},
        "poll": {"id": "p1", "question": "几点开会？"},
    })


async def test_an_update_that_cannot_be_parsed_is_skipped_and_everything_after_it_flows(
    world: World,
) -> None:
    world.fake.user_starts(ZHOU)
    _broken_poll(world, 90_001)
    later = [FakeUser(id=7100 + n, first_name=f"居民{n}") for n in range(10)]
    for n, user in enumerate(later):  # ten buildings: ten cases, none a 我也遇到 (issue 17)
        world.fake.user_sends(user, f"/report {n + 1}号楼电梯停了")
    await world.settle(timeout=30)
    for user in later:
        assert any("已受理" in t for t in world.texts(user.id)), world.texts(user.id)
    told = [t for t in world.texts(ZHOU.id) if "无法处理" in t]
    assert len(told) == 1

    # A second broken update, after a restart: skipped too; the admin is not told again.
    await world.stop_bot()
    _broken_poll(world, 90_002)
    world.fake.user_sends(RESIDENT, "/report 3号楼楼道灯坏了")
    await world.start_bot()
    await world.settle(timeout=30)
    assert any("已受理" in t for t in world.texts(RESIDENT.id))
    assert len([t for t in world.texts(ZHOU.id) if "无法处理" in t]) == 1
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        failed = (await session.execute(select(FailedUpdate))).scalars().all()
    assert len(failed) == 2 and all(f.skipped_at is not None and f.attempts == 3 for f in failed)
    assert failed[0].raw["message"]["poll"]["question"] == "几点开会？" and failed[0].error
