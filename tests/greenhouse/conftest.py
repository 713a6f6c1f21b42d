"""Fixtures for the Greenhouse connector tests: Greenhouse sandboxes on 127.0.0.1 and synced stores.

The connector under test is YAML only (``mappings/greenhouse``); these fixtures only start the
sandbox, connect an integration to it and sync. Every sandbox is stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from unimap.service import Unimap
from unimap_connectors.greenhouse.sandbox import Sandbox
from unimap_connectors.greenhouse.sandbox.pytest_plugin import (  # noqa: F401  (fixtures)
    greenhouse_sandbox,
    greenhouse_sandbox_factory,
)

from .helpers import Synced, connect


@pytest.fixture
def make_synced(greenhouse_sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Iterator[Callable[..., Synced]]:  # noqa: F811
    """``make(**sandbox_kwargs)``: a fresh sandbox fully synced into a fresh file store."""
    opened: list[Unimap] = []

    def make(settings: dict[str, Any] | None = None, **kwargs: Any) -> Synced:
        sb = greenhouse_sandbox_factory(**kwargs)
        um = Unimap(f"sqlite:///{tmp_path / f'store{len(opened)}.db'}")
        opened.append(um)
        iid = connect(um, sb, **(settings or {}))
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        return Synced(sb, um, iid, report)

    yield make
    for um in opened:
        um.close()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """READ ONLY: the small seed-1 tenant fully synced (shared by a test module)."""
    sb = Sandbox(seed=1, size="small", rate_limit=None).start()
    um = Unimap(f"sqlite:///{tmp_path_factory.mktemp('gh') / 'unimap.db'}")
    try:
        iid = connect(um, sb)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        yield Synced(sb, um, iid, report)
    finally:
        um.close()
        sb.stop()
