"""A resident's own phone number, shared through Telegram's 📱 button: stored once, asked for
once, and shown only to the workers who hold the resident's open cases."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Case, CaseKind, CaseStatus, Person, PhoneAsked
from services.personal_data import normalize_phone

# Cases whose holder may still need to call the resident.
OPEN = (CaseStatus.ASSIGNED, CaseStatus.ACCEPTED, CaseStatus.REOPENED, CaseStatus.PUBLISHED)


async def should_ask(session: AsyncSession, person: Person, *, at: datetime) -> bool:
    """Tell whether to ask this resident for their phone now, and remember that we did: only
    once, and never when the number is known."""
    if person.phone or person.id is None or person.telegram_id is None:
        return False
    if await session.get(PhoneAsked, person.id) is not None:
        return False
    session.add(PhoneAsked(person_id=person.id, asked_at=at))
    return True


def store(person: Person, phone: str) -> str | None:
    """Keep the shared number on the person (as +86…, digits only); None when it is no phone."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    stored = normalize_phone(digits) or (digits if 6 <= len(digits.lstrip("+")) <= 20 else None)
    if stored is not None:
        person.phone = stored[:32]
    return stored


async def open_cases(session: AsyncSession, person_id: int) -> Sequence[Case]:
    """The resident's cases someone holds and may need to call about (disputes included: their
    mediator may see the phone; wishes: their volunteer)."""
    found = await session.execute(
        select(Case).where(col(Case.reporter_id) == person_id, col(Case.status).in_(OPEN),
                           col(Case.assignee_id).is_not(None),
                           col(Case.kind) != CaseKind.EMERGENCY)
        .order_by(col(Case.id)))
    return found.scalars().all()
