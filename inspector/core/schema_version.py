"""The names of the schema's migrations, readable without importing sqlite-utils.

Opening a data directory checks these against the database (a newer program's database is
refused) without paying for the sqlite-utils import at every start; ``schema`` itself is
imported only when a migration is pending. tests/test_store.py keeps the two in step.
"""

from __future__ import annotations

MIGRATION_SET = "green-inspector"
MIGRATION_NAMES = ("m001_initial", "m002_signatures", "m003_photos", "m004_sync",
                   "m005_registers", "m006_config", "m007_standing",
                   "m008_rectification", "m009_field", "m010_documents",
                   "m011_community_standing")

# local_state key set while the derived ``community_standing`` table needs a full rebuild.
STANDING_STALE_KEY = "community_standing_stale"
