"""The register of issued documents: every PDF handed over — findings report (检查情况反馈),
整改通知书, 交办单, 复查 report, district summary — with a number, an addressee and the facts
it states, signed by the laptop that issued it.

A document is issued once: its row holds the number, the issuer, the addressee, the day and
moment of issue, the canonical facts it prints (``facts`` JSON, ``sha256`` over them), the
issuing device and its Ed25519 signature over (number, facts digest, issued-at). Making the
document again for unchanged facts gives back the same number, moment and signature; changed
facts get a new number and the old document is marked superseded by the new one. Each PDF
file written for a document is recorded in ``document_files`` by the SHA-256 of its bytes,
with a digest of what each page shows (see ``pdffile.page_digests``).

Numbers: notices ``<prefix>〔<year>〕<device code>-<n>号`` (文号), sequential per issuer
prefix, year and laptop; the other kinds ``<code>-<year>-<device code>-<nnn>`` (JC 检查,
FC 复查, HZ 汇总). Two laptops issuing offline at the same time can never take the same
number, and each laptop's series has no gaps (see docs/decisions.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from inspector.core import identity, keys, records
from inspector.core.errors import InspectorError
from inspector.core.filehash import file_sha256
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import config

NOTICE, REFERRAL = "notice", "referral"
REPORT, RECHECK, SUMMARY = "report", "recheck", "summary"
KINDS = {NOTICE: ("整改通知书", "rectification notice"), REFERRAL: ("交办单", "referral"),
         REPORT: ("检查情况反馈", "findings report"), RECHECK: ("整改复查记录", "re-check record"),
         SUMMARY: ("绿色社区建设任务完成情况汇总表", "district summary")}
REFERRAL_SUFFIX = "交"  # 交办单 run in their own series: <prefix>交〔2026〕K3-1号
# Numbers of the kinds that are not official documents: pinyin initials of 检查, 复查, 汇总.
CODES = {REPORT: "JC", RECHECK: "FC", SUMMARY: "HZ"}
OFFICIAL = (NOTICE, REFERRAL)

ATTACHMENT_NAME = "gci-document.json"  # the facts, embedded in each PDF
ATTACHMENT_FORMAT = "gci-document/1"
QR_PREFIX = "GCI2"  # QR and PDF keywords: GCI2:<number>:<signature, base32>
SIGNED_FORMAT = "GCI-DOCUMENT/1"


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
    sha256: str  # of the facts (canonical JSON)
    facts: dict[str, Any]
    file_name: str
    supersedes: str | None
    fresh: bool  # issued now (False: the same facts were issued before, number kept)
    issued_at: str = ""
    device: str = ""
    signature: str = ""  # hex
    subject: str = ""

    @property
    def kind_label(self) -> str:
        zh, en = KINDS.get(self.kind, (self.kind, self.kind))
        return t(zh, en)

    def qr_payload(self) -> str:
        return qr_payload(self.number, self.signature)

    def printed_signature(self) -> str:
        """The signature as printed under the code: base32 in groups of four."""
        text = signature_text(self.signature)
        return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


# -- facts, digests and signatures ------------------------------------------------------------


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, characters kept: the same facts always give the same text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(facts: Any) -> str:
    """The SHA-256 (hex) over facts in canonical JSON."""
    return hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()


def signed_bytes(number: str, facts_sha256: str, issued_at: str) -> bytes:
    """What the issuing device signs: the number, the facts digest and the moment of issue."""
    return "\n".join((SIGNED_FORMAT, number, facts_sha256.lower(), issued_at)).encode("utf-8")


def signature_text(signature_hex: str) -> str:
    """Base32 without padding: upper-case letters and digits, so the QR code can hold it in
    its compact alphanumeric mode and a person can read it."""
    return base64.b32encode(bytes.fromhex(signature_hex)).decode("ascii").rstrip("=")


def signature_from_text(text: str) -> bytes | None:
    cleaned = "".join(text.split()).upper()
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return None


def qr_payload(number: str, signature_hex: str) -> str:
    return f"{QR_PREFIX}:{number}:{signature_text(signature_hex)}"


def parse_payload(text: str) -> tuple[str, bytes] | None:
    """(number, signature) from a QR payload or PDF keywords; None if not ours."""
    if not text.startswith(QR_PREFIX + ":"):
        return None
    number, _, signature = text[len(QR_PREFIX) + 1:].rpartition(":")
    raw = signature_from_text(signature)
    if not number or raw is None:
        return None
    return number, raw


def signature_valid(public_hex: str | None, number: str, facts_sha256: str, issued_at: str,
                    signature: bytes) -> bool:
    if not public_hex:
        return False
    return keys.verify(public_hex, signature, signed_bytes(number, facts_sha256, issued_at))


# -- the issuer -------------------------------------------------------------------------------


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


def issuer_phone(store: Store) -> str:
    """The phone a recipient calls to have a document checked (may be empty)."""
    return str(config.get(store, "issuer.phone") or "")


def issuer_name(store: Store, fallback: str) -> str:
    """Who issues a report: the office in the settings, else ``fallback`` (the inspectors)."""
    return str(config.get(store, "issuer.name") or fallback)


# -- numbers ----------------------------------------------------------------------------------


def format_number(prefix: str, year: int, device_code: str, seq: int) -> str:
    return f"{prefix}〔{year}〕{device_code}-{seq}号"


def format_plain_number(code: str, year: int, device_code: str, seq: int) -> str:
    return f"{code}-{year}-{device_code}-{seq:03d}"


def series_prefix(kind: str, base: str) -> str:
    return base + REFERRAL_SUFFIX if kind == REFERRAL else base


# -- the register -----------------------------------------------------------------------------


def current(store: Store, kind: str, subject: str, addressee_key: str
            ) -> dict[str, Any] | None:
    """The latest document of a kind about a subject (for notices: the inspection) to an
    addressee that nothing replaced."""
    return store.query_one(
        "SELECT * FROM documents WHERE kind = ? AND COALESCE(subject, inspection_id) = ?"
        " AND addressee_key = ? AND superseded_by IS NULL ORDER BY issued_at DESC LIMIT 1",
        (kind, subject, addressee_key))


def _row_document(row: dict[str, Any], fresh: bool) -> Document:
    return Document(row["id"], row["kind"], row["number"], row["issuer"], row["addressee_key"],
                    row["addressee_name"], date.fromisoformat(row["issued_on"]),
                    row["sha256"], json.loads(row["facts"]), row["file_name"],
                    row.get("supersedes"), fresh, row.get("issued_at") or "",
                    row.get("device") or "", row.get("signature") or "",
                    row.get("subject") or row.get("inspection_id") or "")


def issue(store: Store, *, kind: str, office: Issuer, inspection_id: str, addressee_key: str,
          addressee_name: str, facts: dict[str, Any], file_stem: str) -> Document:
    """An official document (notice, referral) stating ``facts`` to an addressee, numbered in
    the issuer's 文号 series."""
    if kind not in OFFICIAL:
        raise ValueError(kind)
    return issue_document(store, kind=kind, subject=inspection_id, issuer_name=office.name,
                          prefix=series_prefix(kind, office.prefix),
                          inspection_id=inspection_id, addressee_key=addressee_key,
                          addressee_name=addressee_name, facts=facts, file_stem=file_stem)


def issue_document(store: Store, *, kind: str, subject: str, issuer_name: str,
                   addressee_key: str, addressee_name: str, facts: dict[str, Any],
                   file_stem: str, inspection_id: str | None = None,
                   prefix: str | None = None) -> Document:
    """The document of ``kind`` about ``subject`` stating ``facts`` to an addressee: the one
    already issued if its facts are the same, else a new number, signed by this laptop (the
    previous one is recorded as superseded). The stated facts carry the kind, issuer and
    addressee, so the signature covers them too."""
    if kind not in KINDS:
        raise ValueError(kind)
    stated = {**facts, "document": {"kind": kind, "issuer": issuer_name,
                                    "addressee": addressee_name}}
    sha256 = digest(stated)
    key = identity.device_key(store)
    with store.write():
        before = current(store, kind, subject, addressee_key)
        # A document issued before documents were signed is issued again, signed.
        if before is not None and before["sha256"] == sha256 and before.get("signature"):
            return _row_document(before, fresh=False)
        today = store.wall.today()
        issued_at = store.wall.iso()
        code = identity.device_code(store)
        series = prefix if prefix is not None else CODES[kind]
        row = store.query_one(
            "SELECT MAX(seq) AS last FROM documents WHERE prefix = ? AND year = ?"
            " AND device_code = ?", (series, today.year, code))
        seq = int((row or {}).get("last") or 0) + 1
        number = (format_number(series, today.year, code, seq) if kind in OFFICIAL
                  else format_plain_number(series, today.year, code, seq))
        document_id = uuid.uuid4().hex
        signature = key.sign(signed_bytes(number, sha256, issued_at)).hex()
        records.put(store, "documents", document_id, {
            "kind": kind, "number": number, "issuer": issuer_name, "prefix": series,
            "year": today.year, "device_code": code, "seq": seq,
            "inspection_id": inspection_id, "addressee_key": addressee_key,
            "addressee_name": addressee_name, "facts": canonical_json(stated),
            "sha256": sha256, "issued_on": today.isoformat(),
            "file_name": f"{number}-{file_stem}.pdf",
            "supersedes": before["id"] if before else None, "subject": subject,
            "device": store.device_id, "signature": signature,
            "issued_at": issued_at, "issued_by": store.actor,
        }, current=None)
        if before is not None:
            records.put(store, "documents", before["id"], {"superseded_by": document_id})
        made = store.query_one("SELECT * FROM documents WHERE id = ?", (document_id,))
        assert made is not None
        return _row_document(made, fresh=True)


def attachment(document: Document) -> bytes:
    """The JSON embedded in the document's PDF: its register entry with the facts, so that a
    laptop with the issuer's public key can check them offline."""
    return canonical_json({
        "format": ATTACHMENT_FORMAT, "number": document.number, "kind": document.kind,
        "subject": document.subject, "device": document.device, "issuer": document.issuer,
        "addressee": document.addressee_name, "issued_at": document.issued_at,
        "facts_sha256": document.sha256, "signature": document.signature,
        "facts": document.facts,
    }).encode("utf-8")


def record_file(store: Store, document: Document, path: Path, pages: list[str],
                sha: str | None = None) -> str:
    """Register a PDF file written for ``document``: the SHA-256 of its bytes (``sha`` when
    the caller has it) and the digest of each page. Returns the file's SHA-256."""
    sha = sha or file_sha256(path)
    with store.write():
        records.put(store, "document_files", sha, {
            "document_id": document.id, "size": path.stat().st_size,
            "pages": json.dumps(pages), "written_at": store.wall.iso(),
            "written_by": store.actor})
    return sha


def of_inspection(store: Store, inspection_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM documents WHERE inspection_id = ? ORDER BY issued_at",
                       (inspection_id,))


def list_documents(store: Store, inspection_id: str | None = None) -> list[dict[str, Any]]:
    """Issued documents, newest first, each with its files and the number that replaced it."""
    where, params = ("WHERE d.inspection_id = ?", (inspection_id,)) if inspection_id \
        else ("", ())
    rows = store.query(
        "SELECT d.id, d.kind, d.number, d.issuer, d.addressee_name, d.issued_on, d.issued_at,"
        " d.issued_by, d.device, d.sha256, d.inspection_id, d.subject, d.signature,"
        " s.number AS superseded_by FROM documents d"
        f" LEFT JOIN documents s ON s.id = d.superseded_by {where}"
        " ORDER BY d.issued_at DESC, d.number", params)
    files: dict[str, list[str]] = {}
    for file in store.query("SELECT id, document_id FROM document_files ORDER BY written_at"):
        files.setdefault(file["document_id"], []).append(file["id"])
    for row in rows:
        row["files"] = files.get(row["id"], [])
        row["signed"] = bool(row.pop("signature"))
    return rows


def by_number(store: Store, number: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM documents WHERE number = ?", (number,))


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


def seal_file(store: Store, document: Document, path: Path) -> str:
    """Register a PDF written for ``document`` (with its facts embedded): the SHA-256 of its
    bytes and the digest of each page. Returns the SHA-256."""
    import mmap

    from pypdf import PdfReader

    from inspector.domain import pdffile

    with open(path, "rb") as handle, \
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        # hashlib lets go of the interpreter while it hashes: the file's SHA-256 is computed
        # on another thread while this one reads the pages (lazily, from the file).
        with ThreadPoolExecutor(max_workers=1) as pool:
            sha = pool.submit(lambda: hashlib.sha256(mapped).hexdigest())
            pages = pdffile.page_digests(PdfReader(handle))
            digest_ = sha.result()
    return record_file(store, document, path, pages, digest_)
