"""Province upload on loopback: records per second, and a busy day with its pictures.

    .venv/bin/python -m bench.upload_bench            # about 6 minutes, 12 GB of scratch disk
    .venv/bin/python -m bench.upload_bench --quick    # a tenth of the day, under a minute
    .venv/bin/python -m bench.upload_bench --json     # the results as JSON on stdout

The station side is the real one (`station.upload.passes.run_pass`: signing, TLS, outbox
updates after every answer); the platform is the reference receiver of
tests/support/province_receiver.py over HTTPS with a test CA, in the same process (its
threads share the two cores with the station, so the figures are for both ends at once).

1. records: `--records` weighings generated with `station.storage.bulk.generate` (CHECK
   records, no pictures), one pass; the records stage is timed from its first progress
   report to the first of the next stage. Target: at least 2000 records/s.
2. busy day: the same number of weighings, each with `--pictures-per` pictures of
   `--picture-kb` KB of random bytes stored as JPEG files, one pass, timed whole. The
   pictures are attached at the storage level (picture and weighing_picture rows, files
   in the picture store) because bulk records are sealed without pictures: the transfer
   (HEAD, read, hash, PUT) is what is measured, and the manifest does not ask for them.

Every run writes bench/out/upload-<timestamp>.json with the machine (bench/machine.py).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.machine import describe, summary  # noqa: E402
from station.config import load_config  # noqa: E402
from station.storage.bulk import generate  # noqa: E402
from station.storage.database import Database, open_database  # noqa: E402
from station.storage.files import PictureStore  # noqa: E402
from station.storage.models import Picture, Weighing, WeighingPicture  # noqa: E402
from station.upload.passes import run_pass  # noqa: E402
from tests.support.province_receiver import ProvinceReceiver  # noqa: E402
from tests.support.tls import LoopbackPki  # noqa: E402
from tests.support.upload import station_toml, write_key  # noqa: E402

SITE = "410102210001"
START = datetime(2026, 11, 25, 0, 0, 0)
OUT = ROOT / "bench" / "out"
FILE_TYPES = (12, 13, 11, 14, 15)  # front, rear, plate, then the side views


class StageClock:
    """Progress callback that notes when each stage first reports."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}

    def __call__(self, stage: str, _done: int, _total: int) -> None:
        self.first.setdefault(stage, time.perf_counter())

    def span(self, stage: str, following: str) -> float:
        return self.first[following] - self.first[stage]


def _station(folder: Path, records: int) -> Database:
    database, _ = open_database(f"sqlite:///{folder / 'station.sqlite3'}")
    generate(database, SITE, records, 7, START, per_day=max(records, 1), traces=False)
    return database


def _attach_pictures(database: Database, folder: Path, per: int, size: int) -> int:
    """Random JPEG-typed files in the store, linked to every weighing; returns the count."""
    store = PictureStore(folder / "pictures")
    with database.read() as session:
        weighings = [row.id for row in session.query(Weighing.id).order_by(Weighing.id)]
    count = 0
    for start in range(0, len(weighings), 500):
        rows: list[Any] = []
        for weighing_id in weighings[start : start + 500]:
            for file_type in FILE_TYPES[:per]:
                stored = store.put(os.urandom(size), "image/jpeg")
                rows.append(
                    Picture(
                        sha256=stored.sha256,
                        mime=stored.mime,
                        size=stored.size,
                        stored_path=stored.relative_path,
                        created_at=START,
                    )
                )
                rows.append(
                    WeighingPicture(
                        weighing_id=weighing_id, sha256=stored.sha256, file_type=file_type
                    )
                )
                count += 1
        with database.transaction() as session:
            session.add_all(rows)
    return count


def _one_pass(folder: Path, receiver: ProvinceReceiver, pki: LoopbackPki) -> tuple[Any, Any]:
    key_file = write_key(folder.parent, receiver.key)
    config = load_config(station_toml(folder, receiver.base_url, key_file, pki.ca_file))
    database, _ = open_database(config.database.url)
    clock = StageClock()
    started = time.perf_counter()
    outcome = run_pass(config, database, trigger="CLI", actor="bench", progress=clock)
    clock.first["end"] = time.perf_counter()
    clock.first["start"] = started
    database.dispose()
    if outcome.status != "COMPLETE":
        raise SystemExit(f"the pass did not complete: {outcome}")
    return outcome, clock


def _receiver(pki: LoopbackPki) -> ProvinceReceiver:
    key = secrets.token_bytes(32)
    receiver = ProvinceReceiver(
        {SITE: key}, ssl_context=pki.server_context(), keep_picture_bytes=False
    )
    receiver.key = key
    return receiver


def bench_records(scratch: Path, pki: LoopbackPki, records: int) -> dict[str, Any]:
    folder = scratch / "records" / "station"
    folder.mkdir(parents=True)
    _station(folder, records).dispose()
    with _receiver(pki) as receiver:
        outcome, clock = _one_pass(folder, receiver, pki)
    seconds = clock.span("records", "pictures")
    return {
        "records": outcome.records_sent,
        "records_stage_s": round(seconds, 2),
        "records_per_s": round(outcome.records_sent / seconds),
        "pass_s": round(clock.span("start", "end"), 2),
        "target_records_per_s": 2000,
    }


def bench_busy_day(scratch: Path, pki: LoopbackPki, records: int, per: int, kb: int) -> dict:
    folder = scratch / "day" / "station"
    folder.mkdir(parents=True)
    database = _station(folder, records)
    made = time.perf_counter()
    pictures = _attach_pictures(database, folder, per, kb * 1000)
    database.dispose()
    prepared_s = time.perf_counter() - made
    with _receiver(pki) as receiver:
        outcome, clock = _one_pass(folder, receiver, pki)
    seconds = clock.span("start", "end")
    megabytes = pictures * kb / 1000
    return {
        "records": outcome.records_sent,
        "pictures": outcome.pictures_sent,
        "picture_kb": kb,
        "pictures_prepared_s": round(prepared_s, 1),
        "pass_s": round(seconds, 1),
        "records_stage_s": round(clock.span("records", "pictures"), 1),
        "pictures_stage_s": round(clock.span("pictures", "manifest"), 1),
        "pictures_per_s": round(outcome.pictures_sent / clock.span("pictures", "manifest")),
        "megabytes_per_s": round(megabytes / clock.span("pictures", "manifest"), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pictures-per", type=int, default=3, choices=range(1, 6))
    parser.add_argument("--picture-kb", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a tenth of the busy day")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    day_records = args.records // 10 if args.quick else args.records
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as scratch_name:
        scratch = Path(scratch_name)
        pki = LoopbackPki(scratch / "pki")
        results = {
            "machine": describe(scratch),
            "records": bench_records(scratch, pki, args.records),
            "busy_day": bench_busy_day(
                scratch, pki, day_records, args.pictures_per, args.picture_kb
            ),
            "quick": args.quick,
        }
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"upload-{stamp}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(summary(results["machine"]))
        for name in ("records", "busy_day"):
            print(name, json.dumps(results[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
