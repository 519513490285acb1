"""Core schema: station, devices, scales, operators, records, weighings, cases, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 18:55:16.447175
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("record_hash", name=op.f("uq_audit_event_record_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "chain_head",
        sa.Column("chain", sa.String(length=16), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_chain_head")),
    )
    op.create_table(
        "number_sequence",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_number_sequence")),
    )
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
        sa.UniqueConstraint("login", name=op.f("uq_operator_login")),
    )
    op.create_table(
        "picture",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_picture")),
    )
    op.create_table(
        "record",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_type", sa.String(length=8), nullable=False),
        sa.Column("check_no", sa.String(length=32), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record")),
        sa.UniqueConstraint("record_hash", name=op.f("uq_record_record_hash")),
    )
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_check_no"), ["check_no"], unique=False)

    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station")),
        sa.UniqueConstraint("site_code", name=op.f("uq_station_site_code")),
    )
    op.create_table(
        "lane",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_lane_station_id_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane")),
        sa.UniqueConstraint("station_id", "number", name=op.f("uq_lane_station_id")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("reject_code", sa.String(length=32), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["seq"], ["record.seq"], name=op.f("fk_outbox_seq_record")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "weighing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_seq", sa.Integer(), nullable=False),
        sa.Column("check_no", sa.String(length=32), nullable=False),
        sa.Column("check_type", sa.Integer(), nullable=False),
        sa.Column("first_check_no", sa.String(length=32), nullable=True),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.Column("check_time", sa.DateTime(), nullable=False),
        sa.Column("plate_num", sa.String(length=16), nullable=False),
        sa.Column("plate_color", sa.Integer(), nullable=False),
        sa.Column("plate_source", sa.String(length=8), nullable=False),
        sa.Column("configuration", sa.String(length=16), nullable=False),
        sa.Column("axle_cnt", sa.Integer(), nullable=False),
        sa.Column("axle_type", sa.String(length=20), nullable=False),
        sa.Column("vehicle_class", sa.String(length=80), nullable=False),
        sa.Column("sum_weight", sa.Integer(), nullable=False),
        sa.Column("limit_weight", sa.Integer(), nullable=False),
        sa.Column("over_weight", sa.Integer(), nullable=False),
        sa.Column("over_rate", sa.String(length=10), nullable=False),
        sa.Column("is_over", sa.Boolean(), nullable=False),
        sa.Column("adjustments_json", sa.Text(), nullable=False),
        sa.Column("weigh_mode", sa.String(length=8), nullable=False),
        sa.Column("speed", sa.String(length=8), nullable=True),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("cert_no", sa.String(length=64), nullable=False),
        sa.Column("cert_valid_until", sa.Date(), nullable=False),
        sa.Column("operator_id", sa.String(length=64), nullable=False),
        sa.Column("flags_json", sa.Text(), nullable=False),
        sa.Column("length_mm", sa.Integer(), nullable=True),
        sa.Column("width_mm", sa.Integer(), nullable=True),
        sa.Column("height_mm", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_seq"], ["record.seq"], name=op.f("fk_weighing_record_seq_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighing")),
        sa.UniqueConstraint("check_no", name=op.f("uq_weighing_check_no")),
        sa.UniqueConstraint("record_seq", name=op.f("uq_weighing_record_seq")),
    )
    with op.batch_alter_table("weighing", schema=None) as batch_op:
        batch_op.create_index("ix_weighing_check_time", ["check_time"], unique=False)
        batch_op.create_index("ix_weighing_plate_time", ["plate_num", "check_time"], unique=False)

    op.create_table(
        "device",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=False),
        sa.Column("port", sa.String(length=200), nullable=False),
        sa.Column("options_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["lane_id"], ["lane.id"], name=op.f("fk_device_lane_id_lane")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    op.create_table(
        "enforcement_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_no", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_no"], ["weighing.check_no"], name=op.f("fk_enforcement_case_check_no_weighing")
        ),
        sa.ForeignKeyConstraint(
            ["close_seq"], ["record.seq"], name=op.f("fk_enforcement_case_close_seq_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
        sa.UniqueConstraint("check_no", name=op.f("uq_enforcement_case_check_no")),
    )
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enforcement_case_status"), ["status"], unique=False)

    op.create_table(
        "raw_trace",
        sa.Column("weighing_id", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=24), nullable=False),
        sa.Column("sample_rate_hz", sa.Integer(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["weighing_id"], ["weighing.id"], name=op.f("fk_raw_trace_weighing_id_weighing")
        ),
        sa.PrimaryKeyConstraint("weighing_id", name=op.f("pk_raw_trace")),
    )
    op.create_table(
        "scale",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("lane_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("serial_no", sa.String(length=100), nullable=False),
        sa.Column("max_kg", sa.Integer(), nullable=False),
        sa.Column("division_kg", sa.Integer(), nullable=False),
        sa.Column("accuracy_class", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["lane_id"], ["lane.id"], name=op.f("fk_scale_lane_id_lane")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale")),
    )
    op.create_table(
        "weighing_axle",
        sa.Column("weighing_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=True),
        sa.Column("group_code", sa.Integer(), nullable=False),
        sa.Column("spacing", sa.Integer(), nullable=True),
        sa.Column("tyres", sa.String(length=12), nullable=False),
        sa.Column("drive", sa.Boolean(), nullable=False),
        sa.Column("air_suspension", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["weighing_id"], ["weighing.id"], name=op.f("fk_weighing_axle_weighing_id_weighing")
        ),
        sa.PrimaryKeyConstraint("weighing_id", "no", name=op.f("pk_weighing_axle")),
    )
    op.create_table(
        "weighing_picture",
        sa.Column("weighing_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_type", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["picture.sha256"], name=op.f("fk_weighing_picture_sha256_picture")
        ),
        sa.ForeignKeyConstraint(
            ["weighing_id"], ["weighing.id"], name=op.f("fk_weighing_picture_weighing_id_weighing")
        ),
        sa.PrimaryKeyConstraint(
            "weighing_id", "sha256", "file_type", name=op.f("pk_weighing_picture")
        ),
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_case_event_case_id_enforcement_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)

    op.create_table(
        "scale_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("institute", sa.String(length=200), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["scale_id"], ["scale.id"], name=op.f("fk_scale_certificate_scale_id_scale")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_certificate")),
    )
    op.create_table(
        "unload_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("unload_kg", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_unload_notice_case_id_enforcement_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unload_notice")),
        sa.UniqueConstraint("number", name=op.f("uq_unload_notice_number")),
        sa.UniqueConstraint("year", "serial", name=op.f("uq_unload_notice_year")),
    )
    chain_head = sa.table(
        "chain_head",
        sa.column("chain", sa.String),
        sa.column("last_seq", sa.Integer),
        sa.column("last_hash", sa.String),
    )
    op.bulk_insert(
        chain_head,
        [
            {"chain": "province", "last_seq": 0, "last_hash": "0" * 64},
            {"chain": "audit", "last_seq": 0, "last_hash": "0" * 64},
        ],
    )


def downgrade() -> None:
    op.drop_table("unload_notice")
    op.drop_table("scale_certificate")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
    op.drop_table("weighing_picture")
    op.drop_table("weighing_axle")
    op.drop_table("scale")
    op.drop_table("raw_trace")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_status"))

    op.drop_table("enforcement_case")
    op.drop_table("device")
    with op.batch_alter_table("weighing", schema=None) as batch_op:
        batch_op.drop_index("ix_weighing_plate_time")
        batch_op.drop_index("ix_weighing_check_time")

    op.drop_table("weighing")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))

    op.drop_table("outbox")
    op.drop_table("lane")
    op.drop_table("station")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_check_no"))

    op.drop_table("record")
    op.drop_table("picture")
    op.drop_table("operator")
    op.drop_table("number_sequence")
    op.drop_table("chain_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
