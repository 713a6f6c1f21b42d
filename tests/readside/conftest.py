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
from unimap_connectors.otys.sandbox.suite import SUITE_PRESETS, mark_preset_xfails

from .helpers import Synced, connect


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under a preset whose connector settings do not exist yet, the tests are expected to fail."""
    mark_preset_xfails(items)


@pytest.fixture(scope="session", params=SUITE_PRESETS)
def otys_preset(request: pytest.FixtureRequest) -> str:
    """The sandbox preset (tenant variant) a test runs under; every read-side test runs under each."""
    return str(request.param)


@pytest.fixture
def make_sandbox(otys_sandbox_factory: Callable[..., Sandbox], otys_preset: str) -> Callable[..., Sandbox]:
    """``make(**kwargs)``: a started sandbox (seed 1, small, rate limit off, the run's preset by default)."""

    def make(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("preset", otys_preset)
        return otys_sandbox_factory(**kwargs)

    return make


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
def synced(tmp_path_factory: pytest.TempPathFactory, otys_preset: str) -> Iterator[Synced]:
    """READ ONLY: the small seed-1 tenant of the run's preset fully synced into a file store (per session)."""
    sb = Sandbox(seed=1, size="small", rate_limit=None, preset=otys_preset).start()
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
