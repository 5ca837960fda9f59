"""Disputes end to end: private by default, the intake, each mediation outcome, escalation
through the tiers, the follow-up that reopens, and who may see a dispute."""

from sqlalchemy import select
from sqlmodel import col

from handlers.texts import Texts
from models import CaseStatus, DataAccess, DisputeDetails
from sandbox import FakeUser
from scheduler.dispute_jobs import ask_dispute_followups
from tests.e2e.harness import CHEN, HUANG, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World

LIU = FakeUser(id=920001, first_name="刘阿姨")  # volunteer mediator of 玉兰
WANG = FakeUser(id=920002, first_name="王调解员")  # community mediator of 玉兰
ZHAO = FakeUser(id=920003, first_name="赵法官")  # legal tier of 玉兰
DETAILS = ("跺脚", "302", "3号楼", "骂", "楼上", "半夜", "王", "大爷")


def _start_mediators(world: World) -> None:
    for mediator in (LIU, WANG, ZHAO):
        world.fake.user_starts(mediator)


def _everything_the_group_got(world: World) -> list[str]:
    """Every Bot API call the bot made into the group (sends and edits, with their buttons)."""
    calls = [str(params) for _method, params in world.fake.calls
             if str(params.get("chat_id")) == str(YULAN_GROUP)]
    assert calls, "the scan found no calls into the group"
    return calls


async def _describe(world: World, text: str, *taps: str) -> None:
    """Tell a dispute privately and answer the questions with these buttons."""
    await world.say(RESIDENT, text)
    for label in taps:
        await world.tap(RESIDENT, RESIDENT.id, label)


async def _small_quarrel(world: World) -> None:
    """A volunteer-tier dispute in building 3, assigned to 刘阿姨."""
    _start_mediators(world)
    await _describe(world, "3号楼对门天天把杂物堆在楼道里，说了也不听", "不清楚", "有几天了",
                    "不是", "不是", "不是")
    assert "调解志愿者" in world.last(RESIDENT.id).text


async def test_a_dispute_raised_in_a_group_never_leaks_details_to_the_group(world: World) -> None:
    _start_mediators(world)
    world.groups[YULAN_GROUP].bot_is_admin = True
    original = await world.say(
        RESIDENT, "@gridbot_test_bot 3号楼楼上302天天半夜跺脚，我去说了还骂人", chat=YULAN_GROUP)
    group = world.fake.messages(YULAN_GROUP)
    assert len(group) == 2  # the neutral line and the offer to delete
    assert group[0].buttons[0][0]["url"].endswith("?start=dispute")
    answer = await world.press(NEIGHBOUR, YULAN_GROUP, group[1].message_id,
                               group[1].callback_data(group[1].button_texts[0]))
    assert answer.get("show_alert") and original not in world.groups[YULAN_GROUP].deleted
    await world.tap(RESIDENT, YULAN_GROUP, "删除")
    assert original in world.groups[YULAN_GROUP].deleted
    assert world.fake.messages(YULAN_GROUP)[1].button_texts == []

    await world.say(RESIDENT, "/start dispute")  # the deep link opens the private chat
    assert "对方是谁" in world.last(RESIDENT.id).text  # the building was named: no "where?"
    await world.say(RESIDENT, "3号楼302")
    for label in ("有几天了", "不是", "不是", "是"):
        await world.tap(RESIDENT, RESIDENT.id, label)
    receipt = world.last(RESIDENT.id).text
    assert "已受理 #1" in receipt and "社区调解员" in receipt and "王调解员" in receipt
    card = world.last(WANG.id)
    assert "跺脚" in card.text and "反复发生" in card.text and "接手调解" in card.button_texts[0]
    assert "跺脚" in world.last(ZHANG.id).text and "跺脚" in world.last(CHEN.id).text
    case = await world.case(1)
    assert case.source_chat_id is None and case.assignee_id is not None

    seen = "\n".join(_everything_the_group_got(world))
    assert "私聊继续" in seen and "删除我的消息" in seen  # the scan reads texts and buttons
    assert len(world.fake.messages(YULAN_GROUP)) == 2  # nothing more after the case was filed
    for detail in DETAILS:
        assert detail not in seen, detail


async def test_a_dispute_intake_can_be_cancelled_at_any_question(world: World) -> None:
    await world.say(RESIDENT, "隔壁家的狗天天叫，吵得睡不着")
    assert "在哪里" in world.last(RESIDENT.id).text
    await world.say(RESIDENT, "/cancel")
    await world.say(RESIDENT, "/my")
    assert "#1" not in world.last(RESIDENT.id).text


async def test_each_mediation_outcome_and_escalation_through_the_tiers(world: World) -> None:
    await _small_quarrel(world)
    await world.tap(LIU, LIU.id, "接手调解")
    assert "刘阿姨" in world.last(RESIDENT.id).text
    assert (await world.case(1)).status == CaseStatus.ACCEPTED

    await world.tap(LIU, LIU.id, "安排调解")
    await world.say(LIU, "明天")
    assert "没看懂" in world.last(LIU.id).text
    await world.say(LIU, "11-05 15:00 社区调解室")
    notice = world.last(RESIDENT.id).text
    assert "11-05 15:00" in notice and "社区调解室" in notice

    await world.tap(LIU, LIU.id, "记录调解结果")
    await world.tap(LIU, LIU.id, "部分达成")
    await world.say(LIU, "杂物清走一半，剩下的周末再清")
    assert "部分达成" in world.last(RESIDENT.id).text
    assert (await world.case(1)).status == CaseStatus.ACCEPTED

    await world.tap(LIU, LIU.id, "记录调解结果")
    await world.tap(LIU, LIU.id, "没谈成")
    card = world.last(WANG.id)
    assert "升级" in card.text and "杂物" in card.text
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED and case.assignee_id != (await _id(world, LIU))
    answer = await world.press(LIU, LIU.id, world.last(LIU.id).message_id, "mo:1")
    assert answer.get("show_alert")  # no longer hers

    await world.tap(WANG, WANG.id, "接手调解")
    await world.tap(WANG, WANG.id, "记录调解结果")
    await world.tap(WANG, WANG.id, "没谈成")
    assert "升级" in world.last(ZHAO.id).text
    await world.tap(ZHAO, ZHAO.id, "接手调解")
    await world.tap(ZHAO, ZHAO.id, "记录调解结果")
    top = await world.tap(ZHAO, ZHAO.id, "没谈成")
    assert top.get("show_alert") and "最高" in top["text"]
    await world.tap(ZHAO, ZHAO.id, "转外部")
    await world.tap(ZHAO, ZHAO.id, "法院诉前调解")
    await world.say(ZHAO, "涉及产权，需要法院确认")
    case = await world.case(1)
    assert case.status == CaseStatus.REFERRED
    details = await _details(world, 1)
    assert details.tier == "legal" and details.referral_target == "court"
    assert "涉及产权" in (details.referral_reason or "")
    assert "法院诉前调解" in world.last(RESIDENT.id).text


async def test_an_agreement_is_followed_up_and_a_broken_one_reopens(world: World) -> None:
    await _small_quarrel(world)
    await world.tap(LIU, LIU.id, "接手调解")
    await world.tap(LIU, LIU.id, "记录调解结果")
    await world.tap(LIU, LIU.id, "达成协议")
    await world.say(LIU, "对门三天内清走杂物，以后不再堆放")
    assert "三天内清走杂物" in world.last(RESIDENT.id).text
    await world.tap(RESIDENT, RESIDENT.id, "解决了")
    assert (await world.case(1)).status == CaseStatus.CLOSED

    assert world.bot is not None and world.bot.sessions is not None
    world.clock.advance(days=6)
    assert await ask_dispute_followups(world.bot.sessions, world.clock, texts=Texts(),
                                       after_days=7) == 0
    world.clock.advance(days=1)
    assert await ask_dispute_followups(world.bot.sessions, world.clock, texts=Texts(),
                                       after_days=7) == 1
    assert await ask_dispute_followups(world.bot.sessions, world.clock, texts=Texts(),
                                       after_days=7) == 0  # asked once only
    await world.settle()
    assert "回访" in world.last(RESIDENT.id).text
    await world.tap(RESIDENT, RESIDENT.id, "没做到")
    case = await world.case(1)
    assert case.status == CaseStatus.REOPENED
    relapsed = world.last(LIU.id)
    assert "没有履行" in relapsed.text and "安排调解" in relapsed.button_texts[0]
    details = await _details(world, 1)
    assert details.followup_held is False and details.followup_answered_at is not None


async def test_an_agreement_the_resident_says_did_not_work_goes_back_to_the_mediator(
    world: World,
) -> None:
    await _small_quarrel(world)
    await world.tap(LIU, LIU.id, "接手调解")
    await world.tap(LIU, LIU.id, "记录调解结果")
    await world.tap(LIU, LIU.id, "达成协议")
    await world.say(LIU, "对门三天内清走杂物")
    await world.tap(RESIDENT, RESIDENT.id, "没解决")
    await world.say(RESIDENT, "杂物还在")
    assert (await world.case(1)).status == CaseStatus.REOPENED
    back = world.last(LIU.id)
    assert "杂物还在" in back.text
    assert back.button_texts == ["📅 安排调解", "📝 记录调解结果"]  # the mediator's, not 接单


async def test_only_the_mediator_the_grid_worker_and_managers_see_a_dispute(world: World) -> None:
    await _small_quarrel(world)
    await world.say(NEIGHBOUR, "/case 1")
    refusal = world.last(NEIGHBOUR.id)
    assert refusal.text == "没有找到 #1，或者您无权查看。" and refusal.buttons == []
    for detail in ("杂物", "3号楼", "对门", "王", "刘阿姨"):
        assert detail not in refusal.text
    await world.say(HUANG, "/case 1")  # a worker of another grid
    assert world.last(HUANG.id).text == "没有找到 #1，或者您无权查看。"
    await world.say(ZHANG, "/case 1")
    assert "杂物" in world.last(ZHANG.id).text
    await world.say(CHEN, "/case 1")
    assert "杂物" in world.last(CHEN.id).text and "记录" in world.last(CHEN.id).text
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        rows = (await session.execute(select(DataAccess).where(
            col(DataAccess.case_id) == 1))).scalars().all()
    viewers = [r.viewer_id for r in rows]
    zhang, chen, neighbour = (await _id(world, ZHANG), await _id(world, CHEN),
                              await _id(world, NEIGHBOUR))
    assert viewers.count(zhang) == 2 and viewers.count(chen) == 2  # the card and /case
    assert neighbour not in viewers


async def test_the_manager_moves_a_dispute_to_another_tier(world: World) -> None:
    await _small_quarrel(world)
    await world.tap(CHEN, CHEN.id, "社区法官")
    assert "赵法官" in world.last(CHEN.id).text
    assert "杂物" in world.last(ZHAO.id).text and "接手调解" in world.last(ZHAO.id).button_texts[0]
    assert (await _details(world, 1)).tier == "legal"
    assert (await world.case(1)).assignee_id == await _id(world, ZHAO)


async def _details(world: World, case_id: int) -> DisputeDetails:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        details = await session.get(DisputeDetails, case_id)
        assert details is not None
        return details


async def _id(world: World, user: FakeUser) -> int:
    from models import Person
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        found = await session.execute(select(Person).where(col(Person.telegram_id) == user.id))
        person = found.scalar_one()
        assert person.id is not None
        return person.id


async def test_dispute_command_in_a_group_without_words_asks_privately_what_happened(
    world: World,
) -> None:
    _start_mediators(world)
    await world.say(RESIDENT, "/dispute", chat=YULAN_GROUP)
    assert len(world.fake.messages(YULAN_GROUP)) == 1  # not an admin: no offer to delete
    await world.say(RESIDENT, "/start dispute")
    assert "发生了什么" in world.last(RESIDENT.id).text
    await world.say(RESIDENT, "5号楼楼下邻居的油烟熏得窗户都黑了")
    assert "对方是谁" in world.last(RESIDENT.id).text
