from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector import communities, i18n, templates
from inspector.communities import CommunityData
from inspector.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _chinese_messages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("INSPECTOR_SYNC_FOLDER", raising=False)
    monkeypatch.delenv("INSPECTOR_DATA_DIR", raising=False)
    i18n.set_language("zh")
    yield
    i18n.set_language("zh")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    with Store.open(data_dir, actor="测试员") as opened:
        yield opened


@pytest.fixture
def ready_store(store: Store) -> Store:
    """A store with the built-in checklist and one community (柳西社区)."""
    templates.ensure_builtin(store)
    communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区", "柳汀街120号",
                                            821, "专业物业"))
    return store
