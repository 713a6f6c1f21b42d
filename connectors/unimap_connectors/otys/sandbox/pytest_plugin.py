"""pytest fixtures: ``otys_sandbox`` and ``otys_sandbox_factory``.

Enable with ``pytest_plugins = ["unimap_connectors.otys.sandbox.pytest_plugin"]`` in the root
``conftest.py``. Each sandbox is stopped (threads joined, port released) at test teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import Sandbox


@pytest.fixture
def otys_sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """A factory ``make(**kwargs) -> started Sandbox`` (defaults: seed 1, small, rate limit off).

    ``preset=`` picks a tenant variant (``presets.py``; default ``default``).
    """
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
def otys_sandbox(otys_sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox: seed 1, small tenant, rate limit off, no faults."""
    return otys_sandbox_factory()
