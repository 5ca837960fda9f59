"""Staff services: invite codes, leave with hand-over as lifecycle events, routing skips leave."""

import pytest

from models import CaseAction, CaseStatus, Role
from services import directory, staff
from services.cases import accept_case
from services.clock import FrozenClock
from services.errors import DomainError
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person


async def test_a_code_is_spent_once_and_gives_its_role_in_its_grid(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        chen = await person(session, 910001)
        invite = await staff.create_invite(session, clock=clock, actor=chen, role="worker",
                                           place="yulan-2")
        newbie = await person(session, 777, "新人")
        role = await staff.join(session, clock=clock, person=newbie, code=invite.code.lower())
        assert role.role == Role.WORKER and role.grid_id == invite.grid_id
        other = await person(session, 778, "另一人")
        with pytest.raises(DomainError, match="staff.bad_code"):
            await staff.join(session, clock=clock, person=other, code=invite.code)
        workers = await directory.people_with_role(session, Role.WORKER, grid_id=invite.grid_id)
        assert newbie.id in [w.id for w in workers]


async def test_invites_need_a_manager_of_that_place_and_workers_need_a_grid(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        chen = await person(session, 910001)
        for role, place, key in (("worker", "yulan", "staff.worker_needs_grid"),
                                 ("worker", "qiaoxi-1", "staff.not_manager"),
                                 ("boss", "yulan", "staff.bad_role"),
                                 ("manager", "mars", "staff.unknown_place")):
            with pytest.raises(DomainError, match=key):
                await staff.create_invite(session, clock=clock, actor=chen, role=role,
                                          place=place)
        zhou = await person(session, 900001)  # the sub-district admin may invite anywhere
        invite = await staff.create_invite(session, clock=clock, actor=zhou, role="manager",
                                           place="qiaoxi")
        assert invite.grid_id is None and len(invite.code) == 8


async def test_leave_moves_open_cases_to_the_least_loaded_colleague_as_transfers(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        chen, resident = await person(session, 910001), await person(session, 5001)
        huang, he = await person(session, 940002), await person(session, 940003)
        first = await make_case(session, clock, reporter=resident, number="7")
        second = await make_case(session, clock, reporter=resident, number="8")
        assert {first.assignee.id, second.assignee.id} == {huang.id, he.id}  # type: ignore[union-attr]
        held = first if first.assignee.id == huang.id else second  # type: ignore[union-attr]
        await accept_case(session, clock=clock, case_id=held.case.id or 0, actor=huang)
        _, handover = await staff.set_leave(session, clock=clock, actor=chen,
                                            community_id=held.case.community_id or 0,
                                            name="黄磊", on_leave=True)
        assert [(c.id, p.id) for c, p in handover.moved] == [(held.case.id, he.id)]
        assert held.case.status == CaseStatus.ASSIGNED and held.case.assignee_id == he.id
        third = await make_case(session, clock, reporter=resident, number="9")
        assert third.assignee is not None and third.assignee.id == he.id  # 黄磊 is skipped
        # 何静 goes too: nobody is left in the grid, so her cases return to the manager.
        _, handover = await staff.set_leave(session, clock=clock, actor=chen,
                                            community_id=held.case.community_id or 0,
                                            name="何静", on_leave=True)
        assert len(handover.returned) == 3 and not handover.moved
        assert all(c.status == CaseStatus.RETURNED for c in handover.returned)


async def test_staff_commands_refuse_people_who_are_not_managers(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        zhang = await person(session, 940001)
        community_id = (await directory.buildings_numbered(session, "3"))[0].community_id
        with pytest.raises(DomainError, match="staff.not_manager"):
            await staff.set_leave(session, clock=clock, actor=zhang, community_id=community_id,
                                  name="黄磊", on_leave=True)
        chen = await person(session, 910001)
        with pytest.raises(DomainError, match="staff.not_yourself"):
            await staff.remove_staff(session, clock=clock, actor=chen,
                                     community_id=community_id, name="陈书记")
        assert CaseAction.TRANSFER  # hand-overs are ordinary lifecycle actions
