"""Station time. Records carry Beijing time (UTC+8, no daylight saving) as the province asks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def beijing_now() -> datetime:
    """Return the current Beijing time, naive, whole seconds (as stored and uploaded)."""
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


def format_time(moment: datetime) -> str:
    """Format a naive Beijing time as `yyyy-MM-dd HH:mm:ss`."""
    return moment.strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)
