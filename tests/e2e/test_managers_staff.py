"""Staff and residents end to end: invite codes, leave, moves and removal (open cases move on as
lifecycle events), residents registered on their behalf, and the audit trail."""

import re

from sqlalchemy import select
from sqlmodel import col

from models import CaseEvent, CaseStatus, Person
from sandbox import FakeUser
from tests.e2e.harness import CHEN, HE, HUANG, NEIGHBOUR, RESIDENT, ZHANG, World

NEWBIE = FakeUser(id=940099, first_name="孙新")


async def _invite_and_join(world: World, user: FakeUser, place: str = "yulan-1") -> str:
    await world.say(CHEN, f"/invite worker {place}")
    code = re.search(r"/join ([A-Z0-9]{8})", world.last(CHEN.id).text)
    assert code is not None, world.last(CHEN.id).text
    world.fake.user_starts(user)
    await world.say(user, f"/join {code[1]}")
    return code[1]


async def test_an_invite_code_makes_a_worker_once_and_new_cases_reach_them(world: World) -> None:
    code = await _invite_and_join(world, NEWBIE)
    assert "网格员" in world.last(NEWBIE.id).text
    await world.say(NEIGHBOUR, f"/join {code}")  # spent
    assert "已经用过" in world.last(NEIGHBOUR.id).text
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.say(NEIGHBOUR, "2号楼门口下水道堵了")
    assert "#1" in world.last(ZHANG.id).text and "#2" in world.last(NEWBIE.id).text
    await world.say(ZHANG, "/invite worker yulan-1")
    assert "只有社区管理人员" in world.last(ZHANG.id).text


async def test_an_invite_code_expires(world: World) -> None:
    await world.say(CHEN, "/invite worker yulan-1")
    code = re.search(r"/join ([A-Z0-9]{8})", world.last(CHEN.id).text)
    assert code is not None
    world.clock.advance(hours=73)
    await world.say(NEIGHBOUR, f"/join {code[1]}")
    assert "过期" in world.last(NEIGHBOUR.id).text


async def test_a_worker_on_leave_hands_open_cases_to_a_colleague_and_gets_no_new_ones(
    world: World,
) -> None:
    await _invite_and_join(world, NEWBIE)
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.tap(ZHANG, ZHANG.id, "接单")
    await world.say(CHEN, "/leave 张敏")
    assert "1 件转给同网格同事" in world.last(CHEN.id).text
    assert "#1" in world.last(NEWBIE.id).text and "接单" in world.last(NEWBIE.id).button_texts[0]
    case = await world.case(1)
    assert case.status == CaseStatus.ASSIGNED
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        events = (await session.execute(select(CaseEvent).where(col(CaseEvent.case_id) == 1)
                                        .order_by(col(CaseEvent.id)))).scalars().all()
        newbie = (await session.execute(select(Person).where(
            col(Person.telegram_id) == NEWBIE.id))).scalar_one()
    assert events[-1].action == "transfer" and events[-1].assignee_id == newbie.id
    await world.say(NEIGHBOUR, "2号楼门口下水道堵了")  # ZHANG has none now, but is away
    assert "#2" in world.last(NEWBIE.id).text
    await world.say(CHEN, "/staff")
    assert "张敏 · 网格员（请假中）" in world.last(CHEN.id).text
    await world.say(CHEN, "/back 张敏")
    await world.say(RESIDENT, "4号楼电梯坏了")
    assert "#3" in world.last(ZHANG.id).text


async def test_leave_without_a_colleague_returns_cases_to_the_manager(world: World) -> None:
    await world.say(RESIDENT, "3号楼楼道灯坏了")
    await world.say(CHEN, "/leave 张敏")
    summary, card = world.texts(CHEN.id)[-2:]
    assert "1 件退回社区待派" in summary
    assert "退回的工单 #1" in card and "黄磊" in world.last(CHEN.id).button_texts[0]
    assert (await world.case(1)).status == CaseStatus.RETURNED
    await world.tap(CHEN, CHEN.id, "黄磊")
    assert "#1" in world.last(HUANG.id).text


async def test_remove_and_move_staff(world: World) -> None:
    await world.say(RESIDENT, "7号楼下水道堵了")
    assert "#1" in world.last(HUANG.id).text
    await world.say(CHEN, "/remove 黄磊")
    assert "1 件转给同事" in world.last(CHEN.id).text
    assert "#1" in world.last(HE.id).text
    await world.say(HUANG, "/tasks")
    assert "#1" not in world.last(HUANG.id).text
    await world.say(CHEN, "/move 何静 yulan-1")
    assert "何静 已调到玉兰第一网格" in world.texts(CHEN.id)[-2]
    assert (await world.case(1)).status == CaseStatus.RETURNED  # nobody left in grid 2
    await world.say(CHEN, "/remove 不存在")
    assert "没有叫" in world.last(CHEN.id).text


async def test_a_worker_registers_an_elderly_resident_and_the_manager_sees_the_audit(
    world: World,
) -> None:
    await world.say(ZHANG, "/register 王奶奶 13912345678 3号楼2单元301 独居 低保")
    reply = world.last(ZHANG.id).text
    assert "王奶奶" in reply and "独居、低保" in reply and "3号楼 2单元 301室" in reply
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        granny = (await session.execute(select(Person).where(col(Person.name) == "王奶奶"))
                  ).scalar_one()
        assert granny.telegram_id is None and granny.registered_by_id is not None
        assert granny.care == ["elderly_alone", "low_income"] and granny.room == "301"
    await world.say(RESIDENT, "/register 李爷爷")
    assert "只有网格员" in world.last(RESIDENT.id).text
    number = re.search(r"编号 (\d+)", reply)
    assert number is not None
    await world.say(HUANG, f"/care {number[1]} 残疾")
    assert "王奶奶 的重点关注：残疾" in world.last(HUANG.id).text
    await world.say(RESIDENT, f"/care {number[1]} 低保")
    assert "只有网格员" in world.last(RESIDENT.id).text
    async with world.bot.sessions() as session:
        assert (await session.get(Person, granny.id)).care == ["disabled"]  # type: ignore[union-attr]
    await world.say(RESIDENT, "3号楼2单元301楼道灯坏了")  # ZHANG's card shows the phone
    await world.say(CHEN, "/case 1")
    await world.say(CHEN, "/audit")
    audit = world.last(CHEN.id).text
    assert "张敏 查看了 王大爷 的电话和住址 #1" in audit
    assert "陈书记 查看了 王大爷 的工单详情和住址 #1" in audit
    await world.say(ZHANG, "/audit")
    assert "只有社区管理人员" in world.last(ZHANG.id).text
