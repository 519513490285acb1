"""Dynamic runs: the reference-vehicle checks of dynamic axle scales (JJG 907 / OIML R 134).

- dynamic_run: one completed check (classes, static reference, passes, result, counter).
- dynamic_run_item: its judged values (gross, single axles, axle groups) per pass.

Both are evidence: APPEND-ONLY, guarded by triggers as in 0002, 0005 and 0006.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = ("dynamic_run", "dynamic_run_item")


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
        "dynamic_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("site_code", sa.String(length=12), nullable=False),
        sa.Column("station_name", sa.String(length=100), nullable=False),
        sa.Column("scale_model", sa.String(length=100), nullable=False),
        sa.Column("d_kg", sa.Integer(), nullable=False),
        sa.Column("vehicle_class", sa.String(length=4), nullable=False),
        sa.Column("axle_class", sa.String(length=2), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("verification", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("technician", sa.String(length=64), nullable=False),
        sa.Column("reference_vehicle", sa.String(length=64), nullable=False),
        sa.Column("static_axles_json", sa.Text(), nullable=False),
        sa.Column("static_gross_kg", sa.Integer(), nullable=False),
        sa.Column("groups_json", sa.Text(), nullable=False),
        sa.Column("two_axle_rigid", sa.Boolean(), nullable=False),
        sa.Column("passes_json", sa.Text(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("result_passed", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scale.id"], name=op.f("fk_dynamic_run_scale_id_scale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dynamic_run")),
    )
    op.create_index("ix_dynamic_run_scale_time", "dynamic_run", ["scale_id", "finished_at"])

    op.create_table(
        "dynamic_run_item",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("speed_kmh", sa.Integer(), nullable=False),
        sa.Column("reading_kg", sa.Integer(), nullable=False),
        sa.Column("reference_g", sa.Integer(), nullable=False),
        sa.Column("deviation_g", sa.Integer(), nullable=False),
        sa.Column("limit_g", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dynamic_run.id"], name=op.f("fk_dynamic_run_item_run_id_dynamic_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "no", name=op.f("pk_dynamic_run_item")),
    )

    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _guard(table, dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _unguard(table, dialect)
    op.drop_table("dynamic_run_item")
    op.drop_index("ix_dynamic_run_scale_time", table_name="dynamic_run")
    op.drop_table("dynamic_run")
