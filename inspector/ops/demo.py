"""Demo data: the sample registry plus a few realistic inspections and findings."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import (
    communities,
    community_import,
    config,
    findings,
    inspections,
    places,
    templates,
)
from inspector.domain.templates import Item

log = logging.getLogger(__name__)

SAMPLE_REGISTRY = templates.RESOURCES / "sample" / "communities-sample.csv"


@dataclass(frozen=True)
class DemoFinding:
    category: str
    description: str
    location: str
    item: str | None = None
    status: str = findings.OPEN
    pin: tuple[float, float] | None = None  # on the demo site plan (柳西社区)


@dataclass(frozen=True)
class DemoInspection:
    community: str
    inspectors: tuple[str, ...]
    departments: tuple[str, ...]
    failed: tuple[str, ...]
    findings: tuple[DemoFinding, ...]
    submit: bool = True
    reopen_reason: str | None = None


DEMO_INSPECTIONS = (
    DemoInspection(
        "柳西社区", ("王建国", "陈晓燕"), ("住建", "执法", "消防"),
        failed=("C01", "C04", "D03"),
        findings=(
            DemoFinding("fire_lane_blocked", "3幢东侧消防车道被两辆私家车长期占用",
                        "3幢东侧消防车道", "C01", pin=(0.61, 0.36)),
            DemoFinding("corridor_clutter", "5幢2单元一至三楼楼道堆放纸箱和旧家具",
                        "5幢2单元楼道", "C04", findings.RECTIFIED, pin=(0.83, 0.2)),
            DemoFinding("ebike_indoor_charging", "12幢北侧窗口拉出电线为电动自行车飞线充电",
                        "12幢北侧", "D03", pin=(0.325, 0.64)),
        ),
    ),
    DemoInspection(
        "尹江岸社区", ("王建国",), ("住建", "执法"), failed=("E07",),
        findings=(DemoFinding("waterlogging", "2幢与4幢之间道路雨后积水约10厘米",
                              "2幢与4幢之间", "E07", findings.VERIFIED),),
    ),
)


# Item -> (category, description, location) of what an inspector typically writes down.
TYPICAL_FINDINGS: dict[str, tuple[str, str, str]] = {
    "B04": ("bin_overflow_damaged", "东门投放点2号其他垃圾桶桶盖缺失，垃圾满溢", "东门垃圾投放点"),
    "B05": ("garbage_piles", "垃圾投放点西侧堆放3袋装修垃圾，未及时清运", "垃圾投放点西侧"),
    "B07": ("waste_sorting_improper", "归集点未设清洗点，地面污水横流", "垃圾归集点"),
    "E03": ("lighting_broken", "7幢1单元楼道灯损坏2处", "7幢1单元楼道"),
    "F02": ("green_space_damaged", "中心绿地草坪枯黄、杂草丛生，养护不到位", "中心绿地"),
    "G03": ("fitness_equipment_damaged", "健身点漫步机扶手断裂", "小区健身点"),
    "H02": ("other", "物业服务内容和收费标准未在公告栏公示", "物业服务中心"),
    "I02": ("other", "宣传栏内容仍为去年内容，未及时更新", "北门宣传栏"),
}
# Failed key items (一票否决) a few demo inspections record, so some communities fall short.
KEY_FINDINGS: dict[str, tuple[str, str, str]] = {
    "C01": ("fire_lane_blocked", "南门内消防车道停放三辆电动三轮车", "南门消防车道"),
    "D04": ("disorderly_parking", "小区主干道两侧机动车占用人行道停放", "主干道两侧"),
    "E02": ("manhole_cover_damaged", "3幢南侧窨井盖破损下陷", "3幢南侧"),
    "E08": ("illegal_construction", "底层住户在院内违章搭建阳光房", "8幢底层院落"),
    "F01": ("green_space_damaged", "中心绿地被居民开垦种菜", "中心绿地"),
}
KEY_FAILURES = 3  # of the ten further inspections (the 2nd, 5th and 8th, all submitted)
DRAFTS = (2, 9)  # the further inspections still being filled in

# Where each district is (WGS-84, near its government seat); communities are spread around it.
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "海曙区": (29.8597, 121.5466), "江北区": (29.8869, 121.5553),
    "镇海区": (29.9490, 121.7161), "北仑区": (29.8993, 121.8443),
    "鄞州区": (29.8170, 121.5468), "奉化区": (29.6552, 121.4066),
    "余姚市": (30.0371, 121.1543), "慈溪市": (30.1698, 121.2664),
    "宁海县": (29.2889, 121.4294), "象山县": (29.4768, 121.8693),
}


def demo_position(district: str, name: str) -> tuple[float, float]:
    """A made-up but plausible place for a sample community: within about 4 km of its
    district's seat, the same on every run."""
    centre = DISTRICT_CENTRES.get(district, DISTRICT_CENTRES["海曙区"])
    spread = random.Random(f"{district}|{name}")
    return (round(centre[0] + spread.uniform(-0.035, 0.035), 6),
            round(centre[1] + spread.uniform(-0.04, 0.04), 6))


def _sample_names(store: Store) -> list[str]:
    rows = store.query("SELECT name FROM communities ORDER BY district, street, name")
    return [row["name"] for row in rows]


def fill(store: Store, registry: Path = SAMPLE_REGISTRY, seed: int = 20261129, *,
         with_photos: bool = True) -> int:
    """Fill an empty data directory; return the number of inspections made. The findings
    get drawn stand-in photos unless ``with_photos`` is off (tests that count photos)."""
    if store.query_one("SELECT id FROM communities LIMIT 1"):
        raise InspectorError(t("数据目录 {dir} 已有数据，演示数据只能装入空目录。",
                               "The data directory {dir} already has data; demo data only "
                               "goes into an empty one.", dir=store.data_dir))
    rng = random.Random(seed)
    with store.write():
        templates.ensure_builtin(store)
        community_import.import_file(store, registry)
        for row in store.query("SELECT id, district, name FROM communities"):
            places.set_community_position(store, row["id"],
                                          *demo_position(row["district"], row["name"]))
        plans = list(DEMO_INSPECTIONS)
        names = [n for n in _sample_names(store) if n not in {p.community for p in plans}]
        # A spread of further inspections across districts: most meet the standard, a few
        # fail a key item.
        for number, name in enumerate(rng.sample(names, 10)):
            bad = tuple(rng.sample(["B07", "E03", "F02", "G03", "H02", "I02"],
                                   rng.randint(0, 3)))
            if number % 3 == 1 and number // 3 < KEY_FAILURES:
                bad = (rng.choice(sorted(KEY_FINDINGS)), *bad)
            demo_findings = tuple(DemoFinding(*{**TYPICAL_FINDINGS, **KEY_FINDINGS}[code],
                                              item=code) for code in bad[:2])
            plans.append(DemoInspection(name, (rng.choice(["李娜", "张伟", "赵敏"]),),
                                        ("住建",), bad, demo_findings,
                                        submit=number not in DRAFTS))
        plans.append(DemoInspection(names[-1], ("张伟",), ("住建", "执法"), ("B02",),
                                    (), submit=True,
                                    reopen_reason="社区补交了分类标识整改照片，需重新评定"))
        for plan in plans:
            _make(store, plan, rng, with_photos)
        # The team's target for this year (the plan sets none after 2022).
        config.set_value(store, f"targets.全市.{store.wall.today().year}", "60")
        inspected = {plan.community for plan in plans}
        _recognitions(store, [n for n in names if n not in inspected][::9][:4])
    log.info("demo data: %d inspections", len(plans))
    return len(plans)


def _make(store: Store, plan: DemoInspection, rng: random.Random, with_photos: bool) -> None:
    inspection_id = inspections.start(store, plan.community, list(plan.inspectors),
                                      departments=list(plan.departments))
    community = store.query_one(
        "SELECT c.* FROM communities c JOIN inspections i ON i.community_id = c.id"
        " WHERE i.id = ?", (inspection_id,))
    assert community is not None
    if any(f.pin for f in plan.findings):
        _site_plan(store, community["id"])
    template = templates.get(store, inspections.get(store, inspection_id)["template_id"])
    community = communities.resolve(store, plan.community)
    for item in template.items:
        failed = item.code in plan.failed
        if item.answer_type in ("choice", "sample", "count"):
            inspections.answer(store, inspection_id, item.code,
                               _given(item, failed, community, rng))
        elif item.answer_type == "number":
            value = _number(item.code, failed, rng)
            inspections.answer(store, inspection_id, item.code, "value", value=value)
        elif item.encouraged:
            inspections.answer(store, inspection_id, item.code,
                               "pass" if rng.random() < 0.5 else "na")
        elif failed:
            inspections.answer(store, inspection_id, item.code, "fail",
                               note="现场发现问题，见问题清单")
        elif item.allows_na and rng.random() < 0.08:
            inspections.answer(store, inspection_id, item.code, "na", note="本社区无此设施")
        else:
            inspections.answer(store, inspection_id, item.code, "pass")
    for number, finding in enumerate(plan.findings):
        finding_id = findings.add(store, inspection_id, category=finding.category,
                                  item_code=finding.item, description=finding.description,
                                  location=finding.location)
        near = (community["latitude"] + rng.uniform(-0.0012, 0.0012),
                community["longitude"] + rng.uniform(-0.0012, 0.0012))
        if with_photos:
            _photograph(store, inspection_id, finding_id, finding, rng.randint(0, 10_000),
                        number, near)
            places.coordinates_from_photo(store, finding_id)
        else:
            places.set_coordinates(store, finding_id, *near)
        if finding.pin:
            places.set_pin(store, finding_id, *finding.pin)
        if finding.status in (findings.RECTIFIED, findings.VERIFIED):
            findings.set_status(store, finding_id, finding.status)
    if plan.submit:
        inspections.submit(store, inspection_id, list(plan.inspectors), representative="刘芳")
    if plan.reopen_reason:
        inspections.reopen(store, inspection_id, plan.reopen_reason)


def _site_plan(store: Store, community_id: str) -> None:
    """A drawn site plan for the community (the demo's 柳西社区), once."""
    from inspector.ops import demo_scenes

    if places.site_plan_of(store, community_id) is not None:
        return
    folder = store.data_dir / "cache" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "总平面图.png"
    path.write_bytes(demo_scenes.site_plan())
    try:
        places.set_site_plan(store, community_id, path)
    finally:
        path.unlink(missing_ok=True)


def _photograph(store: Store, inspection_id: str, finding_id: str, finding: DemoFinding,
                seed: int, number: int, where: tuple[float, float]) -> None:
    """The finding's photo (also the failed answer's evidence), and an after-photo once fixed,
    both taken at the community during the visit."""
    from datetime import timedelta

    from inspector.domain import photos
    from inspector.ops import demo_scenes

    # EXIF time is the camera's local wall time, without an offset.
    now = store.wall.now().replace(microsecond=0, tzinfo=None)
    taken = now - timedelta(minutes=40 - 5 * number)
    shots: list[tuple[str, str | None]] = [
        (demo_scenes.SCENES_BEFORE.get(finding.category, "plain"), None)]
    if finding.status in (findings.RECTIFIED, findings.VERIFIED):
        shots.append(("plain", "after"))
    folder = store.data_dir / "cache" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    for index, (hazard, kind) in enumerate(shots):
        path = folder / f"IMG_{seed:04d}_{index}.JPG"
        # The after-photo: the fix seen before the team left (never later than now).
        when = taken if kind is None else min(taken + timedelta(minutes=30),
                                              now - timedelta(minutes=1))
        path.write_bytes(demo_scenes.scene(hazard, seed + index, when, *where))
        try:
            photos.import_photo(store, path, photos.target_for_finding(store, finding_id),
                                kind=kind)
            if finding.item and kind is None:
                photos.import_photo(store, path, photos.target_for_response(
                    store, inspection_id, finding.item))
        finally:
            path.unlink(missing_ok=True)


def _given(item: Item, failed: bool, community: dict[str, Any],
           rng: random.Random) -> inspections.Given:
    """A format-2 answer: the registry's property management for a choice, a sample of 20
    (12 households) with a pass or a fail rate, occurrences for a count."""
    if item.answer_type == "choice":
        names = [c.name for c in item.choices]
        known = community.get("property_management")
        choice = next((c for c in item.choices if not c.passes), item.choices[-1]).name \
            if failed else (known if known in names else names[0])
        return inspections.Given(choice=choice)
    if item.answer_type == "sample":
        sampled = max(item.min_sample, 20 if item.sample_unit == "桶" else 12)
        share = rng.uniform(0.55, 0.75) if failed else rng.uniform(0.85, 1.0)
        return inspections.Given(sampled=sampled, qualified=round(sampled * share))
    return inspections.Given("value", float(rng.randint(1, 3) if failed else 0))


def _recognitions(store: Store, names: list[str]) -> None:
    """Last year's 初评 and 认定 of communities not inspected this year: they still meet the
    standard, and one whose city review failed does not."""
    from datetime import date

    from inspector.domain import standing

    last = store.wall.today().year - 1
    district_day, city_day = date(last, 8, 20), date(last, 9, 26)
    for index, name in enumerate(names):
        standing.recognise(store, name, level="district", decision="pass",
                           decided_on=district_day, decided_by="区住建局",
                           note="年度初评")
        standing.recognise(store, name, level="city", decision="fail" if index == 0 else "pass",
                           decided_on=city_day, decided_by="宁波市住房和城乡建设局",
                           document=f"甬建绿〔{last}〕{12 + index}号")


def _number(code: str, failed: bool, rng: random.Random) -> float:
    if code in ("A05", "B06"):  # percentages that pass at 80
        return float(rng.randint(62, 79) if failed else rng.randint(82, 97))
    if code in ("D01", "D05"):  # recorded counts
        return float(rng.randint(10, 120))
    if code == "I03":
        return float(0 if failed else rng.randint(1, 4))
    return float(rng.randint(1, 5) if failed else 0)  # counts where 0 passes


answer_for = _given  # the city-scale generator answers the same way
number_for = _number
