"""`main.py demo`: a throwaway station in a folder, a few trucks, a verified chain."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from station.config import load_config, write_demo_config
from station.i18n import tr
from station.services.demo import DemoRow, run_demo
from station.storage.accounts import ensure_admin
from station.storage.database import open_database
from station.storage.files import PictureStore
from station.storage.verify import verify_database
from station.tables import load_limit_book, load_penalty_book


def _line(row: DemoRow, language: str) -> str:
    action = tr(f"action.{row.penalty.action.value}", language)
    fine = tr("unit.yuan", language, amount=row.penalty.fine_yuan) if row.penalty.fine_yuan else ""
    return (
        f"{row.check_no}  {row.plate:<8} {row.sum_kg:>7} {row.limit_kg:>7} {row.over_kg:>6} "
        f"{row.over_rate:>6}%  {action} {fine}  {row.vehicle_class}"
    )


def _write_demo_station(path: Path) -> None:
    """The demo configuration with its data kept next to it, so later commands find it."""
    write_demo_config(path)
    text = path.read_text(encoding="utf-8")
    data = json.dumps(str(path.parent / "data"), ensure_ascii=False)
    path.write_text(
        text.replace('\ndata_dir = ""\n', f"\ndata_dir = {data}\n", 1), encoding="utf-8"
    )


def demo_main(folder: Path, vehicles: int, seed: int, language: str | None = None) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "station.toml"
    if not config_path.exists():
        _write_demo_station(config_path)
    config = load_config(config_path)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    password = ensure_admin(database)
    store = PictureStore(config.data_dir / "pictures")
    books = (
        load_limit_book(config.extra_limit_tables),
        load_penalty_book(config.extra_penalty_tables),
        config.policy,
    )
    lang = language or config.station.language
    site = config.station.site_code
    print(tr("demo.station", lang, name=config.station.name, code=site, folder=folder))
    if password:
        print(tr("demo.admin", lang, password=password))
    print(tr("demo.header", lang))
    for row in run_demo(database, site, store, books, vehicles=vehicles, seed=seed):
        print(_line(row, lang))
    report = verify_database(database, config.data_dir / "pictures")
    database.dispose()
    if report.ok:
        state = tr("demo.intact", lang)
    else:
        state = tr("demo.broken", lang, seq=report.first_bad_seq)
    print(tr("demo.summary", lang, records=report.records, pictures=report.pictures, state=state))
    # An installed (frozen) program is itself the command; from a checkout it is main.py.
    program = sys.executable if getattr(sys, "frozen", False) else f"{sys.executable} main.py"
    command = f"{program} verify --config {config_path}"
    print(tr("demo.again", lang, command=command))
    return 0 if report.ok else 1
