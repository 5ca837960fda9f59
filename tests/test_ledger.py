"""Ledgers: masking, months in local time, the workbook and CSV built from real cases, and the
`gridbot export` command."""

import argparse
import base64
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot.config import Settings
from bot.export_cli import export_ledger
from handlers.texts import Texts
from models import CaseKind
from services import ledger
from services.cases import accept_case, confirm_case, rate_case, resolve_case
from services.clock import FrozenClock
from services.deadlines import DeadlinePolicy
from services.outgoing import Document, Message
from services.staff import community_by_code
from tests.conftest import Sessions
from tests.factories import load_sample, make_case, person

TZ = ZoneInfo("Asia/Shanghai")
TEXTS = Texts("zh")


def test_reporters_are_masked_to_the_family_name() -> None:
    assert ledger.mask_name("张敏") == "张*"
    assert ledger.mask_name("欧阳娜娜") == "欧*"
    assert ledger.mask_name("") == ""


def test_phone_numbers_in_free_text_are_masked_and_other_numbers_kept() -> None:
    text = "电话13912345678，门牌301，工号123456789012，座机025-88886666，花了10000元"
    masked = ledger.mask_phones(text)
    assert "139****5678" in masked and "13912345678" not in masked
    assert "025-****6666" in masked and "88886666" not in masked
    assert "301" in masked and "123456789012" in masked and "10000元" in masked


def test_phone_numbers_written_with_separators_or_full_width_digits_are_masked() -> None:
    for written in ("139-8765-1234", "139 8765 1234", "139.8765.1234", "+86 139 8765 1234",
                    "+8613987651234", "１３９８７６５１２３４", "139－8765－1234"):
        masked = ledger.mask_phones(f"我电话{written}，谢谢")
        assert masked == "我电话139****1234，谢谢", (written, masked)


def test_a_month_runs_from_local_midnight_and_is_read_in_several_spellings() -> None:
    start, end = ledger.month_bounds(date(2026, 12, 1), TZ)
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    for spelling in ("2026-11", "2026/11", "202611", "2026年11月"):
        assert ledger.parse_month(spelling) == date(2026, 11, 1)
    assert ledger.parse_month("2026-13") is None and ledger.parse_month("soon") is None


def test_a_document_travels_base64_in_the_outbox_payload() -> None:
    payload = Message("x" * 2000, media=Document("a.xlsx", b"\x00\x01PK")).to_json()
    document = payload["document"]
    assert isinstance(document, dict) and document["filename"] == "a.xlsx"
    assert base64.b64decode(document["base64"]) == b"\x00\x01PK"
    assert len(str(payload["text"])) == 1024  # a caption, not a message


async def _month_of_cases(sessions: Sessions, clock: FrozenClock) -> None:
    async with sessions() as session, session.begin():
        await load_sample(session)
        resident = await person(session, 5001, "王大爷")
        resident.phone = "13900000000"
        first = await make_case(session, clock, reporter=resident, number="3",
                                text="楼道灯坏了，打13912345678")
        zhang = await person(session, 940001)
        clock.advance(hours=1)
        await accept_case(session, clock=clock, case_id=first.case.id or 0, actor=zhang)
        clock.advance(hours=3)
        await resolve_case(session, clock=clock, case_id=first.case.id or 0, actor=zhang,
                           note="换了")
        await confirm_case(session, clock=clock, case_id=first.case.id or 0, actor=resident)
        await rate_case(session, clock=clock, case_id=first.case.id or 0, actor=resident,
                        stars=3, comment="慢了点")
        await make_case(session, clock, reporter=resident, number="7", kind=CaseKind.DISPUTE,
                        text="邻居吵架")
        await make_case(session, clock, reporter=resident, number="12", text="桥西的事")


async def test_the_workbook_lists_each_case_once_on_its_kinds_sheet(
    sessions: Sessions, clock: FrozenClock,
) -> None:
    await _month_of_cases(sessions, clock)
    clock.advance(days=3)
    async with sessions() as session:
        yulan = await community_by_code(session, "yulan")
        assert yulan is not None
        book = await ledger.collect(session, community=yulan, month=date(2026, 11, 1),
                                    kinds=ledger.KINDS, policy=DeadlinePolicy(),
                                    now=clock.now(), tz=TZ, label=TEXTS)
    assert [row.values[0] for row in book.rows] == [1, 2]  # 桥西's case is not in 玉兰's ledger
    workbook = load_workbook(io.BytesIO(ledger.workbook_bytes(book, TEXTS)))
    assert workbook.sheetnames == ["汇总", "报修台账", "矛盾纠纷台账", "微心愿台账",
                                   "紧急求助台账", "其他事项台账"]
    repair = [c.value for c in workbook["报修台账"][2]]
    assert repair[2] == "王*" and repair[5] == "楼道灯坏了，打139****5678"
    assert repair[9] == 4.0 and repair[11] == 3 and repair[12] == "慢了点"
    assert workbook["微心愿台账"].max_row == 1  # headers only
    summary = {r[0].value: [c.value for c in r] for r in workbook["汇总"].iter_rows(min_row=3)
               if r[0].value}
    # #1 accepted after 1 h (deadline 2 h), closed in 4 h, rated 3 stars: not satisfied.
    assert summary["玉兰第一网格"][1:] == [1, 1, 0, 1.0, 1.0, 0.0]
    # #2, a dispute, not accepted after 3 days (deadline 1 day): overdue.
    assert summary["玉兰第二网格"][1:5] == [1, 0, 1, 0.0]
    assert summary["合计"][1:4] == [2, 1, 1]
    sheet = workbook["报修台账"]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


async def test_one_kind_as_csv(sessions: Sessions, clock: FrozenClock) -> None:
    await _month_of_cases(sessions, clock)
    async with sessions() as session:
        yulan = await community_by_code(session, "yulan")
        assert yulan is not None
        book = await ledger.collect(session, community=yulan, month=date(2026, 11, 1),
                                    kinds=(CaseKind.DISPUTE,), policy=DeadlinePolicy(),
                                    now=clock.now(), tz=TZ, label=TEXTS)
    lines = ledger.csv_bytes(book, TEXTS).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "邻居吵架" in lines[1] and "矛盾纠纷" in lines[1]
    assert ledger.file_name(book, fmt="csv") == "ledger-yulan-2026-11-dispute.csv"


async def test_gridbot_export_writes_the_workbook(
    sessions: Sessions, clock: FrozenClock, database_url: str, tmp_path: Path,
) -> None:
    await _month_of_cases(sessions, clock)
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    out = tmp_path / "out" / "ledger.xlsx"
    args = argparse.Namespace(community="yulan", month="2026-11", kind=None, csv=False,
                              out=str(out))
    assert await export_ledger(settings, args) == 0
    assert load_workbook(out)["报修台账"]["A2"].value == 1
    args.kind, args.out = ["repair"], str(tmp_path / "r.csv")
    assert await export_ledger(settings, args) == 0
    assert (tmp_path / "r.csv").read_text("utf-8-sig").count("\n") == 2
    args.community = "nowhere"
    assert await export_ledger(settings, args) == 1
    args.community, args.month = "yulan", "November"
    assert await export_ledger(settings, args) == 2
