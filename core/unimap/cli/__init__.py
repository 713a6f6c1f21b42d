"""The ``unimap`` command line (click); commands print errors without tracebacks."""

from __future__ import annotations

from unimap.cli.main import cli, main

__all__ = ["cli", "main"]
