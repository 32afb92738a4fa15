"""Team settings: checked on the way in, and synced like any change."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector import cli
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import config
from tests.sync.team import make_team, send


def test_known_settings_are_checked_and_normalised(store: Store) -> None:
    assert config.set_value(store, "issuer.name", " 宁波市海曙区南门街道办事处 ") == \
        "宁波市海曙区南门街道办事处"
    assert config.set_value(store, "targets.海曙区.2026", "60%") == "60"
    for name, value in (("issuer.colour", "red"), ("targets.海曙区.2026", "160"),
                        ("targets.海曙区.26", "60"), ("issuer.name", "a\x1b[31mb"),
                        ("issuer.name", "x" * 201)):
        with pytest.raises(InspectorError):
            config.set_value(store, name, value)
    assert config.get(store, "issuer.name") == "宁波市海曙区南门街道办事处"
    config.set_value(store, "issuer.name", None)
    assert config.get(store, "issuer.name") is None


def test_settings_sync_to_the_team(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        config.set_value(a, "issuer.prefix", "南街绿")
        send(a, b, tmp_path)
        assert config.get(b, "issuer.prefix") == "南街绿"
    finally:
        a.close()
        b.close()


def test_config_from_the_command_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--data-dir", str(data_dir), "config", "set", "issuer.phone",
                     "0574-87654321"]) == 0
    assert cli.main(["--data-dir", str(data_dir), "config", "list"]) == 0
    assert "issuer.phone = 0574-87654321" in capsys.readouterr().out
    assert cli.main(["--data-dir", str(data_dir), "config", "set", "nope", "1"]) == 2
    assert "未知的设置" in capsys.readouterr().err
