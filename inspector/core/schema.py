"""The database schema, only ever changed through named migrations.

Never edit a migration that has shipped: add a new one. A database that has a migration this
program does not know was written by a newer version and is refused (see ``store``).
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from inspector.core.schema_version import MIGRATION_SET

migrations = Migrations(MIGRATION_SET)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every pending migration, each in its own transaction."""
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
