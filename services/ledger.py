"""Ledgers (台账) from the cases themselves: one workbook a month, one sheet per kind, a summary
with counts and the three rates per grid; or the same rows as CSV for other tools.

Labels (headers, kind and status names) come from the caller's message catalogue, so that the
workbook speaks the community's language; timestamps are shown in the community's zone.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # openpyxl itself is imported when a ledger is written, not at start-up
    from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseKind, Community, Grid, Person
from services import activity_ledger, case_queries, media, metrics, numbers
from services.deadlines import DeadlinePolicy
from services.personal_data import mask_phones

Label = Callable[..., str]
KINDS: tuple[str, ...] = tuple(CaseKind)
COLUMNS = ("number", "reported_at", "reporter", "address", "kind", "content", "assignee",
           "accepted_at", "closed_at", "hours", "status", "rating", "comment", "followers",
           "proof_photos")
WIDTHS = (7, 16, 8, 16, 9, 44, 9, 16, 16, 8, 11, 6, 24, 8, 8)  # fits A4 landscape, fitted to width
DATE_FORMAT = "yyyy-mm-dd hh:mm"
SUMMARY = ("grid", "reported", "closed", "overdue", "response_rate", "resolution_rate",
           "satisfaction_rate")


def mask_name(name: str | None) -> str:
    """Keep the family name only: 张敏 → 张*, 欧阳娜娜 → 欧*."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else ""


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local calendar month containing `month`, as a UTC-aware [start, end)."""
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def parse_month(text: str) -> date | None:
    """Read "2026-11" (or "2026/11", "202611"); None when it is not a month."""
    return numbers.parse_month(text)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One case as the ledger shows it (local times, masked personal data)."""

    kind: str
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Ledger:
    """A month's ledger for one community, ready to write as a workbook or CSV."""

    community: Community
    month: date
    kinds: tuple[str, ...]
    rows: list[LedgerRow]
    rates: dict[int | None, metrics.Rates]
    grid_names: dict[int, str]
    attendance: list[tuple[object, ...]] = field(default_factory=list)  # activities (issue 20)

    def count(self, kind: str) -> int:
        """How many cases of this kind the ledger lists."""
        return sum(1 for row in self.rows if row.kind == kind)


async def collect(
    session: AsyncSession, *, community: Community, month: date, kinds: Sequence[str],
    policy: DeadlinePolicy, now: datetime, tz: ZoneInfo, label: Label,
) -> Ledger:
    """Gather one community's cases reported in a month, and the month's rates per grid."""
    start, end = month_bounds(month, tz)
    result = await session.execute(
        select(Case).where(col(Case.community_id) == community.id, col(Case.created_at) >= start,
                           col(Case.created_at) < end, col(Case.kind).in_(list(kinds)),
                           col(Case.merged_into_id).is_(None))  # a merged duplicate: counted once
        .order_by(col(Case.id)))
    cases = list(result.scalars().all())
    wanted: set[int | None] = {c.assignee_id for c in cases}
    wanted |= {c.reporter_id for c in cases}
    people = await case_queries.people_by_id(session, wanted)
    proofs = await media.proof_counts(session, [c.id for c in cases if c.id is not None])
    rows = [LedgerRow(c.kind, (*_values(c, people, tz, label), proofs.get(c.id or 0, 0)))
            for c in cases]
    assert community.id is not None
    facts = await metrics.facts_for_period(session, policy, start=start, end=end,
                                           community_ids=[community.id])
    rates = metrics.by([f for f in facts if f.kind in kinds], "grid_id", policy, start=start,
                       end=end, now=min(now, end))
    grids = await session.execute(select(Grid).where(col(Grid.community_id) == community.id)
                                  .order_by(col(Grid.id)))
    names = {g.id: g.name for g in grids.scalars().all() if g.id is not None}
    attendance = await activity_ledger.attendance_rows(
        session, community_id=community.id, start=start, end=end, tz=tz, mask=mask_name,
        label=label)
    return Ledger(community, month, tuple(kinds), rows, rates, names, attendance)


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    # Excel has no time zones: write the local wall time without one.
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def _values(
    case: Case, people: dict[int, Person], tz: ZoneInfo, label: Label,
) -> tuple[object, ...]:
    reporter, assignee = people.get(case.reporter_id), people.get(case.assignee_id or 0)
    place = ""
    if case.building_label:
        place = label("address.building", building=case.building_label)
        place += label("address.unit", unit=case.unit) if case.unit else ""
        place += label("address.room", room=case.room) if case.room else ""
    hours = (round((case.closed_at - case.created_at).total_seconds() / 3600, 1)
             if case.closed_at else None)
    return (case.id, _local(case.created_at, tz), mask_name(reporter.name if reporter else ""),
            place, label(f"kind.{case.kind}"), mask_phones(case.text),
            assignee.name if assignee else "", _local(case.accepted_at, tz),
            _local(case.closed_at, tz), hours, label(f"status.{case.status}"), case.rating,
            mask_phones(case.rating_comment), case.followers)


def workbook_bytes(ledger: Ledger, label: Label) -> bytes:
    """Write the ledger as an .xlsx workbook: the summary first, then one sheet per kind."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    book = Workbook()
    summary = book.active
    assert summary is not None
    _summary_sheet(summary, ledger, label)
    for kind in ledger.kinds:
        sheet = book.create_sheet(label("ledger.sheet", kind=label(f"kind.{kind}"))[:31])
        sheet.append([label(f"ledger.col.{name}") for name in COLUMNS])
        for row in ledger.rows:
            if row.kind == kind:
                sheet.append(list(row.values))
        _layout(sheet, WIDTHS)
        for cells in sheet.iter_rows(min_row=2):
            for index in (1, 7, 8):  # reported, accepted, closed
                cells[index].number_format = DATE_FORMAT
            for index in (5, 12):  # content, comment
                cells[index].alignment = Alignment(wrap_text=True, vertical="top")
    if ledger.attendance:
        activity_ledger.add_sheet(book, ledger.attendance, label, _layout)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(sheet: "Worksheet", ledger: Ledger, label: Label) -> None:
    from openpyxl.styles import Font

    sheet.title = label("ledger.sheet_summary")[:31]
    sheet.append([label("ledger.summary_title", community=ledger.community.name,
                        month=ledger.month.strftime("%Y-%m"))])
    sheet.append([label(f"ledger.col.{name}") for name in SUMMARY])
    total = metrics.Rates()
    for grid_id in sorted(ledger.rates, key=lambda g: (g is None, g or 0)):
        rates = ledger.rates[grid_id]
        total.add(rates)
        name = ledger.grid_names.get(grid_id or 0) or label("ledger.no_grid")
        sheet.append(_rate_cells(name, rates))
    sheet.append(_rate_cells(label("ledger.total"), total))
    sheet.append([])
    sheet.append([label("ledger.col.kind"), label("ledger.col.count")])
    for kind in ledger.kinds:
        sheet.append([label(f"kind.{kind}"), ledger.count(kind)])
    sheet["A1"].font = Font(bold=True, size=13)
    for row in sheet.iter_rows(min_row=3, max_row=2 + len(ledger.rates) + 1, min_col=5):
        for cell in row:
            cell.number_format = "0.0%"
    _layout(sheet, (18, 9, 9, 9, 11, 11, 11), header_row=2)


def _rate_cells(name: str, rates: metrics.Rates) -> list[object]:
    return [name, rates.reported, rates.closed, len(rates.overdue),
            rates.response_rate, rates.resolution_rate, rates.satisfaction_rate]


def _layout(sheet: "Worksheet", widths: Sequence[int], *, header_row: int = 1) -> None:
    """Widths, a bold repeated header, and A4 landscape fitted to one page wide."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def csv_bytes(ledger: Ledger, label: Label) -> bytes:
    """Write every row as CSV (UTF-8 with a BOM, so that Excel reads the Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label(f"ledger.col.{name}") for name in COLUMNS])
    for row in ledger.rows:
        writer.writerow([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime)
                         else "" if v is None else v for v in row.values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_name(ledger: Ledger, *, fmt: str) -> str:
    """A name that says what the file is: ledger-yulan-2026-11.xlsx."""
    kinds = "" if set(ledger.kinds) == set(KINDS) else "-" + "-".join(ledger.kinds)
    return f"ledger-{ledger.community.code}-{ledger.month:%Y-%m}{kinds}.{fmt}"
