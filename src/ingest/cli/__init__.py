"""The ``ingest`` command line."""

from __future__ import annotations

from ingest.cli.main import main

__all__ = ["main"]
