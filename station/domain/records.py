"""The records a station reports to the province (province-api.md §3): CHECK, CLOSE, VOID.

These are the evidence: once sealed into the chain they are never changed. The
builders here produce exactly the fields the interface lists, in its own codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

from station.domain.limits import Verdict
from station.domain.readings import PlateColour

MAX_CHECK_NO = 32
SITE_CODE = re.compile(r"\d{6}21\d{4}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
UNREAD_PLATE = "未识别"


class RecordError(ValueError):
    """A record would break the province interface; the message starts with the field."""


class RecordType(StrEnum):
    CHECK = "CHECK"
    CLOSE = "CLOSE"
    VOID = "VOID"


class PlateColor(IntEnum):
    """Upload codes of province-api.md §3.1 (the toll/ETC convention)."""

    BLUE = 0
    YELLOW = 1
    BLACK = 2
    WHITE = 3
    GRADIENT_GREEN = 4
    YELLOW_GREEN = 5
    BLUE_WHITE = 6
    UNKNOWN = 9
    GREEN = 11
    RED = 12


UPLOAD_PLATE_COLOR: Mapping[PlateColour, PlateColor] = MappingProxyType(
    {
        PlateColour.BLUE: PlateColor.BLUE,
        PlateColour.YELLOW: PlateColor.YELLOW,
        PlateColour.BLACK: PlateColor.BLACK,
        PlateColour.WHITE: PlateColor.WHITE,
        PlateColour.GREEN: PlateColor.GRADIENT_GREEN,
        PlateColour.YELLOW_GREEN: PlateColor.YELLOW_GREEN,
        PlateColour.BLUE_WHITE: PlateColor.BLUE_WHITE,
        PlateColour.RED: PlateColor.RED,
        PlateColour.UNKNOWN: PlateColor.UNKNOWN,
    }
)
"""The internal plate colour as the province's upload code (the one mapping at this edge)."""


class PlateSource(StrEnum):
    ANPR = "ANPR"
    OPERATOR = "OPERATOR"


class WeighMode(StrEnum):
    STATIC = "STATIC"
    AXLE = "AXLE"
    WIM = "WIM"


class CheckType(IntEnum):
    FIRST = 1
    REWEIGH = 2


class CaseResult(StrEnum):
    NOT_OVER = "NOT_OVER"
    UNLOADED = "UNLOADED"
    POLICE = "POLICE"
    PERMIT = "PERMIT"
    ABSCONDED = "ABSCONDED"


class PictureType(IntEnum):
    PLATE = 11
    FRONT = 12
    REAR = 13
    FRONT_SIDE = 14
    REAR_SIDE = 15
    PANORAMA_VIDEO = 21
    FRONT_VIDEO = 22
    REAR_VIDEO = 23


@dataclass(frozen=True, slots=True)
class RecordedAxle:
    no: int
    group: int
    weight_kg: int | None = None
    spacing_mm: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"no": self.no, "group": self.group}
        if self.weight_kg is not None:
            out["weight"] = self.weight_kg
        if self.spacing_mm is not None:
            out["spacing"] = self.spacing_mm
        return out


@dataclass(frozen=True, slots=True)
class PictureRef:
    file_type: PictureType
    sha256: str
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"fileType": int(self.file_type), "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One weighing as reported to the province (初检 or 复检)."""

    check_no: str
    check_type: CheckType
    lane: int
    direction: int
    check_time: datetime
    plate_num: str
    plate_color: PlateColor
    plate_source: PlateSource
    axle_type: str
    axles: tuple[RecordedAxle, ...]
    verdict: Verdict
    weigh_mode: WeighMode
    scale_id: str
    cert_no: str
    cert_valid_until: date
    operator_id: str
    first_check_no: str | None = None
    speed_kmh: str | None = None
    pictures: tuple[PictureRef, ...] = ()
    flags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CloseRecord:
    check_no: str
    close_time: datetime
    result: CaseResult
    operator_id: str
    recheck_no: str | None = None
    unload_weight_kg: int | None = None
    order_no: str | None = None
    permit_no: str | None = None


@dataclass(frozen=True, slots=True)
class VoidRecord:
    target_seq: int
    check_no: str
    reason: str
    approver_id: str


def _fail(path: str, problem: str) -> RecordError:
    return RecordError(f"{path}: {problem}")


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _check_common(site_code: str, check_no: str) -> None:
    if not SITE_CODE.fullmatch(site_code):
        raise _fail("siteCode", "must be 6 division digits + '21' + 4 station digits")
    if not check_no or len(check_no) > MAX_CHECK_NO:
        raise _fail("checkNo", f"must be 1 to {MAX_CHECK_NO} characters")


def _check_axles(record: CheckRecord) -> None:
    if len(record.axles) < 2:
        raise _fail("axles", "a vehicle has at least 2 axles")
    for index, axle in enumerate(record.axles):
        if axle.no != index + 1:
            raise _fail(f"axles[{index}].no", f"must be {index + 1}")
        if not 1 <= axle.group <= 7:
            raise _fail(f"axles[{index}].group", "must be an axle-group code 1 to 7")
    weights = [axle.weight_kg for axle in record.axles]
    if all(w is not None for w in weights) and sum(weights) != record.verdict.sum_weight_kg:  # type: ignore[arg-type]
        raise _fail("axles", "axle weights must add up to sumWeight")
    if record.axles[-1].spacing_mm not in (None, 0):
        raise _fail(f"axles[{len(record.axles) - 1}].spacing", "is 0 on the last axle")


def _check_consistency(record: CheckRecord) -> None:
    _check_axles(record)
    if len(record.axle_type) < 1 or not record.axle_type.isdigit():
        raise _fail("axleType", "must be the axle-group codes front to rear, e.g. 157")
    if record.check_type is CheckType.REWEIGH and not record.first_check_no:
        raise _fail("firstCheckNo", "is required for a re-weighing (checkType 2)")
    if record.check_type is CheckType.FIRST and record.first_check_no:
        raise _fail("firstCheckNo", "is only for a re-weighing (checkType 2)")
    if (record.weigh_mode is WeighMode.STATIC) != (record.speed_kmh is None):
        raise _fail("speed", "is given for AXLE and WIM weighings, absent for STATIC")
    if record.direction not in (0, 1):
        raise _fail("direction", "must be 0 (上行) or 1 (下行)")
    for index, picture in enumerate(record.pictures):
        if not SHA256_HEX.fullmatch(picture.sha256):
            raise _fail(f"pictures[{index}].sha256", "must be 64 lowercase hex characters")


def check_record_body(record: CheckRecord, site_code: str) -> dict[str, Any]:
    """Return the CHECK record fields (without seq/prevHash/recordHash)."""
    _check_common(site_code, record.check_no)
    _check_consistency(record)
    verdict = record.verdict
    body: dict[str, Any] = {
        "recordType": RecordType.CHECK.value,
        "siteCode": site_code,
        "checkNo": record.check_no,
        "checkType": int(record.check_type),
        "lane": record.lane,
        "direction": record.direction,
        "checkTime": _time(record.check_time),
        "plateNum": record.plate_num or UNREAD_PLATE,
        "plateColor": int(record.plate_color),
        "plateSource": record.plate_source.value,
        "axleCnt": len(record.axles),
        "axleType": record.axle_type,
        "vehicleClass": verdict.vehicle_class,
        "axles": [axle.as_json() for axle in record.axles],
        "sumWeight": verdict.sum_weight_kg,
        "limitWeight": verdict.limit_weight_kg,
        "overWeight": verdict.over_weight_kg,
        "overRate": verdict.over_rate,
        "isOver": 1 if verdict.is_over else 0,
        "weighMode": record.weigh_mode.value,
        "scaleId": record.scale_id,
        "certNo": record.cert_no,
        "certValidUntil": record.cert_valid_until.isoformat(),
        "operatorId": record.operator_id,
        "pictures": [picture.as_json() for picture in record.pictures],
        "flags": list(record.flags),
    }
    if record.first_check_no:
        body["firstCheckNo"] = record.first_check_no
    if record.speed_kmh is not None:
        body["speed"] = record.speed_kmh
    return body


def close_record_body(record: CloseRecord, site_code: str) -> dict[str, Any]:
    _check_common(site_code, record.check_no)
    unloaded = record.result is CaseResult.UNLOADED
    if unloaded != (record.recheck_no is not None) or unloaded != (
        record.unload_weight_kg is not None
    ):
        raise _fail(
            "recheckNo", "recheckNo and unloadWeight appear only, and always, with UNLOADED"
        )
    if (record.result is CaseResult.PERMIT) != (record.permit_no is not None):
        raise _fail("permitNo", "appears only, and always, with PERMIT")
    body: dict[str, Any] = {
        "recordType": RecordType.CLOSE.value,
        "siteCode": site_code,
        "checkNo": record.check_no,
        "closeTime": _time(record.close_time),
        "result": record.result.value,
        "operatorId": record.operator_id,
    }
    optional = {
        "recheckNo": record.recheck_no,
        "unloadWeight": record.unload_weight_kg,
        "orderNo": record.order_no,
        "permitNo": record.permit_no,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def void_record_body(record: VoidRecord, site_code: str) -> dict[str, Any]:
    _check_common(site_code, record.check_no)
    if record.target_seq < 1:
        raise _fail("targetSeq", "must name an existing record")
    if not record.reason.strip():
        raise _fail("reason", "a void needs a reason")
    return {
        "recordType": RecordType.VOID.value,
        "siteCode": site_code,
        "targetSeq": record.target_seq,
        "checkNo": record.check_no,
        "reason": record.reason,
        "approverId": record.approver_id,
    }
