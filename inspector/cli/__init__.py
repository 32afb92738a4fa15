"""The ``inspector`` command line."""

from inspector.cli.app import main

__all__ = ["main"]
