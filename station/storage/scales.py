"""Scales and their legal verification certificates (检定证书)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import Scale, ScaleCertificate
from station.timeutil import beijing_now


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str
    institute: str
    valid_until: date


def register_scale(
    database: Database, actor: str, scale_id: str, *, max_kg: int, division_kg: int, model: str = ""
) -> None:
    with database.transaction() as session:
        if session.get(Scale, scale_id) is not None:
            return
        session.add(Scale(id=scale_id, max_kg=max_kg, division_kg=division_kg, model=model))
        record_audit(session, actor, "SCALE_REGISTERED", {"scaleId": scale_id, "maxKg": max_kg})


def record_certificate(database: Database, actor: str, scale_id: str, cert: Certificate) -> None:
    with database.transaction() as session:
        if session.get(Scale, scale_id) is None:
            raise ValueError(f"unknown scale {scale_id!r}")
        session.add(
            ScaleCertificate(
                scale_id=scale_id,
                number=cert.number,
                institute=cert.institute,
                valid_until=cert.valid_until,
                recorded_at=beijing_now(),
                recorded_by=actor,
            )
        )
        detail = {
            "scaleId": scale_id,
            "certNo": cert.number,
            "validUntil": cert.valid_until.isoformat(),
        }
        record_audit(session, actor, "CERTIFICATE_RECORDED", detail)


def current_certificate(database: Database, scale_id: str) -> Certificate | None:
    """The most recently recorded certificate of a scale (the one in force or the last one)."""
    with database.read() as session:
        row = session.execute(
            select(ScaleCertificate)
            .where(ScaleCertificate.scale_id == scale_id)
            .order_by(ScaleCertificate.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else Certificate(row.number, row.institute, row.valid_until)
