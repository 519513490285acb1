"""Upload state: picture delivery, upload passes, province key/value state, watchlist colour.

All of it is mutable delivery state, not evidence: what the province holds is decided by
the province's answers, and the records themselves stay in the append-only chain.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "picture_delivery",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["picture.sha256"], name=op.f("fk_picture_delivery_sha256_picture")
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_picture_delivery")),
    )
    op.create_table(
        "upload_pass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("records_sent", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("pictures_sent", sa.Integer(), nullable=False),
        sa.Column("pictures_failed", sa.Integer(), nullable=False),
        sa.Column("manifest_status", sa.String(length=12), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("missing_seqs", sa.Integer(), nullable=True),
        sa.Column("missing_pictures", sa.Integer(), nullable=True),
        sa.Column("pending_after", sa.Integer(), nullable=True),
        sa.Column("clock_skew_s", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_pass")),
    )
    op.create_index(op.f("ix_upload_pass_started_at"), "upload_pass", ["started_at"])
    op.create_table(
        "province_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_province_state")),
    )
    op.add_column("watchlist", sa.Column("plate_color", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    op.drop_column("watchlist", "plate_color")
    op.drop_table("province_state")
    op.drop_index(op.f("ix_upload_pass_started_at"), table_name="upload_pass")
    op.drop_table("upload_pass")
    op.drop_table("picture_delivery")
