"""The service guide against a real database: the structure file's entries, managers' entries by
chat, answers within the resident's community, feedback, and the questions left unanswered."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import Community, GuideEntry
from services import guide
from services.clock import FrozenClock
from services.errors import DomainError
from services.structure_import import StructureError, import_structure, load_structure
from tests.conftest import EXAMPLE_STRUCTURE, Sessions
from tests.factories import load_sample, person

SAMPLE = EXAMPLE_STRUCTURE.read_text("utf-8")


async def _community(session, code: str) -> int:  # type: ignore[no-untyped-def]
    found = await session.scalar(select(Community).where(col(Community.code) == code))
    return found.id


async def test_the_sample_guide_is_imported_and_answers_within_the_community(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan, qiaoxi = await _community(session, "yulan"), await _community(session, "qiaoxi")
        (answer,) = await guide.answer_for(session, "社区几点上班？", yulan)
        assert answer.community_id == yulan and "玉兰路" in (answer.place or "")
        (answer,) = await guide.answer_for(session, "社区几点上班？", qiaoxi)
        assert "桥西街" in (answer.place or "")
        (street_wide,) = await guide.answer_for(session, "低保怎么申请", qiaoxi)
        assert street_wide.community_id is None and street_wide.name == "低保申请"
        assert await guide.answer_for(session, "公积金怎么提取", yulan) == []


async def test_an_unknown_community_gets_the_service_of_each_community_that_has_it(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        found = await guide.answer_for(session, "居委会几点上班", None)
        assert len(found) == 2 and {e.name for e in found} == {"社区服务站办公时间"}


async def test_reimporting_removes_the_files_old_entries_but_keeps_those_added_by_chat(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _community(session, "yulan")
        await guide.add_entry(session, clock=clock, community_id=yulan,
                              given=guide.GuideFields(name="失物招领", keywords=("丢东西",)))
    without_legal_aid = SAMPLE.split("  - name: 法律援助与法律咨询")[0] + (
        "  - name: 社区服务站办公时间" + SAMPLE.split("  - name: 社区服务站办公时间", 1)[1])
    async with sessions() as session, session.begin():
        report = await import_structure(session, load_structure(without_legal_aid))
        names = set((await session.scalars(select(col(GuideEntry.name)))).all())
    assert "法律援助与法律咨询" not in names and {"失物招领", "低保申请"} <= names
    assert report.guide_entries == 14


@pytest.mark.parametrize(("change", "problem"), [
    ("    community: qiaoxi", 'no community "nowhere"'),
    ("  - name: 居住证办理", 'service "低保申请" is already in this guide'),
])
async def test_a_guide_mistake_in_the_file_names_its_line(change: str, problem: str) -> None:
    bad = {"    community: qiaoxi": "    community: nowhere",
           "  - name: 居住证办理": "  - name: 低保申请"}[change]
    text = SAMPLE.replace(change, bad, 1)
    with pytest.raises(StructureError) as caught:
        load_structure(text)
    assert problem in str(caught.value) and caught.value.field.startswith("guide[")


async def test_a_manager_adds_edits_and_removes_an_entry(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _community(session, "yulan")
        await guide.add_entry(session, clock=clock, community_id=yulan, given=guide.GuideFields(
            name="公积金提取", keywords=("公积金",), phone="025-1234567"))
        with pytest.raises(DomainError, match="guide.exists"):
            await guide.add_entry(session, clock=clock, community_id=yulan,
                                  given=guide.GuideFields(name="公积金提取"))
        (found,) = await guide.answer_for(session, "公积金怎么取出来", yulan)
        assert found.name == "公积金提取"
        edited = await guide.edit_entry(session, clock=clock, community_id=yulan,
                                        name="公积金提取",
                                        given=guide.GuideFields(phone="", place="服务站二楼"))
        assert (edited.phone, edited.place, edited.keywords) == (None, "服务站二楼", ["公积金"])
        with pytest.raises(DomainError, match="guide.bad_link"):
            await guide.edit_entry(session, clock=clock, community_id=yulan, name="公积金提取",
                                   given=guide.GuideFields(link="www.example.com"))
        await guide.remove_entry(session, community_id=yulan, name="公积金提取")
        assert await guide.answer_for(session, "公积金怎么取出来", yulan) == []
        with pytest.raises(DomainError, match="guide.not_found"):
            await guide.remove_entry(session, community_id=yulan, name="公积金提取")


async def test_not_solved_files_once_and_only_for_the_asker(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _community(session, "yulan")
        asker, other = await person(session, 5001), await person(session, 5002)
        (entry,) = await guide.answer_for(session, "低保怎么申请", yulan)
        question = await guide.record_question(session, clock=clock, person=asker,
                                               community_id=yulan, chat_id=5001, message_id=7,
                                               text="低保怎么申请", entry_id=entry.id)
        with pytest.raises(DomainError, match="guide.not_your_question"):
            await guide.mark_not_solved(session, question_id=question.id or 0, person=other)
        assert await guide.mark_not_solved(session, question_id=question.id or 0, person=asker)
        assert await guide.mark_not_solved(session, question_id=question.id or 0,
                                           person=asker) is None


async def test_managers_see_questions_without_an_answer_or_whose_answer_did_not_help(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        yulan = await _community(session, "yulan")
        asker = await person(session, 5001)

        async def ask(text: str, entry_id: int | None) -> int:
            question = await guide.record_question(
                session, clock=clock, person=asker, community_id=yulan, chat_id=5001,
                message_id=None, text=text, entry_id=entry_id)
            return question.id or 0

        (entry,) = await guide.answer_for(session, "低保怎么申请", yulan)
        old = await ask("很久以前的问题？", None)
        clock.advance(days=40)
        helped = await ask("低保怎么申请", entry.id)
        await guide.mark_helpful(session, question_id=helped, person=asker)
        did_not_help = await ask("低保多少钱", entry.id)
        await guide.mark_not_solved(session, question_id=did_not_help, person=asker)
        clock.advance(minutes=1)
        nothing = await ask("公积金怎么提取", None)
        listed = await guide.unanswered(session, community_id=yulan,
                                        since=clock.now() - timedelta(days=30))
        assert [q.id for q in listed] == [nothing, did_not_help] and old not in [
            q.id for q in listed]
