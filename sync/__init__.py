"""Sync between devices (bundles, folder transport, merge). No Qt here."""
