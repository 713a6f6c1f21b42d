"""The store suite runs every test against SQLite and PostgreSQL (``store_url``, ``make_store_url``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from unimap_connectors.otys.sandbox import Sandbox

from .pg import make_pg_url, make_store_url, pg_url, store_url  # noqa: F401  (fixtures)


@pytest.fixture
def make_sandbox(otys_sandbox_factory: Callable[..., Sandbox]) -> Callable[..., Sandbox]:
    """``make(**kwargs)``: a started sandbox (seed 1, small, rate limit off by default)."""
    return otys_sandbox_factory
