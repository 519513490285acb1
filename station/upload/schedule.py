"""When the nightly pass is due (province-api.md §8: every night at the configured time).

A pass is due once the day's upload time has come and no pass has started since. A pass
missed because the computer was off runs as soon as the app is up again. A scheduled
slot whose pass failed (network down, platform answering 503 all night) or was killed is
tried again every RETRY_MINUTES until a pass ends with the platform's answer.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from station.readmodel import PassView

RETRY_MINUTES = 30
FINISHED = ("COMPLETE", "INCOMPLETE")  # the platform answered the manifest


def last_slot(now: datetime, upload_time: str) -> datetime:
    """The latest moment at or before `now` that is the daily upload time."""
    hour, minute = (int(part) for part in upload_time.split(":"))
    slot = datetime.combine(now.date(), time(hour, minute))
    return slot if slot <= now else slot - timedelta(days=1)


def is_due(now: datetime, upload_time: str, passes: tuple[PassView, ...]) -> bool:
    """`passes` newest first, as `upload_status` lists them."""
    slot = last_slot(now, upload_time)
    since = [p for p in passes if p.started_at >= slot]
    if not since:
        return True
    if any(p.status in FINISHED for p in since):
        return False
    # A pass still RUNNING this long was most likely killed (it is marked INTERRUPTED only
    # when the next pass starts). Should it really still run, the next pass finds the
    # upload lock taken and stops without touching anything.
    return now - since[0].started_at >= timedelta(minutes=RETRY_MINUTES)
