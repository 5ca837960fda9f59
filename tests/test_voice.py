"""Issue 17's services: which reports are the same fault (by category, place, kind and time),
reading /vote, and how well suggestions are recognised on the held-out corpus."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import Sessions
from models import CaseKind
from services.clock import FrozenClock
from services.duplicates import CHECKED_KINDS, find_duplicate, similarity
from services.errors import DomainError
from services.intake import parse_report
from services.suggestions import measure
from services.voice_rules import VoiceRules
from services.vote_parse import parse_vote
from tests.factories import building, load_sample, make_case, person

RULES = VoiceRules()
HELD_OUT = Path(__file__).parent.parent / "corpus" / "heldout"
SAME = [("5号楼电梯坏了", "5号楼的电梯又停了，上不去"), ("楼道灯坏了", "3号楼楼道的灯不亮了"),
        ("厨房水管漏水了", "水管一直在漏水"), ("单元门锁坏了关不上", "单元门的锁又坏了"),
        ("垃圾好几天没人清了", "楼下垃圾没人清，臭死了"), ("家里停水了", "一直停水，没水用")]
DIFFERENT = [("5号楼电梯坏了", "5号楼楼道灯不亮"), ("楼道灯坏了", "楼道堆满杂物"),
             ("单元门锁坏了", "电梯按钮失灵"), ("水管漏水", "门口路灯不亮"),
             ("垃圾没人清", "暖气不热"), ("家里停水了", "家里水管漏水")]


@pytest.mark.parametrize(("first", "second"), SAME)
def test_the_same_fault_in_other_words_is_alike(first: str, second: str) -> None:
    assert similarity(first, second) >= RULES.duplicate_similarity


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_a_different_fault_is_not_alike(first: str, second: str) -> None:
    assert similarity(first, second) < RULES.duplicate_similarity


async def test_a_duplicate_is_found_only_in_the_same_building_kind_and_window(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        reporter = await person(session, 7001)
        case = (await make_case(session, clock, reporter=reporter, number="5",
                                text="5号楼电梯坏了")).case
        five, six = await building(session, "5"), await building(session, "6")

        async def look(*, kind: str = CaseKind.REPAIR, where: int | None = five.id,
                       later: timedelta = timedelta(hours=1)) -> int | None:
            found = await find_duplicate(
                session, kind=kind, text="电梯又停了", community_id=five.community_id,
                building_id=where, grid_id=five.grid_id, now=clock.now() + later, rules=RULES)
            return found.id if found else None

        assert await look() == case.id
        own = await find_duplicate(  # the reporter's own case is nothing to offer them
            session, kind=CaseKind.REPAIR, text="电梯又停了", community_id=five.community_id,
            building_id=five.id, now=clock.now(), rules=RULES, unless_reported_by=reporter.id)
        assert own is None
        assert await look(where=six.id) is None
        assert await look(kind=CaseKind.EMERGENCY) is None  # never held by the question
        assert await look(later=timedelta(hours=49)) is None


def test_a_vote_is_read_or_refused_with_what_is_wrong() -> None:
    now, tz = datetime(2026, 11, 2, 1, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai")
    draft = parse_vote("充电桩装哪？\n选项：东门 / 北门\n截止：2天\n范围：3、5号楼\n法定：20",
                       now=now, tz=tz)
    assert draft.options == ["东门", "北门"] and draft.buildings == ["3", "5"]
    assert draft.quorum == 20 and draft.closes_at == now + timedelta(days=2)
    for text, key in (("问题\n选项：只有一个\n截止：2天", "vote.bad_options"),
                      ("问题\n选项：甲 / 乙", "vote.no_closing"),
                      ("问题\n选项：甲 / 乙\n截止：200天", "vote.bad_closing")):
        with pytest.raises(DomainError) as refused:
            parse_vote(text, now=now, tz=tz)
        assert refused.value.key == key


def test_suggestions_are_recognised_on_blind_messages() -> None:
    """120 messages written blind (corpus/heldout; never tuned on): 0.91 and 0.72 measured."""
    tp, fp, fn, total = measure(HELD_OUT / "suggestions.jsonl")
    assert total == 120 and tp + fn == 54
    assert tp / (tp + fp) >= 0.85 and tp / (tp + fn) >= 0.70


def test_the_same_fault_is_found_in_blind_pairs_of_reports() -> None:
    """160 pairs written blind (corpus/heldout; never tuned on), decided as the report path
    does: same building, both a repair or "other", the same fault. Measured: precision 0.83;
    recall 0.84 where both are repairs or "other", 0.60 over all (emergencies and disputes are
    never offered as a repeat, by design)."""
    found = wrong = missed = missed_by_design = 0
    for line in (HELD_OUT / "duplicates.jsonl").read_text("utf-8").splitlines():
        pair = json.loads(line)
        first, second = parse_report(pair["a"]), parse_report(pair["b"])
        offered = {first.kind, second.kind} <= CHECKED_KINDS
        said = (offered and first.building == second.building
                and similarity(pair["b"], pair["a"]) >= RULES.duplicate_similarity)
        found, wrong = found + (said and pair["same"]), wrong + (said and not pair["same"])
        missed += pair["same"] and not said and offered
        missed_by_design += pair["same"] and not offered
    assert found + missed + missed_by_design == 80
    assert found / (found + wrong) >= 0.8 and found / (found + missed) >= 0.8
    assert found / 80 >= 0.55


def test_suggestions_are_recognised_on_the_held_out_corpus() -> None:
    tp, fp, fn, total = measure(Path(__file__).parent.parent / "corpus" / "test")
    assert total == 750 and tp + fn == 20
    assert tp / (tp + fp) >= 0.85 and tp / (tp + fn) >= 0.75
