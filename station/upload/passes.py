"""One upload pass (province-api.md §8): records, pictures, manifest, watchlist, heartbeat.

The outbox is updated after every answer, so a pass killed at any point is finished by
the next one: records the platform stored but never confirmed come back DUPLICATE,
which counts as delivered. The manifest is the platform's own account of what it holds;
what it reports missing is sent again in the same pass, up to MANIFEST_ROUNDS times.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from station import __version__
from station.config import StationConfig
from station.storage import outbox
from station.storage.checks import ProvinceEntry, apply_province_watchlist
from station.storage.database import Database
from station.storage.files import PictureStore
from station.storage.station_lock import station_upload_lock
from station.timeutil import beijing_now, beijing_today, format_time
from station.upload.keys import KeyFileError, load_key
from station.upload.lock import PassLock, PassLocked
from station.upload.transport import (
    Backoff,
    Cancelled,
    ClockSkew,
    Platform,
    PlatformRefused,
    UploadError,
    skew_seconds,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # province-api.md §3
MANIFEST_ROUNDS = 3
PICTURE_CHUNK = 200
SKEW_WARNING_S = 60  # the platform refuses at 300 s; warn well before
WATCHLIST_CURSOR = "watchlist_cursor"
CLOCK_SKEW_KEY = "clock_skew_s"
SERVER_TIME_KEY = "server_time"

Progress = Callable[[str, int, int], None]  # stage, done, total


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


class ProtocolError(UploadError):
    """The platform's answer does not follow province-api.md."""


@dataclass
class PassOutcome:
    pass_id: int | None = None
    status: str = "RUNNING"  # COMPLETE, INCOMPLETE, FAILED, CANCELLED
    records_sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    pictures_sent: int = 0
    pictures_failed: int = 0
    manifest_status: str | None = None
    last_seq: int | None = None
    missing_seqs: int | None = None
    missing_pictures: int | None = None
    pending_after: int = 0
    rejected_after: int = 0
    clock_skew_s: int | None = None
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    config_error: bool = False

    @property
    def exit_code(self) -> int:
        """0 all acknowledged and COMPLETE, 2 configuration, 3 anything left (issue 7)."""
        if self.config_error:
            return 2
        done = self.status == "COMPLETE" and not self.pending_after and not self.rejected_after
        return 0 if done else 3

    def stored_fields(self) -> dict[str, object]:
        problems = [self.error, *self.warnings]
        return {
            "status": self.status,
            "records_sent": self.records_sent,
            "accepted": self.accepted,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "pictures_sent": self.pictures_sent,
            "pictures_failed": self.pictures_failed,
            "manifest_status": self.manifest_status,
            "last_seq": self.last_seq,
            "missing_seqs": self.missing_seqs,
            "missing_pictures": self.missing_pictures,
            "pending_after": self.pending_after,
            "clock_skew_s": self.clock_skew_s,
            "error": "; ".join(p for p in problems if p) or None,
        }


def run_pass(
    config: StationConfig,
    database: Database,
    *,
    trigger: str,
    actor: str,
    progress: Progress = _quiet,
    cancel: threading.Event | None = None,
    backoff: Backoff | None = None,
    devices: Callable[[], list[dict[str, str]]] | None = None,
) -> PassOutcome:
    """Run one pass; never raises for what the platform or the network does."""
    outcome = PassOutcome()
    try:
        key = load_key(config.province.key_file)
        platform = Platform(config.province, key, backoff=backoff, cancel=cancel)
    except (KeyFileError, UploadError) as exc:
        outcome.status, outcome.error, outcome.config_error = "FAILED", str(exc), True
        return outcome
    runner = _Pass(config, database, platform, outcome=outcome, progress=progress, devices=devices)
    try:
        with PassLock(config.data_dir / "upload.lock"), station_upload_lock(database) as held:
            if not held:
                raise PassLocked("another workstation of this station is running an upload pass")
            _locked_pass(runner, trigger=trigger, actor=actor)
    except PassLocked as exc:
        outcome.status, outcome.error = "FAILED", str(exc)
    finally:
        platform.close()
    return outcome


def _locked_pass(runner: _Pass, *, trigger: str, actor: str) -> None:
    database, outcome = runner.database, runner.outcome
    outcome.pass_id = outbox.start_pass(
        database, trigger=trigger, actor=actor, moment=beijing_now()
    )
    try:
        runner.run()
        outcome.status = outcome.manifest_status or "INCOMPLETE"
    except Cancelled as exc:
        outcome.status, outcome.error = "CANCELLED", str(exc)
    except ClockSkew as exc:
        outcome.status, outcome.error, outcome.clock_skew_s = "FAILED", str(exc), exc.skew_s
        outbox.put_state(database, CLOCK_SKEW_KEY, str(exc.skew_s), beijing_now())
    except UploadError as exc:
        outcome.status, outcome.error = "FAILED", str(exc)
        outcome.config_error = exc.config
    except Exception as exc:  # a database error, a bug: the pass must still end FAILED
        log.exception("upload pass %s failed", outcome.pass_id)
        outcome.status, outcome.error = "FAILED", f"{type(exc).__name__}: {exc}"
    finally:
        outcome.pending_after, outcome.rejected_after = outbox.counts(database)
        outbox.finish_pass(database, outcome.pass_id, beijing_now(), **outcome.stored_fields())


class _Pass:
    def __init__(
        self,
        config: StationConfig,
        database: Database,
        platform: Platform,
        *,
        outcome: PassOutcome,
        progress: Progress,
        devices: Callable[[], list[dict[str, str]]] | None,
    ) -> None:
        self.config = config
        self.database = database
        self.platform = platform
        self.outcome = outcome
        self.progress = progress
        self.devices = devices or (lambda: [])
        self.site_code = config.province.site_code
        self.store = PictureStore(config.data_dir / "pictures")

    def run(self) -> None:
        self.send_records()
        self.send_pictures()
        self.reconcile()
        self.optional("watchlist", self.fetch_watchlist)
        self.optional("heartbeat", self.heartbeat)

    def optional(self, name: str, step: Callable[[], None]) -> None:
        """Watchlist and heartbeat failures are reported but do not undo the delivery."""
        try:
            step()
        except (Cancelled, ClockSkew):
            raise
        except UploadError as exc:
            self.outcome.warnings.append(f"{name}: {exc}")

    # ---- records ------------------------------------------------------------------------

    def send_records(self) -> None:
        total, _ = outbox.counts(self.database)
        done, after = 0, 0
        self.progress("records", 0, total)
        while batch := outbox.next_batch(
            self.database, after_seq=after, limit=self.config.province.batch_size
        ):
            batch = self._fit(batch)
            self._post_records(batch)
            after = batch[-1][0]
            done += len(batch)
            self.progress("records", done, max(total, done))

    def _fit(self, batch: list[tuple[int, str]]) -> list[tuple[int, str]]:
        while len(batch) > 1 and len(self._records_body(batch)) > MAX_BODY_BYTES:
            batch = batch[: len(batch) // 2]
        return batch

    def _records_body(self, batch: list[tuple[int, str]]) -> bytes:
        # The stored canonical JSON goes out byte for byte: it is what was hashed.
        records = ",".join(body for _, body in batch)
        site = json.dumps(self.site_code)
        return f'{{"siteCode":{site},"records":[{records}]}}'.encode()

    def _post_records(self, batch: list[tuple[int, str]]) -> None:
        seqs = [seq for seq, _ in batch]
        try:
            answer = self.platform.call("POST", "/records", body=self._records_body(batch))
        except UploadError as exc:
            outbox.note_failure(self.database, seqs, str(exc), beijing_now())
            raise
        results = _parse_results(answer.json(), seqs)
        outbox.store_results(self.database, results, beijing_now())
        self.outcome.records_sent += len(batch)
        for result in results:
            name = result.status.lower()
            setattr(self.outcome, name, getattr(self.outcome, name) + 1)

    # ---- pictures -----------------------------------------------------------------------

    def send_pictures(self) -> None:
        after, done = "", 0
        total = outbox.count_pictures_to_send(self.database)
        self.progress("pictures", 0, total)
        while chunk := outbox.pictures_to_send(self.database, after_sha=after, limit=PICTURE_CHUNK):
            marks: list[outbox.PictureMark] = []
            try:
                for picture in chunk:
                    marks.append(self._send_picture(picture))
                    done += 1
                    self.progress("pictures", done, max(total, done))
            finally:
                outbox.mark_pictures(self.database, marks, beijing_now())
            after = chunk[-1].sha256

    def _send_picture(self, picture: outbox.PictureFile) -> outbox.PictureMark:
        suffix = f"/pictures/{picture.sha256}"
        if self.platform.call("HEAD", suffix).status == 200:
            return outbox.PictureMark(picture.sha256, held=True, error=None)
        data, problem = self._read(picture)
        if problem:
            return self._failed(picture, problem)
        answer = self.platform.call("PUT", suffix, body=data, content_type=picture.mime)
        if answer.status not in (200, 201):
            return self._failed(picture, f"the platform answered {answer.status}")
        self.outcome.pictures_sent += 1
        return outbox.PictureMark(picture.sha256, held=True, error=None)

    def _failed(self, picture: outbox.PictureFile, problem: str) -> outbox.PictureMark:
        self.outcome.pictures_failed += 1
        return outbox.PictureMark(picture.sha256, held=False, error=problem)

    def _read(self, picture: outbox.PictureFile) -> tuple[bytes, str]:
        path: Path = self.store.path_of(picture.stored_path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            return b"", f"cannot read {path}: {exc.strerror or exc}"
        if hashlib.sha256(data).hexdigest() != picture.sha256:
            return b"", f"{path} no longer matches its SHA-256 (damaged on disk); not sent"
        return data, ""

    # ---- manifest -----------------------------------------------------------------------

    def reconcile(self) -> None:
        """Declare, then send again what the platform lacks; the last word is a manifest."""
        for _ in range(MANIFEST_ROUNDS):
            answer = self.manifest()
            if answer is None or answer["status"] == "COMPLETE":
                return
            again = outbox.requeue_missing(self.database, answer["missingSeqs"])
            again += outbox.forget_pictures(self.database, answer["missingPictures"])
            if not again and not _unsent(self.database):
                return
            self.send_records()
            self.send_pictures()
        self.manifest()

    def manifest(self) -> dict | None:
        last_seq, head_hash = outbox.chain_head(self.database)
        if last_seq == 0:
            self.outcome.manifest_status = "COMPLETE"  # nothing to declare yet
            return None
        self.progress("manifest", 0, 1)
        body = {
            "siteCode": self.site_code,
            "date": beijing_today().isoformat(),
            "firstSeq": 1,
            "lastSeq": last_seq,
            "headHash": head_hash,
            "pictureCount": outbox.picture_count(self.database, last_seq),
        }
        answer = _parse_manifest(self.platform.call("POST", "/manifests", body=_json(body)).json())
        self.outcome.manifest_status = answer["status"]
        self.outcome.last_seq = last_seq
        self.outcome.missing_seqs = len(answer["missingSeqs"])
        self.outcome.missing_pictures = len(answer["missingPictures"])
        self.progress("manifest", 1, 1)
        return answer

    # ---- watchlist and heartbeat --------------------------------------------------------

    def fetch_watchlist(self) -> None:
        self.progress("watchlist", 0, 1)
        cursor = outbox.get_state(self.database, WATCHLIST_CURSOR)
        query = urlencode({"since": cursor}) if cursor else ""
        data = self.platform.call("GET", "/watchlist", query=query).json()
        entries, removed, full, new_cursor = _parse_watchlist(data)
        moment = beijing_now()
        apply_province_watchlist(
            self.database,
            entries=entries,
            removed=removed,
            full=full,
            cursor=new_cursor,
            moment=moment,
            save_cursor=lambda session, value: outbox.set_state(
                session, WATCHLIST_CURSOR, value, moment
            ),
        )
        self.progress("watchlist", 1, 1)

    def heartbeat(self) -> None:
        self.progress("heartbeat", 0, 1)
        pending, _ = outbox.counts(self.database)
        body = {
            "siteCode": self.site_code,
            "time": format_time(beijing_now()),
            "softwareVersion": __version__,
            "pendingRecords": pending,
            "devices": self.devices(),
        }
        answer = self.platform.call("POST", "/heartbeat", body=_json(body)).json()
        server_time = answer.get("serverTime") if isinstance(answer, dict) else None
        if not isinstance(server_time, str):
            raise ProtocolError("the heartbeat answer has no serverTime")
        self._note_skew(server_time)
        self.progress("heartbeat", 1, 1)

    def _note_skew(self, server_time: str) -> None:
        try:
            skew = skew_seconds(server_time, self.platform.clock())
        except ValueError:
            raise ProtocolError(f"serverTime {server_time!r} is not yyyy-MM-dd HH:mm:ss") from None
        self.outcome.clock_skew_s = skew
        moment = beijing_now()
        outbox.put_state(self.database, CLOCK_SKEW_KEY, str(skew), moment)
        outbox.put_state(self.database, SERVER_TIME_KEY, server_time, moment)
        if abs(skew) >= SKEW_WARNING_S:
            direction = "ahead of" if skew > 0 else "behind"
            self.outcome.warnings.append(
                f"the station clock is {abs(skew)} s {direction} the provincial platform"
            )


# ---- answers ------------------------------------------------------------------------------


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _unsent(database: Database) -> bool:
    pending, _ = outbox.counts(database)
    return pending > 0


def _parse_results(data: object, seqs: list[int]) -> list[outbox.Result]:
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or len(results) != len(seqs):
        raise ProtocolError(f"the platform answered {len(seqs)} records with a bad results list")
    parsed = []
    for item, seq in zip(results, seqs, strict=True):
        if not isinstance(item, dict):
            raise ProtocolError(f"the platform's result for seq {seq} is malformed: {item!r}")
        status = item.get("status")
        if item.get("seq") != seq or status not in ("ACCEPTED", "DUPLICATE", "REJECTED"):
            raise ProtocolError(f"the platform's result for seq {seq} is malformed: {item!r}")
        parsed.append(
            outbox.Result(seq, status, str(item.get("code", "")), str(item.get("message", "")))
        )
    return parsed


def _parse_manifest(data: object) -> dict:
    if not isinstance(data, dict) or data.get("status") not in ("COMPLETE", "INCOMPLETE"):
        raise ProtocolError(f"the manifest answer is malformed: {data!r:.200}")
    for name in ("missingSeqs", "missingPictures", "rejectedSeqs"):
        if not isinstance(data.setdefault(name, []), list):
            raise ProtocolError(f"the manifest answer's {name} is not a list")
    return data


def _parse_watchlist(data: object) -> tuple[list[ProvinceEntry], list[str], bool, str]:
    if not isinstance(data, dict) or not isinstance(data.get("cursor"), str):
        raise ProtocolError("the watchlist answer has no cursor")
    try:
        entries = [
            ProvinceEntry(
                plate_num=str(item["plateNum"]),
                plate_color=item.get("plateColor"),
                reason=str(item["reason"]),
                since=str(item.get("since", "")),
                note=str(item.get("note", "")),
            )
            for item in data.get("entries", [])
        ]
        removed = [str(item["plateNum"]) for item in data.get("removed", [])]
    except (KeyError, TypeError, AttributeError):
        raise ProtocolError("the watchlist answer has a malformed entry") from None
    return entries, removed, bool(data.get("full")), data["cursor"]


__all__ = ["PassOutcome", "PlatformRefused", "run_pass"]
