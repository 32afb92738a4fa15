"""A synthetic city-year: the demo at the scale a whole city reaches in a year.

1,600 communities over Ningbo's ten districts, two submitted inspections each (one last
year, one this year: 3,200), 8,000 findings and 8,000 photos (small generated JPEGs, each
unique, imported through the photo pipeline). Everything goes through the domain and the
change log, in batches, so the data is exactly what laptops would hold — for training, and
for measuring the GUI on it (benchmarks/bench_city.py).
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from inspector.core.clock import SetClock
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections, photos, templates
from inspector.domain.communities import CommunityData
from inspector.domain.districts import NINGBO_DISTRICTS
from inspector.ops import demo

log = logging.getLogger(__name__)

STREET_WORDS = ("东湖", "西城", "南门", "北岸", "中山", "新河", "江南", "丰乐", "长春", "明月",
                "白云", "石桥", "凤凰", "青林", "翠柏", "双溪")
PLACE_WORDS = ("和平", "幸福", "阳光", "春晓", "锦绣", "枫林", "滨江", "文昌", "永宁", "康乐",
               "兴旺", "常青", "芳草", "安居", "润泽", "清泉", "紫薇", "桂园", "梅苑", "竹林")
INSPECTORS = ("王建国", "陈晓燕", "李娜", "张伟", "赵敏", "刘洋", "周杰", "吴芳")
CATEGORIES = ("corridor_clutter", "garbage_piles", "fire_lane_blocked", "lighting_broken",
              "road_damaged", "green_space_damaged", "ebike_indoor_charging", "other")


@dataclass(frozen=True)
class Scale:
    communities: int = 1_600
    inspections_each: int = 2
    findings: int = 8_000
    photos: int = 8_000


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (64, 48), (rng.randrange(256), rng.randrange(256),
                                        rng.randrange(256)))
    image.putpixel((seed % 64, (seed // 64) % 48), (seed % 251, seed % 241, seed % 239))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def fill(store: Store, scale: Scale = Scale(), *, seed: int = 2026,  # noqa: B008
         progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Fill an empty data directory with a city-year; returns what was made."""
    if store.query_one("SELECT id FROM communities LIMIT 1"):
        raise InspectorError(t("数据目录 {dir} 已有数据，城市规模的演示数据只能装入空目录。",
                               "The data directory {dir} already has data; the city-scale demo "
                               "only goes into an empty one.", dir=store.data_dir))
    rng = random.Random(seed)
    templates.ensure_builtin(store)
    template = templates.latest(store)
    scratch = store.data_dir / "cache" / "city"
    scratch.mkdir(parents=True, exist_ok=True)
    made = {"communities": 0, "inspections": 0, "findings": 0, "photos": 0}
    real_wall = store.wall
    now = real_wall.now()
    try:
        _fill(store, scale, rng, template, scratch, made, now, progress)
    finally:
        store.wall = real_wall
    log.info("city demo: %s", made)
    return made


def _fill(store: Store, scale: Scale, rng: random.Random, template: templates.Template,
          scratch: Path, made: dict[str, int], now: datetime,
          progress: Callable[[int, int], None] | None) -> None:
    districts = list(NINGBO_DISTRICTS)
    inspections_total = scale.communities * scale.inspections_each
    for number in range(scale.communities):
        district = districts[number % len(districts)]
        street = f"{STREET_WORDS[(number // len(districts)) % len(STREET_WORDS)]}街道"
        name = f"{PLACE_WORDS[number % len(PLACE_WORDS)]}{number // len(PLACE_WORDS) + 1}社区"
        with store.write():
            community = communities.create(store, CommunityData(
                district, street, name, f"{district}{street}{number}号",
                rng.randint(300, 6000), rng.choice(["专业物业", "准物业", "自治", "无"])))
            made["communities"] += 1
            for visit in range(scale.inspections_each):
                # last year's visit first, then this year's: the clock is set for each
                days_ago = 365 * (scale.inspections_each - 1 - visit) + rng.randint(1, 300)
                store.wall = SetClock(now - timedelta(days=days_ago), timedelta(seconds=1))
                left = max(1, inspections_total - made["inspections"])
                _inspection(store, template, community, rng,
                            (scale.findings - made["findings"]) // left,
                            (scale.photos - made["photos"]) // left, scratch, made)
        if progress is not None:
            progress(number + 1, scale.communities)


def _inspection(store: Store, template: templates.Template, community: str,
                rng: random.Random, finding_count: int, photo_count: int, scratch: Path,
                made: dict[str, int]) -> None:
    inspection = inspections.start(store, community, [rng.choice(INSPECTORS)])
    row = communities.get(store, community)
    failed = set(rng.sample([i.code for i in template.items if i.answer_type != "number"],
                            rng.randint(0, 4)))
    for item in template.items:
        wrong = item.code in failed
        if item.answer_type in ("choice", "sample", "count"):
            inspections.answer(store, inspection, item.code,
                               demo.answer_for(item, wrong, row, rng))
        elif item.answer_type == "number":
            inspections.answer(store, inspection, item.code, "value",
                               value=demo.number_for(item.code, wrong, rng))
        else:
            inspections.answer(store, inspection, item.code, "fail" if wrong else "pass")
    made["inspections"] += 1
    added: list[str] = []
    for _ in range(finding_count):
        added.append(findings.add(store, inspection, category=rng.choice(CATEGORIES),
                                  description=f"第{made['findings'] + 1}处问题"))
        made["findings"] += 1
    for index in range(photo_count):
        path = scratch / f"city-{made['photos']}.jpg"
        path.write_bytes(_jpeg(made["photos"]))
        target = photos.target_for_finding(store, added[index % len(added)]) if added \
            else photos.target_for_inspection(store, inspection)
        photos.import_photo(store, path, target)
        path.unlink()
        made["photos"] += 1
    inspections.submit(store, inspection, [rng.choice(INSPECTORS)])
