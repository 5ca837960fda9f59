"""The outbox: leases keep each chat's messages in order, even across replicas."""

from datetime import UTC, datetime, timedelta

from bot.db import Sessions
from services import outbox

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


async def _queue(sessions: Sessions, chats: list[int]) -> list[int]:
    async with sessions() as s, s.begin():
        rows = [outbox.enqueue(s, chat_id=c, payload={"text": str(i)}, at=NOW)
                for i, c in enumerate(chats)]
        await s.flush()
        return [r.id or 0 for r in rows]


async def test_a_second_replica_skips_chats_whose_earlier_message_is_leased(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [1, 1, 2, 3])
    async with sessions() as s, s.begin():
        first = await outbox.lease_batch(s, now=NOW, owner="a", limit=1)
    assert [r.id for r in first] == ids[:1]
    async with sessions() as s, s.begin():
        second = await outbox.lease_batch(s, now=NOW, owner="b", limit=10)
    # chat 1's second message must wait for the first, which replica "a" holds
    assert [r.id for r in second] == ids[2:]


async def test_a_message_waiting_for_a_retry_holds_back_the_later_ones_of_its_chat(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [7, 7, 8])
    async with sessions() as s, s.begin():
        await outbox.mark_retry(s, row_id=ids[0], at=NOW, delay_s=5, error="429")
    async with sessions() as s, s.begin():
        leased = await outbox.lease_batch(s, now=NOW, owner="a", limit=10)
    assert [r.id for r in leased] == [ids[2]]
    async with sessions() as s, s.begin():
        later = await outbox.lease_batch(s, now=NOW + timedelta(seconds=6), owner="a", limit=10)
    assert [r.id for r in later] == ids[:2]


async def test_an_expired_lease_is_taken_over_and_sent_messages_never_come_back(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [5, 6])
    async with sessions() as s, s.begin():
        await outbox.lease_batch(s, now=NOW, owner="dead", limit=10)
        await outbox.mark_sent(s, row_id=ids[1], at=NOW, message_id=42)
    async with sessions() as s, s.begin():
        assert await outbox.lease_batch(s, now=NOW + timedelta(seconds=5), owner="b",
                                        limit=10) == []
        taken = await outbox.lease_batch(s, now=NOW + timedelta(seconds=31), owner="b", limit=10)
        assert [r.id for r in taken] == [ids[0]]
        assert await outbox.pending_count(s) == 1


async def test_an_emergency_goes_first_across_chats_and_within_its_chat(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [1, 1, 2])
    async with sessions() as s, s.begin():
        sos = outbox.enqueue(s, chat_id=1, payload={"text": "🚨"}, at=NOW,
                             priority=outbox.URGENT)
        await s.flush()
    async with sessions() as s, s.begin():
        leased = await outbox.lease_batch(s, now=NOW, owner="a", limit=10)
    assert [r.id for r in leased] == [sos.id, ids[0], ids[1], ids[2]]


async def test_a_chat_being_drained_does_not_use_up_the_batch_of_the_others(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [-100] * 30 + [5])
    async with sessions() as s, s.begin():
        first = await outbox.lease_batch(s, now=NOW, owner="a", limit=10, per_chat=5)
    assert [r.id for r in first] == ids[:5]
    async with sessions() as s, s.begin():  # the group is busy: the private chat is not behind it
        second = await outbox.lease_batch(s, now=NOW, owner="a", limit=10, skip_chats=[-100])
    assert [r.id for r in second] == [ids[-1]]
    async with sessions() as s, s.begin():  # another replica sees the group held, not stuck
        other = await outbox.lease_batch(s, now=NOW, owner="b", limit=10)
    assert other == []


async def test_a_renewed_lease_is_not_taken_over_and_a_lost_one_is_not_renewed(
    sessions: Sessions,
) -> None:
    ids = await _queue(sessions, [5, 6])
    async with sessions() as s, s.begin():
        await outbox.lease_batch(s, now=NOW, owner="a", limit=10, lease_s=30)
    async with sessions() as s, s.begin():
        held = await outbox.renew(s, row_ids=[ids[0]], owner="a", now=NOW + timedelta(seconds=25),
                                  lease_s=30)
    assert held == {ids[0]}
    async with sessions() as s, s.begin():
        taken = await outbox.lease_batch(s, now=NOW + timedelta(seconds=40), owner="b", limit=10)
    assert [r.id for r in taken] == [ids[1]]  # the renewed one stays with "a"
    async with sessions() as s, s.begin():
        assert await outbox.renew(s, row_ids=ids, owner="a", now=NOW + timedelta(seconds=41),
                                  lease_s=30) == {ids[0]}
