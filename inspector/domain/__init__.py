"""The domain: communities, checklists, inspections, findings, scoring and photos as
evidence. Writes only through the core's change log."""
