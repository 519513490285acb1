"""Building real station databases with real weighings for tests."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from station.domain.records import PictureRef, PictureType, PlateSource, WeighMode
from station.services.recording import Observed, Plate, WeighingContext, stage_observed
from station.simulation import placeholder_photo, synthetic_vehicle, weight_trace
from station.storage.database import Database, open_database
from station.storage.evidence import (
    Committed,
    TraceData,
)
from station.storage.files import PictureStore
from station.tables import default_limit_book

SITE = "410102210001"
CONTEXT = WeighingContext(
    lane=1,
    direction=0,
    weigh_mode=WeighMode.AXLE,
    scale_id="lane1-axle-scale",
    cert_no="JD-TEST-0001",
    cert_valid_until=date(2030, 6, 30),
    operator_id="tester",
)


@dataclass
class Station:
    database: Database
    store: PictureStore
    folder: Path

    @property
    def sqlite_file(self) -> Path:
        path = self.database.sqlite_path
        assert path is not None
        return path


def sqlite_station(folder: Path) -> Station:
    database, _ = open_database(f"sqlite:///{folder / 'station.sqlite3'}")
    return Station(database, PictureStore(folder / "pictures"), folder)


def add_weighings(
    station: Station,
    count: int,
    seed: int = 1,
    pictures: bool = False,
    start: datetime = datetime(2026, 11, 25, 8, 0, 0),
    per_transaction: int = 1,
) -> list[Committed]:
    """Commit `count` synthetic weighings one minute apart, `per_transaction` at a time.

    One per transaction is how the lanes record; more is only a faster way to a big
    database (the records and the chain come out the same).
    """
    rng = random.Random(seed)
    book = default_limit_book()
    done: list[Committed] = []
    batch: list[tuple[Observed, datetime]] = []
    for index in range(count):
        sample = synthetic_vehicle(rng)
        moment = start + timedelta(minutes=index)
        verdict = book.judge(sample.vehicle, moment.date())
        files = ()
        refs: tuple[PictureRef, ...] = ()
        if pictures:
            stored = station.store.put(placeholder_photo(rng), "image/png")
            files = (stored,)
            refs = (PictureRef(PictureType.FRONT, stored.sha256, stored.size),)
        observed = Observed(
            sample.vehicle,
            verdict,
            Plate(sample.plate, sample.plate_color, PlateSource.ANPR),
            speed_kmh=sample.speed_kmh,
            trace=TraceData(50, weight_trace(rng, sample.vehicle)),
            files=files,
            pictures=refs,
        )
        batch.append((observed, moment))
        if len(batch) >= per_transaction or index == count - 1:
            with station.database.transaction() as session:
                done.extend(stage_observed(session, SITE, CONTEXT, o, m) for o, m in batch)
            batch = []
    return done


def weighings_at_revision(
    database: Database, folder: Path, revision: str, count: int, seed: int = 1
) -> tuple[Station, list[Committed]]:
    """A database at an older schema `revision` holding `count` weighings.

    The weighings are written by today's code at the head revision, then the schema is
    taken down to `revision`: the ORM of today cannot write into an older schema.
    """
    from alembic import command

    database.upgrade()
    station = Station(database, PictureStore(folder / "pictures"), folder)
    done = add_weighings(station, count, seed=seed)
    config = database._alembic_config()
    with database.writer.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
    return station, done
