"""The declared schema of a checklist template file (pydantic v2).

Every template — a file being installed, or the body of an installed one — passes these
models before the program builds a ``Template`` from it. The schema declares the shape
(fields, types, answer kinds), and the limits that keep hostile or broken files out: finite
numbers only, bounded lengths and counts, no control characters in text, codes unique
without regard to case (``A01`` and ``a01`` would be one item to a person), departments
that exist, ``min`` ≤ ``max``.

``problems(data)`` returns every problem as (where, field, problem), where "where" names the
part of the file the way templates.py does (检查项 B05, 部门 #2 …), so a person can find it.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from inspector.core.i18n import t

MAX_ID_CHARS = 64
MAX_TEXT_CHARS = 2000
MAX_SECTIONS = 100
MAX_ITEMS_PER_SECTION = 500
MAX_DEPARTMENTS = 100
MAX_SEVERITIES = 20
MAX_CATEGORIES = 500
MAX_CHOICES = 20
MAX_NUMBER = 1e9
MAX_VERSION = 10**6
MAX_DEADLINE_DAYS = 3650
MAX_SAMPLE = 10**6

ANSWER_TYPES_V1 = ("yes_no_na", "yes_no", "number")
V2_ITEM_FIELDS = ("choices", "sample_unit", "min_sample", "deduct", "encouraged")

# Bidirectional overrides can make a code read as something else on screen.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _problem(field: str, zh: str, en: str, **params: Any) -> PydanticCustomError:
    """A problem found by a model validator, with the field it is about."""
    return PydanticCustomError("template_rule", "{problem}",
                               {"field": field, "problem": t(zh, en, **params)})


def _no_control(allow_lines: bool) -> AfterValidator:
    def check(value: str) -> str:
        for char in value:
            if allow_lines and char in "\n\t":
                continue
            if unicodedata.category(char) == "Cc" or char in _BIDI:
                raise PydanticCustomError("control_char", "control character {c}",
                                          {"c": f"U+{ord(char):04X}"})
        return value
    return AfterValidator(check)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


Code = Annotated[str, Field(max_length=MAX_ID_CHARS), AfterValidator(_not_blank),
                 _no_control(False)]
Name = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank),
                 _no_control(False)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), _no_control(True)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
Percent = Annotated[float, Field(allow_inf_nan=False, ge=0, le=100)]
Points = Annotated[float, Field(allow_inf_nan=False, ge=0, le=MAX_NUMBER)]


class _Spec(BaseModel):
    # strict: a weight of "5" or true is wrong, not coerced; unknown fields (notes, source) pass
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class NamedSpec(_Spec):
    code: Code
    name: Name
    name_en: Text | None = None


class SeveritySpec(NamedSpec):
    deadline_days: Annotated[int, Field(ge=0, le=MAX_DEADLINE_DAYS)]


class PassIfSpec(_Spec):
    op: Literal[">=", "<=", ">", "<", "=="]
    value: Number


class DeductSpec(_Spec):
    per: Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_NUMBER)]
    cap: Annotated[float, Field(allow_inf_nan=False, gt=0, le=MAX_NUMBER)]


class ChoiceSpec(_Spec):
    code: Code
    name: Name
    name_en: Text | None = None
    passes: bool


class ItemSpec(_Spec):
    code: Code
    answer_type: Literal["yes_no_na", "yes_no", "number", "choice", "sample", "count"]
    text: Name
    text_en: Text | None = None
    guidance: Text | None = None
    clause: Name
    key: bool = False
    photo_on_fail: Literal["required", "optional", "none"] = "none"
    departments: Annotated[list[Code], Field(min_length=1, max_length=MAX_DEPARTMENTS)]
    weight: Points
    unit: Text | None = None
    min: Number | None = None
    max: Number | None = None
    pass_if: PassIfSpec | None = None
    choices: Annotated[list[ChoiceSpec], Field(min_length=2, max_length=MAX_CHOICES)] | None \
        = None
    sample_unit: Text | None = None
    min_sample: Annotated[int, Field(ge=1, le=MAX_SAMPLE)] | None = None
    deduct: DeductSpec | None = None
    encouraged: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ItemSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _problem("min", "最小值 {lo:g} 大于最大值 {hi:g}",
                           "the minimum {lo:g} is above the maximum {hi:g}",
                           lo=self.min, hi=self.max)
        _unique([c.code for c in self.choices or ()], "choices",
                "选项编号 {c} 重复（不区分大小写）", "duplicate choice code {c} (case aside)")
        if self.answer_type == "choice" and self.choices is None:
            raise _problem("choices", "缺少", "missing")
        if self.answer_type == "sample" and self.pass_if is None:
            raise _problem("pass_if", "抽查项必须给出合格率规则 pass_if",
                           "sample items need pass_if (the pass rule on the rate)")
        if self.answer_type == "count" and self.deduct is None:
            raise _problem("deduct", "缺少", "missing")
        return self


class SectionSpec(_Spec):
    code: Code
    title: Name
    title_en: Text | None = None
    clause: Text | None = None
    items: Annotated[list[ItemSpec], Field(max_length=MAX_ITEMS_PER_SECTION)]


class CategorySpec(NamedSpec):
    department: Code
    severity: Code
    items: Annotated[list[Code], Field(max_length=MAX_ITEMS_PER_SECTION)] = []


class RuleSpec(_Spec):
    key_items_must_pass: bool
    min_score_percent: Percent
    bonus_max: Percent = 0.0


class TemplateSpec(_Spec):
    format: Literal[1, 2]
    id: Code
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)]
    title: Name
    title_en: Text | None = None
    departments: Annotated[list[NamedSpec], Field(max_length=MAX_DEPARTMENTS)]
    severities: Annotated[list[SeveritySpec], Field(max_length=MAX_SEVERITIES)]
    sections: Annotated[list[SectionSpec], Field(min_length=1, max_length=MAX_SECTIONS)]
    hazard_categories: Annotated[list[CategorySpec], Field(max_length=MAX_CATEGORIES)]
    rule: RuleSpec

    @model_validator(mode="after")
    def _consistent(self) -> TemplateSpec:
        _unique([d.code for d in self.departments], "departments",
                "部门编号 {c} 重复（不区分大小写）", "duplicate department code {c} (case aside)")
        _unique([s.code for s in self.severities], "severities",
                "严重程度编号 {c} 重复（不区分大小写）", "duplicate severity code {c} (case aside)")
        _unique([s.code for s in self.sections], "sections",
                "部分编号 {c} 重复（不区分大小写）", "duplicate section code {c} (case aside)")
        _unique([i.code for s in self.sections for i in s.items], "code",
                "检查项编号 {c} 重复（不区分大小写）", "duplicate item code {c} (case aside)")
        _unique([c.code for c in self.hazard_categories], "hazard_categories",
                "隐患类别编号 {c} 重复（不区分大小写）",
                "duplicate hazard category code {c} (case aside)")
        departments = {d.code for d in self.departments}
        severities = {s.code for s in self.severities}
        items = {i.code for s in self.sections for i in s.items}
        for section in self.sections:
            for item in section.items:
                for department in item.departments:
                    if department not in departments:
                        raise _problem("departments", "检查项 {i} 的部门 {d} 未定义",
                                       "item {i}: unknown department {d}",
                                       i=item.code, d=department)
                if self.format < 2:
                    used = [name for name in V2_ITEM_FIELDS if name in item.model_fields_set]
                    if used or item.answer_type not in ANSWER_TYPES_V1:
                        raise _problem(used[0] if used else "answer_type",
                                       "检查项 {i} 需要 \"format\": 2",
                                       "item {i} needs \"format\": 2", i=item.code)
        for category in self.hazard_categories:
            unknown = [c for c in category.items if c not in items]
            if category.department not in departments or category.severity not in severities \
                    or unknown:
                raise _problem("hazard_categories",
                               "隐患类别 {c} 指向未定义的部门、严重程度或检查项",
                               "hazard category {c} names an unknown department, severity "
                               "or item", c=category.code)
        if self.format < 2 and "bonus_max" in self.rule.model_fields_set:
            raise _problem("rule.bonus_max", "需要 \"format\": 2", "needs \"format\": 2")
        return self


def _unique(codes: list[str], field: str, zh: str, en: str) -> None:
    seen: set[str] = set()
    for code in codes:
        folded = code.casefold()
        if folded in seen:
            raise _problem(field, zh, en, c=code)
        seen.add(folded)


# -- errors in words -------------------------------------------------------------------------


def problems(data: Any) -> list[tuple[str, str, str]]:
    """Every problem the schema finds in template ``data``: (where, field, problem)."""
    try:
        TemplateSpec.model_validate(data)
    except ValidationError as exc:
        return [_describe(error, data) for error in exc.errors(include_url=False)]
    except (RecursionError, OverflowError):
        return [(t("模板", "template"), "-", t("嵌套过深或数字过大", "nested too deeply or a "
                                                               "number too large"))]
    return []


def first_problem(data: Any) -> str | None:
    """The first problem as one sentence, or None when the data fits the schema."""
    found = problems(data)
    if not found:
        return None
    where, field, problem = found[0]
    return t("{where}，字段 {field}：{problem}", "{where}, field {field}: {problem}",
             where=where, field=field, problem=problem)


_SECTIONS = {
    "departments": ("部门 #{i}", "department #{i}"),
    "severities": ("严重程度 #{i}", "severity #{i}"),
    "hazard_categories": ("隐患类别 #{i}", "hazard category #{i}"),
}


def _code_of(node: Any) -> str:
    code = node.get("code") if isinstance(node, dict) else None
    return code if isinstance(code, str) and code.strip() and len(code) <= MAX_ID_CHARS else ""


def _locate(loc: tuple[int | str, ...], data: Any) -> tuple[str, list[str]]:
    """Name the part of the file ``loc`` points into, as templates.py names it; return that
    and the rest of the path (the field)."""
    where = t("模板", "template")
    rest = list(loc)
    if len(rest) >= 2 and rest[0] in _SECTIONS and isinstance(rest[1], int):
        name, index = str(rest[0]), rest[1]
        node = _at(data, [name, index])
        code = _code_of(node)
        if name == "hazard_categories" and code:
            where = t("隐患类别 {c}", "hazard category {c}", c=code)
        else:
            zh, en = _SECTIONS[name]
            where = t(zh, en, i=index + 1)
        return where, [str(p) for p in rest[2:]]
    if len(rest) >= 2 and rest[0] == "sections" and isinstance(rest[1], int):
        section = _at(data, rest[:2])
        s_code = _code_of(section)
        where = t("部分 {c}", "section {c}", c=s_code) if s_code else \
            t("第 {i} 部分", "section #{i}", i=rest[1] + 1)
        if len(rest) >= 4 and rest[2] == "items" and isinstance(rest[3], int):
            item = _at(data, rest[:4])
            code = _code_of(item)
            where = t("检查项 {c}", "item {c}", c=code) if code else \
                t("{s} 第 {i} 项", "{s} item #{i}", s=where, i=rest[3] + 1)
            if len(rest) >= 6 and rest[4] == "choices" and isinstance(rest[5], int):
                where = t("{w} 选项 #{i}", "{w} choice #{i}", w=where, i=rest[5] + 1)
                return where, [str(p) for p in rest[6:]]
            return where, [str(p) for p in rest[4:]]
        return where, [str(p) for p in rest[2:]]
    if rest and rest[0] == "rule":
        return t("达标规则", "rule"), [str(p) for p in rest[1:]]
    return where, [str(p) for p in rest]


def _at(data: Any, path: list[int | str]) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


_TYPES = {
    "string_type": ("文字", "text"),
    "int_type": ("整数", "an integer"),
    "float_type": ("数字", "a number"),
    "bool_type": ("true/false", "true/false"),
    "list_type": ("列表", "a list"),
    "dict_type": ("对象", "an object"),
    "model_type": ("对象", "an object"),
    "model_attributes_type": ("对象", "an object"),
}


def _describe(error: Any, data: Any) -> tuple[str, str, str]:
    kind = str(error["type"])
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    # a model validator names its own field; drop the union/function tags pydantic adds
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and (
        p.startswith("function-") or p in ("constrained-str", "list[...]", "none"))))
    where, path = _locate(loc, data)
    if kind == "template_rule":
        path = [*path, str(ctx["field"])] if ctx.get("field") else path
        problem = str(ctx["problem"])
    else:
        problem = _problem_text(kind, ctx, str(error.get("msg", "")))
    return where, ".".join(path) or "-", problem


def _problem_text(kind: str, ctx: dict[str, Any], message: str) -> str:
    if kind == "missing":
        return t("缺少", "missing")
    if kind in _TYPES:
        zh, en = _TYPES[kind]
        return t("应为{e}", "must be {e}", e=t(zh, en))
    if kind == "literal_error":
        return t("应为 {all}", "must be one of {all}", all=ctx.get("expected", ""))
    if kind == "string_too_long":
        return t("太长（最多 {n} 个字）", "too long (at most {n} characters)",
                 n=ctx.get("max_length"))
    if kind == "too_long":
        return t("太多（最多 {n} 项）", "too many (at most {n})", n=ctx.get("max_length"))
    if kind == "too_short":
        return t("至少需要 {n} 个", "needs at least {n}", n=ctx.get("min_length"))
    if kind == "blank":
        return t("不能为空", "must not be empty")
    if kind == "control_char":
        return t("含有控制字符 {c}", "contains the control character {c}", c=ctx.get("c"))
    if kind == "finite_number":
        return t("应为有限的数字（不能是 NaN 或无穷大）", "must be a finite number (not NaN "
                 "or infinity)")
    bounds = {"greater_than_equal": ("≥", "ge"), "less_than_equal": ("≤", "le"),
              "greater_than": (">", "gt"), "less_than": ("<", "lt")}
    if kind in bounds:
        sign, key = bounds[kind]
        return t("应 {s} {v}", "must be {s} {v}", s=sign, v=ctx.get(key))
    return message
