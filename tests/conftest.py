from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from inspector.core import i18n
from inspector.core.clock import SetClock
from inspector.core.store import Store
from inspector.domain import communities, templates
from inspector.domain.communities import CommunityData

CHINA = timezone(timedelta(hours=8), "CST")
# The moment test stores are set to, so that no test depends on the day the suite runs.
TEST_MOMENT = datetime(2026, 11, 29, 9, 30, tzinfo=CHINA)


def fixed_clock(moment: datetime = TEST_MOMENT) -> SetClock:
    """A clock set to ``moment`` that moves a millisecond at each reading (stamps stay
    ordered, and a test cannot cross midnight by running slowly)."""
    return SetClock(moment, step=timedelta(milliseconds=1))


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
def wall() -> SetClock:
    return fixed_clock()


@pytest.fixture
def store(data_dir: Path, wall: SetClock) -> Iterator[Store]:
    with Store.open(data_dir, actor="测试员", wall=wall) as opened:
        yield opened


@pytest.fixture
def ready_store(store: Store) -> Store:
    """A store with the built-in checklist and one community (柳西社区)."""
    templates.ensure_builtin(store)
    communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区", "柳汀街120号",
                                            821, "专业物业"))
    return store


def inspection_of(store: Store, community: str) -> dict[str, Any]:
    """The (latest) inspection of a community by its name, as the fixture made it: tests look
    inspections up by what they are, never by a dated short id."""
    row = store.query_one(
        "SELECT i.* FROM inspections i JOIN communities c ON c.id = i.community_id"
        " WHERE c.name = ? ORDER BY i.started_at DESC LIMIT 1", (community,))
    assert row is not None, f"no inspection of {community}"
    return row


def given_for(item: Any, *, fail: bool = False) -> Any:
    """An answer that passes (or fails) any kind of checklist item: tests that fill whole
    checklists use it rather than knowing which items are numbers, choices or samples."""
    from inspector.domain.inspections import Given

    if item.answer_type == "choice":
        wanted = [c for c in item.choices if c.passes != fail] or list(item.choices)
        return Given(choice=wanted[0].code)
    if item.answer_type == "sample":
        n = max(item.min_sample, 20)
        return Given(sampled=n, qualified=n // 2 if fail else n)
    if item.answer_type == "count":
        return Given("value", 2.0 if fail else 0.0)
    if item.answer_type == "number":
        rule = item.pass_if
        if rule is None:
            return Given("value", 10.0)
        good = {">=": rule.value, "<=": rule.value, "==": rule.value, ">": rule.value + 1,
                "<": rule.value - 1}[rule.op]
        bad = {">=": rule.value - 1, "<=": rule.value + 1, "==": rule.value + 1,
               ">": rule.value, "<": rule.value}[rule.op]
        return Given("value", bad if fail else good)
    return Given("fail" if fail else "pass")
