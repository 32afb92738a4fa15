"""The database schema, only ever changed through named migrations.

Never edit a migration that has shipped: add a new one. A database that has a migration this
program does not know was written by a newer version and is refused (see ``store``).
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from inspector.core.schema_version import MIGRATION_SET, STANDING_STALE_KEY

migrations = Migrations(MIGRATION_SET)


# The wall-clock time (ms) of the opening store, for migrations that write changes.
_opened_at_ms = 0


def migrate(conn: sqlite3.Connection, wall_ms: int = 0) -> None:
    """Apply every pending migration, each in its own transaction."""
    global _opened_at_ms
    _opened_at_ms = wall_ms
    migrations.apply(Database(conn, execute_plugins=False, strict=True))


@migrations()
def m001_initial(db: Database) -> None:
    db.table("local_state").create({"key": str, "value": str}, pk="key", strict=True)

    # The change log: every change to user data, the audit trail and the unit of sync.
    db.table("changes").create(
        {
            "device": str,
            "seq": int,
            "hlc": str,
            "tbl": str,
            "row_id": str,
            "field": str,
            "value": str,  # JSON of the new column value
            "old_value": str,  # JSON of the value it replaced, for the audit trail
            "base": str,  # "<device>:<seq>" of the change that set the value the author saw
            "actor": str,
        },
        pk=("device", "seq"),
        not_null={"device", "seq", "hlc", "tbl", "row_id", "field"},
        strict=True,
    )
    db.table("changes").create_index(["tbl", "row_id"])
    db.table("changes").create_index(["hlc"])

    # The change that produced each field's current value: the "base" of the next change.
    db.table("field_versions").create(
        {"tbl": str, "row_id": str, "field": str, "device": str, "seq": int, "hlc": str},
        pk=("tbl", "row_id", "field"),
        not_null={"device", "seq", "hlc"},
        strict=True,
    )

    db.table("templates").create(
        {
            "id": str,
            "code": str,
            "version": int,
            "title": str,
            "body": str,
            "sha256": str,
            "installed_at": str,
        },
        pk="id",
        not_null={"code", "version", "title", "body", "sha256"},
        strict=True,
    )

    db.table("communities").create(
        {
            "id": str,
            "district": str,
            "street": str,
            "name": str,
            "address": str,
            "households": int,
            "property_management": str,
            "tags": str,  # JSON list
            "created_at": str,
        },
        pk="id",
        strict=True,
    )
    db.table("communities").create_index(["district", "street", "name"])
    db.table("communities").create_index(["name"])

    db.table("inspections").create(
        {
            "id": str,
            "short_id": str,
            "community_id": str,
            "template_id": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "inspectors": str,  # JSON list of names
            "departments": str,  # JSON list of department codes of the joint team
            "signed_by": str,  # JSON list of signer names
            "reopen_reason": str,
            "created_by": str,
        },
        pk="id",
        foreign_keys=[("community_id", "communities", "id"), ("template_id", "templates", "id")],
        strict=True,
    )
    db.table("inspections").create_index(["community_id"])
    db.table("inspections").create_index(["short_id"])

    db.table("responses").create(
        {
            "id": str,  # "<inspection id>:<item code>", so concurrent answers meet on one row
            "inspection_id": str,
            "item_code": str,
            "answer": str,  # pass / fail / na
            "value": float,  # for number items
            "note": str,
            "answered_at": str,
            "answered_by": str,
        },
        pk="id",
        foreign_keys=[("inspection_id", "inspections", "id")],
        strict=True,
    )
    db.table("responses").create_index(["inspection_id"])

    db.table("findings").create(
        {
            "id": str,
            "short_id": str,
            "inspection_id": str,
            "item_code": str,
            "category": str,
            "description": str,
            "location": str,
            "latitude": float,
            "longitude": float,
            "severity": str,
            "department": str,
            "deadline": str,
            "status": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        foreign_keys=[("inspection_id", "inspections", "id")],
        strict=True,
    )
    db.table("findings").create_index(["inspection_id"])
    db.table("findings").create_index(["status"])
    db.table("findings").create_index(["department"])


def known_migration_names() -> set[str]:
    # Every migration is pending on an empty database: that lists them through public API.
    return {m.name for m in migrations.pending(Database(memory=True))}


@migrations()
def m002_signatures(db: Database) -> None:
    # SHA-256 of the signature PNGs drawn at submission (files under signatures/).
    inspections = db.table("inspections")
    inspections.add_column("inspector_signature", str)
    inspections.add_column("representative_signature", str)
    inspections.add_column("representative", str)


@migrations()
def m003_photos(db: Database) -> None:
    # A photo is identified by the SHA-256 of its original bytes (stored under photos/).
    db.table("photos").create(
        {
            "id": str,
            "ext": str,
            "original_name": str,
            "size": int,
            "format": str,
            "width": int,
            "height": int,
            "taken_at": str,  # ISO-8601; with an offset only when the camera recorded one
            "latitude": float,
            "longitude": float,
            "orientation": int,
            "camera": str,
            "exif_problems": str,
            "annotations": str,  # JSON, drawn on derived copies only
            "imported_at": str,
            "imported_by": str,
        },
        pk="id",
        strict=True,
    )
    # Where a photo is evidence: a checklist answer, a finding, a follow-up or the inspection.
    db.table("photo_links").create(
        {
            "id": str,
            "photo_id": str,
            "target_kind": str,  # response / finding / followup / inspection
            "target_id": str,
            "kind": str,  # before / after (or empty)
            "caption": str,
            "created_at": str,
            "created_by": str,
        },
        pk="id",
        foreign_keys=[("photo_id", "photos", "id")],
        strict=True,
    )
    db.table("photo_links").create_index(["target_kind", "target_id"])
    db.table("photo_links").create_index(["photo_id"])
    # 复查: a return visit to check a finding's fix.
    db.table("followups").create(
        {
            "id": str,
            "finding_id": str,
            "visited_on": str,
            "inspector": str,
            "result": str,  # rectified / not_rectified
            "note": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("finding_id", "findings", "id")],
        strict=True,
    )
    db.table("followups").create_index(["finding_id"])


@migrations()
def m004_sync(db: Database) -> None:
    # The team roster: devices whose bundles are applied (a change like any other).
    db.table("devices").create(
        {"id": str, "name": str, "public_key": str, "trusted": int, "updated_at": str},
        pk="id",
        strict=True,
    )
    # A person's choice for a conflict; it syncs, and closes the conflict where it arrives.
    db.table("conflict_resolutions").create(
        {"id": str, "value": str, "resolved_by": str, "resolved_at": str},
        pk="id",
        strict=True,
    )
    # Conflicts found on this device (local: every device that sees both sides finds them).
    db.table("conflicts").create(
        {
            "id": str,
            "kind": str,  # value / delete / locked / future_clock
            "tbl": str,
            "row_id": str,
            "field": str,
            "kept_change": str,
            "kept_value": str,
            "kept_actor": str,
            "kept_hlc": str,
            "lost_change": str,
            "lost_value": str,
            "lost_actor": str,
            "lost_hlc": str,
            "detected_at": str,
            "status": str,  # open / resolved
        },
        pk="id",
        strict=True,
    )
    db.table("conflicts").create_index(["status"])
    # Bundles received but not applied yet: from untrusted devices, or waiting for others.
    db.table("inbox").create(
        {
            "id": str,  # SHA-256 of the bundle file
            "path": str,
            "device": str,
            "device_name": str,
            "public_key": str,
            "first_seq": int,
            "last_seq": int,
            "state": str,  # quarantined / waiting
            "reason": str,
            "received_at": str,
        },
        pk="id",
        strict=True,
    )
    # What this device had received before each of its own changes: a change with sequence
    # number above own_seq may depend on (device, seq). Bundles carry these dependencies.
    db.table("receipts").create({"own_seq": int, "device": str, "seq": int}, strict=True)
    db.table("receipts").create_index(["own_seq"])
    # Concurrent versions whose value the winning branch had also seen ("absorbed"): if that
    # branch later loses to one that never saw the value, they are flagged then.
    db.table("field_siblings").create(
        {"tbl": str, "row_id": str, "field": str, "device": str, "seq": int},
        pk=("tbl", "row_id", "field", "device", "seq"),
        strict=True,
    )
    # Tombstones: the row versions the deleting device had seen (JSON list), or empty.
    for table in ("communities", "findings"):
        db.table(table).add_column("deleted", str)


@migrations(transactional=False)
def m005_registers(db: Database) -> None:
    """The change log in registers (see core/registers.py) with causal heads.

    A change now writes one register whole and names every version it replaced; a register's
    current versions are its *heads*; a conflict is a register with heads that disagree. The
    per-field log of m001 stays as ``changes_v1`` for the audit trail. Existing rows become one
    change per register by this device (an upgrade snapshot): laptops that held the same data
    agree without conflict, and where they differed the difference shows as a conflict.
    """
    conn = db.conn
    if _table_exists(conn, "changes_v1"):
        return  # done, but killed before sqlite-utils recorded it: nothing more to do
    # Rebuilding tables to drop their foreign keys needs the checks off, and that pragma
    # only works outside a transaction: this migration makes its own, all or nothing.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            _m005_registers(db)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (name,)).fetchone() is not None


def _m005_registers(db: Database) -> None:
    import json

    from inspector.core.registers import TABLES

    conn = db.conn
    conn.execute("ALTER TABLE changes RENAME TO changes_v1")
    conn.execute("DROP INDEX IF EXISTS idx_changes_tbl_row_id")
    conn.execute("DROP INDEX IF EXISTS idx_changes_hlc")
    for table in ("field_versions", "field_siblings", "conflict_resolutions", "conflicts"):
        conn.execute(f"DROP TABLE IF EXISTS [{table}]")
    conn.execute(
        "CREATE TABLE changes (device TEXT NOT NULL, seq INTEGER NOT NULL, hlc TEXT NOT NULL,"
        " tbl TEXT NOT NULL, row_id TEXT NOT NULL, reg TEXT NOT NULL,"
        " value TEXT NOT NULL,"  # JSON object: the register's columns
        " replaces TEXT,"  # JSON list of "device:seq" this change replaced, or NULL
        " actor TEXT,"
        " masked INTEGER NOT NULL DEFAULT 0,"  # 1: beyond its device's revocation cut
        " PRIMARY KEY (device, seq)) STRICT, WITHOUT ROWID")
    conn.execute("CREATE INDEX changes_register ON changes (tbl, row_id, reg)")
    conn.execute("CREATE INDEX changes_time ON changes (hlc)")  # the audit trail's order
    # The versions of each register that no other version replaced.
    conn.execute(
        "CREATE TABLE heads (tbl TEXT NOT NULL, row_id TEXT NOT NULL, reg TEXT NOT NULL,"
        " device TEXT NOT NULL, seq INTEGER NOT NULL,"
        " PRIMARY KEY (tbl, row_id, reg, device, seq)) STRICT, WITHOUT ROWID")
    # What another device had received when it made changes first..last (a bundle's
    # "depends"): which changes a change had seen.
    conn.execute(
        "CREATE TABLE contexts (device TEXT NOT NULL, first_seq INTEGER NOT NULL,"
        " last_seq INTEGER NOT NULL, depends TEXT NOT NULL,"
        " PRIMARY KEY (device, first_seq)) STRICT, WITHOUT ROWID")
    # Open conflicts, derived from the heads: the same on every device holding the same
    # changes. ``heads`` lists the disagreeing versions ("device:seq", sorted).
    conn.execute(
        "CREATE TABLE conflicts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, tbl TEXT NOT NULL,"
        " row_id TEXT NOT NULL, reg TEXT NOT NULL, heads TEXT NOT NULL,"
        " detected_at TEXT) STRICT")
    conn.execute("CREATE INDEX conflicts_row ON conflicts (tbl, row_id)")
    # Bundle files this device wrote to a shared folder or a stick (to notice a damaged or
    # replaced one, and a copy of this data directory writing under the same identity).
    conn.execute(
        "CREATE TABLE exported (name TEXT PRIMARY KEY, first_seq INTEGER NOT NULL,"
        " last_seq INTEGER NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL) STRICT")
    conn.execute("CREATE INDEX IF NOT EXISTS receipts_device ON receipts (device, seq)")

    # Rows merged from several laptops may name a parent that has not arrived, or whose
    # creation was cut by a revocation: references are checked by the domain and by
    # ``verify``, not by the database (a merge must never fail half-way on them).
    for table, columns in (("inspections", ["community_id", "template_id"]),
                           ("responses", ["inspection_id"]), ("findings", ["inspection_id"]),
                           ("photo_links", ["photo_id"]), ("followups", ["finding_id"])):
        db.table(table).transform(drop_foreign_keys=columns)

    devices = db.table("devices")
    devices.add_column("code", str)
    devices.add_column("trusted_key", str)
    devices.add_column("trusted_upto", int)
    conn.execute("UPDATE devices SET trusted_key = public_key WHERE trusted = 1")
    devices.transform(drop={"updated_at"})

    # Checklists are named by their content.
    conn.execute("UPDATE inspections SET template_id = (SELECT sha256 FROM templates t"
                 " WHERE t.id = inspections.template_id) WHERE template_id IN"
                 " (SELECT id FROM templates)")
    conn.execute("UPDATE templates SET id = sha256")

    row = conn.execute("SELECT value FROM local_state WHERE key = 'device_id'").fetchone()
    if row is None:
        return  # a new database: nothing to carry over
    device = row[0]
    # The new log numbers from 1 for every device (bundles of the old format are not read
    # any more); receipts and waiting bundles spoke of the old numbers.
    conn.execute("DELETE FROM receipts")
    conn.execute("DELETE FROM inbox")
    seq = 0
    millis = max(_opened_at_ms, 1)
    counter = 0
    for spec in TABLES.values():
        columns = [name for name in spec.columns
                   if name in {c[1] for c in conn.execute(f"PRAGMA table_info([{spec.name}])")}]
        if not columns:
            continue  # a table made by a later migration: nothing to carry over
        for values in conn.execute(
                f"SELECT id, {', '.join(f'[{c}]' for c in columns)} FROM [{spec.name}]"
                " ORDER BY id").fetchall():
            current = dict(zip(columns, values[1:], strict=True))
            for register in spec.registers:
                content = {c: current.get(c) for c in register.columns}
                if all(content[c] is None for c in register.fields):
                    continue
                seq += 1
                counter += 1
                stamp = f"{millis + counter // 100_000:015d}-{counter % 100_000:05d}"
                conn.execute(
                    "INSERT INTO changes (device, seq, hlc, tbl, row_id, reg, value, replaces,"
                    " actor) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    (device, seq, stamp, spec.name, values[0], register.name,
                     json.dumps(content, ensure_ascii=False, sort_keys=True), "upgrade"))
                conn.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?)",
                             (spec.name, values[0], register.name, device, seq))


@migrations()
def m006_config(db: Database) -> None:
    # Team settings that sync (issuer of notices, district targets …): key → value.
    db.table("config").create({"id": str, "value": str}, pk="id", strict=True)


@migrations()
def m007_standing(db: Database) -> None:
    """What the plan counts: answers of the format-2 checklist, and recognition decisions.

    ``responses.detail`` holds what a choice or a sample answer needs beyond a number (JSON:
    ``{"choice": "quasi"}`` or ``{"sampled": 20, "qualified": 17}``). A recognition is a
    recorded decision on a community (district 初评 or city 认定, pass or fail, dated, by
    whom); it is revoked, not deleted, so the record of what was decided stays.
    """
    db.table("responses").add_column("detail", str)
    db.table("recognitions").create({
        "id": str,
        "community_id": str,
        "level": str,  # district / city
        "decision": str,  # pass / fail
        "decided_on": str,  # YYYY-MM-DD
        "decided_by": str,  # who decided (person or office)
        "document": str,  # 文号 or other reference, optional
        "note": str,
        "created_at": str,
        "created_by": str,
        "revoked_on": str,  # YYYY-MM-DD: from this day on the decision no longer counts
        "revoke_reason": str,
        "revoked_by": str,
    }, pk="id", strict=True)
    db.table("recognitions").create_index(["community_id"])


@migrations()
def m008_rectification(db: Database) -> None:
    """The rectification loop: who fixes a finding, the street's directory of units, 复查
    sessions, and the register of issued documents (notices and 交办单)."""
    # 小区 of a community, each with its property company (物业).
    db.table("estates").create({
        "id": str, "community_id": str, "name": str, "property_company": str,
        "property_type": str,  # 专业物业 / 准物业 / 自治 / 无
        "contact": str, "phone": str, "created_at": str, "created_by": str, "deleted": str,
    }, pk="id", strict=True)
    db.table("estates").create_index(["community_id"])
    # Units that supervise or receive 交办单, per district (code: 消防, 综合执法 …).
    db.table("directory").create({
        "id": str, "district": str, "code": str, "name": str, "contact": str, "phone": str,
        "sample": int,  # 1: shipped as 示例, to be replaced by the street's real list
        "deleted": str,
    }, pk="id", strict=True)
    db.table("directory").create_index(["district", "code"])
    findings = db.table("findings")
    for column in ("estate_id", "party_kind", "party_name",  # who must fix it
                   "measures", "fixed_on", "replied_at", "replied_by",  # the party's reply
                   "closed_on", "closed_by", "closed_in"):  # 销号
        findings.add_column(column, str)
    # A 复查 (return visit): a signed walk through the open findings of an inspection or of
    # a community; each finding's result is a follow-up row.
    db.table("rechecks").create({
        "id": str, "short_id": str, "community_id": str, "inspection_id": str,
        "started_at": str, "inspectors": str, "created_by": str,
        "status": str, "submitted_at": str, "signed_by": str,
    }, pk="id", strict=True)
    db.table("rechecks").create_index(["community_id"])
    followups = db.table("followups")
    followups.add_column("recheck_id", str)
    followups.add_column("new_deadline", str)
    followups.create_index(["recheck_id"])
    # Every document issued with a number: what it states, to whom, and what replaced it.
    db.table("documents").create({
        "id": str, "kind": str,  # notice / referral
        "number": str, "issuer": str, "prefix": str, "year": int, "device_code": str,
        "seq": int, "inspection_id": str, "addressee_key": str, "addressee_name": str,
        "facts": str, "sha256": str, "issued_on": str, "file_name": str, "supersedes": str,
        "issued_at": str, "issued_by": str, "superseded_by": str,
    }, pk="id", strict=True)
    db.table("documents").create_index(["inspection_id", "kind", "addressee_key"])
    db.table("documents").create_index(["prefix", "year", "device_code", "seq"])


@migrations()
def m009_field(db: Database) -> None:
    """A day in the field: community positions and site plans, finding coordinates and pins,
    photo links that can be removed (tombstones) and that remember a camera-card import, and a
    photo's decoding damage."""
    communities = db.table("communities")
    communities.add_column("latitude", float)
    communities.add_column("longitude", float)
    communities.add_column("site_plan", str)  # SHA-256 of the plan image (a photos row)
    findings = db.table("findings")
    for column, kind in (("coord_latitude", float), ("coord_longitude", float),
                         ("coord_source", str), ("coord_at", str), ("coord_by", str),
                         ("pin_plan", str), ("pin_x", float), ("pin_y", float),
                         ("pinned_at", str), ("pinned_by", str)):
        findings.add_column(column, kind)
    db.table("photos").add_column("decode_problem", str)
    links = db.table("photo_links")
    links.add_column("origin", str)
    links.add_column("deleted", str)
    # Originals this device deleted after ``verify --clean`` proved them unreferenced past the
    # retention period (local: each device cleans its own copies).
    db.table("cleaned_photos").create({"id": str, "cleaned_at": str}, pk="id", strict=True)


@migrations()
def m010_documents(db: Database) -> None:
    """The register of issued documents covers every PDF handed over (findings report, 复查
    report, district summary as well as notices): who signed it, and each file written."""
    documents = db.table("documents")
    documents.add_column("subject", str)  # what it is about: inspection, re-check, year
    documents.add_column("device", str)  # the issuing device, whose key signed it
    documents.add_column("signature", str)  # Ed25519 over (number, facts digest, issued-at)
    documents.create_index(["number"])
    # Each PDF file written for a document: its SHA-256 (the id) and a digest per page of
    # what the page shows, so a re-saved copy can be told from an edited one.
    db.table("document_files").create({
        "id": str, "document_id": str, "size": int, "pages": str, "written_at": str,
        "written_by": str,
    }, pk="id", strict=True)
    db.table("document_files").create_index(["document_id"])


@migrations()
def m011_community_standing(db: Database) -> None:
    """Each community's standing as a maintained summary: its latest submitted inspection
    (by the instant it started), that inspection's score and whether it meets the standard
    (达标), and its open findings. Kept up to date in the same transaction as every write
    that touches communities, inspections, answers or findings (``inspector.domain.
    community_standing``, registered with the store).

    Derived data: NOT written to the change log and never synced — each laptop recomputes it
    from the facts it holds (the synced rows), so it cannot disagree with them. Scoring needs
    the checklists, which only the domain reads, so the migration cannot fill the table
    itself: it marks it stale in ``local_state`` and the domain rebuilds it whole at the
    first write or read (see ``community_standing.ensure``).
    """
    db.table("community_standing").create({
        "community_id": str,
        "inspection_id": str,  # the latest submitted inspection; NULL: none
        "started_at": str,
        "score": float,  # its percent (NULL: nothing scored)
        "met": int,  # 1 达标, 0 not; NULL without a submitted inspection
        "open_findings": int,  # open, not deleted, over all its inspections
    }, pk="community_id", strict=True)
    db.execute("INSERT OR REPLACE INTO local_state (key, value) VALUES (?, '1')",
               [STANDING_STALE_KEY])
