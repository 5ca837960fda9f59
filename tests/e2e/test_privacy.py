"""Privacy end to end: what volunteers, strangers and ledgers may and may not learn."""

from sandbox import FakeUser
from tests.e2e.harness import CHEN, HUANG, NEIGHBOUR, YULAN_GROUP, ZHANG, World
from tests.e2e.test_disputes import _small_quarrel

GUILAN = FakeUser(id=5003, first_name="刘桂兰")
SUN = FakeUser(id=930001, first_name="孙志愿者")  # yulan volunteer


async def test_a_wish_reaches_volunteers_without_the_residents_name_phone_or_flat(
    world: World,
) -> None:
    await world.say(SUN, "/start")
    await world.say(GUILAN, "/wish 我是刘桂兰，电话139-8765-1234，住3号楼2单元301，想要一副老花镜")
    review = world.last(ZHANG.id).text
    proposal = review.split("公开文字", 1)[1]
    assert "老花镜" in proposal and "3号楼" in proposal
    for secret in ("刘桂兰", "电话", "8765", "301", "2单元", "，，"):
        assert secret not in proposal, f"{secret!r} left in the proposal: {proposal}"

    await world.tap(ZHANG, ZHANG.id, "修改公开文字")
    await world.say(ZHANG, "刘奶奶想要一副老花镜")
    assert "姓名" in world.last(ZHANG.id).text
    await world.say(ZHANG, "独居老人想要老花镜，电话 139 8765 1234")
    assert "电话号码" in world.last(ZHANG.id).text
    await world.say(ZHANG, "独居老人想要一副老花镜")
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    card = world.last(SUN.id).text
    assert "独居老人想要一副老花镜" in card
    for secret in ("刘", "8765", "301"):
        assert secret not in card, f"{secret!r} reached the volunteer: {card}"
    assert not any("刘" in t for t in world.texts(YULAN_GROUP))


async def test_ledgers_mask_phone_numbers_however_they_are_written(world: World) -> None:
    await world.say(GUILAN, "3号楼2单元楼道灯坏了，电话139-8765-1234，或者 +86 138 0000 1111")
    await world.say(GUILAN, "5号楼水管漏水，座机021-6123 4567，手机１３７１２３４５６７８")
    await world.say(CHEN, "/export 2026-11 csv")
    sheet = (world.last(CHEN.id).file_content or b"").decode("utf-8-sig")
    assert "139****1234" in sheet and "138****1111" in sheet and "137****5678" in sheet
    assert "021-****4567" in sheet
    for digits in ("8765", "0000", "6123", "１２３４"):
        assert digits not in sheet, f"{digits} leaked into the ledger: {sheet}"


async def test_case_n_answers_a_stranger_the_same_for_a_dispute_and_a_missing_number(
    world: World,
) -> None:
    await _small_quarrel(world)  # dispute #1
    for stranger in (NEIGHBOUR, HUANG):  # a resident, and a worker of another grid
        await world.say(stranger, "/case 1")
        dispute = world.last(stranger.id)
        await world.say(stranger, "/case 2")
        missing = world.last(stranger.id)
        assert dispute.text == missing.text.replace("#2", "#1") and dispute.buttons == []


async def test_the_claimer_can_reach_a_resident_who_gave_only_the_building(world: World) -> None:
    await world.say(SUN, "/start")
    await world.say(GUILAN, "/address 3号楼2单元301")
    await world.say(GUILAN, "/wish 想要一副老花镜，3号楼")
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    await world.tap(SUN, SUN.id, "认领")
    card = next(m for m in reversed(world.fake.messages(SUN.id)) if "已完成" in "".join(
        m.button_texts)).text
    assert "📍 玉兰社区 · 3号楼2单元301室" in card.splitlines() and "📍 📍" not in card, card
    link = world.last(SUN.id)
    assert any(b.get("url") == f"tg://user?id={GUILAN.id}" for row in link.buttons for b in row)
