"""Faults a person can act on, told apart from bugs (qutebrowser's KnownError / BugError).

At the edge of the program — the command line's ``main`` and the GUI's error handlers — an
exception is either an ``InspectorError`` (the domain's own message), a *known fault* of the
machine (a full disk, read-only media, a damaged database, a file that cannot be read …) which
``known()`` turns into one clear bilingual message naming the file and what to do, or a bug:
logged with its traceback to ``logs/errors.log``, and the person sees a short message with the
log's path. No traceback ever reaches the person.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import traceback
from datetime import datetime
from pathlib import Path

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

log = logging.getLogger(__name__)

ERROR_LOG = Path("logs") / "errors.log"


class KnownFault(InspectorError):
    """A fault of the machine or the files, said plainly."""


def _where(path: object | None) -> str:
    return f"{path}" if path else t("数据目录", "the data directory")


def known(exc: BaseException, path: object | None = None) -> KnownFault | None:
    """The fault ``exc`` stands for, as a message (``path``: the file being worked on when the
    exception does not name it); None when it is not a fault we know (a bug)."""
    if isinstance(exc, KnownFault):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        where = exc.filename or path
        code = exc.errno
        if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return KnownFault(t("磁盘已满，无法写入 {p}（已有数据完好）。请腾出空间后重试。",
                                "The disk is full: {p} could not be written (existing data is "
                                "intact). Free some space and try again.", p=_where(where)))
        if code == errno.EROFS:
            return KnownFault(t("{p} 在只读的介质上，无法写入。请换一个可写的位置，或取消只读。",
                                "{p} is on read-only media and cannot be written. Choose a "
                                "writable place, or make it writable.", p=_where(where)))
        if code in (errno.EACCES, errno.EPERM):
            return KnownFault(t("没有权限访问 {p}。请检查文件夹的权限，或换一个位置。",
                                "No permission to use {p}. Check the folder's permissions, or "
                                "choose another place.", p=_where(where)))
        if code == errno.ENOENT:
            return KnownFault(t("{p} 不存在。", "{p} does not exist.", p=_where(where)))
        if code in (errno.ENOTDIR, errno.EISDIR):
            return KnownFault(t("{p} 的类型不对（文件与文件夹弄反了）。",
                                "{p} is not what was expected (a file where a folder should "
                                "be, or the other way round).", p=_where(where)))
        if code == errno.EIO:
            return KnownFault(t("读写 {p} 时发生输入输出错误（可能是介质损坏）。"
                                "请换一个介质或从备份恢复。",
                                "An input/output error with {p} (damaged media?). Use "
                                "other media or restore from a backup.", p=_where(where)))
        if code == errno.ENAMETOOLONG:
            return KnownFault(t("路径太长：{p}", "The path is too long: {p}", p=_where(where)))
        return KnownFault(t("无法访问 {p}：{e}", "Cannot use {p}: {e}", p=_where(where),
                            e=exc.strerror or exc))
    if isinstance(exc, sqlite3.Error):
        return _database_fault(exc, path)
    if isinstance(exc, UnicodeError):
        return KnownFault(t("文字不是有效的 UTF-8（可能来自参数、环境变量或文件名）：{e}",
                            "Text that is not valid UTF-8 (in an argument, an environment "
                            "variable or a file name): {e}", e=exc))
    if isinstance(exc, MemoryError):
        return KnownFault(t("{p} 太大，无法读入内存。", "{p} is too large to read into memory.",
                            p=_where(path)))
    if isinstance(exc, RecursionError):
        return KnownFault(t("{p} 嵌套过深，已拒绝。", "{p} is nested too deeply; refused.",
                            p=_where(path)))
    if isinstance(exc, OverflowError):
        return KnownFault(t("{p} 中的数字太大。", "A number in {p} is too large.",
                            p=_where(path)))
    return None


# SQLite's extended result codes for an I/O error while writing, growing or syncing a file
_WRITE_ERRORS = {
    778,   # SQLITE_IOERR_WRITE
    1034,  # SQLITE_IOERR_FSYNC
    1290,  # SQLITE_IOERR_DIR_FSYNC
    1546,  # SQLITE_IOERR_TRUNCATE
    4874,  # SQLITE_IOERR_SHMSIZE
}


def _is_write_error(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _WRITE_ERRORS


def _database_fault(exc: sqlite3.Error, path: object | None) -> KnownFault | None:
    text = str(exc).lower()
    where = _where(path)
    if "full" in text:
        return KnownFault(t("磁盘已满，刚才的修改没有保存（已有数据完好）。请腾出空间后重试。",
                            "The disk is full; the last change was not saved (existing data "
                            "is intact). Free some space and try again."))
    if "readonly" in text or "read-only" in text:
        return KnownFault(t("{p} 是只读的，不能修改（只读介质或权限不够）。",
                            "{p} is read-only and cannot be changed (read-only media, or no "
                            "permission).", p=where))
    if "locked" in text or "busy" in text:
        return KnownFault(t("数据库正被另一个程序使用，请稍后再试。",
                            "The database is in use by another program; try again shortly."))
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return KnownFault(t(
            "{p} 的数据库已损坏（{e}）。请运行 inspector verify --full 查看损坏范围；然后从备份"
            "恢复（inspector restore），或用 inspector recover 把可读的数据抢救到新的数据目录。",
            "The database in {p} is damaged ({e}). Run `inspector verify --full` to see how "
            "far; then restore a backup (`inspector restore`), or salvage what can be read "
            "into a new data directory with `inspector recover`.", p=where, e=exc))
    if "disk i/o" in text and _is_write_error(exc):
        # SQLite reports ENOSPC as "full" but EFBIG (a file-size limit, FAT32's 4 GB) and
        # other failed writes only as an I/O error: say what is known and that nothing broke.
        return KnownFault(t("无法写入 {p} 的数据库（磁盘可能已满、文件超出大小限制或介质有问题），"
                            "刚才的修改没有保存（已有数据完好）。请腾出空间或换介质后重试。",
                            "Cannot write the database in {p} (the disk may be full, a file "
                            "size limit reached, or the media failing); the last change was "
                            "not saved (existing data is intact). Free some space or use other "
                            "media and try again.", p=where))
    if "disk i/o" in text:
        return KnownFault(t("读写数据库时发生输入输出错误（介质可能损坏）：{p}",
                            "An input/output error on the database (damaged media?): {p}",
                            p=where))
    if "unable to open" in text:
        return KnownFault(t("无法打开 {p} 的数据库（文件夹不可写或不存在）。",
                            "Cannot open the database in {p} (the folder is missing or not "
                            "writable).", p=where))
    return None


def log_bug(exc: BaseException, log_folder: Path | None) -> Path | None:
    """Write the traceback of an unexpected error to ``logs/errors.log``; return the file (None
    if it could not be written either)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("unexpected error\n%s", text)
    if log_folder is None:
        return None
    target = log_folder / ERROR_LOG
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now().astimezone().isoformat(timespec='seconds')}\n")
            handle.write(text)
    except OSError:
        return None
    return target


def bug_message(logged: Path | None) -> str:
    if logged is not None:
        return t("程序出错了（这是程序的问题，不是您的操作）。详情已记录在 {f}，"
                 "请把该文件发给维护人员。",
                 "The program failed (a fault of the program, not of what you did). The "
                 "details are in {f}; please send that file to the maintainers.", f=logged)
    return t("程序出错了（这是程序的问题，不是您的操作），且无法写入错误日志。",
             "The program failed (a fault of the program, not of what you did), and the "
             "error log could not be written.")
