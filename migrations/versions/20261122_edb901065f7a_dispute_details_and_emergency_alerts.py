"""Dispute details (mediation) and emergency alerts (repeated until acknowledged).

Revision ID: edb901065f7a
Revises: ca1a4955a455
Create Date: 2026-11-22 04:20:55.221855
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "edb901065f7a"
down_revision: str | Sequence[str] | None = "ca1a4955a455"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "dispute_details",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("other_party", sa.String(length=200), nullable=True),
        sa.Column("other_party_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.String(length=40), nullable=True),
        sa.Column("injury", sa.Boolean(), nullable=False),
        sa.Column("property_damage", sa.Boolean(), nullable=False),
        sa.Column("compensation", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("repeated", sa.Boolean(), nullable=False),
        sa.Column("proposed_tier", sa.String(length=20), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("tier_reasons", sa.JSON(), nullable=False),
        sa.Column("session_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_place", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreement", sa.Text(), nullable=True),
        sa.Column("referral_target", sa.String(length=20), nullable=True),
        sa.Column("referral_reason", sa.Text(), nullable=True),
        sa.Column("followup_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_held", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_dispute_details_case_id"),
        sa.ForeignKeyConstraint(["other_party_id"], ["person.id"], name="fk_dispute_other_party"),
        sa.PrimaryKeyConstraint("case_id", name="pk_dispute_details"),
    )
    op.create_table(
        "emergency_alert",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_sent", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["person.id"], name="fk_emergency_ack_by"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_emergency_alert_case_id"),
        sa.PrimaryKeyConstraint("case_id", name="pk_emergency_alert"),
    )
    with op.batch_alter_table("emergency_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergency_alert_last_sent_at"), ["last_sent_at"], unique=False
        )



def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("emergency_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_alert_last_sent_at"))

    op.drop_table("emergency_alert")
    op.drop_table("dispute_details")
