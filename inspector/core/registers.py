"""What is user data, and the units in which it merges.

Every tracked table is split into *registers*: groups of columns that are written together
and merge as one value. A change writes one register whole (its facts and its bookkeeping),
so a merge never builds a record nobody entered: an answer's choice, number and note come from
one person's one edit, and "who/when" always describe the value shown.

- ``fields`` are the facts: two concurrent versions with different facts are a conflict.
- ``bookkeeping`` (who and when) follows the winning version and never conflicts.
- ``self_only``: only the device the row describes may write it (its own key and code).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Register:
    name: str
    fields: tuple[str, ...]
    bookkeeping: tuple[str, ...] = ()
    self_only: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.fields + self.bookkeeping


@dataclass(frozen=True)
class TableSpec:
    name: str
    registers: tuple[Register, ...]

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(c for r in self.registers for c in r.columns)

    def register(self, name: str) -> Register:
        for register in self.registers:
            if register.name == name:
                return register
        raise KeyError(f"{self.name} has no register {name}")

    def register_of(self, column: str) -> Register:
        for register in self.registers:
            if column in register.columns:
                return register
        raise KeyError(f"{self.name} has no tracked column {column}")

    @property
    def deletable(self) -> bool:
        return any(r.name == DELETED for r in self.registers)


DELETED = "deleted"
_DELETED = Register(DELETED, ("deleted",))


def _each(*columns: str) -> tuple[Register, ...]:
    """One register per column (registry facts that change independently)."""
    return tuple(Register(column, (column,)) for column in columns)


TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    # A checklist is immutable and named by its content: one register, written once.
    TableSpec("templates", (
        Register("body", ("code", "version", "title", "body", "sha256"), ("installed_at",)),
    )),
    TableSpec("communities", (
        Register("place", ("district", "street", "name"), ("created_at",)),
        *_each("address", "households", "property_management", "tags"),
        # Where the community is (WGS-84), and the site plan image (a photo's SHA-256) that
        # findings are pinned on.
        Register("position", ("latitude", "longitude")),
        Register("site_plan", ("site_plan",)),
        _DELETED,
    )),
    TableSpec("inspections", (
        Register("identity", ("short_id", "community_id", "template_id", "started_at"),
                 ("created_by",)),
        *_each("inspectors", "departments"),
        # Submitting or reopening is one act: status, signers, signatures, reason together.
        Register("state", ("status", "finished_at", "signed_by", "inspector_signature",
                           "representative_signature", "representative", "reopen_reason")),
    )),
    TableSpec("responses", (
        Register("answer", ("inspection_id", "item_code", "answer", "value", "note",
                            "detail"),
                 ("answered_at", "answered_by")),
    )),
    TableSpec("findings", (
        Register("facts", ("short_id", "inspection_id", "item_code", "category",
                           "description", "location", "latitude", "longitude", "severity"),
                 ("created_at", "created_by")),
        *_each("department", "deadline", "status"),
        # Where the hazard is, apart from its facts so that placing it never conflicts with
        # an edit of the description: WGS-84 coordinates with where they came from (typed, or
        # "photo:<sha256>"), and a pin on the community's site plan (plan coordinates 0..1 on
        # the plan image named by its SHA-256). The facts' latitude/longitude are the
        # coordinates of findings recorded before these registers existed.
        Register("coordinates", ("coord_latitude", "coord_longitude", "coord_source"),
                 ("coord_at", "coord_by")),
        Register("pin", ("pin_plan", "pin_x", "pin_y"), ("pinned_at", "pinned_by")),
        _DELETED,
        # Who must fix it: the estate, and the party (property company, 居委会 or owner unit).
        Register("responsible", ("estate_id", "party_kind", "party_name")),
        # The responsible party's reply (整改措施, 完成时间), as recorded by an inspector.
        Register("reply", ("measures", "fixed_on"), ("replied_at", "replied_by")),
        # 销号: closed by a signed 复查 (which one, by whom, on which day).
        Register("closure", ("closed_on", "closed_by", "closed_in")),
    )),
    TableSpec("photos", (
        Register("meta", ("ext", "original_name", "size", "format", "width", "height",
                          "taken_at", "latitude", "longitude", "orientation", "camera",
                          "exif_problems", "decode_problem"), ("imported_at", "imported_by")),
        Register("annotations", ("annotations",)),
    )),
    TableSpec("photo_links", (
        Register("link", ("photo_id", "target_kind", "target_id", "kind", "caption"),
                 ("created_at", "created_by")),
        # "card" for links a camera-card import made (a re-run moves them, never doubles them).
        Register("origin", ("origin",)),
        # A photo removed from an answer or finding: a tombstone that syncs and can be undone;
        # the original stays in the store for the audit.
        _DELETED,
    )),
    TableSpec("followups", (
        Register("visit", ("finding_id", "visited_on", "inspector", "result", "note"),
                 ("created_at",)),
        # A follow-up made in a 复查 session, and the new deadline a not-fixed result sets.
        Register("recheck", ("recheck_id", "new_deadline")),
    )),
    TableSpec("estates", (
        Register("identity", ("community_id", "name"), ("created_at", "created_by")),
        Register("company", ("property_company", "property_type", "contact", "phone")),
        _DELETED,
    )),
    TableSpec("directory", (
        Register("unit", ("district", "code")),
        Register("details", ("name", "contact", "phone", "sample")),
        _DELETED,
    )),
    TableSpec("rechecks", (
        Register("identity", ("short_id", "community_id", "inspection_id", "started_at"),
                 ("created_by",)),
        Register("inspectors", ("inspectors",)),
        Register("state", ("status", "submitted_at", "signed_by")),
    )),
    # Issued documents: written once when issued; only "superseded_by" changes later.
    TableSpec("documents", (
        Register("issue", ("kind", "number", "issuer", "prefix", "year", "device_code", "seq",
                           "inspection_id", "addressee_key", "addressee_name", "facts",
                           "sha256", "issued_on", "file_name", "supersedes", "subject",
                           "device", "signature"),
                 ("issued_at", "issued_by")),
        Register("superseded", ("superseded_by",)),
    )),
    # Recognition decisions (district 初评, city 认定): recorded once; revoking is its own act.
    TableSpec("recognitions", (
        Register("decision", ("community_id", "level", "decision", "decided_on", "decided_by",
                              "document", "note"), ("created_at", "created_by")),
        Register("revocation", ("revoked_on", "revoke_reason"), ("revoked_by",)),
    )),
    # Each PDF file written for an issued document (id: the SHA-256 of its bytes).
    TableSpec("document_files", (
        Register("file", ("document_id", "size", "pages"), ("written_at", "written_by")),
    )),
    # Team settings (issuer, targets …), one row per key.
    TableSpec("config", (Register("value", ("value",)),)),
    # The team roster. A device's name, key and short code are published by the device itself;
    # trust (with the key trusted and, once revoked, the last sequence number that counts)
    # is given by others.
    TableSpec("devices", (
        Register("name", ("name",), self_only=True),
        Register("key", ("public_key",), self_only=True),
        Register("code", ("code",), self_only=True),
        Register("trust", ("trusted", "trusted_key", "trusted_upto")),
    )),
)}

TRACKED_FIELDS: dict[str, frozenset[str]] = {name: spec.columns for name, spec in TABLES.items()}


def spec(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError:
        raise KeyError(f"{table} is not a tracked table") from None
