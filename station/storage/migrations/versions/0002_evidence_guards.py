"""Evidence guards: the database itself refuses UPDATE and DELETE on append-only tables.

The ORM already refuses such changes; these triggers also stop other programs
(a SQL console, a script) from quietly editing evidence. Whoever drops a trigger to
edit a row still leaves a broken hash chain behind for `verify` to find.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = (
    "scale_certificate",
    "record",
    "weighing",
    "weighing_axle",
    "raw_trace",
    "picture",
    "weighing_picture",
    "case_event",
    "unload_notice",
    "audit_event",
)


def _sqlite_up(table: str) -> None:
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only evidence'); END"
        )


def _postgres_up(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION station_refuse_change()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION station_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only evidence', TG_TABLE_NAME; END $$"
        )
    for table in GUARDED:
        if dialect == "sqlite":
            _sqlite_up(table)
        elif dialect == "postgresql":
            _postgres_up(table)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS station_refuse_change()")
