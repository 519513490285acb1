"""Committing a weighing with all its evidence in one transaction with its chain entries."""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from station.chain import canonical_json
from station.domain.records import (
    CheckRecord,
    CloseRecord,
    VoidRecord,
    check_record_body,
    close_record_body,
    void_record_body,
)
from station.domain.vehicle import Vehicle
from station.storage.calibration import calibration_counter
from station.storage.chainstore import append_record, next_number, record_audit
from station.storage.database import Database
from station.storage.files import StoredFile
from station.storage.models import (
    Picture,
    RawTrace,
    Record,
    Weighing,
    WeighingAxle,
    WeighingPicture,
)
from station.timeutil import beijing_now

TRACE_ENCODING = "zlib-int32le"
COUNTER_AT_COMMIT = "at-commit"
"""WeighingEvidence.calibration_counter: take the scale's counter inside the committing
transaction, so a coefficient change in the same second cannot be attributed wrongly."""

# The transaction type callers outside storage pass along without importing SQLAlchemy.
WriteSession = Session


@dataclass(frozen=True, slots=True)
class TraceData:
    """Weight samples (integer kg) at a fixed rate, as read from the scale."""

    sample_rate_hz: int
    samples: Sequence[int]


@dataclass(frozen=True, slots=True)
class WeighingEvidence:
    record: CheckRecord
    vehicle: Vehicle
    trace: TraceData | None = None
    files: tuple[StoredFile, ...] = ()
    # The calibration event counter printed on the ticket: a value (a raw-count scale's
    # conversion, a corrected weighing's original), None (no event yet) or COUNTER_AT_COMMIT.
    calibration_counter: int | str | None = COUNTER_AT_COMMIT


@dataclass(frozen=True, slots=True)
class Committed:
    seq: int
    record_hash: str
    check_no: str
    weighing_id: int


def encode_trace(samples: Sequence[int]) -> tuple[bytes, str]:
    """Compress samples; return the blob and the SHA-256 of the uncompressed bytes."""
    raw = array("i", samples)
    if sys.byteorder != "little":
        raw.byteswap()
    data = raw.tobytes()
    return zlib.compress(data, 6), hashlib.sha256(data).hexdigest()


def decode_trace(blob: bytes) -> list[int]:
    raw = array("i")
    raw.frombytes(zlib.decompress(blob))
    if sys.byteorder != "little":
        raw.byteswap()
    return raw.tolist()


def local_evidence_digest(
    weighing: Weighing,
    axles: Sequence[WeighingAxle],
    trace_sha256: str | None,
    pictures: Sequence[tuple[str, int, int, str]],
) -> str:
    """SHA-256 of the evidence kept beside the province record (not in its body).

    Covers the configuration, the limit adjustments, the dimensions, each axle's tyres,
    drive and suspension, the raw trace hash and the pictures' type, size and kind. The
    audit event of the weighing carries it, so `verify` can tell if any of it changed.
    """
    local = {
        "configuration": weighing.configuration,
        "adjustments": json.loads(weighing.adjustments_json),
        "dimensions": [weighing.length_mm, weighing.width_mm, weighing.height_mm],
        "axles": [
            [axle.no, axle.tyres, bool(axle.drive), bool(axle.air_suspension)]
            for axle in sorted(axles, key=lambda a: a.no)
        ],
        "traceSha256": trace_sha256,
        "pictures": sorted([sha, file_type, size, mime] for sha, file_type, size, mime in pictures),
    }
    # Weighings from before schema 0007 have no stored counter; their digest stays as it was.
    counter = getattr(weighing, "calibration_counter", None)
    if counter is not None:
        local["calibrationCounter"] = counter
    return hashlib.sha256(canonical_json(local)).hexdigest()


def new_check_no(session: Session, site_code: str, moment: datetime) -> str:
    """Station-unique ticket number: siteCode + yyyyMMdd + 5-digit serial of the day."""
    day = moment.strftime("%Y%m%d")
    serial = next_number(session, f"check:{day}")
    return f"{site_code}{day}{serial:05d}"


def _counter(session: Session, evidence: WeighingEvidence) -> int | None:
    if evidence.calibration_counter != COUNTER_AT_COMMIT:
        return evidence.calibration_counter  # type: ignore[return-value]
    return calibration_counter(session, evidence.record.scale_id)


def _weighing_row(evidence: WeighingEvidence, seq: int, counter: int | None) -> Weighing:
    rec = evidence.record
    verdict = rec.verdict
    dims = evidence.vehicle.dimensions
    return Weighing(
        record_seq=seq,
        check_no=rec.check_no,
        check_type=int(rec.check_type),
        first_check_no=rec.first_check_no,
        lane=rec.lane,
        direction=rec.direction,
        check_time=rec.check_time,
        plate_num=rec.plate_num,
        plate_color=int(rec.plate_color),
        plate_source=rec.plate_source.value,
        configuration=evidence.vehicle.configuration.value,
        axle_cnt=len(rec.axles),
        axle_type=rec.axle_type,
        vehicle_class=verdict.vehicle_class,
        sum_weight=verdict.sum_weight_kg,
        limit_weight=verdict.limit_weight_kg,
        over_weight=verdict.over_weight_kg,
        over_rate=verdict.over_rate,
        is_over=verdict.is_over,
        adjustments_json=json.dumps(list(verdict.adjustments), ensure_ascii=False),
        weigh_mode=rec.weigh_mode.value,
        speed=rec.speed_kmh,
        scale_id=rec.scale_id,
        cert_no=rec.cert_no,
        cert_valid_until=rec.cert_valid_until,
        operator_id=rec.operator_id,
        flags_json=json.dumps(list(rec.flags), ensure_ascii=False),
        length_mm=dims.length_mm if dims else None,
        width_mm=dims.width_mm if dims else None,
        height_mm=dims.height_mm if dims else None,
        calibration_counter=counter,
    )


def _axle_rows(evidence: WeighingEvidence, weighing_id: int) -> list[WeighingAxle]:
    return [
        WeighingAxle(
            weighing_id=weighing_id,
            no=recorded.no,
            weight=recorded.weight_kg,
            group_code=recorded.group,
            spacing=recorded.spacing_mm,
            tyres=axle.tyres.value,
            drive=axle.drive,
            air_suspension=axle.air_suspension,
        )
        for recorded, axle in zip(evidence.record.axles, evidence.vehicle.axles, strict=True)
    ]


def _add_pictures(
    session: Session, evidence: WeighingEvidence, weighing_id: int
) -> list[tuple[str, int, int, str]]:
    stored = {f.sha256: f for f in evidence.files}
    linked = []
    for ref in evidence.record.pictures:
        file = stored.get(ref.sha256)
        if file is None:
            raise ValueError(f"picture {ref.sha256} is referenced but was not stored first")
        if session.get(Picture, ref.sha256) is None:
            session.add(
                Picture(
                    sha256=file.sha256,
                    mime=file.mime,
                    size=file.size,
                    stored_path=file.relative_path,
                    created_at=beijing_now(),
                )
            )
        link = WeighingPicture(
            weighing_id=weighing_id, sha256=ref.sha256, file_type=int(ref.file_type)
        )
        session.add(link)
        linked.append((file.sha256, int(ref.file_type), file.size, file.mime))
    return linked


def _add_trace(session: Session, trace: TraceData | None, weighing_id: int) -> str | None:
    if trace is None:
        return None
    blob, digest = encode_trace(trace.samples)
    session.add(
        RawTrace(
            weighing_id=weighing_id,
            encoding=TRACE_ENCODING,
            sample_rate_hz=trace.sample_rate_hz,
            sample_count=len(trace.samples),
            data=blob,
            sha256=digest,
        )
    )
    return digest


def stage_weighing(session: Session, site_code: str, evidence: WeighingEvidence) -> Committed:
    """Stage the record, its chain entry, the weighing, axles, trace, pictures and audit event."""
    body = check_record_body(evidence.record, site_code)
    record = append_record(session, body)
    weighing = _weighing_row(evidence, record.seq, _counter(session, evidence))
    session.add(weighing)
    session.flush()
    axles = _axle_rows(evidence, weighing.id)
    session.add_all(axles)
    trace_sha = _add_trace(session, evidence.trace, weighing.id)
    pictures = _add_pictures(session, evidence, weighing.id)
    detail = {
        "checkNo": evidence.record.check_no,
        "seq": record.seq,
        "recordHash": record.record_hash,
        "traceSha256": trace_sha,
        "evidenceSha256": local_evidence_digest(weighing, axles, trace_sha, pictures),
    }
    record_audit(session, evidence.record.operator_id, "WEIGHING_RECORDED", detail)
    return Committed(record.seq, record.record_hash, evidence.record.check_no, weighing.id)


def commit_weighing(database: Database, site_code: str, evidence: WeighingEvidence) -> Committed:
    """Commit one weighing durably; on any error nothing of it is stored."""
    with database.transaction() as session:
        return stage_weighing(session, site_code, evidence)


def commit_close(database: Database, site_code: str, close: CloseRecord) -> Record:
    with database.transaction() as session:
        row = append_record(session, close_record_body(close, site_code))
        detail = {"checkNo": close.check_no, "seq": row.seq, "recordHash": row.record_hash}
        record_audit(session, close.operator_id, "CASE_CLOSED", detail)
        return row


def commit_void(database: Database, site_code: str, void: VoidRecord) -> Record:
    with database.transaction() as session:
        target = session.get(Record, void.target_seq)
        if target is None or target.record_type == "VOID":
            raise ValueError(
                f"targetSeq: seq {void.target_seq} is not a CHECK or CLOSE record here"
            )
        if target.check_no != void.check_no:
            raise ValueError(f"checkNo: seq {void.target_seq} belongs to {target.check_no}")
        row = append_record(session, void_record_body(void, site_code))
        record_audit(
            session,
            void.approver_id,
            "RECORD_VOIDED",
            {
                "checkNo": void.check_no,
                "seq": row.seq,
                "recordHash": row.record_hash,
                "targetSeq": void.target_seq,
                "reason": void.reason,
            },
        )
        return row
