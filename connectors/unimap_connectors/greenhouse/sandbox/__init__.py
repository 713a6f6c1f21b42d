"""A faithful local Greenhouse Harvest API v3 server for tests, demos and fault drills.

>>> from unimap_connectors.greenhouse.sandbox import Sandbox
>>> with Sandbox(seed=1, size="small", rate_limit=None) as sb:  # doctest: +SKIP
...     sb.base_url, sb.token_url, sb.credentials.client_id, sb.tenant.count("candidates")

See docs/greenhouse-sandbox.md for every behaviour the sandbox decided.
"""

from __future__ import annotations

from .auth import Credentials
from .faults import FaultSpec
from .generator import TenantData, generate, parse_size
from .server import Sandbox
from .stats import Stats
from .tenant import Tenant

__all__ = ["Credentials", "FaultSpec", "Sandbox", "Stats", "Tenant", "TenantData", "generate", "parse_size"]
