"""Hostile checklist templates and bundle manifests, generated: each ends in success or a
clean refusal naming the file (the CLI exits 2 with a message) — never a traceback — and a
refused one leaves the database exactly as it was (every table's rows and the change log)."""

from __future__ import annotations

import copy
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import cli
from inspector.core.errors import InspectorError, TemplateError
from inspector.core.keys import DeviceKey
from inspector.core.store import Store
from inspector.domain import templates
from sync.bundle_format import _check_manifest, _load_manifest
from sync.zipguard import BundleError, Limits
from tests.handmade_bundle import NAME, manifest_for, write_bundle

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))  # 1000 for a long local run
V2: dict[str, Any] = json.loads(
    (templates.BUILTIN_DIR / "ningbo-green-community-v2.json").read_text(encoding="utf-8"))
_names = itertools.count(1)

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10),
    st.sampled_from(["A01", "a01", "B06", "住建", "消防", "general", "yes_no", "choice",
                     "sample", "count", ">=", "x" * 65, "\x00", "\x1b[2J", "\u202e", " ",
                     "", "required", "1e400"]))
VALUES = st.recursive(LEAVES, lambda children: st.lists(children, max_size=3)
                      | st.dictionaries(st.text(max_size=6), children, max_size=3),
                      max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(V2)
EDITS = st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(VALUES, st.just(KeyError))),
                 max_size=4)
# Text-level damage json.dumps cannot make: a key twice, numbers out of range, deep nesting,
# truncation, a byte-order mark, bytes that are not UTF-8.
TEXT_EDITS = st.sampled_from([
    "none", "duplicate-key", "overflow", "deep", "truncate", "bom", "latin1", "huge-int"])


def _edit(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if not isinstance(node, (dict, list)):
        return
    try:
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        return


def _damage(text: str, how: str) -> bytes:
    if how == "duplicate-key":
        text = text.replace('"version":', '"version": 1, "version":', 1)
    elif how == "overflow":
        text = text.replace('"weight": 2', '"weight": 1e400', 1)
    elif how == "huge-int":
        text = text.replace('"version": 2', '"version": ' + "9" * 400, 1)
    elif how == "deep":
        text = text.replace('"hazard_categories": [', '"hazard_categories": ' + "[" * 40, 1)
    elif how == "truncate":
        text = text[: len(text) // 2]
    elif how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    elif how == "latin1":
        return text.encode("utf-8") + b"\xff"
    return text.encode("utf-8")


def _snapshot(folder: Path) -> dict[str, int]:
    """Every table's row count, the change log among them: a refusal changes none."""
    with Store.open(folder, readonly=True) as store:
        tables = [r["name"] for r in store.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: int(store.query(f'SELECT COUNT(*) AS n FROM "{name}"')[0]["n"])
                for name in tables}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-templates") / "data"
    assert cli.main(["--data-dir", str(folder), "init"]) == 0
    return folder


def _template_text(edits: list[tuple[tuple[Any, ...], Any]]) -> str:
    data = copy.deepcopy(V2)
    data["id"] = f"fuzz-{next(_names)}"  # a fresh name: installing it is possible
    for path, value in edits:
        _edit(data, path, value)
    return json.dumps(data, ensure_ascii=False, allow_nan=True)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(edits=EDITS)
def test_any_template_data_is_a_template_or_a_template_error(
        edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = json.loads(_template_text(edits))
    try:
        template = templates.parse_template(data, "district.json")
    except TemplateError as exc:
        assert "district.json" in str(exc)
    else:
        assert template.items and all(item.code for item in template.items)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(edits=EDITS, damage=TEXT_EDITS)
def test_any_template_file_installs_or_is_refused_leaving_nothing(
        seeded: Path, capsys: pytest.CaptureFixture[str],
        edits: list[tuple[tuple[Any, ...], Any]], damage: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "district.json"
        path.write_bytes(_damage(_template_text(edits), damage))
        before = _snapshot(seeded)
        code = cli.main(["--data-dir", str(seeded), "templates", "install", str(path)])
        out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    if code == 2:
        assert str(path) in err, err  # the message names the file
        assert _snapshot(seeded) == before
    else:
        assert _snapshot(seeded)["templates"] == before["templates"] + 1


# -- manifests --------------------------------------------------------------------------------

KEY = DeviceKey.generate()
MANIFEST = manifest_for(KEY)
MANIFEST_PATHS = _paths(MANIFEST)


def _fail(code: str, reason: str) -> BundleError:
    return BundleError(Path("b.zip"), code, reason)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(MANIFEST_PATHS),
                                st.one_of(VALUES, st.just(KeyError))), max_size=4))
def test_any_manifest_fits_the_spec_or_is_a_bundle_error(
        edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    manifest = copy.deepcopy(MANIFEST)
    for path, value in edits:
        _edit(manifest, path, value)
    text = json.dumps(manifest, allow_nan=True).encode("utf-8")
    try:
        _check_manifest(_load_manifest(text, _fail), _fail, Limits())
    except BundleError as exc:
        assert "b.zip" in str(exc) and exc.code
    except InspectorError as exc:  # pragma: no cover - the wrong kind of refusal
        pytest.fail(f"not a BundleError: {exc!r}")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(MANIFEST_PATHS), VALUES), max_size=3),
       damage=st.sampled_from(["none", "duplicate-key", "nan", "overflow", "deep"]))
def test_any_signed_manifest_text_is_refused_cleanly_leaving_nothing(
        seeded: Path, capsys: pytest.CaptureFixture[str],
        edits: list[tuple[tuple[Any, ...], Any]], damage: str) -> None:
    manifest = copy.deepcopy(MANIFEST)
    for path, value in edits:
        _edit(manifest, path, value)
    text = json.dumps(manifest, ensure_ascii=False, allow_nan=True)
    text = {"none": text,
            "duplicate-key": text.replace('"app":', '"app": "x", "app":', 1),
            "nan": text.replace('"last_seq": 1', '"last_seq": NaN', 1),
            "overflow": text.replace('"last_seq": 1', '"last_seq": 1e400', 1),
            "deep": text.replace('"depends": {', '"depends": ' + "[" * 40 + "{", 1)}[damage]
    data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        path = write_bundle(Path(scratch) / NAME, data, KEY)
        before = _snapshot(seeded)
        code = cli.main(["--data-dir", str(seeded), "bundle", "import", str(path)])
        out, err = capsys.readouterr()
        after = _snapshot(seeded)
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    # an unknown device's bundle is quarantined at most, never applied
    assert after["changes"] == before["changes"]
    if code == 2:
        assert after == before
