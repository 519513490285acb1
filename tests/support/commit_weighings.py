"""One "workstation": commit N weighings to a shared database, one transaction each.

    python -m tests.support.commit_weighings URL COUNT SEED READY_FILE GO_FILE

It opens the database (already at the head revision), writes READY_FILE, waits for
GO_FILE so that both workstations start together, then records its weighings through the
same staging code the lanes use, and prints the check numbers it got, one per line.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from station.storage.database import Database
from station.storage.files import PictureStore
from tests.support.factory import Station, add_weighings


def main(url: str, count: int, seed: int, ready: Path, go: Path) -> int:
    database = Database(url)
    folder = Path(tempfile.mkdtemp(prefix="workstation-"))
    station = Station(database, PictureStore(folder / "pictures"), folder)
    with database.read():
        pass  # connected before the start signal
    ready.write_text("ready")
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            return 2
        time.sleep(0.01)
    done = add_weighings(station, count, seed=seed)
    print("\n".join(c.check_no for c in done))
    database.dispose()
    return 0


if __name__ == "__main__":
    url, count, seed, ready, go = sys.argv[1:6]
    sys.exit(main(url, int(count), int(seed), Path(ready), Path(go)))
