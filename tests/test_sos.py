"""The street's local emergency lines (from the structure file) and the 🆘 on an urgent repair."""

import pytest
from sqlalchemy import select

from bot.db import Sessions
from models import CaseKind, Community, Street, Urgency
from services import sos
from services.clock import FrozenClock
from services.errors import DomainError
from services.structure_import import import_structure, load_structure
from services.structure_yaml import StructureError
from tests.conftest import EXAMPLE_STRUCTURE
from tests.factories import load_sample, make_case, person

LINES = """  emergency_lines:
    - {name: 电梯困人救援, number: "96333"}
    - {name: 燃气抢修, number: 96777}
"""


def _with_lines(lines: str) -> str:
    sample = EXAMPLE_STRUCTURE.read_text(encoding="utf-8")
    return sample.replace("  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n" + lines, 1)


async def test_the_structure_file_sets_the_streets_local_lines(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await import_structure(s, load_structure(_with_lines(LINES)))
    async with sessions() as s:
        community = (await s.execute(select(Community).limit(1))).scalar_one()
        assert await sos.local_lines(s, community.id) == [("电梯困人救援", "96333"),
                                                          ("燃气抢修", "96777")]
        assert await sos.local_lines(s, None) == [("电梯困人救援", "96333"), ("燃气抢修", "96777")]
    async with sessions() as s, s.begin():  # importing without them removes them
        await import_structure(s, load_structure(_with_lines("")))
    async with sessions() as s:
        street = (await s.execute(select(Street))).scalar_one()
        assert street.emergency_lines == []


def test_a_line_without_a_number_is_refused() -> None:
    with pytest.raises(StructureError):
        load_structure(_with_lines("  emergency_lines:\n    - {name: 燃气抢修}\n"))


async def test_only_the_reporter_turns_an_untaken_repair_into_an_emergency(
    sessions: Sessions, clock: FrozenClock
) -> None:
    async with sessions() as s, s.begin():
        await load_sample(s)
        reporter = await person(s, 5001)
        reported = await make_case(s, clock, reporter=reporter, kind=CaseKind.REPAIR,
                                   text="3号楼整栋楼停水了")
        case_id = reported.case.id or 0
        with pytest.raises(DomainError) as stranger:
            await sos.escalate(s, clock=clock, case_id=case_id, actor=await person(s, 5002))
        assert stranger.value.key == "sos.not_yours"
        case, assignee, also = await sos.escalate(s, clock=clock, case_id=case_id,
                                                  actor=reporter)
        assert (case.kind, case.urgency) == (CaseKind.EMERGENCY, Urgency.URGENT)
        assert assignee is not None and assignee.telegram_id == 940001
        assert [p.telegram_id for p in also] == [910001]  # the community's manager
        with pytest.raises(DomainError) as again:
            await sos.escalate(s, clock=clock, case_id=case_id, actor=reporter)
        assert again.value.key == "sos.already"
