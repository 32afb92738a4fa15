"""Standing that lasts: what the plan counts, on a date, whatever the year.

- A community's **standing** on a date is its latest *submitted* inspection (by the date the
  inspection was made, as written in its stamp: the inspector's local day) or *recognition
  decision* (district 初评 or city 认定, by its decision date) on or before that date. On the
  same day a decision outranks an inspection, and the city's decision the district's. So a
  community that met the standard in 2025 still meets it in 2026 until a later inspection
  or decision says otherwise; one that failed a 2026 re-inspection does not.
- A **recognition** is a recorded decision: community, level, pass or fail, date, who. It is
  revoked (with a date and a reason), never deleted; from the revocation date on it no longer
  counts.
- The **summary** (附件2) per district and street, and the **名单** (roll) of the communities
  meeting the standard, both come from ``compute``: the CLI, the reports and the dashboard
  show the same figures because there is only this one computation.

Definitions of the columns are in ``Summary.notes()`` and in docs/decisions.md.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, community_standing, config, scoring, templates
from inspector.domain.districts import NINGBO_DISTRICTS
from inspector.domain.inspections import SUBMITTED, parse_detail

# The plan's targets, percent of communities meeting the standard: 2021 (四(二)) and 2022
# (四(三)). The plan sets none after 2022; later years have a target only when one is set.
PLAN_TARGETS: dict[int, float] = {2021: 40.0, 2022: 60.0}
CITY = "全市"  # the config name for a target that applies to every district
REPORT_MONTH_DAY = (8, 31)  # 五(三): the districts' 初评 is due by 31 August
SORTING_ITEM = "B06"
SORTING_TARGET = 80.0  # percent, 三(二)2
PROPERTY_ITEM = "H01"
PROPERTY_TARGET = 30.0  # percent, 三(四)2
# H01's passing answers when the checklist does not list them (format 1): 专业物业, 准物业 and
# 自治 all satisfy the item, so coverage counts the same three.
PROPERTY_COVERED_DEFAULT = ("专业物业", "准物业", "自治")
PARTICIPATION_TAG = "参与创建"
MIN_YEAR, MAX_YEAR = 2000, 2100
LEVELS = {"district": ("district", "区级", "初评", "区县初评"),
          "city": ("city", "市级", "认定", "市级认定")}
DECISIONS = {"pass": ("pass", "通过", "达标", "yes"), "fail": ("fail", "不通过", "未达标", "no")}
STREET, DISTRICT, TOTAL = "street", "district", "total"
# Where the sorting-accuracy readings come from. Issue 13 brings 小区 (estates); until a
# reading is recorded per estate, each community's latest inspection is one reading.
SORTING_UNIT = "community"


# -- input checks ---------------------------------------------------------------------------


def parse_date(text: str | date, what: str | None = None) -> date:
    """A calendar date ``YYYY-MM-DD``, or a clear refusal naming what it was for."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InspectorError(t("{w}“{d}”不是 YYYY-MM-DD 格式的日期",
                               "{w}{d!r} is not a date like YYYY-MM-DD",
                               w=what + t("", " ") if what else "", d=text)) from None


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InspectorError(t("年份 {y} 不对：应在 {a}–{b} 之间",
                               "The year {y} is wrong: it must be between {a} and {b}",
                               y=year, a=MIN_YEAR, b=MAX_YEAR))
    return year


def report_date(year: int, today: date) -> date:
    """The date a year's summary is made as of: 31 August (the districts' 初评), or today
    while that day of this year has not come yet."""
    due = date(year, *REPORT_MONTH_DAY)
    return min(due, today) if year == today.year else due


def known_districts(store: Store) -> list[str]:
    rank = {name: index for index, name in enumerate(NINGBO_DISTRICTS)}
    names = {r["district"] for r in store.query(
        "SELECT DISTINCT district FROM communities WHERE deleted IS NULL") if r["district"]}
    return sorted(names, key=lambda d: (rank.get(d, len(rank)), _text_key(d)))


def check_district(store: Store, district: str | None) -> str | None:
    if district is None or not district.strip():
        return None
    name = district.strip()
    known = known_districts(store)
    if name not in known:
        raise InspectorError(t("未知的区县“{d}”：社区名录中有 {all}",
                               "Unknown district {d!r}: the registry has {all}", d=name,
                               all="、".join(known) or t("（没有社区）", "(no communities)")))
    return name


def _choose(text: str, options: Mapping[str, tuple[str, ...]], what_zh: str,
            what_en: str) -> str:
    wanted = text.strip().lower()
    for code, words in options.items():
        if wanted in words:
            return code
    raise InspectorError(t("{w}应为 {all}，而不是“{v}”", "The {w} is one of {all}, not {v!r}",
                           w=t(what_zh, what_en), v=text,
                           all=" / ".join(words[0] for words in options.values())))


# -- recognition decisions ------------------------------------------------------------------


def recognise(store: Store, community: str, *, level: str, decision: str,
              decided_on: str | date, decided_by: str | None = None,
              document: str | None = None, note: str | None = None) -> str:
    """Record a decision (district 初评 or city 认定) on a community; returns its id."""
    level_code = _choose(level, LEVELS, "级别", "level")
    decision_code = _choose(decision, DECISIONS, "结论", "decision")
    day = parse_date(decided_on, t("决定日期", "The decision date"))
    if day > store.wall.today():
        raise InspectorError(t("决定日期 {d} 晚于今天，不能记录尚未作出的决定",
                               "The decision date {d} is after today: a decision not yet "
                               "made cannot be recorded", d=day))
    who = (decided_by or store.actor or "").strip()
    if not who:
        raise InspectorError(t("请写明作出决定的人或单位", "Say who made the decision"))
    recognition_id = uuid.uuid4().hex
    with store.write():
        row = communities.resolve(store, community)
        records.put(store, "recognitions", recognition_id, {
            "community_id": row["id"], "level": level_code, "decision": decision_code,
            "decided_on": day.isoformat(), "decided_by": who,
            "document": (document or "").strip() or None, "note": (note or "").strip() or None,
            "created_at": store.wall.iso(), "created_by": store.actor,
        }, current=None)
    return recognition_id


def revoke(store: Store, recognition_id: str, *, revoked_on: str | date, reason: str) -> None:
    """Revoke a decision from a day on; it stays on record."""
    if not reason.strip():
        raise InspectorError(t("撤销需要说明原因", "Revoking needs a reason"))
    day = parse_date(revoked_on, t("撤销日期", "The revocation date"))
    with store.write():
        row = get_recognition(store, recognition_id)
        if row["revoked_on"]:
            raise InspectorError(t("该决定已于 {d} 撤销", "The decision was revoked on {d}",
                                   d=row["revoked_on"]))
        if day < date.fromisoformat(row["decided_on"]):
            raise InspectorError(t("撤销日期 {r} 早于决定日期 {d}",
                                   "The revocation date {r} is before the decision date {d}",
                                   r=day, d=row["decided_on"]))
        records.put(store, "recognitions", row["id"], {
            "revoked_on": day.isoformat(), "revoke_reason": reason.strip(),
            "revoked_by": store.actor})


def get_recognition(store: Store, text: str) -> dict[str, Any]:
    """A decision by its id or a unique prefix (8 characters or more)."""
    text = text.strip()
    rows = store.query("SELECT * FROM recognitions WHERE id = ?", (text,))
    if not rows and len(text) >= 6:
        rows = store.query("SELECT * FROM recognitions WHERE id LIKE ? || '%' LIMIT 10",
                           (text,))
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise NotFoundError(t("“{x}”不唯一，请写更长的编号", "{x!r} is ambiguous: give more of "
                              "the id", x=text))
    raise NotFoundError(t("没有认定记录 {id}", "No recognition decision {id}", id=text))


def list_recognitions(store: Store, community: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT r.*, c.district, c.street, c.name AS community FROM recognitions r"
           " LEFT JOIN communities c ON c.id = r.community_id")
    params: list[Any] = []
    if community:
        sql += " WHERE r.community_id = ?"
        params.append(communities.resolve(store, community)["id"])
    return store.query(sql + " ORDER BY r.decided_on, r.created_at", params)


def in_force(row: Mapping[str, Any], on: date) -> bool:
    """A decision counts on a day when it was made by then and not revoked by then."""
    return bool(row["decided_on"] <= on.isoformat()
                and not (row["revoked_on"] and row["revoked_on"] <= on.isoformat()))


# -- standing ---------------------------------------------------------------------------------

INSPECTION, DISTRICT_DECISION, CITY_DECISION = "inspection", "district", "city"
_RANK = {INSPECTION: 0, DISTRICT_DECISION: 1, CITY_DECISION: 2}


@dataclass(frozen=True)
class Standing:
    """What a community's standing rests on, on a date."""

    community_id: str
    met: bool
    basis: str  # inspection / district / city
    on: str  # YYYY-MM-DD
    reference: str  # the inspection's short id, or the decision's document / decider
    source_id: str  # the inspection's or the decision's id
    score: float | None = None
    template: str = ""

    def basis_label(self) -> str:
        return {INSPECTION: t("检查", "inspection"),
                DISTRICT_DECISION: t("区县初评", "district assessment"),
                CITY_DECISION: t("市级认定", "city recognition")}[self.basis]


@dataclass(frozen=True)
class Evidence:
    """Everything read from the store for one date: standings, the latest inspection of each
    community (its measurements: B06, H01) and who takes part."""

    as_of: date
    standings: dict[str, Standing]
    latest: dict[str, dict[str, Any]]  # community id -> latest submitted inspection row
    answers: dict[str, dict[str, dict[str, Any]]]  # inspection id -> item code -> response
    participating: set[str]
    inspected_in_year: set[str]


def _local_day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def gather(store: Store, as_of: date,
           cancelled: Callable[[], bool] | None = None) -> Evidence:
    """Read the standings of every community on ``as_of`` in a few set-based queries."""
    day = as_of.isoformat()
    year_start = f"{as_of.year:04d}-01-01"
    latest: dict[str, dict[str, Any]] = {}
    participating: set[str] = set()
    inspected_in_year: set[str] = set()
    rows = store.query(
        "SELECT id, short_id, community_id, template_id, started_at, status"
        " FROM inspections WHERE substr(started_at, 1, 10) <= ?", (day,))
    # Latest by the instant (stamps from laptops in other zones carry other offsets).
    rows.sort(key=community_standing.latest_key)
    for row in rows:
        participating.add(row["community_id"])
        if row["status"] != SUBMITTED:
            continue
        latest[row["community_id"]] = row  # ordered: the last one is the latest
        if _local_day(row["started_at"]) >= year_start:
            inspected_in_year.add(row["community_id"])
    answers: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    wanted = {row["id"] for row in latest.values()}
    # Only the latest inspections' answers: the ids go in as one JSON list.
    for row in store.query(
            "SELECT inspection_id, item_code, answer, value, detail FROM responses"
            " WHERE inspection_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(wanted)),)):
        answers[row["inspection_id"]][row["item_code"]] = row

    standings: dict[str, Standing] = {}
    for community_id, row in latest.items():
        if cancelled is not None and cancelled():
            break
        template = templates.get(store, row["template_id"])
        given = answers.get(row["id"], {})
        result = scoring.score(template, {c: r["answer"] for c, r in given.items()},
                               {c: r["value"] for c, r in given.items()})
        standings[community_id] = Standing(
            community_id, result.met, INSPECTION, _local_day(row["started_at"]),
            row["short_id"] or row["id"][:8], row["id"], result.percent, template.uid)
    ranked = _with_decisions(store, as_of, standings, participating)
    for row in store.query("SELECT id, tags FROM communities WHERE tags LIKE ?",
                           (f"%{PARTICIPATION_TAG}%",)):
        if PARTICIPATION_TAG in json.loads(row["tags"] or "[]"):
            participating.add(row["id"])
    return Evidence(as_of, ranked, latest, dict(answers), participating, inspected_in_year)


def _with_decisions(store: Store, as_of: date, standings: dict[str, Standing],
                    participating: set[str]) -> dict[str, Standing]:
    """The inspections' standings with the recognition decisions in force on ``as_of``
    ranked over them (the rule above); adds the decided communities to ``participating``."""
    day = as_of.isoformat()
    ranked: dict[str, tuple[tuple[str, int, str], Standing]] = {}
    for community_id, standing in standings.items():
        ranked[community_id] = ((standing.on, _RANK[INSPECTION], ""), standing)
    for row in store.query("SELECT * FROM recognitions WHERE decided_on <= ?", (day,)):
        if not in_force(row, as_of):
            continue
        participating.add(row["community_id"])
        key = (row["decided_on"], _RANK[row["level"]] if row["level"] in _RANK else 1,
               row["created_at"] or "")
        current = ranked.get(row["community_id"])
        if current is None or key > current[0]:
            ranked[row["community_id"]] = (key, Standing(
                row["community_id"], row["decision"] == "pass",
                row["level"] if row["level"] in _RANK else DISTRICT_DECISION,
                row["decided_on"], row["document"] or row["decided_by"] or "", row["id"]))
    return {k: v[1] for k, v in ranked.items()}


def standings_today(store: Store, cancelled: Callable[[], bool] | None = None,
                    community_ids: Iterable[str] | None = None) -> dict[str, Standing]:
    """Every community's standing today — ``gather(store, today).standings`` — read from the
    maintained summary (``community_standing``) instead of scoring answers again; only these
    communities' when ``community_ids`` is given (a badge refreshed after an edit). Falls
    back to ``gather`` when a submitted inspection is dated after today (a laptop's clock
    ahead): the summary holds the latest whatever its date."""
    today = store.wall.today()
    wanted = None if community_ids is None else set(community_ids)
    if store.conn.execute(
            "SELECT 1 FROM inspections WHERE status = ? AND substr(started_at, 1, 10) > ?"
            " LIMIT 1", (SUBMITTED, today.isoformat())).fetchone():
        gathered = gather(store, today, cancelled).standings
        return gathered if wanted is None else \
            {k: v for k, v in gathered.items() if k in wanted}
    summary = community_standing.read(store, wanted)
    if wanted is None:
        fact_rows = store.query(
            "SELECT i.id, i.short_id, i.template_id FROM community_standing s"
            " JOIN inspections i ON i.id = s.inspection_id")
    else:
        fact_rows = store.query(
            "SELECT id, short_id, template_id FROM inspections WHERE id IN"
            " (SELECT value FROM json_each(?))",
            (json.dumps(sorted(r.inspection_id for r in summary.values() if r.inspection_id)),))
    facts = {row["id"]: row for row in fact_rows}
    standings: dict[str, Standing] = {}
    for community_id, row in summary.items():
        if row.inspection_id is None or row.met is None:
            continue
        fact = facts.get(row.inspection_id)
        if fact is None:  # a read-only store's stale table: computed, not yet written
            fact = store.query_one("SELECT id, short_id, template_id FROM inspections"
                                   " WHERE id = ?", (row.inspection_id,))
            if fact is None:
                continue
        standings[community_id] = Standing(
            community_id, row.met, INSPECTION, _local_day(row.started_at),
            fact["short_id"] or fact["id"][:8], fact["id"], row.score,
            templates.get(store, fact["template_id"]).uid)
    ranked = _with_decisions(store, today, standings, set())
    return ranked if wanted is None else {k: v for k, v in ranked.items() if k in wanted}


def standing_of(store: Store, community: str, on: str | date) -> Standing | None:
    """One community's standing on a day (None: never inspected or decided by then)."""
    row = communities.resolve(store, community)
    return gather(store, parse_date(on)).standings.get(row["id"])


# -- targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    percent: float | None
    source: str  # where it came from, said in the notes

    @staticmethod
    def none() -> Target:
        return Target(None, t("未设定", "not set"))


def target_for(store: Store, district: str, year: int, *, year_target: float | None = None,
               file_targets: Mapping[int, float] | None = None) -> Target:
    """A district's target for a year: the command line's, then the team settings
    (``targets.<district>.<year>``, then ``targets.全市.<year>``), then the plan's own
    (2021 and 2022 only). No target is carried into a year that has none."""
    if year_target is not None:
        return Target(float(year_target), t("命令行指定", "given on the command line"))
    if file_targets and year in file_targets:
        return Target(float(file_targets[year]), t("目标文件", "targets file"))
    for name in (district, CITY):
        value = config.get(store, f"targets.{name}.{year}")
        if value is not None:
            return Target(float(value), f"targets.{name}.{year}")
    if year in PLAN_TARGETS:
        return Target(PLAN_TARGETS[year], t("实施方案", "the plan"))
    return Target.none()


def check_target(value: float) -> float:
    if not 0 <= value <= 100 or math.isnan(value):
        raise InspectorError(t("目标应为 0–100 之间的百分数，而不是 {v:g}",
                               "A target is a percentage between 0 and 100, not {v:g}",
                               v=value))
    return value


def required(target_percent: float, registered: int) -> int:
    """How many communities must meet the standard to reach the target (exact arithmetic:
    60 % of 5 is 3, not 3.0000000000000004 rounded up to 4)."""
    return math.ceil(Fraction(str(target_percent)) * registered / 100)


def allocate(total: int, shortfalls: Sequence[int]) -> list[int]:
    """Share ``total`` among streets in proportion to their own shortfall, by largest
    remainder (ties to the earlier street); no street gets more than its shortfall, and the
    shares add up to ``total`` exactly. ``total`` must not exceed the sum of shortfalls."""
    whole = sum(shortfalls)
    if total <= 0 or whole <= 0:
        return [0] * len(shortfalls)
    if total > whole:
        raise ValueError("cannot allocate more than the streets fall short")
    quotas = [Fraction(total * s, whole) for s in shortfalls]
    shares = [math.floor(q) for q in quotas]
    left = total - sum(shares)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += 1
    return shares


# -- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str  # "count", "percent" (a fraction shown as %) or "points" (百分点)

    def label(self, year: int | None = None) -> str:
        return t(self.zh, self.en, year=year)


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("registered", "社区总数", "Communities", "count"),
    Column("participating", "参与创建\n社区数", "Taking \npart", "count"),
    Column("inspected", "已检查\n或认定", "Inspected \nor decided", "count"),
    Column("inspected_in_year", "{year}年\n检查数", "Inspected \nin {year}", "count"),
    Column("met", "达标数", "Meeting \nstandard", "count"),
    Column("ratio", "达标比例", "Ratio", "percent"),
    Column("target", "{year}年目标", "Target {year}", "percent"),
    Column("gap", "差距\n(百分点)", "Gap \n(points)", "points"),
    Column("needed", "尚需\n达标数", "Still \nneeded", "count"),
    Column("sorting_checked", "分类抽查\n单位数", "Sorting \nchecked", "count"),
    Column("sorting_accuracy", "垃圾分类\n平均准确率", "Mean sorting \naccuracy", "percent"),
    Column("sorting_ok_share", "准确率≥80%\n占比", "Share \n≥ 80 %", "percent"),
    Column("property_managed", "物业管理\n社区数", "Property \nmanaged", "count"),
    Column("property_coverage", "物业管理\n覆盖率", "Property \nmanagement \ncoverage", "percent"),
)}
DEFAULT_COLUMNS: tuple[str, ...] = (
    "registered", "participating", "inspected", "met", "ratio", "target", "gap", "needed",
    "sorting_accuracy", "sorting_ok_share", "property_coverage",
)
# Counts whose communities a person can ask to see (the dashboard's clickable numbers).
MEMBER_KEYS = ("registered", "participating", "inspected", "inspected_in_year", "met",
               "not_met", "property_managed", "sorting_checked")


def parse_columns(keys: Iterable[str] | str | None) -> tuple[str, ...]:
    """Column keys (a list or ``"a,b,c"``), checked; None gives the default set."""
    if keys is None:
        return DEFAULT_COLUMNS
    if isinstance(keys, str):
        keys = [k for k in keys.split(",")]
    chosen = tuple(k.strip() for k in keys if k.strip())
    unknown = [k for k in chosen if k not in COLUMNS]
    if unknown or not chosen:
        raise InspectorError(t("未知的列：{u}；可用的列：{all}",
                               "Unknown columns: {u}; the columns are: {all}",
                               u=", ".join(unknown) or "—", all=", ".join(COLUMNS)))
    return chosen


@dataclass(frozen=True)
class SummaryRow:
    level: str  # street / district / total
    district: str
    street: str
    registered: int = 0
    participating: int = 0
    inspected: int = 0
    inspected_in_year: int = 0
    met: int = 0
    sorting_checked: int = 0
    sorting_total: float = 0.0  # sum of the readings, percent
    sorting_ok: int = 0
    property_managed: int = 0
    target_percent: float | None = None
    needed: int | None = None
    members: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    label: str = ""  # the total row's name: 全市, or the one district's

    def __add__(self, other: SummaryRow) -> SummaryRow:
        members = {key: self.members.get(key, frozenset()) | other.members.get(key, frozenset())
                   for key in MEMBER_KEYS}
        return replace(
            self,
            registered=self.registered + other.registered,
            participating=self.participating + other.participating,
            inspected=self.inspected + other.inspected,
            inspected_in_year=self.inspected_in_year + other.inspected_in_year,
            met=self.met + other.met,
            sorting_checked=self.sorting_checked + other.sorting_checked,
            sorting_total=self.sorting_total + other.sorting_total,
            sorting_ok=self.sorting_ok + other.sorting_ok,
            property_managed=self.property_managed + other.property_managed,
            members=members)

    @property
    def ratio(self) -> float | None:
        return self.met / self.registered if self.registered else None

    @property
    def target(self) -> float | None:
        return None if self.target_percent is None else self.target_percent / 100

    @property
    def gap(self) -> float | None:
        """Percentage points still to go (0 once the target is reached)."""
        if self.target_percent is None or self.ratio is None:
            return None
        return max(0.0, float(Fraction(str(self.target_percent))
                              - Fraction(self.met * 100, self.registered)))

    @property
    def sorting_accuracy(self) -> float | None:
        if not self.sorting_checked:
            return None
        return self.sorting_total / self.sorting_checked / 100

    @property
    def sorting_ok_share(self) -> float | None:
        return self.sorting_ok / self.sorting_checked if self.sorting_checked else None

    @property
    def property_coverage(self) -> float | None:
        return self.property_managed / self.registered if self.registered else None

    def value(self, key: str) -> int | float | None:
        if key not in COLUMNS:
            raise KeyError(key)
        result: int | float | None = getattr(self, key)
        return result

    def labels(self) -> tuple[str, str]:
        """What the first two columns show: district and street (or 小计 / 合计)."""
        if self.level == TOTAL:
            return self.label or t("全市", "City"), t("合计", "Total")
        if self.level == DISTRICT:
            return self.district, t("小计", "Subtotal")
        return self.district, self.street


@dataclass(frozen=True)
class RollEntry:
    """A line of the 名单: a community meeting the standard and what says so."""

    district: str
    street: str
    community: str
    community_id: str
    standing: Standing


@dataclass(frozen=True)
class Summary:
    year: int
    as_of: date
    district: str | None  # the one district asked for, or None for all
    columns: tuple[str, ...]
    rows: tuple[SummaryRow, ...]
    generated_at: str
    targets: dict[str, Target]  # district -> its target for the year
    roll: tuple[RollEntry, ...]
    unit: str  # 填报单位
    person: str  # 填报人
    covered: tuple[str, ...]  # property management that counts as covered (H01's rule)
    sorting_unit: str = SORTING_UNIT
    standings: dict[str, Standing] = field(default_factory=dict, compare=False)

    @property
    def total(self) -> SummaryRow:
        return self.rows[-1]

    @property
    def target_percent(self) -> float | None:
        """The target shared by every district shown (None when they differ or none)."""
        values = {target.percent for target in self.targets.values()}
        return values.pop() if len(values) == 1 else None

    @property
    def filed_on(self) -> str:
        return self.generated_at[:10]

    def row(self, district: str, street: str | None = None) -> SummaryRow:
        """The subtotal of a district (the total row when it is the only one), or one of
        its streets."""
        for row in self.rows:
            if row.district == district and (
                    (street is None and row.level in (DISTRICT, TOTAL))
                    or (street is not None and row.level == STREET and row.street == street)):
                return row
        raise KeyError((district, street))

    def streets(self) -> list[SummaryRow]:
        return [row for row in self.rows if row.level == STREET]

    def title(self) -> str:
        return t("{y}年绿色社区建设任务完成情况汇总表",
                 "Green community construction: completion summary {y}", y=self.year)

    def scope(self) -> str:
        return self.district or t("全市", "all districts")

    def header(self, *, one_line: bool = False) -> list[str]:
        """Column titles; a line break marks where a long title wraps (``one_line`` drops it)."""
        labels = [t("区县(市)", "District"), t("街道", "Street")] + [
            COLUMNS[key].label(self.year) for key in self.columns]
        return [label.replace("\n", "") if one_line else label for label in labels]

    def footer(self) -> str:
        return t("填报单位：{u}　　填报人：{p}　　填报日期：{d}",
                 "Reporting office: {u}    Filled in by: {p}    Date: {d}",
                 u=self.unit or "＿＿＿＿", p=self.person or "＿＿＿＿", d=self.filed_on)

    def notes(self) -> list[str]:
        targets = "；".join(f"{d} {self._target_text(tg)}" for d, tg in self.targets.items())
        covered = "、".join(self.covered)
        unit = (t("按社区计（尚无居住小区数据：每个社区最近一次检查的 B06 算一个小区）",
                  "per community (no residential estates recorded yet: each community's "
                  "latest B06 counts as one estate)") if self.sorting_unit == SORTING_UNIT
                else t("按居住小区计", "per residential estate"))
        return [
            t("统计截至 {d}。每个社区按截至该日最近一次已提交的检查或认定决定（区县初评、市级认定）"
              "计，不限年份；草稿、重新打开的检查和已撤销的决定不计。",
              "As of {d}. Each community counts by its latest submitted inspection or "
              "recognition decision (district assessment, city recognition) up to that day, "
              "whatever the year; drafts, reopened inspections and revoked decisions do not "
              "count.", d=self.as_of.isoformat()),
            t("达标比例 = 达标社区数 / 社区总数；"
              "参与创建 = 有检查、认定决定或标注“参与创建”的社区；差距以百分点计；"
              "尚需达标数按区县目标计，街道数为区县所需数按各街道缺口分摊，合计相符。",
              "Ratio = communities meeting the standard / all communities; taking part = "
              "communities with an inspection, a decision or the tag 参与创建; the gap is in "
              "percentage points; still needed is counted against the district's target and "
              "shared among its streets by their own shortfall, so the rows add up."),
            t("{y}年目标：{tg}（实施方案只规定 2021年≥40%、2022年≥60%，其后年份按团队设置 "
              "targets.<区县>.<年份>）。",
              "Targets {y}: {tg} (the plan sets 2021 ≥ 40 % and 2022 ≥ 60 % only; later years "
              "come from the team settings targets.<district>.<year>).",
              y=self.year, tg=targets or "—"),
            t("垃圾分类准确率取检查项 B06，{u}，目标≥{s:g}%；物业管理覆盖率 = 物业管理方式为"
              "{c}的社区 / 社区总数（与检查项 H01 的判定一致），目标≥{p:g}%。",
              "Sorting accuracy is item B06, {u}, target ≥ {s:g} %; property-management "
              "coverage = communities managed by {c} / all (as item H01 judges it), target "
              "≥ {p:g} %.", u=unit, s=SORTING_TARGET, c=covered, p=PROPERTY_TARGET),
        ]

    @staticmethod
    def _target_text(target: Target) -> str:
        if target.percent is None:
            return t("无目标", "no target")
        return t("{p:g}%（{s}）", "{p:g} % ({s})", p=target.percent, s=target.source)


def _text_key(text: str) -> bytes:
    # GB18030 order puts common characters in pinyin order, as Chinese lists are sorted.
    return text.encode("gb18030", errors="replace")


def covered_choices(store: Store) -> tuple[str, ...]:
    """The property management that satisfies H01 in the default checklist (its passing
    choices), so coverage and the checklist never disagree."""
    try:
        item = templates.latest(store).item(PROPERTY_ITEM)
    except (NotFoundError, InspectorError):
        return PROPERTY_COVERED_DEFAULT
    if item.answer_type == "choice":
        return tuple(choice.name for choice in item.choices if choice.passes)
    return PROPERTY_COVERED_DEFAULT


def property_management(store: Store, evidence: Evidence, community: Mapping[str, Any]) -> str:
    """How a community is managed: what its latest inspection found (H01's choice) if it
    recorded one, else what the registry says."""
    inspection = evidence.latest.get(community["id"])
    if inspection is not None:
        response = evidence.answers.get(inspection["id"], {}).get(PROPERTY_ITEM)
        detail = parse_detail(response["detail"]) if response else None
        if detail and "choice" in detail:
            item = templates.get(store, inspection["template_id"]).item(PROPERTY_ITEM)
            try:
                return item.choice(str(detail["choice"])).name
            except NotFoundError:
                pass
    return str(community["property_management"] or "")


def sorting_readings(evidence: Evidence, community_id: str) -> list[float]:
    """The sorting-accuracy readings (percent) of a community's residential estates.

    This is the seam for 小区: each estate with its own B06 reading gives one entry. Until the
    rectification loop's estates carry readings, a community's latest inspection is one
    estate (``SORTING_UNIT`` says so in the report)."""
    inspection = evidence.latest.get(community_id)
    if inspection is None:
        return []
    response = evidence.answers.get(inspection["id"], {}).get(SORTING_ITEM)
    if response is None or response["answer"] not in (scoring.PASS, scoring.FAIL) or \
            response["value"] is None:
        return []
    return [float(response["value"])]


def compute(store: Store, year: int | None = None, *, as_of: str | date | None = None,
            district: str | None = None, year_target: float | None = None,
            file_targets: Mapping[int, float] | None = None,
            columns: Sequence[str] | str | None = None, unit: str | None = None,
            person: str | None = None,
            cancelled: Callable[[], bool] | None = None) -> Summary:
    """The summary (附件2) and the 名单 of ``year`` as of a date (default: 31 August of the
    year, or today before then), for one district or all."""
    chosen = parse_columns(columns)
    if as_of is not None:
        day = parse_date(as_of, t("统计日期", "The as-of date"))
        if year is not None and day.year != check_year(year):
            raise InspectorError(t("统计日期 {d} 不在 {y} 年内", "The as-of date {d} is not in "
                                   "{y}", d=day, y=year))
        year = day.year
    else:
        year = check_year(year if year is not None else store.wall.today().year)
        day = report_date(year, store.wall.today())
    check_year(year)
    if year_target is not None:
        check_target(year_target)
    wanted_district = check_district(store, district)
    evidence = gather(store, day, cancelled)
    covered = covered_choices(store)

    streets: dict[tuple[str, str], SummaryRow] = {}
    sql = ("SELECT id, district, street, name, property_management FROM communities"
           " WHERE deleted IS NULL")
    params: tuple[Any, ...] = ()
    if wanted_district:
        sql += " AND district = ?"
        params = (wanted_district,)
    names: dict[str, dict[str, Any]] = {}
    for community in store.query(sql, params):
        names[community["id"]] = community
        key = (community["district"] or "", community["street"] or "")
        cid = community["id"]
        standing = evidence.standings.get(cid)
        readings = sorting_readings(evidence, cid)
        managed = property_management(store, evidence, community) in covered
        flags = {
            "registered": True,
            "participating": cid in evidence.participating,
            "inspected": standing is not None,
            "inspected_in_year": cid in evidence.inspected_in_year,
            "met": standing is not None and standing.met,
            "property_managed": managed,
            "sorting_checked": bool(readings),
        }
        flags["not_met"] = not flags["met"]
        one = SummaryRow(
            STREET, key[0], key[1], registered=1,
            participating=int(flags["participating"]), inspected=int(flags["inspected"]),
            inspected_in_year=int(flags["inspected_in_year"]), met=int(flags["met"]),
            sorting_checked=len(readings), sorting_total=sum(readings),
            sorting_ok=sum(1 for r in readings if r >= SORTING_TARGET),
            property_managed=int(managed),
            members={k: frozenset([cid]) if v else frozenset() for k, v in flags.items()})
        streets[key] = streets[key] + one if key in streets else one

    rank = {name: index for index, name in enumerate(NINGBO_DISTRICTS)}
    districts = sorted({d for d, _ in streets},
                       key=lambda d: (rank.get(d, len(rank)), _text_key(d)))
    if wanted_district and not districts:
        districts = [wanted_district]
    targets = {d: target_for(store, d, year, year_target=year_target,
                             file_targets=file_targets) for d in districts}
    rows: list[SummaryRow] = []
    subtotals: list[SummaryRow] = []
    for name in districts:
        target = targets[name].percent
        street_rows = [replace(streets[k], target_percent=target)
                       for k in sorted((k for k in streets if k[0] == name),
                                       key=lambda k: _text_key(k[1]))]
        subtotal = SummaryRow(DISTRICT, name, "", target_percent=target)
        for street_row in street_rows:
            subtotal = subtotal + street_row
        if target is not None:
            needed = max(0, required(target, subtotal.registered) - subtotal.met)
            shares = allocate(needed, [max(0, required(target, r.registered) - r.met)
                                       for r in street_rows])
            street_rows = [replace(r, needed=s) for r, s in zip(street_rows, shares,
                                                                strict=True)]
            subtotal = replace(subtotal, needed=needed)
        rows += street_rows
        subtotals.append(subtotal)
        if len(districts) > 1:
            rows.append(subtotal)
    label = districts[0] if len(districts) == 1 else t("全市", "City")
    total = SummaryRow(TOTAL, districts[0] if len(districts) == 1 else "", "", label=label)
    for subtotal in subtotals:
        total = total + subtotal
    shared = {targets[d].percent for d in districts}
    with_target = [s.needed for s in subtotals if s.needed is not None]
    total = replace(total, target_percent=shared.pop() if len(shared) == 1 else None,
                    needed=sum(with_target) if with_target else None)
    rows.append(total)

    roll = tuple(
        RollEntry(names[cid]["district"], names[cid]["street"], names[cid]["name"], cid,
                  evidence.standings[cid])
        for row in rows if row.level == STREET
        for cid in sorted(row.members.get("met", frozenset()),
                          key=lambda c: _text_key(names[c]["name"])))
    return Summary(
        year=year, as_of=day, district=wanted_district, columns=chosen, rows=tuple(rows),
        generated_at=store.wall.iso(), targets=targets, roll=roll,
        unit=(unit or config.get(store, "report.unit") or config.get(store, "issuer.name")
              or "").strip(),
        person=(person or config.get(store, "report.person") or store.actor or "").strip(),
        covered=covered, standings=evidence.standings)


def community_rows(store: Store, ids: Iterable[str],
                   standings: Mapping[str, Standing] | None = None) -> list[dict[str, Any]]:
    """The communities behind a figure, in registry order, with their standing."""
    wanted = set(ids)
    rows = [row for row in store.query(
        "SELECT id, district, street, name, property_management FROM communities"
        " WHERE deleted IS NULL") if row["id"] in wanted]
    rank = {name: index for index, name in enumerate(NINGBO_DISTRICTS)}
    rows.sort(key=lambda r: (rank.get(r["district"], len(rank)), _text_key(r["district"]),
                             _text_key(r["street"]), _text_key(r["name"])))
    for row in rows:
        standing = (standings or {}).get(row["id"])
        row["standing"] = standing
    return rows
