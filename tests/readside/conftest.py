"""Fixtures for the read-side tests: OTYS sandboxes over real HTTP and synced stores.

Every sandbox listens on 127.0.0.1 and is stopped at teardown. ``synced`` is one small tenant
fully synced into a file store, shared by the whole session: tests using it only read. Tests
that change a tenant get their own sandbox from ``make_sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from unimap.service import Unimap
from unimap_connectors.otys.sandbox import Sandbox

from .helpers import Synced, connect


@pytest.fixture
def make_sandbox(otys_sandbox_factory: Callable[..., Sandbox]) -> Callable[..., Sandbox]:
    """``make(**kwargs)``: a started sandbox (seed 1, small, rate limit off by default)."""
    return otys_sandbox_factory


@pytest.fixture
def make_synced(make_sandbox: Callable[..., Sandbox], tmp_path: Path) -> Iterator[Callable[..., Synced]]:
    """``make(**sandbox_kwargs)``: a fresh sandbox fully synced into a fresh file store."""
    opened: list[Unimap] = []

    def make(**kwargs: Any) -> Synced:
        sb = make_sandbox(**kwargs)
        url = f"sqlite:///{tmp_path / f'store{len(opened)}.db'}"
        um = Unimap(url)
        opened.append(um)
        iid = connect(um, sb)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        return Synced(sb, um, iid, url, report)

    yield make
    for um in opened:
        um.close()


@pytest.fixture(scope="session")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """READ ONLY: the small seed-1 tenant fully synced into a file store (shared by the session)."""
    sb = Sandbox(seed=1, size="small", rate_limit=None).start()
    url = f"sqlite:///{tmp_path_factory.mktemp('synced') / 'unimap.db'}"
    um = Unimap(url)
    try:
        iid = connect(um, sb)
        report = um.sync(iid, full=True)
        assert report.ok, report.as_dict()
        yield Synced(sb, um, iid, url, report)
    finally:
        um.close()
        sb.stop()
