"""Writing files so that they are whole or absent: a temporary name, flushed, then renamed,
and the folder entry flushed too."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from inspector.core.errors import InspectorError
from inspector.core.i18n import t


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries, so a file renamed into it survives a power cut (POSIX)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


TEMPORARY_MARK = ".tmp-"  # in every temporary name: ``.<name>.tmp-<random>``


def temporary_for(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed to ``path``: hidden,
    beside it, and recognisable by name (``inspector verify`` reports such leftovers of a
    crash, ``*.zip.tmp-*`` in a sync folder is never taken for a bundle)."""
    return path.with_name(f".{path.name}{TEMPORARY_MARK}{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def atomic_file(path: Path, *, flush: bool = True, exclusive: bool = False,
                map_errors: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` (``temporary_for``) for the block to write; renamed
    over ``path`` when the block succeeds, removed when it fails (a full disk leaves neither
    a half file nor a temporary one).

    ``flush=False`` skips flushing the file and its folder (cache files that can be made
    again). ``exclusive`` never replaces a file already at ``path`` (another process may
    have just made it): it raises ``FileExistsError`` instead, never mapped. With
    ``map_errors`` an ``OSError`` becomes an ``InspectorError`` naming ``path`` (a known
    fault said plainly: ``faults.known``); without it the ``OSError`` is raised as it is, for
    a caller that names what it was writing."""
    path = Path(path)
    parent = path.parent
    if map_errors:
        if path.is_dir():
            raise InspectorError(t("{p} 是一个文件夹，请给出文件名",
                                   "{p} is a folder; give a file name", p=path))
        if not parent.is_dir():
            raise InspectorError(t("文件夹 {p} 不存在", "The folder {p} does not exist",
                                   p=parent))
    temporary = temporary_for(path)
    try:
        yield temporary
        if flush:
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
        if exclusive:
            _link(temporary, path)
        else:
            os.replace(temporary, path)
        if flush:
            fsync_dir(parent)
    except OSError as exc:
        if not map_errors or (exclusive and isinstance(exc, FileExistsError)):
            raise
        raise _fault(exc, path) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _link(temporary: Path, path: Path) -> None:
    """Give the written file its name unless the name is taken (FileExistsError)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: the name is checked, then taken
        if path.exists():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(temporary, path)


@contextlib.contextmanager
def files_together(folder: Path) -> Iterator[Path]:
    """A temporary folder for several files that belong together; when the block succeeds
    they are moved into ``folder`` (made if missing) — all of them or, on failure, none."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InspectorError(t("{p} 不是文件夹", "{p} is not a folder", p=folder))
    made = [p for p in (folder.parent, *folder.parent.parents) if not p.exists()]
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = temporary_for(folder)
        staging.mkdir()
    except OSError as exc:
        _remove_empty(made)
        raise InspectorError(t("无法创建文件夹 {p}：{e}", "Cannot create the folder {p}: {e}",
                               p=folder, e=exc.strerror or exc)) from exc
    done = False
    try:
        yield staging
        for written in staging.iterdir():
            with open(written, "rb+") as handle:
                os.fsync(handle.fileno())
        if not folder.exists():
            os.replace(staging, folder)  # one rename: the whole folder appears at once
        else:  # renames need no space: once the files are written, moving them cannot fail
            for written in sorted(staging.iterdir()):
                os.replace(written, folder / written.name)
        fsync_dir(folder)
        done = True
    except OSError as exc:
        raise _fault(exc, folder) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not done:  # nothing new at the destination: not even the folders made for it
            _remove_empty(made)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders (deepest first) that are still empty."""
    for made in folders:
        with contextlib.suppress(OSError):
            made.rmdir()


def _fault(exc: OSError, path: Path) -> InspectorError:
    from inspector.core import faults

    exc.filename = str(path)  # name the file the person asked for, not the temporary one
    return faults.known(exc, path) or InspectorError(
        t("无法写入 {p}：{e}", "Cannot write {p}: {e}", p=path, e=exc.strerror or exc))
