"""Pictures and videos on disk, named by their SHA-256; written durably before the DB row."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# PDF is for scanned certificates, which scanners often produce as PDF.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
}


class PictureStoreError(RuntimeError):
    """A picture could not be stored (disk full, permissions); nothing was recorded."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    mime: str
    relative_path: str


class PictureStore:
    """Content-addressed files under one root: ab/cd/<sha256>.<ext>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, relative_path: str) -> Path:
        return self.root / relative_path

    def put(self, data: bytes, mime: str) -> StoredFile:
        if mime not in EXTENSIONS:
            raise PictureStoreError(
                f"unsupported picture type {mime!r}; allowed: {', '.join(EXTENSIONS)}"
            )
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}{EXTENSIONS[mime]}"
        target = self.root / relative
        if not (target.exists() and target.stat().st_size == len(data)):
            self._write_atomically(target, data)
        return StoredFile(digest, len(data), mime, relative)

    @staticmethod
    def _write_atomically(target: Path, data: bytes) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise PictureStoreError(
                f"cannot store picture in {target.parent}: {exc.strerror}"
            ) from exc

    def check(self, relative_path: str, sha256: str) -> str | None:
        """Return a problem with a stored file, or None when it is intact."""
        path = self.root / relative_path
        if not path.is_file():
            return f"picture file {relative_path} is missing"
        digest = hashlib.sha256()
        with path.open("rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            return f"picture file {relative_path} does not match its SHA-256 (altered)"
        return None
