"""The ``npdeep`` subcommands of this module (being written)."""
from __future__ import annotations


def add_parsers(sub, formatter_class) -> None:
    """Adds this module's subcommands to the ``npdeep`` parser (none yet)."""
