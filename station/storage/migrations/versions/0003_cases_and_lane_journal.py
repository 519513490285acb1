"""Cases carry what the lane needs to match a re-weighing; lane journal, watchlist, scale checks.

- enforcement_case gains the plate, lane, weights and notice number of its first weighing,
  so a re-weighing is matched and a notice printed without joining the evidence tables.
  Existing databases hold no cases yet; the columns still get server defaults, because
  SQLite adds a NOT NULL column only with one.
- weighing_attempt (the lane journal) and watchlist are mutable state.
- scale_check is evidence: APPEND-ONLY, guarded by triggers as in 0002.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = ("scale_check",)

CASE_COLUMNS = (
    ("plate_num", sa.String(length=16), ""),
    ("plate_color", sa.Integer(), "9"),
    ("lane", sa.Integer(), "0"),
    ("first_sum_kg", sa.Integer(), "0"),
    ("limit_kg", sa.Integer(), "0"),
    ("unload_kg", sa.Integer(), "0"),
)


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
    # Plain ADD COLUMN, not a batch: a SQLite batch would copy and drop enforcement_case,
    # which case_event and unload_notice refer to.
    for name, type_, default in CASE_COLUMNS:
        op.add_column(
            "enforcement_case",
            sa.Column(name, type_, nullable=False, server_default=default),
        )
    op.add_column("enforcement_case", sa.Column("notice_no", sa.String(length=40), nullable=True))
    op.create_index(
        "ix_enforcement_case_plate_time", "enforcement_case", ["plate_num", "opened_at"]
    )

    op.create_table(
        "weighing_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("check_no", sa.String(length=32), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighing_attempt")),
    )
    op.create_index(op.f("ix_weighing_attempt_state"), "weighing_attempt", ["state"])

    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate_num", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist")),
    )
    op.create_index(op.f("ix_watchlist_plate_num"), "watchlist", ["plate_num"])

    op.create_table(
        "scale_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_by", sa.String(length=64), nullable=False),
        sa.Column("reference_kg", sa.Integer(), nullable=False),
        sa.Column("reading_kg", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scale.id"], name=op.f("fk_scale_check_scale_id_scale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_check")),
    )
    op.create_index("ix_scale_check_scale_time", "scale_check", ["scale_id", "checked_at"])

    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _guard(table, dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _unguard(table, dialect)
    op.drop_index("ix_scale_check_scale_time", table_name="scale_check")
    op.drop_table("scale_check")
    op.drop_index(op.f("ix_watchlist_plate_num"), table_name="watchlist")
    op.drop_table("watchlist")
    op.drop_index(op.f("ix_weighing_attempt_state"), table_name="weighing_attempt")
    op.drop_table("weighing_attempt")
    op.drop_index("ix_enforcement_case_plate_time", table_name="enforcement_case")
    # SQLite 3.35+ drops a column in place; no table copy (see upgrade).
    op.drop_column("enforcement_case", "notice_no")
    for name, _, _ in reversed(CASE_COLUMNS):
        op.drop_column("enforcement_case", name)
