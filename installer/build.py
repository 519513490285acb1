"""Build the one-folder bundle of the overload station, and check it end to end.

    .venv/bin/python installer/build.py                    dist/overload-station (+ archive)
    .venv/bin/python installer/build.py --smoke            build, then run the bundle for real
    .venv/bin/python installer/build.py --smoke --no-build check a bundle built before

The build installs the `build` extra of pyproject.toml when it is missing (PyInstaller), draws
the icon, runs PyInstaller on installer/overload-station.spec, and then on Linux packs
dist/overload-station-VERSION-linux-ARCH.tar.gz (the bundle, install.sh and the desktop and
systemd files); on Windows it compiles installer/windows/overload-station.iss when Inno Setup 6
is installed. --smoke is described in installer/smoke.py and docs/installing.md.

Exit codes: 0 built (and the smoke run passed), 1 the build or the smoke run failed,
2 an unusable build environment or bad options.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bundle_files  # noqa: E402
import smoke  # noqa: E402

ROOT = bundle_files.ROOT
DIST = ROOT / "dist"
WORK = ROOT / "build"
ICON_DIR = WORK / "icon"
SPEC = HERE / "overload-station.spec"
ISS = HERE / "windows" / "overload-station.iss"
LINUX_FILES = (
    "overload-station.desktop",
    "overload-station.svg",
    "overload-station-upload.service",
    "overload-station-upload.timer",
)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


class BuildError(RuntimeError):
    """The build failed; the message says where to look."""


class EnvironmentProblem(RuntimeError):
    """The build cannot start (exit code 2)."""


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def version() -> str:
    return project()["version"]


def extra_requirements(extra: str) -> list[str]:
    extras = project().get("optional-dependencies", {})
    if extra not in extras:
        raise EnvironmentProblem(f"pyproject.toml has no [project.optional-dependencies] {extra}")
    return list(extras[extra])


def is_installed(requirement: str) -> bool:
    """True when `name==version` (or a bare `name`) is installed at that version."""
    name, _, wanted = requirement.partition("==")
    name = name.split("[")[0].strip()
    try:
        found = metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return not wanted or found == wanted.strip()


def ensure_installed(requirements: list[str]) -> None:
    missing = [item for item in requirements if not is_installed(item)]
    if not missing:
        return
    print(f"installing {' '.join(missing)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", *missing], check=False)
    if done.returncode != 0:
        raise EnvironmentProblem(f"pip could not install {' '.join(missing)}")


def render_icon() -> Path:
    """Draw the SVG icon as PNG and as the .ico PyInstaller and Inno Setup want on Windows."""
    from PIL import Image
    from PySide6 import QtCore, QtGui, QtSvg

    renderer = QtSvg.QSvgRenderer(str(ROOT / bundle_files.ICON_SVG))
    if not renderer.isValid():
        raise BuildError(f"{bundle_files.ICON_SVG}: not a valid SVG")
    image = QtGui.QImage(256, 256, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    png = ICON_DIR / f"{bundle_files.NAME}.png"
    image.save(str(png))
    ico = ICON_DIR / f"{bundle_files.NAME}.ico"
    with Image.open(png) as picture:
        picture.save(ico, sizes=[(size, size) for size in ICON_SIZES])
    return ico


def run_pyinstaller() -> Path:
    log = WORK / "pyinstaller.log"
    WORK.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm",
        "--distpath", str(DIST), "--workpath", str(WORK / "pyinstaller"), str(SPEC),
    ]  # fmt: skip
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise BuildError("PyInstaller failed (log: {}):\n{}".format(log, "\n".join(tail)))
    return DIST / bundle_files.NAME


def archive_name() -> str:
    return f"{bundle_files.NAME}-{version()}-linux-{platform.machine()}"


def write_archive(bundle: Path) -> Path:
    """The release archive: the bundle, install.sh and linux/ with the menu and timer files."""
    top = archive_name()
    path = DIST / f"{top}.tar.gz"
    linux = HERE / "linux"
    with tarfile.open(path, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=f"{top}/{bundle_files.NAME}")
        archive.add(linux / "install.sh", arcname=f"{top}/install.sh")
        for name in LINUX_FILES:
            archive.add(linux / name, arcname=f"{top}/linux/{name}")
        archive.add(ROOT / "docs" / "installing.md", arcname=f"{top}/INSTALLING.md")
    return path


def find_iscc() -> Path | None:
    found = shutil.which("ISCC")
    if found:
        return Path(found)
    for variable in ("ProgramFiles(x86)", "ProgramFiles"):
        candidate = Path(os.environ.get(variable, "")) / "Inno Setup 6" / "ISCC.exe"
        if candidate.is_file():
            return candidate
    return None


def compile_windows_installer() -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        print("Inno Setup 6 not found: install it to get the setup program (docs/installing.md)")
        return None
    done = subprocess.run([str(iscc), f"/DAppVersion={version()}", str(ISS)], check=False)
    if done.returncode != 0:
        raise BuildError(f"ISCC failed on {ISS}")
    return DIST / f"{bundle_files.NAME}-{version()}-setup.exe"


def folder_size(folder: Path) -> int:
    # PyInstaller links some libraries to others in the folder: count each file once.
    files = (path for path in folder.rglob("*") if path.is_file() and not path.is_symlink())
    return sum(path.stat().st_size for path in files)


def megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def build() -> Path | None:
    """Build the bundle and the platform's package; return the Linux archive, if any."""
    ensure_installed(extra_requirements("build"))
    started = time.monotonic()
    render_icon()
    bundle = run_pyinstaller()
    built = time.monotonic()
    print(f"bundle: {bundle} {megabytes(folder_size(bundle))}, built in {built - started:.0f} s")
    if sys.platform == "win32":
        setup = compile_windows_installer()
        if setup is not None:
            print(f"setup program: {setup} {megabytes(setup.stat().st_size)}")
        return None
    archive = write_archive(bundle)
    print(
        f"archive: {archive} {megabytes(archive.stat().st_size)}, "
        f"packed in {time.monotonic() - built:.0f} s"
    )
    return archive


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the built bundle end to end")
    parser.add_argument("--no-build", action="store_true", help="with --smoke: use the last build")
    parser.add_argument("--keep", action="store_true", help="keep the smoke run's folder")
    options = parser.parse_args(argv)
    if options.no_build and not options.smoke:
        parser.error("--no-build only goes with --smoke")
    return options


def existing_package() -> Path | None:
    """For --no-build: the Linux archive, or on Windows None (the smoke run uses dist/)."""
    if sys.platform == "win32":
        if not (DIST / bundle_files.NAME).is_dir():
            raise EnvironmentProblem(f"--no-build: no bundle {DIST / bundle_files.NAME}")
        return None
    archive = DIST / f"{archive_name()}.tar.gz"
    if not archive.is_file():
        raise EnvironmentProblem(f"--no-build: no archive {archive}; build first")
    return archive


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    started = time.monotonic()
    try:
        if options.smoke:
            # The reference receiver's certificates come from trustme, a test tool.
            test = extra_requirements("test")
            ensure_installed([item for item in test if item.startswith("trustme")])
        archive = existing_package() if options.no_build else build()
        if options.smoke:
            smoke.run(archive=archive, bundle=DIST / bundle_files.NAME, keep=options.keep)
    except EnvironmentProblem as problem:
        print(f"build.py: {problem}", file=sys.stderr)
        return 2
    except BuildError as failure:
        print(f"build.py: {failure}", file=sys.stderr)
        return 1
    except smoke.SmokeFailure as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
