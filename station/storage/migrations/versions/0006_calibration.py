"""Calibration: seal and coefficient events, calibration runs, certificate scans.

- calibration_event: the seal opened and closed, coefficient changes (with the scale's
  calibration event counter) and calibration runs recorded. Evidence: APPEND-ONLY.
- calibration_session and calibration_point: one completed calibration or verification
  run and its readings as found and as left. Evidence: APPEND-ONLY.
- scale_certificate gains issued_on and scan_sha256 (the scanned certificate, a file in
  the picture store). Both NULL for the certificates recorded before; a plain ADD COLUMN
  (no SQLite batch copy), so the append-only guards of 0002 stay as they are.

Guards are triggers as in 0002, 0003 and 0005.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Fixed here, not imported from the models, so this migration never changes meaning.
GUARDED = ("calibration_session", "calibration_point", "calibration_event")


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
    # ADD COLUMN ... REFERENCES in place: the 0002 triggers on scale_certificate refuse
    # UPDATE and DELETE, not a new nullable column.
    op.add_column("scale_certificate", sa.Column("issued_on", sa.Date(), nullable=True))
    op.add_column(
        "scale_certificate",
        sa.Column(
            "scan_sha256",
            sa.String(length=64),
            sa.ForeignKey("picture.sha256", name=op.f("fk_scale_certificate_scan_sha256_picture")),
            nullable=True,
        ),
        inline_references=True,
    )

    op.create_table(
        "calibration_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("site_code", sa.String(length=12), nullable=False),
        sa.Column("station_name", sa.String(length=100), nullable=False),
        sa.Column("scale_model", sa.String(length=100), nullable=False),
        sa.Column("max_kg", sa.Integer(), nullable=False),
        sa.Column("e_kg", sa.Integer(), nullable=False),
        sa.Column("accuracy_class", sa.String(length=8), nullable=False),
        sa.Column("verification", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("technician", sa.String(length=64), nullable=False),
        sa.Column("weights_json", sa.Text(), nullable=False),
        sa.Column("counter_before", sa.Integer(), nullable=False),
        sa.Column("counter_after", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.Column("result_passed", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scale.id"], name=op.f("fk_calibration_session_scale_id_scale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_session")),
    )
    op.create_index(
        "ix_calibration_session_scale_time", "calibration_session", ["scale_id", "finished_at"]
    )

    op.create_table(
        "calibration_point",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("test", sa.String(length=24), nullable=False),
        sa.Column("load_kg", sa.Integer(), nullable=False),
        sa.Column("indication_kg", sa.Integer(), nullable=False),
        sa.Column("error_g", sa.Integer(), nullable=False),
        sa.Column("mpe_g", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["calibration_session.id"],
            name=op.f("fk_calibration_point_session_id_calibration_session"),
        ),
        sa.PrimaryKeyConstraint("session_id", "phase", "no", name=op.f("pk_calibration_point")),
    )

    op.create_table(
        "calibration_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("after_json", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scale.id"], name=op.f("fk_calibration_event_scale_id_scale")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["calibration_session.id"],
            name=op.f("fk_calibration_event_session_id_calibration_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_event")),
    )
    op.create_index("ix_calibration_event_scale_time", "calibration_event", ["scale_id", "at"])

    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _guard(table, dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED:
        _unguard(table, dialect)
    op.drop_index("ix_calibration_event_scale_time", table_name="calibration_event")
    op.drop_table("calibration_event")
    op.drop_table("calibration_point")
    op.drop_index("ix_calibration_session_scale_time", table_name="calibration_session")
    op.drop_table("calibration_session")
    # SQLite 3.35+ drops a column in place, but not one with a REFERENCES clause
    # (https://sqlite.org/lang_altertable.html): that needs the batch copy. scale_certificate
    # is append-only, so its guards are dropped for the copy and made again.
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS scale_certificate_no_update")
        op.execute("DROP TRIGGER IF EXISTS scale_certificate_no_delete")
        with op.batch_alter_table("scale_certificate") as batch:
            batch.drop_column("scan_sha256")
            batch.drop_column("issued_on")
        _guard("scale_certificate", dialect)
    else:
        op.drop_column("scale_certificate", "scan_sha256")
        op.drop_column("scale_certificate", "issued_on")
