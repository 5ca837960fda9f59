"""who may join an activity, where volunteers' skills came from, unanswered danger questions

Revision ID: b6c2f1a9d407
Revises: 7e1a2c9b4f10
Create Date: 2026-11-24 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "b6c2f1a9d407"
down_revision: str | Sequence[str] | None = "7e1a2c9b4f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eligibility", sa.JSON(), nullable=False,
                                      server_default="{}"))
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skills_source", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("skills_set_at", sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        "danger_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("building", sa.String(length=20), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("danger_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_danger_question_settled_at"), ["settled_at"],
                              unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("danger_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_danger_question_settled_at"))
    op.drop_table("danger_question")
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.drop_column("skills_set_at")
        batch_op.drop_column("skills_source")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("eligibility")
