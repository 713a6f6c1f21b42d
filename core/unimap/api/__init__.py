"""The HTTP API: Kombo's unified ATS endpoints served from a unimap store (``unimap serve``).

``create_app(service_or_store_url, ...)`` builds the ASGI app; ``ApiServer`` runs it with
uvicorn in a background thread. See docs/http-api.md.
"""

from __future__ import annotations

from .app import create_app
from .server import ApiServer, serve

__all__ = ["ApiServer", "create_app", "serve"]
