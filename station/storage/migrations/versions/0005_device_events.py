"""Device events: the state changes of every device, evidence for the periodic reports.

- device_event is evidence of the equipment's state (a scale OFFLINE while trucks passed):
  APPEND-ONLY, guarded by triggers as in 0002 and 0003. Nothing is back-filled: the log
  starts when a station first runs this version.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = ("device_event",)


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


def _unguard(table: str, dialect: str) -> None:
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def upgrade() -> None:
    op.create_table(
        "device_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_event")),
    )
    op.create_index(op.f("ix_device_event_at"), "device_event", ["at"])
    op.create_index("ix_device_event_device_time", "device_event", ["device_id", "at"])

    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _guard(table, dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _unguard(table, dialect)
    op.drop_index("ix_device_event_device_time", table_name="device_event")
    op.drop_index(op.f("ix_device_event_at"), table_name="device_event")
    op.drop_table("device_event")
