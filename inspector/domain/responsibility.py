"""Who fixes a finding, and who supervises it.

A hazard is fixed by a *responsible party*: the estate's property company (物业) for common
areas, the community's residents' committee (居委会) where there is no property company, or
an owner unit (业主/权属单位: the owner of a manhole, of a cable, a shop) typed by hand. A
department (消防, 综合执法 …) supervises and receives a 交办单. The defaults per hazard category
follow Zhejiang practice (see docs/decisions.md); both stay editable per finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import estates

PROPERTY, COMMUNITY, OWNER = "property", "community", "owner"
KINDS = (PROPERTY, COMMUNITY, OWNER)
KIND_NAMES = {PROPERTY: ("物业服务企业", "property company"),
              COMMUNITY: ("社区居委会", "residents' committee"),
              OWNER: ("业主/权属单位", "owner unit")}

# Hazard category → (who fixes it, which department supervises). Department codes are the
# checklist's (执法 = 综合行政执法) or the directory's (供电, 排水 …).
ROUTING: dict[str, tuple[str, str]] = {
    "fire_lane_blocked": (PROPERTY, "消防"),
    "corridor_clutter": (PROPERTY, "消防"),
    "ebike_indoor_charging": (PROPERTY, "消防"),
    "garbage_piles": (PROPERTY, "执法"),
    "bin_overflow_damaged": (PROPERTY, "执法"),
    "waste_sorting_improper": (PROPERTY, "城管/分类办"),
    "illegal_construction": (OWNER, "执法"),
    "green_space_damaged": (PROPERTY, "执法"),
    "disorderly_parking": (PROPERTY, "公安"),
    "road_damaged": (PROPERTY, "住建"),
    "manhole_cover_damaged": (OWNER, "住建"),
    "overhead_wires_messy": (OWNER, "住建"),
    "sewage_overflow": (PROPERTY, "排水"),
    "waterlogging": (PROPERTY, "住建"),
    "lighting_broken": (PROPERTY, "住建"),
    "accessibility_obstructed": (PROPERTY, "执法"),
    "fitness_equipment_damaged": (COMMUNITY, "街道"),
    "noise_nuisance": (OWNER, "执法"),
    "cooking_fume_nuisance": (OWNER, "执法"),
    "heritage_tree_damaged": (PROPERTY, "住建"),
    "elevator_inspection_overdue": (PROPERTY, "市监"),
    "other": (PROPERTY, "街道"),
}


@dataclass(frozen=True)
class Party:
    kind: str
    name: str
    estate_id: str | None = None

    def label(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """What groups findings into one notice: the party's kind and name."""
        return f"{self.kind}:{self.name}"


def committee_name(community: dict[str, Any]) -> str:
    return f"{community['name']}居民委员会"


def default_party(store: Store, community: dict[str, Any], estate_id: str | None,
                  category: str | None = None) -> Party:
    """The estate's property company, else the community's 居委会. An owner-fixed category
    still defaults to them until someone types the owner: a notice needs an addressee."""
    if estate_id:
        estate = estates.get(store, estate_id)
        if estate.get("property_company") and estate.get("property_type") != "无":
            return Party(PROPERTY, str(estate["property_company"]), estate_id)
    return Party(COMMUNITY, committee_name(community), estate_id)


OWNER_PREFIXES = ("业主:", "业主：", "owner:", "权属单位:", "权属单位：")
PROPERTY_WORDS = ("物业", "property")
COMMUNITY_WORDS = ("社区", "居委会", "community")


def parse_party(store: Store, community: dict[str, Any], text: str,
                estate_id: str | None) -> Party:
    """A responsible party as typed: 物业 / 社区 / a known property company or 居委会 name /
    业主:名称 for an owner unit. Anything else is refused, listing the choices."""
    value = text.strip()
    for prefix in OWNER_PREFIXES:
        if value.lower().startswith(prefix):
            name = value[len(prefix):].strip()
            if not name or len(name) > 100:
                break
            return Party(OWNER, name, estate_id)
    if value.lower() in PROPERTY_WORDS:
        party = default_party(store, community, estate_id)
        if party.kind != PROPERTY:
            raise InspectorError(t("该小区没有登记物业企业；请先用 estates add 登记，或写明责任方",
                                   "The estate has no property company registered; add it "
                                   "with estates add, or name the party"))
        return party
    if value.lower() in COMMUNITY_WORDS or value == committee_name(community):
        return Party(COMMUNITY, committee_name(community), estate_id)
    companies = {str(e["property_company"]): e["id"] for e in
                 estates.list_estates(store, community["id"]) if e.get("property_company")}
    if value in companies:
        return Party(PROPERTY, value, estate_id or companies[value])
    choices = "、".join(["物业", "社区", *companies])
    raise InspectorError(t(
        "未知的责任方“{p}”。可用：{choices}，或“业主:单位名称”（业主或权属单位）",
        "Unknown responsible party {p!r}. Use {choices} (物业 = the estate's property "
        "company, 社区 = the residents' committee), or 'owner:NAME' for an owner unit",
        p=value, choices=choices))


def party_of(store: Store, finding: dict[str, Any],
             community: dict[str, Any] | None = None) -> Party:
    """The finding's responsible party: as recorded, else the default for its estate."""
    if finding.get("party_name") and finding.get("party_kind") in KINDS:
        return Party(str(finding["party_kind"]), str(finding["party_name"]),
                     finding.get("estate_id"))
    if community is None:
        row = store.query_one("SELECT c.* FROM communities c JOIN inspections i"
                              " ON i.community_id = c.id WHERE i.id = ?",
                              (finding["inspection_id"],))
        community = row or {"name": "", "id": ""}
    return default_party(store, community, finding.get("estate_id"))


def kind_label(kind: str) -> str:
    names = KIND_NAMES.get(kind)
    return t(names[0], names[1]) if names else kind


