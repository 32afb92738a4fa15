"""Hostile inputs, generated: a community list or a bundle manifest of any shape ends in
success or a message (exit 2) — never a traceback — and a refused one changes nothing."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import cli
from inspector.core.keys import DeviceKey
from inspector.core.store import Store
from tests.handmade_bundle import NAME, manifest_for, write_bundle

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))  # 1000 for a long local run
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(
    ["海曙区", "南门街道", "柳西社区", '"', '""', "\x00", "\x1b[2J", "=cmd()", "-2+3", "1e309",
     "9" * 40, "专业物业", "自治", ",", "\r", "\n", "\ufeff"]))
ROWS = st.lists(st.lists(CELLS, max_size=8), max_size=6)
HEADERS = st.sampled_from(["区县(市),街道,社区,地址,户数,物业管理", "district,street,name",
                           "社区", ""])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    assert cli.main(["--data-dir", str(folder), "init"]) == 0
    return folder


def _changes(folder: Path) -> int:
    with Store.open(folder, readonly=True) as store:
        row = store.query_one("SELECT COUNT(*) AS n FROM changes")
    return int(row["n"]) if row else 0


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(header=HEADERS, rows=ROWS, encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       raw=st.binary(max_size=40))
def test_any_community_list_is_imported_or_refused_with_a_message(
        seeded: Path, capsys: pytest.CaptureFixture[str], header: str,
        rows: list[list[str]], encoding: str, raw: bytes) -> None:
    text = header + "\n" + "\n".join(",".join(cells) for cells in rows)
    try:
        data = text.encode(encoding) + raw
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass") + raw
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "list.csv"
        path.write_bytes(data)
        before = _changes(seeded)
        code = cli.main(["--data-dir", str(seeded), "communities", "import", str(path)])
        out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    if code == 2:
        assert err.strip() and _changes(seeded) == before


MANIFEST_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 10**13), st.text(max_size=8),
              st.floats(allow_nan=False)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6),
                                                                      children, max_size=3),
    max_leaves=8)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(st.sampled_from(
    ["format", "app", "device", "device_name", "public_key", "first_seq", "last_seq",
     "clock_min", "clock_max", "depends", "counts", "entries", "created_at", "missing_photos",
     "extra"]), MANIFEST_VALUES, max_size=4))
def test_any_signed_manifest_is_refused_with_a_message_or_applied(
        seeded: Path, capsys: pytest.CaptureFixture[str],
        overrides: dict[str, object]) -> None:
    """Even a manifest its author signed (a trusted laptop gone wrong) cannot crash an import:
    the bundle is built by hand, signed with a real key, and imported by the CLI."""
    key = DeviceKey.generate()
    manifest: dict[str, object] = manifest_for(key)
    manifest.update(overrides)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        path = write_bundle(Path(scratch) / NAME, manifest_bytes, key)
        before = _changes(seeded)
        code = cli.main(["--data-dir", str(seeded), "bundle", "import", str(path)])
        out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    assert _changes(seeded) == before  # unknown device: quarantined at most, never applied
