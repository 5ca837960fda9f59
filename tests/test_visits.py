"""Home visits: flagging households, the weekly round on each community's day, logging visits,
and missed visits in the digest."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from models import Community
from services import audit, digest, visits
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from services.errors import DomainError
from tests.conftest import Sessions
from tests.factories import building, load_sample, person

TZ = ZoneInfo("Asia/Shanghai")
WED = datetime(2026, 11, 4, 8, 0, tzinfo=TZ)
CHEN, LIN, ZHANG, MA = 910001, 910002, 940001, 940004


async def _yulan(session) -> int:  # type: ignore[no-untyped-def]
    communities = await visits.directory.all_communities(session)
    return next(c.id or 0 for c in communities if c.code == "yulan")


async def test_a_manager_flags_a_household_even_one_the_bot_does_not_know(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _yulan(session)
        home = await visits.flag_household(session, actor=await person(session, CHEN),
                                           community_id=yulan, building_number="3", unit="2",
                                           room="301", flags=["elderly_alone", "low_income"])
        assert (home.name, home.care, home.telegram_id) == (
            "3-2-301", ["elderly_alone", "low_income"], None)
        again = await visits.flag_household(session, actor=await person(session, CHEN),
                                            community_id=yulan, building_number="3", unit="2",
                                            room="301", flags=["disabled"])
        assert again.id == home.id and again.care == ["disabled"]
        with pytest.raises(DomainError) as refused:
            await visits.flag_household(session, actor=await person(session, ZHANG),
                                        community_id=yulan, building_number="3", unit="2",
                                        room="301", flags=["disabled"])
        assert refused.value.key == "visit.not_manager"
        with pytest.raises(DomainError) as bad:
            await visits.flag_household(session, actor=await person(session, CHEN),
                                        community_id=yulan, building_number="3", unit="2",
                                        room="301", flags=["rich"])
        assert bad.value.key == "visit.bad_flag"


async def test_each_community_gets_its_round_once_on_its_own_visit_day(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        communities = {c.code: c for c in await visits.directory.all_communities(session)}
        qiaoxi: Community = communities["qiaoxi"]
        await visits.set_visit_weekday(session, actor=await person(session, LIN),
                                       community_id=qiaoxi.id or 0, weekday=3)  # Thursday
    for moment, expected in ((WED, ["yulan"]), (WED, []),
                             (datetime(2026, 11, 5, 8, tzinfo=TZ), ["qiaoxi"]),
                             (datetime(2026, 11, 11, 8, tzinfo=TZ), ["yulan"])):
        async with sessions() as session, session.begin():
            rounds = await visits.claim_rounds(session, now=moment, tz=TZ, default_weekday=2)
        assert [c.code for c, _week in rounds] == expected


async def test_missed_visits_show_in_the_digest_and_strangers_cannot_log(
    sessions: Sessions,
) -> None:
    clock = FrozenClock(WED)
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _yulan(session)
        chen = await person(session, CHEN)
        homes = [await visits.flag_household(session, actor=chen, community_id=yulan,
                                             building_number=b, unit="1", room="101",
                                             flags=["elderly_alone"]) for b in ("3", "4", "6")]
        zhang = await person(session, ZHANG)
        for home in homes:  # the week's lists went out (recorded as views, as the job does)
            await audit.record_view(session, viewer_id=zhang.id or 0, at=clock.now(),
                                    what=visits.LIST_VIEW, subject_id=home.id)
        await visits.log_visit(session, worker=zhang, household_id=homes[0].id or 0,
                               outcome="visited", at=clock.now(), tz=TZ)
        await visits.log_visit(session, worker=zhang, household_id=homes[1].id or 0,
                               outcome="absent", at=clock.now(), tz=TZ)
        with pytest.raises(DomainError) as refused:
            await visits.log_visit(session, worker=await person(session, MA),
                                   household_id=homes[2].id or 0, outcome="visited",
                                   at=clock.now(), tz=TZ)
        assert refused.value.key == "visit.not_yours"
        week = visits.week_of(clock.now(), TZ)
        grid_id = (await building(session, "3")).grid_id
        listed = await visits.households(session, grid_id=grid_id, week=week)
        assert [h.outcome for h in listed] == ["visited", "absent"]
    clock.advance(days=7)  # next week's digest looks back at this week
    async with sessions() as session:
        found = await digest.build(session, policy=DeadlinePolicy(), tz=TZ, now=clock.now(),
                                   community_ids=[yulan])
    assert found[0].missed_visits == 2  # not at home, and never visited
