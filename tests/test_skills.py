"""Skills matched to wishes against a real database: matching words, volunteers' skills, the
skill-first offer widened once, and partners from the structure file."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import Case, CaseStatus, Community, Partner, StaffRole, WishDetails
from services import skills
from services.clock import FrozenClock
from services.errors import DomainError
from services.structure_import import StructureError, import_structure, load_structure
from tests.conftest import EXAMPLE_STRUCTURE, Sessions
from tests.factories import load_sample, make_case, person

SUN, LI = 930001, 930002


def test_a_skill_matches_the_words_of_a_wish() -> None:
    assert skills.skill_matches("手机教学", "想请人教我用智能手机视频")
    assert skills.skill_matches("理发", "行动不便，想请人上门理发")
    assert not skills.skill_matches("家电维修", "想要一副老花镜")
    assert not skills.skill_matches("上门服务", "想请人上门理发")  # 上门 says nothing specific


async def test_volunteers_set_their_skills_and_matching_finds_them(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        yulan = await s.scalar(select(Community).where(col(Community.code) == "yulan"))
        assert yulan is not None
        sun = await person(s, SUN)
        assert await skills.skills_of(s, sun) == ["陪伴", "手机教学"]
        saved = await skills.set_skills(s, person=sun, skills=["理发", " 理发", ""],
                                        at=clock.now())
        assert saved == ["理发"] and await skills.skills_of(s, sun) == ["理发"]
        found = await skills.matching_volunteers(s, yulan.id, "想请人上门理发")
        assert {p.telegram_id for p in found} == {SUN, 930003}  # 吴党员 cuts hair too
        with pytest.raises(DomainError, match="skills.not_volunteer"):
            await skills.set_skills(s, person=await person(s, 5001), skills=["唱歌"],
                                    at=clock.now())


async def test_an_offer_is_widened_once_and_only_while_the_wish_waits(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        resident = await person(s, 5001)
        first = (await make_case(s, clock, reporter=resident)).case
        second = (await make_case(s, clock, reporter=resident)).case
        for case in (first, second):
            case.status = CaseStatus.PUBLISHED  # as a reviewer's approval leaves it
            await skills.record_offer(s, case_id=case.id or 0, matched=[1], at=clock.now())
        await s.flush()
        for case in (first, second):
            s.add(WishDetails(case_id=case.id or 0, public_text="理发"))
        second.status = CaseStatus.ACCEPTED  # claimed meanwhile
        await s.flush()
        delay = timedelta(hours=2)
        assert await skills.claim_widening(s, now=clock.now(), delay=delay) == []
        clock.advance(hours=2)
        widened = await skills.claim_widening(s, now=clock.now(), delay=delay)
        assert [(c.id, matched) for c, _, matched in widened] == [(first.id, [1])]
        assert await skills.claim_widening(s, now=clock.now(), delay=delay) == []
        still = await s.get(Case, first.id)
        assert still is not None and still.status == CaseStatus.PUBLISHED


async def test_partners_come_from_the_structure_file(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        yulan = await s.scalar(select(Community).where(col(Community.code) == "yulan"))
        assert yulan is not None
        names = [p.name for p in await skills.partners(s, yulan.id)]
        assert names == sorted(["玉兰路小学", "华侨路卫生服务中心"])
        (clinic,) = await skills.matching_partners(s, yulan.id, "想请医生上门量血压")
        assert clinic.contact == "李医生"
        assert len((await s.scalars(select(Partner))).all()) == 2
    bad = EXAMPLE_STRUCTURE.read_text("utf-8").replace(
        "  - name: 玉兰路小学\n    community: yulan",
        "  - name: 玉兰路小学\n    community: nowhere")
    with pytest.raises(StructureError, match='no community "nowhere"'):
        load_structure(bad)


async def test_a_volunteers_own_skills_survive_a_later_import_that_still_seeds_the_others(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        await skills.set_skills(s, person=await person(s, SUN), skills=["理发"], at=clock.now())
    changed = EXAMPLE_STRUCTURE.read_text("utf-8").replace(
        "skills: [陪伴, 手机教学]", "skills: [陪伴, 手机教学, 唱歌]").replace(
        "skills: [家电维修]", "skills: [家电维修, 修自行车]")
    async with sessions() as s, s.begin():
        report = await import_structure(s, load_structure(changed))
        assert report.kept_skills == 1 and "保留志愿者自己填的技能 1 人" in report.summary()
        assert await skills.skills_of(s, await person(s, SUN)) == ["理发"]  # the chat edit wins
        assert await skills.skills_of(s, await person(s, LI)) == ["家电维修", "修自行车"]
        role = await s.scalar(select(StaffRole).where(
            col(StaffRole.person_id) == (await person(s, SUN)).id))
        assert role is not None and (role.skills_source, role.skills_set_at) == ("chat",
                                                                                 clock.now())
