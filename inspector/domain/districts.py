"""Ningbo's districts and counties, with the short codes used in human-readable ids."""

from __future__ import annotations

NINGBO_DISTRICTS: dict[str, str] = {
    "海曙区": "HS",
    "江北区": "JB",
    "镇海区": "ZH",
    "北仑区": "BL",
    "鄞州区": "YZ",
    "奉化区": "FH",
    "余姚市": "YY",
    "慈溪市": "CX",
    "宁海县": "NH",
    "象山县": "XS",
}


def district_code(district: str) -> str:
    """Short code for ids like HS-20261129-003; districts outside the list get ``XX``."""
    if district in NINGBO_DISTRICTS:
        return NINGBO_DISTRICTS[district]
    for name, code in NINGBO_DISTRICTS.items():
        if name.rstrip("区市县") == district.rstrip("区市县"):
            return code
    return "XX"
