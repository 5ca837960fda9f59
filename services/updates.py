"""Exactly-once processing: an update id is claimed in the same transaction as its effects."""

from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import ProcessedUpdate
from services import direct

_CLAIMS: dict[str, direct.Statement] = {}


def _claim(dialect: str) -> direct.Statement:
    """The claiming INSERT … ON CONFLICT DO NOTHING, built once per database kind (it runs for
    every update)."""
    statement = _CLAIMS.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        claim: Insert = (
            insert(ProcessedUpdate.__table__)  # type: ignore[attr-defined]  # Core: a rowcount
            .values(update_id=bindparam("update_id"), processed_at=bindparam("at"))
            .on_conflict_do_nothing(index_elements=["update_id"]))
        statement = _CLAIMS[dialect] = direct.Statement(claim)
    return statement


_CLAIMED: dict[str, Any] = {}


def claimed_in_query(dialect: str) -> Any | None:
    """On PostgreSQL, the claim as a value another query can read: 1 when its statement claimed
    the update, 0 when the update was processed already. The INSERT runs once, as a WITH of that
    statement: the update's first query claims it too, one round trip less per update. None on
    SQLite, which has no INSERT in a WITH."""
    if dialect != "postgresql":
        return None
    found = _CLAIMED.get(dialect)
    if found is None:
        claim: Any = _claim(dialect).statement
        done = claim.returning(claim.table.c.update_id).cte("claim")
        found = _CLAIMED[dialect] = select(func.count()).select_from(done).scalar_subquery()
    return found


async def claim_update(session: AsyncSession, *, update_id: int, at: datetime) -> bool:
    """Record the update as processed; False when it already was (a redelivery)."""
    statement = _claim(session.get_bind().dialect.name)
    result = await direct.run(session, statement, {"update_id": update_id, "at": at})
    return bool(result.rowcount)


async def forget_processed_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete processed-update records older than the cutoff; return how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime
