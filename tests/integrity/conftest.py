"""The write-side sandbox fixtures (a synced OTYS integration per test), shared with ``tests/writeside``."""

from __future__ import annotations

from api.conftest import live, make_live  # noqa: F401
from writeside.conftest import engine, env, file_server, make_env  # noqa: F401

from unimap_connectors.otys.sandbox.pytest_plugin import otys_sandbox, otys_sandbox_factory  # noqa: F401
