"""Skills matched to wishes end to end: a published wish goes first to the volunteer whose skills
match, to everyone after the delay; partners are pointed out; /skills and /resources."""

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import Grid, Person, Role, StaffRole
from sandbox import FakeUser
from scheduler.skill_job import widen_wish_offers
from tests.e2e.harness import CHEN, RESIDENT, ZHANG, World

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)
SUN = FakeUser(id=930001, first_name="孙志愿者")  # skills: 陪伴, 手机教学
LI = FakeUser(id=930002, first_name="李志愿者")  # skills: 家电维修
VOLUNTEER_GROUP = -1001000000099


async def widen(world: World) -> int:
    """Run the widening job as the scheduler would and let the bot deliver."""
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    done = await widen_wish_offers(world.bot.jobs)
    world.bot.sender.wake()
    await world.settle()
    return done


async def test_a_wish_goes_first_to_the_volunteer_whose_skills_match(world: World) -> None:
    for volunteer in (SUN, LI):
        await world.say(volunteer, "/start")
    world.groups[VOLUNTEER_GROUP] = world.fake.add_group(chat_id=VOLUNTEER_GROUP, title="志愿者群")
    await world.say(CHEN, "/volunteers_group", chat=VOLUNTEER_GROUP)
    group_before = len(world.texts(VOLUNTEER_GROUP))
    await world.say(RESIDENT, "/wish 想请人教我用智能手机和孙子视频通话，3号楼")
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    assert "已通知 1 位志愿者" in world.last(ZHANG.id).text
    assert "和您的技能对口" in world.last(SUN.id).text and "认领" in world.last(
        SUN.id).button_texts[0]
    assert not any("微心愿 #1" in text for text in world.texts(LI.id))
    assert len(world.texts(VOLUNTEER_GROUP)) == group_before

    assert await widen(world) == 0  # not before WISH_MATCH_DELAY (2h)
    world.clock.advance(hours=2)
    assert await widen(world) == 1
    assert "微心愿 #1" in world.last(LI.id).text and "微心愿 #1" in world.last(VOLUNTEER_GROUP).text
    assert sum("微心愿 #1" in text for text in world.texts(SUN.id)) == 1  # not sent twice
    assert await widen(world) == 0


async def test_volunteers_keep_skills_and_managers_see_needs_beside_resources(
    world: World,
) -> None:
    await world.say(SUN, "/start")
    await world.say(SUN, "/skills")
    assert "陪伴、手机教学" in world.last(SUN.id).text
    await world.say(SUN, "/skills 陪伴，理发、量血压")
    assert "陪伴、理发、量血压" in world.last(SUN.id).text
    await world.say(RESIDENT, "/skills 唱歌")
    assert "给志愿者填的" in world.last(RESIDENT.id).text

    await world.say(RESIDENT, "/wish 孩子放学没人接，想找个课后托管的地方，3号楼")
    await world.tap(ZHANG, ZHANG.id, "通过并发布")
    (hint,) = [text for text in world.texts(ZHANG.id) if "共建单位" in text]
    assert "玉兰路小学" in hint and "025-84473001" in hint
    await world.say(CHEN, "/resources")
    listed = world.last(CHEN.id).text
    assert "需求清单" in listed and "#1" in listed and "玉兰路小学" in listed.split("#1")[1]
    assert "孙志愿者：陪伴、理发、量血压（近30天没有认领，闲置）" in listed
    assert "华侨路卫生服务中心：义诊" in listed


async def test_long_lists_go_as_several_messages_cut_nowhere(world: World) -> None:
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session, session.begin():
        grid = await session.scalar(select(Grid).where(col(Grid.code) == "yulan-1"))
        assert grid is not None
        for n in range(90):  # a big community: 90 grid workers, 90 volunteers
            worker, volunteer = Person(name=f"网格员{n:02d}号"), Person(name=f"志愿者{n:02d}号")
            session.add_all([worker, volunteer])
            await session.flush()
            session.add(StaffRole(person_id=worker.id or 0, role=Role.WORKER,
                                  community_id=grid.community_id, grid_id=grid.id))
            session.add(StaffRole(person_id=volunteer.id or 0, role=Role.VOLUNTEER,
                                  community_id=grid.community_id,
                                  skills=[f"技能{k:02d}项" for k in range(10)]))
    for command, names in (("/resources", "志愿者"), ("/evaluation", "网格员")):
        before = len(world.fake.messages(CHEN.id))
        await world.say(CHEN, command)
        parts = [m.text or "" for m in world.fake.messages(CHEN.id)[before:] if not m.document]
        assert len(parts) >= 2 and all(len(part) <= 4096 for part in parts)
        shown = "\n".join(parts)
        assert all(f"{names}{n:02d}号" in shown for n in range(90)) and "…" not in shown
    assert "满意度" in parts[-1] and world.last(CHEN.id).document is not None  # then the workbook
