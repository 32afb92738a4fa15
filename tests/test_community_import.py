"""Importing the street office's community list: encodings, headers, and every bad line."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.core.errors import ImportFileError
from inspector.core.store import Store
from inspector.domain import community_import

HEADER_ZH = "区县(市),街道,社区,地址,户数,物业管理\r\n"
ROWS = ("海曙区,南门街道,柳西社区,柳汀街120号,821,专业物业\r\n"
        "鄞州区,中河街道,锦苑社区,天童南路88号,2400,准物业\r\n")
SAMPLE_REGISTRY = Path(__file__).resolve().parents[1] / "resources" / "sample" / \
    "communities-sample.csv"


def _write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "list.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _count(store: Store) -> int:
    row = store.query_one("SELECT COUNT(*) AS n FROM communities")
    return int(row["n"]) if row else 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_each_encoding(store: Store, tmp_path: Path, encoding: str) -> None:
    result = community_import.import_file(store, _write(tmp_path, HEADER_ZH + ROWS, encoding))
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    row = store.query_one("SELECT * FROM communities WHERE name = '柳西社区'")
    assert row is not None
    assert (row["district"], row["street"], row["households"], row["property_management"]) == (
        "海曙区", "南门街道", 821, "专业物业")


def test_english_headers(store: Store, tmp_path: Path) -> None:
    text = ("district,street,name,address,households,property_management\n"
            "北仑区,新碶街道,大港社区,新大路1号,1200,professional\n")
    community_import.import_file(store, _write(tmp_path, text))
    row = store.query_one("SELECT * FROM communities")
    assert row is not None and row["property_management"] == "专业物业"


def test_importing_the_same_file_twice_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER_ZH + ROWS)
    community_import.import_file(store, path)
    changes = store.query_one("SELECT COUNT(*) AS n FROM changes")
    again = community_import.import_file(store, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert _count(store) == 2
    assert store.query_one("SELECT COUNT(*) AS n FROM changes") == changes


def test_a_corrected_list_updates_in_place(store: Store, tmp_path: Path) -> None:
    community_import.import_file(store, _write(tmp_path, HEADER_ZH + ROWS))
    corrected = ROWS.replace("821", "905")
    result = community_import.import_file(store, _write(tmp_path, HEADER_ZH + corrected))
    assert (result.added, result.updated) == (0, 1)
    row = store.query_one("SELECT households FROM communities WHERE name = '柳西社区'")
    assert row == {"households": 905}


def test_sample_registry_imports() -> None:
    rows = community_import.read_file(SAMPLE_REGISTRY)
    districts = {data.district for _, data in rows}
    assert len(rows) >= 60
    assert districts == {"海曙区", "江北区", "镇海区", "北仑区", "鄞州区", "奉化区", "余姚市",
                         "慈溪市", "宁海县", "象山县"}
    assert all("示例数据" in data.tags for _, data in rows)


# -- bad input: each gets its own message, and nothing is imported ----------------------------


def _refused(store: Store, path: Path) -> ImportFileError:
    community_import.import_file(store, _write(path.parent, HEADER_ZH + ROWS, name="first.csv"))
    before = store.query("SELECT * FROM communities ORDER BY id")
    with pytest.raises(ImportFileError) as info:
        community_import.import_file(store, path)
    assert store.query("SELECT * FROM communities ORDER BY id") == before
    assert str(path) in str(info.value)
    return info.value


def test_wrong_encoding(store: Store, tmp_path: Path) -> None:
    raw = (HEADER_ZH + "海曙区,南门街道,").encode("utf-8") + b"\xff\xfe\xfa\r\n"
    path = tmp_path / "latin.csv"
    path.write_bytes(raw)
    error = _refused(store, path)
    assert "既不是 UTF-8 也不是 GBK/GB18030" in str(error)
    assert "第 2 行" in str(error)


def test_utf16_is_named(store: Store, tmp_path: Path) -> None:
    error = _refused(store, _write(tmp_path, HEADER_ZH + ROWS, "utf-16"))
    assert "UTF-16" in str(error)


def test_missing_column(store: Store, tmp_path: Path) -> None:
    error = _refused(store, _write(tmp_path, "区县(市),社区,户数\r\n海曙区,柳西社区,821\r\n"))
    assert "缺少列 街道" in str(error)


def test_duplicate_community(store: Store, tmp_path: Path) -> None:
    text = HEADER_ZH + ROWS + "海曙区,南门街道,柳西社区,另一个地址,900,专业物业\r\n"
    error = _refused(store, _write(tmp_path, text, name="dup.csv"))
    assert error.problems == ["第 4 行，列“社区”：社区重复（与第 2 行相同）"]


def test_empty_file(store: Store, tmp_path: Path) -> None:
    error = _refused(store, _write(tmp_path, ""))
    assert "空文件" in str(error)
    header_only = _refused(store, _write(tmp_path, HEADER_ZH, name="header.csv"))
    assert "只有表头" in str(header_only)


def test_non_number_households(store: Store, tmp_path: Path) -> None:
    text = HEADER_ZH + ROWS + "江北区,中马街道,白沙社区,人民路1号,约两千户,自治\r\n"
    error = _refused(store, _write(tmp_path, text, name="bad.csv"))
    assert error.problems == ["第 4 行，列“户数”：“约两千户”不是整数"]


def test_a_ten_megabyte_line(store: Store, tmp_path: Path) -> None:
    huge = "很" * (10 * 1024 * 1024)
    text = HEADER_ZH + ROWS + "江北区,中马街道,白沙社区," + huge + ",10,自治\r\n"
    error = _refused(store, _write(tmp_path, text, name="long.csv"))
    assert len(error.problems) == 1
    assert error.problems[0].startswith("第 4 行，列“地址”：内容太长（10485760 个字符")


def test_a_cell_starting_like_a_formula_is_kept(store: Store, tmp_path: Path) -> None:
    # Neutralised on output (exports), not refused on input: an address may start with "-".
    text = HEADER_ZH + "象山县,丹东街道,丹山社区,-1层车库旁,10,无\r\n"
    community_import.import_file(store, _write(tmp_path, text, name="formula.csv"))
    row = store.query_one("SELECT address FROM communities WHERE name = '丹山社区'")
    assert row is not None and row["address"] == "-1层车库旁"


def test_every_bad_line_is_listed(store: Store, tmp_path: Path) -> None:
    text = (HEADER_ZH
            + "海曙区,南门街道,甲社区,,abc,专业物业\r\n"
            + "海曙区,,乙社区,,10,专业物业\r\n"
            + "海曙区,南门街道,丙社区,,10,外包\r\n"
            + "海曙区,南门街道,丁社区,,@10,专业物业\r\n")
    error = _refused(store, _write(tmp_path, text, name="many.csv"))
    assert [p.split("，")[0] for p in error.problems] == ["第 2 行", "第 3 行", "第 4 行",
                                                          "第 5 行"]
    assert "4 处错误" in str(error)


def test_a_folder_and_a_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="是文件夹"):
        community_import.import_file(store, tmp_path)
    with pytest.raises(ImportFileError, match="无法读取"):
        community_import.import_file(store, tmp_path / "nope.csv")
