"""Rebuild the desktop's Qt translations from the source.

    python scripts/translations.py            update the .ts from ui/ (keeps translations),
                                              then compile the .qm
    python scripts/translations.py --check    exit 1 when the .ts is behind the code, a
                                              translation is missing, or the .qm is stale

Source strings in ui/ are English (self.tr / QCoreApplication.translate); the Chinese lives
in ui/translations/station_zh_CN.ts, edited by hand or with Qt Linguist
(`pyside6-linguist ui/translations/station_zh_CN.ts`). Locations are left out of the .ts
so moving code does not change it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "ui" / "translations"
LANGUAGES = ("zh_CN",)


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = here if here.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"translations: {name} not found (it comes with pyside6-essentials)")
    return str(found)


def sources() -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for path in (ROOT / "ui").rglob("*.py"))


def ts_file(language: str) -> Path:
    return FOLDER / f"station_{language}.ts"


def update(ts: Path) -> None:
    command = [_tool("pyside6-lupdate"), *sources(), "-locations", "none", "-no-obsolete"]
    subprocess.run([*command, "-ts", str(ts)], cwd=ROOT, check=True, capture_output=True)


def release(ts: Path, qm: Path) -> None:
    command = [_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def messages(ts: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (translation, finished)."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            text = translation.text or "" if translation is not None else ""
            finished = translation is not None and translation.get("type") is None
            found[(name, message.findtext("source", ""))] = (text, finished and bool(text))
    return found


def problems(language: str) -> list[str]:
    ts, qm = ts_file(language), ts_file(language).with_suffix(".qm")
    found: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / ts.name
        shutil.copy(ts, fresh)
        update(fresh)
        committed, current = messages(ts), messages(fresh)
        found += [
            f"not in the .ts (run the script): {key}" for key in current.keys() - committed.keys()
        ]
        found += [f"obsolete in the .ts: {key}" for key in committed.keys() - current.keys()]
        found += [f"untranslated: {key}" for key, (_, done) in committed.items() if not done]
        built = Path(scratch) / qm.name
        release(ts, built)
        if not qm.exists() or qm.read_bytes() != built.read_bytes():
            found.append(f"{qm.name} is not built from {ts.name} (run the script)")
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        found = [item for language in LANGUAGES for item in problems(language)]
        for item in found:
            print(item)
        return 1 if found else 0
    for language in LANGUAGES:
        ts = ts_file(language)
        update(ts)
        release(ts, ts.with_suffix(".qm"))
        left = [key for key, (_, done) in messages(ts).items() if not done]
        print(f"{ts.name}: {len(messages(ts))} messages, {len(left)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
