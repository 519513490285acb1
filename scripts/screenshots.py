"""Screenshots of the desktop for the operator guide, in both languages, under Xvfb.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--seconds 60]

Starts an Xvfb display (apt: xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0) unless
DISPLAY is set, then for zh_CN and en runs the demo station (`main.py --demo`, in this
process) and saves: the lanes, the records list, a record's detail, the open cases, the
technician's device view and two dialogs, into <out>/<language>/*.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = (1366, 820)


def _start_xvfb() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY"):
        return None
    if not shutil.which("Xvfb"):
        raise SystemExit("screenshots: no DISPLAY and no Xvfb (apt-get install xvfb ...)")
    display = ":57"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
    time.sleep(1.0)
    os.environ["DISPLAY"] = display
    return server


def _wait(app, condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def _save(widget, folder: Path, name: str) -> None:
    widget.grab().save(str(folder / f"{name}.png"))
    print(f"  {folder.name}/{name}.png")


def _over_check(desktop) -> str | None:
    for panel in desktop.window.panels.values():
        if panel.last is not None and panel.last.is_over:
            return panel.last.check_no
    return None


def _enough_traffic(desktop) -> bool:
    """A few weighings, one of them overloaded with its notice, on the screen."""
    tally = desktop.ctx.runtime.tally
    return tally.weighings >= 5 and bool(tally.open_cases) and _over_check(desktop) is not None


def _records_and_detail(app, desktop, folder: Path) -> None:
    from ui.record_detail import RecordDetailDialog

    window, ctx = desktop.window, desktop.ctx
    records = window.views["records"]
    window.tabs.setCurrentWidget(records)
    records.search()
    _wait(app, lambda: records.model.rowCount() > 0, 10)
    _wait(app, lambda: False, 0.5)
    _save(window, folder, "records")
    check_no = _over_check(desktop) or records.model.index(0, 1).data()
    detail = RecordDetailDialog(ctx, check_no, window)
    detail.resize(1100, 780)
    detail.show()
    _wait(app, lambda: False, 3.0)
    _save(detail, folder, "record-detail")
    detail.close()
    window.tabs.setCurrentWidget(window.views["cases"])
    _wait(app, lambda: False, 2.0)
    _save(window, folder, "cases")


def _sign_in(desktop, login: str) -> None:
    from station.storage.accounts import authenticate
    from ui.main_window import _policy

    ctx = desktop.ctx
    password = desktop.demo_accounts[login]
    ctx.session.sign_in(authenticate(ctx.database, login, password, _policy(ctx)))


def _devices(app, desktop, folder: Path) -> None:
    window = desktop.window
    _sign_in(desktop, "technician")
    devices = window.views["devices"]
    window.tabs.setCurrentWidget(devices)
    _wait(app, lambda: False, 1.5)
    table = getattr(devices, "table", None)
    if table is not None:
        table.selectRow(0)
    _wait(app, lambda: False, 2.0)
    _save(window, folder, "devices")


def _dialogs(app, desktop, folder: Path) -> None:
    from ui.plate_dialog import PlateCorrectionDialog

    window = desktop.window
    _sign_in(desktop, "supervisor")
    window.tabs.setCurrentIndex(0)
    last = window.panels[1].last
    if last is not None:
        dialog = PlateCorrectionDialog(desktop.ctx, last.check_no, last.plate, window)
        dialog.show()
        _wait(app, lambda: False, 0.5)
        _save(dialog, folder, "dialog-plate-correction")
        dialog.close()
    window.lock()
    _wait(app, lambda: False, 0.5)
    _save(window, folder, "lock-screen")


def shoot(language: str, out: Path, seconds: float) -> None:
    from ui.app import application, open_demo

    app, _ = application(language)
    folder = out / language
    folder.mkdir(parents=True, exist_ok=True)
    desktop = open_demo(language=language, vehicles=60, seed=10, speedup=2.0)
    desktop.window.resize(*SIZE)
    desktop.window.show()
    try:
        _wait(app, lambda: _enough_traffic(desktop), seconds)
        _wait(app, lambda: False, 2.0)
        _save(desktop.window, folder, "lanes")
        _records_and_detail(app, desktop, folder)
        _devices(app, desktop, folder)
        _dialogs(app, desktop, folder)
    finally:
        desktop.window.close()
        desktop.shutdown()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--seconds", type=float, default=90.0, help="wait for an overload")
    parser.add_argument("--language", choices=["zh_CN", "en"], default=None)
    args = parser.parse_args(argv)
    if args.language:
        shoot(args.language, args.out, args.seconds)
        return 0
    server = _start_xvfb()
    try:
        for language in ("zh_CN", "en"):
            command = [sys.executable, __file__, "--language", language, "--out", str(args.out),
                       "--seconds", str(args.seconds)]  # fmt: skip
            env = {**os.environ, "QT_QPA_PLATFORM": "xcb" if server else os.environ.get(
                "QT_QPA_PLATFORM", "xcb")}  # fmt: skip
            subprocess.run(command, env=env, check=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
