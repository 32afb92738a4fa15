"""Command-line commands for this area; ``register`` adds them to the ``inspector`` parser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(commands: Any, command: Callable[..., Any]) -> None:
    """Add this module's sub-commands (``command(group, name, handler, help)`` makes one)."""
