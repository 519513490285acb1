"""Scales and their legal verification certificates (检定证书).

Certificates are append-only: a renewal, or a correction of a wrongly entered one, is a
new row, and the scale's current certificate is the one recorded last (what the lane
gate checks: station/lanes/recorder.py flags NO_CERTIFICATE and CERT_EXPIRED). A scanned
certificate is kept in the picture store, named by its SHA-256, with a `picture` row so
`verify` checks the file like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.files import PictureStore
from station.storage.models import Picture, Scale, ScaleCertificate
from station.timeutil import beijing_now

MAX_NUMBER = 64
MAX_INSTITUTE = 200
REMIND_DAYS = 30


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str
    institute: str
    valid_until: date  # the last day it is valid
    issued_on: date | None = None
    scan_sha256: str | None = None  # the scanned certificate in the picture store


SCAN_KINDS = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True, slots=True)
class Scan:
    """A scanned certificate to keep: JPEG, PNG or PDF bytes."""

    data: bytes
    mime: str


def scan_from_bytes(data: bytes) -> Scan:
    """A Scan of `data`, its type told by its content (a renamed file is not trusted).

    ValueError when the content is none of JPEG, PNG or PDF.
    """
    for magic, mime in SCAN_KINDS:
        if data.startswith(magic):
            return Scan(data, mime)
    raise _fail("scan", "the file is not a JPEG, PNG or PDF (scan the certificate as one)")


@dataclass(frozen=True, slots=True)
class CertificateEntry:
    """One recorded certificate of a scale, as the history lists it."""

    id: int
    scale_id: str
    certificate: Certificate
    recorded_at: datetime
    recorded_by: str
    scan_mime: str | None = None
    scan_path: str | None = None  # relative to the picture store's root


@dataclass(frozen=True, slots=True)
class CertificateStatus:
    """A scale's current certificate against a day: days left, or expired, or none at all."""

    scale_id: str
    certificate: Certificate | None
    days_left: int | None  # valid_until - today; negative once expired; None without one

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def missing(self) -> bool:
        return self.certificate is None


@dataclass(frozen=True, slots=True)
class ScaleInfo:
    id: str
    model: str
    serial_no: str
    max_kg: int
    division_kg: int
    accuracy_class: str


def _fail(field: str, problem: str) -> ValueError:
    return ValueError(f"{field}: {problem}")


def register_scale(
    database: Database, actor: str, scale_id: str, *, max_kg: int, division_kg: int, model: str = ""
) -> None:
    with database.transaction() as session:
        if session.get(Scale, scale_id) is not None:
            return
        session.add(Scale(id=scale_id, max_kg=max_kg, division_kg=division_kg, model=model))
        record_audit(session, actor, "SCALE_REGISTERED", {"scaleId": scale_id, "maxKg": max_kg})


def scale_info(database: Database, scale_id: str) -> ScaleInfo | None:
    with database.read() as session:
        row = session.get(Scale, scale_id)
        if row is None:
            return None
        return ScaleInfo(
            row.id, row.model, row.serial_no, row.max_kg, row.division_kg, row.accuracy_class
        )


def _check_certificate(cert: Certificate) -> None:
    if not cert.number.strip() or len(cert.number) > MAX_NUMBER:
        raise _fail("number", f"the certificate number is 1 to {MAX_NUMBER} characters")
    if not cert.institute.strip() or len(cert.institute) > MAX_INSTITUTE:
        raise _fail("institute", f"the issuing institute is 1 to {MAX_INSTITUTE} characters")
    if cert.issued_on is not None and cert.issued_on > cert.valid_until:
        raise _fail("valid_until", "the certificate would expire before it was issued")


def record_certificate(
    database: Database,
    actor: str,
    scale_id: str,
    cert: Certificate,
    *,
    scan: Scan | None = None,
    store: PictureStore | None = None,
    moment: datetime | None = None,
) -> Certificate:
    """Record a certificate (a renewal or a correction is a new one); returns it as stored.

    A `scan` is written to `store` first (a crash leaves only an orphan file) and named
    by its SHA-256 in the certificate; `cert.scan_sha256` is ignored.
    """
    _check_certificate(cert)
    if scan is not None and store is None:
        raise _fail("scan", "a picture store is needed to keep the scan")
    if scan is not None and scan_from_bytes(scan.data).mime != scan.mime:
        raise _fail("scan", f"the content is not {scan.mime}")
    stored = store.put(scan.data, scan.mime) if scan is not None and store is not None else None
    moment = moment or beijing_now()
    with database.transaction() as session:
        if session.get(Scale, scale_id) is None:
            raise ValueError(f"unknown scale {scale_id!r}")
        if stored is not None and session.get(Picture, stored.sha256) is None:
            session.add(
                Picture(
                    sha256=stored.sha256,
                    mime=stored.mime,
                    size=stored.size,
                    stored_path=stored.relative_path,
                    created_at=moment,
                )
            )
            session.flush()  # the certificate refers to it; no ORM relationship orders them
        session.add(
            ScaleCertificate(
                scale_id=scale_id,
                number=cert.number,
                institute=cert.institute,
                valid_until=cert.valid_until,
                recorded_at=moment,
                recorded_by=actor,
                issued_on=cert.issued_on,
                scan_sha256=stored.sha256 if stored else None,
            )
        )
        detail = {
            "scaleId": scale_id,
            "certNo": cert.number,
            "validUntil": cert.valid_until.isoformat(),
        }
        if cert.issued_on is not None:
            detail["issuedOn"] = cert.issued_on.isoformat()
        if stored is not None:
            detail["scanSha256"] = stored.sha256
        record_audit(session, actor, "CERTIFICATE_RECORDED", detail, moment)
    return Certificate(
        cert.number,
        cert.institute,
        cert.valid_until,
        cert.issued_on,
        stored.sha256 if stored else None,
    )


def _certificate(row: ScaleCertificate) -> Certificate:
    return Certificate(row.number, row.institute, row.valid_until, row.issued_on, row.scan_sha256)


def _current(session: Session, scale_id: str) -> ScaleCertificate | None:
    return session.execute(
        select(ScaleCertificate)
        .where(ScaleCertificate.scale_id == scale_id)
        .order_by(ScaleCertificate.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_certificate(database: Database, scale_id: str) -> Certificate | None:
    """The most recently recorded certificate of a scale (the one in force or the last one)."""
    with database.read() as session:
        row = _current(session, scale_id)
        return None if row is None else _certificate(row)


def certificates(database: Database, scale_id: str) -> list[CertificateEntry]:
    """Every certificate recorded for the scale, newest first (the first is the current one)."""
    with database.read() as session:
        rows = session.execute(
            select(ScaleCertificate, Picture)
            .outerjoin(Picture, Picture.sha256 == ScaleCertificate.scan_sha256)
            .where(ScaleCertificate.scale_id == scale_id)
            .order_by(ScaleCertificate.id.desc())
        ).all()
        return [
            CertificateEntry(
                cert.id,
                cert.scale_id,
                _certificate(cert),
                cert.recorded_at,
                cert.recorded_by,
                scan.mime if scan else None,
                scan.stored_path if scan else None,
            )
            for cert, scan in rows
        ]


def certificate_statuses(
    database: Database, today: date, scale_id: str | None = None
) -> list[CertificateStatus]:
    """The current certificate of every registered scale (or of one) against `today`."""
    with database.read() as session:
        statement = select(Scale.id).order_by(Scale.id)
        if scale_id is not None:
            statement = statement.where(Scale.id == scale_id)
        statuses = []
        for sid in session.scalars(statement).all():
            row = _current(session, sid)
            if row is None:
                statuses.append(CertificateStatus(sid, None, None))
            else:
                days = (row.valid_until - today).days
                statuses.append(CertificateStatus(sid, _certificate(row), days))
        return statuses


def expiring(
    database: Database, today: date, within_days: int = REMIND_DAYS
) -> list[CertificateStatus]:
    """Scales to remind about: no certificate, expired, or expiring within `within_days`.

    Most urgent first: without a certificate, then by days left.
    """
    if within_days < 0:
        raise _fail("within_days", "must not be negative")
    due = [
        status
        for status in certificate_statuses(database, today)
        if status.days_left is None or status.days_left <= within_days
    ]
    return sorted(due, key=lambda s: (s.days_left is not None, s.days_left or 0, s.scale_id))
