"""The calibration event counter stored with each weighing; weighings queued offline.

- weighing.calibration_counter: until now the counter on a ticket was looked up by the
  weighing's check time, which has whole-second resolution, so a coefficient change in the
  same second as a weighing was shown on it. From this revision the counter is written in
  the weighing's own transaction. Existing rows keep NULL and are still shown by the time
  lookup; nothing is back-filled, because weighing rows are append-only evidence.
- queued_weighing: a workstation that lost the station's database server queued the
  weighing on its own disk and committed it later (station.lanes.spooling). One row per
  queued weighing, in the same transaction as the weighing: it names the queue entry, so
  an entry is never committed twice, and says when it was queued and when it arrived.
  Evidence: APPEND-ONLY, guarded by triggers as in 0002, 0003, 0005 and 0006.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = ("queued_weighing",)


def _guard(table: str, dialect: str) -> None:
    # The same trigger names as 0002 uses: verify looks for exactly these.
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only evidence'); END"
            )
    elif dialect == "postgresql":
        # station_refuse_change() was created by 0002.
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION station_refuse_change()"
        )


def upgrade() -> None:
    op.add_column("weighing", sa.Column("calibration_counter", sa.Integer(), nullable=True))
    op.create_table(
        "queued_weighing",
        sa.Column("spool_id", sa.String(length=36), nullable=False),
        sa.Column("check_no", sa.String(length=32), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("spool_id", name=op.f("pk_queued_weighing")),
        sa.UniqueConstraint("check_no", name=op.f("uq_queued_weighing_check_no")),
    )
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _guard(table, dialect)


def downgrade() -> None:
    op.drop_table("queued_weighing")  # its triggers go with it
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy would drop the append-only triggers.
    op.drop_column("weighing", "calibration_counter")
