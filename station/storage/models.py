"""SQLAlchemy models. Times are naive Beijing time (UTC+8, no DST), as stored and uploaded.

Tables marked APPEND-ONLY hold evidence: storage offers no update or delete of their
rows, an ORM guard refuses them, and database triggers (migrations 0002 and 0003)
refuse them too. Mutable state (case status, outbox delivery, operator login counters,
the lane journal, the watchlist) lives in separate tables whose history is kept in
append-only event tables or the audit chain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AppendOnly:
    """Marker: rows of these tables are never updated or deleted."""


# ---- station, lanes, devices, scales ------------------------------------------------------


class Station(Base):
    __tablename__ = "station"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Lane(Base):
    __tablename__ = "lane"
    __table_args__ = (UniqueConstraint("station_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    number: Mapped[int] = mapped_column(Integer)
    direction: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(50))


class Device(Base):
    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lane_id: Mapped[int | None] = mapped_column(ForeignKey("lane.id"))
    kind: Mapped[str] = mapped_column(String(16))
    driver: Mapped[str] = mapped_column(String(64))
    port: Mapped[str] = mapped_column(String(200))
    options_json: Mapped[str] = mapped_column(Text, default="{}")


class Scale(Base):
    __tablename__ = "scale"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lane_id: Mapped[int | None] = mapped_column(ForeignKey("lane.id"))
    model: Mapped[str] = mapped_column(String(100), default="")
    serial_no: Mapped[str] = mapped_column(String(100), default="")
    max_kg: Mapped[int] = mapped_column(Integer)
    division_kg: Mapped[int] = mapped_column(Integer)
    accuracy_class: Mapped[str] = mapped_column(String(8), default="III")


class ScaleCertificate(AppendOnly, Base):
    """Legal verification certificate (检定证书). APPEND-ONLY: a renewal is a new row."""

    __tablename__ = "scale_certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    number: Mapped[str] = mapped_column(String(64))
    institute: Mapped[str] = mapped_column(String(200))
    valid_until: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    # Added by 0006; NULL for certificates recorded before it.
    issued_on: Mapped[date | None] = mapped_column(Date)
    scan_sha256: Mapped[str | None] = mapped_column(ForeignKey("picture.sha256"))


class ScaleCheck(AppendOnly, Base):
    """Daily check of a scale with a reference weight. APPEND-ONLY: evidence of fitness."""

    __tablename__ = "scale_check"
    __table_args__ = (Index("ix_scale_check_scale_time", "scale_id", "checked_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime)
    checked_by: Mapped[str] = mapped_column(String(64))
    reference_kg: Mapped[int] = mapped_column(Integer)
    reading_kg: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)


# ---- people -------------------------------------------------------------------------------


class Operator(Base):
    __tablename__ = "operator"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)


# ---- the province chain -------------------------------------------------------------------


class ChainHead(Base):
    """Last seq and hash of each chain, locked while a record is appended."""

    __tablename__ = "chain_head"
    chain: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class Record(AppendOnly, Base):
    """A sealed province record (CHECK, CLOSE, VOID). APPEND-ONLY.

    `body` is the canonical JSON exactly as hashed and uploaded.
    """

    __tablename__ = "record"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_type: Mapped[str] = mapped_column(String(8))
    check_no: Mapped[str] = mapped_column(String(32), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Outbox(Base):
    """Delivery state of each record; a record leaves only when ACCEPTED or DUPLICATE."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(ForeignKey("record.seq"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="PENDING", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    reject_code: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class PictureDelivery(Base):
    """Whether the province holds a picture (HEAD 200 or PUT 201/200), or why not yet."""

    __tablename__ = "picture_delivery"
    sha256: Mapped[str] = mapped_column(ForeignKey("picture.sha256"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))  # HELD or FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class UploadPass(Base):
    """One upload pass (province-api.md §8): what it sent and how the manifest answered.

    RUNNING until it ends; a pass still RUNNING when the next one starts was killed and
    is marked INTERRUPTED. Nothing in the outbox depends on these rows: they are the
    operator's and supervisor's view of the passes.
    """

    __tablename__ = "upload_pass"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    trigger: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    records_sent: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    pictures_sent: Mapped[int] = mapped_column(Integer, default=0)
    pictures_failed: Mapped[int] = mapped_column(Integer, default=0)
    manifest_status: Mapped[str | None] = mapped_column(String(12))
    last_seq: Mapped[int | None] = mapped_column(Integer)
    missing_seqs: Mapped[int | None] = mapped_column(Integer)
    missing_pictures: Mapped[int | None] = mapped_column(Integer)
    pending_after: Mapped[int | None] = mapped_column(Integer)
    clock_skew_s: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class ProvinceState(Base):
    """Small values kept between passes: the watchlist cursor, the last server time seen."""

    __tablename__ = "province_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# ---- weighings and evidence ---------------------------------------------------------------


class Weighing(AppendOnly, Base):
    """Structured copy of a CHECK record plus local evidence. APPEND-ONLY."""

    __tablename__ = "weighing"
    __table_args__ = (
        Index("ix_weighing_plate_time", "plate_num", "check_time"),
        Index("ix_weighing_check_time", "check_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    record_seq: Mapped[int] = mapped_column(ForeignKey("record.seq"), unique=True)
    check_no: Mapped[str] = mapped_column(String(32), unique=True)
    check_type: Mapped[int] = mapped_column(Integer)
    first_check_no: Mapped[str | None] = mapped_column(String(32))
    lane: Mapped[int] = mapped_column(Integer)
    direction: Mapped[int] = mapped_column(Integer)
    check_time: Mapped[datetime] = mapped_column(DateTime)
    plate_num: Mapped[str] = mapped_column(String(16))
    plate_color: Mapped[int] = mapped_column(Integer)
    plate_source: Mapped[str] = mapped_column(String(8))
    configuration: Mapped[str] = mapped_column(String(16))
    axle_cnt: Mapped[int] = mapped_column(Integer)
    axle_type: Mapped[str] = mapped_column(String(20))
    vehicle_class: Mapped[str] = mapped_column(String(80))
    sum_weight: Mapped[int] = mapped_column(Integer)
    limit_weight: Mapped[int] = mapped_column(Integer)
    over_weight: Mapped[int] = mapped_column(Integer)
    over_rate: Mapped[str] = mapped_column(String(10))
    is_over: Mapped[bool] = mapped_column(Boolean)
    adjustments_json: Mapped[str] = mapped_column(Text)
    weigh_mode: Mapped[str] = mapped_column(String(8))
    speed: Mapped[str | None] = mapped_column(String(8))
    scale_id: Mapped[str] = mapped_column(String(64))
    cert_no: Mapped[str] = mapped_column(String(64))
    cert_valid_until: Mapped[date] = mapped_column(Date)
    operator_id: Mapped[str] = mapped_column(String(64))
    flags_json: Mapped[str] = mapped_column(Text)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    # The scale's calibration event counter when weighed (schema 0007; older rows: NULL).
    calibration_counter: Mapped[int | None] = mapped_column(Integer)


class QueuedWeighing(AppendOnly, Base):
    """A weighing a workstation queued on its own disk while the database server was
    unreachable, committed when it returned (schema 0007). APPEND-ONLY."""

    __tablename__ = "queued_weighing"
    spool_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    check_no: Mapped[str] = mapped_column(String(32), unique=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    committed_at: Mapped[datetime] = mapped_column(DateTime)
    workstation: Mapped[str] = mapped_column(String(64))


class WeighingAxle(AppendOnly, Base):
    __tablename__ = "weighing_axle"
    weighing_id: Mapped[int] = mapped_column(ForeignKey("weighing.id"), primary_key=True)
    no: Mapped[int] = mapped_column(Integer, primary_key=True)
    weight: Mapped[int | None] = mapped_column(Integer)
    group_code: Mapped[int] = mapped_column(Integer)
    spacing: Mapped[int | None] = mapped_column(Integer)
    tyres: Mapped[str] = mapped_column(String(12))
    drive: Mapped[bool] = mapped_column(Boolean)
    air_suspension: Mapped[bool] = mapped_column(Boolean)


class RawTrace(AppendOnly, Base):
    """The weight samples a weighing was computed from, compressed. APPEND-ONLY."""

    __tablename__ = "raw_trace"
    weighing_id: Mapped[int] = mapped_column(ForeignKey("weighing.id"), primary_key=True)
    encoding: Mapped[str] = mapped_column(String(24))
    sample_rate_hz: Mapped[int] = mapped_column(Integer)
    sample_count: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class Picture(AppendOnly, Base):
    """A picture or video file on disk, named by its SHA-256. APPEND-ONLY."""

    __tablename__ = "picture"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WeighingPicture(AppendOnly, Base):
    __tablename__ = "weighing_picture"
    weighing_id: Mapped[int] = mapped_column(ForeignKey("weighing.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("picture.sha256"), primary_key=True)
    file_type: Mapped[int] = mapped_column(Integer, primary_key=True)


# ---- cases and unload notices -------------------------------------------------------------


class EnforcementCase(Base):
    """The case of one first weighing: OPEN, CLOSED (with a CaseResult) or VOIDED.

    An overloaded first weighing opens it; one within the limit is closed NOT_OVER at
    once. Status changes are plain updates here; their history goes to case_event.
    `unload_kg` is what is still to be unloaded (lowered by a re-weighing still over).
    The columns added in 0003 carry server defaults so the migration could add them.
    """

    __tablename__ = "enforcement_case"
    __table_args__ = (Index("ix_enforcement_case_plate_time", "plate_num", "opened_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    check_no: Mapped[str] = mapped_column(ForeignKey("weighing.check_no"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    result: Mapped[str | None] = mapped_column(String(12))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_seq: Mapped[int | None] = mapped_column(ForeignKey("record.seq"))
    plate_num: Mapped[str] = mapped_column(String(16), default="", server_default="")
    plate_color: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    lane: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_sum_kg: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    limit_kg: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unload_kg: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notice_no: Mapped[str | None] = mapped_column(String(40))


class CaseEvent(AppendOnly, Base):
    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class UnloadNotice(AppendOnly, Base):
    """卸载通知书, numbered per station and year. APPEND-ONLY."""

    __tablename__ = "unload_notice"
    __table_args__ = (UniqueConstraint("year", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_case.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    unload_kg: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(64))


class NumberSequence(Base):
    """Counters for document numbers (check numbers per day, notices per year)."""

    __tablename__ = "number_sequence"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


# ---- lane journal and watchlist -----------------------------------------------------------


class WeighingAttempt(Base):
    """The lane journal: a vehicle seen on a lane, until it is weighed or leaves.

    OPEN while the lane works on it; DONE with the weighing's check_no; ABANDONED when
    the vehicle left unweighed; INTERRUPTED when the program stopped (crash, power cut)
    with it still OPEN, found at the next start. Mutable: the audit chain keeps history.
    """

    __tablename__ = "weighing_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    lane: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(12), index=True)
    plate: Mapped[str] = mapped_column(String(16), default="")
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    check_no: Mapped[str | None] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class Watchlist(Base):
    """Plates to stop or look at, from the province or entered here. Mutable, audited."""

    __tablename__ = "watchlist"
    id: Mapped[int] = mapped_column(primary_key=True)
    plate_num: Mapped[str] = mapped_column(String(16), index=True)
    plate_color: Mapped[int | None] = mapped_column(Integer)  # province entries name one
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# ---- device events ------------------------------------------------------------------------


class DeviceEvent(AppendOnly, Base):
    """A device's state as the station saw it change (OK, STALE, OFFLINE...). APPEND-ONLY.

    Evidence of the equipment's state at a weighing and the source of the device faults of
    the periodic reports (station/storage/device_events.py says what is written when).
    """

    __tablename__ = "device_event"
    __table_args__ = (Index("ix_device_event_device_time", "device_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    lane: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text, default="")


# ---- calibration --------------------------------------------------------------------------


class CalibrationEvent(AppendOnly, Base):
    """A change of a scale's legally relevant state: seal opened or closed, coefficients
    changed, a calibration run recorded. APPEND-ONLY.

    `counter` is the scale's calibration event counter after this event (事件计数器, OIML
    R 76 / JJG 539): only COEFFICIENTS_CHANGED raises it, by one. The seal state and the
    coefficients in force are those of the scale's last SEAL_* and COEFFICIENTS_CHANGED
    events (station/storage/calibration.py).
    """

    __tablename__ = "calibration_event"
    __table_args__ = (Index("ix_calibration_event_scale_time", "scale_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    counter: Mapped[int] = mapped_column(Integer)
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("calibration_session.id"))


class CalibrationSession(AppendOnly, Base):
    """One completed calibration or verification run of a scale (秤台检定/校准记录), as
    station.readmodel_calibration.CalibrationRecord holds it. APPEND-ONLY.

    The scale's identity and metrology are copied as printed; `weights_json` lists the
    test weight sets (canonical JSON); the readings are in calibration_point.
    """

    __tablename__ = "calibration_session"
    __table_args__ = (Index("ix_calibration_session_scale_time", "scale_id", "finished_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    site_code: Mapped[str] = mapped_column(String(12))
    station_name: Mapped[str] = mapped_column(String(100))
    scale_model: Mapped[str] = mapped_column(String(100))
    max_kg: Mapped[int] = mapped_column(Integer)
    e_kg: Mapped[int] = mapped_column(Integer)
    accuracy_class: Mapped[str] = mapped_column(String(8))
    verification: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    technician: Mapped[str] = mapped_column(String(64))
    weights_json: Mapped[str] = mapped_column(Text)
    counter_before: Mapped[int] = mapped_column(Integer)
    counter_after: Mapped[int] = mapped_column(Integer)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    result_passed: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class CalibrationPoint(AppendOnly, Base):
    """One reading of a calibration run, as found (FOUND) or as left (LEFT). APPEND-ONLY."""

    __tablename__ = "calibration_point"
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_session.id"), primary_key=True)
    phase: Mapped[str] = mapped_column(String(8), primary_key=True)
    no: Mapped[int] = mapped_column(Integer, primary_key=True)
    test: Mapped[str] = mapped_column(String(24))
    load_kg: Mapped[int] = mapped_column(Integer)
    indication_kg: Mapped[int] = mapped_column(Integer)
    error_g: Mapped[int] = mapped_column(Integer)
    mpe_g: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)


class DynamicRun(AppendOnly, Base):
    """One reference-vehicle check of a dynamic axle scale (动态轴重秤 JJG 907 / OIML R 134),
    as station.readmodel_calibration.DynamicRecord holds it. APPEND-ONLY (schema 0008).

    The static reference (axle loads, groups as axle numbers) and the passes (speed and
    axle loads) are canonical JSON of integers; the judged items are in dynamic_run_item.
    `counter` is the scale's calibration event counter, the same at start and at saving.
    """

    __tablename__ = "dynamic_run"
    __table_args__ = (Index("ix_dynamic_run_scale_time", "scale_id", "finished_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(ForeignKey("scale.id"))
    site_code: Mapped[str] = mapped_column(String(12))
    station_name: Mapped[str] = mapped_column(String(100))
    scale_model: Mapped[str] = mapped_column(String(100))
    d_kg: Mapped[int] = mapped_column(Integer)
    vehicle_class: Mapped[str] = mapped_column(String(4))
    axle_class: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str] = mapped_column(String(16))
    verification: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    technician: Mapped[str] = mapped_column(String(64))
    reference_vehicle: Mapped[str] = mapped_column(String(64))
    static_axles_json: Mapped[str] = mapped_column(Text)
    static_gross_kg: Mapped[int] = mapped_column(Integer)
    groups_json: Mapped[str] = mapped_column(Text)
    two_axle_rigid: Mapped[bool] = mapped_column(Boolean)
    passes_json: Mapped[str] = mapped_column(Text)
    counter: Mapped[int] = mapped_column(Integer)
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    result_passed: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class DynamicRunItem(AppendOnly, Base):
    """One judged value of a pass (gross, single axle or axle group). APPEND-ONLY."""

    __tablename__ = "dynamic_run_item"
    run_id: Mapped[int] = mapped_column(ForeignKey("dynamic_run.id"), primary_key=True)
    no: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(32))
    speed_kmh: Mapped[int] = mapped_column(Integer)
    reading_kg: Mapped[int] = mapped_column(Integer)
    reference_g: Mapped[int] = mapped_column(Integer)
    deviation_g: Mapped[int] = mapped_column(Integer)
    limit_g: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)


# ---- audit ----------------------------------------------------------------------------------


class AuditEvent(AppendOnly, Base):
    """Local audit log, hash-chained like the province records. APPEND-ONLY."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)


APPEND_ONLY_TABLES = tuple(
    mapper.class_.__tablename__
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, AppendOnly)
)
