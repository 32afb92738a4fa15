"""Issued documents (整改通知书, 交办单): a number, an addressee and the facts they state.

A document is issued once: its row holds the number (文号), the issuer, the addressee, the
day of issue and the canonical facts it prints (``facts`` JSON, ``sha256`` over them), so a
later register of issued documents can sign and verify exactly what was handed over.
Making the documents again for unchanged facts gives back the same number and day; changed
facts get a new number and the old document is marked superseded by the new one.

Numbers: ``<prefix>〔<year>〕<device code>-<n>号``, sequential per issuer prefix, year and
laptop. Two laptops issuing offline at the same time can never take the same number, and
each laptop's series has no gaps (see docs/decisions.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspector.core import identity, records
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import config

NOTICE, REFERRAL = "notice", "referral"
KINDS = {NOTICE: ("整改通知书", "rectification notice"), REFERRAL: ("交办单", "referral")}
REFERRAL_SUFFIX = "交"  # 交办单 run in their own series: <prefix>交〔2026〕K3-1号

@dataclass(frozen=True)
class Issuer:
    name: str  # 发文机关
    prefix: str  # 文号前缀 (机关代字)
    contact: str
    phone: str


@dataclass(frozen=True)
class Document:
    id: str
    kind: str
    number: str
    issuer: str
    addressee_key: str
    addressee_name: str
    issued_on: date
    sha256: str
    facts: dict[str, Any]
    file_name: str
    supersedes: str | None
    fresh: bool  # issued now (False: the same facts were issued before, number kept)


def issuer(store: Store) -> Issuer:
    """The team's issuing office; refuses when the settings a notice needs are missing."""
    values = {k: config.get(store, f"issuer.{k}") for k in ("name", "prefix", "contact",
                                                             "phone")}
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise InspectorError(t(
            "发文设置不完整，缺少：{m}。请在“设置”中填写，或用 inspector config set issuer.{k} …",
            "The issuer settings are incomplete, missing: {m}. Fill them in the Settings, or "
            "run inspector config set issuer.{k} …",
            m=", ".join(f"issuer.{k}" for k in missing), k=missing[0]))
    return Issuer(str(values["name"]), str(values["prefix"]), str(values["contact"]),
                  str(values["phone"]))


def format_number(prefix: str, year: int, device_code: str, seq: int) -> str:
    return f"{prefix}〔{year}〕{device_code}-{seq}号"


def series_prefix(kind: str, base: str) -> str:
    return base + REFERRAL_SUFFIX if kind == REFERRAL else base


def current(store: Store, kind: str, inspection_id: str, addressee_key: str
            ) -> dict[str, Any] | None:
    """The latest document of a kind for an inspection and addressee that nothing replaced."""
    return store.query_one(
        "SELECT * FROM documents WHERE kind = ? AND inspection_id = ? AND addressee_key = ?"
        " AND superseded_by IS NULL ORDER BY issued_at DESC LIMIT 1",
        (kind, inspection_id, addressee_key))


def _row_document(row: dict[str, Any], fresh: bool) -> Document:
    return Document(row["id"], row["kind"], row["number"], row["issuer"], row["addressee_key"],
                    row["addressee_name"], date.fromisoformat(row["issued_on"]),
                    row["sha256"], json.loads(row["facts"]), row["file_name"],
                    row.get("supersedes"), fresh)


def issue(store: Store, *, kind: str, office: Issuer, inspection_id: str, addressee_key: str,
          addressee_name: str, facts: dict[str, Any], sha256: str, file_stem: str) -> Document:
    """The document stating ``facts`` to an addressee: the one already issued if its facts
    are the same, else a new number (the previous one is recorded as superseded)."""
    if kind not in KINDS:
        raise ValueError(kind)
    with store.write():
        before = current(store, kind, inspection_id, addressee_key)
        if before is not None and before["sha256"] == sha256:
            return _row_document(before, fresh=False)
        today = store.wall.today()
        code = identity.device_code(store)
        prefix = series_prefix(kind, office.prefix)
        row = store.query_one(
            "SELECT MAX(seq) AS last FROM documents WHERE prefix = ? AND year = ?"
            " AND device_code = ?", (prefix, today.year, code))
        seq = int((row or {}).get("last") or 0) + 1
        number = format_number(prefix, today.year, code, seq)
        document_id = uuid.uuid4().hex
        file_name = f"{number}-{file_stem}.pdf"
        records.put(store, "documents", document_id, {
            "kind": kind, "number": number, "issuer": office.name, "prefix": prefix,
            "year": today.year, "device_code": code, "seq": seq,
            "inspection_id": inspection_id, "addressee_key": addressee_key,
            "addressee_name": addressee_name,
            "facts": json.dumps(facts, ensure_ascii=False, sort_keys=True),
            "sha256": sha256, "issued_on": today.isoformat(), "file_name": file_name,
            "supersedes": before["id"] if before else None,
            "issued_at": store.wall.iso(), "issued_by": store.actor,
        }, current=None)
        if before is not None:
            records.put(store, "documents", before["id"], {"superseded_by": document_id})
        made = store.query_one("SELECT * FROM documents WHERE id = ?", (document_id,))
        assert made is not None
        return _row_document(made, fresh=True)


def of_inspection(store: Store, inspection_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM documents WHERE inspection_id = ? ORDER BY issued_at",
                       (inspection_id,))


def notice_numbers(store: Store, finding_ids: list[str]) -> dict[str, str]:
    """The current notice number that lists each finding (for the ledger)."""
    wanted = set(finding_ids)
    found: dict[str, str] = {}
    for row in store.query("SELECT number, facts FROM documents WHERE kind = ?"
                           " AND superseded_by IS NULL ORDER BY issued_at", (NOTICE,)):
        for item in json.loads(row["facts"]).get("items", []):
            if item.get("finding") in wanted:
                found[item["finding"]] = row["number"]
    return found
