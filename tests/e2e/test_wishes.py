"""Micro-wishes end to end: review, publish, claim, give back, fulfil, confirm, thank, points."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from models import CaseEvent, CaseStatus, DataAccess, PointsEntry
from sandbox import FakeUser, SentMessage
from services import points
from tests.e2e.harness import CHEN, HUANG, NEIGHBOUR, RESIDENT, YULAN_GROUP, ZHANG, World

SUN = FakeUser(id=930001, first_name="孙志愿者")  # yulan volunteer, party member
LI = FakeUser(id=930002, first_name="李志愿者")  # yulan volunteer
QIAN = FakeUser(id=930004, first_name="钱志愿者")  # qiaoxi volunteer
VOLUNTEER_GROUP = -1001000000099
WISH = "/wish 我是独居老人，想要一副老花镜，看报纸看不清，3号楼2单元301"


def claimer_card(world: World, volunteer: FakeUser) -> SentMessage:
    """The newest card with a resident's contact in a volunteer's chat (a chat link may follow)."""
    return next(m for m in reversed(world.fake.messages(volunteer.id))
                if "心愿人：" in (m.text or ""))


async def _volunteers_ready(world: World, *people: FakeUser) -> None:
    """Volunteers open a private chat with the bot (Telegram does not let bots write first)."""
    for person in people or (SUN, LI):
        await world.say(person, "/start")


async def _bind_group(world: World) -> None:
    world.groups[VOLUNTEER_GROUP] = world.fake.add_group(chat_id=VOLUNTEER_GROUP,
                                                         title="玉兰志愿者群")
    await world.say(CHEN, "/volunteers_group", chat=VOLUNTEER_GROUP)
    assert "志愿者群" in world.last(VOLUNTEER_GROUP).text


async def _published(world: World, text: str = WISH) -> None:
    await world.say(RESIDENT, text)
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    assert (await world.case(1)).status == CaseStatus.PUBLISHED


async def _claimed_and_fulfilled(world: World, volunteer: FakeUser = SUN) -> None:
    await world.tap(volunteer, volunteer.id, "认领")
    await world.tap(volunteer, volunteer.id, "已完成")
    await world.say(volunteer, "已送去老花镜，试戴合适")


async def _rows(world: World, model: type, *where: Any) -> list:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        return list((await session.execute(select(model).where(*where))).scalars())


async def test_a_wish_goes_from_review_to_claim_to_thanks_and_earns_points(world: World) -> None:
    await _volunteers_ready(world)
    await _bind_group(world)
    await world.say(RESIDENT, WISH)
    assert "微心愿 #1" in world.last(RESIDENT.id).text
    review = world.last(ZHANG.id)
    assert "待审核" in review.text and "301" in review.text and "王大爷" in review.text

    await world.tap(ZHANG, ZHANG.id, "修改公开文字")
    await world.say(ZHANG, "独居老人想要一副老花镜，方便看报纸")
    await world.tap(ZHANG, ZHANG.id, "20分")
    assert "20 积分" in world.last(ZHANG.id).text
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    assert "已通知 2 位志愿者" in world.last(ZHANG.id).text
    assert "通过审核" in world.last(RESIDENT.id).text

    for chat in (SUN.id, LI.id, VOLUNTEER_GROUP):
        card = world.last(chat)
        assert "独居老人想要一副老花镜" in card.text and "玉兰社区" in card.text
        assert "20 积分" in card.text and "认领" in card.button_texts[0]
        for secret in ("301", "2单元", "王", "大爷"):
            assert secret not in card.text, f"{secret!r} leaked to {chat}: {card.text}"

    await world.tap(SUN, SUN.id, "认领")
    mine = claimer_card(world, SUN)
    assert "王大爷" in mine.text and "301" in mine.text and "已完成" in mine.button_texts[0]
    assert "孙志愿者（党员先锋）" in world.last(VOLUNTEER_GROUP).text
    assert "孙志愿者（党员先锋）" in world.last(RESIDENT.id).text
    stale = world.last(LI.id)  # the other volunteer's card now says who claimed it
    assert "已被 孙志愿者" in stale.text and stale.buttons == []
    late = await world.press(LI, LI.id, stale.message_id, "wc:1")  # a press from before the edit
    assert late.get("show_alert") and "已被认领" in late["text"]
    views = await _rows(world, DataAccess, col(DataAccess.case_id) == 1)
    assert [(v.what, v.subject_id is not None) for v in views] == [("wish_contact", True)]

    await world.tap(SUN, SUN.id, "已完成")
    await world.say(SUN, "已送去老花镜，试戴合适")
    question = world.last(RESIDENT.id)
    assert "试戴合适" in question.text and "心愿实现了" in question.button_texts[0]
    await world.tap(RESIDENT, RESIDENT.id, "心愿实现了")
    assert "获得 20 积分" in world.last(SUN.id).text
    await world.say(RESIDENT, "谢谢小孙，眼镜很好用")
    assert "谢谢小孙" in world.last(SUN.id).text

    case = await world.case(1)
    assert case.status == CaseStatus.CLOSED and case.assignee_id is not None
    assert case.published_at and case.accepted_at and case.resolved_at and case.closed_at
    await world.say(SUN, "/points")
    assert "20 分" in world.last(SUN.id).text and "#1" in world.last(SUN.id).text
    await world.say(LI, "/rank")
    assert "1. 孙志愿者 · 20 分" in world.last(LI.id).text
    await world.say(CHEN, "/case 1")
    history = world.last(CHEN.id).text
    for step in ("提交", "审核通过", "认领", "已处理", "确认解决", "评价"):
        assert step in history, f"{step} missing from the history: {history}"


async def test_a_declined_wish_tells_the_resident_why_and_reaches_no_volunteer(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await world.say(RESIDENT, "/wish 想要两千块钱交房租，3号楼")
    await world.tap(ZHANG, ZHANG.id, "不通过")
    await world.say(ZHANG, "现金类心愿不能发布，社区会帮您申请临时救助")
    assert "现金类心愿不能发布" in world.last(RESIDENT.id).text
    case = await world.case(1)
    assert case.status == CaseStatus.CANCELLED and case.published_at is None
    assert not any("#1" in t for t in world.texts(SUN.id) + world.texts(LI.id))
    answer = await world.tap(ZHANG, ZHANG.id, "通过并发布")  # the stale card changes nothing
    assert answer.get("show_alert") and (await world.case(1)).status == CaseStatus.CANCELLED


async def test_a_volunteer_gives_a_wish_back_and_another_claims_it(world: World) -> None:
    await _volunteers_ready(world)
    await _published(world)
    await world.tap(SUN, SUN.id, "认领")
    await world.tap(SUN, SUN.id, "不认领了")
    case = await world.case(1)
    assert case.status == CaseStatus.PUBLISHED and case.assignee_id is None
    assert "又可以认领了" in world.last(LI.id).text
    assert not any("又可以认领了" in t for t in world.texts(SUN.id))  # not to the one who gave it
    await world.tap(LI, LI.id, "认领")
    assert "王大爷" in claimer_card(world, LI).text
    case = await world.case(1)
    assert case.status == CaseStatus.ACCEPTED
    gone = await world.press(SUN, SUN.id, world.last(SUN.id).message_id, "wd:1")
    assert gone.get("show_alert") and "不是您认领的" in gone["text"]
    actions = [e.action for e in await _rows(world, CaseEvent, col(CaseEvent.case_id) == 1)]
    assert actions == ["create", "approve", "claim", "unclaim", "claim"]


async def test_a_forged_claim_from_someone_who_is_not_a_volunteer_here_changes_nothing(
    world: World,
) -> None:
    await _volunteers_ready(world, SUN, QIAN)
    await _published(world)
    await world.say(NEIGHBOUR, "/my")
    for user in (NEIGHBOUR, QIAN, HUANG):
        await world.say(user, "/help")
        answer = await world.press(user, user.id, world.last(user.id).message_id, "wc:1")
        assert answer.get("show_alert") and "志愿者" in answer["text"], (user, answer)
    case = await world.case(1)
    assert case.status == CaseStatus.PUBLISHED and case.assignee_id is None
    assert not any("王大爷" in t for u in (NEIGHBOUR, QIAN, HUANG) for t in world.texts(u.id))


async def test_two_volunteers_pressing_claim_at_the_same_moment_give_one_winner(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await _published(world)
    queries = [world.fake.user_presses(user, user.id, world.last(user.id).message_id, "wc:1")
               for user in (SUN, LI)]
    await world.fake.wait_for(lambda: all(q in world.fake.callback_answers for q in queries))
    await world.settle()
    answers = [world.fake.callback_answers[q] for q in queries]
    refused = [a for a in answers if a.get("show_alert")]
    assert len(refused) == 1 and "已被认领" in refused[0]["text"]
    case = await world.case(1)
    winner = SUN if answers[0] is not refused[0] else LI
    assert case.status == CaseStatus.ACCEPTED
    assert "王大爷" in claimer_card(world, winner).text
    claims = [e for e in await _rows(world, CaseEvent, col(CaseEvent.case_id) == 1)
              if e.action == "claim"]
    assert len(claims) == 1


async def test_points_are_redeemed_within_the_balance_and_always_equal_the_ledger(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await world.say(CHEN, "/item 老花镜 50 10")
    await world.say(CHEN, "/item 毛巾 4 2")
    assert "已上架" in world.last(CHEN.id).text
    await _published(world)
    await _claimed_and_fulfilled(world)
    await world.tap(RESIDENT, RESIDENT.id, "心愿实现了")  # +10

    await world.say(SUN, "/shop")
    refused = await world.tap(SUN, SUN.id, "老花镜")
    assert refused.get("show_alert") and "需要 50 分，您有 10 分" in refused["text"]
    await world.tap(SUN, SUN.id, "毛巾")
    assert "还剩 6 分" in world.last(SUN.id).text
    await world.tap(CHEN, CHEN.id, "已发放")
    assert "已领取" in world.last(SUN.id).text
    await world.say(SUN, "/shop")
    await world.tap(SUN, SUN.id, "毛巾")
    await world.tap(CHEN, CHEN.id, "取消兑换")
    await world.say(CHEN, "毛巾发完了，下月补")
    assert "毛巾发完了" in world.last(SUN.id).text and "共 6 分" in world.last(SUN.id).text
    again = await world.press(CHEN, CHEN.id, world.last(CHEN.id).message_id, "wh:2")
    assert again.get("show_alert")

    entries = await _rows(world, PointsEntry)
    assert [(e.delta, e.reason) for e in entries] == [
        (10, "wish"), (-4, "redeem"), (-4, "redeem"), (4, "refund")]
    assert entries[-1].note == "毛巾发完了，下月补"
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        assert await points.balance(session, entries[0].person_id) == sum(e.delta for e in entries)
    await world.say(SUN, "/points")
    assert "6 分" in world.last(SUN.id).text


async def test_a_worker_posts_a_wish_for_a_resident_without_telegram_and_confirms_it(
    world: World,
) -> None:
    await _volunteers_ready(world)
    await world.say(ZHANG, "/wish")
    await world.tap(ZHANG, ZHANG.id, "登记新居民")
    await world.say(ZHANG, "赵奶奶")
    await world.say(ZHANG, "13700000000")
    await world.say(ZHANG, "3号楼1单元101")
    await world.say(ZHANG, "想学用手机挂号")
    assert any("赵奶奶 登记微心愿 #1" in t for t in world.texts(ZHANG.id))
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    assert "代 赵奶奶" in world.last(ZHANG.id).text

    await world.tap(SUN, SUN.id, "认领")
    contact = world.last(SUN.id).text
    assert "赵奶奶" in contact and "13700000000" in contact and "张敏" in contact
    await world.tap(SUN, SUN.id, "已完成")
    await world.say(SUN, "教会了用挂号小程序")
    assert "教会了" in world.last(ZHANG.id).text
    await world.tap(ZHANG, ZHANG.id, "心愿实现了")
    assert "获得 10 积分" in world.last(SUN.id).text
    assert (await world.case(1)).status == CaseStatus.CLOSED

    await world.say(ZHANG, "/wish 想要一个放大镜")
    await world.tap(ZHANG, ZHANG.id, "赵奶奶")
    assert "#2" in world.last(ZHANG.id).text


async def test_a_wish_told_in_a_group_never_shows_personal_details_there(world: World) -> None:
    await _volunteers_ready(world)
    await world.say(RESIDENT, "/report 我是王大爷，想要一副老花镜，3号楼2单元301",
                    chat=YULAN_GROUP)
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    await world.tap(SUN, SUN.id, "认领")
    group = "\n".join(world.texts(YULAN_GROUP))
    assert "#1" in group
    for secret in ("301", "2单元", "王", "老花镜", "孙志愿者"):
        assert secret not in group, f"{secret!r} leaked into the group: {group}"
