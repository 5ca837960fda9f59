"""Deliberation votes end to end: a manager opens a vote in the group; registered residents vote,
press twice, change their minds; an unregistered resident and one of another community are
refused; the scheduler closes it and publishes a result that matches the ballots; a late ballot
is refused; the manager records the decision; nobody is ever shown who voted for what."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers.payloads import CastBallot
from models import VoteBallot, VoteTopic
from sandbox import FakeUser
from scheduler.vote_job import close_votes
from tests.e2e.harness import CHEN, YULAN_GROUP, World

pytestmark = pytest.mark.parametrize("world", ["aiogram"], indirect=True)
VOTERS = [FakeUser(id=5200 + n, first_name=name) for n, name in enumerate("赵钱孙李")]
STRANGER = FakeUser(id=5210, first_name="路人甲")  # never registered an address
QIAOXI = FakeUser(id=5211, first_name="桥西居民")  # registered in the other community


async def close(world: World) -> int:
    assert world.bot is not None and world.bot.jobs is not None and world.bot.sender is not None
    done = await close_votes(world.bot.jobs)
    world.bot.sender.wake()
    await world.settle()
    return done


async def test_a_secret_vote_counts_one_changeable_ballot_per_resident_and_publishes(
    world: World,
) -> None:
    for n, person in enumerate(VOTERS):
        await world.say(person, f"/address {n + 1}号楼1单元10{n + 1}")
    await world.say(QIAOXI, "/address 12号楼1单元101")
    await world.say(CHEN, "/vote 充电桩", chat=YULAN_GROUP)
    assert "请写 2 到 6 个不同的选项" in world.last(YULAN_GROUP).text
    await world.say(CHEN, "/vote 电动车充电桩装在哪里？\n选项：东门停车场 / 北门空地 / 暂不安装\n"
                          "截止：3天\n法定：4人", chat=YULAN_GROUP)
    post = world.last(YULAN_GROUP)
    assert "居民议事 #1" in post.text and post.button_texts == [
        "1. 东门停车场", "2. 北门空地", "3. 暂不安装"]

    zhao, qian, sun, li = VOTERS
    assert "已投票：东门停车场" in (await world.tap(zhao, YULAN_GROUP, "东门"))["text"]
    assert "已经投了" in (await world.tap(zhao, YULAN_GROUP, "东门"))["text"]  # counted once
    assert "已改投：北门空地" in (await world.tap(zhao, YULAN_GROUP, "北门"))["text"]
    await world.tap(qian, YULAN_GROUP, "北门")
    await world.tap(sun, YULAN_GROUP, "东门")
    await world.tap(li, YULAN_GROUP, "北门")
    await world.tap(li, YULAN_GROUP, "暂不安装")
    for outsider in (STRANGER, QIAOXI):
        refused = await world.tap(outsider, YULAN_GROUP, "东门")
        assert refused["show_alert"] and "登记住址的居民" in refused["text"]
    running = world.last(YULAN_GROUP).text
    assert "目前共 4 票" in running and "北门空地：2 票" in running

    await world.say(CHEN, "/vote 楼道是否加装扶手？\n选项：加装 / 不加装\n截止：3天\n隐藏",
                    chat=YULAN_GROUP)
    await world.tap(qian, YULAN_GROUP, "加装")
    hidden_post = world.last(YULAN_GROUP).text
    assert "截止后公布" in hidden_post and "目前共" not in hidden_post

    world.clock.advance(days=3, minutes=1)
    assert await close(world) == 2
    result = next(t for t in world.texts(YULAN_GROUP) if "#1 投票结果" in t)
    assert "共 4 票" in result and "东门停车场：1 票" in result and "北门空地：2 票" in result
    assert "暂不安装：1 票" in result and "达到法定票数" in result
    assert "得票最多：北门空地" in result
    hidden = next(t for t in world.texts(YULAN_GROUP) if "#2 投票结果" in t)
    assert "加装：1 票" in hidden
    assert post.button_texts == []  # the buttons went with the close; an old client presses:
    late = await world.press(sun, YULAN_GROUP, post.message_id, CastBallot(1, 1).pack())
    assert late["show_alert"] and "已经截止" in late["text"]

    await world.tap(CHEN, CHEN.id, "记录决定与跟进")
    await world.say(CHEN, "在北门空地安装10个充电桩，12月底前完工")
    assert "决定与落实" in world.last(YULAN_GROUP).text
    await world.say(sun, "/votes", chat=YULAN_GROUP)
    listing = world.last(YULAN_GROUP).text
    assert "北门空地：2 票" in listing and "12月底前完工" in listing

    # Secrecy: no message in the group or to the manager names a voter, and once closed the
    # database keeps only the counts.
    shown = world.texts(YULAN_GROUP) + world.texts(CHEN.id)
    for voter in VOTERS:
        assert not any(voter.first_name in text for text in shown)
    assert world.bot is not None and world.bot.sessions is not None
    async with world.bot.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(VoteBallot))).scalar() == 0
        topic = await session.get(VoteTopic, 1)
        assert topic is not None and topic.secret is None and topic.counts == [1, 2, 1]
    assert timedelta(days=3) < world.clock.now() - topic.created_at
