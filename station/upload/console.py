"""What `main.py upload` shows: a progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

from typing import TextIO

from station.upload.passes import PassOutcome

STAGE_NAMES = {
    "records": "records",
    "pictures": "pictures",
    "manifest": "manifest",
    "watchlist": "watchlist",
    "heartbeat": "heartbeat",
}
BAR_WIDTH = 30


class ConsoleProgress:
    """Redraws one line per stage on a terminal; prints each stage once when piped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._end_line()
            self._stage = stage
            if not self._tty:
                self._stream.write(f"{STAGE_NAMES.get(stage, stage)} ...\n")
        if self._tty:
            self._stream.write("\r" + bar(stage, done, total))
        self._stream.flush()

    def finish(self) -> None:
        self._end_line()

    def _end_line(self) -> None:
        if self._tty and self._stage:
            self._stream.write("\n")
        self._stage = ""


def bar(stage: str, done: int, total: int) -> str:
    share = done / total if total else 1.0
    filled = round(BAR_WIDTH * min(share, 1.0))
    return f"{stage:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}"


def summary(outcome: PassOutcome) -> list[str]:
    """The lines printed after a pass, for the scheduler's log as much as for a person."""
    lines = [
        f"upload pass {outcome.pass_id or '-'}: {outcome.status}",
        f"records sent {outcome.records_sent}: accepted {outcome.accepted}, "
        f"duplicate {outcome.duplicate}, rejected {outcome.rejected}",
        f"pictures sent {outcome.pictures_sent}, failed {outcome.pictures_failed}",
        f"manifest {outcome.manifest_status or '-'} (last seq {outcome.last_seq or '-'}, "
        f"missing records {outcome.missing_seqs or 0}, missing pictures "
        f"{outcome.missing_pictures or 0})",
        f"left in the outbox: pending {outcome.pending_after}, rejected {outcome.rejected_after}",
    ]
    if outcome.clock_skew_s is not None:
        lines.append(f"clock: station minus platform = {outcome.clock_skew_s} s")
    lines.extend(f"warning: {text}" for text in outcome.warnings)
    if outcome.error:
        lines.append(f"error: {outcome.error}")
    return lines
