"""The closed loop for a repair, end to end through the real bot and the Bot API emulator."""

from models import CaseStatus
from tests.e2e.harness import CHEN, RESIDENT, YULAN_GROUP, ZHANG, World


async def test_a_repair_goes_round_the_whole_loop_and_is_rated(world: World) -> None:
    await world.say(RESIDENT, "3号楼2单元楼道灯坏了，晚上看不见")
    assert "#1" in world.last(RESIDENT.id).text and "张敏" in world.last(RESIDENT.id).text
    card = world.last(ZHANG.id)
    assert "3号楼2单元" in card.text and "楼道灯坏了" in card.text and "王大爷" in card.text

    await world.tap(ZHANG, ZHANG.id, "接单")
    assert "已接单" in world.last(RESIDENT.id).text
    await world.tap(ZHANG, ZHANG.id, "已处理")
    assert "处理结果" in world.last(ZHANG.id).text
    await world.say(ZHANG, "已更换灯泡")
    question = world.last(RESIDENT.id)
    assert "已更换灯泡" in question.text and "解决了吗" in question.text

    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    await world.tap(RESIDENT, RESIDENT.id, "⭐⭐⭐⭐⭐")
    assert "★★★★★" in world.last(ZHANG.id).text
    await world.say(RESIDENT, "小张很负责，谢谢")
    assert "小张很负责" in world.last(ZHANG.id).text

    case = await world.case(1)
    assert (case.status, case.rating) == (CaseStatus.CLOSED, 5)
    assert case.rating_comment == "小张很负责，谢谢"
    assert case.resolution_note == "已更换灯泡" and case.accepted_at and case.closed_at

    await world.say(CHEN, "/case 1")
    history = world.last(CHEN.id).text
    for step in ("提交", "派单", "接单", "已处理", "确认解决", "评价"):
        assert step in history, f"{step} missing from the history: {history}"


async def test_a_group_receipt_shows_no_flat_and_no_resident_name(world: World) -> None:
    await world.say(RESIDENT, "/report 3号楼2单元301室水管爆了", chat=YULAN_GROUP)
    receipt = world.last(YULAN_GROUP)
    assert "#1" in receipt.text and "3号楼" in receipt.text and "张敏" in receipt.text
    for secret in ("301", "2单元", "王", "大爷", "水管"):
        assert secret not in receipt.text, f"{secret!r} leaked into the group: {receipt.text}"
    link = receipt.buttons[-1][0]["url"]  # under 🙋 我也遇到 (issue 17)
    assert link == "https://t.me/gridbot_test_bot?start=c1"
    assert "301" in world.last(ZHANG.id).text  # the assignee sees the flat
