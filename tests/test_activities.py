"""Community activities against a real database: places and the waiting list, cancelling,
check-in with points for volunteers, reminders sent once, and weekly repetition."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from handlers.activity_cards import audience_words
from handlers.texts import Texts
from models import Activity, Community
from services import activities, activity_checkin, activity_schedule, points
from services.activities import NewActivity
from services.activity_rules import Eligibility, parse_audience
from services.clock import FrozenClock
from services.errors import DomainError
from tests.conftest import Sessions
from tests.factories import load_sample, person

CHEN, ZHANG, SUN = 910001, 940001, 930001  # manager, grid worker, volunteer of 玉兰


async def _activity(session, clock: FrozenClock, *, capacity: int = 2,  # type: ignore[no-untyped-def]
                    weekly: bool = False, audience: str | None = None) -> Activity:
    yulan = await session.scalar(select(Community).where(col(Community.code) == "yulan"))
    rule = parse_audience(audience, audience_words(Texts()))
    return await activities.create(
        session, clock=clock, organiser=await person(session, CHEN), community_id=yulan.id,
        new=NewActivity(title="包饺子", place="活动室", capacity=capacity, points=10, hours=2,
                        starts_at=clock.now() + timedelta(days=2), weekly=weekly,
                        audience=audience, eligibility=rule))


async def test_a_full_activity_puts_people_on_a_waiting_list_and_a_cancel_frees_a_place(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        activity = await _activity(s, clock)
        assert activity.id is not None
        a, b, c, d = [await person(s, 5001 + i) for i in range(4)]
        assert (await activities.join(s, clock=clock, activity_id=activity.id, person=a))[1] \
            == activities.Signup("joined")
        await activities.join(s, clock=clock, activity_id=activity.id, person=b)
        _, third = await activities.join(s, clock=clock, activity_id=activity.id, person=c)
        _, fourth = await activities.join(s, clock=clock, activity_id=activity.id, person=d)
        assert (third.status, third.position, fourth.position) == ("waiting", 1, 2)
        _, again = await activities.join(s, clock=clock, activity_id=activity.id, person=c)
        assert again.already and again.position == 1
        _, promoted, _ = await activities.leave(s, clock=clock, activity_id=activity.id, person=a)
        assert promoted is not None and promoted.id == c.id
        assert await activities.counts(s, activity.id) == {"joined": 2, "waiting": 1}
        _, nobody, _ = await activities.leave(s, clock=clock, activity_id=activity.id, person=d)
        assert nobody is None  # a waiting person leaving frees no place
        clock.advance(days=3)
        with pytest.raises(DomainError, match="activity.started"):
            await activities.leave(s, clock=clock, activity_id=activity.id, person=b)
        with pytest.raises(DomainError, match="activity.started"):
            await activities.join(s, clock=clock, activity_id=activity.id, person=a)


async def test_a_volunteer_checking_in_with_the_code_earns_points_and_hours_once(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        activity = await _activity(s, clock)
        assert activity.id is not None
        volunteer, resident = await person(s, SUN), await person(s, 5001)
        assert volunteer.id is not None and resident.id is not None
        for someone in (volunteer, resident):
            await activities.join(s, clock=clock, activity_id=activity.id, person=someone)
        with pytest.raises(DomainError, match="activity.bad_code"):  # not open yet
            await activity_checkin.check_in_by_code(s, clock=clock, person=volunteer,
                                              code=activity.code)
        clock.advance(days=2, minutes=10)
        wrong = "0000" if activity.code != "0000" else "1111"
        with pytest.raises(DomainError, match="activity.bad_code"):
            await activity_checkin.check_in_by_code(s, clock=clock, person=volunteer, code=wrong)
        _, credited = await activity_checkin.check_in_by_code(s, clock=clock, person=volunteer,
                                                        code=activity.code)
        assert credited == 10 and await points.balance(s, volunteer.id) == 10
        assert await activity_checkin.volunteer_hours(s, volunteer.id) == 2
        with pytest.raises(DomainError, match="activity.already_checked_in"):
            await activity_checkin.check_in_by_code(s, clock=clock, person=volunteer,
                                              code=activity.code)
        _, credited = await activity_checkin.check_in_by_code(s, clock=clock, person=resident,
                                                        code=activity.code)
        assert credited == 0 and await points.balance(s, resident.id) == 0


async def test_only_the_organiser_or_a_manager_ticks_people_off(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        activity = await _activity(s, clock)
        assert activity.id is not None
        resident = await person(s, 5001)
        await activities.join(s, clock=clock, activity_id=activity.id, person=resident)
        (signup, _), = await activities.participants(s, activity.id)
        assert signup.id is not None
        clock.advance(days=2)
        with pytest.raises(DomainError, match="activity.not_organiser"):
            await activity_checkin.check_in_by_organiser(s, clock=clock, organiser=await person(
                s, ZHANG), signup_id=signup.id)
        _, ticked, _ = await activity_checkin.check_in_by_organiser(
            s, clock=clock, organiser=await person(s, CHEN), signup_id=signup.id)
        assert ticked.checked_in_at == clock.now()


async def test_reminders_go_a_day_and_an_hour_before_each_once(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        activity = await _activity(s, clock)
        assert activity.id is not None
        assert await activity_schedule.claim_reminders(s, clock.now()) == []
        clock.advance(days=1, minutes=1)
        assert [step for _, step in await activity_schedule.claim_reminders(
            s, clock.now())] == ["day"]
        assert await activity_schedule.claim_reminders(s, clock.now()) == []
        clock.advance(hours=23)
        assert [(a.id, step) for a, step in await activity_schedule.claim_reminders(
            s, clock.now())] == [(activity.id, "hour")]
        assert await activity_schedule.claim_reminders(s, clock.now()) == []


async def test_a_weekly_activity_gets_its_next_occurrence_once_it_starts(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        activity = await _activity(s, clock, weekly=True)
        assert await activity_schedule.repeat_weekly(s, clock=clock) == []
        clock.advance(days=2)
        (following,) = await activity_schedule.repeat_weekly(s, clock=clock)
        assert following.starts_at == activity.starts_at + timedelta(days=7)
        assert following.previous_id == activity.id and following.weekly
        assert await activity_schedule.repeat_weekly(s, clock=clock) == []


def test_who_may_join_is_read_from_the_managers_words() -> None:
    words = audience_words(Texts())
    assert parse_audience("全体居民", words).everyone and parse_audience(None, words).everyone
    assert parse_audience("三号楼、5号楼的居民", words) == Eligibility(buildings=("3", "5"))
    assert parse_audience("本社区居民", words) == Eligibility(community=True)
    assert parse_audience("社区志愿者", words) == Eligibility(groups=("volunteer",))
    assert parse_audience("本社区党员", words) == Eligibility(community=True,
                                                            groups=("party_member",))
    assert parse_audience("12栋60岁以上老人", words) == Eligibility(buildings=("12",),
                                                                 groups=("elderly",))


async def test_only_who_may_join_signs_up_and_staff_always_may(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident, volunteer = await person(s, 5001), await person(s, SUN)
        staff = [await person(s, i) for i in (CHEN, ZHANG)]
        for_volunteers = await _activity(s, clock, audience="志愿者")
        with pytest.raises(DomainError, match="activity.only_group"):
            await activities.join(s, clock=clock, activity_id=for_volunteers.id or 0,
                                  person=resident)
        for someone in (volunteer, *staff):
            await activities.join(s, clock=clock, activity_id=for_volunteers.id or 0,
                                  person=someone)
        elderly = await _activity(s, clock, audience="老年人")
        with pytest.raises(DomainError, match="activity.only_declare"):
            await activities.join(s, clock=clock, activity_id=elderly.id or 0, person=resident)
        await activities.join(s, clock=clock, activity_id=elderly.id or 0, person=resident,
                              declared=True)
        neighbour = await person(s, 5002)
        neighbour.care = ["elderly_alone"]  # on the special-care list: no need to say so
        await activities.join(s, clock=clock, activity_id=elderly.id or 0, person=neighbour)
        residents = await _activity(s, clock, audience="本社区居民")
        with pytest.raises(DomainError, match="activity.only_place"):
            await activities.join(s, clock=clock, activity_id=residents.id or 0,
                                  person=await person(s, 5003))
        _, joined = await activities.join(s, clock=clock, activity_id=residents.id or 0,
                                          person=await person(s, 5003),
                                          group_chat_id=-1001000000001)  # 玉兰's group
        assert joined.status == "joined"
        await activities.join(s, clock=clock, activity_id=residents.id or 0, person=volunteer)
