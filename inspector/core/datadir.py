"""Where the data lives, and the guards that keep it safe to write.

A data directory holds ``inspector.db``, ``photos/``, ``cache/``, ``exports/`` and a lock file.
It must not sit inside a folder that a file-sync engine copies around, because SQLite's
locking does not hold there and a half-synced WAL corrupts the database.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from inspector.core.errors import DataDirError
from inspector.core.i18n import t

log = logging.getLogger(__name__)

APP_NAME = "green-inspector"
ENV_DATA_DIR = "INSPECTOR_DATA_DIR"
ENV_SYNC_FOLDER = "INSPECTOR_SYNC_FOLDER"
LOCK_NAME = "inspector.lock"

# Files a sync engine leaves at the root of the folders it manages.
SYNC_MARKERS = (
    ".stfolder",  # Syncthing
    ".sync",  # Resilio
    ".dropbox",  # Dropbox
    ".owncloudsync.log",  # Nextcloud / ownCloud desktop client
    "seafile-ignore.txt",  # Seafile
)


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` wins over ``INSPECTOR_DATA_DIR``, which wins over the platform default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(ENV_DATA_DIR)
    if from_env:
        return Path(from_env).expanduser().resolve()
    import platformdirs  # only when no directory was given

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).resolve()


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_not_synced(data_dir: Path, sync_folder: Path | None = None) -> None:
    """Refuse a data directory that lies inside a synced folder."""
    configured = [sync_folder] if sync_folder else []
    from_env = os.environ.get(ENV_SYNC_FOLDER)
    if from_env:
        configured.append(Path(from_env))
    for folder in configured:
        if _is_within(data_dir, folder):
            raise DataDirError(
                t(
                    "数据目录 {dir} 位于同步文件夹 {folder} 之内；数据库放在同步文件夹里会损坏。"
                    "请换一个本机目录作为数据目录。",
                    "The data directory {dir} is inside the sync folder {folder}; a database "
                    "there gets corrupted. Choose a local directory for the data.",
                    dir=data_dir,
                    folder=folder,
                )
            )
    for folder in (data_dir, *data_dir.parents):
        for marker in SYNC_MARKERS:
            if (folder / marker).exists():
                raise DataDirError(
                    t(
                        "数据目录 {dir} 位于同步软件管理的文件夹 {folder} 之内（发现 {marker}）；"
                        "数据库放在同步文件夹里会损坏。请换一个本机目录作为数据目录。",
                        "The data directory {dir} is inside {folder}, which a file-sync "
                        "program manages (found {marker}); a database there gets corrupted. "
                        "Choose a local directory for the data.",
                        dir=data_dir,
                        folder=folder,
                        marker=marker,
                    )
                )


class DataDirLock:
    """An OS lock on ``inspector.lock`` in the data directory (flock / LockFileEx).

    The OS drops the lock when the process dies, so a lock left by a killed process never
    blocks the next start; the lock file itself stays behind and is harmless. (The lock is a
    dozen lines on the OS calls rather than the filelock package, whose import alone took a
    tenth of the start-up budget.)
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._handle: int | None = None

    def acquire(self) -> None:
        path = self.data_dir / LOCK_NAME
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DataDirError(
                t(
                    "无法锁定数据目录 {dir}：{error}",
                    "Cannot lock the data directory {dir}: {error}",
                    dir=self.data_dir,
                    error=exc.strerror or exc,
                )
            ) from exc
        try:
            _lock_nonblocking(handle)
        except OSError:
            os.close(handle)
            raise DataDirError(
                t(
                    "数据目录 {dir} 正被另一个巡查程序使用；请先关闭它再试。",
                    "The data directory {dir} is in use by another copy of the inspector; "
                    "close it and try again.",
                    dir=self.data_dir,
                )
            ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing the descriptor releases the lock
            self._handle = None


def _lock_nonblocking(handle: int) -> None:
    """Take an exclusive lock or raise OSError at once if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def prepare_data_dir(data_dir: Path) -> None:
    """Create the directory layout, with a clear message when that is not possible."""
    try:
        for sub in ("", "photos", "cache", "exports"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(
            t(
                "无法创建数据目录 {dir}：{error}",
                "Cannot create the data directory {dir}: {error}",
                dir=data_dir,
                error=exc.strerror or exc,
            )
        ) from exc
