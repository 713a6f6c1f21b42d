"""Talking to vendor APIs: the JSON-RPC client, rate limiting and retries.

``httpx``'s transport is the only seam to the network: pass ``transport=`` to a client to
route its requests elsewhere (tests use the OTYS sandbox over real HTTP instead).
"""

from unimap.transport.client import CallStats, VendorClient, open_client

__all__ = ["CallStats", "VendorClient", "open_client"]
