"""street emergency lines

Revision ID: 5e14a7c0d2b1
Revises: 4c956fbfb692
Create Date: 2026-11-24 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "5e14a7c0d2b1"
down_revision: str | Sequence[str] | None = "4c956fbfb692"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema: each street's local emergency lines (issue 14)."""
    with op.batch_alter_table("street") as batch:
        batch.add_column(sa.Column("emergency_lines", sa.JSON(), nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("street") as batch:
        batch.drop_column("emergency_lines")
