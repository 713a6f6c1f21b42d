"""pytest fixtures: ``greenhouse_sandbox`` and ``greenhouse_sandbox_factory``.

Enable with ``pytest_plugins = ["unimap_connectors.greenhouse.sandbox.pytest_plugin"]`` in a root
``conftest.py`` (or import both fixtures into a nested one). Each sandbox is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import Sandbox


@pytest.fixture
def greenhouse_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """A factory ``make(**kwargs) -> started Sandbox`` (defaults: seed 1, small, rate limit off)."""
    made: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("seed", 1)
        kwargs.setdefault("size", "small")
        kwargs.setdefault("rate_limit", None)
        sb = Sandbox(**kwargs).start()
        made.append(sb)
        return sb

    yield make
    for sb in reversed(made):
        sb.stop()


@pytest.fixture
def greenhouse_sandbox(greenhouse_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox: seed 1, small tenant, rate limit off, no faults."""
    return greenhouse_sandbox_factory()
