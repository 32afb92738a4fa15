"""The command line: a whole inspection through `inspector`, exit codes and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inspector import cli


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(data_dir), "--user", "王建国", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> str:
    code, out, err = run(capsys, data_dir, *args)
    assert code == 0, err
    return out


def test_a_whole_inspection_from_the_command_line(capsys: pytest.CaptureFixture[str],
                                                  data_dir: Path, tmp_path: Path) -> None:
    registry = tmp_path / "list.csv"
    registry.write_text("区县(市),街道,社区,地址,户数,物业管理\n"
                        "海曙区,南门街道,柳西社区,柳汀街120号,821,专业物业\n", encoding="utf-8")
    ok(capsys, data_dir, "init")
    assert "新增 1" in ok(capsys, data_dir, "communities", "import", str(registry))
    listed = json.loads(ok(capsys, data_dir, "communities", "list", "--json"))
    assert [c["name"] for c in listed] == ["柳西社区"]
    templates_listed = json.loads(ok(capsys, data_dir, "templates", "list", "--json"))
    assert [t["name"] for t in templates_listed] == [
        "ningbo-green-community@v1", "ningbo-green-community@v2"]

    inspection = ok(capsys, data_dir, "inspections", "new", "--community", "柳西社区",
                    "--inspector", "王建国", "--department", "消防").strip()
    shown: dict[str, Any] = json.loads(ok(capsys, data_dir, "inspections", "show", inspection,
                                          "--json"))
    assert shown["template"] == "ningbo-green-community@v2"  # the newest is the default
    typed = {"B06": "17/20", "A05": "11/12", "D01": "40", "D05": "12", "I03": "2",
             "H01": "准物业", "B04": "0", "B05": "0", "C05": "0", "D02": "0", "D03": "1",
             "D04": "0", "E07": "0", "E06": "无"}
    for item in shown["items"]:
        ok(capsys, data_dir, "inspections", "answer", inspection, item["code"],
           typed.get(item["code"], "pass"))
    ok(capsys, data_dir, "inspections", "answer", inspection, "C01", "fail", "--note", "地桩")
    finding = ok(capsys, data_dir, "findings", "add", inspection, "--category",
                 "fire_lane_blocked", "--description", "5幢东侧消防车道设地桩", "--item", "C01",
                 "--location", "5幢东侧").strip()
    shown = json.loads(ok(capsys, data_dir, "inspections", "show", inspection, "--json"))
    assert shown["missing"] == [] and shown["meets_standard"] is False
    assert shown["key_failed"] == ["C01"]
    # C01's 6 points lost, D03's one case costs 2 of 4; three encouraged items add 3
    assert shown["score"] == pytest.approx(100 * 92 / 100 + 3)
    assert "未达标" in ok(capsys, data_dir, "inspections", "submit", inspection,
                         "--signed-by", "王建国")

    code, _, err = run(capsys, data_dir, "inspections", "answer", inspection, "C01", "pass")
    assert code == 2 and "已提交" in err
    ok(capsys, data_dir, "inspections", "reopen", inspection, "--reason", "复核C04")
    ok(capsys, data_dir, "findings", "set", finding, "--status", "rectified")
    found = json.loads(ok(capsys, data_dir, "findings", "list", "--status", "rectified",
                          "--json"))
    assert [f["id"] for f in found] == [finding]

    log = json.loads(ok(capsys, data_dir, "log", "--json"))
    assert any(e["field"] == "reopen_reason" and e["new"] == "复核C04" for e in log)
    assert all(e["actor"] == "王建国" for e in log)
    text_log = ok(capsys, data_dir, "log", "--table", "findings")
    assert "open → rectified" in text_log


@pytest.mark.parametrize("args,message", [
    (("inspections", "show", "nope"), "找不到检查"),
    (("inspections", "new", "--community", "无此社区", "--inspector", "x"), "找不到社区"),
    (("findings", "set", "nope", "--status", "open"), "找不到问题"),
    (("templates", "validate", "/nonexistent.json"), "无法读取"),
])
def test_refusals_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                       args: tuple[str, ...], message: str) -> None:
    ok(capsys, data_dir, "init")
    code, out, err = run(capsys, data_dir, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_import_lists_every_line_and_exits_2(capsys: pytest.CaptureFixture[str],
                                                 data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("区县(市),街道,社区,户数\n海曙区,南门街道,甲社区,x\n海曙区,,乙社区,1\n",
                   encoding="utf-8")
    code, _, err = run(capsys, data_dir, "communities", "import", str(bad))
    assert code == 2
    assert "第 2 行" in err and "第 3 行" in err
    assert json.loads(ok(capsys, data_dir, "communities", "list", "--json")) == []


def test_english_messages(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, _, err = run(capsys, data_dir, "--lang", "en", "inspections", "show", "nope")
    assert code == 2 and "There is no inspector data" in err  # reading creates nothing
    assert not data_dir.exists()
    run(capsys, data_dir, "init")
    code, _, err = run(capsys, data_dir, "--lang", "en", "inspections", "show", "nope")
    assert code == 2 and "No inspection nope" in err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--data-dir", str(data_dir), "inspections", "frobnicate"])
    assert info.value.code == 2


def test_demo_then_console_script(data_dir: Path) -> None:
    """The installed `inspector` entry point works end to end in a fresh process."""
    result = subprocess.run([sys.executable, "-m", "inspector.cli", "--data-dir", str(data_dir),
                             "demo"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "演示数据" in result.stdout
    again = subprocess.run([sys.executable, "-m", "inspector.cli", "--data-dir", str(data_dir),
                            "demo"], capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "已有数据" in again.stderr
