"""Errors the user can act on. Their message is complete and shown as is."""

from __future__ import annotations


class InspectorError(Exception):
    """A refused operation or bad input; the CLI prints it and exits with status 2."""


class DataDirError(InspectorError):
    """The data directory cannot be used (locked, inside a sync folder, unwritable)."""


class SchemaError(InspectorError):
    """The database was written by a newer program or is not ours."""


class TemplateError(InspectorError):
    """A checklist template file is invalid."""


class ImportFileError(InspectorError):
    """An import file has bad lines; ``problems`` lists every one of them."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class NotFoundError(InspectorError):
    """An id or name that matches nothing (or more than one thing)."""


class ReadOnlyError(InspectorError):
    """A change to a submitted (locked) inspection."""
