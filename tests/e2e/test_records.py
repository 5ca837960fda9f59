"""Correct records end to end: registered phones are real numbers, a resident is on file once,
holders are named by their role, hand-overs say what happened."""

from sqlalchemy import func, select

from models import Person
from tests.e2e.harness import CHEN, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World
from tests.e2e.test_disputes import LIU, WANG, _small_quarrel
from tests.e2e.test_scheduler import LIN


async def _registered(world: World) -> int:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Person).where(
            Person.registered_by_id.is_not(None)))).scalar_one())  # type: ignore[union-attr]


async def test_register_refuses_a_wrong_phone_says_what_it_stored_and_warns_of_a_duplicate(
    world: World,
) -> None:
    for wrong in ("139123456789", "1391234abcd"):
        await world.say(ZHANG, f"/register 王奶奶 {wrong} 3号楼2单元301")
        assert "不是有效的电话号码" in world.last(ZHANG.id).text and wrong in world.last(
            ZHANG.id).text
    assert await _registered(world) == 0
    await world.say(ZHANG, "/register 王奶奶 139-1234-5678 3号楼2单元301 独居")
    assert "📞 13912345678" in world.last(ZHANG.id).text and "已登记" in world.last(ZHANG.id).text
    await world.say(CHEN, "/register 王奶奶 3号楼2单元301")  # the same name at the same flat
    assert "已经登记过" in world.last(CHEN.id).text and "13912345678" in world.last(CHEN.id).text
    await world.say(CHEN, "/register 王桂芳 +86 139 1234 5678")  # the same phone
    assert "已经登记过" in world.last(CHEN.id).text
    assert await _registered(world) == 1
    await world.say(CHEN, "/register 王奶奶 3号楼2单元301 另登记")  # another 王奶奶, on purpose
    assert "📞 未登记电话" in world.last(CHEN.id).text
    await world.say(ZHANG, "/register 赵爷爷 021-6123 4567")
    assert "📞 021-61234567" in world.last(ZHANG.id).text
    assert await _registered(world) == 3


async def test_a_case_held_by_the_manager_names_his_role_and_the_leave_says_what_happened(
    world: World,
) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")  # #1, with 张敏
    await world.say(CHEN, "/leave 张敏")  # nobody else in the grid: #1 goes back to the manager
    await world.say(RESIDENT, "@gridbot_test_bot 2号楼门口下水道堵了", chat=YULAN_GROUP)
    receipt = world.last(YULAN_GROUP).text
    assert "#2" in receipt and "· 社区管理员 陈书记" in receipt, receipt
    await world.say(CHEN, "/case 1")
    history = world.last(CHEN.id).text
    assert "退回 · 休假转交 · 张敏" in history, history


async def test_an_escalated_dispute_reads_as_mediation_and_a_threat_gets_the_110_line(
    world: World,
) -> None:
    await _small_quarrel(world)
    await world.tap(LIU, LIU.id, "接手调解")
    await world.tap(LIU, LIU.id, "记录调解结果")
    await world.tap(LIU, LIU.id, "没谈成")
    card = world.last(WANG.id).text
    assert "待调解员接手" in card and "待接单" not in card, card
    await world.tap(WANG, WANG.id, "接手调解")
    await world.tap(WANG, WANG.id, "记录调解结果")
    await world.tap(WANG, WANG.id, "达成协议")
    await world.say(WANG, "对门周末前把杂物清走，以后不再堆放")
    question = world.last(RESIDENT.id).text
    assert "协议" in question and "杂物清走" in question and "已处理" not in question, question

    await world.say(NEIGHBOUR, "楼上邻居说要弄死我，天天堵在门口骂")
    assert any("110" in t for t in world.texts(NEIGHBOUR.id)), world.texts(NEIGHBOUR.id)


async def test_a_manager_cannot_read_another_community_and_a_bad_month_is_named(
    world: World,
) -> None:
    world.fake.user_starts(LIN)  # 桥西's manager
    await world.say(LIN, "/stats yulan")
    refusal = world.last(LIN.id).text
    assert "yulan" in refusal and "不是" in refusal and "桥西" not in refusal, refusal
    await world.say(LIN, "/export yulan 2026-11")
    assert world.last(LIN.id).document is None and "不是" in world.last(LIN.id).text
    await world.say(CHEN, "/export 2026-13")
    assert "2026-13" in world.last(CHEN.id).text and "不是有效的月份" in world.last(CHEN.id).text


async def test_in_a_group_the_bot_asks_for_a_reply_and_the_reply_reaches_it(world: World) -> None:
    await world.say(RESIDENT, "/report 3号楼楼道灯坏了", chat=YULAN_GROUP)  # no private chat
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.tap(ZHANG, ZHANG.id, "已处理")
    await world.say(ZHANG, "换了灯泡")
    await world.tap(RESIDENT, YULAN_GROUP, "解决了")
    await world.tap(RESIDENT, YULAN_GROUP, "⭐⭐⭐⭐⭐")
    question = next(m for m in reversed(world.fake.messages(YULAN_GROUP)) if "评价" in m.text)
    assert "回复" in question.text and "直接输入" not in question.text, question.text
    await world.say(RESIDENT, "谢谢张敏，很快", chat=YULAN_GROUP, reply_to=question.message_id)
    assert (await world.case(1)).rating_comment == "谢谢张敏，很快"
