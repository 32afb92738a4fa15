"""Is this PDF a document this team issued, as it was issued?

Three answers (``Verdict.outcome``):

- **genuine**: the file is byte for byte a PDF written for a document in the register, and
  the register's entry carries a valid signature of the issuing device (exit status 0);
- **altered**: the file claims to be (or reads as) document N, but differs from it as
  issued: its pages, its attached facts, or only its bytes (a re-saved copy) (exit 1);
- **not ours**: no document of this team: not a PDF, no facts of ours attached, or signed by
  a device not on the roster (exit 1).

A fourth, rarer answer, **unconfirmed** (exit 1): the attached facts carry a valid signature
of a teammate's device, but this laptop's register does not hold the document yet, so it
cannot say whether the pages are as issued; syncing and checking again settles it.

Works on every laptop of the team: the register and the roster (public keys) sync. The
checks read the file once and never write anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core import identity
from inspector.core.errors import InspectorError
from inspector.core.i18n import language, t
from inspector.core.keys import fingerprint
from inspector.core.store import Store
from inspector.domain import documents, pdffile

log = logging.getLogger(__name__)

GENUINE, ALTERED, NOT_OURS, UNCONFIRMED = "genuine", "altered", "not-ours", "unconfirmed"
MAX_BYTES = 2 * 1024 ** 3  # a PDF larger than this is no report of ours


@dataclass
class Verdict:
    path: Path
    outcome: str
    reason: str  # a short code: the why (resaved, pages, facts, no-data, not-pdf …)
    detail: str = ""  # the why in words
    number: str | None = None
    kind: str | None = None
    issuer: str | None = None
    addressee: str | None = None
    issued_on: str | None = None
    superseded_by: str | None = None
    pages_changed: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.outcome == GENUINE else 1

    @property
    def ok(self) -> bool:
        return self.outcome == GENUINE

    def headline(self) -> str:
        if self.outcome == GENUINE:
            day = _day_text(self.issued_on)
            return t("真实且未被改动：{n}，由 {i} 于 {d} 发给 {a}",
                     "Genuine and unaltered: {n}, issued by {i} on {d} to {a}",
                     n=self.number, i=self.issuer, d=day, a=self.addressee)
        if self.outcome == ALTERED:
            return t("已被改动：此文件与所发出的文件 {n} 不一致",
                     "Altered: this file differs from document {n} as issued", n=self.number)
        if self.outcome == UNCONFIRMED:
            return t("无法确认：{n} 的签名有效，但本机的发文登记中还没有这份文件",
                     "Cannot confirm: {n} carries a valid signature, but this laptop's "
                     "register does not hold the document yet", n=self.number)
        return t("不是本团队发出的文件", "Not a document issued by this team")

    def message(self) -> str:
        """The headline, then the why; names the file."""
        lines = [f"{self.path}: {self.headline()}"]
        if self.detail:
            lines.append(self.detail)
        if self.superseded_by:
            lines.append(t("注意：此文件已被 {n} 取代（内容有更新），请以新文件为准。",
                           "Note: this document was superseded by {n} (its facts changed); "
                           "the newer one applies.", n=self.superseded_by))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "outcome": self.outcome, "reason": self.reason,
                "message": self.headline(), "detail": self.detail, "number": self.number,
                "kind": self.kind, "issuer": self.issuer, "addressee": self.addressee,
                "issued_on": self.issued_on, "superseded_by": self.superseded_by,
                "pages_changed": self.pages_changed}


def _day_text(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = (int(p) for p in iso[:10].split("-"))
    if language() == "en":
        return f"{year}-{month:02d}-{day:02d}"
    return f"{year}年{month}月{day}日"


def read_file(path: Path) -> bytes:
    """The file's bytes; a missing, unreadable or huge file is refused with a message."""
    path = Path(path)
    try:
        if path.is_dir():
            raise InspectorError(t("{f} 是文件夹，不是 PDF 文件", "{f} is a folder, not a PDF "
                                   "file", f=path))
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InspectorError(t("{f} 太大（{m} MB），不是本程序生成的文件",
                                   "{f} is too large ({m} MB) to be a document of ours",
                                   f=path, m=size // 1_000_000))
        return path.read_bytes()
    except FileNotFoundError:
        raise InspectorError(t("找不到文件 {f}", "No such file: {f}", f=path)) from None
    except OSError as exc:
        raise InspectorError(t("无法读取 {f}：{e}", "Cannot read {f}: {e}", f=path,
                               e=exc.strerror or exc)) from exc


def verify(store: Store, path: Path) -> Verdict:
    """Check one file against the register and the roster (see the module's docstring)."""
    path = Path(path)
    data = read_file(path)
    sha = hashlib.sha256(data).hexdigest()
    known = store.query_one("SELECT * FROM document_files WHERE id = ?", (sha,))
    try:
        opened = pdffile.open_pdf(path, data)
    except pdffile.PdfProblem as exc:
        if known is None:
            return Verdict(path, NOT_OURS, exc.reason, str(exc))
        opened = None
    if known is not None:
        row = store.query_one("SELECT * FROM documents WHERE id = ?", (known["document_id"],))
        if row is not None:
            return _registered(store, path, row)
    assert opened is not None
    claim = _claim(path, opened)
    if isinstance(claim, Verdict):
        return claim
    return _against_register(store, path, opened, claim)


@dataclass
class _Claim:
    """What the file's attached data say about it."""

    number: str
    device: str
    issued_at: str
    facts_sha256: str
    signature: bytes
    facts: Any
    issuer: str
    addressee: str
    kind: str
    intact: bool  # the facts hash to facts_sha256
    problem: str = ""


def _claim(path: Path, opened: pdffile.OpenedPdf) -> _Claim | Verdict:
    raw = pdffile.attachment(opened.reader, documents.ATTACHMENT_NAME)
    payload = documents.parse_payload(pdffile.keywords(opened.reader))
    if raw is None:
        if payload is not None:
            return Verdict(path, ALTERED, "no-data", t(
                "文件中嵌入的文件数据（{a}）已被删除。", "The document data embedded in the "
                "file ({a}) were removed.", a=documents.ATTACHMENT_NAME), number=payload[0])
        if opened.truncated:
            return Verdict(path, NOT_OURS, "truncated", t(
                "{f} 不完整（文件被截断），其中没有本程序的文件数据；请索取完整的文件。",
                "{f} is incomplete (cut short) and carries no document data of this "
                "program; ask for the complete file.", f=path.name))
        return Verdict(path, NOT_OURS, "no-data", t(
            "{f} 中没有“绿色社区巡查”发出文件时嵌入的数据。",
            "{f} carries none of the data Green Community Inspector embeds in the documents "
            "it issues.", f=path.name))
    number = payload[0] if payload else None
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != documents.ATTACHMENT_FORMAT:
            raise ValueError("not our format")
        signature = bytes.fromhex(str(data["signature"]))
        facts = data["facts"]
        claim = _Claim(str(data["number"]), str(data["device"]), str(data["issued_at"]),
                       str(data["facts_sha256"]), signature, facts, str(data.get("issuer")),
                       str(data.get("addressee")), str(data.get("kind")),
                       documents.digest(facts) == str(data["facts_sha256"]))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        log.info("unreadable attachment in %s: %s", path, exc)
        if number is None:
            return Verdict(path, NOT_OURS, "bad-data", t(
                "{f} 中嵌入的文件数据（{a}）无法读取。", "The document data embedded in {f} "
                "({a}) cannot be read.", f=path.name, a=documents.ATTACHMENT_NAME))
        return Verdict(path, ALTERED, "facts", t(
            "文件中嵌入的文件数据已损坏或被改动，无法读取。", "The document data embedded in "
            "the file are damaged or were changed and cannot be read."), number=number)
    if number is not None and number != claim.number:
        claim.problem = "number"
    return claim


def _against_register(store: Store, path: Path, opened: pdffile.OpenedPdf, claim: _Claim
                      ) -> Verdict:
    key = identity.signing_key(store, claim.device)
    rows = documents.by_number(store, claim.number)
    row = next((r for r in rows if r.get("device") == claim.device), rows[0] if rows else None)
    signed = claim.intact and documents.signature_valid(
        key, claim.number, claim.facts_sha256, claim.issued_at, claim.signature)
    if key is None:
        if row is not None:
            return _registered(store, path, row)  # the issuer's key is unknown: unconfirmed
        return Verdict(path, NOT_OURS, "unknown-device", t(
            "文件由不在本团队设备名单上的设备签发（设备 {d}）。",
            "It was signed by a device that is not on this team's roster (device {d}).",
            d=claim.device[:8]), number=claim.number)
    if row is None:
        if not signed:
            return Verdict(path, ALTERED, "facts", t(
                "文件中嵌入的数据与签名不符：数据在签发后被改动过。",
                "The data embedded in the file do not match their signature: they were "
                "changed after signing."), number=claim.number)
        return Verdict(path, UNCONFIRMED, "not-registered", t(
            "请先同步，再核验一次。", "Sync, then check again."), number=claim.number,
            kind=claim.kind, issuer=claim.issuer, addressee=claim.addressee,
            issued_on=claim.issued_at[:10])
    verdict = _registered(store, path, row)
    verdict.outcome, verdict.detail = ALTERED, ""
    if not signed or claim.problem or claim.facts_sha256 != row["sha256"] \
            or claim.device != row.get("device"):
        verdict.reason = "facts"
        verdict.detail = t("文件中嵌入的数据与签发时不一致（内容或签名被改动）。",
                           "The data embedded in the file are not those it was issued with "
                           "(their content or signature was changed).")
        return verdict
    pages = pdffile.page_digests(opened.reader)
    issued = [json.loads(f["pages"] or "[]") for f in store.query(
        "SELECT pages FROM document_files WHERE document_id = ?", (row["id"],))]
    if any(pages == known for known in issued):
        verdict.reason = "resaved"
        verdict.detail = t(
            "各页内容与签发时相同，但文件被其他程序重新保存过，已不是签发的原文件。"
            "请向发文单位索取原文件。",
            "Its pages show the same as when it was issued, but the file was saved again by "
            "another program and is no longer the file issued. Ask the issuer for the "
            "original file.")
        return verdict
    reference: list[str] = min(issued, key=lambda known: _differing(pages, known),
                               default=[])
    verdict.pages_changed = [i + 1 for i in range(max(len(pages), len(reference)))
                             if i >= len(pages) or i >= len(reference)
                             or pages[i] != reference[i]]
    verdict.reason = "pages"
    if reference and len(pages) != len(reference):
        verdict.detail = t("页数不同：签发时 {a} 页，此文件 {b} 页。",
                           "The page count differs: {a} as issued, {b} in this file.",
                           a=len(reference), b=len(pages))
    else:
        verdict.detail = t("第 {p} 页的内容与签发时不同（文字、图片或批注被改动）。",
                           "Page {p} differs from the document as issued (text, pictures or "
                           "annotations were changed).",
                           p=("、" if language() != "en" else ", ").join(
                               str(p) for p in verdict.pages_changed))
    return verdict


def _differing(pages: list[str], known: list[str]) -> int:
    return sum(1 for a, b in zip(pages, known, strict=False) if a != b) + abs(
        len(pages) - len(known))


def _registered(store: Store, path: Path, row: dict[str, Any]) -> Verdict:
    """The verdict for a file registered for ``row``: genuine if the register's entry is
    signed by the issuing device."""
    successor = None
    if row.get("superseded_by"):
        later = store.query_one("SELECT number FROM documents WHERE id = ?",
                                (row["superseded_by"],))
        successor = later["number"] if later else None
    verdict = Verdict(path, GENUINE, "ok", number=row["number"], kind=row["kind"],
                      issuer=row["issuer"], addressee=row["addressee_name"],
                      issued_on=row.get("issued_at") or row["issued_on"],
                      superseded_by=successor)
    key = identity.signing_key(store, row.get("device") or "")
    signature = row.get("signature") or ""
    try:
        raw = bytes.fromhex(signature)
    except ValueError:
        raw = b""
    if not documents.signature_valid(key, row["number"], row["sha256"],
                                     row.get("issued_at") or "", raw):
        verdict.outcome, verdict.reason = UNCONFIRMED, "unsigned"
        verdict.detail = t("发文登记中的这份文件没有有效的签名（或签发设备的公钥未知）。",
                           "The register's entry for this document carries no valid "
                           "signature (or the issuing device's key is unknown).")
        if key is not None and signature:
            verdict.detail += " " + t("签发设备指纹 {f}", "issuing device fingerprint {f}",
                                      f=fingerprint(key))
    return verdict
