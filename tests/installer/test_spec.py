"""The spec collects every data file the code loads at run time, where the frozen code looks.

In the bundle, a module's `__file__` and `importlib.resources.files(package)` resolve inside
`_internal/<package path>`, so each file must land at its checkout path relative to the root.
These tests take the folders from the code's own lookups, not from a copy of the list.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from drivers.modbus import maps
from reports import fonts as report_fonts
from station.storage import database
from tests.installer.helpers import INSTALLER, ROOT, load_installer_module
from ui import fonts as ui_fonts
from ui import i18n

SPEC = INSTALLER / "overload-station.spec"


@pytest.fixture(scope="module")
def files():
    return load_installer_module("bundle_files")


@pytest.fixture(scope="module")
def collected(files) -> set[str]:
    return set(files.collected_files().values())


def _relative(paths: list[Path]) -> set[str]:
    assert paths, "the code loads files from here: the folder must not be empty"
    return {path.resolve().relative_to(ROOT).as_posix() for path in paths}


def test_every_data_glob_matches_files_in_the_checkout(files):
    for pattern, folder in files.DATA:
        matched = list(ROOT.glob(pattern))
        assert matched, f"{pattern} matches nothing"
        for path in matched:
            assert path.parent.relative_to(ROOT).as_posix() == folder, pattern


def test_the_translations_are_collected(collected):
    assert _relative(list(i18n.FOLDER.glob("*.qm"))) <= collected
    assert i18n.qm_file("zh_CN").relative_to(ROOT).as_posix() in collected


def test_the_shipped_modbus_register_maps_are_collected(collected):
    assert _relative(list(maps.SHIPPED_DIR.glob("*.toml"))) <= collected


def test_the_migrations_alembic_loads_by_path_are_collected(collected):
    scripts = [database.MIGRATIONS / "env.py", *(database.MIGRATIONS / "versions").glob("*.py")]
    assert _relative(scripts) <= collected


def test_the_legal_and_metrology_tables_are_collected(collected):
    root = Path(str(resources.files("station") / "data"))
    tables = list(root.rglob("*.toml"))
    kinds = {path.parent.name for path in tables}
    assert {"limits", "penalties", "axle_groups", "metrology"} <= kinds
    assert _relative(tables) <= collected


def test_the_cjk_font_package_is_bundled_with_its_data(files):
    assert report_fonts.FONT_PACKAGE in files.PACKAGE_DATA
    assert report_fonts.FONT_PACKAGE in files.HIDDEN_IMPORTS  # reached only via resources
    font = ui_fonts.font_file()
    assert font == report_fonts.font_path() and font.is_file()
    package_root = Path(str(resources.files(report_fonts.FONT_PACKAGE)))
    assert font.is_relative_to(package_root)


def test_reportlab_data_and_the_lazily_loaded_packages_are_bundled(files):
    assert "reportlab" in files.PACKAGE_DATA
    assert {"station", "drivers", "ui", "reports"} <= set(files.HIDDEN_PACKAGES)
    assert "sqlalchemy.dialects.sqlite" in files.HIDDEN_IMPORTS


def test_the_spec_builds_both_programs_from_the_shared_lists():
    text = SPEC.read_text(encoding="utf-8")
    compile(text, str(SPEC), "exec")
    for name in (
        "bundle_files.data_entries()",
        "bundle_files.PACKAGE_DATA",
        "bundle_files.HIDDEN_PACKAGES",
        "bundle_files.HIDDEN_IMPORTS",
        "bundle_files.EXCLUDES",
        "program(bundle_files.NAME, console=False)",
        "program(bundle_files.CLI_NAME, console=True)",
    ):
        assert name in text, name


def test_pyinstaller_is_pinned_in_the_build_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["build"] == ["pyinstaller==6.22.3"]


def test_build_outputs_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "dist/" in ignored


def test_build_py_refuses_no_build_without_smoke_with_exit_2():
    done = subprocess.run(
        [sys.executable, str(INSTALLER / "build.py"), "--no-build"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--no-build only goes with --smoke" in done.stderr


def test_build_py_no_build_without_an_archive_exits_2_naming_it(tmp_path):
    # A copy of the installer folder in an empty checkout: no dist/ there.
    checkout = tmp_path / "checkout"
    (checkout / "installer").mkdir(parents=True)
    for name in ("build.py", "bundle_files.py", "smoke.py"):
        (checkout / "installer" / name).write_bytes((INSTALLER / name).read_bytes())
    (checkout / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    done = subprocess.run(
        [sys.executable, str(checkout / "installer" / "build.py"), "--smoke", "--no-build"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--no-build: no archive" in done.stderr and str(checkout / "dist") in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
