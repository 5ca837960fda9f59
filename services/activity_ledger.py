"""Attendance of the month's activities, as a sheet of the ledger (台账) export: who signed up
(names masked), who came, volunteers' hours and points."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Activity, ActivitySignup, Person
from services.activities import CANCELLED

if TYPE_CHECKING:
    from openpyxl import Workbook

COLUMNS = ("starts_at", "title", "place", "person", "role", "attendance", "hours", "points")
WIDTHS = (16, 20, 16, 8, 8, 10, 8, 8)


async def attendance_rows(
    session: AsyncSession, *, community_id: int, start: datetime, end: datetime, tz: ZoneInfo,
    mask: Callable[[str | None], str], label: Callable[..., str],
) -> list[tuple[object, ...]]:
    """One row per sign-up (not cancelled) of the activities starting in [start, end)."""
    result = await session.execute(
        select(Activity, ActivitySignup, Person)
        .join(ActivitySignup, col(ActivitySignup.activity_id) == col(Activity.id))
        .join(Person, col(Person.id) == col(ActivitySignup.person_id))
        .where(col(Activity.community_id) == community_id, col(Activity.starts_at) >= start,
               col(Activity.starts_at) < end, col(ActivitySignup.status) != CANCELLED)
        .order_by(col(Activity.starts_at), col(Activity.id), col(ActivitySignup.signed_at),
                  col(ActivitySignup.id)))
    rows: list[tuple[object, ...]] = []
    for activity, signup, person in result.all():
        came = signup.checked_in_at is not None
        state = "came" if came else signup.status
        rows.append((activity.starts_at.astimezone(tz).replace(tzinfo=None), activity.title,
                     activity.place, mask(person.name),
                     label("ledger.activity_volunteer" if signup.volunteer else
                           "ledger.activity_resident"),
                     label(f"ledger.activity_{state}"),
                     activity.hours if came and signup.volunteer else None,
                     signup.points or None))
    return rows


def add_sheet(book: "Workbook", rows: Sequence[tuple[object, ...]], label: Callable[..., str],
              layout: Callable[[Any, Sequence[int]], None]) -> None:
    """Append the attendance sheet to a ledger workbook."""
    sheet = book.create_sheet(label("ledger.sheet_activities")[:31])
    sheet.append([label(f"ledger.activity_col.{name}") for name in COLUMNS])
    for row in rows:
        sheet.append(list(row))
    layout(sheet, WIDTHS)
    for cells in sheet.iter_rows(min_row=2):
        cells[0].number_format = "yyyy-mm-dd hh:mm"
