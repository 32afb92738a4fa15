"""The domain: communities, checklists, inspections, findings, scoring and photos as
evidence. Writes only through the core's change log."""

# Derived tables follow every write of whoever imports the domain (sync, CLI, GUI): register
# their updaters with the store now (cheap: the module imports only the core at first).
from inspector.domain import community_standing as _community_standing  # noqa: E402, F401
