"""What the one-folder bundle holds besides the modules PyInstaller finds by itself.

Read by overload-station.spec (the build), installer/build.py and tests/installer, which check
these lists against the files the code loads at run time. Paths are relative to the checkout.
Each data entry is (glob, folder in the bundle); the folder mirrors the checkout because the
code finds its files from its own location (module `__file__`, `importlib.resources`), and in
a frozen program both resolve inside the bundle's `_internal` folder.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "overload-station"
# A console program next to the windowed one: on Windows a windowed program has no
# stdout/stderr, so the scheduled upload and the Start-menu commands run this one.
CLI_NAME = "overload-station-cli"
ENTRY = "main.py"

# Files the code opens by path at run time.
DATA = (
    ("ui/translations/*.qm", "ui/translations"),
    ("drivers/modbus/maps/*.toml", "drivers/modbus/maps"),
    ("station/data/limits/*.toml", "station/data/limits"),
    ("station/data/penalties/*.toml", "station/data/penalties"),
    ("station/data/axle_groups/*.toml", "station/data/axle_groups"),
    ("station/data/metrology/*.toml", "station/data/metrology"),
    # Alembic loads the environment and the revisions as source files from this folder.
    ("station/storage/migrations/env.py", "station/storage/migrations"),
    ("station/storage/migrations/versions/*.py", "station/storage/migrations/versions"),
)

# Installed packages whose data files the program reads (collect_data_files).
PACKAGE_DATA = (
    "paperang_p2_fonts_cjk",  # the CJK font: Qt, the documents, simulated camera pictures
    "reportlab",  # standard font metrics and ReportLab's own resources
)

# Imported by name at run time, so PyInstaller's import scan cannot see them: the font
# package is only reached through importlib.resources, reports/ loads lazily, ReportLab's
# barcode widgets import their symbologies by name, and SQLAlchemy picks its dialect from
# the database URL. Packages listed here are walked for every submodule.
HIDDEN_PACKAGES = ("station", "drivers", "ui", "reports", "reportlab.graphics.barcode")
HIDDEN_IMPORTS = (
    "paperang_p2_fonts_cjk",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql.psycopg",
)
# PostgreSQL is optional ([postgresql] extra): bundled when installed in the build environment.
# The binary part cannot be imported on its own, so it is named, not walked.
OPTIONAL_PACKAGES = ("psycopg",)
OPTIONAL_IMPORTS = ("psycopg_binary",)

# Never needed by the program; some are pulled in by optional imports of its libraries.
EXCLUDES = (
    "tkinter",
    "pytest",
    "hypothesis",
    "tests",
    "bench",
    "PyInstaller",
    "IPython",
    "matplotlib",
)

ICON_SVG = "installer/linux/overload-station.svg"


def data_entries(root: Path = ROOT) -> list[tuple[str, str]]:
    """(absolute glob, bundle folder) pairs for PyInstaller's `datas`."""
    return [(str(root / pattern), folder) for pattern, folder in DATA]


def collected_files(root: Path = ROOT) -> dict[Path, str]:
    """Every checkout file the DATA globs match, with its path inside the bundle."""
    found: dict[Path, str] = {}
    for pattern, folder in DATA:
        for path in sorted(root.glob(pattern)):
            found[path] = f"{folder}/{path.name}"
    return found
