"""Nothing lost, nothing twice: private-chat limits, restarts, ordering, and Telegram's 429."""

import asyncio

from sqlalchemy import func, select

from models import Case, CaseStatus, OutboxMessage
from sandbox import FakeUser
from tests.e2e.harness import RESIDENT, YULAN_GROUP, ZHANG, World


async def test_a_resident_without_a_private_chat_confirms_in_the_group_then_subscribes(
    world: World,
) -> None:
    await world.say(RESIDENT, "/report 3号楼2单元楼道灯坏了", chat=YULAN_GROUP)
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "已更换灯泡，301门口也修好了")
    ask = world.last(YULAN_GROUP)
    assert "解决了吗" in ask.text and "301" not in ask.text and "更换" not in ask.text
    assert world.fake.messages(RESIDENT.id) == []  # never written to uninvited

    await world.say(RESIDENT, "/start c1")
    private = "\n".join(world.texts(RESIDENT.id))
    assert "已关注 #1" in private and "已更换灯泡" in private
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐")
    assert "#1 已办结 ★★★★" in world.last(YULAN_GROUP).text
    assert (await world.case(1)).status == CaseStatus.CLOSED


async def test_a_restart_in_the_middle_of_a_case_loses_nothing_and_repeats_nothing(
    world: World,
) -> None:
    await world.say(RESIDENT, "/report")
    assert "请说说" in world.last(RESIDENT.id).text
    await world.stop_bot()
    world.fake.user_sends(RESIDENT, "3号楼楼道灯坏了")  # arrives while the bot is down
    await world.start_bot()
    await world.settle()
    assert "已受理 #1" in world.last(RESIDENT.id).text  # the waiting question survived
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.stop_bot()
    await world.start_bot()
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "修好了")
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    assert (await world.case(1)).status == CaseStatus.CLOSED
    cards = [t for t in world.texts(ZHANG.id) if t.startswith("📋 新工单 #1")]
    assert len(cards) == 1
    receipts = [t for t in world.texts(RESIDENT.id) if "已受理" in t]
    assert len(receipts) == 1


async def test_messages_saved_before_a_crash_are_sent_after_it(world: World) -> None:
    await world.stop_bot()
    await world.start_bot(sending=False)  # this process will "die" between saving and sending
    world.fake.user_sends(RESIDENT, "3号楼楼道灯坏了")
    await world.fake.wait_for(lambda: world.fake.pending_updates() == 0)
    await asyncio.sleep(0.2)
    assert world.fake.messages(ZHANG.id) == []
    await world.stop_bot()
    await world.start_bot()
    await world.settle()
    assert "#1" in world.last(ZHANG.id).text and "已受理 #1" in world.last(RESIDENT.id).text


async def test_quick_messages_from_one_person_are_handled_in_order(world: World) -> None:
    residents = [FakeUser(id=7000 + n, first_name=f"居民{n}") for n in range(20)]
    for n, user in enumerate(residents):  # twenty different faults: none is 我也遇到 (issue 17)
        world.fake.user_sends(user, "/report")
        world.fake.user_sends(user, f"{n % 10 + 1}号楼{'电梯停了' if n < 10 else '楼道灯坏了'}")
    await world.settle(timeout=30)
    for user in residents:
        texts = world.texts(user.id)
        assert len(texts) == 2 and "请说说" in texts[0] and "已受理" in texts[1], texts
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        total = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
    assert total == 20


async def test_each_update_is_processed_once_even_when_delivered_again(world: World) -> None:
    assert world.bot is not None and world.bot.processor is not None
    from handlers.types import Incoming, Sender
    world.fake.user_starts(RESIDENT)  # a private message: the resident has opened the chat
    incoming = Incoming(update_id=999_999, chat_id=RESIDENT.id, chat_type="private",
                        sender=Sender(RESIDENT.id, "王大爷"), text="3号楼楼道灯坏了",
                        message_id=1)
    first = await world.bot.processor.process(incoming)
    again = await world.bot.processor.process(incoming)
    assert first is not None and again is None
    async with world.bot.sessions() as session:  # type: ignore[misc]
        total = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
        queued = (await session.execute(
            select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert total == 1 and queued == 2  # one receipt, one card


async def test_telegram_429_is_waited_out_and_order_kept(world: World) -> None:
    world.fake.core.limiter.enabled = True  # our limiter is off in tests: Telegram must push back
    for n in range(6):
        world.fake.user_sends(RESIDENT, f"/report 3号楼第{n + 1}盏灯坏了")
    await world.settle(timeout=90)  # Telegram's retry_after waits are real seconds
    receipts = [t for t in world.texts(RESIDENT.id) if "已受理" in t]
    assert receipts == [t for t in receipts if t] and len(receipts) == 6
    assert [int(t.split("#")[1].split()[0]) for t in receipts] == list(range(1, 7))
    assert world.fake.throttled, "the emulator never throttled: the test did not test 429"
