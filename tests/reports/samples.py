"""Read-model values for document tests, built directly: no database needed."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from PIL import Image, ImageDraw

from station.readmodel import AxleView, CaseView, ChainStatus, PictureView, WeighingDetail

# A 6-axle combination, 65380 kg against 49000 kg: the worked example of domain.md §3.1.
AXLE_WEIGHTS = (6840, 10460, 9970, 12710, 12680, 12720)
RECORD_HASH = "3f6c1f0e9a7b2d4c5e8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"


def photo(path: Path, label: str, size: tuple[int, int] = (320, 240)) -> PictureView:
    """A small synthetic photo file (JPEG) and the view the picture store would give for it."""
    image = Image.new("RGB", size, (90, 110, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 80, 280, 200), fill=(200, 160, 40))
    draw.text((50, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    data = buffer.getvalue()
    path.write_bytes(data)
    return PictureView(
        file_type={"plate": 11, "front": 12, "rear": 13, "side": 14}[label],
        sha256=hashlib.sha256(data).hexdigest(),
        mime="image/jpeg",
        size=len(data),
        path=path,
    )


def axles() -> tuple[AxleView, ...]:
    groups = (1, 2, 2, 7, 7, 7)
    spacings = (3400, 1350, 6100, 1310, 1310, None)
    return tuple(
        AxleView(no=i + 1, weight_kg=w, group=g, spacing_mm=s)
        for i, (w, g, s) in enumerate(zip(AXLE_WEIGHTS, groups, spacings, strict=True))
    )


def case(notice_no: str | None = "豫郑超卸〔2026〕第000123号") -> CaseView:
    return CaseView(
        id=123,
        check_no="410100210001202611250042",
        status="OPEN",
        result=None,
        plate_num="豫A8M326",
        plate_color=1,
        lane=2,
        first_sum_kg=65380,
        limit_kg=49000,
        unload_kg=16380,
        notice_no=notice_no,
        opened_at=datetime(2026, 11, 25, 10, 31, 5),
        deadline=datetime(2026, 11, 25, 14, 31, 5),
    )


def over_limit(pictures: tuple[PictureView, ...] = (), **changes: object) -> WeighingDetail:
    """An over-limit first weighing with an open case and a notice number."""
    detail = WeighingDetail(
        site_code="410100210001",
        station_name="郑州北治超检测站",
        check_no="410100210001202611250042",
        check_type=1,
        first_check_no=None,
        check_time=datetime(2026, 11, 25, 10, 30, 47),
        lane=2,
        direction=1,
        plate_num="豫A8M326",
        plate_color=1,
        plate_source="ANPR",
        axle_type="1227",
        axles=axles(),
        sum_kg=65380,
        limit_kg=49000,
        over_kg=16380,
        over_rate="33.43",
        is_over=True,
        vehicle_class="GB1589-2016:6axle-combination",
        adjustments=(),
        weigh_mode="AXLE",
        speed_kmh="7.5",
        scale_id="lane2-axle",
        cert_no="豫计检(2026)第A0815号",
        cert_valid_until=date(2027, 3, 31),
        operator_id="op-zhang.wei",
        flags=("SPEED_CHANGE", "MANUAL_PLATE", "SOMETHING_NEW"),
        pictures=pictures,
        trace_rate_hz=100,
        trace=(),
        chain=ChainStatus(seq=1842, record_hash=RECORD_HASH, intact=True),
        voided=False,
        case=case(),
        calibration_counter=17,
    )
    return replace(detail, **changes)


def within_limit(**changes: object) -> WeighingDetail:
    """A re-weighing after unloading, within the limit, on a static scale (no axle weights)."""
    static_axles = tuple(replace(axle, weight_kg=None) for axle in axles())
    detail = over_limit(
        check_no="410100210001202611250057",
        check_type=2,
        first_check_no="410100210001202611250042",
        check_time=datetime(2026, 11, 25, 13, 2, 11),
        axles=static_axles,
        sum_kg=48760,
        over_kg=0,
        over_rate="0.00",
        is_over=False,
        weigh_mode="STATIC",
        speed_kmh=None,
        flags=(),
        case=None,
        calibration_counter=None,
    )
    return replace(detail, **changes)
