"""Faults and hostile input: a clear message every time, damage noticed, nothing left behind.

Every case runs the command line as a person would and checks three things: the exit code,
a message that names the file and the problem, and no traceback. Full disks are made with
SQLite's page limit or by making the write fail with ENOSPC; read-only media by running the
command as the unprivileged user ``nobody`` (when the tests run as root, which file
permissions do not stop) on files made read-only.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from inspector import cli
from inspector.core.store import DB_NAME, Store
from inspector.ops import demo
from tests.conftest import inspection_of

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    with Store.open(folder, actor="测试") as store:
        demo.fill(store, with_photos=False)
    return folder


def corrupt(db: Path, table: str) -> None:
    """Overwrite the middle of a table's root page, as a bad sector or a half copy would."""
    with sqlite3.connect(db) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(db, "r+b") as handle:
        handle.seek((root - 1) * size + 8)
        handle.write(b"\xa5" * 400)


# -- the database itself ----------------------------------------------------------------------


def test_a_damaged_page_is_noticed_by_verify_and_by_the_command_that_reads_it(
        demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(demo_dir, readonly=True) as store:
        short_id = store.query("SELECT short_id FROM inspections WHERE status = 'draft'"
                               )[0]["short_id"]
    corrupt(demo_dir / DB_NAME, "responses")
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "verify")
    assert code == 1 and "数据库已损坏" in out and "inspector recover" in out
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "inspections", "show", short_id)
    assert code == 2 and "已损坏" in err and "verify --full" in err
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "inspections", "answer", short_id,
                       "B01", "pass")
    assert code == 2 and "已损坏" in err
    # what can be read is salvaged into a new data directory, as a new device
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "recover",
                       str(tmp_path / "salvaged"))
    assert code == 0 and "已抢救" in out
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "salvaged"), "verify")
    assert "数据库完好" in out
    with Store.open(tmp_path / "salvaged", readonly=True) as salvaged:
        assert salvaged.query_one("SELECT COUNT(*) AS n FROM communities")["n"] >= 60  # type: ignore[index]
        row = salvaged.query_one("SELECT * FROM inspections WHERE short_id = ?", (short_id,))
        assert row is not None
        answers = salvaged.query("SELECT * FROM responses WHERE inspection_id = ?", (row["id"],))
        assert len(answers) > 40  # the damaged table is rebuilt from the change log


def test_an_empty_or_foreign_database_is_refused_and_left_as_it_is(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / DB_NAME).write_bytes(b"")
    for command in (["list"], ["init"]):
        code, _, err = run(capsys, "--data-dir", str(empty), "communities", *command) \
            if command == ["list"] else run(capsys, "--data-dir", str(empty), *command)
        assert code == 2 and "0 字节" in err and str(empty / DB_NAME) in err
    assert (empty / DB_NAME).stat().st_size == 0 and sorted(os.listdir(empty)) == [DB_NAME]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / DB_NAME) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    before = (foreign / DB_NAME).read_bytes()
    code, _, err = run(capsys, "--data-dir", str(foreign), "init")
    assert code == 2 and "另一个程序" in err
    assert (foreign / DB_NAME).read_bytes() == before
    text = tmp_path / "text"
    text.mkdir()
    (text / DB_NAME).write_text("hello")
    code, _, err = run(capsys, "--data-dir", str(text), "init")
    assert code == 2 and "不是 SQLite" in err


def test_reading_never_creates_a_data_directory(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    for command in (["communities", "list"], ["log"], ["verify"], ["findings", "list"]):
        code, _, err = run(capsys, "--data-dir", str(missing), *command)
        assert code == 2 and "没有巡查数据" in err, command
    assert not missing.exists()


def test_a_full_disk_during_init_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.core import schema

    def full(*_args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(schema, "migrate", full)
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "data"), "init")
    assert code == 2 and "磁盘已满" in err


def _nobody(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line as ``nobody`` (root is not stopped by file permissions)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": "/tmp", "LANG": "C.UTF-8"}
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run([*prefix, sys.executable, "-m", "inspector.cli", *argv], cwd=cwd,
                          env=env, capture_output=True, text=True, check=False)


def test_read_only_media_can_be_read_but_not_changed(demo_dir: Path, tmp_path: Path) -> None:
    with Store.open(demo_dir, readonly=True) as store:
        short_id = inspection_of(store, "柳西社区")["short_id"]
    # nobody must reach the folder: open the test's own parent folders to it meanwhile
    parents = [p for p in tmp_path.parents if str(p).startswith("/tmp/")]
    modes = {p: p.stat().st_mode for p in parents}
    for path in parents:
        path.chmod(0o755)
    for path in [tmp_path, *demo_dir.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    demo_dir.chmod(0o555)
    try:
        listed = _nobody(["--data-dir", str(demo_dir), "communities", "list"], tmp_path)
        assert listed.returncode == 0 and "柳西社区" in listed.stdout, listed.stderr
        changed = _nobody(["--data-dir", str(demo_dir), "inspections", "answer", short_id,
                           "B01", "pass"], tmp_path)
        assert changed.returncode == 2 and "只读" in changed.stderr
        assert "Traceback" not in changed.stderr + listed.stderr
    finally:
        for path in [tmp_path, demo_dir, *demo_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        for path, mode in modes.items():
            path.chmod(mode)


# -- arguments and environment ------------------------------------------------------------------


def test_non_utf8_arguments_and_user_name_are_messages(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bad_arg = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "--data-dir", str(tmp_path / "d"), "communities",
         "list", "--district", b"\xff\xfe".decode("utf-8", "surrogateescape")],
        env=env, capture_output=True, check=False)
    assert bad_arg.returncode == 2 and b"UTF-8" in bad_arg.stderr
    assert b"Traceback" not in bad_arg.stderr
    env_bad = {**env, "INSPECTOR_USER": "\udcff"}
    bad_user = subprocess.run([sys.executable, "-m", "inspector.cli", "--data-dir",
                               str(tmp_path / "d"), "init"], env=env_bad, capture_output=True,
                              check=False)
    assert bad_user.returncode == 2 and b"INSPECTOR_USER" in bad_user.stderr
    assert not (tmp_path / "d").exists()


def test_outputs_into_a_folder_that_cannot_exist(demo_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(demo_dir, readonly=True) as store:
        short_id = inspection_of(store, "柳西社区")["short_id"]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "report", short_id, "-o",
                       str(blocker / "sub" / "r.pdf"))
    assert code == 2 and str(blocker) in err


def test_sync_into_a_full_folder_is_a_message_and_leaves_no_temporary_file(
        demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path / "share"
    share.mkdir()
    real_open = open

    def full_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "x" in mode and ".zip.tmp-" in str(file):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", full_open)
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "sync", "--folder", str(share))
    assert code == 2 and ("磁盘已满" in err or "No space" in err)
    monkeypatch.undo()
    assert not list(share.rglob("*.tmp-*"))
    with Store.open(demo_dir, readonly=True) as store:
        assert store.get_setting("sync_folder") is None  # a folder that failed is not kept


def test_log_limit_zero_prints_nothing(demo_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "log", "--limit", "0")
    assert code == 0 and out == ""
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "log", "--limit", "3")
    assert code == 0 and 1 <= len(out.splitlines()) <= 3


# -- bad import files ---------------------------------------------------------------------------


HEADER = "区县(市),街道,社区,地址,户数,物业管理\n"


@pytest.mark.parametrize(("body", "words"), [
    ('海曙区,南门街道,"柳西社区,柳汀街,821,专业物业\n海曙区,南门街道,尹江岸社区,,,\n',
     "CSV 格式错误"),
    ("海曙区,南门街道,柳西\x00社区,,,\n", "U+0000"),
    ("海曙区,南门街道,柳西社区\x1b[31m,,,\n", "U+001B"),
    ("海曙区,南门街道,柳西社区,,123456789012345678901234567890,\n", "太大"),
    ("海曙区,南门街道,柳西社区,,²,\n", "不是整数"),  # a digit to str.isdigit, not to int()
])
def test_bad_csv_lines_are_named_and_nothing_is_imported(
        demo_dir: Path, tmp_path: Path, body: str, words: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with Store.open(demo_dir, readonly=True) as store:
        before = store.query_one("SELECT COUNT(*) AS n FROM changes")
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "communities", "import", str(path))
    assert code == 2 and words in err and str(path) in err
    with Store.open(demo_dir, readonly=True) as store:
        assert store.query_one("SELECT COUNT(*) AS n FROM changes") == before


def test_a_nul_byte_is_not_taken_for_utf16(tmp_path: Path, demo_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes((HEADER + "海曙区,南门街道,柳西社区,,,\n").encode("utf-8")
                     + b"x\x00y,,,\n")
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "communities", "import", str(path))
    assert code == 2 and "UTF-16" not in err and "U+0000" in err


def test_a_device_or_a_pipe_is_not_read_as_a_csv(tmp_path: Path, demo_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for source in (Path("/dev/zero"), fifo):
        code, _, err = run(capsys, "--data-dir", str(demo_dir), "communities", "import",
                           str(source))
        assert code == 2 and "不是普通文件" in err and str(source) in err


def test_an_unexpected_error_is_logged_not_shown(demo_dir: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.domain import communities

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(communities, "list_all", broken)
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "communities", "list")
    log = demo_dir / "logs" / "errors.log"
    assert code == 3 and str(log) in err and "KeyError" not in err
    assert "KeyError: 'a bug'" in log.read_text(encoding="utf-8")


# -- a disk that fills while a file is written ------------------------------------------------


def _limited(argv: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """The command line with files limited to ``limit`` bytes: a write past it fails as it
    would on a full disk (EFBIG instead of ENOSPC), through every library that writes."""
    import resource
    import signal

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "inspector.cli", *argv], env=env,
                          capture_output=True, text=True, check=False,
                          preexec_fn=limit_files)  # noqa: PLW1509 - only setrlimit


@pytest.mark.parametrize("what", ["csv", "xlsx", "summary", "report"])
def test_a_full_disk_while_writing_an_output_leaves_nothing(demo_dir: Path, tmp_path: Path,
                                                            what: str) -> None:
    with Store.open(demo_dir, readonly=True) as store:
        short_id = inspection_of(store, "柳西社区")["short_id"]
    out = tmp_path / "out"
    out.mkdir()
    argv = {
        "csv": ["export", "--format", "csv", "-o", str(out / "csv")],
        "xlsx": ["export", "--format", "xlsx", "-o", str(out / "data.xlsx")],
        "summary": ["summary", "--format", "pdf", "-o", str(out / "summary.pdf")],
        "report": ["report", short_id, "-o", str(out / "report.pdf")],
    }[what]
    # above SQLite's 32 KB shared-memory file, below each of these outputs
    result = _limited(["--data-dir", str(demo_dir), *argv], 40_000)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "磁盘已满" in result.stderr or "无法写入" in result.stderr, result.stderr
    assert list(out.rglob("*")) == [], "a half output or a temporary file was left"


def test_a_bundle_into_a_full_data_directory_blames_the_disk_not_the_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.core.errors import InspectorError
    from inspector.domain import photos
    from sync import exchange
    from tests.photo_helpers import jpeg
    from tests.sync.team import make_team, seed_inspection

    a, b = make_team(tmp_path, 2)
    try:
        inspection, _ = seed_inspection(a)
        photos.import_photo(a, jpeg(tmp_path / "p.jpg"), photos.target_for_inspection(a,
                                                                                inspection))
        stick = tmp_path / "stick"
        stick.mkdir()
        (written,) = exchange.export_bundles(a, stick)
        before = exchange.state_hash(b)
        real_open = open

        def full(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
            if "x" in mode and str(b.data_dir) in str(file):
                raise OSError(errno.ENOSPC, "No space left on device", str(file))
            return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr("builtins.open", full)
        with pytest.raises(InspectorError) as refused:
            exchange.import_bundle(b, written)
        monkeypatch.undo()
        assert "磁盘已满" in str(refused.value) and "不能使用" not in str(refused.value)
        assert exchange.state_hash(b) == before
        assert not list((b.data_dir / "photos").rglob("*.tmp-*"))
        assert exchange.import_bundle(b, written).status == exchange.APPLIED  # space again
    finally:
        a.close()
        b.close()
