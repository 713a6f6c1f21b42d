"""Shared test set-up: the OTYS sandbox fixtures when the sandbox ships, and a few small helpers."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from unimap.config import Config
from unimap.engine import Engine

if importlib.util.find_spec("unimap_connectors.otys.sandbox.pytest_plugin") is not None:
    pytest_plugins = ["unimap_connectors.otys.sandbox.pytest_plugin"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SPEC_FIXTURES = FIXTURES / "specs"

_ENV = ("UNIMAP_CONFIG", "UNIMAP_SPEC_PATH", "UNIMAP_PLUGINS", "UNIMAP_DISABLE_ENTRY_POINTS", "UNIMAP_DEBUG")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No ``UNIMAP_*`` variables and an empty working directory (so no ``unimap.toml`` is read)."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work


@pytest.fixture
def engine(clean_env: Path) -> Engine:
    """An engine with the built-in plugins and entry points, and no user configuration."""
    return Engine(config=Config())


@pytest.fixture(scope="session")
def otys_preset() -> str:
    """The OTYS sandbox preset outside the read- and write-side suites (which run every preset): today's."""
    return "today"
