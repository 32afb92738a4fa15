"""What a write operation changed: which rows of which tables.

Every change to a user table goes through the change log (``changelog.write`` for this
device's own changes, ``changelog.apply`` for others'); the store notes each row so touched
in a journal of the current write transaction, and ``records.changing`` turns the part of the
journal written inside it into a ``Changes``. So a domain operation returns exactly the rows
its change-log entries name (plus, after a revocation cut, the rows shown again) — callers
(a window refreshing what it shows, a test) need not guess. Derived tables that are not in
the change log (e.g. ``community_standing``) are not named: they follow from the rows that are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

Row = tuple[str, str]  # (table, row id)


@dataclass(frozen=True)
class Changes:
    """A set of (table, row id) pairs; immutable and hashable, merged with ``|``."""

    pairs: frozenset[Row] = field(default_factory=frozenset)

    @classmethod
    def of(cls, pairs: Iterable[Row]) -> Changes:
        return cls(frozenset((str(table), str(row_id)) for table, row_id in pairs))

    @property
    def tables(self) -> frozenset[str]:
        """The tables with at least one changed row."""
        return frozenset(table for table, _ in self.pairs)

    def touches(self, table: str) -> bool:
        return any(name == table for name, _ in self.pairs)

    def rows(self, table: str) -> frozenset[str]:
        """The ids of the changed rows of ``table`` (empty if none)."""
        return frozenset(row_id for name, row_id in self.pairs if name == table)

    def by_table(self) -> dict[str, frozenset[str]]:
        """Table → the ids of its changed rows."""
        return {table: self.rows(table) for table in sorted(self.tables)}

    def __or__(self, other: Changes) -> Changes:
        if not isinstance(other, Changes):
            return NotImplemented
        return Changes(self.pairs | other.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[Row]:
        return iter(sorted(self.pairs))


NONE = Changes()


def union(many: Iterable[Changes]) -> Changes:
    result: set[Row] = set()
    for changes in many:
        result |= changes.pairs
    return Changes(frozenset(result))


@dataclass(frozen=True)
class Created:
    """A new row's id and every row its creation wrote."""

    id: str
    changes: Changes


class Recorder:
    """Filled by ``records.changing`` when its transaction (or savepoint) ends well."""

    def __init__(self) -> None:
        self.changes: Changes = NONE
