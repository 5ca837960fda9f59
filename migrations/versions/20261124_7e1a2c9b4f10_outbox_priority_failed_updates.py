"""outbox priority and failed updates

Revision ID: 7e1a2c9b4f10
Revises: 53a1bfbc4361
Create Date: 2026-11-24 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "7e1a2c9b4f10"
down_revision: str | Sequence[str] | None = "53a1bfbc4361"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "failed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("failed_update")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("priority")
