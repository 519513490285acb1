"""`main.py demo`: a throwaway station in a folder, a few trucks, a verified chain."""

from __future__ import annotations

import os
from pathlib import Path

from station.config import load_config, write_demo_config
from station.services.demo import DemoRow, run_demo
from station.storage.accounts import ensure_admin
from station.storage.database import open_database
from station.storage.files import PictureStore
from station.storage.verify import verify_database
from station.tables import load_limit_book, load_penalty_book

ACTION_ZH = {"NONE": "放行", "WARNING": "警告·卸载", "FINE": "罚款·卸载"}


def _line(row: DemoRow) -> str:
    action = ACTION_ZH[row.penalty.action.value]
    fine = f"{row.penalty.fine_yuan}元" if row.penalty.fine_yuan else ""
    return (
        f"{row.check_no}  {row.plate:<8} {row.sum_kg:>7} {row.limit_kg:>7} {row.over_kg:>6} "
        f"{row.over_rate:>6}%  {action} {fine}  {row.vehicle_class}"
    )


def demo_main(folder: Path, vehicles: int, seed: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["STATION_DATA_DIR"] = str(folder / "data")
    config_path = folder / "station.toml"
    if not config_path.exists():
        write_demo_config(config_path)
    config = load_config(config_path)
    database, _ = open_database(config.database.url, config.database.backup_dir)
    password = ensure_admin(database)
    store = PictureStore(config.data_dir / "pictures")
    books = (
        load_limit_book(config.extra_limit_tables),
        load_penalty_book(config.extra_penalty_tables),
        config.policy,
    )
    print(f"演示检测站 {config.station.name} ({config.station.site_code}), 数据目录 {folder}")
    if password:
        print(f"首次运行: 已创建管理员 admin, 一次性密码 {password} (首次登录须修改)")
    print("检测单号                   车牌        总重    限值    超限    超限率   处理  车型规则")
    site = config.station.site_code
    for row in run_demo(database, site, store, books, vehicles=vehicles, seed=seed):
        print(_line(row))
    report = verify_database(database, config.data_dir / "pictures")
    database.dispose()
    state = "完整" if report.ok else f"异常, 首个问题序号 {report.first_bad_seq}"
    print(f"哈希链校验: {report.records} 条记录, {report.pictures} 张图片, {state}")
    print(f"再次校验: python main.py verify --config {config_path}")
    return 0 if report.ok else 1
