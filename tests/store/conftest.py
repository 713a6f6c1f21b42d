"""The store suite runs every test against SQLite and PostgreSQL (``store_url``, ``make_store_url``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from unimap_connectors.otys.sandbox import Sandbox

from .pg import deselect_without_server, make_pg_url, make_store_url, pg_url, store_url, summary_line  # noqa: F401


@pytest.fixture
def make_sandbox(otys_sandbox_factory: Callable[..., Sandbox]) -> Callable[..., Sandbox]:
    """``make(**kwargs)``: a started sandbox (seed 1, small, rate limit off by default)."""
    return otys_sandbox_factory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_without_server(config, items)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    line = summary_line(config)
    if line and not getattr(config, "_unimap_pg_said", False):
        config._unimap_pg_said = True  # type: ignore[attr-defined]
        terminalreporter.write_line(f"SKIPPED {line}", yellow=True)
