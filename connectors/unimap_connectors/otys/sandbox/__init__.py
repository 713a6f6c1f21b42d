"""A faithful local OTYS Web Services (OWS) server for tests, demos and fault drills.

>>> from unimap_connectors.otys.sandbox import Sandbox
>>> with Sandbox(seed=1, size="small") as sb:  # doctest: +SKIP
...     sb.base_url, sb.api_key, sb.tenant.count("CandidateService")

See docs/otys-sandbox.md for every behaviour the sandbox decided.
"""

from __future__ import annotations

from .faults import FaultSpec
from .generator import TenantData, generate, parse_size
from .presets import PRESETS, preset
from .server import Sandbox
from .settings import SandboxSettings
from .stats import Stats
from .store import Tenant

__all__ = [
    "PRESETS",
    "FaultSpec",
    "Sandbox",
    "SandboxSettings",
    "Stats",
    "Tenant",
    "TenantData",
    "generate",
    "parse_size",
    "preset",
]
