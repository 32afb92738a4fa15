"""Where the data lives, and the guards that keep it safe to write.

A data directory holds ``inspector.db``, ``photos/``, ``cache/``, ``exports/`` and a lock file.
It must not sit inside a folder that a file-sync engine copies around, because SQLite's
locking does not hold there and a half-synced WAL corrupts the database.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from inspector.core.errors import DataDirError
from inspector.core.i18n import t

log = logging.getLogger(__name__)

APP_NAME = "green-inspector"
ENV_DATA_DIR = "INSPECTOR_DATA_DIR"
ENV_SYNC_FOLDER = "INSPECTOR_SYNC_FOLDER"
ENV_SETTINGS = "INSPECTOR_SETTINGS"
SETTINGS_KEY = "data_dir"
ARGUMENT, ENVIRONMENT, SETTINGS, DEFAULT = "argument", "environment", "settings", "default"
LOCK_NAME = "inspector.lock"

# Files a sync engine leaves at the root of the folders it manages.
SYNC_MARKERS = (
    ".stfolder",  # Syncthing
    ".sync",  # Resilio
    ".dropbox",  # Dropbox
    ".owncloudsync.log",  # Nextcloud / ownCloud desktop client
    "seafile-ignore.txt",  # Seafile
)


@dataclass(frozen=True)
class DataDirChoice:
    """The data directory in use and where that choice came from."""

    path: Path
    source: str  # argument / environment / settings / default

    def describe(self) -> str:
        return {
            ARGUMENT: t("由启动参数 --data-dir 指定", "given by the --data-dir argument"),
            ENVIRONMENT: t("由环境变量 {e} 指定", "given by the environment variable {e}",
                           e=ENV_DATA_DIR),
            SETTINGS: t("由设置文件 {f} 指定", "given by the settings file {f}",
                        f=settings_path()),
            DEFAULT: t("本机默认位置", "this computer's default place"),
        }[self.source]


def choose_data_dir(explicit: str | os.PathLike[str] | None = None) -> DataDirChoice:
    """The same rule for the GUI and the command line: ``--data-dir`` wins over
    ``INSPECTOR_DATA_DIR``, which wins over the settings file, which wins over the platform's
    user data directory."""
    if explicit:
        return DataDirChoice(Path(explicit).expanduser().resolve(), ARGUMENT)
    from_env = os.environ.get(ENV_DATA_DIR)
    if from_env:
        return DataDirChoice(Path(from_env).expanduser().resolve(), ENVIRONMENT)
    from_settings = settings_value(SETTINGS_KEY)
    if from_settings:
        return DataDirChoice(Path(from_settings).expanduser().resolve(), SETTINGS)
    return DataDirChoice(default_data_dir(), DEFAULT)


def default_data_dir() -> Path:
    import platformdirs  # only when no directory was given

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).resolve()


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    return choose_data_dir(explicit).path


def settings_path() -> Path:
    """The user's settings file (written by the GUI): ``INSPECTOR_SETTINGS``, else
    ``settings.ini`` in the platform's config directory."""
    explicit = os.environ.get(ENV_SETTINGS)
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.ini"


_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t", "0": "\0",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unescape_qt(raw: str) -> str | None:
    """A value as QSettings writes it to an INI file: quoted when it has commas or edge
    spaces, backslash escapes, a leading @ doubled; other @-values are not plain text."""
    text = raw.strip()
    if text.startswith("@") and not text.startswith("@@"):
        return None  # @Invalid(), @ByteArray(…), @Variant(…)
    out: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif char == "\\" and index + 1 < len(text):
            index += 1
            following = text[index]
            if following == "x":
                digits = re.match(r"[0-9a-fA-F]{1,4}", text[index + 1:])
                if digits:
                    out.append(chr(int(digits.group(0), 16)))
                    index += len(digits.group(0))
            else:
                out.append(_ESCAPES.get(following, following))
        elif char == ";" and not quoted:
            break  # a comment
        else:
            out.append(char)
        index += 1
    value = "".join(out)
    return value[1:] if value.startswith("@@") else value


def settings_value(key: str, path: Path | None = None) -> str | None:
    """One plain-text setting from the settings file (its [General] section), read without
    Qt so the command line follows the same settings as the GUI; None if absent."""
    path = path or settings_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    section = "General"
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            continue
        name, equals, value = stripped.partition("=")
        if equals and section == "General" and name.strip() == key:
            found = _unescape_qt(value)
            return found or None
    return None


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
