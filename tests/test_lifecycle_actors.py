"""The lifecycle table answers who may act and what comes next, and nothing else sets a status."""

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.db import Sessions
from models import Case, CaseAction, CaseEvent, CaseKind, CaseStatus
from services import cases, wishes
from services.clock import FrozenClock
from services.errors import DomainError
from services.lifecycle import TRANSITIONS, Actor, apply, check, holder, next_actions
from tests.factories import load_sample, make_case, person
from tests.test_wishes import LI, _wish

S, A = CaseStatus, CaseAction


def _case(kind: CaseKind, status: CaseStatus) -> Case:
    return Case(id=7, kind=kind, status=status, text="-", reporter_id=1)


def test_every_transition_names_who_may_take_it_and_for_which_kinds() -> None:
    for action, transition in TRANSITIONS.items():
        assert transition.actors, action
        assert transition.kinds, action


def test_the_holder_is_offered_what_the_status_allows_and_nothing_of_another_flow() -> None:
    repair = _case(CaseKind.REPAIR, S.REOPENED)
    assert next_actions(repair, holder(repair.kind)) == (A.ACCEPT, A.TRANSFER, A.RETURN, A.RESOLVE,
                                                         A.MERGE)  # /merge (issue 17)
    wish = _case(CaseKind.WISH, S.ACCEPTED)
    assert next_actions(wish, holder(wish.kind)) == (A.RESOLVE, A.UNCLAIM)
    assert next_actions(_case(CaseKind.REPAIR, S.CLOSED), Actor.REPORTER) == (A.RATE,)


def test_a_refusal_names_who_may_act_then_what_the_status_allows() -> None:
    with pytest.raises(DomainError) as refused:
        check(_case(CaseKind.REPAIR, S.RESOLVED), A.CONFIRM, Actor.ASSIGNEE)
    assert refused.value.key == "case.not_reporter"
    with pytest.raises(DomainError) as refused:
        check(_case(CaseKind.REPAIR, S.ASSIGNED), A.TRANSFER, set())
    assert refused.value.key == "case.not_manager"  # the assignee, or else a manager
    with pytest.raises(DomainError) as refused:
        check(_case(CaseKind.REPAIR, S.ASSIGNED), A.RESOLVE, Actor.ASSIGNEE)
    assert refused.value.key == "case.not_allowed"
    with pytest.raises(DomainError) as refused:
        check(_case(CaseKind.WISH, S.ACCEPTED), A.ACCEPT, Actor.CLAIMER)
    assert refused.value.key == "wish.use_wish_buttons"
    assert check(_case(CaseKind.WISH, S.ACCEPTED), A.RESOLVE, Actor.CLAIMER).target == S.RESOLVED


async def test_extra_columns_can_never_overwrite_the_target_status(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        case = (await make_case(s, clock, reporter=await person(s, 5001))).case
        with pytest.raises(ValueError, match="status"):
            await apply(s, case, A.ACCEPT, actor_id=None, at=clock.now(),
                        extra={"status": S.CLOSED})
        assert case.status == S.ASSIGNED


async def test_the_core_buttons_never_move_a_wish(sessions: Sessions, clock: FrozenClock) -> None:
    case_id = await _wish(sessions, clock)
    async with sessions() as s, s.begin():
        await wishes.claim_wish(s, clock=clock, case_id=case_id, actor=await person(s, LI))
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as refused:
            await cases.resolve_case(s, clock=clock, case_id=case_id,
                                     actor=await person(s, LI), note="x")
        assert refused.value.key == "wish.use_wish_buttons"


async def test_a_claim_in_a_group_by_someone_the_bot_cannot_write_to_changes_nothing(
    sessions: Sessions, clock: FrozenClock
) -> None:
    case_id = await _wish(sessions, clock)
    async with sessions() as s, s.begin():
        with pytest.raises(DomainError) as refused:
            await wishes.claim_wish(s, clock=clock, case_id=case_id, actor=await person(s, LI),
                                    in_private=False)
        assert refused.value.key == "wish.open_private"
        claims = (await s.execute(select(CaseEvent).where(
            col(CaseEvent.case_id) == case_id, col(CaseEvent.action) == A.CLAIM))).all()
        case, _details = await wishes.load_wish(s, case_id)
    assert claims == [] and case.status == S.PUBLISHED
