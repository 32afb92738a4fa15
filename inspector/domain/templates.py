"""Checklist templates: data, not code. Loaded from JSON, validated, installed immutably.

A template is identified by ``<id>@v<version>``. Once installed its content never changes:
installing different content under the same id and version is refused, so an inspection
always scores against exactly the checklist it was made with.

Format 1 knows yes/no items and numbers with a pass rule. Format 2 (the scoring model a
district can set) adds:

- ``choice``: one of listed answers, each saying whether it passes (H01 专业物业/准物业/自治/无);
- ``sample``: 抽查 n 户/桶, 合格 m → a rate judged by ``pass_if`` (B06 sorting accuracy);
- ``count``: occurrences, each deducting ``deduct.per`` points up to ``deduct.cap``;
- ``encouraged`` (鼓励) yes/no items that add their points when present and never fail;
- ``rule.bonus_max``: the most the encouraged items can add.

The pass rule (``rule``: minimum score and whether key items veto) is template data too, and
``Template.rule_text()`` says it in words for the editor and the reports.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from inspector.core import jsoninput, records
from inspector.core.errors import NotFoundError, TemplateError
from inspector.core.i18n import language, t
from inspector.core.store import Store
from inspector.domain import template_schema

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
BUILTIN_DIR = RESOURCES / "checklists"
FORMAT = 2  # the newest format this program writes and reads
FORMATS = (1, 2)
ANSWER_TYPES_V1 = ("yes_no_na", "yes_no", "number")
ANSWER_TYPES = (*ANSWER_TYPES_V1, "choice", "sample", "count")
PHOTO_RULES = ("required", "optional", "none")
OPERATORS = (">=", "<=", ">", "<", "==")
RULE_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


@dataclass(frozen=True)
class PassRule:
    op: str
    value: float

    def passes(self, number: float) -> bool:
        return {
            ">=": number >= self.value,
            "<=": number <= self.value,
            ">": number > self.value,
            "<": number < self.value,
            "==": number == self.value,
        }[self.op]

    def describe(self) -> str:
        return f"{RULE_SIGNS.get(self.op, self.op)} {self.value:g}"


@dataclass(frozen=True)
class Choice:
    """One answer of a choice item, and whether choosing it passes the item."""

    code: str
    name: str
    name_en: str
    passes: bool

    def label(self) -> str:
        return self.name_en if language() == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Deduction:
    """Points taken per occurrence, never more than ``cap`` in all."""

    per: float
    cap: float

    def points(self, occurrences: float) -> float:
        return min(self.cap, self.per * max(0.0, occurrences))


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    text: str
    text_en: str
    guidance: str
    answer_type: str
    key: bool
    photo_on_fail: str
    departments: tuple[str, ...]
    weight: float
    clause: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    pass_if: PassRule | None = None
    choices: tuple[Choice, ...] = ()
    sample_unit: str = ""  # what a sample counts: 户, 桶, 个楼道 …
    min_sample: int = 1
    deduct: Deduction | None = None
    encouraged: bool = False  # 鼓励: adds its points when present, never fails

    @property
    def scored(self) -> bool:
        """Counts in the score's denominator (encouraged items only ever add)."""
        return not (self.answer_type == "number" and self.pass_if is None) and \
            not self.encouraged

    @property
    def allows_na(self) -> bool:
        if self.answer_type in ("yes_no", "choice"):
            return False
        # Format 1 let a key number item be n/a; the new kinds of key item never are.
        return not (self.key and self.answer_type in ("sample", "count"))

    @property
    def numeric(self) -> bool:
        """Answered by typing (a number, a count, or 合格/抽查 for a sample)."""
        return self.answer_type in ("number", "sample", "count")

    def choice(self, text: str) -> Choice:
        """A choice by its code, its name (Chinese or English) or its number (1, 2 …)."""
        wanted = text.strip()
        for index, choice in enumerate(self.choices, start=1):
            if wanted in (choice.code, choice.name, choice.name_en, str(index)) or (
                    wanted.lower() == choice.code.lower()):
                return choice
        raise NotFoundError(t(
            "检查项 {code} 没有选项“{c}”；可选：{all}",
            "Item {code} has no choice {c!r}; the choices are: {all}", code=self.code, c=text,
            all=" / ".join(f"{i} {c.name}" for i, c in enumerate(self.choices, start=1))))

    def rule_text(self) -> str:
        """How the item is judged, in a few words (for the editor and the report)."""
        if self.encouraged:
            return t("鼓励项：有则加 {p:g} 分，无不扣分", "encouraged: adds {p:g} points when "
                     "present, never fails", p=self.weight)
        if self.answer_type == "choice":
            passing = "、".join(c.label() for c in self.choices if c.passes)
            return t("{c} 为符合", "pass: {c}", c=passing)
        if self.answer_type == "sample":
            rule = self.pass_if.describe() if self.pass_if else ""
            return t("抽查 n {u}，合格 m {u}，合格率{r}% 为符合",
                     "sample n {u}, m good: pass if the rate is {r} %",
                     u=self.sample_unit or t("个", "units"), r=rule)
        if self.answer_type == "count" and self.deduct is not None:
            return t("每{u}扣 {p:g} 分，最多扣 {c:g} 分", "{p:g} points off per {u}, at most "
                     "{c:g}", u=self.unit or t("处", "case"), p=self.deduct.per,
                     c=self.deduct.cap)
        if self.pass_if is not None:
            return t("合格：{r}{u}", "pass if {r}{u}", r=self.pass_if.describe(), u=self.unit)
        if self.answer_type == "number":
            return t("仅记录", "recorded only")
        return ""

    def label(self) -> str:
        return self.text_en if language() == "en" and self.text_en else self.text

    def clause_label(self) -> str:
        """The plan clause; in English with Arabic numerals (三(二)2 → 3(2)2)."""
        if language() != "en":
            return self.clause
        return self.clause.translate(_CHINESE_NUMERALS)


_CHINESE_NUMERALS = str.maketrans("一二三四五六七八九十", "123456789X")


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    title_en: str
    clause: str
    items: tuple[Item, ...]

    def label(self) -> str:
        return self.title_en if language() == "en" and self.title_en else self.title


@dataclass(frozen=True)
class Named:
    code: str
    name: str
    name_en: str

    def label(self) -> str:
        return self.name_en if language() == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Severity(Named):
    deadline_days: int


@dataclass(frozen=True)
class HazardCategory(Named):
    department: str
    severity: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    key_items_must_pass: bool
    min_score_percent: float
    bonus_max: float = 0.0  # the most encouraged items can add to the score


@dataclass(frozen=True)
class Template:
    uid: str  # "<id>@v<version>", the name people use; the store keys it by ``sha256``
    code: str
    version: int
    title: str
    title_en: str
    sections: tuple[Section, ...]
    departments: tuple[Named, ...]
    severities: tuple[Severity, ...]
    hazard_categories: tuple[HazardCategory, ...]
    rule: Rule
    body: str  # canonical JSON text
    sha256: str
    format: int = 1

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _items_by_code(self) -> dict[str, Item]:
        return {item.code.upper(): item for item in self.items}

    def item(self, code: str) -> Item:
        found = self._items_by_code.get(code.upper())
        if found is not None:
            return found
        raise NotFoundError(
            t(
                "检查表 {tpl} 中没有检查项 {code}",
                "The checklist {tpl} has no item {code}",
                tpl=self.uid,
                code=code,
            )
        )

    def category(self, code_or_name: str) -> HazardCategory:
        for category in self.hazard_categories:
            if code_or_name in (category.code, category.name, category.name_en):
                return category
        raise NotFoundError(
            t(
                "未知的隐患类别 {c}；可用：{all}",
                "Unknown hazard category {c}; known: {all}",
                c=code_or_name,
                all="、".join(c.name for c in self.hazard_categories),
            )
        )

    def severity(self, code_or_name: str) -> Severity:
        for severity in self.severities:
            if code_or_name in (severity.code, severity.name, severity.name_en):
                return severity
        raise NotFoundError(
            t(
                "未知的严重程度 {s}；可用：{all}",
                "Unknown severity {s}; known: {all}",
                s=code_or_name,
                all=", ".join(f"{s.code} ({s.name})" for s in self.severities),
            )
        )

    def department(self, code_or_name: str) -> Named:
        for department in self.departments:
            if code_or_name in (department.code, department.name, department.name_en):
                return department
        raise NotFoundError(
            t(
                "未知的部门 {d}；可用：{all}",
                "Unknown department {d}; known: {all}",
                d=code_or_name,
                all="、".join(d.code for d in self.departments),
            )
        )

    def label(self) -> str:
        return self.title_en if language() == "en" and self.title_en else self.title

    @property
    def key_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.key)

    def rule_text(self, *, prefix: bool = True) -> str:
        """The pass rule in words: the minimum score and the vetoes (and any bonus)."""
        parts = [t("得分≥{p:g}%", "score ≥ {p:g} %", p=self.rule.min_score_percent)]
        keys = self.key_items
        if self.rule.key_items_must_pass and keys:
            parts.append(t("{n} 项一票否决项（{c}）全部符合", "all {n} key items ({c}) pass",
                           n=len(keys), c="、".join(i.code for i in keys)))
        if self.rule.bonus_max > 0 and any(i.encouraged for i in self.items):
            parts.append(t("鼓励项最多加 {b:g} 分", "encouraged items add at most {b:g}",
                           b=self.rule.bonus_max))
        return (t("达标规则：", "Pass rule: ") if prefix else "") + t("，", ", ").join(parts)


# -- validation ----------------------------------------------------------------------------


class _Problems:
    """Collects every problem in a template file, each naming where it is."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []
        self.places: set[tuple[str, str]] = set()

    def add(self, where: str, field: str, problem: str) -> None:
        self.places.add((where, field))
        self.lines.append(
            t("{where}，字段 {field}：{problem}", "{where}, field {field}: {problem}",
              where=where, field=field, problem=problem)
        )

    def raise_if_any(self) -> None:
        if self.lines:
            head = t(
                "检查表文件 {file} 无效，未安装（{n} 处问题）：",
                "The checklist file {file} is invalid and was not installed ({n} problems):",
                file=self.source,
                n=len(self.lines),
            )
            raise TemplateError("\n  ".join([head, *self.lines]))


def _missing() -> str:
    return t("缺少", "missing")


def _wrong_type(expected: str) -> str:
    return t("应为{e}", "must be {e}", e=expected)


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         problems: _Problems, *, required: bool = True, default: Any = None) -> Any:
    if key not in obj or obj[key] is None:
        if required:
            problems.add(where, key, _missing())
        return default
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python; a weight of `true` is still wrong.
    if isinstance(value, bool) and bool not in kinds:
        problems.add(where, key, _wrong_type(_type_name(kinds)))
        return default
    if not isinstance(value, kinds):
        problems.add(where, key, _wrong_type(_type_name(kinds)))
        return default
    if isinstance(value, str) and not value.strip():
        if required:
            problems.add(where, key, t("不能为空", "must not be empty"))
        return default
    return value


def _type_name(kinds: tuple[type, ...]) -> str:
    names = {str: t("文字", "text"), int: t("整数", "an integer"), float: t("数字", "a number"),
             bool: "true/false", list: t("列表", "a list"), dict: t("对象", "an object")}
    return " / ".join(names.get(k, k.__name__) for k in kinds if not (k is int and float in kinds))


def parse_template(data: Any, source: str, *, installed: bool = False) -> Template:
    """Validate template data against the declared schema (template_schema) and the rules
    that need the whole file, and build the model; every problem is reported at once, the
    way the file's author can find it (检查项 B05，字段 answer_type：缺少).

    ``installed``: the body of a checklist already in the store, which inspections refer to
    and which never changes; one installed before the schema's limits existed is still read
    (what the schema says of it is logged) as long as the whole-file rules accept it."""
    problems = _Problems(source)
    declared = template_schema.problems(data)
    try:
        template = _parse(data, problems)
    except Exception:
        # Input the schema refuses may be too odd for the whole-file rules (a list of
        # departments holding objects): the schema's words are then the whole answer.
        if not declared:
            raise
        template = None
    if installed and template is not None and not problems.lines:
        for where, field, problem in declared:
            log.warning("installed checklist %s: %s, %s: %s", source, where, field, problem)
        return template
    for where, field, problem in declared:
        if (where, field) not in problems.places:
            problems.add(where, field, problem)
    problems.raise_if_any()
    assert template is not None  # no problem was found, so it was built
    return template


def _parse(data: Any, problems: _Problems) -> Template | None:
    """The rules checked in code; None when ``problems`` has any."""
    top = t("模板", "template")
    if not isinstance(data, dict):
        problems.add(top, "-", _wrong_type(_type_name((dict,))))
        return None
    fmt = _get(data, "format", int, top, problems)
    if fmt is not None and fmt not in FORMATS:
        problems.add(top, "format", t("不支持的格式 {f}（支持 {s}）", "unsupported format {f} "
                                       "(supported: {s})", f=fmt,
                                       s=", ".join(str(f) for f in FORMATS)))
    fmt = fmt if fmt in FORMATS else FORMAT
    code = _get(data, "id", str, top, problems, default="")
    version = _get(data, "version", int, top, problems, default=0)
    if isinstance(version, int) and version < 1 and "version" in data:
        problems.add(top, "version", t("应为正整数", "must be a positive integer"))
    title = _get(data, "title", str, top, problems, default="")
    title_en = _get(data, "title_en", str, top, problems, required=False, default="")

    departments: list[Named] = []
    for index, raw in enumerate(_get(data, "departments", list, top, problems, default=[])):
        where = t("部门 #{i}", "department #{i}", i=index + 1)
        if not isinstance(raw, dict):
            problems.add(where, "-", _wrong_type(_type_name((dict,))))
            continue
        departments.append(Named(
            _get(raw, "code", str, where, problems, default=""),
            _get(raw, "name", str, where, problems, default=""),
            _get(raw, "name_en", str, where, problems, required=False, default=""),
        ))
    department_codes = {d.code for d in departments}

    severities: list[Severity] = []
    for index, raw in enumerate(_get(data, "severities", list, top, problems, default=[])):
        where = t("严重程度 #{i}", "severity #{i}", i=index + 1)
        if not isinstance(raw, dict):
            problems.add(where, "-", _wrong_type(_type_name((dict,))))
            continue
        severities.append(Severity(
            _get(raw, "code", str, where, problems, default=""),
            _get(raw, "name", str, where, problems, default=""),
            _get(raw, "name_en", str, where, problems, required=False, default=""),
            _get(raw, "deadline_days", int, where, problems, default=0),
        ))
    severity_codes = {s.code for s in severities}

    sections: list[Section] = []
    seen_items: dict[str, str] = {}
    raw_sections = _get(data, "sections", list, top, problems, default=[])
    if "sections" in data and isinstance(raw_sections, list) and not raw_sections:
        problems.add(top, "sections", t("不能为空", "must not be empty"))
    for s_index, raw_section in enumerate(raw_sections):
        s_where = t("第 {i} 部分", "section #{i}", i=s_index + 1)
        if not isinstance(raw_section, dict):
            problems.add(s_where, "-", _wrong_type(_type_name((dict,))))
            continue
        s_code = _get(raw_section, "code", str, s_where, problems, default="")
        if s_code:
            s_where = t("部分 {c}", "section {c}", c=s_code)
        items: list[Item] = []
        raw_items = _get(raw_section, "items", list, s_where, problems, default=[])
        for i_index, raw_item in enumerate(raw_items):
            item = _parse_item(raw_item, s_code, s_where, i_index, department_codes, problems,
                               fmt)
            if item is None:
                continue
            if item.code in seen_items:
                problems.add(t("检查项 {c}", "item {c}", c=item.code), "code",
                             t("编号重复（{other} 中已有）", "duplicate code (already in {other})",
                               other=seen_items[item.code]))
            seen_items[item.code] = s_where
            items.append(item)
        sections.append(Section(
            s_code,
            _get(raw_section, "title", str, s_where, problems, default=""),
            _get(raw_section, "title_en", str, s_where, problems, required=False, default=""),
            _get(raw_section, "clause", str, s_where, problems, required=False, default=""),
            tuple(items),
        ))

    categories: list[HazardCategory] = []
    for index, raw in enumerate(_get(data, "hazard_categories", list, top, problems, default=[])):
        where = t("隐患类别 #{i}", "hazard category #{i}", i=index + 1)
        if not isinstance(raw, dict):
            problems.add(where, "-", _wrong_type(_type_name((dict,))))
            continue
        c_code = _get(raw, "code", str, where, problems, default="")
        if c_code:
            where = t("隐患类别 {c}", "hazard category {c}", c=c_code)
        department = _get(raw, "department", str, where, problems, default="")
        if department and department not in department_codes:
            problems.add(where, "department", t("未知部门 {d}", "unknown department {d}",
                                                d=department))
        severity = _get(raw, "severity", str, where, problems, default="")
        if severity and severity not in severity_codes:
            problems.add(where, "severity", t("未知严重程度 {s}", "unknown severity {s}",
                                              s=severity))
        linked = _get(raw, "items", list, where, problems, required=False, default=[])
        for code_ in linked:
            if code_ not in seen_items:
                problems.add(where, "items", t("未知检查项 {c}", "unknown item {c}", c=code_))
        categories.append(HazardCategory(
            c_code,
            _get(raw, "name", str, where, problems, default=""),
            _get(raw, "name_en", str, where, problems, required=False, default=""),
            department,
            severity,
            tuple(str(c) for c in linked),
        ))

    rule_where = t("达标规则", "rule")
    raw_rule = _get(data, "rule", dict, top, problems, default={})
    must_pass = _get(raw_rule, "key_items_must_pass", bool, rule_where, problems, default=True)
    threshold = _get(raw_rule, "min_score_percent", (int, float), rule_where, problems,
                     default=0.0)
    if not 0 <= threshold <= 100:
        problems.add(rule_where, "min_score_percent", t("应在 0 到 100 之间",
                                                        "must be between 0 and 100"))
    bonus_max = 0.0
    if isinstance(raw_rule, dict) and "bonus_max" in raw_rule:
        if fmt < 2:
            problems.add(rule_where, "bonus_max", _needs_format_2())
        bonus = _get(raw_rule, "bonus_max", (int, float), rule_where, problems, default=0.0)
        if not 0 <= bonus <= 100:
            problems.add(rule_where, "bonus_max", t("应在 0 到 100 之间",
                                                    "must be between 0 and 100"))
        bonus_max = float(bonus)
    if problems.lines:
        return None

    body = canonical_json(data)
    return Template(
        uid=f"{code}@v{version}",
        code=code,
        version=version,
        title=title,
        title_en=title_en,
        sections=tuple(sections),
        departments=tuple(departments),
        severities=tuple(severities),
        hazard_categories=tuple(categories),
        rule=Rule(bool(must_pass), float(threshold), bonus_max),
        body=body,
        sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        format=fmt,
    )


def _needs_format_2() -> str:
    return t("需要 \"format\": 2（格式 1 没有此项）",
             "needs \"format\": 2 (format 1 does not have it)")


def _parse_item(raw: Any, section: str, s_where: str, index: int, department_codes: set[str],
                problems: _Problems, fmt: int = FORMAT) -> Item | None:
    where = t("{s} 第 {i} 项", "{s} item #{i}", s=s_where, i=index + 1)
    if not isinstance(raw, dict):
        problems.add(where, "-", _wrong_type(_type_name((dict,))))
        return None
    code = _get(raw, "code", str, where, problems, default="")
    if code:
        where = t("检查项 {c}", "item {c}", c=code)
    answer_type = _get(raw, "answer_type", str, where, problems, default="")
    if answer_type and answer_type not in ANSWER_TYPES:
        problems.add(where, "answer_type", t("未知的答案类型 {a}（可用：{all}）",
                                             "unknown answer type {a} (known: {all})",
                                             a=answer_type, all=", ".join(ANSWER_TYPES)))
    elif answer_type and answer_type not in ANSWER_TYPES_V1 and fmt < 2:
        problems.add(where, "answer_type", t("答案类型 {a} ", "the answer type {a} ",
                                             a=answer_type) + _needs_format_2())
    key = _get(raw, "key", bool, where, problems, default=False)
    photo = _get(raw, "photo_on_fail", str, where, problems, default="none")
    if photo not in PHOTO_RULES:
        problems.add(where, "photo_on_fail", t("应为 {all}", "must be one of {all}",
                                               all=", ".join(PHOTO_RULES)))
    departments = _get(raw, "departments", list, where, problems, default=[])
    if "departments" in raw and isinstance(departments, list) and not departments:
        problems.add(where, "departments", t("不能为空", "must not be empty"))
    for department in departments:
        if department not in department_codes:
            problems.add(where, "departments", t("未知部门 {d}", "unknown department {d}",
                                                 d=department))
    weight = _get(raw, "weight", (int, float), where, problems, default=0)
    if isinstance(weight, (int, float)) and weight < 0:
        problems.add(where, "weight", t("不能为负数", "must not be negative"))
    weight = float(weight) if isinstance(weight, (int, float)) else 0.0
    pass_if: PassRule | None = None
    if answer_type in ("number", "sample"):
        if "pass_if" not in raw:
            problems.add(where, "pass_if", t("数字项必须给出 pass_if（仅记录的项写 null）",
                                             "number items need pass_if (null for record-only)")
                         if answer_type == "number" else
                         t("抽查项必须给出合格率规则 pass_if", "sample items need pass_if "
                           "(the pass rule on the rate)"))
        elif raw["pass_if"] is not None:
            pass_if = _parse_pass_rule(raw["pass_if"], where, problems)
        elif answer_type == "sample":
            problems.add(where, "pass_if", t("抽查项必须给出合格率规则 pass_if",
                                             "sample items need pass_if (the pass rule on "
                                             "the rate)"))
    if answer_type == "sample" and pass_if is not None and not 0 <= pass_if.value <= 100:
        problems.add(where, "pass_if.value", t("合格率应在 0 到 100 之间",
                                               "a rate is between 0 and 100"))
    if key and answer_type == "yes_no_na":
        problems.add(where, "key", t("一票否决项不能允许“不适用”（应为 yes_no）",
                                     "a key item cannot allow N/A (use yes_no)"))
    if key and answer_type == "number" and "pass_if" in raw and raw["pass_if"] is None:
        problems.add(where, "key", t("一票否决项必须有合格规则", "a key item needs a pass rule"))
    minimum = raw.get("min")
    maximum = raw.get("max")
    for name, bound in (("min", minimum), ("max", maximum)):
        if bound is not None and (not isinstance(bound, (int, float)) or isinstance(bound, bool)):
            problems.add(where, name, _wrong_type(_type_name((int, float))))
    if isinstance(minimum, (int, float)) and isinstance(maximum, (int, float)) and \
            not isinstance(minimum, bool) and not isinstance(maximum, bool) and minimum > maximum:
        problems.add(where, "min", t("最小值 {lo:g} 大于最大值 {hi:g}",
                                     "the minimum {lo:g} is above the maximum {hi:g}",
                                     lo=minimum, hi=maximum))

    extra = _parse_v2_fields(raw, answer_type, bool(key), weight, where, problems, fmt)
    return Item(
        code=code,
        section=section,
        text=_get(raw, "text", str, where, problems, default=""),
        text_en=_get(raw, "text_en", str, where, problems, required=False, default=""),
        guidance=_get(raw, "guidance", str, where, problems, required=False, default=""),
        answer_type=answer_type,
        key=bool(key),
        photo_on_fail=photo,
        departments=tuple(str(d) for d in departments),
        weight=weight,
        clause=_get(raw, "clause", str, where, problems, default=""),
        unit=str(raw.get("unit") or ""),
        minimum=float(minimum) if isinstance(minimum, (int, float)) else None,
        maximum=float(maximum) if isinstance(maximum, (int, float)) else None,
        pass_if=pass_if,
        **extra,
    )


def _parse_pass_rule(rule: Any, where: str, problems: _Problems) -> PassRule | None:
    op = rule.get("op") if isinstance(rule, dict) else None
    value = rule.get("value") if isinstance(rule, dict) else None
    if op not in OPERATORS:
        problems.add(where, "pass_if.op", t("应为 {all}", "must be one of {all}",
                                            all=" ".join(OPERATORS)))
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        problems.add(where, "pass_if.value", _wrong_type(_type_name((int, float))))
    else:
        return PassRule(op, float(value))
    return None


V2_FIELDS = ("choices", "sample_unit", "min_sample", "deduct", "encouraged")


def _parse_v2_fields(raw: dict[str, Any], answer_type: str, key: bool, weight: float,
                     where: str, problems: _Problems, fmt: int) -> dict[str, Any]:
    """The format-2 parts of an item: choices, sample, deduction, encouraged."""
    extra: dict[str, Any] = {}
    if fmt < 2:
        for name in V2_FIELDS:
            if name in raw:
                problems.add(where, name, _needs_format_2())
        return extra
    # A field that belongs to another answer type is a mistake, not something to ignore.
    owners = {"choices": ("choice",), "sample_unit": ("sample",), "min_sample": ("sample",),
              "deduct": ("count",)}
    for name, types in owners.items():
        if name in raw and answer_type and answer_type not in types:
            problems.add(where, name, t("只用于 {types} 类型的检查项",
                                        "only for items of type {types}",
                                        types="/".join(types)))

    if answer_type == "choice":
        extra["choices"] = _parse_choices(raw, where, problems)
    if answer_type == "sample":
        extra["sample_unit"] = _get(raw, "sample_unit", str, where, problems, default="")
        least = _get(raw, "min_sample", int, where, problems, required=False, default=1)
        if isinstance(least, int) and least < 1:
            problems.add(where, "min_sample", t("应为正整数", "must be a positive integer"))
        extra["min_sample"] = max(1, least) if isinstance(least, int) else 1
    if answer_type == "count":
        deduct = _get(raw, "deduct", dict, where, problems, default=None)
        if isinstance(deduct, dict):
            per = _get(deduct, "per", (int, float), where, problems, default=0)
            cap = _get(deduct, "cap", (int, float), where, problems, default=0)
            if isinstance(per, (int, float)) and per <= 0:
                problems.add(where, "deduct.per", t("每次扣分应大于 0",
                                                    "points per occurrence must be above 0"))
            if isinstance(cap, (int, float)) and cap <= 0:
                problems.add(where, "deduct.cap", t("扣分上限应大于 0",
                                                    "the cap must be above 0"))
            elif isinstance(cap, (int, float)) and cap > weight:
                problems.add(where, "deduct.cap", t(
                    "扣分上限 {c:g} 超过该项分值 {w:g}（一项最多扣完自己的分）",
                    "the cap {c:g} is above the item's points {w:g} (an item can lose at "
                    "most its own points)", c=cap, w=weight))
            if isinstance(per, (int, float)) and isinstance(cap, (int, float)):
                extra["deduct"] = Deduction(float(per), float(cap))
    encouraged = _get(raw, "encouraged", bool, where, problems, required=False, default=False)
    if encouraged:
        if answer_type != "yes_no_na":
            problems.add(where, "encouraged", t("鼓励项应为 yes_no_na 类型（无则不适用）",
                                                "an encouraged item must be yes_no_na"))
        if key:
            problems.add(where, "encouraged", t("鼓励项不能是一票否决项",
                                                "an encouraged item cannot be a key item"))
        if weight <= 0:
            problems.add(where, "weight", t("鼓励项的分值应大于 0",
                                            "an encouraged item needs points above 0"))
    extra["encouraged"] = bool(encouraged)
    return extra


def _parse_choices(raw: dict[str, Any], where: str, problems: _Problems) -> tuple[Choice, ...]:
    listed = _get(raw, "choices", list, where, problems, default=[])
    choices: list[Choice] = []
    for index, entry in enumerate(listed):
        c_where = t("{w} 选项 #{i}", "{w} choice #{i}", w=where, i=index + 1)
        if not isinstance(entry, dict):
            problems.add(c_where, "-", _wrong_type(_type_name((dict,))))
            continue
        choice = Choice(
            _get(entry, "code", str, c_where, problems, default=""),
            _get(entry, "name", str, c_where, problems, default=""),
            _get(entry, "name_en", str, c_where, problems, required=False, default=""),
            bool(_get(entry, "passes", bool, c_where, problems, default=False)),
        )
        if choice.code and any(c.code == choice.code for c in choices):
            problems.add(c_where, "code", t("选项编号 {c} 重复", "duplicate choice code {c}",
                                            c=choice.code))
        choices.append(choice)
    if "choices" in raw and isinstance(listed, list) and len(listed) < 2:
        problems.add(where, "choices", t("至少需要 2 个选项", "needs at least 2 choices"))
    elif choices and not any(c.passes for c in choices):
        problems.add(where, "choices", t("没有任何选项为符合（passes: true）",
                                         "no choice passes (passes: true)"))
    return tuple(choices)


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def load_file(path: Path) -> Template:
    """Read and validate a template file (a regular file of at most 2 MB of strict JSON).
    Raises TemplateError naming the file."""
    data = jsoninput.read_file(path, kind=("检查表文件", "The checklist file"),
                               error=TemplateError)
    return parse_template(data, str(path))


# -- the store -------------------------------------------------------------------------------


def install(store: Store, template: Template) -> bool:
    """Install a template; return False if exactly this one is already installed. A checklist
    is named in the store by its content (SHA-256), so the same id and version with other
    content — here or arriving from another laptop — can never silently stand in for it."""
    with store.write():
        same = store.query("SELECT id FROM templates WHERE code = ? AND version = ?",
                           (template.code, template.version))
        if any(row["id"] == template.sha256 for row in same):
            return False
        if same:
            raise TemplateError(t(
                "检查表 {uid} 已安装（内容摘要 {old}），要安装的内容不同（{new}）；已安装的检查表"
                "不能原地修改，请提高 version 作为新版本。",
                "The checklist {uid} is already installed (content {old}) and this one differs "
                "({new}); an installed checklist is never changed in place: raise its version "
                "to make a new one.", uid=template.uid, old=same[0]["id"][:12],
                new=template.sha256[:12]))
        records.put(store, "templates", template.sha256, {
            "code": template.code,
            "version": template.version,
            "title": template.title,
            "body": template.body,
            "sha256": template.sha256,
            "installed_at": store.wall.iso(),
        })
    log.info("installed checklist %s (%s)", template.uid, template.sha256[:12])
    return True


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.json"))


def ensure_builtin(store: Store) -> None:
    """Install the checklists shipped in resources/ that are not installed yet."""
    with store.write():
        for path in builtin_files():
            install(store, load_file(path))


def get(store: Store, key: str) -> Template:
    """A checklist by its content id, a unique prefix of it, or its name ``code@vN`` (refused
    when two different checklists carry that name)."""
    cached = store.template_cache.get(key)
    if isinstance(cached, Template):
        return cached
    rows = store.query("SELECT id, body FROM templates WHERE id = ?", (key,))
    if not rows and "@v" in key:
        code, _, version = key.rpartition("@v")
        rows = store.query("SELECT id, body FROM templates WHERE code = ? AND version = ?",
                           (code, int(version) if version.isdigit() else -1))
    elif not rows and len(key) >= 6:
        rows = store.query("SELECT id, body FROM templates WHERE id LIKE ? || '%'", (key,))
    if not rows:
        raise NotFoundError(t("没有检查表 {uid}", "No checklist {uid}", uid=key))
    if len(rows) > 1:
        raise TemplateError(t(
            "有 {n} 个内容不同的检查表都叫 {uid}（{all}）：请用内容摘要指明",
            "{n} checklists with different content are all called {uid} ({all}): name one "
            "by its content id", n=len(rows), uid=key, all=", ".join(r["id"][:12] for r in rows)))
    template = parse_template(json.loads(rows[0]["body"]), key, installed=True)
    store.template_cache[key] = template
    return template


def list_installed(store: Store) -> list[dict[str, Any]]:
    """Installed checklists: ``id`` is the content id, ``name`` is ``code@vN``; ``clash`` is
    set when another checklist with other content has the same name (from another laptop)."""
    rows = store.query(
        "SELECT id, code, version, title, sha256, installed_at FROM templates"
        " ORDER BY code, version, id")
    names = [f"{r['code']}@v{r['version']}" for r in rows]
    for row, name in zip(rows, names, strict=True):
        row["name"] = name
        row["clash"] = names.count(name) > 1
    return rows


def latest(store: Store) -> Template:
    row = store.query_one("SELECT id FROM templates ORDER BY version DESC, code LIMIT 1")
    if row is None:
        ensure_builtin(store)
        row = store.query_one("SELECT id FROM templates ORDER BY version DESC, code LIMIT 1")
        if row is None:
            raise NotFoundError(t("没有安装任何检查表", "No checklist is installed"))
    return get(store, row["id"])
