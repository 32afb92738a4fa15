"""绿色社区巡查 — the domain layer: store, checklists, scoring, CLI. No Qt here."""

__version__ = "0.1.0"
